"""What the settlement engine fixes as each entry is folded, before its day is settled.

Under a settlement engine, everything a validation weighs is known the moment it is recorded:
the validator's standing as of the start of the entry's day and the reciprocity of the pair both
come from days already settled (the first entry of a day settles the days before it). So the
weight is set with the entry, on append, import, rebuild and verify alike, and the day's
settlement only reads sums (commonwork.standing.settle):

* a validation of pending work weighs ``min(standing, validator_cap)`` when the validator stands
  at ``validator_minimum`` or more, else 0; an approval or adjustment by a member whose own work
  the contributor approved within ``reciprocity_days`` before this day weighs
  ``reciprocity_discount`` of that (rounded down); its weight is added to the contribution's
  ``weight_milli`` (an adjustment's also to ``adjust_weight_milli``), a dispute's to
  ``dispute_weight_milli`` (in its ``contribution_status`` row); the approval is remembered for
  reciprocity (``approval_pairs``);
* the contribution goes on the day's agenda (by its record's seq) when its weight reaches the
  threshold (``reached``) or a dispute with weight holds it (``held``);
* a contribution recorded or corrected gets the day its lazy acceptance is checked
  (``lazy_on``: ``challenge_days`` later) and goes on that day's agenda (``lazy``); once it
  reaches the threshold or is held, that later entry is marked ``moot``.

Validations of work that is not pending (accepted, held, withdrawn) weigh nothing and stay
``null``: they are recorded as history.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_governance import governance_of
from commonwork.commons.policy import Policies
from commonwork.journal.projection import Context, Key, Row, State
from commonwork.production.actions import CORRECT, RECORD, VALIDATE
from commonwork.production.tables import (
    contribution_status,
    contributions,
    settle_agenda,
    validations,
)
from commonwork.standing.settle import (
    add_days,
    ceil_milli,
    days_between,
    milli,
    policies_in_force,
    standing_at,
)
from commonwork.standing.tables import approval_pairs, member_standing


def on_entry(state: State, ctx: Context) -> None:
    """Run after the entry's own projection (the area's ``apply``)."""
    action_type = ctx.entry.type
    if action_type not in (RECORD, CORRECT, VALIDATE):
        return
    policies = policies_in_force(state, ctx.commons_id)
    if policies is None:
        return
    if action_type == VALIDATE:
        _weigh(state, ctx, policies)
        return
    contribution_id = ctx.entry.id if action_type == RECORD else ctx.body.contribution
    row = _status(state, ctx.commons_id, contribution_id)
    if row is None or row["status"] != "pending":
        return  # a correction of settled work (a legacy charter's) is history only
    due = add_days(ctx.entry.recorded_at[:10], policies.validation.challenge_days)
    state.put(contribution_status, {**row, "lazy_on": due})
    _agenda(state, ctx.commons_id, due, row["seq"], "lazy")


def _status(state: State, commons_id: str, contribution_id: str) -> Row | None:
    """The contribution's status row, found through its record (which gives its seq)."""
    record = state.get(contributions, (commons_id, contribution_id))
    if record is None:
        return None
    found: Row | None = state.get(contribution_status, (commons_id, record["seq"]))
    return found


def _agenda(state: State, commons_id: str, day: str, seq: int, why: str) -> None:
    state.put(settle_agenda, {"commons_id": commons_id, "day": day, "seq": seq, "why": why})


def _weigh(state: State, ctx: Context, policies: Policies) -> None:
    commons_id, day, validator = ctx.commons_id, ctx.entry.recorded_at[:10], ctx.author
    row = _status(state, commons_id, ctx.body.contribution)
    if row is not None and row["status"] == "accepted" and ctx.body.verdict == "dispute":
        _weigh_late_dispute(state, ctx, policies, row)
        return
    if row is None or row["status"] != "pending":
        return
    rules = policies.validation
    standing = standing_at(state, commons_id, validator, day, policies.standing.half_life_days)
    minimum, cap = milli(rules.validator_minimum), milli(rules.validator_cap)
    weight = min(standing, cap) if standing >= minimum else 0
    verdict = ctx.body.verdict
    changed = dict(row)
    if verdict == "dispute":
        changed["dispute_weight_milli"] += weight
    else:
        contributor = row["contributor"]
        if weight and _reciprocal(state, commons_id, contributor, validator, day, policies):
            discounted = Decimal(weight) * rules.reciprocity_discount
            weight = int(discounted.to_integral_value(rounding=ROUND_FLOOR))
        changed["weight_milli"] += weight
        if verdict == "adjust":
            changed["adjust_weight_milli"] += weight
        _remember_approval(state, commons_id, validator, contributor, day)
    key = (commons_id, row["contribution_id"], validator, row["corrections"])
    recorded = state.get(validations, key)
    if recorded is not None:
        state.put(validations, {**recorded, "weight_milli": weight})
    state.put(contribution_status, changed)
    threshold = ceil_milli(rules.threshold)
    if changed["dispute_weight_milli"] > 0:
        _agenda(state, commons_id, day, row["seq"], "held")
    elif changed["weight_milli"] >= threshold:
        _agenda(state, commons_id, day, row["seq"], "reached")
    else:
        return
    lazy_on = row["lazy_on"]
    decided_before = row["dispute_weight_milli"] > 0 or row["weight_milli"] >= threshold
    if lazy_on is not None and lazy_on > day and not decided_before:
        # This day's settlement decides it (accepted or held), or a correction today gives it
        # a new lazy day: either way its lazy day has nothing to check, so that day's
        # settlement need not load it.
        _agenda(state, commons_id, lazy_on, row["seq"], "moot")


def _weigh_late_dispute(state: State, ctx: Context, policies: Policies, row: Row) -> None:
    """A dispute of accepted work within the charter's ``dispute_days`` of its acceptance weighs
    what the validator's standing does (as of the start of the day, capped, from the minimum):
    with weight it opens an arbitration case (governance); the work stays accepted until a
    verdict says otherwise, from the verdict's own day."""
    commons_id, day = ctx.commons_id, ctx.entry.recorded_at[:10]
    charter = orjson.loads(commons_row(state, commons_id)["charter"])
    window = governance_of(charter).arbitration.dispute_days
    if row["accepted_on"] is None or days_between(row["accepted_on"], day) > window:
        return  # too late: recorded as history
    rules = policies.validation
    half_life = policies.standing.half_life_days
    standing = standing_at(state, commons_id, ctx.author, day, half_life)
    minimum, cap = milli(rules.validator_minimum), milli(rules.validator_cap)
    weight = min(standing, cap) if standing >= minimum else 0
    key = (commons_id, row["contribution_id"], ctx.author, row["corrections"])
    recorded = state.get(validations, key)
    if recorded is not None:
        state.put(validations, {**recorded, "weight_milli": weight})
    if weight:
        changed = {**row, "dispute_weight_milli": row["dispute_weight_milli"] + weight}
        state.put(contribution_status, changed)


def _reciprocal(
    state: State, commons_id: str, contributor: str, validator: str, day: str, policies: Policies
) -> bool:
    """Whether the contributor approved the validator's work within ``reciprocity_days`` before
    ``day`` (approvals of ``day`` itself count from the next day on)."""
    pair = state.get(approval_pairs, (commons_id, contributor, validator))
    if pair is None:
        return False
    last = pair["day"] if pair["day"] < day else pair["before"]
    return last is not None and days_between(last, day) <= policies.validation.reciprocity_days


def _remember_approval(state: State, commons_id: str, approver: str, author: str, day: str) -> None:
    pair = state.get(approval_pairs, (commons_id, approver, author))
    if pair is not None and pair["day"] == day:
        return
    before = pair["day"] if pair is not None else None
    key = {"commons_id": commons_id, "approver": approver, "author": author}
    state.put(approval_pairs, {**key, "day": day, "before": before})


def reads_after(
    state: Any, commons_id: str, action_type: str, author: str, body: Any
) -> list[tuple[sa.Table, Key]]:
    """What weighing a validation reads beyond what its rules read: named once the
    contribution's record and status rows are in the cache (prefetching's later stages: the
    production area's names the status row)."""
    if action_type != VALIDATE:
        return []
    row = _status(state, commons_id, body.contribution)
    if row is None or row["status"] != "pending":
        return []
    contributor = row["contributor"]
    return [
        (member_standing, (commons_id, author)),
        (approval_pairs, (commons_id, contributor, author)),
        (approval_pairs, (commons_id, author, contributor)),
    ]
