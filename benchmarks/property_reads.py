"""Peer property's reads and rules at scale (issue 12): "cost grows with the page, not the
journal. No request, least of all an anonymous one, may cost O(journal)."

A node with a large commons is built once through the real pipeline
(``commonwork.node.pipeline.append_actions``, batches of 1000 client-signed actions, the node's
clock moved batch by batch; signing in a worker process ahead of appending, the actions marked
verified as ``reads.py`` and ``economy.py`` do) and kept in ``/work/benchdata/property-reads-<n>``
(``--rebuild`` builds it again; so does a change of the schema or of the property area's
source, whose rules the kept journal was checked by). It holds:

* a commons founded with the standing engine (its founder seeded with standing 100), a few
  hundred members, and a charter whose ``property.licences`` lets authors choose CC-BY-SA-4.0
  (the charter's own), GPL-3.0-or-later, MIT, CC-BY-4.0 and ``LicenseRef-Bench-1.0``, with
  ``upstream_bp`` 1000 and ``upstream_decay_bp`` 8000;
* ``--artifacts`` artifacts: a hub (MIT) that ``--hub-reusers`` (5,000) others derive from, a
  "shared" artifact that ``--shared-contributions`` (2,000) accepted contributions are linked
  to, an artifact made from 8 sources (the attribution files are read of it), a library of roots
  reused now and then, a chain of ``--chain`` (50) derivations, and the rest in projects of 20
  whose artifacts derive from 1 to 3 earlier ones of their project: about 2 derivations per
  artifact, mostly allowed, some ``needs_review`` (a ``LicenseRef-`` licence on either side:
  each opens an arbitration case);
* a second commons on the same node whose ``--neighbour`` (500) artifacts derive from the first
  one's, proved by signed entries (the first commons' genesis and the artifact's create entry),
  so that "who reuses us" has rows, recorded throughout the first commons' own derivations;
* contributions (one per 20 artifacts, plus the shared artifact's) recorded by members, approved
  by the founder, linked to artifacts by the artifacts' creators (only a licensor links work)
  and accepted when day 0 settles; a second version of one artifact in 50; incomes for one artifact
  in 100, three for the chain's last artifact and 20 in the second commons, so that
  ``upstream_flows`` exist.

Then, on that node and beside a smaller one (``--compare``, 10,000 artifacts) built the same way
with the same hub, shared artifact, chain and neighbour: every read a page or a door makes,
through the services in this process (the first call after opening the node, then the median
of ``--runs`` warm calls; fewer for a read over a second) and over real HTTP (the web app in a
child process on 127.0.0.1, ``Cache-Control: no-cache`` so the node's cache of anonymous
answers never answers; the first GET of each path, then the median); and what the rules cost,
one action per append on a scratch copy of the node: a ``property.derivation.record`` that is
allowed, one that needs review (it opens a case), one whose source is the chain's end (the
circle check walks the chain), an ``economy.income.record`` naming the chain's last artifact
(the upstream walk over its hops), a ``property.artifact.version`` of the shared artifact (its
licensors read from 2,000 links), beside an income naming no artifact (the pipeline's floor). A
table gives both sizes, the ratio of their fastest warm runs (what other work on the machine
disturbs least) and a verdict: "grows with the page" or "GROWS WITH THE JOURNAL" (at least
doubled while the page stayed the same and the journal grew ~8 times). The SQL of each read's
first call is captured and its query plans checked for whole-table scans, sorts and != filters.

Nothing here asserts a time (benchmarks/README.md).

    .venv/bin/python benchmarks/property_reads.py --quick        # 2,000 beside 500 artifacts
    .venv/bin/python benchmarks/property_reads.py                # 100,000 beside 10,000
    .venv/bin/python benchmarks/property_reads.py --json benchmarks/out/property_reads.json
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

import reads
from _machine import describe_machine, machine_facts
from _workload import WORDS
from commonwork.commons.actions import FOUND, JOIN
from commonwork.journal.actions import SignedAction
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, append_actions
from commonwork.node.settings import Settings
from commonwork.property.licences import decide
from economy import schema_fingerprint

DEFAULT_BASE = Path("/work/benchdata")
START = datetime(2032, 3, 1, tzinfo=UTC)  # day 0 of the journal
BATCH = 1000
PROJECT = 20  # artifacts per project: each derives from earlier ones of its project
TARGETS = 99  # artifacts the timed derivations are recorded into (a third for each kind)
REF = "LicenseRef-Bench-1.0"
#: The licences authors choose, and how often (the charter's own first).
LICENCES = (("CC-BY-SA-4.0", 35), ("GPL-3.0-or-later", 20), ("MIT", 20), ("CC-BY-4.0", 20),
            (REF, 5))  # fmt: skip
ARTIFACT_KINDS = ("design", "code", "document", "dataset", "other")
DERIVATION_KINDS = (("adaptation", 70), ("use", 20), ("collection", 10))
BASE_URL = "http://127.0.0.1:8000/"  # what the in-process attribution links to
#: A time at least this many times longer on the large node than on the small one, for the same
#: page, is read as growing with the journal (~10 times larger).
GROWS = 2.0
#: About how long the warm runs of a read that takes over a second may take in all (seconds).
SLOW_BUDGET = 20.0
PROPERTY_TABLES = ("artifacts", "artifact_versions", "artifact_links", "derivations",
                   "derivation_pairs", "upstream_flows", "licence_changes")  # fmt: skip

VALIDATION = {
    "threshold": "10",
    "validator_cap": "10",
    "validator_minimum": "50",
    "challenge_days": 7,
    "lazy_minimum": "60",
    "reciprocity_days": 30,
    "reciprocity_discount": "0.5",
}
VALUE = {
    "version": 1,
    "kinds": {"work": "2", "review": "1", "artifact": "1", "money": "0.01"},
    "cap_per_contribution": "40",
}
PROPERTY = {
    "licences": ["GPL-3.0-or-later", "MIT", "CC-BY-4.0", REF],
    "upstream_bp": 1000,
    "upstream_decay_bp": 8000,
}

err = Console(stderr=True, soft_wrap=True)


# ---------------------------------------------------------------------------------------------
# What is built
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    artifacts: int
    members: int = 300
    library: int = 100
    hub_reusers: int = 5000
    shared_contributions: int = 2000
    chain: int = 50
    neighbour: int = 500
    seed: int = 1

    @property
    def name(self) -> str:
        return f"property-reads-{self.artifacts}"

    @property
    def first_project(self) -> int:
        return 3 + self.library + self.chain + 1

    def as_json(self) -> dict[str, int]:
        return asdict(self)


HUB, SHARED, MULTI = 0, 1, 2


def library(sizes: Sizes) -> range:
    return range(3, 3 + sizes.library)


def chain(sizes: Sizes) -> range:
    """The chain's artifacts: each derives from the one before (``chain`` hops)."""
    return range(3 + sizes.library, sizes.first_project)


def projects(sizes: Sizes) -> range:
    return range(sizes.first_project, sizes.artifacts)


@dataclass
class Plan:
    """Everything the build appends, drawn from the seed before it starts."""

    licence: list[str]
    creator: list[int]  # the author index (0: the founder; 1..members)
    edges: list[tuple[int, int, str, int]]  # derived, source, kind, weight
    ordinary: int  # an ordinary artifact: a few sources, a few linked contributions
    neighbour_sources: list[int]  # per artifact of the second commons, what it derives from
    versioned: list[int]  # artifacts that get a second version
    contributions: list[tuple[int, int]]  # (author, artifact it is linked to)
    incomes: list[tuple[int, int]]  # (artifact, amount in cents)
    append_targets: list[tuple[int, int]]  # (derived, a library source it does not have yet)
    review_source: int  # an early artifact under the LicenseRef: deriving from it needs review


def draw(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


def make_plan(sizes: Sizes) -> Plan:
    rng = random.Random(f"{sizes.seed}:property-reads")
    n, members = sizes.artifacts, sizes.members
    licence = [""] * n
    creator = [0] * n
    licence[HUB], licence[SHARED], licence[MULTI] = "MIT", "CC-BY-SA-4.0", "GPL-3.0-or-later"
    for i in library(sizes):
        licence[i] = ("MIT", "CC-BY-4.0")[i % 2]
        creator[i] = 1 + rng.randrange(members)
    for i in chain(sizes):
        licence[i], creator[i] = "GPL-3.0-or-later", 1
    lead = 0
    for i in projects(sizes):
        if (i - sizes.first_project) % PROJECT == 0:
            lead = 1 + rng.randrange(members)
        licence[i], creator[i] = draw(rng, LICENCES), lead
    decided: dict[tuple[str, str, str], str] = {}

    def decision(source: int, derived: int, kind: str) -> str:
        key = (licence[source], licence[derived], kind)
        if key not in decided:
            decided[key] = decide(*key).decision
        return decided[key]

    edges: list[tuple[int, int, str, int]] = []

    def add(derived: int, source: int) -> None:
        kind = draw(rng, DERIVATION_KINDS)
        if decision(source, derived, kind) == "refuse":
            kind = "use"
        if decision(source, derived, kind) != "refuse":
            edges.append((derived, source, kind, rng.randint(1, 3)))

    for source in (HUB, SHARED, chain(sizes)[0], *library(sizes)[:5]):
        edges.append((MULTI, source, "adaptation", rng.randint(1, 3)))
    hops = chain(sizes)
    for before, after in itertools.pairwise(hops):
        edges.append((after, before, "adaptation", 1))
    spread = projects(sizes)
    step = len(spread) / sizes.hub_reusers
    hub_users = {spread[int(j * step)] for j in range(sizes.hub_reusers)}
    sources_of: dict[int, list[int]] = {}
    for i in spread:
        position = (i - sizes.first_project) % PROJECT
        chosen: list[int] = []
        if position:
            earlier = range(i - min(position, 10), i)
            chosen = rng.sample(earlier, min(rng.choice((1, 1, 2, 2, 2, 3)), len(earlier)))
        if rng.random() < 0.15:
            chosen.append(rng.choice(library(sizes)))
        if i in hub_users:
            chosen.append(HUB)
        sources_of[i] = chosen
        for source in chosen:
            add(i, source)
    middle = spread[len(spread) // 2 :]
    ordinary = next(i for i in middle if len(sources_of[i]) >= 2 and licence[i] != REF)
    contributions = [(1 + rng.randrange(members), rng.choice(spread)) for _ in range(n // 20)]
    contributions += [(1 + rng.randrange(members), ordinary) for _ in range(3)]
    contributions += [
        (1 + rng.randrange(members), SHARED) for _ in range(sizes.shared_contributions)
    ]
    incomes = [(rng.choice(spread), rng.randint(1_000, 1_000_000)) for _ in range(n // 100)]
    incomes += [(hops[-1], 1_000_000_000)] * 3
    targets = []
    for i in reversed(spread):
        free = [s for s in library(sizes) if s not in sources_of[i]]
        if licence[i] != REF and free and i != ordinary:
            targets.append((i, free[0]))
        if len(targets) == TARGETS:
            break
    return Plan(
        licence=licence,
        creator=creator,
        edges=edges,
        ordinary=ordinary,
        neighbour_sources=rng.sample(spread, sizes.neighbour),
        versioned=[ordinary + 1, *rng.sample(spread, n // 50)],
        contributions=contributions,
        incomes=incomes,
        append_targets=targets,
        review_source=next(i for i in spread if licence[i] == REF),
    )


def charter(name: str, founder: str, engine: bool) -> dict[str, Any]:
    made: dict[str, Any] = {
        "name": name,
        "purpose": "Make open designs and say where they came from",
        "aims": ["Share every design", "Credit every source"],
        "metrics": [{"name": "artifacts", "description": "Artifacts made"}],
        "licence": "CC-BY-SA-4.0",
        "property": PROPERTY,
    }
    if engine:
        standing = {"half_life_days": 180, "founders": [{"member": founder, "standing": 100}]}
        made |= {
            "validation_policy": VALIDATION,
            "value_policy": VALUE,
            "standing_policy": standing,
            "engine": 1,
        }
    return made


def sha(*parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


class Clock:
    """Journal time: each batch one second after the one before, day by day."""

    def __init__(self) -> None:
        self.day, self.second = 0, 0

    def next(self) -> str:
        self.second += 1
        moment = START + timedelta(days=self.day, seconds=self.second)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def new_day(self) -> None:
        self.day, self.second = self.day + 1, 0


class Meter:
    """Progress on stderr: entries appended and entries/s, every two seconds."""

    def __init__(self) -> None:
        self.began = self.shown = time.perf_counter()
        self.entries = 0
        self.phase, self.phase_began, self.phase_entries = "", self.began, 0

    def start(self, phase: str) -> None:
        self.phase, self.phase_began, self.phase_entries = phase, time.perf_counter(), 0

    def add(self, count: int, *, force: bool = False) -> None:
        self.entries += count
        self.phase_entries += count
        now = time.perf_counter()
        if force or now - self.shown > 2:
            self.shown = now
            err.print(
                f"  {self.phase}: {self.phase_entries:,} entries "
                f"({self.phase_entries / max(now - self.phase_began, 1e-9):,.0f}/s); "
                f"{self.entries:,} in all ({self.entries / (now - self.began):,.0f} entries/s)",
                highlight=False,
            )


@dataclass
class Builder:
    node: Node
    sizes: Sizes
    plan: Plan
    signer: reads.Signer
    meter: Meter = field(default_factory=Meter)
    clock: Clock = field(default_factory=Clock)
    rng: random.Random = field(init=False)
    ids: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.sizes.seed}:property-reads:nonces")
        self.ids = [""] * self.sizes.artifacts

    def spec(self, type_: str, author: int, body: dict[str, Any], commons: str | None,
             at: str) -> reads.Spec:  # fmt: skip
        return (type_, author, body, commons, at, reads.nonce_of(self.rng))

    def run(self, batches: list[tuple[str | None, list[reads.Spec]]]) -> list[list[Appended]]:
        """Append the batches in order, signing the next while the last is appended."""
        done: list[list[Appended]] = []
        if not batches:
            return done
        pending = self.signer.submit(batches[0][1])
        for index, (commons_id, specs) in enumerate(batches):
            signed: list[SignedAction] = pending()
            if index + 1 < len(batches):
                pending = self.signer.submit(batches[index + 1][1])
            self.node.clock = reads.fixed_clock(specs[0][4])
            done.append(append_actions(self.node, commons_id, signed))
            self.meter.add(len(specs))
        self.meter.add(0, force=True)
        return done

    def chunked(self, commons_id: str, specs: list[reads.Spec],
                size: int = BATCH) -> list[tuple[str | None, list[reads.Spec]]]:  # fmt: skip
        """Batches of ``size``, each at its own journal time."""
        batches: list[tuple[str | None, list[reads.Spec]]] = []
        for start in range(0, len(specs), size):
            at = self.clock.next()
            batches.append(
                (
                    commons_id,
                    [
                        (t, a, b, c, at, nonce)
                        for t, a, b, c, _, nonce in specs[start : start + size]
                    ],
                )
            )
        return batches

    def build(self) -> dict[str, Any]:
        sizes, plan = self.sizes, self.plan
        dids = {i: Keypair(reads.member_seed(sizes.seed, i)).did for i in (0, sizes.members + 1)}
        neighbour_founder = sizes.members + 1
        host = self.node.host_key.did

        self.meter.start("founding, members joining")
        at = self.clock.next()
        body = {"charter": charter("Open Hardware Commons", dids[0], True),
                "founder_name": "Founder", "host": host}  # fmt: skip
        [[founded]] = self.run([(None, [self.spec(FOUND, 0, body, None, at)])])
        commons_id = founded.commons_id
        genesis = founded.entry.line.decode()  # the evidence's first line, for the neighbour
        joins = [self.spec(JOIN, m, {"name": f"Member {m}"}, commons_id, at)
                 for m in range(1, sizes.members + 1)]  # fmt: skip
        self.run(self.chunked(commons_id, joins))
        body = {"charter": charter("Neighbour Workshop", dids[neighbour_founder], False),
                "founder_name": "Neighbour", "host": host}  # fmt: skip
        at = self.clock.next()
        [[other]] = self.run([(None, [self.spec(FOUND, neighbour_founder, body, None, at)])])
        neighbour = other.commons_id

        self.meter.start("artifacts created")
        creates = [self.create_spec(i, commons_id) for i in range(sizes.artifacts)]
        wanted = set(plan.neighbour_sources)
        lines: dict[int, str] = {}
        index = 0
        for results in self.run(self.chunked(commons_id, creates)):
            for result in results:
                self.ids[index] = result.entry.id
                if index in wanted:
                    lines[index] = result.entry.line.decode()
                index += 1
        theirs = [
            self.spec("property.artifact.create", neighbour_founder, {
                "title": f"Neighbour's build {j}: {words(self.rng, 2, 5)}",
                "kind": "design", "licence": "GPL-3.0-or-later",
                "version": {"sha256": sha("neighbour", j)},
            }, neighbour, "")
            for j in range(sizes.neighbour)
        ]  # fmt: skip
        neighbour_ids = [r.entry.id for rs in self.run(self.chunked(neighbour, theirs)) for r in rs]

        self.meter.start("derivations recorded (both commons)")
        ours = [self.derivation_spec(edge, commons_id) for edge in plan.edges]
        interleaved: list[tuple[str | None, list[reads.Spec]]] = []
        share = -(-len(ours) // BATCH)
        for number in range(share):
            interleaved += self.chunked(commons_id, ours[number * BATCH : (number + 1) * BATCH])
            chunk = range(
                number * sizes.neighbour // share, (number + 1) * sizes.neighbour // share
            )
            theirs = [
                self.spec("property.derivation.record", neighbour_founder, {
                    "derived": neighbour_ids[j], "kind": "adaptation",
                    "source": {"commons": commons_id,
                               "artifact": self.ids[plan.neighbour_sources[j]],
                               "evidence": [genesis, lines[plan.neighbour_sources[j]]]},
                }, neighbour, "")
                for j in chunk
            ]  # fmt: skip
            interleaved += self.chunked(neighbour, theirs)
        self.run(interleaved)

        self.meter.start("contributions recorded, approved, linked")
        records = [
            self.spec("production.contribution.record", author, {
                "kind": "work", "quantity": self.rng.choice(("1", "2", "3", "5")),
                "description": words(self.rng, 4, 16),
            }, commons_id, "")
            for author, _ in plan.contributions
        ]  # fmt: skip
        contribution_ids = [
            r.entry.id for rs in self.run(self.chunked(commons_id, records)) for r in rs
        ]
        approvals = [
            self.spec("production.contribution.validate", 0,
                      {"contribution": cid, "verdict": "approve", "reason": ""}, commons_id, "")
            for cid in contribution_ids
        ]  # fmt: skip
        self.run(self.chunked(commons_id, approvals))
        links = []
        shared_ids = []
        for (_, artifact), cid in zip(plan.contributions, contribution_ids, strict=True):
            if artifact == SHARED:
                shared_ids.append(cid)
                continue
            # the artifact's creator links it (a licensor: nobody links their own work alone)
            body = {"artifact": self.ids[artifact], "contributions": [cid]}
            steward = plan.creator[artifact]
            links.append(self.spec("property.artifact.link", steward, body, commons_id, ""))
        for start in range(0, len(shared_ids), 100):
            body = {"artifact": self.ids[SHARED], "contributions": shared_ids[start : start + 100]}
            links.append(self.spec("property.artifact.link", 0, body, commons_id, ""))
        self.run(self.chunked(commons_id, links))

        self.meter.start("day 1 (day 0 settles): versions, incomes")
        self.clock.new_day()
        versions = [
            self.spec("property.artifact.version", plan.creator[i], {
                "artifact": self.ids[i], "licence": plan.licence[i],
                "version": {"sha256": sha("v2", i), "url": f"https://example.org/a/{i}/2",
                            "size": 1000 + i, "media_type": "application/pdf"},
                "note": words(self.rng, 2, 6),
            }, commons_id, "")
            for i in plan.versioned
        ]  # fmt: skip
        self.run(self.chunked(commons_id, versions))
        incomes = [
            self.spec("economy.income.record", 0, {
                "key": f"income-{k}", "source": "sale", "amount_minor": amount,
                "currency": "EUR", "reference": f"bank-{k}", "artifact": self.ids[artifact],
            }, commons_id, "")
            for k, (artifact, amount) in enumerate(plan.incomes)
        ]  # fmt: skip
        appended = [r for rs in self.run(self.chunked(commons_id, incomes)) for r in rs]
        theirs_paid = [
            self.spec("economy.income.record", neighbour_founder, {
                "key": f"income-{k}", "source": "sale", "amount_minor": 50_000 + k,
                "currency": "EUR", "reference": f"bank-{k}", "artifact": neighbour_ids[k],
            }, neighbour, "")
            for k in range(min(20, sizes.neighbour))
        ]  # fmt: skip
        paid = [r for rs in self.run(self.chunked(neighbour, theirs_paid)) for r in rs]
        with self.node.reading() as conn:
            heads = {cid: journal_store.read_head(conn, cid) for cid in (commons_id, neighbour)}
            ordinary_seq = conn.execute(
                sa.text(
                    "SELECT created_seq FROM artifacts WHERE commons_id = :c AND artifact_id = :a"
                ),
                {"c": commons_id, "a": self.ids[sizes.artifacts // 2]},
            ).scalar_one()
        return {
            "commons_id": commons_id,
            "neighbour_id": neighbour,
            "entries": {cid: head.seq + 1 for cid, head in heads.items() if head is not None},
            "hub": self.ids[HUB],
            "shared": self.ids[SHARED],
            "multi": self.ids[MULTI],
            "ordinary": self.ids[plan.ordinary],
            "versioned": self.ids[plan.versioned[0]],
            "chain_end": self.ids[chain(sizes)[-1]],
            "middle_seq": int(ordinary_seq),
            "chain_income": appended[-1].entry.id,
            "neighbour_income": paid[0].entry.id if paid else None,
            "derivations": len(plan.edges) + sizes.neighbour,
            "contributions": len(plan.contributions),
            "targets": [
                {"derived": self.ids[d], "creator": plan.creator[d], "source": self.ids[s]}
                for d, s in plan.append_targets
            ],
            "shared_licence": plan.licence[SHARED],
            "review_source": self.ids[plan.review_source],
        }

    def create_spec(self, i: int, commons_id: str) -> reads.Spec:
        rng = self.rng
        role = {HUB: "Hub", SHARED: "Shared", MULTI: "Collected"}.get(i, "Artifact")
        body = {
            "title": f"{role} {i}: {words(rng, 2, 6)}",
            "kind": ARTIFACT_KINDS[i % len(ARTIFACT_KINDS)],
            "description": words(rng, 5, 30),
            "licence": self.plan.licence[i],
            "version": {"sha256": sha("v1", i), "url": f"https://example.org/a/{i}",
                        "size": 1000 + i, "media_type": "application/pdf"},
        }  # fmt: skip
        return self.spec("property.artifact.create", self.plan.creator[i], body, commons_id, "")

    def derivation_spec(self, edge: tuple[int, int, str, int], commons_id: str) -> reads.Spec:
        derived, source, kind, weight = edge
        body = {
            "derived": self.ids[derived],
            "kind": kind,
            "source": {"artifact": self.ids[source]},
            "weight": weight,
        }
        return self.spec(
            "property.derivation.record", self.plan.creator[derived], body, commons_id, ""
        )


def rules_fingerprint() -> str:
    """What a kept node must have been built by: the schema (economy.py's fingerprint: the
    last migration, the projection versions, the projected tables' columns) and the property
    area's source, whose rules are what this measures (they change more often than the
    projection version says)."""
    area = Path(__file__).resolve().parent.parent / "src/commonwork/property"
    digest = hashlib.sha256(schema_fingerprint().encode())
    for path in sorted(area.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_built(data_dir: Path, sizes: Sizes, workers: int, rebuild: bool) -> dict[str, Any]:
    """The kept node's facts, building it first when it is missing, of other sizes or of
    another schema (or ``rebuild``): in ``<dir>.partial``, then renamed."""
    marker = data_dir / "bench.json"
    fingerprint = rules_fingerprint()
    if marker.exists() and not rebuild:
        kept: dict[str, Any] = json.loads(marker.read_text())
        if kept.get("sizes") == sizes.as_json() and kept.get("schema") == fingerprint:
            return kept
        err.print(f"{data_dir} was built with other sizes or another schema: building it again")
    if data_dir.exists():
        shutil.rmtree(data_dir)
    partial = data_dir.with_name(data_dir.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    err.print(
        f"[bold]building[/] {sizes.artifacts:,} artifacts in {partial} (signing in {workers} "
        f"worker process(es))…"
    )
    plan = make_plan(sizes)
    began = time.perf_counter()
    node = reads.open_node(partial)
    signer = reads.Signer(workers, sizes.seed)
    try:
        builder = Builder(node, sizes, plan, signer)
        kept = builder.build()
        appended = builder.meter.entries
    finally:
        signer.close()
        node.close()
    seconds = time.perf_counter() - began
    kept |= {
        "sizes": sizes.as_json(),
        "schema": fingerprint,
        "build_seconds": round(seconds, 1),
        "build_rate": round(appended / seconds),
        "built_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "built_with": reads.code_state(),
    }
    (partial / "bench.json").write_text(json.dumps(kept, indent=2) + "\n")
    partial.rename(data_dir)
    err.print(f"built: {appended:,} entries in {seconds:,.0f} s ({appended / seconds:,.0f}/s)")
    return kept


def reading_clock() -> str:
    """Where the node's clock stands for the reads and the timed appends: late on day 1, the
    day of the build's last entries (so that no day settles during a timed append)."""
    return (START + timedelta(days=1, hours=23)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def open_node(data_dir: Path) -> Node:
    return reads.open_node(data_dir, reads.fixed_clock(reading_clock()))


# ---------------------------------------------------------------------------------------------
# The reads
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    key: str
    label: str
    service: Callable[[Node], Any]
    path: str
    returns: Callable[[Any], str]


def property_read() -> Any:
    """services.property_read, imported when first needed: another person is splitting its
    read models into services/property_models.py, and an import in the middle of their edit
    fails; it is tried again for two minutes."""
    for attempt in range(25):
        try:
            from commonwork.services import property_read as module

            return module
        except ImportError as exc:
            if attempt == 24:
                raise
            err.print(f"importing services.property_read failed ({exc}); again in 5 s")
            time.sleep(5)
    raise AssertionError("unreachable")


def attribution_names() -> Any:
    from commonwork.services import attribution_names as module

    return module


def cursor_after(node: Node, commons_id: str, side: str, pages: int) -> str | None:
    """The cursor of the page after ``pages`` pages of the reuse section (None: fewer)."""
    after = None
    for _ in range(pages):
        page = property_read().reuse_page(node, commons_id, side=side, after=after)
        after = page.next_after
        if after is None:
            return None
    return after


def make_reads(node: Node, kept: dict[str, Any]) -> list[Read]:
    pr, names = property_read(), attribution_names()
    c1, c2 = kept["commons_id"], kept["neighbour_id"]
    api1, api2 = f"/api/v1/commons/{c1}", f"/api/v1/commons/{c2}"
    hub, shared, multi = kept["hub"], kept["shared"], kept["multi"]
    ordinary, chain_end, versioned = kept["ordinary"], kept["chain_end"], kept["versioned"]
    before = kept["middle_seq"]
    reuse_later = cursor_after(node, c1, "reuses_us", 2)
    theirs_later = cursor_after(node, c2, "we_reuse", 2)

    def detail(result: Any) -> str:
        a = result.artifact
        return (
            f"{len(result.derived_from)} sources, {len(result.derived_into)} of {a.reusers:,} "
            f"reusers, {len(result.contributors)} contributors ({a.links:,} links), "
            f"{len(result.versions)} versions"
        )

    def graph(result: Any) -> str:
        return f"{len(result.nodes)} nodes, {len(result.edges)} edges" + (
            ", truncated" if result.truncated else ""
        )

    def page(result: Any) -> str:
        more = "more" if getattr(result, "next_after", None) or getattr(
            result, "next_before", None) else "last"  # fmt: skip
        return f"{len(result.items)} items ({more})"

    def text(result: Any) -> str:
        return f"{len(result.text.encode()):,} bytes"

    def flows(result: Any) -> str:
        return f"{len(result.flows)} flows, {len(result.upstream)} upstream commons"

    reads_ = [
        Read("list", "artifacts, newest page",
             lambda n: pr.list_artifacts(n, c1), f"{api1}/artifacts", page),
        Read("list-deep", "artifacts, a deep page (before= the middle)",
             lambda n: pr.list_artifacts(n, c1, before=before),
             f"{api1}/artifacts?before={before}", page),
        Read("detail", "artifact detail, an ordinary one",
             lambda n: pr.artifact_detail(n, c1, ordinary), f"{api1}/artifacts/{ordinary}",
             detail),
        Read("detail-hub", "artifact detail, the hub (its reusers)",
             lambda n: pr.artifact_detail(n, c1, hub), f"{api1}/artifacts/{hub}", detail),
        Read("detail-shared", "artifact detail, the shared one (shares)",
             lambda n: pr.artifact_detail(n, c1, shared), f"{api1}/artifacts/{shared}", detail),
        Read("graph-hub", "graph around the hub",
             lambda n: pr.artifact_graph(n, c1, hub), f"{api1}/artifacts/{hub}/graph", graph),
        Read("graph-chain", "graph around the chain's end",
             lambda n: pr.artifact_graph(n, c1, chain_end),
             f"{api1}/artifacts/{chain_end}/graph", graph),
        Read("evidence", "evidence (create + latest version)",
             lambda n: pr.artifact_evidence(n, c1, versioned),
             f"{api1}/artifacts/{versioned}/evidence",
             lambda r: f"{len(r.lines)} lines"),
        Read("notice", "NOTICE of the 8-source artifact",
             lambda n: names.attribution_file(n, c1, multi, "notice", base_url=BASE_URL),
             f"{api1}/artifacts/{multi}/attribution/notice", text),
        Read("spdx", "SPDX JSON of the 8-source artifact",
             lambda n: names.attribution_file(n, c1, multi, "spdx", base_url=BASE_URL),
             f"{api1}/artifacts/{multi}/attribution/spdx", text),
        Read("zip", "attribution .zip of the 8-source artifact",
             lambda n: names.attribution_zip(n, c1, multi, base_url=BASE_URL),
             f"{api1}/artifacts/{multi}/attribution.zip",
             lambda r: f"{len(r[1]):,} bytes"),
        Read("reuse-we", "reuse: what we reuse (none: all local)",
             lambda n: pr.reuse_page(n, c1, side="we_reuse"),
             f"{api1}/reuse?side=we_reuse", page),
        Read("reuse-us", "reuse: who reuses us, first page",
             lambda n: pr.reuse_page(n, c1, side="reuses_us"),
             f"{api1}/reuse?side=reuses_us", page),
    ]  # fmt: skip
    if reuse_later is not None:
        reads_.append(
            Read("reuse-us-3", "reuse: who reuses us, page 3",
                 lambda n: pr.reuse_page(n, c1, side="reuses_us", after=reuse_later),
                 f"{api1}/reuse?side=reuses_us&after={reuse_later}", page)
        )  # fmt: skip
    reads_.append(
        Read("reuse-theirs", "reuse: the neighbour's we_reuse, first page",
             lambda n: pr.reuse_page(n, c2, side="we_reuse"),
             f"{api2}/reuse?side=we_reuse", page)
    )  # fmt: skip
    if theirs_later is not None:
        reads_.append(
            Read("reuse-theirs-3", "reuse: the neighbour's we_reuse, page 3",
                 lambda n: pr.reuse_page(n, c2, side="we_reuse", after=theirs_later),
                 f"{api2}/reuse?side=we_reuse&after={theirs_later}", page)
        )  # fmt: skip
    txn = kept["chain_income"]
    reads_.append(
        Read("upstream", "upstream flows of an income for the chain's end",
             lambda n: pr.income_upstream(n, c1, txn), f"{api1}/txns/{txn}/upstream", flows)
    )  # fmt: skip
    if kept.get("neighbour_income"):
        theirs = kept["neighbour_income"]
        reads_.append(
            Read("upstream-neighbour", "upstream flows of the neighbour's income",
                 lambda n: pr.income_upstream(n, c2, theirs), f"{api2}/txns/{theirs}/upstream",
                 flows)
        )  # fmt: skip
    return reads_


@dataclass
class Timing:
    first: float
    samples: list[float]
    returns: str = ""
    size: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else self.first

    @property
    def fastest(self) -> float:
        """The fastest warm run: what other work on the machine disturbs least."""
        return min(self.samples) if self.samples else self.first


def adapted(runs: int, first: float) -> int:
    """Fewer warm runs of a read that takes over a second (about SLOW_BUDGET s in all, at least
    2; 1 beyond half a minute)."""
    if first <= 1.0:
        return runs
    return 1 if first > 30 else max(2, min(runs, int(SLOW_BUDGET / first)))


def time_service(data_dir: Path, read: Read, runs: int, plans: bool) -> tuple[Timing, list[str]]:
    """The first call after opening the node (its SQL captured, when ``plans``), then the warm
    calls; and the flagged query plans of that SQL."""
    node = open_node(data_dir)
    try:
        gc.collect()
        with captured(node, plans) as statements:
            began = time.perf_counter()
            result = read.service(node)
            first = time.perf_counter() - began
        samples = []
        for _ in range(adapted(runs, first)):
            began = time.perf_counter()
            read.service(node)
            samples.append(time.perf_counter() - began)
        return Timing(first, samples, read.returns(result)), plan_flags(node, statements)
    finally:
        node.close()


def serve(data_dir: str, port: int, clock_text: str) -> None:
    """The web node in a child process: limits off, its clock where the reads stand."""
    import uvicorn

    from commonwork.web.app import create_app

    env = {"COMMONWORK_DATA_DIR": data_dir, "COMMONWORK_VERIFY_WORKERS": "0",
           "COMMONWORK_RATE_LIMITS": "off"}  # fmt: skip
    node = Node.open(Settings.from_env(env), clock=lambda: clock_text)
    uvicorn.run(
        create_app(node), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


@contextmanager
def served(data_dir: Path) -> Iterator[httpx.Client]:
    port = reads.free_port()
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=serve, args=(str(data_dir), port, reading_clock()), daemon=True
    )
    process.start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/api/v1/node").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or not process.is_alive():
                raise SystemExit("the web node did not start")
            time.sleep(0.2)
        yield client
    finally:
        client.close()
        process.terminate()
        process.join(10)


def time_http(client: httpx.Client, read: Read, runs: int) -> Timing:
    """The first GET of the path since the server started, then ``runs`` more; each answered
    afresh (no-cache), its body read in full."""
    headers = {"cache-control": "no-cache"}

    def once() -> tuple[float, int]:
        began = time.perf_counter()
        response = client.get(read.path, headers=headers)
        body = response.content
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise SystemExit(f"GET {read.path}: {response.status_code} {body[:400]!r}")
        return elapsed, len(body)

    first, size = once()
    return Timing(first, [once()[0] for _ in range(adapted(runs, first))], size=size)


@contextmanager
def captured(node: Node, wanted: bool = True) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the node runs in the block (none kept unless ``wanted``)."""
    statements: list[tuple[str, Any]] = []
    if not wanted:
        yield statements
        return

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(node.engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        sa.event.remove(node.engine, "before_cursor_execute", keep)


def short(statement: str) -> str:
    """A statement from its FROM on, on one line (the column lists say little)."""
    text = " ".join(statement.split())
    at = text.find(" FROM ")
    return ("SELECT … " + text[at + 1 :] if at > 0 else text)[:240]


def plan_flags(node: Node, statements: list[tuple[str, Any]]) -> list[str]:
    """Each distinct SELECT's plan: the steps that scan a property table without an index, sort
    rows in a temporary tree, or filter by != (no index serves it: rows read one by one)."""
    flagged: list[str] = []
    seen: set[str] = set()
    with node.engine.connect() as conn:
        for statement, parameters in statements:
            if statement in seen or not statement.lstrip().upper().startswith("SELECT"):
                continue
            seen.add(statement)
            steps = [
                str(row[-1])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            if not any(f" {t}" in statement or f'"{t}"' in statement for t in PROPERTY_TABLES):
                continue
            bad = [
                step
                for step in steps
                if "TEMP B-TREE" in step
                or (step.startswith("SCAN") and "COVERING" not in step and "INDEX" not in step)
            ]
            if " != " in statement:  # a filter no index serves: rows read one by one
                bad.append("!=")
            if bad:
                flagged.append(f"{' | '.join(steps)}  ←  {short(statement)}")
    return flagged


# ---------------------------------------------------------------------------------------------
# What the rules cost: single appends on a scratch copy
# ---------------------------------------------------------------------------------------------

APPENDS = (
    ("floor", "append: income naming no artifact (the floor)"),
    ("derive", "append (a): property.derivation.record"),
    ("derive-review", "append (a''): derivation.record needing review (opens a case)"),
    ("derive-chain", "append (a'): derivation.record, source the chain's end"),
    ("income-chain", "append (b): income for the chain's end (upstream walk)"),
    ("version-shared", "append (c): version of the shared artifact (licensors)"),
)


def append_specs(kept: dict[str, Any], key: str, runs: int) -> tuple[str, list[reads.Spec]]:
    """``runs + 1`` actions of one kind, each different (its own key, pair or content)."""
    rng = random.Random(f"property-reads:append:{key}")
    at = reading_clock()
    c1 = kept["commons_id"]
    specs: list[reads.Spec] = []
    targets = kept["targets"]
    for k in range(runs + 1):
        if key == "floor":
            body: dict[str, Any] = {"key": f"floor-{k}", "source": "donation",
                                    "amount_minor": 1000 + k, "currency": "EUR",
                                    "reference": f"floor-{k}"}  # fmt: skip
            author = 0
        elif key in DERIVES:
            third = len(targets) // 3
            target = targets[DERIVES.index(key) * third + k % third]
            source = {
                "derive": target["source"],
                "derive-review": kept["review_source"],
                "derive-chain": kept["chain_end"],
            }[key]
            body = {"derived": target["derived"], "kind": "use", "source": {"artifact": source}}
            author = int(target["creator"])
        elif key == "income-chain":
            body = {"key": f"chain-{k}", "source": "sale", "amount_minor": 1_000_000_000 + k,
                    "currency": "EUR", "reference": f"chain-{k}",
                    "artifact": kept["chain_end"]}  # fmt: skip
            author = 0
        else:
            body = {"artifact": kept["shared"], "licence": kept["shared_licence"],
                    "version": {"sha256": sha("timed", k)}}  # fmt: skip
            author = 0
        specs.append((APPEND_TYPES[key], author, body, c1, at, reads.nonce_of(rng)))
    return c1, specs


DERIVES = ("derive", "derive-review", "derive-chain")
APPEND_TYPES = {
    "floor": "economy.income.record",
    "derive": "property.derivation.record",
    "derive-review": "property.derivation.record",
    "derive-chain": "property.derivation.record",
    "income-chain": "economy.income.record",
    "version-shared": "property.artifact.version",
}


def time_appends(data_dir: Path, kept: dict[str, Any], runs: int) -> dict[str, Timing]:
    """Each kind appended ``runs + 1`` times, one action per append (its own transaction), on
    a copy of the node: the first after opening it, then the median of the rest."""
    scratch = data_dir.with_name(data_dir.name + ".scratch")
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(data_dir, scratch)
    reads._init_signer(int(kept["sizes"]["seed"]))
    prepared = {key: append_specs(kept, key, runs) for key, _ in APPENDS}
    signed = {key: (cid, reads.sign_specs(specs)) for key, (cid, specs) in prepared.items()}
    found: dict[str, Timing] = {}
    node = open_node(scratch)
    try:
        for key, _ in APPENDS:
            cid, actions = signed[key]
            samples = []
            last = ""
            for action in actions:
                gc.collect()
                began = time.perf_counter()
                [appended] = append_actions(node, cid, [action])
                samples.append(time.perf_counter() - began)
                last = appended.entry.id
            found[key] = Timing(samples[0], samples[1:], append_rows(node, kept, key, last))
    finally:
        node.close()
        shutil.rmtree(scratch)
    return found


def append_rows(node: Node, kept: dict[str, Any], key: str, entry_id: str) -> str:
    """What the rule read, for the table."""
    c1 = kept["commons_id"]
    with node.reading() as conn:
        if key == "income-chain":
            flows = conn.execute(
                sa.text(
                    "SELECT count(*) FROM upstream_flows WHERE commons_id = :c AND txn_id = :t"
                ),
                {"c": c1, "t": entry_id},
            ).scalar()
            return f"{flows} flows over the chain"
        if key == "version-shared":
            links = conn.execute(
                sa.text("SELECT links FROM artifacts WHERE commons_id = :c AND artifact_id = :a"),
                {"c": c1, "a": kept["shared"]},
            ).scalar()
            return f"licensors from {links:,} links"
        if key == "derive-chain":
            return "circle check walks the chain"
        if key in ("derive", "derive-review"):
            status = conn.execute(
                sa.text(
                    "SELECT status FROM derivations WHERE commons_id = :c AND derivation_id = :d"
                ),
                {"c": c1, "d": entry_id},
            ).scalar()
            if status != "needs_review":
                return str(status)
            due = conn.execute(
                sa.text(
                    "SELECT count(*) FROM governance_due WHERE commons_id = :c AND what != '' "
                    "AND day = (SELECT min(day) FROM governance_due WHERE commons_id = :c "
                    "AND what != '')"
                ),
                {"c": c1},
            ).scalar()
            return f"needs_review; {due:,} items due on the first due day"
    return ""


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class Measured:
    sizes: Sizes
    kept: dict[str, Any]
    service: dict[str, Timing] = field(default_factory=dict)
    http: dict[str, Timing] = field(default_factory=dict)
    appends: dict[str, Timing] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    db_bytes: int = 0

    @property
    def entries(self) -> int:
        return int(sum(self.kept["entries"].values()))


def measure(sizes: Sizes, args: argparse.Namespace, plans: bool) -> Measured:
    data_dir = (args.data_dir or DEFAULT_BASE) / sizes.name
    kept = ensure_built(data_dir, sizes, args.workers, args.rebuild)
    found = Measured(sizes, kept)
    found.db_bytes = sum(path.stat().st_size for path in data_dir.glob("commonwork.db*"))
    err.print(
        f"[bold]measuring[/] {sizes.artifacts:,} artifacts ({found.entries:,} entries) in "
        f"{data_dir}…"
    )
    node = open_node(data_dir)
    try:
        made = make_reads(node, kept)
    finally:
        node.close()
    for read in made:
        found.labels[read.key] = read.label
        timing, found.flags[read.key] = time_service(data_dir, read, args.runs, plans)
        found.service[read.key] = timing
        err.print(f"  service: {read.label}: {ms(timing.median)} ms ({timing.returns})")
    with served(data_dir) as client:
        for read in made:
            timing = found.http[read.key] = time_http(client, read, args.runs)
            err.print(f"  HTTP: {read.label}: {ms(timing.median)} ms ({timing.size:,} bytes)")
    found.appends = time_appends(data_dir, kept, args.runs)
    err.print("  appends: " + ", ".join(f"{k} {ms(t.median)} ms" for k, t in found.appends.items()))
    for key, label in APPENDS:
        found.labels[key] = label
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def verdict(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return "GROWS WITH THE JOURNAL" if ratio >= GROWS else "grows with the page"


def describe(found: Measured) -> str:
    kept = found.kept
    return (
        f"{found.sizes.artifacts:,} artifacts: {found.entries:,} entries "
        f"({', '.join(f'{n:,}' for n in kept['entries'].values())} in the two commons), "
        f"{kept['derivations']:,} derivations, {kept['contributions']:,} contributions; "
        f"{found.db_bytes / 2**20:,.0f} MiB; built in {kept['build_seconds']:,.0f} s "
        f"({kept['build_rate']:,} entries/s) on {kept['built_on']}"
    )


def cell(timing: Timing | None, runs: int) -> str:
    """ "median (first)", and how many warm runs when fewer were made (a slow read)."""
    if timing is None:
        return ""
    fewer = f" [{len(timing.samples)} runs]" if len(timing.samples) < runs else ""
    return f"{ms(timing.median)} ({ms(timing.first)}){fewer}"


def report(
    console: Console, big: Measured, small: Measured | None, runs: int
) -> list[dict[str, Any]]:
    table = Table(
        title=f"peer property at scale: ms, warm median of {runs} (first call after opening the "
        "node / first GET in parentheses)",
        show_lines=False,
    )
    n = f"{big.sizes.artifacts:,}"
    table.add_column("what")
    table.add_column(f"returns / reads ({n})", overflow="fold")
    table.add_column(f"service {n}", justify="right")
    table.add_column(f"HTTP {n}", justify="right")
    if small is not None:
        m = f"{small.sizes.artifacts:,}"
        table.add_column(f"service {m}", justify="right")
        table.add_column(f"HTTP {m}", justify="right")
        table.add_column("ratio (fastest) svc/HTTP", justify="right")
        table.add_column("verdict")
    rows: list[dict[str, Any]] = []
    keys = list(big.service) + list(big.appends)
    for key in keys:
        appended = key in big.appends
        service = big.appends[key] if appended else big.service[key]
        http = None if appended else big.http[key]
        cells = [
            big.labels[key],
            service.returns + (f"; {http.size:,} B" if http else ""),
            cell(service, runs),
            cell(http, runs),
        ]
        row: dict[str, Any] = {
            "key": key,
            "what": big.labels[key],
            "returns": service.returns,
            "big": {"service": asdict(service), "http": asdict(http) if http else None},
        }
        if small is not None:
            other = small.appends.get(key) if appended else small.service.get(key)
            other_http = None if appended else small.http.get(key)
            ratio = service.fastest / other.fastest if other else None
            ratio_http = http.fastest / other_http.fastest if http and other_http else None
            if other is not None and other.returns != service.returns:
                cells[1] += f" [small: {other.returns}]"
            cells += [
                cell(other, runs),
                cell(other_http, runs),
                (f"{ratio:.2f}" if ratio else "-") + (f" / {ratio_http:.2f}" if ratio_http else ""),
                verdict(ratio),
            ]
            row |= {
                "small": {
                    "service": asdict(other) if other else None,
                    "http": asdict(other_http) if other_http else None,
                },
                "ratio": ratio,
                "ratio_http": ratio_http,
                "verdict": verdict(ratio),
            }
        style = "red" if small is not None and row.get("verdict", "").startswith("GROWS") else None
        table.add_row(*cells, style=style)
        rows.append(row)
    console.print(table)
    return rows


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument(
        "--compare", type=int, default=10_000,
        help="also build and measure this many artifacts, for the ratio (0: none; 10000)",
    )  # fmt: skip
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--hub-reusers", type=int, default=5000)
    parser.add_argument("--shared-contributions", type=int, default=2000)
    parser.add_argument("--chain", type=int, default=50)
    parser.add_argument("--neighbour", type=int, default=500)
    parser.add_argument("--library", type=int, default=100)
    parser.add_argument("--runs", type=int, default=9, help="warm runs of each measure (9)")
    parser.add_argument("--workers", type=int, default=1, help="signing processes (1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help=f"where nodes are kept ({DEFAULT_BASE})")
    parser.add_argument("--rebuild", action="store_true", help="build the kept nodes again")
    parser.add_argument("--no-plans", action="store_true", help="skip the query-plan check")
    parser.add_argument(
        "--quick", action="store_true",
        help="2,000 beside 500 artifacts, 60 members, a hub of 200, 200 shared contributions, "
        "a neighbour of 50, 3 runs: under a minute",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures")
    args = parser.parse_args(argv)
    if args.quick:
        args.artifacts, args.compare, args.members, args.hub_reusers = 2000, 500, 60, 200
        args.shared_contributions, args.neighbour, args.library, args.runs = 200, 50, 20, 3
    sizes = [args.artifacts] + ([args.compare] if args.compare else [])
    for count in sizes:
        spread = count - (3 + args.library + args.chain + 1)
        if spread < max(args.hub_reusers, args.neighbour, 64) or args.library < 8:
            parser.error(
                f"{count} artifacts leave {spread} in projects: fewer than the hub's reusers "
                f"({args.hub_reusers}) or the neighbour's ({args.neighbour}); or a library < 8"
            )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 230)
    console.rule("commonwork: peer property's reads and rules at scale")
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {reads.code_state()}")
    console.print(f"load:       {os.getloadavg()[0]:.2f} (1 min) at the start")
    base = Sizes(
        artifacts=args.artifacts, members=args.members, library=args.library,
        hub_reusers=args.hub_reusers, shared_contributions=args.shared_contributions,
        chain=args.chain, neighbour=args.neighbour, seed=args.seed,
    )  # fmt: skip
    began = time.perf_counter()
    big = measure(base, args, plans=not args.no_plans)
    small = measure(replace(base, artifacts=args.compare), args, False) if args.compare else None
    total = time.perf_counter() - began
    console.rule("figures")
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {reads.code_state()}")
    console.print(f"load:       {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    console.print(f"large:      {describe(big)}", highlight=False)
    if small is not None:
        console.print(f"small:      {describe(small)}", highlight=False)
        ratio = big.entries / small.entries
        console.print(
            f"journal ratio {ratio:.1f} times"
            + ("" if ratio >= 5 else " (a smoke run: too close to read the verdicts by)")
            + "; verdict: "
            f"'GROWS WITH THE JOURNAL' when the fastest warm service run is ≥ {GROWS:g} times the "
            "small node's for the same page (the fastest: other work on the machine disturbs it "
            "least), else 'grows with the page'",
            highlight=False,
        )
    rows = report(console, big, small, args.runs)
    flagged = {key: lines for key, lines in big.flags.items() if lines}
    if flagged:
        console.print("\n[b]query plans on the large node[/b] (a property table scanned without "
                      "an index, rows sorted in a temporary tree, or a != filter):")  # fmt: skip
        for key, lines in flagged.items():
            for line in lines:
                console.print(f"  {big.labels[key]}: {line}", highlight=False, markup=False)
    console.print(f"\n{total:,.0f} s in all")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "machine": machine_facts(),
            "code": reads.code_state(),
            "sizes": {"large": big.sizes.as_json(),
                      "small": small.sizes.as_json() if small else None},
            "built": {"large": big.kept, "small": small.kept if small else None},
            "entries": {"large": big.entries, "small": small.entries if small else None},
            "runs": args.runs,
            "figures": rows,
            "plans": flagged,
            "seconds": total,
        }  # fmt: skip
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
