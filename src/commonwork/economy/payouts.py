"""Payouts by value points: wealth acknowledgement, decided by proposal.

A payout names a settled period, an amount the treasury holds, and a policy; the fold derives
its lines — never listed in the entry — as a fixed waterfall in integer minor units:

1. the charter's infrastructure share (``economy.infrastructure_bp``, rounded down) to the
   association's ``reserve``;
2. the upstream share: 0 here, since what passes upstream to the commons an artifact was derived
   from is taken when the money for it comes in (``economy.income.record``'s ``artifact``: the
   property area's rule puts it on ``upstream:<commons id>``) and never reaches the treasury;
3. the rest split by value points with the largest remainder (commonwork.economy.split): each
   share within one minor unit of its exact value, ties by did, the lines summing exactly.

Whose points, by policy:

* ``period`` — the points each member earned in the period's days (their lifetime points at
  its end less those at the day before its start);
* ``window`` — the same over the charter's ``payout_window_days`` days ending at ``to``;
* ``catch_up`` — each member's lifetime points at ``to`` less the points every earlier payout
  already paid them for (``paid_points``): work long unpaid catches up.

Every payout adds the points it paid for to ``paid_points``. Lines become payables
(``payable:<did>``); the treasurer then records each bank payment. A payout executes only if the
treasury holds the amount when it does; otherwise it fails on the record and nothing moves.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_economy import CurrencyCode, economy_of
from commonwork.economy.books import Amount, Line, check_lines, exponent_of, post
from commonwork.economy.split import largest_remainder
from commonwork.economy.tables import paid_points, payout_lines, payout_marks
from commonwork.errors import CommonworkError, InvalidAction, NotAllowed
from commonwork.journal.projection import Row, State
from commonwork.standing.settle import add_days
from commonwork.standing.tables import settlements, standing_history

Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class PayoutEffect(BaseModel):
    """Pay ``amount_minor`` of the treasury out by value points earned up to ``to`` (a settled
    day): from ``from`` (the period policy), or by the charter's policy when left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["payout"]
    amount_minor: Amount
    currency: CurrencyCode
    policy: Literal["period", "window", "catch_up"] | None = None
    #: The period's first and last day (UTC), both settled; ``from`` only for ``period``.
    start: Day | None = None
    end: Day

    @model_validator(mode="after")
    def _period(self) -> PayoutEffect:
        for day in (self.start, self.end):
            if day is not None:
                try:
                    date.fromisoformat(day)
                except ValueError as exc:
                    raise ValueError(f"{day} is not a day of the calendar") from exc
        if self.start is not None and self.start > self.end:
            raise ValueError("the period's start comes before its end")
        return self


def policy_of(state: State, commons_id: str, effect: PayoutEffect) -> tuple[str, str | None]:
    """The policy, and the first day whose points count (None: lifetime, less what was paid)."""
    economy = economy_of(orjson.loads(commons_row(state, commons_id)["charter"]))
    policy = effect.policy or economy.payout_policy
    if policy == "period":
        if effect.start is None:
            raise InvalidAction("a payout for a period names its first day (start)")
        return policy, effect.start
    if effect.start is not None:
        raise InvalidAction(f"a {policy} payout names its last day only (end)")
    if policy == "window":
        return policy, add_days(effect.end, 1 - economy.payout_window_days)
    return policy, None


def check_payout(state: State, commons_id: str, effect: PayoutEffect, at: str) -> None:
    exponent_of(state, commons_id, effect.currency)
    policy_of(state, commons_id, effect)
    checkpoint = state.get(settlements, (commons_id,))
    if checkpoint is None:
        raise NotAllowed(
            "this commons' charter sets no value policy: there are no value points to pay by",
            reason="no_value_points",
        )
    if effect.end >= checkpoint["next_day"]:
        raise NotAllowed(
            f"a payout names settled days only: {effect.end} is not settled yet (settled up to "
            f"the day before {checkpoint['next_day']})",
            reason="not_settled",
        )
    check_catch_up(state, commons_id, effect)


def check_catch_up(state: State, commons_id: str, effect: PayoutEffect) -> None:
    """A catch-up pays lifetime points less every point paid for before: it is only right up to
    a day no earlier than the end of every payout made (paid points are one running total)."""
    if policy_of(state, commons_id, effect)[0] != "catch_up":
        return
    marks = state.get(payout_marks, (commons_id,))
    if marks is not None and effect.end < marks["paid_through"]:
        raise NotAllowed(
            f"payouts have paid for points up to {marks['paid_through']}: a catch-up ends on "
            "that day or later",
            reason="paid_through",
            paid_through=marks["paid_through"],
        )


def points_by_member(state: State, commons_id: str, effect: PayoutEffect) -> dict[str, int]:
    """Each member's value points (milli) the payout pays for, by its policy (> 0 only). One
    read of the commons' standing history: a payout is decided rarely."""
    _policy, start = policy_of(state, commons_id, effect)
    before = None if start is None else add_days(start, -1)
    at_end: dict[str, tuple[str, int]] = {}
    at_start: dict[str, tuple[str, int]] = {}
    for row in state.scan_commons(standing_history, commons_id):
        member, day, points = row["member"], row["day"], int(row["value_points_milli"])
        if day <= effect.end and (member not in at_end or day > at_end[member][0]):
            at_end[member] = (day, points)
        if (
            before is not None
            and day <= before
            and (member not in at_start or day > at_start[member][0])
        ):
            at_start[member] = (day, points)
    found: dict[str, int] = {}
    if before is None:  # what each was paid for before: one read
        state.load_exact(paid_points, [(commons_id, member) for member in at_end])
    for member, (_day, lifetime) in at_end.items():
        if before is not None:
            earned = lifetime - at_start.get(member, ("", 0))[1]
        else:
            held = state.get(paid_points, (commons_id, member))
            earned = lifetime - (0 if held is None else int(held["points_milli"]))
        if earned > 0:
            found[member] = earned
    return found


def execute_payout(state: State, row: Row, at: str, seq: int) -> str:
    """Carry a decided payout out: its lines, its transaction, the points it paid for. ''
    when done, else why it failed (nothing moved). Never raises: it runs inside a close or
    before an unrelated entry, which must not be refused for it."""
    try:
        return _execute(state, row, at, seq)
    except (CommonworkError, ValueError) as refused:
        return refused.detail if isinstance(refused, CommonworkError) else str(refused)


def _execute(state: State, row: Row, at: str, seq: int) -> str:
    commons_id, payout_id = row["commons_id"], row["proposal_id"]
    effect = PayoutEffect.model_validate(orjson.loads(row["effect"]), strict=True)
    economy = economy_of(orjson.loads(commons_row(state, commons_id)["charter"]))
    infrastructure = effect.amount_minor * economy.infrastructure_bp // 10_000
    upstream = 0  # taken when the money for an artifact came in (see the module's doc)
    rest = effect.amount_minor - infrastructure - upstream
    check_catch_up(state, commons_id, effect)
    points = points_by_member(state, commons_id, effect)
    if rest and not points:
        return "nobody earned value points in that period: there is nothing to pay by"
    shares = largest_remainder(rest, sorted(points.items())) if points else []
    lines = [Line("treasury", effect.currency, -effect.amount_minor)]
    if infrastructure:
        lines.append(Line("reserve", effect.currency, infrastructure))
    lines += [
        Line(f"payable:{share.recipient}", effect.currency, share.amount)
        for share in shares
        if share.amount
    ]
    check_lines(state, commons_id, lines)  # raises what the caller records
    why: dict[str, Any] = {
        "decision": payout_id,
        "purpose": "payout",
        "policy": policy_of(state, commons_id, effect)[0],
        "end": effect.end,
        "infrastructure_bp": economy.infrastructure_bp,
    }
    if effect.start is not None:
        why["start"] = effect.start
    post(
        state,
        commons_id,
        f"{payout_id}:payout",
        seq=seq,
        at=at,
        kind="payout",
        memo=f"payout by value points up to {effect.end}",
        by=payout_id,
        lines=lines,
        why=why,
    )
    marks = state.get(payout_marks, (commons_id,))
    if marks is None or marks["paid_through"] < effect.end:
        state.put(payout_marks, {"commons_id": commons_id, "paid_through": effect.end})
    base = {"commons_id": commons_id, "payout_id": payout_id}
    state.insert(
        payout_lines,
        {**base, "recipient": "reserve", "points_milli": 0, "amount_minor": infrastructure,
         "exact": f"{effect.amount_minor * economy.infrastructure_bp}/10000",
         "rounded_up": 0},
    )  # fmt: skip
    state.load_exact(paid_points, [(commons_id, share.recipient) for share in shares])
    for share in shares:
        state.insert(
            payout_lines,
            {
                **base,
                "recipient": share.recipient,
                "points_milli": share.weight,
                "amount_minor": share.amount,
                "exact": f"{rest * share.weight}/{share.total}",
                "rounded_up": int(share.rounded_up),
            },
        )
        held = state.get(paid_points, (commons_id, share.recipient))
        already = 0 if held is None else int(held["points_milli"])
        state.put(
            paid_points,
            {
                "commons_id": commons_id,
                "member": share.recipient,
                "points_milli": already + share.weight,
                "last_payout": payout_id,
            },
        )
    return ""
