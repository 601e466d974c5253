"""Governance at scale (issue 10, "Must show"): the close of a Schulze proposal with 100,000
voters x 10 options and of a consent proposal with 10,000 stances, inside the closing append on
SQLite, beside pref-voting's Schulze on the same ballots.

A commons on SQLite is built once through the real pipeline (``append_actions``, batches of 2000
actions signed with keys derived from the seed, the node's clock moved batch by batch) and kept
in a data directory outside the repository (``/work/benchdata/governance-…``): a founding whose
charter lets voting open at once (``discussion_hours: 0``), 100,000 members (the founder and
99,999 joins), a Schulze proposal with 10 options (``status_quo`` among them) and a stance by
every member (seeded Plackett-Luce rankings, 40% full and 60% partial), and a consent proposal
with 10,000 stances (consent, concern with a reason, object with a reason: it ends blocked).
Both proposals are left in voting before their deadlines (consent's falls an hour before
Schulze's), so every run can close them again.

Then each measurement runs in one write transaction on the kept database that is rolled back at
the end (so runs repeat): the node's ``writing`` is pointed at that transaction, and the closing
append goes through the real ``append_actions`` unchanged — one entry recorded exactly at the
deadline (by default a newcomer's join: the fold closes the proposal before that entry's rule;
``--closing-entry close``: a ``governance.proposal.close`` action, whose prefetch loads the
stances). Timed, by wrapping the functions of the code under test:

a. the Schulze close, "from projected stances to the recorded outcome": the stances loaded from
   the database (in ``prefetch_reads`` or in ``close`` itself), ``close`` (reading the stances,
   ``methods.tally``, the outcome put) and the ``flush`` that writes the outcome row; beside it
   the whole append (signature check, sealing, rules, projection, entry and head written; not the
   commit, which is rolled back). The consent proposal is closed first in the same transaction,
   untimed, since its deadline comes first;
b. pref-voting on the same ballots: read from the database (``SELECT ballot FROM stances``),
   its ``ProfileWithTies`` built as ``tests/unit/test_voting_methods.py`` builds it (extended
   strict preference, winning-votes strength; a plain ``Profile`` when every ranking is full)
   and ``beat_path``; both winner sets must agree;
c. the consent close with 10,000 stances, the same way (its closing append alone).

Medians of ``--runs`` (5), after one warm-up run of each that is reported apart. Nothing here
asserts a time: each figure is printed beside its target, "met" or "NOT MET". The load average
is printed before and after: the machine may be shared (``--wait-load`` waits for a quiet one).

    .venv/bin/python benchmarks/governance.py --quick           # smoke run, about a minute
    .venv/bin/python benchmarks/governance.py --build-only      # the issue's sizes: build once
    .venv/bin/python benchmarks/governance.py                   # the issue's sizes, once built
    .venv/bin/python benchmarks/governance.py --json benchmarks/out/governance.json \\
        --profile benchmarks/out/governance-profiles
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import hashlib
import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from rich.console import Console

import reads
from _machine import describe_machine, machine_facts
from _workload import WORDS
from commonwork.commons.actions import FOUND, JOIN
from commonwork.governance import methods, proposals
from commonwork.governance.tables import stances
from commonwork.journal.actions import SignedAction, build_action, sign_action
from commonwork.journal.keys import Keypair
from commonwork.node import pipeline
from commonwork.node.db import head_revision
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.registry import AREAS, PROJECTED_TABLES
from commonwork.node.state import DbState

DEFAULT_BASE = Path("/work/benchdata")
BATCH = 2000
DAY = "2030-03-04"
FOUNDED_AT = f"{DAY}T00:00:00.000Z"
JOINS_FROM = 1  # hour: a batch of joins a second from 01:00
PROPOSED_AT = f"{DAY}T06:00:00.000Z"  # both proposals; voting opens at once
STANCES_FROM = 7  # hour: a batch of stances a second from 07:00
CONSENT_HOURS = 12  # consent closes at 18:00
SCHULZE_HOURS = 13  # Schulze closes at 19:00, an hour later
FULL_SHARE = 0.4  # rankings of every option; the rest rank 1 to m - 1 of them
POSITIONS = (("consent", 0.88), ("concern", 0.09), ("object", 0.03))

#: Targets (issue 10, "Must show").
SCHULZE_SECONDS = 2.0
CONSENT_SECONDS = 0.100

CHARTER: dict[str, Any] = {
    "name": "Governance Benchmark Commons",
    "purpose": "Measure how a large commons decides: ranked choice and consent at scale",
    "aims": ["Decide together", "Keep every stance in the journal"],
    "metrics": [{"name": "decisions", "description": "Proposals decided"}],
    "licence": "CC-BY-SA-4.0",
    # Voting opens when a proposal is made, and a window may be as short as an hour.
    "governance": {"discussion_hours": 0, "minimum_voting_hours": 1},
}
LABELS = (
    "Keep things as they are",
    "Open on Saturdays",
    "Open on Thursday evenings",
    "Share the van with the food co-op",
    "Rent the barn for the seed swap",
    "Buy a second press",
    "Hire a part-time coordinator",
    "Start a repair café",
    "Move the library to the school",
    "Run a winter workshop series",
)


# ---------------------------------------------------------------------------------------------
# Sizes and the generated stances
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    voters: int  # members, each with a Schulze stance (the founder among them)
    options: int  # Schulze options, status_quo among them
    consent: int  # stances on the consent proposal (the first members)
    seed: int

    @property
    def name(self) -> str:
        return f"governance-v{self.voters}-o{self.options}-c{self.consent}-s{self.seed}"

    def as_json(self) -> dict[str, int]:
        return {
            "voters": self.voters,
            "options": self.options,
            "consent": self.consent,
            "seed": self.seed,
        }


def option_ids(count: int) -> list[str]:
    return ["status_quo", *(f"plan_{chr(ord('a') + index)}" for index in range(count - 1))]


def schulze_options(count: int) -> list[dict[str, str]]:
    return [
        {"id": option, "label": LABELS[index] if index < len(LABELS) else f"Plan {option[5:]}"}
        for index, option in enumerate(option_ids(count))
    ]


def rankings(sizes: Sizes) -> Iterator[list[str]]:
    """Every voter's ranking, seeded: Plackett-Luce draws from options of unequal appeal (so the
    pairwise contests are close but not ties), 40% ranking every option, the rest 1 to m - 1."""
    rng = random.Random(f"{sizes.seed}:schulze")
    options = option_ids(sizes.options)
    appeal = [rng.uniform(0.6, 1.6) for _ in options]
    for _ in range(sizes.voters):
        keys = [rng.expovariate(weight) for weight in appeal]
        ranking = [option for _, option in sorted(zip(keys, options, strict=True))]
        if rng.random() >= FULL_SHARE:
            ranking = ranking[: rng.randint(1, len(options) - 1)]
        yield ranking


def positions(sizes: Sizes) -> Iterator[tuple[str, str]]:
    """Every consent stance: (position, reason); a concern or an objection carries a reason."""
    rng = random.Random(f"{sizes.seed}:consent")
    names = [name for name, _ in POSITIONS]
    weights = [weight for _, weight in POSITIONS]
    for index in range(sizes.consent):
        position = "object" if index == sizes.consent // 2 else rng.choices(names, weights)[0]
        reason = ""
        if position != "consent":
            reason = "Before this passes: " + " ".join(rng.choices(WORDS, k=rng.randint(6, 24)))
        yield position, reason


def stamp(hour: int, seconds: int = 0) -> str:
    """``seconds`` after ``hour`` o'clock on DAY (the deadlines leave hours for the batches)."""
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    if hour + hours >= 6 + CONSENT_HOURS:
        raise SystemExit("too many batches for the day's timeline: fewer voters, please")
    return f"{DAY}T{hour + hours:02d}:{minute:02d}:{second:02d}.000Z"


# ---------------------------------------------------------------------------------------------
# Building the kept commons
# ---------------------------------------------------------------------------------------------


class Builder:
    """Founds the commons, joins the members and takes the stances through ``append_actions``;
    signing (in ``workers`` processes, or here) runs ahead of appending."""

    def __init__(self, node: Node, sizes: Sizes, console: Console, workers: int) -> None:
        self.node = node
        self.sizes = sizes
        self.console = console
        self.workers = workers
        self.rng = random.Random(f"{sizes.seed}:nonces")
        self.appended = 0
        self.commons_id = ""

    def key(self, index: int) -> Keypair:
        return Keypair(reads.member_seed(self.sizes.seed, index))

    def one(self, index: int, type_: str, body: dict[str, Any], at: str) -> Any:
        """Sign and append one action as member ``index`` at ``at``."""
        self.node.clock = reads.fixed_clock(at)
        action = build_action(
            type=type_,
            author=self.key(index).did,
            body=body,
            commons=self.commons_id or None,
            at=at,
            nonce=reads.nonce_of(self.rng),
        )
        [appended] = append_actions(
            self.node, self.commons_id or None, [sign_action(self.key(index), action)]
        )
        self.appended += 1
        return appended

    def batches(
        self,
        progress: Any,
        what: str,
        specs: Iterator[tuple[int, dict[str, Any]]],
        type_: str,
        total: int,
        hour: int,
        first_second: int = 0,
    ) -> int:
        """Append ``specs`` ((author index, body) pairs) in batches of BATCH, each batch a second
        after the one before from ``hour``; the next second free."""
        task = progress.add_task(what, total=total)
        signer = reads.Signer(self.workers, self.sizes.seed)
        waiting: list[Callable[[], list[SignedAction]]] = []
        second = first_second
        done = 0
        try:
            batch: list[reads.Spec] = []
            chunks: list[list[reads.Spec]] = []
            for index, body in specs:
                at = stamp(hour, second + len(chunks))
                batch.append((type_, index, body, self.commons_id, at, reads.nonce_of(self.rng)))
                if len(batch) == BATCH:
                    chunks.append(batch)
                    batch = []
            if batch:
                chunks.append(batch)
            for number in range(len(chunks)):
                while len(waiting) < 3 and number + len(waiting) < len(chunks):
                    waiting.append(signer.submit(chunks[number + len(waiting)]))
                signed = waiting.pop(0)()
                self.node.clock = reads.fixed_clock(stamp(hour, second + number))
                results = append_actions(self.node, self.commons_id, signed)
                done += len(results)
                self.appended += len(results)
                progress.update(task, completed=done)
        finally:
            signer.close()
        return second + len(chunks)

    def build(self) -> dict[str, Any]:
        sizes = self.sizes
        host = self.node.host_key.did
        founder = self.key(0)
        self.node.clock = reads.fixed_clock(FOUNDED_AT)
        genesis = build_action(
            type=FOUND,
            author=founder.did,
            body={"charter": CHARTER, "founder_name": "Member 0", "host": host},
            at=FOUNDED_AT,
            nonce=reads.nonce_of(self.rng),
        )
        [founded] = append_actions(self.node, None, [sign_action(founder, genesis)])
        self.commons_id = founded.commons_id
        self.appended += 1
        with reads.make_progress(self.console) as progress:
            joins = ((index, {"name": f"Member {index}"}) for index in range(1, sizes.voters))
            self.batches(progress, "joins", joins, JOIN, sizes.voters - 1, JOINS_FROM)
            schulze = self.one(
                0,
                proposals.PROPOSE,
                {
                    "title": "What the commons does next year",
                    "text": "Rank the plans you support, most preferred first; leave out any "
                    "you would rather not see. Keeping things as they are is an option too.",
                    "method": "schulze",
                    "options": schulze_options(sizes.options),
                    "discussion_hours": 0,
                    "voting_hours": SCHULZE_HOURS,
                },
                PROPOSED_AT,
            ).entry.id
            consent = self.one(
                0,
                proposals.PROPOSE,
                {
                    "title": "Adopt the tool-lending rules",
                    "text": "Tools go out for a week at most, and come back cleaned.",
                    "method": "consent",
                    "discussion_hours": 0,
                    "voting_hours": CONSENT_HOURS,
                },
                PROPOSED_AT,
            ).entry.id
            ballots = (
                (index, {"proposal": schulze, "version": 1, "ballot": ranking})
                for index, ranking in enumerate(rankings(sizes))
            )
            after = self.batches(
                progress, "Schulze stances", ballots, proposals.STANCE, sizes.voters, STANCES_FROM
            )
            consents = (
                (
                    index,
                    {"proposal": consent, "version": 1, "ballot": {"position": position}}
                    | ({"reason": reason} if reason else {}),
                )
                for index, (position, reason) in enumerate(positions(sizes))
            )
            self.batches(
                progress,
                "consent stances",
                consents,
                proposals.STANCE,
                sizes.consent,
                STANCES_FROM,
                after,
            )
        return {
            "commons_id": self.commons_id,
            "schulze": schulze,
            "consent": consent,
            "schulze_closes_at": proposals.later(PROPOSED_AT, SCHULZE_HOURS),
            "consent_closes_at": proposals.later(PROPOSED_AT, CONSENT_HOURS),
        }


def schema_fingerprint() -> str:
    """What a kept database must have been built by: the code's last migration, its areas'
    projection versions and its projected tables' columns (the code changes under a kept
    commons: one built by other code is built again rather than migrated by a half-finished
    change)."""
    shape = {
        "migration": head_revision(),
        "areas": {area.name: area.projection_version for area in AREAS},
        "tables": {
            table.name: [
                [column.name, str(column.type), column.primary_key, column.nullable]
                for column in table.columns
            ]
            for table in PROJECTED_TABLES
        },
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def ensure_built(data_dir: Path, sizes: Sizes, console: Console, workers: int) -> dict[str, Any]:
    """The kept commons (built first if need be, in ``<dir>.partial`` then renamed): its marker.

    A commons kept by code of another schema (see ``schema_fingerprint``) is deleted and built
    again before any node opens it: opening would migrate it, or fail."""
    marker = data_dir / "bench.json"
    fingerprint = schema_fingerprint()
    if marker.exists():
        kept: dict[str, Any] = json.loads(marker.read_text())
        if kept["sizes"] != sizes.as_json():
            raise SystemExit(f"{data_dir} holds a commons of other sizes: {kept['sizes']}")
        if kept.get("schema") == fingerprint:
            return kept
        console.print(
            f"the commons kept in {data_dir} was built by code of another schema "
            f"({kept.get('built_with', 'unknown code')}, schema {kept.get('schema')}; this code's: "
            f"{fingerprint}): building it again"
        )
        shutil.rmtree(data_dir)
    partial = data_dir.with_name(data_dir.name + ".partial")
    if partial.exists():  # an interrupted build: this script's own directory, started again
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    console.print(
        f"[bold]building[/] the commons in {partial}: {sizes.voters:,} members, a Schulze "
        f"proposal with {sizes.options} options and {sizes.voters:,} stances, a consent proposal "
        f"with {sizes.consent:,} stances; signing in {workers} worker process(es)"
    )
    began = time.perf_counter()
    node = reads.open_node(partial)
    try:
        builder = Builder(node, sizes, console, workers)
        kept = builder.build()
        appended = builder.appended
    finally:
        node.close()
    seconds = time.perf_counter() - began
    kept.update(
        sizes=sizes.as_json(),
        schema=fingerprint,
        entries=appended,
        build_seconds=round(seconds, 1),
        built_on=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        built_with=CODE,
        build_load=list(os.getloadavg()),
    )
    (partial / "bench.json").write_text(json.dumps(kept, indent=2) + "\n")
    partial.rename(data_dir)
    console.print(f"built: {appended:,} actions appended in {seconds:,.0f} s")
    return kept


# ---------------------------------------------------------------------------------------------
# The closing append, rolled back
# ---------------------------------------------------------------------------------------------


@contextmanager
def rolled_back(node: Node) -> Iterator[sa.Connection]:
    """One write transaction that every ``node.writing()`` in the block joins, rolled back at
    the end: the pipeline runs as it does, and the kept database is left as it was."""
    engine = node.engine if node.write_engine is None else node.write_engine
    with engine.connect() as conn:
        conn.execution_options(commonwork_write=True)
        transaction = conn.begin()

        @contextmanager
        def writing() -> Iterator[sa.Connection]:
            yield conn

        try:
            with reads.swapped(node, "writing", writing):
                yield conn
        finally:
            transaction.rollback()


@dataclass
class Run:
    """One closing append: what was timed, in seconds, and what the close recorded."""

    append: float = 0.0
    prefetch: float = 0.0  # prefetch_reads (with a close action: it loads the stances)
    close: float = 0.0  # proposals.close, all of it
    ballots: float = 0.0  # of it: ballots_of (the stances loaded if not yet, and parsed)
    tally: float = 0.0  # of it: methods.tally (Schulze)
    flush: float = 0.0  # DbState.flush: the outcome row and the rest of the entry's rows
    outcome: dict[str, Any] | None = None
    unbeaten: list[str] | None = None

    @property
    def recorded(self) -> float:
        """From the projected stances to the recorded outcome: loading, close and flush."""
        return self.prefetch + self.close + self.flush


@contextmanager
def timing(run: Run, proposal_id: str) -> Iterator[None]:
    """Time the functions of the code under test that the closing append calls, for the
    proposal ``proposal_id`` (others closing in the same append are not counted)."""
    close, ballots_of, tally = proposals.close, proposals.ballots_of, methods.tally
    prefetch, flush = pipeline.prefetch_reads, DbState.flush

    def timed_close(state: Any, commons_id: str, pid: str, at: str) -> None:
        began = time.perf_counter()
        close(state, commons_id, pid, at)
        if pid == proposal_id:
            run.close += time.perf_counter() - began
            row = state.get(proposals.proposals, (commons_id, pid))
            run.outcome = orjson.loads(row["outcome"])

    def timed_ballots(state: Any, row: Any) -> Any:
        began = time.perf_counter()
        found = ballots_of(state, row)
        if row["proposal_id"] == proposal_id:
            run.ballots += time.perf_counter() - began
        return found

    def timed_tally(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        outcome = tally(*args, **kwargs)
        run.tally += time.perf_counter() - began
        run.unbeaten = list(outcome.tally.get("unbeaten", []))
        return outcome

    def timed_prefetch(*args: Any, **kwargs: Any) -> None:
        began = time.perf_counter()
        prefetch(*args, **kwargs)
        run.prefetch += time.perf_counter() - began

    def timed_flush(self: DbState) -> None:
        began = time.perf_counter()
        flush(self)
        run.flush += time.perf_counter() - began

    with (
        reads.swapped(proposals, "close", timed_close),
        reads.swapped(proposals, "ballots_of", timed_ballots),
        reads.swapped(methods, "tally", timed_tally),
        reads.swapped(pipeline, "prefetch_reads", timed_prefetch),
        reads.swapped(DbState, "flush", timed_flush),
    ):
        yield


class Closer:
    """The closing entries, signed once (every run rolls back, so the same action is new again):
    a newcomer's join (``join``) or a member's close action (``close``) at each deadline."""

    def __init__(self, kept: dict[str, Any], sizes: Sizes, kind: str) -> None:
        self.kept = kept
        self.kind = kind
        self.commons_id = kept["commons_id"]
        rng = random.Random(f"{sizes.seed}:closing")
        self.actions: dict[str, SignedAction] = {}
        for offset, which in enumerate(("consent", "schulze"), 1):
            at = kept[f"{which}_closes_at"]
            if kind == "join":  # someone not yet a member: nothing of theirs is cached
                key = Keypair(reads.member_seed(sizes.seed, sizes.voters + offset))
                type_, body = JOIN, {"name": f"Newcomer {offset}"}
            else:
                key = Keypair(reads.member_seed(sizes.seed, offset))
                type_, body = proposals.CLOSE, {"proposal": kept[which]}
            action = build_action(
                type=type_,
                author=key.did,
                body=body,
                commons=self.commons_id,
                at=at,
                nonce=reads.nonce_of(rng),
            )
            self.actions[which] = sign_action(key, action)

    def append(self, node: Node, which: str) -> float:
        """The closing append of ``which`` at its deadline: its seconds (commit not included)."""
        node.clock = reads.fixed_clock(self.kept[f"{which}_closes_at"])
        # unverified: the node checks the author's signature, as for a client's submission
        action = dataclasses.replace(self.actions[which], verified=False)
        began = time.perf_counter()
        append_actions(node, self.commons_id, [action])
        return time.perf_counter() - began


def close_once(
    node: Node, closer: Closer, which: str, profiler: cProfile.Profile | None = None
) -> Run:
    """One closing append of ``which``, rolled back (Schulze's after consent's, untimed)."""
    run = Run()
    gc.collect()
    with rolled_back(node):
        if which == "schulze":
            closer.append(node, "consent")  # its deadline comes first: closed, not timed
            gc.collect()
        with timing(run, closer.kept[which]):
            if profiler is not None:
                profiler.enable()
            run.append = closer.append(node, which)
            if profiler is not None:
                profiler.disable()
    if run.outcome is None:
        raise SystemExit(f"the {which} proposal did not close in its closing append")
    return run


# ---------------------------------------------------------------------------------------------
# pref-voting on the same ballots
# ---------------------------------------------------------------------------------------------


@dataclass
class PrefVoting:
    read: float
    build: float
    beat_path: float
    winners: list[str]
    ballots: int
    complete: int

    @property
    def total(self) -> float:
        return self.read + self.build + self.beat_path


def pref_voting_once(node: Node, kept: dict[str, Any], options: list[str]) -> PrefVoting:
    """The Schulze proposal's ballots read from the database, pref-voting's profile built from
    them and ``beat_path`` (as tests/unit/test_voting_methods.py does it)."""
    gc.collect()
    began = time.perf_counter()
    with node.reading() as conn:
        texts = (
            conn.execute(
                sa.select(stances.c.ballot)
                .where(
                    stances.c.commons_id == kept["commons_id"],
                    stances.c.proposal_id == kept["schulze"],
                    stances.c.version == 1,
                )
                .order_by(stances.c.member)
            )
            .scalars()
            .all()
        )
    ballots = [orjson.loads(text) for text in texts]
    read = time.perf_counter()
    complete = sum(1 for ballot in ballots if len(ballot) == len(options))
    if complete == len(ballots):
        index = {option: i for i, option in enumerate(options)}
        profile: Any = Profile([[index[option] for option in ballot] for ballot in ballots])
        built = time.perf_counter()
        winners = sorted(options[i] for i in beat_path(profile))
    else:
        profile = ProfileWithTies(
            [{option: rank for rank, option in enumerate(ballot, 1)} for ballot in ballots],
            candidates=list(options),
        )
        profile.use_extended_strict_preference()
        built = time.perf_counter()
        winners = sorted(beat_path(profile, strength_function=profile.support))
    done = time.perf_counter()
    return PrefVoting(read - began, built - read, done - built, winners, len(ballots), complete)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return reads.ms(seconds)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def code_state() -> str:
    """The code measured, read once when the script starts (others commit while it runs): the
    repository's commit, or the commit a copy of it was exported from (``git archive`` into a
    directory with an EXPORTED_FROM file), and where ``commonwork`` was imported from."""
    import commonwork

    root = Path(__file__).resolve().parent.parent
    exported = root / "EXPORTED_FROM"
    state = exported.read_text().strip() if exported.exists() else reads.code_state()
    return f"{state}; commonwork imported from {Path(commonwork.__file__).parent}"


CODE = code_state()


def print_header(console: Console, title: str) -> None:
    console.rule(title)
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {CODE}")
    console.print(
        f"load:       {load_text()} now: anything above 0 is other work sharing the machine"
    )


def wait_for_quiet(console: Console, below: float, longest: float) -> None:
    """Wait until the 1-minute load average is below ``below`` (at most ``longest`` s)."""
    began = time.monotonic()
    while os.getloadavg()[0] >= below:
        if time.monotonic() - began > longest:
            console.print(f"still loaded after {longest:,.0f} s ({load_text()}): measuring anyway")
            return
        console.print(f"waiting for a quieter machine: load {load_text()}")
        time.sleep(30)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def spread(values: Sequence[float], warm_up: float) -> str:
    return (
        f"median of {len(values)} (min {ms(min(values))}, max {ms(max(values))}; "
        f"warm-up run {ms(warm_up)}, not counted)"
    )


def measure_close(
    node: Node,
    closer: Closer,
    which: str,
    runs: int,
    console: Console,
) -> tuple[Run, list[Run]]:
    console.print(f"  {which}: a warm-up closing append, then {runs}, each rolled back…")
    warm_up = close_once(node, closer, which)
    measured = [close_once(node, closer, which) for _ in range(runs)]
    return warm_up, measured


def report_schulze(
    report: reads.Report,
    sizes: Sizes,
    closer: Closer,
    warm_up: Run,
    runs: list[Run],
    pref: list[PrefVoting],
    pref_warm_up: PrefVoting | None,
) -> dict[str, Any]:
    recorded = [run.recorded for run in runs]
    appends = [run.append for run in runs]
    what = f"{sizes.voters:,} stances x {sizes.options} options"
    loaded_in = "prefetch" if closer.kind == "close" else "close"
    report.add(
        f"Schulze close: projected stances → recorded outcome ({what})",
        ms(median(recorded)),
        f"< {SCHULZE_SECONDS:g} s",
        median(recorded) < SCHULZE_SECONDS,
        f"{spread(recorded, warm_up.recorded)}; of it: stances loaded and parsed "
        f"{ms(median([r.ballots + r.prefetch for r in runs]))} (loaded in {loaded_in}), "
        f"methods.tally {ms(median([r.tally for r in runs]))}, the rest of close "
        f"{ms(median([r.close - r.ballots - r.tally for r in runs]))}, flush "
        f"{ms(median([r.flush for r in runs]))}",
    )
    report.add(
        "  the whole closing append (Schulze)",
        ms(median(appends)),
        f"< {SCHULZE_SECONDS:g} s",
        median(appends) < SCHULZE_SECONDS,
        f"{spread(appends, warm_up.append)}; one {closer.actions['schulze'].type} recorded at "
        "the deadline, through append_actions (signature, seal, rules, projection, entry "
        "written); the commit not included (rolled back)",
    )
    ours_unbeaten = sorted(runs[0].unbeaten or [])
    outcome = runs[0].outcome or {}
    tally = outcome.get("tally", {})
    same = all(sorted(run.unbeaten or []) == ours_unbeaten for run in runs)
    winners = (
        f"ours: unbeaten {ours_unbeaten}, winner {tally.get('winner')} "
        f"(tie broken: {outcome.get('tie_broken')}), status {outcome.get('status')}"
    )
    if pref_warm_up is None:  # --skip pref-voting
        report.add(
            "  Schulze winners (every run)",
            "the same" if same else "NOT the same",
            "",
            None,
            winners,
        )
    else:
        totals = [p.total for p in pref]
        ours = median(recorded)
        report.add(
            "pref-voting on the same ballots (profile building counted)",
            ms(median(totals)),
            "",
            None,
            f"{spread(totals, pref_warm_up.total)}; of it: ballots read from the database "
            f"{ms(median([p.read for p in pref]))}, "
            f"{'Profile' if pref[0].complete == pref[0].ballots else 'ProfileWithTies'} built "
            f"{ms(median([p.build for p in pref]))}, beat_path "
            f"{ms(median([p.beat_path for p in pref]))}; {median(totals) / ours:,.1f} x our "
            "close",
        )
        same = same and all(p.winners == ours_unbeaten for p in [*pref, pref_warm_up])
        report.add(
            "  same winner set as pref-voting",
            "yes" if same else "NO",
            "the same",
            same,
            f"{winners}; pref-voting's beat_path: {pref[0].winners}",
        )
    return {
        "closing_entry": closer.actions["schulze"].type,
        "recorded_seconds": recorded,
        "append_seconds": appends,
        "warm_up": vars(warm_up) | {"outcome": None},
        "runs": [vars(run) | {"outcome": None} for run in runs],
        "outcome": {key: outcome.get(key) for key in ("status", "stances", "electorate")}
        | {
            "winner": tally.get("winner"),
            "ranking": tally.get("ranking"),
            "unbeaten": tally.get("unbeaten"),
        },
        "pref_voting": [vars(p) for p in pref],
        "pref_voting_warm_up": None if pref_warm_up is None else vars(pref_warm_up),
        "same_winners": same,
    }


def report_consent(
    report: reads.Report, sizes: Sizes, closer: Closer, warm_up: Run, runs: list[Run]
) -> dict[str, Any]:
    recorded = [run.recorded for run in runs]
    appends = [run.append for run in runs]
    outcome = runs[0].outcome or {}
    counts = outcome.get("positions", {})
    report.add(
        f"consent close: projected stances → recorded outcome ({sizes.consent:,} stances)",
        ms(median(recorded)),
        f"< {CONSENT_SECONDS * 1000:.0f} ms",
        median(recorded) < CONSENT_SECONDS,
        f"{spread(recorded, warm_up.recorded)}; of it: stances loaded and parsed "
        f"{ms(median([r.ballots + r.prefetch for r in runs]))}, the rest of close "
        f"{ms(median([r.close - r.ballots for r in runs]))}, flush "
        f"{ms(median([r.flush for r in runs]))}; outcome {outcome.get('status')} "
        f"({counts.get('consent', 0):,} consent, {counts.get('concern', 0):,} concerns, "
        f"{counts.get('object', 0):,} objections)",
    )
    report.add(
        "  the whole closing append (consent)",
        ms(median(appends)),
        f"< {CONSENT_SECONDS * 1000:.0f} ms",
        median(appends) < CONSENT_SECONDS,
        f"{spread(appends, warm_up.append)}; one {closer.actions['consent'].type} at the "
        "deadline, as for Schulze",
    )
    return {
        "closing_entry": closer.actions["consent"].type,
        "recorded_seconds": recorded,
        "append_seconds": appends,
        "warm_up": vars(warm_up) | {"outcome": None},
        "runs": [vars(run) | {"outcome": None} for run in runs],
        "outcome": {
            "status": outcome.get("status"),
            "stances": outcome.get("stances"),
            "positions": counts,
        },
    }


def profile_closes(
    node: Node, closer: Closer, directory: Path, console: Console, which: Sequence[str]
) -> None:
    for name in which:
        profiler = cProfile.Profile()
        close_once(node, closer, name, profiler)
        reads.write_profile(
            profiler, directory / f"{name}_close.pstats", console, f"the {name} closing append"
        )


def database_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in data_dir.glob("commonwork.db*"))


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--voters", type=int, default=100_000, help="members, each ranking (default 100000)"
    )
    parser.add_argument(
        "--options", type=int, default=10, help="Schulze options, status_quo among them (10)"
    )
    parser.add_argument(
        "--consent", type=int, default=10_000, help="stances on the consent proposal (10000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 5,000 voters, 1,000 consent stances"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each (default 5)")
    parser.add_argument(
        "--closing-entry",
        choices=("join", "close"),
        default="join",
        help="the entry recorded at the deadline: a newcomer's join (default; the close loads "
        "the stances) or a member's governance.proposal.close (its prefetch loads them)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_BASE,
        help=f"where the commons is kept, one directory per size (default {DEFAULT_BASE})",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="signing worker processes for the build (1)"
    )
    parser.add_argument("--build-only", action="store_true", help="build (if need be) and stop")
    parser.add_argument(
        "--skip", default="", help="leave out, comma-separated: schulze, pref-voting, consent"
    )
    parser.add_argument(
        "--wait-load",
        type=float,
        metavar="LOAD",
        help="before measuring, wait (up to --wait-seconds) for a 1-minute load below LOAD",
    )
    parser.add_argument("--wait-seconds", type=float, default=1800.0)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile one closing append of each, write pstats to DIR and print the top",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.voters, args.consent, args.runs = 5_000, 1_000, min(args.runs, 3)
    if not 2 <= args.options <= 26 or args.consent > args.voters or args.voters < 2:
        parser.error("2 to 26 options, at least 2 voters and no more consent stances than voters")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    sizes = Sizes(args.voters, args.options, args.consent, args.seed)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    console = Console(width=None if sys.stdout.isatty() else 160)
    title = "commonwork: governance closes at scale (issue 10)"
    print_header(console, title)
    data_dir = args.data / sizes.name
    began = time.perf_counter()
    kept = ensure_built(data_dir, sizes, console, args.workers)
    db_bytes = database_bytes(data_dir)
    built = (
        f"{kept['entries']:,} entries ({sizes.voters:,} members; a Schulze proposal with "
        f"{sizes.options} options and {sizes.voters:,} stances; a consent proposal with "
        f"{sizes.consent:,} stances), {db_bytes / 2**20:,.0f} MiB, in {data_dir}; built in "
        f"{kept['build_seconds']:,.0f} s on {kept['built_on']} (load then "
        f"{kept['build_load'][0]:.2f}); proposals close at {kept['consent_closes_at']} "
        f"(consent) and {kept['schulze_closes_at']} (Schulze)"
    )
    console.print(f"the commons: {built}")
    if args.build_only:
        return 0
    if args.wait_load is not None:
        wait_for_quiet(console, args.wait_load, args.wait_seconds)
    loads = {"start": list(os.getloadavg())}
    console.print(f"measuring; load {load_text()}")
    report = reads.Report()
    document: dict[str, Any] = {}
    node = reads.open_node(data_dir)
    closer = Closer(kept, sizes, args.closing_entry)
    options = option_ids(sizes.options)
    try:
        if "schulze" not in skip:
            console.print("[bold]a. the Schulze close[/]")
            warm_up, runs = measure_close(node, closer, "schulze", args.runs, console)
            pref_warm_up, pref = None, []
            if "pref-voting" not in skip:
                console.print(f"[bold]b. pref-voting[/]: a warm-up, then {args.runs}…")
                pref_warm_up = pref_voting_once(node, kept, options)
                pref = [pref_voting_once(node, kept, options) for _ in range(args.runs)]
            document["schulze"] = report_schulze(
                report, sizes, closer, warm_up, runs, pref, pref_warm_up
            )
        if "consent" not in skip:
            console.print("[bold]c. the consent close[/]")
            warm_up, runs = measure_close(node, closer, "consent", args.runs, console)
            document["consent"] = report_consent(report, sizes, closer, warm_up, runs)
        loads["end"] = list(os.getloadavg())
        if args.profile is not None:
            which = [name for name in ("schulze", "consent") if name not in skip]
            profile_closes(node, closer, args.profile, console, which)
    finally:
        node.close()
    report.add(
        "building the kept commons (once)",
        f"{kept['build_seconds']:,.0f} s",
        note=f"{kept['entries']:,} actions through append_actions, on {kept['built_on']}",
    )
    total = time.perf_counter() - began
    console.rule("figures")
    print_header(console, title)
    console.print(f"the commons: {built}")
    console.print(
        f"load at the start of the measurement {' '.join(f'{x:.2f}' for x in loads['start'])}, "
        f"at its end {' '.join(f'{x:.2f}' for x in loads.get('end', []))} (1, 5, 15 min)"
    )
    report.print(console, f"governance closes ({total:,.0f} s in all)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document.update(
            machine=machine_facts(),
            code=CODE,
            sizes=sizes.as_json(),
            commons={key: value for key, value in kept.items() if key != "sizes"}
            | {"database_bytes": db_bytes},
            load=loads,
            runs=args.runs,
            closing_entry=args.closing_entry,
            seconds=total,
            figures=[vars(figure) for figure in report.figures],
        )
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
