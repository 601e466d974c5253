"""Settlement and read paths at scale (issue 7, "Must show": the benchmark).

A commons founded with ``"engine": 1`` and the complete "open" preset, seeded founders, members
joining over the years, contributions and validations day by day, is built once through the real
pipeline (``commonwork.node.pipeline.append_actions``, batches of 2000 client-signed actions, the
node's clock moved day by day; signing in worker processes) and kept in a data directory outside
the repository. An interrupted build resumes: the generator is deterministic per day, so the script
reads the journal's head, counts what the head's day already holds, regenerates that day and goes
on. Then one run measures, on that journal:

1. one full ``rebuild_projections``: its total time and the summed time spent inside day
   settlement (``settle_until``, wrapped here), the slowest days, the state digests, and the peak
   resident memory of the rebuild;
2. the settlement of the journal's last day, a busy day (10,000 validations by default): a fresh
   ``DbState`` in a write transaction, ``settle_until`` and ``flush`` (projection writes on SQLite
   included), rolled back, so it can be measured again; its peak memory under tracemalloc;
3. over real HTTP (the web app in a child process on 127.0.0.1, its clock at the end of the last
   day): the first read of the commons page, the standing page and ``GET …/standing`` after one new
   action, and the same read warm, medians of 20;
4. the journal explorer page and ``GET …/journal?limit=1000`` (whole body read) at entry
   1,000,000 (or as deep as a smaller journal goes), medians of 20.

Nothing here asserts a time: each figure is printed beside its target, "met" or "NOT MET".

    .venv/bin/python benchmarks/reads.py --scale 0.01                 # 1/100: a few minutes
    .venv/bin/python benchmarks/reads.py --scale 0.1                  # 1/10
    nohup .venv/bin/python benchmarks/reads.py --build-only > build.log &   # the full journal
    .venv/bin/python benchmarks/reads.py                              # full size, once built
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import multiprocessing
import pstats
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
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
from commonwork.commons.charter_policies import complete_charter, default_seed
from commonwork.commons.policy import ValidationPolicy
from commonwork.journal.actions import ACTION_DOMAIN, SignedAction, build_action, sign_action
from commonwork.journal.canonical import canon
from commonwork.journal.keys import Keypair, b64url
from commonwork.node import journal_store
from commonwork.node import state as node_state
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.projections import check_versions
from commonwork.node.settings import Settings
from commonwork.node.state import DbState
from commonwork.node.tables import entries, heads
from commonwork.production.actions import RECORD, VALIDATE
from commonwork.production.tables import (
    contribution_status,
    contributions,
    settle_agenda,
    validations,
)
from commonwork.services import journals
from commonwork.standing import settle
from commonwork.standing.tables import member_standing, settlements

DEFAULT_BASE = Path("/work/benchdata")
START = date(2023, 1, 2)  # day 0 of every generated journal
PRESET = "open"
BATCH = 2000
LAG_DAYS = 30  # a contribution is validated within 30 days of its record (or never)
TRUST_DAYS = 60  # core members validate as "members with standing" 60 days after joining
BUSY_WINDOW = 10  # the busy day validates contributions of the 10 days before it
EXPLORER_AT = 1_000_000
REPEATS = 20

#: Targets (issue 7, "Must show").
SETTLEMENT_SECONDS = 60.0
SETTLEMENT_BYTES = 2 * 1024**3
DAY_SECONDS = 0.100
FIRST_READ_RATIO = 2.0
PAGE_SECONDS = 0.100

CHARTER: dict[str, Any] = {
    "name": "Reads Benchmark Commons",
    "purpose": "Measure day settlement and the read paths of a large commons",
    "aims": ["Keep the record honest", "Keep reads cheap"],
    "metrics": [{"name": "entries", "description": "Entries in the journal"}],
    "licence": "CC-BY-SA-4.0",
}
KINDS = ("work", "review", "artifact", "money", "care", "resource_use")
KIND_WEIGHTS = (60, 15, 10, 5, 7, 3)
HOURS = ("0.5", "1", "1.5", "2", "2.5", "3", "4", "6", "8")
SKILLS = tuple(f"skill-{index}" for index in range(20))
RESOURCES = ("the lathe", "the press", "the van", "the 3D printer", "the loom")
UNVALIDATED = 0.08  # share of contributions nobody validates: lazy acceptance (or pending)
DISPUTES, ADJUSTS = 0.03, 0.03


# ---------------------------------------------------------------------------------------------
# Sizes, the population and the deterministic day plans
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    members: int
    contributions: int
    validations: int
    days: int
    busy: int
    seed: int

    @property
    def founders(self) -> int:
        return max(3, self.members // 200)

    @property
    def name(self) -> str:
        return (
            f"m{self.members}-c{self.contributions}-v{self.validations}-d{self.days}"
            f"-b{self.busy}-s{self.seed}"
        )

    def as_json(self) -> dict[str, int]:
        return {
            "members": self.members,
            "contributions": self.contributions,
            "validations": self.validations,
            "days": self.days,
            "busy": self.busy,
            "seed": self.seed,
        }


def member_seed(seed: int, index: int) -> bytes:
    return hashlib.sha256(f"commonwork-reads-bench:{seed}:{index}".encode()).digest()


def day_text(day: int) -> str:
    return (START + timedelta(days=day)).isoformat()


def stamp(day: int, hour: int, seconds: float = 0) -> str:
    moment = datetime(START.year, START.month, START.day) + timedelta(
        days=day, hours=hour, seconds=seconds
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    left = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:left]] += 1
    return counts


class Population:
    """Who joins when, who is in the active core, how many records each day holds.

    Members are numbered in the order they join; the first ``founders`` are seeded founders
    (member 0 founds the commons) and join on day 0; the rest join over the first 60% of the
    days, most of them early. The active core (the founders and every tenth member) records 85%
    of the contributions and, once 60 days a member, does 80% of the validating: those are the
    members with standing. Records per day grow with the members.
    """

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        members, founders, days = sizes.members, sizes.founders, sizes.days
        index = np.arange(members)
        spread = np.clip((index - founders + 1) / max(members - founders, 1), 0, 1)
        joins = np.floor(int(days * 0.6) * spread**2).astype(np.int64)
        self.join_day = np.where(index < founders, 0, joins)
        self.core = np.flatnonzero((index < founders) | (index % 10 == 0))
        self.core_join = self.join_day[self.core]
        joined = np.searchsorted(self.join_day, np.arange(days), side="right")
        self.records = largest_remainder(sizes.contributions, 0.2 + joined / members)
        mean = sizes.validations / max(sizes.contributions, 1) / (1 - UNVALIDATED)
        self.more_validations = max(mean - 1, 0.0)
        self.core_list = self.core.tolist()

    def joined(self, day: int) -> int:
        return int(np.searchsorted(self.join_day, day, side="right")) if day >= 0 else 0

    def core_joined(self, day: int) -> int:
        return int(np.searchsorted(self.core_join, day, side="right"))

    def trusted(self, day: int) -> int:
        return max(self.sizes.founders, self.core_joined(day - TRUST_DAYS))


@dataclass
class PlannedValidation:
    validator: int
    body: dict[str, Any]  # without the contribution's id, known once its record is appended
    nonce: str
    lag: int


@dataclass
class PlannedRecord:
    authors: set[int]
    validations: list[PlannedValidation]


@dataclass
class DayPlan:
    joins: list[tuple[int, str]]  # (member, nonce)
    records: list[tuple[int, dict[str, Any], str]]  # (author, body, nonce)
    planned: list[PlannedRecord]
    by_lag: dict[int, list[tuple[int, PlannedValidation]]]  # lag -> (record index, validation)


Spec = tuple[
    str, int, dict[str, Any], str | None, str, str
]  # type, author, body, commons, at, nonce


def nonce_of(rng: random.Random) -> str:
    return b64url(rng.randbytes(16))


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = np.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Planner:
    """The actions of each day, a pure function of (sizes, day): regenerated on resume."""

    def __init__(self, population: Population) -> None:
        self.pop = population
        self.sizes = population.sizes
        self.cache: dict[int, DayPlan] = {}

    def plan(self, day: int) -> DayPlan:
        found = self.cache.get(day)
        if found is None:
            found = self.cache[day] = self._plan(day)
            for old in [d for d in self.cache if d < day - LAG_DAYS - 2]:
                del self.cache[old]
        return found

    def _pick(self, rng: random.Random, day: int, exclude: set[int]) -> int | None:
        pop = self.pop
        trusted, joined = pop.trusted(day), pop.joined(day)
        for _ in range(50):
            if rng.random() < 0.8:
                member = pop.core_list[rng.randrange(trusted)]
            else:
                member = rng.randrange(joined)
            if member not in exclude:
                return member
        return None

    def _plan(self, day: int) -> DayPlan:
        pop, sizes = self.pop, self.sizes
        rng = random.Random(f"{sizes.seed}:{day}:plan")
        first = 1 if day == 0 else pop.joined(day - 1)
        joins = [(member, nonce_of(rng)) for member in range(first, pop.joined(day))]
        joined, core_joined = pop.joined(day), pop.core_joined(day)
        records: list[tuple[int, dict[str, Any], str]] = []
        planned: list[PlannedRecord] = []
        by_lag: dict[int, list[tuple[int, PlannedValidation]]] = {}
        for index in range(int(pop.records[day])):
            if rng.random() < 0.85:
                author = pop.core_list[rng.randrange(core_joined)]
            else:
                author = rng.randrange(joined)
            body, authors = self._record_body(rng, author, joined)
            records.append((author, body, nonce_of(rng)))
            count = 0 if rng.random() < UNVALIDATED else 1 + poisson(rng, pop.more_validations)
            chosen: list[PlannedValidation] = []
            exclude = set(authors)
            for _ in range(count):
                validator = self._pick(rng, day, exclude)
                if validator is None:
                    break
                exclude.add(validator)
                lag = min(1 + int(np.log(1 - rng.random()) / np.log(0.6)), LAG_DAYS)
                item = PlannedValidation(validator, self._verdict(rng, body), nonce_of(rng), lag)
                chosen.append(item)
                if day + lag < sizes.days:
                    by_lag.setdefault(lag, []).append((index, item))
            planned.append(PlannedRecord(authors, chosen))
        return DayPlan(joins, records, planned, by_lag)

    @staticmethod
    def _record_body(
        rng: random.Random, author: int, joined: int
    ) -> tuple[dict[str, Any], set[int]]:
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        body: dict[str, Any] = {
            "kind": kind,
            "description": " ".join(rng.choices(WORDS, k=rng.randint(6, 30))),
        }
        if kind == "money":
            body.update(quantity=str(rng.randint(500, 20_000)), currency="EUR")
        elif kind == "artifact":
            body["quantity"] = rng.choice(("1", "1", "2", "3"))
        else:
            body["quantity"] = rng.choice(HOURS)
        if kind == "resource_use":
            body["resource"] = rng.choice(RESOURCES)
        if rng.random() < 0.4:
            body["skill"] = rng.choice(SKILLS)
        authors = {author}
        draw = rng.random()
        others = 2 if draw < 0.03 else 1 if draw < 0.15 else 0
        co_authors = []
        for _ in range(others):
            member = rng.randrange(joined)
            if member not in authors:
                authors.add(member)
                co_authors.append(member)
        if co_authors:
            share = "0.5" if len(co_authors) == 1 else "0.25"
            body["co_authors"] = [{"member": member, "share": share} for member in co_authors]
        return body, authors

    @staticmethod
    def _verdict(rng: random.Random, record: dict[str, Any]) -> dict[str, Any]:
        draw = rng.random()
        if draw < DISPUTES:
            return {"verdict": "dispute", "reason": "I could not find this in the workshop log"}
        if draw < DISPUTES + ADJUSTS:
            claimed = Decimal(record["quantity"])
            if record["kind"] == "money":
                quantity = str(max(int(claimed) // 2, 1))
            else:
                quantity = format((claimed / 2).normalize(), "f")
            return {"verdict": "adjust", "reason": "it took half that", "quantity": quantity}
        return {"verdict": "approve", "reason": ""}

    # -- the specs to sign, day by day ------------------------------------------------------

    def record_specs(self, day: int, commons_id: str, dids: list[str]) -> list[Spec]:
        """Day ``day``'s joins, then its records (nothing they refer to is unknown)."""
        plan = self.plan(day)
        at = stamp(day, 8)
        specs: list[Spec] = [
            (JOIN, member, {"name": f"Member {member}"}, commons_id, at, nonce)
            for member, nonce in plan.joins
        ]
        for author, body, nonce in plan.records:
            full = dict(body)
            if "co_authors" in full:
                full["co_authors"] = [
                    {"member": dids[item["member"]], "share": item["share"]}
                    for item in full["co_authors"]
                ]
            specs.append((RECORD, author, full, commons_id, at, nonce))
        return specs

    def validation_count(self, day: int) -> int:
        count = sum(len(self.plan(day - lag).by_lag.get(lag, ())) for lag in self._lags(day))
        if day == self.sizes.days - 1:
            count += len(self._busy_extras(day, count))
        return count

    def _lags(self, day: int) -> range:
        return range(1, min(LAG_DAYS, day) + 1)

    def validation_specs(self, day: int, commons_id: str, ids: dict[int, list[str]]) -> list[Spec]:
        """Day ``day``'s validations of contributions recorded on the 30 days before it."""
        chosen: list[tuple[int, int, int, dict[str, Any], str]] = []
        for lag in self._lags(day):
            for index, item in self.plan(day - lag).by_lag.get(lag, ()):
                chosen.append((day - lag, index, item.validator, item.body, item.nonce))
        if day == self.sizes.days - 1:
            chosen += self._busy_extras(day, len(chosen))
        random.Random(f"{self.sizes.seed}:{day}:order").shuffle(chosen)
        at = stamp(day, 16)
        return [
            (VALIDATE, validator, {"contribution": ids[src][index], **body}, commons_id, at, nonce)
            for src, index, validator, body, nonce in chosen
        ]

    def _busy_extras(
        self, day: int, planned: int
    ) -> list[tuple[int, int, int, dict[str, Any], str]]:
        """More validations on the last day, of the 10 days' contributions, up to ``busy``."""
        wanted = self.sizes.busy - planned
        if wanted <= 0:
            return []
        rng = random.Random(f"{self.sizes.seed}:{day}:busy")
        candidates = [
            (src, index)
            for src in range(max(day - BUSY_WINDOW, 0), day)
            for index in range(len(self.plan(src).records))
        ]
        if not candidates:
            return []
        taken: dict[tuple[int, int], set[int]] = {}
        extras: list[tuple[int, int, int, dict[str, Any], str]] = []
        for _ in range(wanted * 20):
            if len(extras) >= wanted:
                break
            src, index = candidates[rng.randrange(len(candidates))]
            record = self.plan(src).planned[index]
            exclude = taken.get((src, index))
            if exclude is None:
                exclude = record.authors | {item.validator for item in record.validations}
                taken[(src, index)] = exclude
            validator = self._pick(rng, day, exclude)
            if validator is None:
                continue
            exclude.add(validator)
            body = self._verdict(rng, self.plan(src).records[index][1])
            extras.append((src, index, validator, body, nonce_of(rng)))
        return extras


# ---------------------------------------------------------------------------------------------
# Signing in worker processes
# ---------------------------------------------------------------------------------------------

_worker_seed = 0
_worker_keys: dict[int, Keypair] = {}


def _init_signer(seed: int) -> None:
    global _worker_seed
    _worker_seed = seed


def _key(index: int) -> Keypair:
    found = _worker_keys.get(index)
    if found is None:
        found = _worker_keys[index] = Keypair(member_seed(_worker_seed, index))
    return found


def sign_specs(specs: list[Spec]) -> list[SignedAction]:
    """What a client sends, signed: the action, its canonical bytes and the author's signature.

    The actions are marked verified (this process made the signatures with the authors' keys), so
    the node does not verify them again; everything else the pipeline does is unchanged.
    """
    out = []
    for type_, author, body, commons_id, at, nonce in specs:
        key = _key(author)
        action = build_action(
            type=type_, author=key.did, body=body, commons=commons_id, at=at, nonce=nonce
        )
        canonical = canon(action)
        signature = key.sign(ACTION_DOMAIN + canonical)
        out.append(SignedAction(action, b64url(signature), canonical, True, signature))
    return out


class Signer:
    """Signs lists of specs in ``workers`` processes (0: in this one), in order, ahead of use."""

    CHUNK = 250

    def __init__(self, workers: int, seed: int) -> None:
        _init_signer(seed)
        self.pool = None
        if workers > 0:
            context = multiprocessing.get_context("spawn")
            self.pool = context.Pool(workers, initializer=_init_signer, initargs=(seed,))

    def submit(self, specs: list[Spec]) -> Callable[[], list[SignedAction]]:
        if self.pool is None:
            return lambda: sign_specs(specs)
        chunks = [specs[start : start + self.CHUNK] for start in range(0, len(specs), self.CHUNK)]
        pending = self.pool.map_async(sign_specs, chunks)
        return lambda: [signed for part in pending.get() for signed in part]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None


# ---------------------------------------------------------------------------------------------
# Building (and resuming) the journal
# ---------------------------------------------------------------------------------------------


def open_node(data_dir: Path, clock: Callable[[], str] | None = None) -> Node:
    env = {"COMMONWORK_DATA_DIR": str(data_dir), "COMMONWORK_VERIFY_WORKERS": "0"}
    node = Node.open(Settings.from_env(env))
    if clock is not None:
        node.clock = clock
    return node


def genesis(sizes: Sizes, dids: list[str], host: str) -> SignedAction:
    founder = Keypair(member_seed(sizes.seed, 0))
    charter = complete_charter(CHARTER, founder.did, PRESET)
    seed = default_seed(ValidationPolicy.from_json(charter["validation_policy"]))
    standing = dict(charter["standing_policy"])
    standing["founders"] = [
        {"member": dids[index], "standing": seed} for index in range(sizes.founders)
    ]
    charter["standing_policy"] = standing
    rng = random.Random(f"{sizes.seed}:genesis")
    action = build_action(
        type=FOUND,
        author=founder.did,
        body={"charter": charter, "founder_name": "Member 0", "host": host},
        at=stamp(0, 0),
        nonce=nonce_of(rng),
    )
    return sign_action(founder, action)


@dataclass
class Job:
    kind: str  # "R": joins and records, "V": validations
    day: int
    skip: int = 0


class Builder:
    def __init__(self, node: Node, sizes: Sizes, console: Console, workers: int) -> None:
        self.node = node
        self.sizes = sizes
        self.console = console
        self.workers = workers
        self.pop = Population(sizes)
        self.planner = Planner(self.pop)
        self.dids = [Keypair(member_seed(sizes.seed, i)).did for i in range(sizes.members)]
        self.index = {did: i for i, did in enumerate(self.dids)}
        self.ids: dict[int, list[str]] = {}
        self.commons_id = ""
        self.appended = 0

    # -- where to start -----------------------------------------------------------------------

    def start(self) -> Job | None:
        """The first job to run: from the head, or the genesis when there is no journal."""
        with self.node.reading() as conn:
            found = conn.execute(sa.select(heads.c.commons_id)).scalars().all()
        if not found:
            self.node.clock = lambda: stamp(0, 0)
            [result] = append_actions(
                self.node, None, [genesis(self.sizes, self.dids, self.node.host_key.did)]
            )
            self.commons_id = result.commons_id
            return Job("R", 0)
        self.commons_id = found[0]
        with self.node.reading() as conn:
            head = journal_store.read_head(conn, self.commons_id)
            assert head is not None
            day = (date.fromisoformat(head.recorded_at[:10]) - START).days
            done = conn.execute(
                sa.select(sa.func.count()).where(
                    entries.c.commons_id == self.commons_id,
                    entries.c.recorded_at >= day_text(day),
                )
            ).scalar_one()
            self._load_ids(conn, day)
        done -= 1 if day == 0 else 0  # the genesis
        records = len(self.planner.record_specs(day, self.commons_id, self.dids))
        if done < records:
            return Job("R", day, done)
        if done < records + self.planner.validation_count(day):
            return Job("V", day, done - records)
        return Job("R", day + 1) if day + 1 < self.sizes.days else None

    def _load_ids(self, conn: sa.Connection, day: int) -> None:
        """The contribution ids of the days a resumed day's validations refer to."""
        first = max(day - LAG_DAYS - 1, 0)
        query = (
            sa.select(contributions.c.contribution_id, contributions.c.recorded_at)
            .where(
                contributions.c.commons_id == self.commons_id,
                contributions.c.recorded_at >= day_text(first),
            )
            .order_by(contributions.c.seq)
        )
        for contribution_id, recorded_at in conn.execute(query):
            recorded = (date.fromisoformat(recorded_at[:10]) - START).days
            self.ids.setdefault(recorded, []).append(contribution_id)
        for held, listed in self.ids.items():
            expected = len(self.planner.plan(held).records)
            if held < day and len(listed) != expected:
                raise SystemExit(
                    f"the journal holds {len(listed)} contributions on {day_text(held)}, the "
                    f"generator {expected}: this data directory was built by other code"
                )

    # -- the loop -----------------------------------------------------------------------------

    def jobs(self, first: Job) -> Iterator[Job]:
        yield first
        day, kind = first.day, first.kind
        while True:
            if kind == "R":
                kind = "V"
            else:
                day, kind = day + 1, "R"
            if day >= self.sizes.days:
                return
            yield Job(kind, day)

    def specs(self, job: Job) -> list[Spec]:
        if job.kind == "R":
            specs = self.planner.record_specs(job.day, self.commons_id, self.dids)
        else:
            specs = self.planner.validation_specs(job.day, self.commons_id, self.ids)
        return specs[job.skip :]

    def run(self, first: Job) -> None:
        signer = Signer(self.workers, self.sizes.seed)
        sequence = self.jobs(first)
        waiting: deque[tuple[Job, Callable[[], list[SignedAction]]]] = deque()
        upcoming: Job | None = next(sequence, None)
        finished_records = first.day - 1 if first.kind == "R" else first.day
        started = time.perf_counter()
        last_log = started
        try:
            with make_progress(self.console) as progress:
                task = progress.add_task("build", total=self.sizes.days, completed=first.day)
                while upcoming is not None or waiting:
                    # Sign ahead: a day's records need nothing; its validations need the ids of
                    # the records of the days before it, known once those are appended.
                    while upcoming is not None and len(waiting) < 3:
                        if upcoming.kind == "V" and finished_records < upcoming.day - 1:
                            break
                        waiting.append((upcoming, signer.submit(self.specs(upcoming))))
                        upcoming = next(sequence, None)
                    job, signed = waiting.popleft()
                    self._append(job, signed())
                    if job.kind == "R":
                        finished_records = job.day
                    else:
                        progress.update(task, completed=job.day + 1)
                        for old in [d for d in self.ids if d < job.day - LAG_DAYS - 1]:
                            del self.ids[old]
                    rate = self.appended / max(time.perf_counter() - started, 1e-9)
                    progress.update(
                        task,
                        description=f"build: {day_text(job.day)}, {self.appended:,} actions "
                        f"appended ({rate:,.0f}/s)",
                    )
                    if not self.console.is_terminal and time.perf_counter() - last_log > 30:
                        last_log = time.perf_counter()
                        self.console.print(
                            f"  build {day_text(job.day)} (day {job.day + 1}/{self.sizes.days}): "
                            f"{self.appended:,} actions appended in "
                            f"{last_log - started:,.0f} s ({rate:,.0f}/s)"
                        )
        finally:
            signer.close()

    def _append(self, job: Job, signed: list[SignedAction]) -> None:
        hour = 8 if job.kind == "R" else 16
        new_ids: list[str] = []
        for number, start in enumerate(range(0, len(signed), BATCH)):
            when = stamp(job.day, hour, 60 * (job.skip // BATCH + number))
            self.node.clock = fixed_clock(when)  # this batch's time
            results = append_actions(self.node, self.commons_id, signed[start : start + BATCH])
            new_ids += [r.entry.id for r in results if r.entry.type == RECORD]
            self.appended += len(results)
        if job.kind == "R":
            self.ids.setdefault(job.day, []).extend(new_ids)


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


def ensure_built(data_dir: Path, sizes: Sizes, console: Console, workers: int) -> str:
    """Build the journal, or resume its build; the commons' id."""
    data_dir.mkdir(parents=True, exist_ok=True)
    marker = data_dir / "bench.json"
    if marker.exists():
        kept = json.loads(marker.read_text())
        if kept["sizes"] != sizes.as_json():
            raise SystemExit(f"{data_dir} holds a journal of other sizes: {kept['sizes']}")
        if kept.get("built"):
            return str(kept["commons_id"])
    node = open_node(data_dir)
    try:
        builder = Builder(node, sizes, console, workers)
        first = builder.start()
        marker.write_text(
            json.dumps({"sizes": sizes.as_json(), "commons_id": builder.commons_id}, indent=2)
        )
        if first is not None:
            what = "resuming" if first.day or first.skip or first.kind != "R" else "building"
            console.print(
                f"[bold]{what}[/] the journal at {day_text(first.day)} "
                f"({'records' if first.kind == 'R' else 'validations'}, {first.skip:,} of them "
                f"already appended) in {data_dir}; signing in {workers} worker process(es)"
            )
            started = time.perf_counter()
            builder.run(first)
            console.print(
                f"built: {builder.appended:,} actions appended in "
                f"{time.perf_counter() - started:,.0f} s"
            )
        marker.write_text(
            json.dumps(
                {"sizes": sizes.as_json(), "commons_id": builder.commons_id, "built": True},
                indent=2,
            )
        )
        return builder.commons_id
    finally:
        node.close()


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: str
    target: str = ""
    verdict: str = ""
    note: str = ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(
        self, name: str, value: str, target: str = "", met: bool | None = None, note: str = ""
    ) -> None:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        self.figures.append(Figure(name, value, target, verdict, note))

    def print(self, console: Console, title: str) -> None:
        table = Table(title=title, show_lines=False)
        table.add_column("measure")
        table.add_column("figure", justify="right")
        table.add_column("target")
        table.add_column("")
        table.add_column("notes", overflow="fold")
        for figure in self.figures:
            style = "red" if figure.verdict == "NOT MET" else "green" if figure.verdict else ""
            verdict = f"[{style}]{figure.verdict}[/]" if style else ""
            table.add_row(figure.name, figure.value, figure.target, verdict, figure.note)
        console.print(table)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def mib(count: float) -> str:
    return f"{count / 2**20:,.0f} MiB"


def reset_peak_rss() -> bool:
    """Reset this process' peak resident memory (Linux: VmHWM), so a phase reads its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def journal_facts(node: Node, commons_id: str) -> dict[str, Any]:
    with node.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
        assert head is not None
        by_status = dict(
            conn.execute(
                sa.select(contribution_status.c.status, sa.func.count())
                .where(contribution_status.c.commons_id == commons_id)
                .group_by(contribution_status.c.status)
            ).all()
        )
        by_verdict = dict(
            conn.execute(
                sa.select(validations.c.verdict, sa.func.count())
                .where(validations.c.commons_id == commons_id)
                .group_by(validations.c.verdict)
            ).all()
        )
        next_day = conn.execute(
            sa.select(settlements.c.next_day).where(settlements.c.commons_id == commons_id)
        ).scalar_one()
        agenda = conn.execute(
            sa.select(sa.func.count()).where(
                settle_agenda.c.commons_id == commons_id, settle_agenda.c.day == next_day
            )
        ).scalar_one()
        day_validations = conn.execute(
            sa.select(sa.func.count()).where(
                validations.c.commons_id == commons_id, validations.c.recorded_at >= next_day
            )
        ).scalar_one()
        weighed = dict(
            conn.execute(
                sa.select(
                    sa.case(
                        (validations.c.weight_milli.is_(None), "not weighed"),
                        (validations.c.weight_milli > 0, "with weight"),
                        else_="without weight",
                    ),
                    sa.func.count(),
                )
                .where(validations.c.commons_id == commons_id)
                .group_by(sa.literal_column("1"))
            ).all()
        )
        lazily = conn.execute(
            sa.select(sa.func.count()).where(
                contribution_status.c.commons_id == commons_id,
                contribution_status.c.status == "accepted",
                contribution_status.c.weight_milli < 10_000,
            )
        ).scalar_one()
        standing_rows = conn.execute(
            sa.select(member_standing.c.amount_milli, member_standing.c.day).where(
                member_standing.c.commons_id == commons_id
            )
        ).all()
    half_life = 365
    minimum = 50_000
    at_minimum = sum(
        1
        for amount, day in standing_rows
        if settle.decayed(int(amount), settle.days_between(day, next_day), half_life) >= minimum
    )
    return {
        "head_seq": head.seq,
        "head_recorded_at": head.recorded_at,
        "contributions": by_status,
        "validations": by_verdict,
        "next_day": next_day,
        "agenda": agenda,
        "day_validations": day_validations,
        "validators_with_weight": at_minimum,
        "weighed": weighed,
        "accepted_lazily": lazily,
    }


def describe_journal(console: Console, facts: dict[str, Any], db_bytes: int) -> None:
    statuses = ", ".join(
        f"{count:,} {name}" for name, count in sorted(facts["contributions"].items())
    )
    verdicts = ", ".join(
        f"{count:,} {name}" for name, count in sorted(facts["validations"].items())
    )
    console.print(
        f"journal: {facts['head_seq'] + 1:,} entries up to {facts['head_recorded_at']}; "
        f"database {mib(db_bytes)}\n"
        f"  contributions: {statuses} ({facts['accepted_lazily']:,} of the accepted lazily, "
        "below the threshold)\n"
        f"  validations: {verdicts}; "
        + ", ".join(f"{count:,} {name}" for name, count in sorted(facts["weighed"].items()))
        + " (not weighed: the contribution was no longer pending when they were recorded)\n"
        f"  {facts['validators_with_weight']:,} members at validator_minimum; the last day "
        f"{facts['next_day']} is not settled yet: {facts['agenda']:,} contributions on its "
        f"agenda, {facts['day_validations']:,} validations"
    )


# ---------------------------------------------------------------------------------------------
# 1. One full rebuild, with the time inside settlement
# ---------------------------------------------------------------------------------------------


@contextmanager
def swapped(target: Any, name: str, value: Any) -> Iterator[None]:
    """``value`` in place of ``target.name`` for the block, the original back after: how the
    benchmark wraps a function of the code under test to time or count it."""
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


def fixed_clock(when: str) -> Callable[[], str]:
    """A node clock that always says ``when``."""
    return lambda: when


def phase_rebuild(node: Node, commons_id: str, console: Console, report: Report) -> None:
    console.print("[bold]1. rebuild_projections[/] with day settlement timed…")
    spent = {"settle": 0.0, "digest": 0.0}
    original_until = node_state.DAY_BOUNDARY  # the standing area's: settles finished days
    original_steps = node_state.SETTLE_STEPS  # every area's part of settling one day
    original_digest = journals.database_digest
    assert original_until is not None
    per_day: dict[str, float] = {}

    def timed_until(state: Any, cid: str, day: str, steps: Any) -> None:
        began = time.perf_counter()
        try:
            original_until(state, cid, day, steps)
        finally:
            spent["settle"] += time.perf_counter() - began

    def timed(step: Any) -> Any:
        def run(state: Any, cid: str, day: str) -> None:
            began = time.perf_counter()
            step(state, cid, day)
            per_day[day] = per_day.get(day, 0.0) + time.perf_counter() - began

        return run

    def timed_digest(conn: sa.Connection, cid: str | None = None) -> str:
        began = time.perf_counter()
        try:
            return original_digest(conn, cid)
        finally:
            spent["digest"] += time.perf_counter() - began

    with node.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
        assert head is not None
    gc.collect()
    baseline = current_rss()
    reset = reset_peak_rss()
    # Settlement is timed by wrapping the functions in place for this one run (put back after).
    with (
        swapped(node_state, "DAY_BOUNDARY", timed_until),
        swapped(node_state, "SETTLE_STEPS", tuple(timed(step) for step in original_steps)),
        swapped(journals, "database_digest", timed_digest),
        make_progress(console) as progress,
    ):
        task = progress.add_task("rebuild_projections", total=head.seq + 1)
        began = time.perf_counter()
        logged = [began]

        def advance(done: int) -> None:
            progress.update(task, completed=done)
            if not console.is_terminal and time.perf_counter() - logged[0] > 60:
                logged[0] = time.perf_counter()
                console.print(
                    f"  rebuild: {done:,} of {head.seq + 1:,} entries in "
                    f"{logged[0] - began:,.0f} s, {spent['settle']:,.1f} s of it settling"
                )

        # every commons (the journal holds one): a changed projection version allows no less
        rebuilt = journals.rebuild_projections(node, progress=advance)
        total = time.perf_counter() - began
    peak = peak_rss()
    days = [(seconds, day) for day, seconds in per_day.items()]
    slowest = sorted(days, reverse=True)[:3]
    in_days = sum(seconds for seconds, _ in days)
    report.add(
        "rebuild: time inside settlement (settle_until, summed)",
        f"{spent['settle']:,.1f} s",
        f"< {SETTLEMENT_SECONDS:.0f} s",
        spent["settle"] < SETTLEMENT_SECONDS,
        f"{len(days):,} days settled ({in_days:,.1f} s in their settle steps; median "
        f"{ms(statistics.median(s for s, _ in days)) if days else '-'}, slowest "
        + ", ".join(f"{day} {ms(s)}" for s, day in slowest)
        + ")",
    )
    report.add(
        "rebuild: total",
        f"{total:,.1f} s",
        note=f"{rebuilt.entries:,} entries = {rebuilt.entries / total:,.0f}/s; of it "
        f"{spent['digest']:,.1f} s in the two state digests (before, after), "
        f"{total - spent['digest'] - spent['settle']:,.1f} s replaying the rest; digest "
        f"unchanged: {rebuilt.unchanged}",
    )
    report.add(
        "rebuild: peak resident memory",
        mib(peak),
        f"< {SETTLEMENT_BYTES / 2**30:.0f} GiB",
        peak < SETTLEMENT_BYTES,
        f"the process' peak during the rebuild ({'VmHWM reset before it' if reset else 'ru_maxrss'}"
        f"; {mib(baseline)} resident before), SQLite's page cache and memory map included",
    )
    report.facts["rebuild"] = {
        "settle_seconds": spent["settle"],
        "digest_seconds": spent["digest"],
        "total_seconds": total,
        "entries": rebuilt.entries,
        "days_settled": len(days),
        "slowest_days": slowest,
        "peak_rss_bytes": peak,
        "unchanged": rebuilt.unchanged,
    }


def _rebuild_child(data_dir: str, commons_id: str, limit: int, out: Any) -> None:
    """The rebuild in its own process: its peak memory is its own, and a limit on its address
    space turns a runaway into a MemoryError instead of starving the machine."""
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    console = Console(width=None if sys.stdout.isatty() else 160)
    report = Report()
    node = open_node(Path(data_dir))
    try:
        phase_rebuild(node, commons_id, console, report)
        out.send(([vars(figure) for figure in report.figures], report.facts))
    except BaseException as exc:
        out.send(("failed", f"{type(exc).__name__}: {str(exc)[:300]}"))
        raise
    finally:
        node.close()


def rebuild_in_child(
    data_dir: Path, commons_id: str, console: Console, report: Report, limit_gib: float
) -> None:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    limit = int(limit_gib * 2**30)
    child = context.Process(target=_rebuild_child, args=(str(data_dir), commons_id, limit, send))
    child.start()
    send.close()
    try:
        figures, facts = receive.recv()
    except EOFError:
        figures, facts = "failed", f"the rebuild process ended with exit code {child.exitcode}"
    child.join()
    if figures == "failed":
        report.add(
            "rebuild: FAILED",
            "-",
            f"< {SETTLEMENT_BYTES / 2**30:.0f} GiB",
            False,
            f"{facts} (address space limited to {limit_gib:g} GiB: --memory-limit)",
        )
        return
    report.figures += [Figure(**figure) for figure in figures]
    report.facts.update(facts)


def current_rss() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------------------------------------
# 2. The settlement of one busy day
# ---------------------------------------------------------------------------------------------


def settle_day_once(
    node: Node, commons_id: str, until: str, *, trace: bool = False, profiler: Any = None
) -> tuple[float, float, int, int]:
    """Settle the open day in a write transaction and roll it back: (settle s, flush s, rows
    written, traced peak bytes)."""
    peak = 0
    with node.engine.connect() as conn:
        conn.execution_options(commonwork_write=True)
        transaction = conn.begin()
        try:
            state = DbState(conn)
            if trace:
                tracemalloc.start()
            if profiler is not None:
                profiler.enable()
            began = time.perf_counter()
            settle.settle_until(state, commons_id, until, node_state.SETTLE_STEPS)
            settled = time.perf_counter()
            rows = sum(len(found) for found in state.pending.values())
            state.flush()
            flushed = time.perf_counter()
            if profiler is not None:
                profiler.disable()
            if trace:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
        finally:
            transaction.rollback()
    return settled - began, flushed - settled, rows, peak


def phase_busy_day(
    node: Node,
    commons_id: str,
    facts: dict[str, Any],
    console: Console,
    report: Report,
    profile_dir: Path | None,
) -> None:
    day = facts["next_day"]
    until = settle.add_days(day, 1)
    with node.reading() as conn:  # the rebuild may have changed what is on the agenda
        facts["agenda"] = conn.execute(
            sa.select(sa.func.count()).where(
                settle_agenda.c.commons_id == commons_id, settle_agenda.c.day == day
            )
        ).scalar_one()
    console.print(
        f"[bold]2. settlement of one busy day[/] ({day}: {facts['day_validations']:,} "
        f"validations, {facts['agenda']:,} contributions on its agenda), rolled back each time…"
    )
    runs = [settle_day_once(node, commons_id, until) for _ in range(5)]
    totals = [settled + flushed for settled, flushed, _, _ in runs]
    _, _, rows, peak = settle_day_once(node, commons_id, until, trace=True)
    median = statistics.median(totals)
    report.add(
        f"settlement of one busy day ({facts['day_validations']:,} validations)",
        ms(median),
        f"< {DAY_SECONDS * 1000:.0f} ms",
        median < DAY_SECONDS,
        f"median of 5 (first {ms(totals[0])}, min {ms(min(totals))}); of it "
        f"{ms(statistics.median(f for _, f, _, _ in runs))} writing {rows:,} projected rows "
        f"(flush); {facts['agenda']:,} contributions on the agenda; traced peak {mib(peak)}",
    )
    report.facts["busy_day"] = {
        "day": day,
        "validations": facts["day_validations"],
        "agenda": facts["agenda"],
        "seconds": totals,
        "rows": rows,
        "traced_peak_bytes": peak,
    }
    if profile_dir is not None:
        profiler = cProfile.Profile()
        settle_day_once(node, commons_id, until, profiler=profiler)
        write_profile(profiler, profile_dir / "settle_day.pstats", console, "busy-day settlement")
        with counting_loads() as loads:
            settle_day_once(node, commons_id, until)
        print_loads(console, loads, "the busy day's settlement")


@contextmanager
def counting_loads() -> Iterator[dict[tuple[str, str], list[float]]]:
    """Count the rows DbState loads from the database, by table and by who asked (settlement's
    preload, or the flush looking up the rows it replaces for the kept digest): what grows."""
    original = DbState._load_groups
    loads: dict[tuple[str, str], list[float]] = {}

    def counted(self: DbState, table: sa.Table, groups: dict[Any, set[Any]]) -> None:
        names, frame = [], sys._getframe(1)
        for _ in range(6):
            if frame is None:
                break
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        # a scan loads through preload: the outer of the two is who asked
        asked = [name for name in ("flush", "scan", "prefetch", "preload") if name in names]
        caller = asked[0] if asked else "?"
        before = sum(len(rows) for rows in self.cache.values())
        began = time.perf_counter()
        original(self, table, groups)
        entry = loads.setdefault((table.name, caller), [0, 0, 0.0])
        entry[0] += sum(len(values) for values in groups.values())
        entry[1] += sum(len(rows) for rows in self.cache.values()) - before
        entry[2] += time.perf_counter() - began

    # counts the rows loaded by wrapping the loader for one measurement, restored after
    with swapped(DbState, "_load_groups", counted):
        yield loads


def print_loads(console: Console, loads: dict[tuple[str, str], list[float]], what: str) -> None:
    table = Table(title=f"rows loaded from the database during {what}")
    for name in ("table", "asked by", "prefixes", "rows loaded", "time"):
        table.add_column(name, justify="left" if name in ("table", "asked by") else "right")
    for (name, caller), (prefixes, rows, seconds) in sorted(
        loads.items(), key=lambda item: -item[1][1]
    ):
        table.add_row(name, caller, f"{prefixes:,}", f"{rows:,}", ms(seconds))
    console.print(table)


def write_profile(profiler: cProfile.Profile, path: Path, console: Console, what: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(18)
        console.print(f"cProfile of {what} → {path}, top by {order}:")
        console.print(text.getvalue(), markup=False, highlight=False)


# ---------------------------------------------------------------------------------------------
# 3 and 4. Reads over HTTP
# ---------------------------------------------------------------------------------------------


def serve(data_dir: str, port: int, clock_text: str) -> None:
    """The web node in a child process, its clock at ``clock_text`` (the end of the last day)."""
    import uvicorn

    from commonwork.web.app import create_app

    node = open_node(Path(data_dir), lambda: clock_text)
    uvicorn.run(
        create_app(node), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, clock_text: str) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(
            target=serve, args=(str(data_dir), self.port, clock_text), daemon=True
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> httpx.Client:
        self.process.start()
        self.client = httpx.Client(base_url=self.base, timeout=3600)
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.client.get("/api/v1/node").status_code == 200:
                    return self.client
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or not self.process.is_alive():
                raise SystemExit("the web node did not start")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.process.terminate()
        self.process.join(10)


def timed_get(
    client: httpx.Client, url: str, html: bool, *, fresh: bool = False
) -> tuple[float, int]:
    """One GET, its body read in full; ``fresh``: made afresh by the node, never answered from
    its cache of anonymous reads (``Cache-Control: no-cache``)."""
    headers = {"accept": "text/html"} if html else {"accept": "application/json"}
    if fresh:
        headers["cache-control"] = "no-cache"
    began = time.perf_counter()
    response = client.get(url, headers=headers)
    body = response.content  # read in full
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code} {body[:500]!r}")
    return elapsed, len(body)


class Actor:
    """Appends one new action at a time on the open last day, as members would: in turn a
    record, then another founder's approval of that record, which accepts it provisionally (a
    founder weighs the threshold), so that half of the reads follow an action that changes
    nobody's figures and half one that changes its author's standing and value points."""

    def __init__(self, node: Node, sizes: Sizes, commons_id: str, last_day: str) -> None:
        self.node = node
        self.commons_id = commons_id
        self.rng = random.Random()
        self.keys = [Keypair(member_seed(sizes.seed, i)) for i in range(min(sizes.founders, 50))]
        self.floor = f"{last_day}T23:00:00.000Z"
        self.recorded: tuple[str, Keypair] | None = None

    def act(self) -> str:
        """Append the next action; which kind it was: 'record' or 'approval'."""
        with self.node.reading() as conn:
            head = journal_store.read_head(conn, self.commons_id)
            assert head is not None
        after = max(head.recorded_at, self.floor)
        moment = datetime.fromisoformat(after[:-1]) + timedelta(milliseconds=1)
        when = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        self.node.clock = lambda: when
        if self.recorded is None:
            key = self.rng.choice(self.keys)
            body: dict[str, Any] = {
                "kind": "work",
                "quantity": "1.5",
                "description": "swept the workshop floor",
            }
            action = build_action(
                type=RECORD, author=key.did, body=body, commons=self.commons_id, at=when
            )
            appended = append_actions(self.node, self.commons_id, [sign_action(key, action)])
            self.recorded = (appended[0].entry.id, key)
            return "record"
        contribution, author = self.recorded
        self.recorded = None
        key = self.rng.choice([k for k in self.keys if k.did != author.did])
        body = {"contribution": contribution, "verdict": "approve"}
        action = build_action(
            type=VALIDATE, author=key.did, body=body, commons=self.commons_id, at=when
        )
        append_actions(self.node, self.commons_id, [sign_action(key, action)])
        return "approval"


def phase_reads(
    node: Node,
    sizes: Sizes,
    commons_id: str,
    data_dir: Path,
    facts: dict[str, Any],
    console: Console,
    report: Report,
    repeats: int,
    budget: float,
) -> None:
    day = facts["next_day"]
    console.print(
        f"[bold]3. first read after one new action, and warm[/] (HTTP; the node's clock at the end "
        f"of {day}, a day not settled yet: reads 'now' settle it provisionally)…"
    )
    actor = Actor(node, sizes, commons_id, day)
    pages = [
        ("commons page", f"/commons/{commons_id}", True),
        ("standing page", f"/commons/{commons_id}/standing", True),
        ("GET …/standing", f"/api/v1/commons/{commons_id}/standing", False),
    ]
    results: dict[str, Any] = {}
    with Server(data_dir, f"{day}T23:59:59.999Z") as client:
        for _, url, html in pages:  # warm the server: imports, templates, statement caches
            timed_get(client, url, html)
        with make_progress(console) as progress:
            for name, url, html in pages:
                task = progress.add_task(name, total=repeats)
                cold: list[float] = []
                warm: list[float] = []
                kinds: list[str] = []
                size = 0
                for _ in range(repeats):
                    kinds.append(actor.act())
                    seconds, size = timed_get(client, url, html, fresh=True)
                    cold.append(seconds)
                    warm.append(timed_get(client, url, html, fresh=True)[0])
                    progress.advance(task)
                    if sum(cold) > budget:
                        break
                first, again = statistics.median(cold), statistics.median(warm)
                by_kind = {
                    kind: statistics.median(
                        t for t, k in zip(cold, kinds, strict=True) if k == kind
                    )
                    for kind in sorted(set(kinds))
                }
                worst = max(by_kind.values())
                report.add(
                    f"{name}: first read after one new action",
                    ms(first),
                    f"<= {FIRST_READ_RATIO:.0f}x warm",
                    worst <= FIRST_READ_RATIO * again,
                    f"median of {len(cold)} (min {ms(min(cold))}, max {ms(max(cold))}) = "
                    f"{first / again:,.1f}x warm; after a record {ms(by_kind.get('record', 0))}, "
                    f"after an approval that accepts work {ms(by_kind.get('approval', 0))} "
                    f"(the target is checked on the slower); {size / 1024:,.0f} KiB",
                )
                report.add(f"{name}: warm", ms(again), note=f"median of {len(warm)}, made afresh")
                if not html:  # an anonymous API read: the node also keeps its answer
                    kept = [timed_get(client, url, html)[0] for _ in range(len(warm))]
                    report.add(
                        f"{name}: warm, from the read cache",
                        ms(statistics.median(kept)),
                        note=f"median of {len(kept)}: the answer kept until the next write",
                    )
                results[name] = {"first": cold, "warm": warm, "kinds": kinds, "bytes": size}
        report.facts["reads"] = results
        with node.reading() as conn:
            head = journal_store.read_head(conn, commons_id)
            assert head is not None
        explorer(client, commons_id, head.seq, console, report, repeats)


def explorer(
    client: httpx.Client, commons_id: str, seq: int, console: Console, report: Report, repeats: int
) -> None:
    after = min(EXPLORER_AT, max(seq - 1000, 0))
    console.print(
        f"[bold]4. the journal explorer and GET …/journal?limit=1000[/] after seq {after:,}…"
    )
    reads = [
        ("journal explorer page", f"/commons/{commons_id}/journal?after={after}", True),
        (
            "GET …/journal?limit=1000",
            f"/api/v1/commons/{commons_id}/journal?after={after}&limit=1000",
            False,
        ),
    ]
    facts = {}
    for name, url, html in reads:
        timed_get(client, url, html)
        times = []
        size = 0
        for _ in range(repeats):
            seconds, size = timed_get(client, url, html)
            times.append(seconds)
        median = statistics.median(times)
        report.add(
            f"{name} at entry {after:,}",
            ms(median),
            f"< {PAGE_SECONDS * 1000:.0f} ms",
            median < PAGE_SECONDS,
            f"median of {repeats} (min {ms(min(times))}, max {ms(max(times))}), whole body "
            f"read: {size / 1024:,.0f} KiB",
        )
        facts[name] = {"after": after, "seconds": times, "bytes": size}
    report.facts["explorer"] = facts


def profile_reads(
    node: Node, sizes: Sizes, commons_id: str, facts: dict[str, Any], console: Console, out: Path
) -> None:
    """In this process: the service calls behind the three pages, first read after an action."""
    from commonwork.services import standing_read
    from commonwork.web.page_views import commons_view
    from commonwork.web.pages_standing import standing_view

    day = facts["next_day"]
    actor = Actor(node, sizes, commons_id, day)
    reader = open_node(node.settings.data_dir, lambda: f"{day}T23:59:59.999Z")
    try:
        calls = [
            ("commons_view", lambda: commons_view(reader, commons_id, None)),
            ("standing_view", lambda: standing_view(reader, commons_id, "")),
            ("standing_table", lambda: standing_read.standing_table(reader, commons_id)),
        ]
        for name, call in calls:
            actor.act()
            profiler = cProfile.Profile()
            profiler.enable()
            call()
            profiler.disable()
            write_profile(profiler, out / f"first_{name}.pstats", console, f"first {name}")
        actor.act()
        with counting_loads() as loads:
            standing_read.standing_table(reader, commons_id)
        print_loads(console, loads, "the first standing_table after one new action")
    finally:
        reader.close()


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--validations", type=int, default=3_000_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument(
        "--busy", type=int, default=10_000, help="validations on the last day (default 10000)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply members, contributions and validations (not days, not --busy): 0.01, 0.1",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_BASE,
        help=f"where journals are kept, one directory per size (default {DEFAULT_BASE})",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="signing worker processes (default 2)"
    )
    parser.add_argument("--build-only", action="store_true", help="build (or resume) and stop")
    parser.add_argument(
        "--skip",
        default="",
        help="phases to leave out, comma-separated: rebuild,busy,reads (leaving out reads also "
        "leaves out --profile's profile of the first reads, which appends actions as they do)",
    )
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument(
        "--memory-limit",
        type=float,
        default=12.0,
        metavar="GIB",
        help="address-space limit of the rebuild's process (default 12 GiB; 0: none)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=600.0,
        help="stop repeating a first read once its reads took this many seconds (default 600)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile the busy day and "
        "the first reads (in process), write pstats to DIR and print the top",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.scale != 1.0:
        args.members = max(int(args.members * args.scale), 20)
        args.contributions = max(int(args.contributions * args.scale), 100)
        args.validations = max(int(args.validations * args.scale), 100)
    return args


def code_state() -> str:
    """The commit measured, and whether src/ had uncommitted changes (others edit it)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    dirty = f", with {len(changed)} uncommitted change(s) in src/" if changed else ""
    return f"commit {commit}{dirty}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    sizes = Sizes(
        args.members, args.contributions, args.validations, args.days, args.busy, args.seed
    )
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.rule("commonwork: settlement and reads at scale")
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {code_state()}")
    console.print(
        f"sizes: {sizes.members:,} members ({sizes.founders} seeded founders), "
        f"{sizes.contributions:,} contributions, {sizes.validations:,} validations over "
        f"{sizes.days:,} days from {START}, {sizes.busy:,} validations on the last day; "
        f"preset {PRESET!r}, seed {sizes.seed}"
    )
    data_dir = args.data / sizes.name
    began = time.perf_counter()
    commons_id = ensure_built(data_dir, sizes, console, args.workers)
    if args.build_only:
        return 0
    report = Report()
    node = open_node(data_dir)

    def attempt(name: str, phase: Callable[[], None]) -> None:
        """Run one phase; a failure (the code under test may be mid-change) is reported as
        such and the next phase still runs."""
        try:
            phase()
        except Exception as exc:
            console.print_exception(max_frames=8)
            report.add(f"{name}: FAILED", type(exc).__name__, note=str(exc)[:300])

    try:
        # The facts describe the projection the phases read: after the rebuild when it runs (a
        # journal kept from older code may have no settlement until it is rebuilt).
        if "rebuild" not in skip:
            attempt(
                "rebuild",
                lambda: rebuild_in_child(data_dir, commons_id, console, report, args.memory_limit),
            )
            with node.writing() as conn:  # the child rebuilt: what this process' node knows
                node.due = tuple(check_versions(conn, node.clock()))
        facts = journal_facts(node, commons_id)
        db_bytes = sum(path.stat().st_size for path in data_dir.glob("commonwork.db*"))
        describe_journal(console, facts, db_bytes)
        report.facts["journal"] = {**facts, "database_bytes": db_bytes}
        if "busy" not in skip:
            attempt(
                "busy day",
                lambda: phase_busy_day(node, commons_id, facts, console, report, args.profile),
            )
        if "reads" not in skip:
            attempt(
                "reads",
                lambda: phase_reads(
                    node,
                    sizes,
                    commons_id,
                    data_dir,
                    facts,
                    console,
                    report,
                    args.repeats,
                    args.budget,
                ),
            )
        if args.profile is not None and "reads" not in skip:  # it appends actions too
            attempt(
                "profile of the reads",
                lambda: profile_reads(node, sizes, commons_id, facts, console, args.profile),
            )
    finally:
        node.close()
    total = time.perf_counter() - began
    console.rule("figures")
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {code_state()}")
    console.print(
        f"journal {facts['head_seq'] + 1:,} entries ({sizes.members:,} members, "
        f"{sizes.contributions:,} contributions, {sizes.validations:,} validations planned, "
        f"{sizes.days:,} days) in {data_dir}"
    )
    report.print(console, f"settlement and reads ({total:,.0f} s in all)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "machine": machine_facts(),
            "code": code_state(),
            "sizes": sizes.as_json(),
            "seconds": total,
            "figures": [vars(figure) for figure in report.figures],
            "facts": report.facts,
        }
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
