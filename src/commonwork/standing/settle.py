"""Day settlement, inside the journal's fold (DESIGN §3.1b; docs/design/standing.md).

A UTC day of journal time is the unit. When the first entry of a new day is folded — on append,
import, rebuild and verify alike — every finished day since the commons' checkpoint is settled,
in order, and the checkpoint moves to the entry's day. Settling day ``d`` reads only the journal
prefix (every entry of ``d`` is in it, since a later day has begun) and writes projected rows:

1. the contributions on ``d``'s agenda (recorded, corrected or validated on ``d``, or due for
   lazy acceptance on ``d``) are taken in journal order; validations of their current version
   recorded on ``d`` weigh the validator's standing as of the *start* of ``d``: a dispute by a
   member at or above ``validator_minimum`` holds the contribution for arbitration (status
   ``disputed``), a dispute by anyone else is a concern that does not block; an approval (or an
   adjustment) weighs ``min(standing, validator_cap)``, times ``reciprocity_discount`` when the
   contributor approved the validator's work within ``reciprocity_days``, or 0 below
   ``validator_minimum``;
2. a pending contribution whose summed weight reaches ``threshold`` is accepted on ``d``; one due
   for lazy acceptance is accepted when every author's standing is at least ``lazy_minimum``;
3. each accepted contribution carries ``min(quantity * kind weight * skill multiplier, cap)``
   value points at the quantity the counted validations settle on (weighted lower median), split
   among its authors by share (largest remainder); the kind's standing weight of each credit is
   added to the author's standing; a linked task closes.

Everything is an integer (milli-points); decay is decay.py's exact table. Settled days are final:
no later entry changes them. Read "now", the same functions run on a throwaway overlay for the days
not settled yet (services.standing): the provisional view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import lru_cache

import orjson

from commonwork.commons.charter_policies import ENGINE_VERSION, charter_policies
from commonwork.commons.policy import Policies
from commonwork.commons.tables import commons
from commonwork.journal.projection import Row, State
from commonwork.production.tables import (
    contribution_shares,
    contributions,
    settle_agenda,
    tasks,
    validations,
)
from commonwork.standing.decay import decayed
from commonwork.standing.tables import (
    approval_pairs,
    member_standing,
    settlements,
    standing_credits,
    standing_history,
)

MILLI = 1000


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


@lru_cache(maxsize=65536)
def milli(value: Decimal | str) -> int:
    """A decimal as whole thousandths, rounded down."""
    return int((Decimal(value) * MILLI).to_integral_value(rounding=ROUND_FLOOR))


@lru_cache(maxsize=256)
def _policies_of(charter_text: str, founder: str) -> Policies | None:
    return charter_policies(orjson.loads(charter_text), founder)


def policies_in_force(state: State, commons_id: str) -> Policies | None:
    """The policies of the charter in force (None: the provisional one-approval rule)."""
    row = state.get(commons, (commons_id,))
    if row is None:
        return None
    return _policies_of(row["charter"], row["founder"])


def begin(state: State, commons_id: str, recorded_at: str) -> None:
    """At the genesis: the checkpoint and the founders' seeds, if the charter has an engine."""
    policies = policies_in_force(state, commons_id)
    if policies is None:
        return
    day = recorded_at[:10]
    row = state.get(commons, (commons_id,))
    engine = orjson.loads(row["charter"]).get("engine", ENGINE_VERSION) if row else ENGINE_VERSION
    state.put(settlements, {"commons_id": commons_id, "next_day": day, "engine": engine})
    for member, seed in sorted(policies.standing.founders.items(), key=lambda item: str(item[0])):
        amount = int(seed) * MILLI
        state.put(member_standing, _standing_row(commons_id, str(member), amount, day, amount))
        _history(state, commons_id, str(member), day, amount, 0)


def _standing_row(commons_id: str, member: str, amount: int, day: str, seed: int = 0) -> Row:
    return {
        "commons_id": commons_id,
        "member": member,
        "seed_milli": seed,
        "amount_milli": amount,
        "day": day,
        "value_points_milli": 0,
        "month": day[:7],
        "month_points_milli": 0,
    }


def _history(
    state: State,
    commons_id: str,
    member: str,
    day: str,
    amount: int,
    points: int,
    *,
    new: bool = False,
) -> None:
    """``new``: the member's standing last changed before ``day``, so no row of ``day`` exists
    (history rows are written exactly when the standing changes)."""
    (state.insert if new else state.put)(
        standing_history,
        {
            "commons_id": commons_id,
            "member": member,
            "day": day,
            "amount_milli": amount,
            "value_points_milli": points,
        },
    )


def settle_until(state: State, commons_id: str, day: str) -> None:
    """Settle every day from the checkpoint up to (not including) ``day``."""
    checkpoint = state.get(settlements, (commons_id,))
    if checkpoint is None or checkpoint["next_day"] >= day:
        return
    policies = policies_in_force(state, commons_id)
    if policies is None:
        return
    current = checkpoint["next_day"]
    while current < day:
        Day(state, commons_id, policies, current).settle()
        current = add_days(current, 1)
    state.put(settlements, {**checkpoint, "next_day": day})


def standing_at(state: State, commons_id: str, member: str, day: str, half_life: int) -> int:
    """A member's standing in milli-points as of the start of ``day`` (settled days only)."""
    row = state.get(member_standing, (commons_id, member))
    if row is None:
        return 0
    return decayed(int(row["amount_milli"]), days_between(row["day"], day), half_life)


@dataclass
class Day:
    """The settlement of one day."""

    state: State
    commons_id: str
    policies: Policies
    day: str
    _standing: dict[str, int] = field(default_factory=dict)
    _approvals: list[tuple[str, str]] = field(default_factory=list)

    def standing(self, member: str) -> int:
        if member not in self._standing:
            half_life = self.policies.standing.half_life_days
            self._standing[member] = standing_at(
                self.state, self.commons_id, member, self.day, half_life
            )
        return self._standing[member]

    def settle(self) -> None:
        agenda = self.state.scan(settle_agenda, (self.commons_id, self.day))
        if not agenda:
            return
        self._preload([a["contribution_id"] for a in agenda])
        rows = [
            self.state.get(contributions, (self.commons_id, a["contribution_id"])) for a in agenda
        ]
        live = sorted((row for row in rows if row is not None), key=lambda row: row["seq"])
        accepted = [row for row in (self._decide(dict(row)) for row in live) if row is not None]
        for approver, author in self._approvals:
            key = {"commons_id": self.commons_id, "approver": approver, "author": author}
            self.state.put(approval_pairs, {**key, "day": self.day})
        for row in accepted:
            Credit(self, row).apply()

    def decide_only(self, ids: list[str]) -> None:
        """What settling the day decides for these contributions alone — acceptance, weights,
        quantity, points, task closing — without the members' credits (which depend on every
        contribution of the day). Exact for them: each is decided from settled state only."""
        self._preload(ids)
        rows = [self.state.get(contributions, (self.commons_id, cid)) for cid in ids]
        for row in sorted((row for row in rows if row is not None), key=lambda row: row["seq"]):
            accepted = self._decide(dict(row))
            if accepted is not None:
                Credit(self, accepted).mark()

    def credit_only(self, accepted: list[Row]) -> None:
        """The members' credits of contributions already decided and marked accepted today (in
        journal order, as ``settle`` gives them): the other half of ``decide_only``."""
        state, commons_id = self.state, self.commons_id
        ids = [row["contribution_id"] for row in accepted]
        state.preload(contribution_shares, [(commons_id, cid) for cid in ids])
        people = {row["contributor"] for row in accepted}
        for cid in ids:
            people.update(s["member"] for s in state.scan(contribution_shares, (commons_id, cid)))
        state.preload(member_standing, [(commons_id, person) for person in people])
        for row in sorted(accepted, key=lambda row: row["seq"]):
            Credit(self, row).credit_members(int(row["points_milli"]))

    def _preload(self, ids: list[str]) -> None:
        """Load what the day will read with a few queries instead of a few per contribution:
        the contributions, their validations and shares, then the people involved."""
        state, commons_id = self.state, self.commons_id
        state.preload(contributions, [(commons_id, cid) for cid in ids])
        pending = []  # only pending work is decided: settled work returns at once
        for contribution_id in ids:
            row = state.get(contributions, (commons_id, contribution_id))
            if row is not None and row["status"] == "pending":
                pending.append(contribution_id)
        prefixes = [(commons_id, contribution_id) for contribution_id in pending]
        for table in (validations, contribution_shares):
            state.preload(table, prefixes)
        people: set[str] = set()
        pairs: set[tuple[str, str, str]] = set()  # (commons, contributor, validator)
        for contribution_id in pending:
            row = state.get(contributions, (commons_id, contribution_id))
            key = (commons_id, contribution_id)
            validators = {v["validator"] for v in state.scan(validations, key)}
            people.update(validators)
            people.update(s["member"] for s in state.scan(contribution_shares, key))
            if row is not None:
                people.add(row["contributor"])
                pairs.update((commons_id, row["contributor"], who) for who in validators)
        state.preload(member_standing, [(commons_id, person) for person in people])
        state.load_exact(approval_pairs, pairs)

    def _decide(self, row: Row) -> Row | None:
        """Weigh the day's validations of one contribution; the row if it is accepted today."""
        if row["status"] != "pending":
            return None
        rules = self.policies.validation
        changed = (row["corrected_at"] or row["recorded_at"])[:10]
        if changed == self.day:  # recorded or corrected today: when lazy acceptance is checked
            row["lazy_on"] = add_days(self.day, rules.challenge_days)
            self._agenda(row["contribution_id"], row["lazy_on"])
        held = self._weigh(row)
        if held:
            row["status"] = "disputed"
        elif row["weight_milli"] >= _ceil_milli(rules.threshold) or self._lazy(row):
            self.state.put(contributions, row)
            return row
        self.state.put(contributions, row)
        return None

    def _agenda(self, contribution_id: str, day: str) -> None:
        key = {"commons_id": self.commons_id, "day": day, "contribution_id": contribution_id}
        self.state.put(settle_agenda, {**key, "why": "lazy"})

    def _weigh(self, row: Row) -> bool:
        """Add today's approvals' weights to the row; True when a weighted dispute holds it."""
        rules = self.policies.validation
        minimum, cap = milli(rules.validator_minimum), milli(rules.validator_cap)
        held = False
        found = self.state.scan(validations, (self.commons_id, row["contribution_id"]))
        today = [
            v
            for v in found
            if v["version"] == row["corrections"] and v["recorded_at"][:10] == self.day
        ]
        for validation in sorted(today, key=lambda v: v["seq"]):
            standing = self.standing(validation["validator"])
            weight = min(standing, cap) if standing >= minimum else 0
            if validation["verdict"] == "dispute":
                held = held or weight > 0
            else:
                weight = self._reciprocal(row["contributor"], validation["validator"], weight)
                row["weight_milli"] += weight
                self._approvals.append((validation["validator"], row["contributor"]))
            self.state.put(validations, {**validation, "weight_milli": weight})
        return held

    def _reciprocal(self, contributor: str, validator: str, weight: int) -> int:
        """The weight, discounted when the contributor approved the validator's work lately."""
        rules = self.policies.validation
        pair = self.state.get(approval_pairs, (self.commons_id, contributor, validator))
        if (
            weight
            and pair is not None
            and days_between(pair["day"], self.day) <= rules.reciprocity_days
        ):
            discounted = Decimal(weight) * rules.reciprocity_discount
            return int(discounted.to_integral_value(rounding=ROUND_FLOOR))
        return weight

    def _lazy(self, row: Row) -> bool:
        """Due today, not held (held rows never get here), every author standing high enough."""
        if row["lazy_on"] != self.day:
            return False
        minimum = milli(self.policies.validation.lazy_minimum)
        return all(self.standing(member) >= minimum for member, _ in authors(self.state, row))


@lru_cache(maxsize=1024)
def _ratio(value: Decimal) -> tuple[int, int]:
    """A decimal weight as an exact fraction (numerator, denominator)."""
    fraction = Fraction(value)
    return fraction.numerator, fraction.denominator


def _ceil_milli(value: Decimal) -> int:
    return -milli(-value)


def authors(state: State, row: Row) -> list[tuple[str, Decimal]]:
    """The contribution's authors with their shares (the recorder included), by did."""
    shares = state.scan(contribution_shares, (row["commons_id"], row["contribution_id"]))
    found = [
        (share["member"], Decimal(share["share"])) for share in shares if share["share"] != "0"
    ]
    return found or [(row["contributor"], Decimal(1))]


@dataclass
class Credit:
    """What an accepted contribution carries, and to whom."""

    day: Day
    row: Row

    def apply(self) -> None:
        self.credit_members(self.mark())

    def credit_members(self, points: int) -> None:
        for member, credit in split(points, authors(self.day.state, self.row)):
            self._credit(member, credit)

    def mark(self) -> int:
        """The contribution accepted today at its settled quantity, its task closed; its points.
        Nothing here depends on another contribution of the day (the credits do)."""
        state, row, day = self.day.state, self.row, self.day.day
        quantity = self._quantity()
        points = self._points(quantity)
        row.update(status="accepted", accepted_on=day, points_milli=points)
        if quantity != milli(row["quantity"]):
            row["accepted_quantity"] = _milli_text(quantity)
        state.put(contributions, row)
        if row["task"] is not None:
            close_task(state, row, day)
        return points

    def _quantity(self) -> int:
        """The claimed quantity, or the weighted lower median of the counted validations'."""
        claimed = milli(self.row["quantity"])
        key = (self.row["commons_id"], self.row["contribution_id"])
        counted = [
            v
            for v in self.day.state.scan(validations, key)
            if v["version"] == self.row["corrections"]
            and v["verdict"] != "dispute"
            and (v["weight_milli"] or 0) > 0
        ]
        if not any(v["verdict"] == "adjust" for v in counted):
            return claimed
        named = sorted(
            (
                milli(v["quantity"]) if v["verdict"] == "adjust" else claimed,
                v["seq"],
                v["weight_milli"],
            )
            for v in counted
        )
        total = sum(weight for _, _, weight in named)
        running = 0
        for quantity, _, weight in named:
            running += weight
            if 2 * running >= total:
                return quantity
        return claimed

    def _points(self, quantity: int) -> int:
        value = self.day.policies.value
        numerator, denominator = _ratio(value.kinds.get(self.row["kind"], Decimal(0)))
        if self.row["skill"]:
            skill = _ratio(value.skills.get(self.row["skill"], Decimal(1)))
            numerator, denominator = numerator * skill[0], denominator * skill[1]
        return min(quantity * numerator // denominator, milli(value.cap_per_contribution))

    def _credit(self, member: str, credit: int) -> None:
        state, day, commons_id = self.day.state, self.day.day, self.day.commons_id
        policies = self.day.policies
        row = state.get(member_standing, (commons_id, member))
        current = dict(row) if row is not None else _standing_row(commons_id, member, 0, day)
        first_today = row is not None and row["day"] < day
        if current["month"] != day[:7]:
            current.update(month=day[:7], month_points_milli=0)
        cap = policies.value.per_member_per_month
        if cap is not None:
            credit = max(0, min(credit, cap * MILLI - current["month_points_milli"]))
        weight = policies.value.standing_weight(self.row["kind"])
        gained = int((Decimal(credit) * weight).to_integral_value(rounding=ROUND_FLOOR))
        half_life = policies.standing.half_life_days
        amount = decayed(current["amount_milli"], days_between(current["day"], day), half_life)
        current.update(
            amount_milli=amount + gained,
            day=day,
            value_points_milli=current["value_points_milli"] + credit,
            month_points_milli=current["month_points_milli"] + credit,
        )
        state.put(member_standing, current)
        amount, points = current["amount_milli"], current["value_points_milli"]
        _history(state, commons_id, member, day, amount, points, new=first_today)
        state.insert(
            standing_credits,
            {
                "commons_id": commons_id,
                "member": member,
                "contribution_id": self.row["contribution_id"],
                "day": day,
                "points_milli": credit,
                "standing_milli": gained,
            },
        )


def split(points: int, shares: list[tuple[str, Decimal]]) -> list[tuple[str, int]]:
    """``points`` split by share, rounded down, the rest one each to the largest remainders (ties:
    the lower did), so that the parts sum exactly to ``points``."""
    exact = [(member, Fraction(points) * Fraction(share)) for member, share in shares]
    parts = {member: int(value) for member, value in exact}
    left = points - sum(parts.values())
    by_remainder = sorted(exact, key=lambda item: (-(item[1] - int(item[1])), item[0]))
    for member, _ in by_remainder[: max(left, 0)]:
        parts[member] += 1
    return sorted(parts.items())


def close_task(state: State, contribution: Row, day: str) -> None:
    task = state.get(tasks, (contribution["commons_id"], contribution["task"]))
    if task is not None and task["status"] == "open":
        closed = {"status": "closed", "closed_at": f"{day}T23:59:59.999Z"}
        state.put(tasks, {**task, **closed, "closed_by": contribution["contribution_id"]})


def _milli_text(value: int) -> str:
    text = format(Decimal(value).scaleb(-3), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
