"""What people read of standing and value points: everyone's figures with the distribution (Gini,
Lorenz curve), one member's figures with "why this number" and standing over time, and the preview
of a candidate value policy. All are read-only: nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from commonwork.commons.charter_policies import candidate_value_policy
from commonwork.node.node import Node
from commonwork.node.tables import entries
from commonwork.services.standing import (
    Figures,
    figures,
    gini,
    lorenz,
    monthly_points,
    points_text,
    privileges_of,
    require_policies,
    standing_digest,
)
from commonwork.standing.engine import explain

SERIES_POINTS = 60


def _policy_json(figures_: Figures) -> dict[str, Any]:
    return figures_.policies.as_json()


def standing_table(node: Node, commons_id: str, *, as_of: str | None = None) -> dict[str, Any]:
    """Every member's standing, value points (lifetime and this month) and privileges, highest
    standing first; with the distribution of value points and the digest of the figures."""
    found = figures(node, commons_id, as_of=as_of)
    result, loaded = found.result, found.loaded
    months = monthly_points(found)
    month = str(np.datetime64(found.as_of[:10], "D").astype("datetime64[M]"))
    rows: list[dict[str, Any]] = []
    for i, did in enumerate(loaded.member_ids):
        standing = found.standing(i)
        rows.append(
            {
                "member": did,
                "name": loaded.member_names[i],
                "active": loaded.member_active[i],
                "standing": standing,
                "value_points": points_text(int(result.value_points_milli[i])),
                "value_points_this_month": points_text(months.get(i, {}).get(month, 0)),
                "privileges": privileges_of(found.policies, standing),
            }
        )
    rows.sort(key=lambda row: (-row["standing"], row["member"]))
    return {
        "commons_id": commons_id,
        "as_of": found.as_of,
        "head": found.head,
        "month": month,
        "members": rows,
        "distribution": distribution(found),
        "policies": _policy_json(found),
        "digest": standing_digest(found),
    }


def distribution(found: Figures) -> dict[str, Any]:
    """How lifetime value points are spread over the active members."""
    active = np.asarray(found.loaded.member_active, bool)
    values = found.result.value_points_milli[: len(active)][active]
    return {
        "members": int(active.sum()),
        "total_value_points": points_text(int(values.sum())),
        "gini": round(gini(values), 4),
        "lorenz": lorenz(values),
    }


def _entry_ids(node: Node, commons_id: str, seqs: list[int]) -> dict[int, str]:
    if not seqs:
        return {}
    query = sa.select(entries.c.seq, entries.c.entry_id).where(
        entries.c.commons_id == commons_id, entries.c.seq.in_(sorted(set(seqs)))
    )
    with node.reading() as conn:
        return {int(seq): entry_id for seq, entry_id in conn.execute(query)}


def _approvals(found: Figures, contribution: int) -> list[tuple[int, int, float]]:
    """(validator index, entry seq, weight) of the approvals that counted for a contribution."""
    ledger, result = found.loaded.ledger, found.result
    rows = np.flatnonzero(
        (ledger.validation_contribution == contribution) & (result.validation_weight > 0)
    )
    return [
        (
            int(ledger.validator[r]),
            int(found.loaded.validation_seq[r]),
            float(result.validation_weight[r]),
        )
        for r in rows.tolist()
    ]


def _term_json(found: Figures, term: Any, ids: dict[int, str]) -> dict[str, Any]:
    loaded = found.loaded
    day = loaded.ledger.genesis + timedelta(days=term.accepted_day)
    item: dict[str, Any] = {
        "kind": "seed" if term.contribution < 0 else "contribution",
        "accepted_on": day.isoformat(),
        "points": points_text(term.points_milli),
        "decay": round(term.decay, 6),
        "standing": round(term.standing, 3),
    }
    if term.contribution >= 0:
        seq = int(loaded.contribution_seq[term.contribution])
        contribution_id = loaded.contribution_ids[term.contribution]
        # a contribution's id is the id of the entry that recorded it
        item.update(contribution=contribution_id, seq=seq, entry=contribution_id)
        item["approvals"] = [
            {
                "validator": loaded.member_ids[who],
                "name": loaded.member_names[who],
                "seq": vseq,
                "entry": ids.get(vseq),
                "weight": round(weight, 3),
            }
            for who, vseq, weight in _approvals(found, term.contribution)
        ]
        settled = int(found.result.settled_milli[term.contribution])
        if settled >= 0:
            item["settled_quantity"] = points_text(settled)
    return item


def _series(found: Figures, member: int, terms: list[Any]) -> list[dict[str, Any]]:
    """Standing over time, from the founding day to the as-of day, at up to 60 days."""
    half_life = found.result.half_life_days
    last = found.as_of_day
    days = np.unique(np.linspace(0, last, min(SERIES_POINTS, last + 1)).round().astype(int))
    accepted = np.asarray([t.accepted_day for t in terms], np.float64)
    points = np.asarray([t.points_milli / 1000.0 for t in terms], np.float64)
    out = []
    for day in days.tolist():
        live = accepted <= day
        value = float((points[live] * np.exp2((accepted[live] - day) / half_life)).sum())
        date = found.loaded.ledger.genesis + timedelta(days=day)
        out.append({"day": date.isoformat(), "standing": round(value, 3)})
    return out


def member_standing(
    node: Node, commons_id: str, did: str, *, as_of: str | None = None
) -> dict[str, Any]:
    """One member's standing and value points, and why: each term linked to its journal entry."""
    found = figures(node, commons_id, as_of=as_of)
    loaded, result = found.loaded, found.result
    member = loaded.member_index(did)
    terms = explain(loaded.ledger, result, member, found.as_of_day)
    seqs = [
        seq
        for term in terms
        if term.contribution >= 0
        for _, seq, _ in _approvals(found, term.contribution)
    ]
    ids = _entry_ids(node, commons_id, seqs)
    explained = [_term_json(found, term, ids) for term in terms]
    skills = result.skill_standing
    standing = found.standing(member)
    months = monthly_points(found).get(member, {})
    return {
        "commons_id": commons_id,
        "member": did,
        "name": loaded.member_names[member],
        "as_of": found.as_of,
        "head": found.head,
        "standing": standing,
        "standing_by_skill": {
            name: round(float(skills[member, k]), 3)
            for k, name in enumerate(loaded.ledger.skill_names)
            if skills is not None and skills[member, k] > 0
        },
        "value_points": points_text(int(result.value_points_milli[member])),
        "value_points_by_month": {month: points_text(m) for month, m in sorted(months.items())},
        "privileges": privileges_of(found.policies, standing),
        "policy_version": found.policies.value.version,
        "half_life_days": found.policies.standing.half_life_days,
        "why": explained,
        "series": _series(found, member, terms),
        "contributions_accepted": sum(1 for term in terms if term.contribution >= 0),
    }


def preview_value_policy(
    node: Node, commons_id: str, candidate: Any, *, as_of: str | None = None
) -> dict[str, Any]:
    """Each member's value points and share under the live value policy and under ``candidate``,
    computed afresh; the live figures and the journal are left as they are."""
    live = figures(node, commons_id, as_of=as_of)
    policies = candidate_value_policy(candidate, require_policies(node, commons_id))
    other = figures(node, commons_id, as_of=live.as_of, policies=policies)
    live_points = live.result.value_points_milli
    new_points = other.result.value_points_milli
    live_total, new_total = int(live_points.sum()), int(new_points.sum())
    rows: list[dict[str, Any]] = []
    for i, did in enumerate(live.loaded.member_ids):
        before, after = int(live_points[i]), int(new_points[i])
        rows.append(
            {
                "member": did,
                "name": live.loaded.member_names[i],
                "live_value_points": points_text(before),
                "candidate_value_points": points_text(after),
                "live_share": round(before / live_total, 6) if live_total else 0.0,
                "candidate_share": round(after / new_total, 6) if new_total else 0.0,
                "live_standing": live.standing(i),
                "candidate_standing": other.standing(i),
            }
        )
    rows.sort(key=lambda row: (-float(row["candidate_value_points"]), row["member"]))
    return {
        "commons_id": commons_id,
        "as_of": live.as_of,
        "live_policy": live.policies.value.as_json(),
        "candidate_policy": policies.value.as_json(),
        "live_total": points_text(live_total),
        "candidate_total": points_text(new_total),
        "members": rows,
        "live_digest": standing_digest(live),
        "candidate_gini": round(gini(new_points), 4),
        "live_gini": round(gini(live_points), 4),
    }
