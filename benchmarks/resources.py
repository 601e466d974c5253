"""Bookings of one shared resource (issue 13): what checking and appending one booking costs
against 1,000, 10,000 and 100,000 existing bookings of that resource, what the database's guard
costs, and how many bookings a second one node takes over real HTTP from one client.

**The kept nodes.** For each size (``--sizes``, default 1,000, 10,000 and 100,000) a node
(SQLite, the node's default settings: WAL, ``synchronous=FULL``) is built once through the
pipeline (``commonwork.node.pipeline.append_actions``, batches of ``--batch`` (500) actions
signed by their authors in a worker process ahead of the append, marked verified as
``reads.py`` does) and kept in ``/work/benchdata/resources-<size>/`` (``--rebuild`` builds it
again; so does a change of the schema or of ``src/commonwork/resources/``). It holds a commons
(the "open" preset's policies) with 100 members, one resource ("the lathe": bookings of at most
72 hours, a buffer of a minute after each, no quota) and ``size`` bookings of it, one of 5
minutes every 10 (144 a day: a booking may start at most 731 days after the journal time it is
made at, so 100,000 bookings of one resource made at one time are that dense; they reach from
2031-01-02 to 2032-11-26): every 36th by member 0, the heaviest user (4 a day), the rest by the
99 others in turn (1.4 a day each). Every booking is made at one journal time,
2031-01-01T06:00Z, before any of them starts (a booking may not start in the past), so no day
is settled in between. Between two bookings is a gap of 5 minutes: a 3-minute booking fits in
it exactly (a minute of buffer after it).

**1. One booking against N** (on a scratch copy of each kept node, the node opened with its
default settings), each case over ``--tries`` (200) tries at random places in the resource's
history, median and p95:

* (a) the rule alone, through ``commonwork.services.dry_run.dry_run`` (the area's
  ``ActionSpec.check`` on the projected state in one read transaction, nothing written) for a
  free slot (a gap) and a taken one (SlotTaken, naming the booking), and the bare
  ``check_make`` call inside that (no transaction, no head read);
* (b) ``submit_signed`` (what ``POST …/actions`` calls: the form, the author's signature
  verified, the rules, projection, the journal and a durable commit) of one booking at the end
  (after the last) and of one in a gap in the middle, ``--appends`` (21) each, and one refused
  (a taken slot: the transaction rolls back);
* (c) the guard in SQLite: a raw ``INSERT`` into ``bookings`` (the driver's own connection,
  ``BEGIN IMMEDIATE`` … ``ROLLBACK``) of an active row overlapping a booking, which the trigger
  refuses, beside the same row inactive (the trigger's ``WHEN`` is false: no lookup) and an
  active row in a free gap (the lookup runs and lets it in);
* the same check and append once the resource's rules add a quota (6 days in any 30, a fee and
  a deposit), appended as ``resources.resource.update``: the quota rule reads the member's
  bookings within 30 days either side of the new one (about 85 for the others, 240 for member
  0, whose dry run is timed apart). The timed tries and appends are by the 99 others.

**2. Bookings over HTTP.** A fresh node (SQLite, default settings: ``synchronous=FULL``, the
signature workers, ``--log-level info`` as ``commonwork serve`` runs it) is served by uvicorn
on 127.0.0.1 in a child process, as ``http_throughput.py`` starts it. One sequential client
(httpx, one kept-alive connection) posts ``--http-single`` (2,000) bookings, one signed action
per request to ``POST /api/v1/commons/{id}/actions``, then ``--http-batched`` (10,000) in JSON
arrays of ``--batch`` (500) signed actions per request. Every action is signed (with a fresh
nonce and the real time) before the clock starts: signing is the client's cost. A warm-up of 20
requests is not counted. Then the same single requests on a fresh node with
``COMMONWORK_SQLITE_SYNCHRONOUS=NORMAL`` (``--skip-normal`` leaves it out): not the default,
shown to tell the durable commit's share. Beside each run: the server process' CPU, the load,
the machine's I/O wait and this disk's ``fdatasync`` (4 KiB rewritten in place, as a WAL commit
syncs) just before and after it: a sequential client's rate is what other work on the machine
(its CPU and its disk) changes most.

**3. PostgreSQL** (only if ``COMMONWORK_BENCH_POSTGRES_URL`` names a server whose user may
``CREATE DATABASE``; skipped otherwise): the same as 1 in a fresh database per size, dropped
afterwards, vacuumed and analyzed after the fill; (c) is the exclusion constraint.

Nothing here asserts a time (benchmarks/README.md): each figure is printed beside its target.

    .venv/bin/python benchmarks/resources.py --quick          # small sizes, about a minute
    .venv/bin/python benchmarks/resources.py                  # 1k, 10k, 100k; a few minutes
    .venv/bin/python benchmarks/resources.py --json benchmarks/out/resources.json
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import random
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import availability
import reads
from _machine import machine_facts
from commonwork.commons.actions import FOUND, JOIN
from commonwork.commons.charter_policies import complete_charter
from commonwork.errors import SlotTaken
from commonwork.journal.actions import format_time
from commonwork.journal.keys import Keypair
from commonwork.journal.projection import Context
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.registry import spec_for
from commonwork.node.settings import Settings
from commonwork.node.state import DbState
from commonwork.resources.tables import bookings
from commonwork.services import dry_run as dry_run_module
from commonwork.services.acting import submit_signed
from economy import schema_fingerprint

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BASE = Path("/work/benchdata")
LAYOUT = 3  # the kept nodes' layout; a change builds them again
MEMBERS = 100
HEAVY_EVERY = 36  # member 0 makes every 36th booking: 4 a day
BATCH = 500
JOURNAL_TIME = "2031-01-01T06:00:00.000Z"  # every entry of a kept node, and the timed ones
FIRST_START = datetime(2031, 1, 2, tzinfo=UTC)  # the first booking's start
SLOT = 10  # minutes from one booking's start to the next
LENGTH = 5  # minutes a filled booking lasts
BUFFER = 1  # minutes after each that belong to it
GAP_LENGTH = SLOT - LENGTH - 2 * BUFFER  # 3: what fits between two bookings
HORIZON_DAYS = 731  # how far ahead of journal time a booking may start (resources.bookings)
MOST = HORIZON_DAYS * 24 * 60 // SLOT - 1000  # the most bookings that fit, with room to append
BOOK = "resources.booking.make"
PLAIN_RULES: dict[str, Any] = {"max_hours": 72, "buffer_minutes": BUFFER}
QUOTA_RULES: dict[str, Any] = {
    **PLAIN_RULES,
    "quota": {"days": 6, "per_days": 30},
    "deposit": {"amount": 5000, "currency": "EUR"},
    "fee": {"amount": 300, "currency": "EUR"},
}
CHARTER: dict[str, Any] = {
    "name": "Tool Library",
    "purpose": "Lend the workshop's machines to every member, fairly",
    "aims": ["Keep the machines busy", "Keep them in good repair"],
    "metrics": [{"name": "bookings", "description": "Bookings made"}],
    "licence": "CC-BY-SA-4.0",
}
POSTGRES_ENV = "COMMONWORK_BENCH_POSTGRES_URL"

#: Targets (issue 13).
CHECK_SECONDS = 0.005
HTTP_SINGLE_RATE = 300.0

err = Console(stderr=True, soft_wrap=True)


# ---------------------------------------------------------------------------------------------
# Times and slots
# ---------------------------------------------------------------------------------------------


def minute_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def slot_start(k: int) -> datetime:
    return FIRST_START + timedelta(minutes=k * SLOT)


def filled(k: int) -> tuple[str, str]:
    """The k-th filled booking: 5 minutes, every 10."""
    start = slot_start(k)
    return minute_text(start), minute_text(start + timedelta(minutes=LENGTH))


def gap(k: int) -> tuple[str, str]:
    """A booking that fits exactly in the gap after the k-th: 30 minutes, its buffer ending
    where the next starts."""
    start = slot_start(k) + timedelta(minutes=LENGTH + BUFFER)
    return minute_text(start), minute_text(start + timedelta(minutes=GAP_LENGTH))


def taken(k: int) -> tuple[str, str]:
    """A booking overlapping the k-th."""
    start = slot_start(k) + timedelta(minutes=1)
    return minute_text(start), minute_text(start + timedelta(minutes=3))


def member_of(k: int) -> int:
    """Who made the k-th booking: member 0, the heaviest user, every 36th (4 a day); the 99
    others in turn the rest."""
    if k % HEAVY_EVERY == 0:
        return 0
    return 1 + (k - 1 - k // HEAVY_EVERY) % (MEMBERS - 1)


def booking_body(resource: str, span: tuple[str, str]) -> dict[str, Any]:
    return {"resource": resource, "start": span[0], "end": span[1]}


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms" if seconds < 0.01 else f"{seconds * 1000:,.1f} ms"


def us_or_ms(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds < 0.001 else ms(seconds)


@dataclass
class Timings:
    """Seconds of each try of one case."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        return percentile(self.values, 0.95)

    def brief(self) -> str:
        return f"{us_or_ms(self.median)} (p95 {us_or_ms(self.p95)})"

    def as_json(self) -> dict[str, float | int]:
        return {
            "median_ms": self.median * 1000,
            "p95_ms": self.p95 * 1000,
            "min_ms": min(self.values) * 1000,
            "max_ms": max(self.values) * 1000,
            "count": len(self.values),
        }


# ---------------------------------------------------------------------------------------------
# Building a kept node
# ---------------------------------------------------------------------------------------------


def key_of(seed: int, index: int) -> Keypair:
    return Keypair(reads.member_seed(seed, index))


def fingerprint() -> str:
    """What a kept node must have been built by: the schema, the resources area's source (its
    rules checked the kept bookings) and this layout."""
    digest = hashlib.sha256(f"{schema_fingerprint()}:{LAYOUT}".encode())
    for path in sorted((REPO / "src/commonwork/resources").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def open_node(data_dir: Path, database_url: str | None = None, **env: str) -> Node:
    """A node with the default settings (``env`` over them), its clock at JOURNAL_TIME."""
    settings_env = {"COMMONWORK_DATA_DIR": str(data_dir), **env}
    if database_url is not None:
        settings_env["COMMONWORK_DATABASE_URL"] = database_url
    node = Node.open(Settings.from_env(settings_env))
    node.clock = reads.fixed_clock(JOURNAL_TIME)
    return node


def fill(node: Node, size: int, seed: int, progress: Progress, label: str) -> dict[str, Any]:
    """Found the commons, let the members join, register the resource, book it ``size``
    times; what was built."""
    rng = random.Random(f"{seed}:resources:{label}")
    signer = reads.Signer(1, seed)
    try:

        def spec(type_: str, author: int, body: dict[str, Any], cid: str | None) -> reads.Spec:
            return (type_, author, body, cid, JOURNAL_TIME, reads.nonce_of(rng))

        def run(cid: str | None, specs: list[reads.Spec]) -> list[Any]:
            return append_actions(node, cid, signer.submit(specs)())

        founder = key_of(seed, 0)
        charter = complete_charter(CHARTER, founder.did, "open")
        body = {"charter": charter, "founder_name": "Member 0", "host": node.host_key.did}
        [founded] = run(None, [spec(FOUND, 0, body, None)])
        cid = founded.commons_id
        run(cid, [spec(JOIN, m, {"name": f"Member {m}"}, cid) for m in range(1, MEMBERS)])
        lathe = {"name": "The lathe", "kind": "machine", "zone": "Europe/Berlin",
                 "rules": PLAIN_RULES}  # fmt: skip
        [registered] = run(cid, [spec("resources.resource.register", 0, lathe, cid)])
        resource = registered.entry.id
        task = progress.add_task(f"{label}: booking", total=size)
        batches = [
            [spec(BOOK, member_of(k), booking_body(resource, filled(k)), cid)
             for k in range(start, min(start + BATCH, size))]
            for start in range(0, size, BATCH)
        ]  # fmt: skip
        began = time.perf_counter()
        pending = signer.submit(batches[0]) if batches else None
        for index, specs in enumerate(batches):
            assert pending is not None
            signed = pending()
            if index + 1 < len(batches):
                pending = signer.submit(batches[index + 1])
            append_actions(node, cid, signed)
            progress.advance(task, len(specs))
        seconds = time.perf_counter() - began
        progress.remove_task(task)
    finally:
        signer.close()
    return {
        "commons_id": cid,
        "resource": resource,
        "bookings": size,
        "fill_seconds": round(seconds, 2),
        "fill_rate": round(size / seconds) if seconds else None,
    }


def ensure_kept(base: Path, size: int, seed: int, rebuild: bool, progress: Progress) -> Path:
    """The kept SQLite node of ``size`` bookings, built first when missing or stale."""
    data_dir = base / f"resources-{size}"
    marker = data_dir / "bench.json"
    wanted = {"size": size, "seed": seed, "fingerprint": fingerprint()}
    if marker.exists() and not rebuild:
        kept = json.loads(marker.read_text())
        if all(kept.get(name) == value for name, value in wanted.items()):
            return data_dir
        err.print(f"{data_dir} was built by other code or sizes: building it again")
    shutil.rmtree(data_dir, ignore_errors=True)
    partial = data_dir.with_name(data_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    node = open_node(partial, COMMONWORK_VERIFY_WORKERS="0")
    try:
        built = fill(node, size, seed, progress, f"{size:,} bookings")
    finally:
        node.close()
    built |= wanted | {
        "built_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "built_with": reads.code_state(),
    }
    (partial / "bench.json").write_text(json.dumps(built, indent=2) + "\n")
    partial.rename(data_dir)
    err.print(
        f"built {data_dir}: {size:,} bookings in {built['fill_seconds']:,.1f} s "
        f"({built['fill_rate']:,}/s)"
    )
    return data_dir


@contextmanager
def scratch_copy(kept: Path, scratch: Path) -> Iterator[Path]:
    """A copy of a kept node that the timed appends may change."""
    target = scratch / kept.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(kept, target)
    try:
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# 1. One booking against N
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    """What one size measured, by case key."""

    backend: str
    size: int
    timings: dict[str, Timings] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, seconds: float) -> None:
        self.timings.setdefault(key, Timings()).values.append(seconds)


class Bench:
    """Times one kept (or freshly filled) node's bookings."""

    def __init__(self, node: Node, built: dict[str, Any], seed: int, case: Case) -> None:
        self.node = node
        self.cid = str(built["commons_id"])
        self.resource = str(built["resource"])
        self.size = int(built["bookings"])
        self.seed = seed
        self.keys = [key_of(seed, m) for m in range(MEMBERS)]
        self.rng = random.Random(f"{seed}:resources:tries:{self.size}")
        self.nonces = random.Random(f"{seed}:resources:nonces:{self.size}:{time.time_ns()}")
        self.case = case
        self.spec = spec_for(BOOK)
        self.next_end = self.size  # the next free slot after the last booking
        self.used_gaps: set[int] = set()

    def member(self) -> int:
        """One of the members who book now and then (not member 0, the heaviest user)."""
        return 1 + self.rng.randrange(MEMBERS - 1)

    def random_gap(self) -> int:
        """A gap anywhere in the history that no timed append has taken."""
        k = self.rng.randrange(self.size - 1)
        while k in self.used_gaps:
            k = self.rng.randrange(self.size - 1)
        return k

    def dry_run(self, member: int, span: tuple[str, str]) -> tuple[float, Any]:
        body = booking_body(self.resource, span)
        did = self.keys[member].did
        began = time.perf_counter()
        [verdict] = dry_run_module.dry_run(self.node, self.cid, did, [(BOOK, body)])
        return time.perf_counter() - began, verdict

    def checks(self, tries: int, label: str, progress: Progress, heavy: bool = False) -> None:
        """(a): dry runs of a free and a taken slot, and the bare rule, at random places."""
        for _ in range(5):  # the settlement overlay of the day is made and kept by the first
            self.dry_run(0, gap(self.random_gap()))
        task = progress.add_task(f"{label}: checks", total=(4 if heavy else 3) * tries)
        for _ in range(tries):
            seconds, verdict = self.dry_run(self.member(), gap(self.random_gap()))
            if not verdict.allowed:
                raise SystemExit(f"a free gap was refused: {verdict}")
            self.case.add(f"check_free{label_suffix(label)}", seconds)
            k = self.rng.randrange(self.size)
            seconds, verdict = self.dry_run(self.member(), taken(k))
            if verdict.allowed or verdict.code != SlotTaken.code:
                raise SystemExit(f"a taken slot was not refused as taken: {verdict}")
            self.case.add(f"check_taken{label_suffix(label)}", seconds)
            progress.advance(task, 2)
            if heavy:  # member 0: 4 bookings a day, 240 within 30 days either side
                seconds, verdict = self.dry_run(0, gap(self.random_gap()))
                if not verdict.allowed:
                    raise SystemExit(f"a free gap was refused to the heaviest user: {verdict}")
                self.case.add(f"check_free{label_suffix(label)}_heavy", seconds)
                progress.advance(task)
        # The rule alone: check_make on a fresh DbState per try, in one read transaction.
        with self.node.reading() as conn:
            head = journal_store.read_head(conn, self.cid)
            assert head is not None
            for _ in range(tries):
                member = self.member()
                body = booking_body(self.resource, gap(self.random_gap()))
                parsed = self.spec.parse_body(body)
                entry = dry_run_module._candidate(
                    head.id, head.seq + 1, JOURNAL_TIME, self.cid, self.keys[member].did, BOOK, body
                )
                state = DbState(conn)
                began = time.perf_counter()
                self.spec.check(state, Context(self.cid, entry, parsed))
                self.case.add(f"rule_free{label_suffix(label)}", time.perf_counter() - began)
                progress.advance(task)
        progress.remove_task(task)

    def signed(self, member: int, span: tuple[str, str]) -> dict[str, Any]:
        spec = (BOOK, member, booking_body(self.resource, span), self.cid, JOURNAL_TIME,
                reads.nonce_of(self.nonces))  # fmt: skip
        [signed] = reads.sign_specs([spec])
        return signed.as_json()

    def submit(self, wire: dict[str, Any]) -> float:
        began = time.perf_counter()
        submit_signed(self.node, self.cid, [wire])
        return time.perf_counter() - began

    def free_middle_gap(self) -> int:
        k = self.size // 2 + self.rng.randrange(-self.size // 10, self.size // 10 + 1)
        while k in self.used_gaps or k >= self.size - 1:
            k = self.size // 2 + self.rng.randrange(-self.size // 10, self.size // 10 + 1)
        self.used_gaps.add(k)
        return k

    def appends(self, count: int, label: str, progress: Progress) -> None:
        """(b): one booking at the end, one in a gap in the middle, one refused."""
        suffix = label_suffix(label)
        task = progress.add_task(f"{label}: appends", total=3 * count + 2)
        for _ in range(2):  # warm-up: the first append after opening reads cold pages
            self.submit(self.signed(self.member(), filled(self.next_end)))
            self.next_end += 1
            progress.advance(task)
        for _ in range(count):
            wire = self.signed(self.member(), filled(self.next_end))
            self.next_end += 1
            self.case.add(f"append_end{suffix}", self.submit(wire))
            wire = self.signed(self.member(), gap(self.free_middle_gap()))
            self.case.add(f"append_middle{suffix}", self.submit(wire))
            wire = self.signed(self.member(), taken(self.rng.randrange(self.size)))
            began = time.perf_counter()
            try:
                submit_signed(self.node, self.cid, [wire])
            except SlotTaken:
                self.case.add(f"append_refused{suffix}", time.perf_counter() - began)
            else:
                raise SystemExit("a booking of a taken slot was appended")
            progress.advance(task, 3)
        progress.remove_task(task)

    def set_rules(self, rules: dict[str, Any]) -> None:
        body = {"resource": self.resource, "rules": rules}
        spec = ("resources.resource.update", 0, body, self.cid, JOURNAL_TIME,
                reads.nonce_of(self.nonces))  # fmt: skip
        submit_signed(self.node, self.cid, [reads.sign_specs([spec])[0].as_json()])

    def guard(self, tries: int, label: str, progress: Progress) -> str:
        """(c): raw INSERTs straight on the driver, each in a transaction rolled back; what
        refused the overlapping one."""
        columns = [column.name for column in bookings.columns]
        dialect = self.node.engine.dialect.name
        marks = ", ".join(["?" if dialect == "sqlite" else "%s"] * len(columns))
        sql = f"INSERT INTO bookings ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - declared column names only, values bound
        with self.node.reading() as conn:
            template = dict(
                conn.execute(
                    sa.select(bookings).where(
                        (bookings.c.commons_id == self.cid)
                        & (bookings.c.resource == self.resource)
                        & (bookings.c.kind == "booking")
                    ).limit(1)
                ).mappings().one()
            )  # fmt: skip
        raw = self.node.engine.raw_connection()
        refusal = ""
        task = progress.add_task(f"{label}: guard", total=3 * tries)
        try:
            driver = raw.driver_connection
            assert driver is not None
            cursor = driver.cursor()

            def insert(row: dict[str, Any]) -> tuple[float, Exception | None]:
                values = [row[name] for name in columns]
                if dialect == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")
                failure: Exception | None = None
                began = time.perf_counter()
                try:
                    cursor.execute(sql, values)
                except Exception as exc:
                    failure = exc
                seconds = time.perf_counter() - began
                if dialect == "sqlite":
                    cursor.execute("ROLLBACK")
                else:
                    driver.rollback()
                return seconds, failure

            for index in range(tries):
                k = self.random_gap()
                lo = int(slot_start(k).timestamp()) // 60
                hi = lo + LENGTH + BUFFER
                forged = {**template, "booking_id": f"{index:064x}", "seq": 10**9 + index}
                overlap = {**forged, "lo": lo + 1, "hi": hi + 1, "start_min": lo + 1,
                           "end_min": hi - BUFFER + 1}  # fmt: skip
                seconds, failure = insert(overlap)
                if failure is None:
                    raise SystemExit("the database let an overlapping active booking in")
                refusal = refusal or str(failure).splitlines()[0]
                self.case.add(f"guard_refused{label_suffix(label)}", seconds)
                seconds, failure = insert({**overlap, "active": 0, "status": "cancelled"})
                if failure is not None:
                    raise SystemExit(f"an inactive row was refused: {failure}")
                self.case.add(f"guard_inactive{label_suffix(label)}", seconds)
                free = {**forged, "lo": hi, "hi": hi + GAP_LENGTH + BUFFER, "start_min": hi,
                        "end_min": hi + GAP_LENGTH}  # fmt: skip
                seconds, failure = insert(free)
                if failure is not None:
                    raise SystemExit(f"an active row in a free gap was refused: {failure}")
                self.case.add(f"guard_free{label_suffix(label)}", seconds)
                progress.advance(task, 3)
            cursor.close()
        finally:
            raw.close()
            progress.remove_task(task)
        return refusal


def label_suffix(label: str) -> str:
    return "_quota" if label.endswith("quota") else ""


def measure_node(
    node: Node, built: dict[str, Any], case: Case, args: argparse.Namespace, progress: Progress
) -> None:
    bench = Bench(node, built, args.seed, case)
    name = f"{case.backend} {case.size:,}"
    bench.checks(args.tries, name, progress)
    bench.appends(args.appends, name, progress)
    case.facts["guard"] = bench.guard(args.tries, name, progress)
    bench.set_rules(QUOTA_RULES)
    bench.checks(args.tries, f"{name} quota", progress, heavy=True)
    bench.appends(args.appends, f"{name} quota", progress)


def phase_sqlite(
    args: argparse.Namespace, scratch: Path, progress: Progress, profiler: cProfile.Profile | None
) -> list[Case]:
    cases = []
    for size in args.sizes:
        kept = ensure_kept(args.base, size, args.seed, args.rebuild, progress)
        built = json.loads((kept / "bench.json").read_text())
        case = Case("SQLite", size)
        case.facts |= {
            "fill_rate": built.get("fill_rate"),
            "db_mib": sum(p.stat().st_size for p in kept.glob("commonwork.db*")) / 2**20,
        }
        with scratch_copy(kept, scratch) as copy:
            node = open_node(copy)
            try:
                on = profiler is not None and size == max(args.sizes)
                if on and profiler is not None:
                    profiler.enable()
                measure_node(node, built, case, args, progress)
                if on and profiler is not None:
                    profiler.disable()
            finally:
                node.close()
        cases.append(case)
        err.print(
            f"SQLite {size:,}: check free {case.timings['check_free'].brief()}, taken "
            f"{case.timings['check_taken'].brief()}; append end "
            f"{case.timings['append_end'].brief()}, middle "
            f"{case.timings['append_middle'].brief()}",
            highlight=False,
        )
    return cases


def phase_postgres(args: argparse.Namespace, scratch: Path, progress: Progress) -> list[Case]:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        return []
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.support.postgres import PostgresServer

    server = PostgresServer(url)  # an external server: stop() leaves it alone
    cases = []
    for size in args.sizes:
        name = f"cw_bench_resources_{size}_{os.getpid()}"
        database = server.create_database(name)
        data_dir = scratch / f"postgres-{size}"
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            node = open_node(data_dir, database, COMMONWORK_VERIFY_WORKERS="0")
            try:
                built = fill(node, size, args.seed, progress, f"PostgreSQL {size:,} bookings")
            finally:
                node.close()
            case = Case("PostgreSQL", size)
            case.facts["fill_rate"] = built["fill_rate"]
            # As a database that has been running would be: vacuumed and analyzed, so that no
            # autovacuum of the bulk load runs beside the timed tries.
            engine = sa.create_engine(database, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                case.facts["server"] = conn.exec_driver_sql("SHOW server_version").scalar_one()
                conn.exec_driver_sql("VACUUM ANALYZE")
            engine.dispose()
            node = open_node(data_dir, database)
            try:
                measure_node(node, built, case, args, progress)
            finally:
                node.close()
            cases.append(case)
        finally:
            server.drop_database(name)
            shutil.rmtree(data_dir, ignore_errors=True)
    return cases


# ---------------------------------------------------------------------------------------------
# 2. Bookings over HTTP
# ---------------------------------------------------------------------------------------------


@dataclass
class HttpRun:
    label: str
    bookings: int
    requests: int
    seconds: float
    latencies: list[float]
    sign_seconds: float
    server_cpu: float
    load: tuple[float, float] = (0.0, 0.0)  # the 1-minute load average before and after
    iowait: float = 0.0  # the machine's share of CPU time waiting for I/O during the run
    fsync: tuple[float, float] = (0.0, 0.0)  # this disk's median fdatasync before and after

    @property
    def rate(self) -> float:
        return self.bookings / self.seconds


def prepare_http_node(data_dir: Path, seed: int) -> dict[str, Any]:
    """A fresh node (default settings, the real clock): the commons, its members and two
    resources (one for single requests, one for batches), written before the server starts."""
    node = Node.open(Settings.from_env({"COMMONWORK_DATA_DIR": str(data_dir)}))
    rng = random.Random(f"{seed}:resources:http")
    try:

        def run(cid: str | None, specs: list[reads.Spec]) -> list[Any]:
            return append_actions(node, cid, reads.sign_specs(specs))

        def spec(type_: str, author: int, body: dict[str, Any], cid: str | None) -> reads.Spec:
            return (type_, author, body, cid, format_time(datetime.now(UTC)), reads.nonce_of(rng))

        founder = key_of(seed, 0)
        charter = complete_charter(CHARTER, founder.did, "open")
        body = {"charter": charter, "founder_name": "Member 0", "host": node.host_key.did}
        [founded] = run(None, [spec(FOUND, 0, body, None)])
        cid = founded.commons_id
        run(cid, [spec(JOIN, m, {"name": f"Member {m}"}, cid) for m in range(1, MEMBERS)])
        made = {}
        for name in ("single", "batched"):
            lathe = {"name": f"The {name} lathe", "kind": "machine", "zone": "Europe/Berlin",
                     "rules": PLAIN_RULES}  # fmt: skip
            [registered] = run(cid, [spec("resources.resource.register", 0, lathe, cid)])
            made[name] = registered.entry.id
    finally:
        node.close()
    return {"commons_id": cid, "resources": made}


def http_first_start() -> datetime:
    """Bookings over HTTP start at the next month but one, in the future of the real clock."""
    today = datetime.now(UTC)
    return datetime(today.year + (today.month + 1) // 12, (today.month + 1) % 12 + 1, 1, tzinfo=UTC)


def signed_bookings(
    resource: str, cid: str, first: int, count: int, seed: int, start: datetime
) -> list[dict[str, Any]]:
    """``count`` signed bookings of slots ``first``… (5 minutes every 10 from ``start``),
    by the members in turn, signed now (the client's time in ``created_at``)."""
    rng = random.Random(f"{seed}:resources:http:{resource}:{first}:{time.time_ns()}")
    at = format_time(datetime.now(UTC))
    specs: list[reads.Spec] = []
    for k in range(first, first + count):
        begins = start + timedelta(minutes=k * SLOT)
        span = minute_text(begins), minute_text(begins + timedelta(minutes=LENGTH))
        specs.append((BOOK, k % MEMBERS, booking_body(resource, span), cid, at,
                      reads.nonce_of(rng)))  # fmt: skip
    return [signed.as_json() for signed in reads.sign_specs(specs)]


def post(client: httpx.Client, path: str, payload: Any, expected: int) -> float:
    body = orjson.dumps(payload)
    began = time.perf_counter()
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    seconds = time.perf_counter() - began
    if answer.status_code != 201:
        raise SystemExit(f"POST {path}: {answer.status_code} {answer.text[:500]}")
    if len(answer.json()["items"]) != expected:
        raise SystemExit(f"POST {path}: {len(answer.json()['items'])} items, not {expected}")
    return seconds


def children_of(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux), and theirs."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(part) for part in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in children_of(child)]


def end_leftovers(pids: list[int]) -> int:
    """End the processes of ``pids`` still alive (the node's worker processes, which stopping
    the web node leaves running); how many were."""
    ended = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            ended += 1
        except ProcessLookupError:
            continue
    return ended


def fsync_latency(directory: Path, count: int = 200) -> Timings:
    """What one durable commit's sync costs on this disk, as SQLite's WAL meets it: 4 KiB
    written over a block of a file already written (the WAL is reused, so its size and
    metadata do not change), then fdatasync."""
    path = directory / "fsync-probe"
    timings = Timings()
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, bytes(4096 * 64))
        os.fsync(descriptor)
        block = os.urandom(4096)
        for index in range(count):
            began = time.perf_counter()
            os.pwrite(descriptor, block, 4096 * (index % 64))
            os.fdatasync(descriptor)
            timings.values.append(time.perf_counter() - began)
    finally:
        os.close(descriptor)
        path.unlink(missing_ok=True)
    return timings


def cpu_times() -> list[int]:
    """The machine's CPU time so far by kind (/proc/stat: user, nice, system, idle, iowait…)."""
    try:
        return [int(part) for part in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return []


def timed_posts(
    client: httpx.Client,
    server: availability.Served,
    path: str,
    payloads: list[Any],
    label: str,
    sign_seconds: float,
    progress: Progress,
) -> HttpRun:
    """Post each payload (one signed action, or a list of them) in turn; the run's figures."""
    sizes = [len(payload) if isinstance(payload, list) else 1 for payload in payloads]
    task = progress.add_task(f"HTTP: {label}", total=sum(sizes))
    latencies = []
    probe = scratch_of(server)
    fsync_before = fsync_latency(probe, 100).median
    load_before = os.getloadavg()[0]
    machine_before = cpu_times()
    cpu_before = availability.cpu_seconds(server.pid)
    began = time.perf_counter()
    for payload, size in zip(payloads, sizes, strict=True):
        latencies.append(post(client, path, payload, size))
        progress.advance(task, size)
    seconds = time.perf_counter() - began
    cpu = (availability.cpu_seconds(server.pid) - cpu_before) / seconds
    progress.remove_task(task)
    load = (load_before, os.getloadavg()[0])
    spent = [after - before for before, after in zip(machine_before, cpu_times(), strict=False)]
    total = sum(spent)
    iowait = spent[4] / total if len(spent) > 4 and total > 0 else float("nan")
    fsync = (fsync_before, fsync_latency(probe, 100).median)
    return HttpRun(
        label, sum(sizes), len(payloads), seconds, latencies, sign_seconds, cpu, load, iowait, fsync
    )


_SCRATCH: dict[int, Path] = {}


def scratch_of(server: availability.Served) -> Path:
    """Where the fsync probe writes while ``server`` runs: beside its database."""
    return _SCRATCH[server.pid]


def serve_and_post(
    args: argparse.Namespace,
    scratch: Path,
    progress: Progress,
    env: dict[str, str],
    name: str,
    batched: bool,
) -> tuple[list[HttpRun], int]:
    """A fresh node served with ``env`` over the defaults: one booking per request, then (if
    ``batched``) batches; the runs and how many worker processes the node left behind."""
    data_dir = scratch / f"http-node-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    made = prepare_http_node(data_dir, args.seed)
    cid = made["commons_id"]
    path = f"/api/v1/commons/{cid}/actions"
    log = Path("benchmarks/out") / f"resources-http-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    start = http_first_start()
    suffix = "" if not env else " (" + ", ".join(f"{k}={v}" for k, v in env.items()) + ")"
    runs = []
    node_args = (str(data_dir), env, None, str(log), args.log_level)
    workers: list[int] = []
    try:
        with (
            availability.Served(availability.serve_node, node_args, "/api/v1/node") as server,
            httpx.Client(base_url=server.base, timeout=600) as client,
        ):
            _SCRATCH[server.pid] = scratch
            resource = made["resources"]["single"]
            for item in signed_bookings(resource, cid, 0, 20, args.seed, start):  # warm-up
                post(client, path, item, 1)
            began = time.perf_counter()
            items = signed_bookings(resource, cid, 20, args.http_single, args.seed, start)
            signing = time.perf_counter() - began
            label = f"one booking per request{suffix}"
            runs.append(timed_posts(client, server, path, items, label, signing, progress))
            if batched:
                resource = made["resources"]["batched"]
                warm = signed_bookings(resource, cid, 0, args.batch, args.seed, start)
                post(client, path, warm, len(warm))
                began = time.perf_counter()
                items = signed_bookings(
                    resource, cid, args.batch, args.http_batched, args.seed, start
                )
                signing = time.perf_counter() - began
                chunks = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
                label = f"{args.batch} bookings per request{suffix}"
                runs.append(timed_posts(client, server, path, chunks, label, signing, progress))
            workers = children_of(server.pid)
    finally:
        time.sleep(0.5)
        left = end_leftovers(workers)
        shutil.rmtree(data_dir, ignore_errors=True)
    return runs, left


def phase_http(
    args: argparse.Namespace, scratch: Path, progress: Progress
) -> tuple[list[HttpRun], dict[str, Any]]:
    runs, left = serve_and_post(args, scratch, progress, {}, "default", batched=True)
    facts: dict[str, Any] = {
        "log": "benchmarks/out/resources-http-default.log",
        "first_start": minute_text(http_first_start()),
        "log_level": args.log_level,
        "leftover_workers": left,
        "fsync": fsync_latency(scratch),
    }
    if not args.skip_normal:
        normal = {"COMMONWORK_SQLITE_SYNCHRONOUS": "NORMAL"}
        more, left = serve_and_post(args, scratch, progress, normal, "normal", batched=False)
        runs += more
        facts["leftover_workers"] += left
    return runs, facts


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

ROWS = (
    ("check_free", "(a) dry run: a free slot (a gap)", True),
    ("check_taken", "(a) dry run: a taken slot (SlotTaken)", True),
    ("rule_free", "(a) check_make alone, a free slot", False),
    ("append_end", "(b) append one booking at the end", False),
    ("append_middle", "(b) append one booking in a gap in the middle", False),
    ("append_refused", "(b) append one of a taken slot (refused)", False),
    ("guard_refused", "(c) raw INSERT, overlapping: refused by the guard", False),
    ("guard_free", "(c) raw INSERT, active in a free gap: guard passes", False),
    ("guard_inactive", "(c) raw INSERT, inactive: guard not run", False),
    ("check_free_quota", "with a quota: dry run, a free slot", True),
    ("check_taken_quota", "with a quota: dry run, a taken slot", True),
    ("check_free_quota_heavy", "with a quota: dry run, a free slot, the heaviest user", True),
    ("rule_free_quota", "with a quota: check_make alone, a free slot", False),
    ("append_middle_quota", "with a quota: append in a gap in the middle", False),
    ("append_end_quota", "with a quota: append at the end", False),
)


def print_cases(console: Console, cases: list[Case], backend: str) -> None:
    table = Table(title=f"{backend}: one booking against N bookings of one resource "
                  "(median, p95 in brackets)")  # fmt: skip
    table.add_column("measure")
    for case in cases:
        table.add_column(f"N = {case.size:,}", justify="right")
    table.add_column("target")
    table.add_column(f"at N = {cases[-1].size:,}")
    table.add_column("growth")
    for key, label, targeted in ROWS:
        if not all(key in case.timings for case in cases):
            continue
        cells = [case.timings[key].brief() for case in cases]
        last = cases[-1].timings[key].median
        verdict = ""
        if targeted:
            verdict = "[green]met[/]" if last < CHECK_SECONDS else "[red]NOT MET[/]"
        first = cases[0].timings[key].median
        growth = f"x{last / first:.2f}" if len(cases) > 1 else ""
        table.add_row(label, *cells, "< 5 ms" if targeted else "", verdict, growth)
    console.print(table)
    notes = []
    for case in cases:
        fill = case.facts.get("fill_rate")
        size = f", database {case.facts['db_mib']:,.0f} MiB" if "db_mib" in case.facts else ""
        notes.append(f"N = {case.size:,}: filled at {fill:,} bookings/s{size}")
    console.print("; ".join(notes), highlight=False)
    if cases and cases[-1].facts.get("guard"):
        console.print(f"the guard's refusal: {cases[-1].facts['guard']}", highlight=False)


def print_http(console: Console, runs: list[HttpRun], facts: dict[str, Any]) -> None:
    table = Table(title="SQLite over HTTP: one sequential client (POST …/actions)")
    table.add_column("requests")
    table.add_column("bookings", justify="right")
    table.add_column("bookings/s", justify="right")
    table.add_column("target")
    table.add_column("")
    table.add_column("latency per request: p50 / p99")
    table.add_column("notes", overflow="fold")
    for index, run in enumerate(runs):
        single = index == 0
        verdict = ""
        cpu_per = run.server_cpu * run.seconds / run.bookings * 1000
        if single:
            verdict = "[green]met[/]" if run.rate >= HTTP_SINGLE_RATE else "[red]NOT MET[/]"
        table.add_row(
            run.label,
            f"{run.bookings:,}",
            f"{run.rate:,.0f}",
            f">= {HTTP_SINGLE_RATE:.0f}/s" if single else "",
            verdict,
            f"{ms(statistics.median(run.latencies))} / {ms(percentile(run.latencies, 0.99))}",
            f"{run.requests:,} requests in {run.seconds:,.1f} s; the server's process used "
            f"{run.server_cpu * 100:.0f}% of a core ({cpu_per:,.2f} ms of CPU a booking); "
            f"signing them beforehand (the client's cost, not counted) took "
            f"{run.sign_seconds:,.2f} s; load {run.load[0]:.1f} before, {run.load[1]:.1f} after; "
            f"the machine waited for I/O {run.iowait * 100:.0f}% of its CPU time; this disk's "
            f"fdatasync {us_or_ms(run.fsync[0])} before, {us_or_ms(run.fsync[1])} after"
            + ("; for comparison, not the default" if "NORMAL" in run.label else ""),
        )
    console.print(table)
    fsync: Timings = facts["fsync"]
    console.print(
        f"the node: uvicorn log level {facts['log_level']!r}, default settings (SQLite "
        f"synchronous=FULL, signature workers = cores), bookings from {facts['first_start']}; "
        f"its log in {facts['log']}. This disk: 4 KiB rewritten in place and fdatasync'd "
        f"(what a commit's WAL sync costs) in {fsync.brief()} (median of {len(fsync.values)}).",
        highlight=False,
    )
    if facts.get("leftover_workers"):
        console.print(
            f"stopping the web node (SIGTERM) left {facts['leftover_workers']} of its worker "
            "processes running; the benchmark ended them",
            highlight=False,
        )


def verdict_line(cases: list[Case], http: list[HttpRun]) -> str:
    """One line: each targeted figure at the largest size (and over HTTP) against its target."""
    parts = []
    met = True
    largest: dict[str, Case] = {}
    for case in cases:
        if case.backend not in largest or case.size > largest[case.backend].size:
            largest[case.backend] = case
    for backend, last in largest.items():
        for keys, what in (
            (("check_free", "check_taken"), "check"),
            (("check_free_quota", "check_taken_quota"), "check with a quota"),
            (("check_free_quota_heavy",), "check with a quota by the heaviest user"),
        ):
            worst = max(last.timings[key].median for key in keys)
            ok = worst < CHECK_SECONDS
            met &= ok
            parts.append(
                f"{backend} {what} at {last.size:,} bookings {ms(worst)} "
                f"{'<' if ok else '>='} 5 ms: {'met' if ok else 'NOT MET'}"
            )
    if http:
        ok = http[0].rate >= HTTP_SINGLE_RATE
        met &= ok
        parts.append(
            f"HTTP one booking per request {http[0].rate:,.0f}/s {'>=' if ok else '<'} "
            f"{HTTP_SINGLE_RATE:.0f}/s: {'met' if ok else 'NOT MET'}"
        )
        if len(http) > 1:
            parts.append(f"batched {http[1].rate:,.0f}/s (no target)")
    head = "verdict: all targets met — " if met else "verdict: NOT all targets met — "
    return head + "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="existing bookings of the resource, comma-separated "
                        "(default 1000,10000,100000)")  # fmt: skip
    parser.add_argument("--tries", type=int, default=200, help="tries per check case (200)")
    parser.add_argument("--appends", type=int, default=21, help="appends per append case (21)")
    parser.add_argument("--batch", type=int, default=BATCH, help="actions per batch (500)")
    parser.add_argument("--http-single", type=int, default=2000,
                        help="bookings posted one per request (2000)")  # fmt: skip
    parser.add_argument("--http-batched", type=int, default=10_000,
                        help="bookings posted in batches of --batch (10000)")  # fmt: skip
    parser.add_argument("--log-level", default="info",
                        help="the web node's uvicorn log level (info, as commonwork serve: "
                        "the access log on)")  # fmt: skip
    parser.add_argument("--skip-http", action="store_true", help="leave out phase 2")
    parser.add_argument(
        "--skip-normal",
        action="store_true",
        help="leave out phase 2's comparison run with COMMONWORK_SQLITE_SYNCHRONOUS=NORMAL",
    )
    parser.add_argument("--skip-checks", action="store_true", help="leave out phases 1 and 3")
    parser.add_argument("--skip-sqlite", action="store_true", help="leave out phase 1")
    parser.add_argument("--rebuild", action="store_true", help="build the kept nodes again")
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE,
                        help=f"where the kept nodes are ({DEFAULT_BASE})")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes: 200,1000,5000, 50 tries, 7 appends, 300 + 2000 over HTTP",
    )
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="cProfile phase 1 at the largest size; pstats to FILE")  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "200,1000,5000"
        args.tries, args.appends = min(args.tries, 50), min(args.appends, 7)
        args.http_single, args.http_batched = (
            min(args.http_single, 300),
            min(args.http_batched, 2000),
        )
    args.sizes = sorted(int(part) for part in str(args.sizes).split(",") if part.strip())
    if not args.sizes or min(args.sizes) < 20 or max(args.sizes) > MOST:
        parser.error(f"--sizes: from 20 to {MOST:,} bookings (what fits within the horizon)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    reads.Signer(0, args.seed)  # the members' keys of this seed, for signing in this process
    console = Console(width=None if sys.stdout.isatty() else 170)
    began = time.perf_counter()
    availability.print_header(console, "commonwork: bookings of one resource (issue 13)")
    postgres = os.environ.get(POSTGRES_ENV, "").strip()
    console.print(
        f"sizes:      {', '.join(f'{size:,}' for size in args.sizes)} bookings; {args.tries} "
        f"tries per check, {args.appends} appends per case; HTTP {args.http_single:,} single + "
        f"{args.http_batched:,} in batches of {args.batch}",
        highlight=False,
    )
    scratch = args.base / f"resources-scratch-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile() if args.profile else None
    sqlite_cases: list[Case] = []
    postgres_cases: list[Case] = []
    http_runs: list[HttpRun] = []
    http_facts: dict[str, Any] = {}
    try:
        with Progress(console=err, transient=True) as progress:
            if not args.skip_checks and not args.skip_sqlite:
                sqlite_cases = phase_sqlite(args, scratch, progress, profiler)
            if not args.skip_http:
                http_runs, http_facts = phase_http(args, scratch, progress)
            if not args.skip_checks and postgres:
                postgres_cases = phase_postgres(args, scratch, progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    total = time.perf_counter() - began
    server = postgres_cases[0].facts.get("server") if postgres_cases else None
    console.rule("figures")
    availability.print_header(console, "commonwork: bookings of one resource (issue 13)")
    if server is not None:
        console.print(f"PostgreSQL server: {server} at {POSTGRES_ENV}", highlight=False)
    console.print(
        "layout: one resource, bookings of 5 minutes every 10, a buffer of 1 min after "
        "each; dry runs and raw inserts at random places, appends at the end (after the last "
        "booking) or in a 5-minute gap in the middle tenth; the quota rows after "
        "resources.resource.update adds 6 days in any 30, a fee and a deposit",
        highlight=False,
    )
    if sqlite_cases:
        print_cases(console, sqlite_cases, "SQLite (default settings: WAL, synchronous=FULL)")
    if http_runs:
        print_http(console, http_runs, http_facts)
    if postgres_cases:
        print_cases(console, postgres_cases, f"PostgreSQL {server}")
    elif not args.skip_checks:
        console.print(f"PostgreSQL: skipped ({POSTGRES_ENV} is not set)", highlight=False)
    console.print(f"{total:,.0f} s in all", highlight=False)
    console.print(verdict_line(sqlite_cases + postgres_cases, http_runs), highlight=False)
    if profiler is not None and args.profile is not None:
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(args.profile))
        console.print(f"cProfile of phase 1 at {max(args.sizes):,} → {args.profile}")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "machine": machine_facts(postgres_server=server),
            "code": reads.code_state(),
            "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "seconds": total,
            "cases": [
                {
                    "backend": case.backend,
                    "size": case.size,
                    "facts": case.facts,
                    "timings": {k: t.as_json() for k, t in case.timings.items()},
                }
                for case in sqlite_cases + postgres_cases
            ],
            "http": [
                {
                    "label": run.label,
                    "bookings": run.bookings,
                    "requests": run.requests,
                    "seconds": run.seconds,
                    "rate": run.rate,
                    "server_cpu": run.server_cpu,
                    "iowait": run.iowait,
                    "load": run.load,
                    "fsync_s": run.fsync,
                    "p50_ms": statistics.median(run.latencies) * 1000,
                    "p99_ms": percentile(run.latencies, 0.99) * 1000,
                }
                for run in http_runs
            ],
        }
        if http_facts:
            document["http_facts"] = {
                **http_facts,
                "fsync": http_facts["fsync"].as_json(),
            }
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
        console.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
