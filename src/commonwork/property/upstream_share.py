"""What passes upstream of money a commons receives for one of its artifacts.

The economy records the income (``economy.income.record`` naming ``artifact``) and asks this
area, through the ``Upstream`` hook of ``journal.area`` (it cannot import property), how much
of it passes to the commons the artifact was derived from. The derivation graph it reads is the
commons' own: its artifacts and the allowed derivations recorded here (a derivation that needs
review carries nothing until the members allow it). Starting at the artifact paid for, the
charter's ``property.upstream_bp`` of the amount passes to its sources, split by the
derivations' weights; a source of this commons passes ``property.upstream_decay_bp`` of what it
received on to its own sources, and so on; a source of another commons keeps what reaches it —
that commons decides what passes further. The arithmetic is commonwork.property.upstream's:
integers, largest remainders, conserved exactly. What reaches each other commons is posted to
``upstream:<commons id>``, owed until the treasurer pays it; the flows on every edge are kept
(``upstream_flows``) as the "why this number" of the income.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_property import property_of
from commonwork.journal.area import Upstream
from commonwork.journal.projection import State
from commonwork.property.artifacts import artifact_row
from commonwork.property.derivations import LOCAL, pair_key
from commonwork.property.tables import derivation_pairs, derivations, upstream_flows
from commonwork.property.upstream import propagate

#: How many artifacts the walk up from one artifact may reach: beyond it the commons' graph is
#: too large for one entry's rule (the walk then stops, and what lies beyond keeps nothing).
MAX_NODES = 20_000


@dataclass(frozen=True)
class Flow:
    derivation_id: str
    derived: str
    source_commons: str
    source: str
    amount: int


def flows(state: State, commons_id: str, artifact_id: str, amount: int) -> list[Flow]:
    """Every edge of the commons' derivation graph above the artifact that carries some of the
    amount, in the canonical order of the propagation."""
    artifact_row(state, commons_id, artifact_id)  # NotFound for an unknown artifact
    charter = orjson.loads(commons_row(state, commons_id)["charter"])
    terms = property_of(charter)
    if terms.upstream_bp == 0 or amount == 0:
        return []
    local = pair_key(LOCAL, "")  # this commons' artifacts: ":<artifact id>"
    index: dict[str, int] = {f"{local}{artifact_id}": 0}
    edges: list[tuple[int, int, int, str]] = []
    todo = [artifact_id]
    while todo and len(index) < MAX_NODES:
        current = todo.pop()
        here = index[f"{local}{current}"]
        for pair in state.scan(derivation_pairs, (commons_id, current)):
            found = state.get(derivations, (commons_id, pair["derivation_id"]))
            if found is None or found["status"] != "allowed":
                continue
            key = str(pair["source"])
            if key not in index:
                index[key] = len(index)
                if key.startswith(local):
                    todo.append(key[len(local) :])
            edges.append((here, index[key], int(found["weight"]), found["derivation_id"]))
    if not edges:
        return []
    # Number the artifacts by their pair keys (":<artifact>" here, "<commons>:<artifact>"
    # elsewhere), not by the walk: ties of the largest remainder go to the lower number, so to
    # the lower key (a rule anyone can say; this commons' own artifacts first).
    names = sorted(index)
    rank = {index[name]: n for n, name in enumerate(names)}
    edges = [(rank[d], rank[s], weight, derivation) for d, s, weight, derivation in edges]
    received = [0] * len(index)
    received[rank[0]] = amount
    result = propagate(
        received,
        [edge[0] for edge in edges],
        [edge[1] for edge in edges],
        [edge[2] for edge in edges],
        first_bp=terms.upstream_bp,
        further_bp=terms.upstream_decay_bp,
        passes=[name.startswith(local) for name in names],
    )
    by_pair = {(edge[0], edge[1]): edge[3] for edge in edges}
    carried = []
    for d, s, f in zip(result.derived, result.source, result.flow, strict=True):
        if int(f) == 0:
            continue
        source_commons, _, source = names[int(s)].partition(":")
        carried.append(
            Flow(
                derivation_id=by_pair[(int(d), int(s))],
                derived=names[int(d)].partition(":")[2],
                source_commons=source_commons,
                source=source,
                amount=int(f),
            )
        )
    return carried


def split(state: State, commons_id: str, artifact_id: str, amount: int) -> list[tuple[str, int]]:
    """Per other commons, what reaches it (it keeps all it receives), sorted by commons id."""
    reaching: dict[str, int] = {}
    for flow in flows(state, commons_id, artifact_id, amount):
        if flow.source_commons != LOCAL:
            reaching[flow.source_commons] = reaching.get(flow.source_commons, 0) + flow.amount
    return sorted(reaching.items())


def record(
    state: State, commons_id: str, txn_id: str, artifact_id: str, amount: int, currency: str
) -> None:
    """Keep the flows of an income for the artifact, by its transaction."""
    for n, flow in enumerate(flows(state, commons_id, artifact_id, amount)):
        state.insert(
            upstream_flows,
            {
                "commons_id": commons_id,
                "txn_id": txn_id,
                "n": n,
                "derivation_id": flow.derivation_id,
                "derived": flow.derived,
                "source_commons": flow.source_commons,
                "source": flow.source,
                "currency": currency,
                "amount_minor": flow.amount,
            },
        )


UPSTREAM = Upstream(split=split, record=record)
