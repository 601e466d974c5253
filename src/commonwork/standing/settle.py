"""Day settlement, inside the journal's fold (DESIGN §3.1b; docs/design/standing.md).

A UTC day of journal time is the unit. When the first entry of a new day is folded — on append,
import, rebuild and verify alike — every finished day since the commons' checkpoint is settled,
in order, and the checkpoint moves to the entry's day. Settling day ``d`` reads only the journal
prefix (every entry of ``d`` is in it, since a later day has begun) and writes projected rows:

1. the contributions on ``d``'s agenda are taken in journal order: those whose approvals reached
   the threshold on ``d`` or that a weighted dispute holds, and those due for lazy acceptance on
   ``d``. What each validation weighs was fixed as it was recorded, from settled days only
   (commonwork.standing.weigh: the validator's standing as of the start of ``d``, the cap, the
   minimum, reciprocity), so here only sums are read: a pending contribution with a weighted
   dispute is held for arbitration (status ``disputed``); one whose summed weight reaches
   ``threshold`` is accepted on ``d``; one due for lazy acceptance is accepted when every
   author's standing is at least ``lazy_minimum``;
2. each accepted contribution carries ``min(quantity * kind weight * skill multiplier, cap)``
   value points at the quantity the counted validations settle on (weighted lower median), split
   among its authors by share (largest remainder); the kind's standing weight of each credit is
   added to the author's standing; a linked task closes.

A contribution is read and marked in its ``contribution_status`` row (keyed by its record's
seq, like the agenda: the day's work sits together); a member's credits of the day are listed in
their ``standing_history`` row of the day. A busy day writes a row per contribution decided and
two per member credited, all of them narrow.

Everything is an integer (milli-points); decay is decay.py's exact table. Settled days are final:
no later entry changes them. Read "now", the same functions run on a throwaway overlay for the days
not settled yet (services.standing): the provisional view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import lru_cache

import orjson

from commonwork.commons.actions import charter_takes_effect
from commonwork.commons.charter_policies import ENGINE_VERSION, charter_policies
from commonwork.commons.policy import Policies
from commonwork.commons.tables import charter_versions, commons
from commonwork.errors import InvalidAction, NotSettledYet
from commonwork.journal.area import SettleDay
from commonwork.journal.projection import Row, State
from commonwork.production.contribution_bodies import row_shares
from commonwork.production.tables import contribution_status, settle_agenda, tasks, validations
from commonwork.standing.decay import decayed
from commonwork.standing.tables import member_standing, settlements, standing_history

MILLI = 1000


@lru_cache(maxsize=65536)
def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


@lru_cache(maxsize=65536)
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
    checkpoint = {"commons_id": commons_id, "next_day": day, "engine": engine}
    state.put(settlements, {**checkpoint, "pending_charter": None})
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
    credits: list[list[int]] | None = None,
    *,
    new: bool = False,
) -> None:
    """``credits``: what each contribution accepted on ``day`` credited the member, as
    ``[seq, points, standing]`` in journal order (``standing_history.credits``). ``new``: the
    member's standing last changed before ``day``, so no row of ``day`` exists (history rows are
    written exactly when the standing changes)."""
    (state.insert if new else state.put)(
        standing_history,
        {
            "commons_id": commons_id,
            "member": member,
            "day": day,
            "amount_milli": amount,
            "value_points_milli": points,
            "credits": None if credits is None else orjson.dumps(credits).decode(),
        },
    )


def settle_acceptance(state: State, commons_id: str, day: str) -> None:
    """The acceptance phase of settling ``day``: decide the agenda (accept, hold), close tasks."""
    policies = policies_in_force(state, commons_id)
    if policies is not None:
        Day(state, commons_id, policies, day).decide_day()


def settle_points(state: State, commons_id: str, day: str) -> None:
    """The points phase of settling ``day``: credit the authors of the work accepted on it."""
    policies = policies_in_force(state, commons_id)
    if policies is not None:
        Day(state, commons_id, policies, day).credit_day()


#: The standing area's part of settling a day, in order (the whole of it, without other areas).
STEPS: tuple[SettleDay, ...] = (settle_acceptance, settle_points)


def settle_until(
    state: State, commons_id: str, day: str, steps: Sequence[SettleDay] = STEPS
) -> None:
    """Settle every day from the checkpoint up to (not including) ``day`` with ``steps`` (in the
    fold: every installed area's, in phase order; by default the standing area's own)."""
    checkpoint = state.get(settlements, (commons_id,))
    if checkpoint is None:
        if policies_in_force(state, commons_id) is not None:
            raise NotSettledYet(
                "this commons' charter sets policies, but this node holds no settlement of its "
                "journal (it was upgraded from a release that settled differently): nothing can "
                "be appended until `commonwork rebuild` has replayed it once"
            )
        return
    if checkpoint["next_day"] >= day:
        return
    checkpoint = dict(checkpoint)
    current = checkpoint["next_day"]
    while current < day:
        _charter_on(state, checkpoint, current)
        for step in steps:
            step(state, commons_id, current)
        current = add_days(current, 1)
    _charter_on(state, checkpoint, day)  # a version may take effect on the entry's own day
    state.put(settlements, {**checkpoint, "next_day": day})


def schedule_charter(state: State, commons_id: str, seq: int, recorded_at: str, text: str) -> str:
    """Set a new version of the charter by the entry ``seq`` (an amendment a decision passed):
    it takes effect at the next day boundary and applies forward only — the day of the entry
    and every day before it are settled under the version in force then. The day it governs
    from. A later version set on the same day replaces it before it takes effect."""
    checkpoint = state.get(settlements, (commons_id,))
    if checkpoint is None:
        raise InvalidAction("only a commons under a settlement engine keeps charter versions")
    effective = add_days(recorded_at[:10], 1)
    row = {"commons_id": commons_id, "seq": seq, "charter": text}
    state.put(charter_versions, {**row, "recorded_at": recorded_at, "effective_on": effective})
    state.put(settlements, {**checkpoint, "pending_charter": seq})
    return effective


def _charter_on(state: State, checkpoint: Row, day: str) -> None:
    """Put the pending charter version in force if ``day`` is the day it governs from."""
    pending = checkpoint.get("pending_charter")
    if pending is None:
        return
    version = state.get(charter_versions, (checkpoint["commons_id"], pending))
    if version is None or version["effective_on"] > day:
        return
    charter_takes_effect(state, checkpoint["commons_id"], version["charter"])
    checkpoint["pending_charter"] = None


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
    _ratios: dict[tuple[str, str | None], tuple[int, int]] = field(default_factory=dict)
    _weights: dict[str, tuple[int, int]] = field(default_factory=dict)

    def standing(self, member: str) -> int:
        if member not in self._standing:
            half_life = self.policies.standing.half_life_days
            self._standing[member] = standing_at(
                self.state, self.commons_id, member, self.day, half_life
            )
        return self._standing[member]

    def decide_day(self) -> None:
        """Decide the day's agenda in journal order: accepted work marked with its quantity and
        points, held work marked held, linked tasks closed."""
        self.decide_only(self._live())

    def credit_day(self) -> None:
        """Credit the authors of the work the day accepted, in journal order."""
        rows = [self.state.get(contribution_status, (self.commons_id, s)) for s in self._live()]
        accepted = [
            row
            for row in rows
            if row is not None and row["status"] == "accepted" and row["accepted_on"] == self.day
        ]
        if accepted:
            self.credit_only(accepted)

    def _live(self) -> list[int]:
        """The contributions (by seq) on the day's agenda that are not moot, in journal order."""
        agenda = self.state.scan(settle_agenda, (self.commons_id, self.day))
        return [a["seq"] for a in agenda if a["why"] != "moot"]

    def decide_only(self, seqs: list[int]) -> None:
        """What settling the day decides for these contributions (by their record's seq) alone —
        acceptance, quantity, points, task closing — without the members' credits (which
        depend on every contribution of the day). Exact for them: each is decided from its own
        row."""
        accepted = self._decide_all(seqs)
        adjusted = [
            (self.commons_id, row["contribution_id"])
            for row in accepted
            if row["adjust_weight_milli"]
        ]
        self.state.preload(validations, adjusted)  # their quantity is the validations' median
        for row in accepted:
            Credit(self, row).mark()

    def credit_only(self, accepted: list[Row], members: set[str] | None = None) -> None:
        """The members' credits of contributions already decided and marked accepted today (in
        journal order, as ``settle`` gives them): the other half of ``decide_only``. With
        ``members``, only theirs: a member's credits depend on their own contributions only.
        Each member's standing row is kept here as it grows, and put once with the day's history
        row, which lists the day's credits."""
        self._preload_people(accepted)
        credited: dict[str, Row] = {}  # the standing rows as they become
        credits: dict[str, list[list[int]]] = {}  # [seq, points, standing] by member
        new_today: dict[str, bool] = {}  # whether the member's standing last changed before
        for row in sorted(accepted, key=_seq):
            for member, credit in split(int(row["points_milli"]), authors(row)):
                if members is not None and member not in members:
                    continue
                current = credited.get(member)
                if current is None:
                    current = credited[member] = self._opening(member, new_today)
                    credits[member] = []
                credits[member].append(self._credit(current, row, credit))
        for member, current in credited.items():
            self.state.put(member_standing, current)
            amount, points = current["amount_milli"], current["value_points_milli"]
            _history(
                self.state,
                self.commons_id,
                member,
                self.day,
                amount,
                points,
                credits[member],
                new=new_today[member],
            )

    def _decide_all(self, seqs: list[int]) -> list[Row]:
        """Decide these contributions in journal order; those accepted today (as they stand:
        ``Credit.mark`` puts them marked). Held work is marked so. The weights were set as the
        validations were recorded (commonwork.standing.weigh)."""
        state, commons_id, day = self.state, self.commons_id, self.day
        keys = [(commons_id, seq) for seq in sorted(seqs)]
        state.preload(contribution_status, keys)
        rows = [state.get(contribution_status, key) for key in keys]
        live = [row for row in rows if row is not None]
        lazy = [row for row in live if row["lazy_on"] == day and row["status"] == "pending"]
        self._preload_people(lazy)
        threshold = ceil_milli(self.policies.validation.threshold)
        accepted = []
        for row in live:
            if row["status"] != "pending":
                continue
            if row["dispute_weight_milli"] > 0:
                state.put(contribution_status, {**row, "status": "disputed"})
            elif row["weight_milli"] >= threshold or self._lazy(row) or self._evidenced(row):
                accepted.append(row)
        return accepted

    def _evidenced(self, row: Row) -> bool:
        """Accepted on the evidence of the entry that recorded it, without approvals: the use of
        a lent resource, recorded by its check-in (commonwork.resources.custody), which puts it
        on its day's agenda as ``evidence``."""
        if row["kind"] != "resource_use" or row["corrections"]:
            return False  # a corrected quantity is the lender's word, not the check-in's
        agenda = self.state.get(settle_agenda, (self.commons_id, self.day, row["seq"]))
        return agenda is not None and agenda["why"] == "evidence"

    def _preload_people(self, rows: list[Row]) -> None:
        """The standing rows of these contributions' authors, in a few queries."""
        people = {member for row in rows for member, _ in authors(row)}
        self.state.preload(member_standing, [(self.commons_id, person) for person in people])

    def _lazy(self, row: Row) -> bool:
        """Due today, not held (held rows never get here), every author standing high enough."""
        if row["lazy_on"] != self.day:
            return False
        minimum = milli(self.policies.validation.lazy_minimum)
        return all(self.standing(member) >= minimum for member, _ in authors(row))

    def points(self, kind: str, skill: str | None, quantity: int) -> int:
        """What accepted work of this kind and skill carries at ``quantity`` (milli-units)."""
        ratio = self._ratios.get((kind, skill))
        if ratio is None:
            value = self.policies.value
            numerator, denominator = _ratio(value.kinds.get(kind, Decimal(0)))
            if skill:
                multiplier = _ratio(value.skills.get(skill, Decimal(1)))
                numerator, denominator = numerator * multiplier[0], denominator * multiplier[1]
            ratio = self._ratios[(kind, skill)] = (numerator, denominator)
        return min(quantity * ratio[0] // ratio[1], milli(self.policies.value.cap_per_contribution))

    def _opening(self, member: str, new_today: dict[str, bool]) -> Row:
        """The member's standing row as today's credits start from: decayed to today, in
        today's month."""
        day = self.day
        row = self.state.get(member_standing, (self.commons_id, member))
        current = dict(row) if row is not None else _standing_row(self.commons_id, member, 0, day)
        new_today[member] = row is not None and row["day"] < day
        if current["month"] != day[:7]:
            current.update(month=day[:7], month_points_milli=0)
        half_life = self.policies.standing.half_life_days
        current["amount_milli"] = decayed(
            current["amount_milli"], days_between(current["day"], day), half_life
        )
        current["day"] = day
        return current

    def _credit(self, current: Row, contribution: Row, credit: int) -> list[int]:
        """Credit the member whose standing row is ``current`` with ``credit`` value points of
        ``contribution`` (within the monthly cap, if any) and the standing its kind weighs:
        ``[seq, points, standing]`` credited, as the day's history row lists them."""
        value = self.policies.value
        cap = value.per_member_per_month
        if cap is not None:
            credit = max(0, min(credit, cap * MILLI - current["month_points_milli"]))
        weight = self._weights.get(contribution["kind"])
        if weight is None:
            weight = self._weights[contribution["kind"]] = _ratio(
                value.standing_weight(contribution["kind"])
            )
        gained = credit * weight[0] // weight[1]  # rounded down: credits are not negative
        current["amount_milli"] += gained
        current["value_points_milli"] += credit
        current["month_points_milli"] += credit
        return [contribution["seq"], credit, gained]


def _seq(row: Row) -> int:
    seq: int = row["seq"]
    return seq


@lru_cache(maxsize=1024)
def _ratio(value: Decimal) -> tuple[int, int]:
    """A decimal weight as an exact fraction (numerator, denominator)."""
    fraction = Fraction(value)
    return fraction.numerator, fraction.denominator


@lru_cache(maxsize=1024)
def ceil_milli(value: Decimal) -> int:
    """A decimal as whole thousandths, rounded up."""
    return -milli(-value)


def authors(row: Row) -> tuple[tuple[str, Decimal], ...]:
    """The contribution's authors with their shares (the recorder's: 1 minus the co-authors'),
    by did, as its ``contribution_shares`` rows hold them."""
    return _by_did(row["contributor"], row["co_authors"])


@lru_cache(maxsize=4096)
def _by_did(contributor: str, co_authors: str | None) -> tuple[tuple[str, Decimal], ...]:
    return tuple(sorted(row_shares(contributor, co_authors)))


@dataclass
class Credit:
    """What an accepted contribution carries."""

    day: Day
    row: Row

    def mark(self) -> int:
        """The contribution accepted today at its settled quantity, its task closed; its points.
        Nothing here depends on another contribution of the day (the credits do)."""
        state, day = self.day.state, self.day.day
        claimed = milli(self.row["quantity"])
        quantity = self._quantity(claimed)
        points = self.day.points(self.row["kind"], self.row["skill"], quantity)
        row = {**self.row, "status": "accepted", "accepted_on": day, "points_milli": points}
        if quantity != claimed:
            row["accepted_quantity"] = milli_text(quantity)
        state.put(contribution_status, row)
        if row["task"] is not None:
            close_task(state, row, day)
        return points

    def _quantity(self, claimed: int) -> int:
        """The claimed quantity, or the weighted lower median of the counted validations'."""
        if not self.row["adjust_weight_milli"]:
            return claimed  # no adjustment with weight: the median is the claimed quantity
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


def split(points: int, shares: Sequence[tuple[str, Decimal]]) -> list[tuple[str, int]]:
    """``points`` split by share, rounded down, the rest one each to the largest remainders (ties:
    the lower did), so that the parts sum exactly to ``points``."""
    if len(shares) == 1:  # one author (most work): the share is 1
        return [(shares[0][0], points)]
    parts: dict[str, int] = {}
    remainders: list[tuple[Fraction, str]] = []
    for member, share in shares:  # points and shares are not negative: floor is truncation
        numerator, denominator = _ratio(share)
        parts[member], rest = divmod(points * numerator, denominator)
        remainders.append((Fraction(rest, denominator), member))
    left = points - sum(parts.values())
    by_remainder = sorted(remainders, key=lambda item: (-item[0], item[1]))
    for _, member in by_remainder[: max(left, 0)]:
        parts[member] += 1
    return sorted(parts.items())


def close_task(state: State, contribution: Row, day: str) -> None:
    task = state.get(tasks, (contribution["commons_id"], contribution["task"]))
    if task is not None and task["status"] == "open":
        closed = {"status": "closed", "closed_at": f"{day}T23:59:59.999Z"}
        state.put(tasks, {**task, **closed, "closed_by": contribution["contribution_id"]})


def milli_text(value: int) -> str:
    text = format(Decimal(value).scaleb(-3), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
