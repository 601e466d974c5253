"""Journal benchmarks: signature verification, the submit pipeline, verify, rebuild, export, import.

Prints the machine, then measures (DESIGN §3 and §5):

1. raw PyNaCl Ed25519 verification of action-sized messages, one thread (best of 3 runs);
2. signed actions appended per second through the real submit pipeline
   (``commonwork.services.acting.submit_signed``: form and signature checks, then
   ``append_actions``) on SQLite and on a throwaway PostgreSQL server, in batches and one action
   per request, with a realistic mix (a commons founded, members join, contributions recorded and
   validated by other members); every action is signed before the clock starts;
3. for a journal of ``--entries`` entries on SQLite: how fast it is built, verified
   (``verify_commons``), rebuilt (``rebuild_projections``), exported and imported into an empty
   node; and the peak resident memory.

The figures are printed as a table (and written as JSON with ``--json``). Nothing here asserts a
time: the targets are in benchmarks/README.md.

    .venv/bin/python benchmarks/journal_append.py --quick          # smoke run, ~1 minute
    .venv/bin/python benchmarks/journal_append.py --json benchmarks/out/journal.json
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nacl.signing
import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from _machine import describe_machine, machine_facts
from _workload import WORDS
from commonwork.commons.actions import FOUND, JOIN
from commonwork.commons.charter_policies import complete_charter
from commonwork.journal.actions import ACTION_DOMAIN, build_action
from commonwork.journal.canonical import canon
from commonwork.journal.keys import Keypair, b64url
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended
from commonwork.node.settings import SETTINGS_HELP, Settings
from commonwork.production.actions import RECORD, VALIDATE
from commonwork.services.acting import submit_signed
from commonwork.services.journals import (
    export_journal,
    import_journal,
    rebuild_projections,
    verify_commons,
)

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.40  # pipeline (SQLite, batched) / raw verification rate
WORKERS_SETTING = "COMMONWORK_VERIFY_WORKERS"
#: COMMONWORK_SQLITE_SYNCHRONOUS for every node (FULL, the default, or NORMAL): --sqlite-synchronous
SYNCHRONOUS: dict[str, str] = {}

CHARTER: dict[str, Any] = {
    "name": "Benchmark Commons",
    "purpose": "Measure how fast a commons' journal grows, verifies and rebuilds",
    "aims": ["Keep the record honest", "Keep it fast"],
    "metrics": [{"name": "entries", "description": "Entries appended per second"}],
    "licence": "CC-BY-SA-4.0",
}
KINDS = (("work", 70), ("review", 15), ("artifact", 10), ("money", 5))
DISPUTE_SHARE = 0.08


# ---------------------------------------------------------------------------------------------
# The workload: a commons' members recording and validating contributions, signed in advance
# ---------------------------------------------------------------------------------------------


#: Each pipeline case is run this many times on its node and reported as its best run, like the
#: raw verification rate it is compared with (this VM's figures vary by about ±15% run to run).
REPEATS = 3


def sign(keypair: Keypair, action: dict[str, Any]) -> dict[str, Any]:
    """What a client sends: the action and its author's signature (the client's cost, untimed)."""
    signature = keypair.sign(ACTION_DOMAIN + canon(action))
    return {"action": action, "author_sig": b64url(signature)}


@dataclass
class Mix:
    """What a run appended, by type, and the mean size of what the authors signed."""

    types: Counter[str] = field(default_factory=Counter)
    signed_bytes: int = 0

    def add(self, item: dict[str, Any]) -> None:
        self.types[item["action"]["type"]] += 1
        self.signed_bytes += len(ACTION_DOMAIN) + len(canon(item["action"]))

    @property
    def count(self) -> int:
        return sum(self.types.values())

    def describe(self) -> str:
        short = {JOIN: "joins", RECORD: "records", VALIDATE: "validations", FOUND: "found"}
        parts = [f"{self.types[kind]} {name}" for kind, name in short.items() if self.types[kind]]
        mean = self.signed_bytes // max(self.count, 1)
        return f"{', '.join(parts)}; signed message {mean} B mean"


class Workload:
    """Pre-signed actions for one commons, in rounds.

    A founder and ``members - 1`` others join; then each round holds validations of
    contributions recorded in earlier rounds (by 1 or 2 members other than the contributor,
    mostly approvals) mixed with new contribution records. Validations name a contribution by
    its entry id, which exists only once it is appended: so a round is signed after the one
    before it was appended, and only the appending is timed.
    """

    def __init__(self, rng: random.Random, members: int) -> None:
        self.rng = rng
        self.people = [Keypair(rng.randbytes(32)) for _ in range(members)]
        self.by_did = {person.did: index for index, person in enumerate(self.people)}
        self.to_validate: deque[tuple[str, int]] = deque()  # (contribution id, contributor)
        self.commons_id = ""

    def found(self, host: str) -> dict[str, Any]:
        # a commons as founded today: complete policies and engine 1, so settlement runs, and
        # addressed to the node that appends it (``host``, its host key)
        charter = complete_charter(CHARTER, self.people[0].did, "small-group")
        body = {"charter": charter, "founder_name": "Founder", "host": host}
        return sign(self.people[0], build_action(type=FOUND, author=self.people[0].did, body=body))

    def joins(self) -> list[dict[str, Any]]:
        return [
            self._signed(person, JOIN, {"name": f"Member {index}"})
            for index, person in enumerate(self.people[1:], start=1)
        ]

    def _signed(self, person: Keypair, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        action = build_action(type=type_, author=person.did, body=body, commons=self.commons_id)
        return sign(person, action)

    def record(self) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        description = " ".join(rng.choices(WORDS, k=rng.randint(6, 30)))
        body: dict[str, Any] = {"kind": kind, "description": description}
        if kind == "money":
            body.update(quantity=str(rng.randint(100, 50_000)), currency="EUR")
        else:
            body["quantity"] = rng.choice(("0.5", "1", "1.5", "2", "2.25", "3", "4", "6.5", "8"))
        return self._signed(rng.choice(self.people), RECORD, body)

    def validation(self, contribution: str, validator: int) -> dict[str, Any]:
        disputed = self.rng.random() < DISPUTE_SHARE
        body = {
            "contribution": contribution,
            "verdict": "dispute" if disputed else "approve",
            "reason": "I could not find this in the workshop log" if disputed else "",
        }
        return self._signed(self.people[validator], VALIDATE, body)

    def next_round(self, size: int) -> list[dict[str, Any]]:
        """``size`` actions: validations waiting from earlier rounds (up to 60%), then records."""
        out: list[dict[str, Any]] = []
        while self.to_validate and len(out) < size * 6 // 10:
            contribution, validator = self.to_validate.popleft()
            out.append(self.validation(contribution, validator))
        out.extend(self.record() for _ in range(size - len(out)))
        self.rng.shuffle(out)
        return out

    def appended(self, results: Sequence[Appended]) -> None:
        """Schedule 1 or 2 validations (by others) of each contribution just recorded."""
        for result in results:
            if result.entry.type != RECORD:
                continue
            contributor = self.by_did[result.entry.author]
            others = self.rng.sample(range(len(self.people)), 3)
            validators = [index for index in others if index != contributor]
            for validator in validators[: self.rng.choice((1, 2))]:
                self.to_validate.append((result.entry.id, validator))


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, name: str, value: float, unit: str, note: str = "") -> Figure:
        figure = Figure(name, value, unit, note)
        self.figures.append(figure)
        self.facts[key] = {"name": name, "value": value, "unit": unit, "note": note}
        return figure


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def make_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def open_node(
    data_dir: Path, database_url: str | None = None, *, verify_workers: int | None = None
) -> Node:
    env = {"COMMONWORK_DATA_DIR": str(data_dir), **SYNCHRONOUS}
    if database_url is not None:
        env["COMMONWORK_DATABASE_URL"] = database_url
    if verify_workers is not None:
        env[WORKERS_SETTING] = str(verify_workers)
    return Node.open(Settings.from_env(env))


def workers_of(node: Node) -> str:
    """How the node verifies author signatures (the setting exists from the worker-pool change)."""
    workers = getattr(node.settings, "verify_workers", None)
    if workers is None:
        return "verified in process"
    return f"{WORKERS_SETTING}={workers}" + (" (in process)" if workers == 0 else "")


def raw_verification(runs: int, count: int, rng: random.Random) -> tuple[float, float, int]:
    """Best-of-``runs`` Ed25519 verify and sign rates over real signed-action messages.

    The messages are the bytes an author signs for a contribution record or validation (domain
    prefix + canonical action); VerifyKey objects are built once, as the pipeline caches them.
    """
    workload = Workload(rng, 50)
    workload.commons_id = rng.randbytes(32).hex()
    samples = [workload.record() for _ in range(600)]
    samples += [workload.validation(rng.randbytes(32).hex(), rng.randrange(50)) for _ in range(400)]
    keys = {
        person.did: nacl.signing.SigningKey(person.seed).verify_key for person in workload.people
    }
    signers = {person.did: person for person in workload.people}
    cases = []
    for item in samples:
        action = item["action"]
        message = ACTION_DOMAIN + canon(action)
        signature = signers[action["author"]].sign(message)
        cases.append((keys[action["author"]], message, signature))
    mean_size = sum(len(message) for _, message, _ in cases) // len(cases)
    work = [cases[index % len(cases)] for index in range(count)]

    def verify_all() -> None:
        for key, message, signature in work:
            key.verify(message, signature)

    signing_keys = [
        (signers[item["action"]["author"]], ACTION_DOMAIN + canon(item["action"]))
        for item in samples
    ]
    sign_work = [signing_keys[index % len(signing_keys)] for index in range(count)]

    def sign_all() -> None:
        for keypair, message in sign_work:
            keypair.sign(message)

    return best_rate(verify_all, count, runs), best_rate(sign_all, count, runs), mean_size


def best_rate(run: Callable[[], None], count: int, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


@dataclass
class PipelineRun:
    seconds: float = 0.0
    mix: Mix = field(default_factory=Mix)
    batches: int = 0
    #: (actions so far, seconds so far) after each request: how the rate changes as it grows
    trace: list[tuple[int, float]] = field(default_factory=list)
    #: the rates of all the repeated runs this one was the best of
    rates: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.mix.count / self.seconds if self.seconds else 0.0

    def rate_between(self, start: float, end: float) -> float:
        """The rate over the part of the run between two fractions of its actions (0 to 1)."""
        total = self.mix.count
        points = [(0, 0.0), *self.trace]
        first = min(points, key=lambda point: abs(point[0] - start * total))
        last = min(points, key=lambda point: abs(point[0] - end * total))
        seconds = last[1] - first[1]
        return (last[0] - first[0]) / seconds if seconds > 0 else 0.0


def found_commons(node: Node, workload: Workload) -> str:
    [genesis] = submit_signed(node, None, [workload.found(node.host_key.did)])
    workload.commons_id = genesis.commons_id
    return genesis.commons_id


def submit_joins(node: Node, workload: Workload, batch: int) -> None:
    """The members join (setup, untimed); this also starts any worker pool the node uses."""
    joins = workload.joins()
    for start in range(0, len(joins), batch):
        submit_signed(node, workload.commons_id, joins[start : start + batch])


def run_pipeline(
    node: Node,
    workload: Workload,
    *,
    actions: int,
    batch: int,
    advance: Callable[[int], None],
    joins: bool = False,
    profiler: cProfile.Profile | None = None,
) -> PipelineRun:
    """Append rounds of records and validations (after the members' joins, if ``joins``),
    ``actions`` in all, ``batch`` per request; only ``submit_signed`` is timed."""
    run = PipelineRun()
    round_size = max(batch, 1000)

    def submit(items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            if profiler is not None:
                profiler.enable()
            began = time.perf_counter()
            results = submit_signed(node, workload.commons_id, chunk)
            run.seconds += time.perf_counter() - began
            if profiler is not None:
                profiler.disable()
            workload.appended(results)
            for item in chunk:
                run.mix.add(item)
            run.batches += 1
            run.trace.append((run.mix.count, run.seconds))
            advance(len(chunk))

    gc.collect()
    remaining = actions
    if joins:
        signed_joins = workload.joins()[:actions]
        submit(signed_joins)
        remaining -= len(signed_joins)
    while remaining > 0:
        items = workload.next_round(min(round_size, remaining))
        submit(items)
        remaining -= len(items)
    return run


@dataclass(frozen=True)
class Case:
    """One pipeline measurement: a backend, a batch size, how signatures are verified."""

    key: str
    backend: str
    batch: int
    actions: int
    verify_workers: int | None = None  # None: the node's default

    @property
    def label(self) -> str:
        inproc = ", verify in process" if self.verify_workers == 0 else ""
        return f"{self.backend}, batch {self.batch}{inproc}"


def measure_case(
    case: Case,
    data_dir: Path,
    *,
    database_url: str | None,
    members: int,
    seed: int,
    progress: Progress,
    profiler: cProfile.Profile | None = None,
) -> tuple[PipelineRun, str]:
    """Found a commons on a fresh node, let the members join and warm up (untimed), then time
    the mix of records and validations."""
    node = open_node(data_dir, database_url, verify_workers=case.verify_workers)
    try:
        workload = Workload(random.Random(seed), members)
        found_commons(node, workload)
        submit_joins(node, workload, case.batch)
        # One untimed round warms what a running node has warm: worker pools, statement caches.
        run_pipeline(node, workload, actions=max(case.batch, 50), batch=case.batch, advance=int)
        task = progress.add_task(case.label, total=case.actions * REPEATS)
        runs = [
            run_pipeline(
                node,
                workload,
                actions=case.actions,
                batch=case.batch,
                advance=lambda n: progress.advance(task, n),
                profiler=profiler,
            )
            for _ in range(REPEATS)
        ]
        best = max(runs, key=lambda run: run.rate)
        best.rates = [run.rate for run in runs]
        progress.update(task, description=f"{case.label}: {best.rate:,.0f} actions/s")
        return best, workers_of(node)
    finally:
        node.close()


@contextmanager
def postgres_server(base: Path) -> Iterator[tuple[Any, str]]:
    """A throwaway PostgreSQL server (``tests/support/postgres.py``) and its version."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.support.postgres import start_postgres

    server = start_postgres(base)
    try:
        engine = sa.create_engine(server.url)
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar())
        engine.dispose()
        yield server, version
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# The phases
# ---------------------------------------------------------------------------------------------


@dataclass
class Options:
    entries: int
    batch: int
    members: int
    pipeline_actions: int
    single_actions: int
    verify_count: int
    build_batch: int
    skip_postgres: bool
    seed: int
    verify_workers: int | None
    json_path: Path | None
    profile_path: Path | None
    keep: bool


def phase_raw(options: Options, report: Report, console: Console) -> float:
    console.print(f"[bold]1. Raw Ed25519[/] ({options.verify_count:,} per run, best of 3)…")
    verify_rate, sign_rate, size = raw_verification(
        3, options.verify_count, random.Random(options.seed)
    )
    report.add(
        "raw_verify_per_s",
        "Ed25519 verify, raw PyNaCl, 1 thread",
        verify_rate,
        "verifications/s",
        f"VerifyKey.verify, {size} B messages, best of 3 x {options.verify_count:,}",
    )
    report.add(
        "raw_sign_per_s",
        "Ed25519 sign, raw PyNaCl, 1 thread",
        sign_rate,
        "signatures/s",
        "the host countersigns every entry it appends",
    )
    return verify_rate


def pipeline_cases(options: Options, backend: str) -> list[Case]:
    prefix = backend.lower()
    cases = [Case(f"{prefix}_batched", backend, options.batch, options.pipeline_actions)]
    if backend == "SQLite" and WORKERS_SETTING in SETTINGS_HELP and options.verify_workers is None:
        # The node may verify signatures in worker processes; measure the one-process pipeline
        # too, the figure the ratio to single-thread verification is meant for.
        cases.append(
            Case("sqlite_batched_inproc", backend, options.batch, options.pipeline_actions, 0)
        )
    cases.append(Case(f"{prefix}_single", backend, 1, options.single_actions))
    if options.verify_workers is not None:
        cases = [replace(case, verify_workers=options.verify_workers) for case in cases]
    return cases


def report_case(
    report: Report, case: Case, run: PipelineRun, workers: str, verify_rate: float, note: str
) -> None:
    runs = ", ".join(f"{rate:,.0f}" for rate in run.rates)
    note = f"{note}; best of {len(run.rates)} runs ({runs}/s)"
    if case.batch == 1:
        detail = f"{run.mix.count:,} requests, each its own transaction; {workers}{note}"
    else:
        detail = (
            f"{run.mix.count:,} actions in {run.batches} requests: {run.mix.describe()}; "
            f"first tenth {run.rate_between(0, 0.1):,.0f}/s, last tenth "
            f"{run.rate_between(0.9, 1):,.0f}/s; {workers}{note}"
        )
    report.add(f"{case.key}_per_s", f"Pipeline: {case.label}", run.rate, "actions/s", detail)
    if case.batch > 1:
        ratio = run.rate / verify_rate
        target = ""
        if case.backend == "SQLite":
            verdict = "meets it" if ratio >= TARGET_RATIO else "BELOW it"
            target = f"target >= {TARGET_RATIO:.0%}: {verdict}"
        report.add(
            f"{case.key}_ratio", f"  ratio to raw verify: {case.label}", ratio * 100, "%", target
        )


def phase_pipelines(
    options: Options, report: Report, console: Console, base: Path, verify_rate: float
) -> str | None:
    """The submit pipeline on SQLite, then PostgreSQL; returns the PostgreSQL server version."""
    console.print(
        "[bold]2. Submit pipeline[/] (submit_signed: check_signed + append_actions; the commons "
        "is founded and its members join untimed, then records and validations are timed)…"
    )
    profiler = cProfile.Profile() if options.profile_path else None
    cases = pipeline_cases(options, "SQLite")
    # Profile the batched case that verifies in process, if there is one: the single-core figure.
    profiled = next((case for case in cases if case.verify_workers == 0), cases[0])
    with make_progress(console) as progress:
        for index, case in enumerate(cases):
            run, workers = measure_case(
                case,
                base / case.key,
                database_url=None,
                members=options.members,
                seed=options.seed + index,
                progress=progress,
                profiler=profiler if case is profiled else None,
            )
            note = " (WAL, synchronous=NORMAL)" if case.batch == 1 else ""
            report_case(report, case, run, workers, verify_rate, note)
    if profiler is not None and options.profile_path is not None:
        write_profile(profiler, options.profile_path, console)
    if options.skip_postgres:
        return None
    try:
        with (
            postgres_server(base / "postgres") as (server, version),
            make_progress(console) as progress,
        ):
            for index, case in enumerate(pipeline_cases(options, "PostgreSQL")):
                run, workers = measure_case(
                    case,
                    base / case.key,
                    database_url=server.create_database(case.key),  # a fresh one per case
                    members=options.members,
                    seed=options.seed + 10 + index,
                    progress=progress,
                )
                note = (
                    f"; PostgreSQL {version} over local TCP, fsync=off, synchronous_commit=off"
                    if index == 0
                    else ""
                )
                report_case(report, case, run, workers, verify_rate, note)
    except RuntimeError as exc:
        console.print(f"[yellow]PostgreSQL skipped: {exc}")
        return None
    return version


def write_profile(profiler: cProfile.Profile, path: Path, console: Console) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    console.print(f"cProfile of a batched SQLite case → {path} (top 30 by cumulative time):")
    console.print(text.getvalue(), markup=False, highlight=False)


def phase_journal(options: Options, report: Report, console: Console, base: Path) -> None:
    console.print(
        f"[bold]3. A {options.entries:,}-entry journal on SQLite[/]: build, verify, rebuild, "
        "export, import…"
    )
    node = open_node(base / "journal", verify_workers=options.verify_workers)
    workers = workers_of(node)
    target = None
    try:
        with make_progress(console) as progress:
            workload = Workload(random.Random(options.seed + 100), options.members)
            commons_id = found_commons(node, workload)
            task = progress.add_task(f"build (batch {options.build_batch})", total=options.entries)
            progress.advance(task, 1)
            started = time.perf_counter()
            built = run_pipeline(
                node,
                workload,
                actions=options.entries - 1,
                batch=options.build_batch,
                advance=lambda n: progress.advance(task, n),
                joins=True,
            )
            build_wall = time.perf_counter() - started
            rss_build = peak_rss_mib()

            task = progress.add_task("verify_commons", total=options.entries)
            started = time.perf_counter()
            verified = verify_commons(
                node, commons_id, progress=lambda n: progress.update(task, completed=n)
            )
            verify_seconds = time.perf_counter() - started
            rss_verify = peak_rss_mib()

            task = progress.add_task("rebuild_projections", total=options.entries)
            started = time.perf_counter()
            rebuilt = rebuild_projections(
                node, commons_id, progress=lambda n: progress.update(task, completed=n)
            )
            rebuild_seconds = time.perf_counter() - started

            export_path = base / "journal.ndjson"
            task = progress.add_task("export_journal", total=options.entries)
            started = time.perf_counter()
            exported = 0
            with export_path.open("wb") as out:
                for line in export_journal(node, commons_id):
                    out.write(line)
                    exported += 1
                    if exported % 1000 == 0:
                        progress.update(task, completed=exported)
            export_seconds = time.perf_counter() - started
            progress.update(task, completed=exported)

            target = open_node(base / "imported", verify_workers=options.verify_workers)
            task = progress.add_task("import_journal", total=options.entries)
            started = time.perf_counter()
            with export_path.open("rb") as lines:
                imported = import_journal(
                    target, lines, progress=lambda n: progress.update(task, completed=n)
                )
            import_seconds = time.perf_counter() - started
    finally:
        node.close()
        if target is not None:
            target.close()
    entries = options.entries
    db_bytes = sum(path.stat().st_size for path in (base / "journal").glob("commonwork.db*"))
    report.add(
        "build_per_s",
        f"Build a {entries:,}-entry journal (pipeline)",
        built.rate,
        "actions/s",
        f"batch {options.build_batch}; first tenth {built.rate_between(0, 0.1):,.0f}/s, last "
        f"tenth {built.rate_between(0.9, 1):,.0f}/s; {build_wall:.0f} s wall incl. client signing, "
        f"{built.seconds:.0f} s appending; {built.mix.describe()}; {workers}; "
        f"database {db_bytes / 2**20:.0f} MiB",
    )
    report.add(
        "verify_per_s",
        "verify_commons (2 signatures, links, rules)",
        verified.entries / verify_seconds,
        "entries/s",
        f"{verified.entries:,} entries in {verify_seconds:.1f} s; ok={verified.ok}, "
        f"projections_match={verified.extra.get('projections_match')}",
    )
    report.add(
        "rebuild_per_s",
        "rebuild_projections",
        rebuilt.entries / rebuild_seconds,
        "entries/s",
        f"{rebuilt.entries:,} entries in {rebuild_seconds:.1f} s; unchanged={rebuilt.unchanged}",
    )
    report.add(
        "export_per_s",
        "export_journal (NDJSON to a file)",
        exported / export_seconds,
        "entries/s",
        f"{exported:,} lines, {export_path.stat().st_size / 2**20:.1f} MiB in "
        f"{export_seconds:.1f} s",
    )
    report.add(
        "import_per_s",
        "import_journal into an empty node",
        imported.appended / import_seconds,
        "entries/s",
        f"{imported.appended:,} entries in {import_seconds:.1f} s "
        "(signatures and rules re-checked)",
    )
    report.add(
        "peak_rss_mib",
        "Peak resident memory (this process)",
        peak_rss_mib(),
        "MiB",
        f"after build {rss_build:.0f} MiB, after verify {rss_verify:.0f} MiB",
    )


def print_table(report: Report, console: Console, title: str) -> None:
    table = Table(title=title, show_lines=False)
    table.add_column("measure")
    table.add_column("figure", justify="right")
    table.add_column("unit")
    table.add_column("notes", overflow="fold")
    for figure in report.figures:
        shown = f"{figure.value:,.1f}" if figure.value < 100 else f"{figure.value:,.0f}"
        table.add_row(figure.name, shown, figure.unit, figure.note)
    console.print(table)


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=(
            "Measure Ed25519 verification, the submit pipeline on SQLite and PostgreSQL, and "
            "verify/rebuild/export/import of a large journal. Prints the machine and a table of "
            "figures; asserts nothing."
        ),
    )
    parser.add_argument(
        "--entries", type=int, default=100_000, help="journal size for phase 3 (default 100000)"
    )
    parser.add_argument(
        "--batch", type=int, default=500, help="actions per request in phase 2 (default 500)"
    )
    parser.add_argument(
        "--members", type=int, default=200, help="members of each commons (default 200)"
    )
    parser.add_argument(
        "--pipeline-actions",
        type=int,
        default=20_000,
        help="actions appended per batched pipeline run (default 20000)",
    )
    parser.add_argument(
        "--single-actions",
        type=int,
        default=3_000,
        help="actions appended one per request (default 3000)",
    )
    parser.add_argument(
        "--verify-count", type=int, default=20_000, help="verifications per raw run (default 20000)"
    )
    parser.add_argument(
        "--build-batch",
        type=int,
        default=2_000,
        help="batch size building the journal (default 2000)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="leave out PostgreSQL")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        help="COMMONWORK_SQLITE_SYNCHRONOUS for the SQLite nodes (default: the node's, FULL)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated workload")
    parser.add_argument(
        "--verify-workers",
        type=int,
        metavar="N",
        help=f"set {WORKERS_SETTING} for every node (default: the node's default, and on SQLite "
        "also a run verifying in process)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="cProfile the batched SQLite pipeline (the in-process case, if any), write pstats "
        "to FILE and print the top",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary data directories (printed)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.entries = min(args.entries, 3_000)
        args.pipeline_actions = min(args.pipeline_actions, 1_500)
        args.single_actions = min(args.single_actions, 200)
        args.verify_count = min(args.verify_count, 2_000)
        args.members = min(args.members, 30)
    for name in (
        "entries",
        "batch",
        "members",
        "pipeline_actions",
        "single_actions",
        "verify_count",
        "build_batch",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.members < 4:
        parser.error("--members must be at least 4 (validators are other members)")
    if args.sqlite_synchronous:
        SYNCHRONOUS["COMMONWORK_SQLITE_SYNCHRONOUS"] = args.sqlite_synchronous
    return Options(
        entries=args.entries,
        batch=args.batch,
        members=args.members,
        pipeline_actions=args.pipeline_actions,
        single_actions=args.single_actions,
        verify_count=args.verify_count,
        build_batch=args.build_batch,
        skip_postgres=args.skip_postgres,
        seed=args.seed,
        verify_workers=args.verify_workers,
        json_path=args.json,
        profile_path=args.profile,
        keep=args.keep,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    started = time.perf_counter()
    console.rule("commonwork journal benchmark")
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"sizes: journal {options.entries:,} entries, pipeline {options.pipeline_actions:,} "
        f"actions at batch {options.batch} and {options.single_actions:,} at batch 1, "
        f"{options.members} members, seed {options.seed}"
    )
    report = Report()
    workdir = tempfile.mkdtemp(prefix="commonwork-bench-")
    base = Path(workdir)
    try:
        verify_rate = phase_raw(options, report, console)
        server_version = phase_pipelines(options, report, console, base, verify_rate)
        phase_journal(options, report, console, base)
    finally:
        if options.keep:
            console.print(f"data kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    total = time.perf_counter() - started
    console.rule("figures")
    machine = describe_machine(postgres_server=server_version)
    console.print(machine, markup=False, highlight=False, soft_wrap=True)
    print_table(report, console, f"commonwork journal benchmark ({total:.0f} s in all)")
    if options.json_path is not None:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "machine": machine_facts(postgres_server=server_version),
            "options": {
                key: str(value) if isinstance(value, Path) else value
                for key, value in vars(options).items()
            },
            "seconds": total,
            "figures": report.facts,
        }
        options.json_path.write_text(json.dumps(document, indent=2) + "\n")
        console.print(f"figures written to {options.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
