"""Value points in exact integer arithmetic (milli-points): the value equation, the split among
authors by share (largest remainder), and the optional cap per member per calendar month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonwork.commons.policy import ValuePolicy
from commonwork.standing.ledger import Ledger

INT64_MAX = (1 << 63) - 1


def _pair_table(ledger: Ledger, value: ValuePolicy) -> tuple[list[int], list[int], list[int]]:
    """Per (kind, skill or none) pair: the multiplier as num/den, and the saturating quantity."""
    cap_milli = int(value.cap_per_contribution * 1000)
    nums: list[int] = []
    dens: list[int] = []
    saturating: list[int] = []
    for kind in ledger.kind_names:
        weight = value.kinds.get(kind, Decimal(0))
        for skill in (None, *ledger.skill_names):
            multiplier = value.skills.get(skill, Decimal(1)) if skill is not None else Decimal(1)
            ratio = Fraction(weight) * Fraction(multiplier)
            num, den = ratio.numerator, ratio.denominator
            nums.append(num)
            dens.append(den)
            # the smallest quantity_milli whose points reach the cap (huge when weight is 0)
            saturating.append(-(-cap_milli * den // num) if num else INT64_MAX)
    return nums, dens, saturating


def contribution_points(
    ledger: Ledger,
    value: ValuePolicy,
    rows: NDArray[Any] | None = None,
    quantity_milli: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """``min(quantity * kind weight * skill multiplier, cap)`` in milli-points, rounded down,
    for the contributions ``rows`` (all when None), at their claimed quantities or, when given,
    at ``quantity_milli`` (one per row: the quantities validators' adjustments settled on)."""
    nums, dens, saturating = _pair_table(ledger, value)
    cap_milli = int(value.cap_per_contribution * 1000)
    index = slice(None) if rows is None else rows
    pair = ledger.kind[index].astype(np.int64) * (len(ledger.skill_names) + 1)
    pair += ledger.skill[index] + 1
    claimed = ledger.quantity_milli[index] if quantity_milli is None else quantity_milli
    quantity = np.minimum(claimed, np.asarray(saturating, np.int64)[pair])
    # quantity < saturating, so quantity * num < saturating * num: int64 when that fits
    if all(s * n <= INT64_MAX for s, n in zip(saturating, nums, strict=True)):
        num = np.asarray(nums, np.int64)
        den = np.asarray(dens, np.int64)
        raw = quantity * num[pair] // den[pair]
    else:  # exotic weights: exact Python integers, still one vectorised pass
        num_o = np.asarray(nums, dtype=object)
        den_o = np.asarray(dens, dtype=object)
        raw = (quantity.astype(object) * num_o[pair] // den_o[pair]).astype(np.int64)
    points: NDArray[np.int64] = np.minimum(raw, cap_milli).astype(np.int64, copy=False)
    return points


def split_by_share(
    points: NDArray[np.int64],
    owner: NDArray[np.int64],
    shares: NDArray[np.int64],
    members: NDArray[np.int32],
    scale: int = 1000,
) -> NDArray[np.int64]:
    """Each author's milli-points of ``points[owner]``: ``points * share / scale`` rounded down, and
    the milli-points left over go one each to the largest remainders (ties: lower member index),
    so that every contribution's parts sum exactly to its points."""
    if not len(owner):
        return np.zeros(0, np.int64)
    exact = points[owner] * shares
    base = exact // scale
    remainder = exact % scale
    lengths = np.bincount(owner, minlength=len(points))
    starts = np.cumsum(lengths) - lengths
    leftover = points - np.add.reduceat(base, starts)
    order = np.lexsort((members, -remainder, owner))
    rank = np.arange(len(order)) - starts[owner[order]]
    bonus = np.zeros(len(owner), np.int64)
    bonus[order] = rank < leftover[owner[order]]
    return (base + bonus).astype(np.int64, copy=False)


def cap_per_month(
    members: NDArray[np.int32],
    credits: NDArray[np.int64],
    used: NDArray[np.int64],
    cap_milli: int,
) -> NDArray[np.int64]:
    """The part of each credit that fits under the member's monthly cap, given ``used`` this month;
    credits of one member are taken in the order given. Updates ``used`` in place."""
    if not len(members):
        return credits
    order = np.argsort(members, kind="stable")
    who = members[order]
    amount = credits[order]
    total = np.cumsum(amount)
    new_member = np.ones(len(who), bool)
    new_member[1:] = who[1:] != who[:-1]
    segment_start = np.maximum.accumulate(np.where(new_member, np.arange(len(who)), 0))
    before_segment = total[segment_start] - amount[segment_start]
    before = used[who] + (total - amount - before_segment)
    granted = np.clip(cap_milli - before, 0, amount)
    out = np.empty_like(credits)
    out[order] = granted
    np.add.at(used, who, granted)
    return out


def month_of(genesis: date, day: int) -> int:
    """The calendar month (year * 12 + month - 1) of ``day`` days after ``genesis``."""
    month = (np.datetime64(genesis, "D") + np.timedelta64(day, "D")).astype("datetime64[M]")
    return int(month.astype(np.int64))
