"""Acceptance, value points and standing as one fold over days (docs/design/standing.md).

Pure and vectorised: the Python loop runs over the days that have events, never over events; each
day is a handful of numpy operations on that day's validations and the contributions whose
challenge window ends that day.

A day ``d`` is processed as follows. Every weight and every lazy check reads standing as of the
*start* of ``d``, so the outcome does not depend on the order of events within the day:

1. validations of contributions already accepted or disputed, and validations by one of the
   contribution's own authors, are ignored;
2. a dispute marks its contribution disputed (a dispute on the day a contribution would cross the
   threshold wins: it is not accepted);
3. each approval weighs ``min(standing, validator_cap) * reciprocity`` if the validator's standing
   is at least ``validator_minimum``, else 0, counted in millionths rounded down so that sums are
   exact and order-free; a contribution whose summed weight reaches ``threshold`` is accepted;
4. a pending contribution recorded ``challenge_days`` before ``d`` is accepted lazily if every
   author's standing is at least ``lazy_minimum`` (checked on that day only);
5. the day's accepted contributions carry their points (at the quantity adjustments settled on,
   if validators adjusted it: see adjust.py), split among authors (largest remainder) and, with a
   monthly cap, limited per member per calendar month; the credits enter value points and
   standing.

Standing is a float64: it is not money, decays continuously, and is only compared with policy
minima and shown. It is kept as ``scaled`` with ``standing(d) = scaled * 2^((ref_day - d)/h)``, so
that a day costs O(its events) rather than O(members); ``ref_day`` moves forward (rebasing) before
the factors grow large. Value points are exact integers (milli-points) and never decay.

Acceptance is final here: a later dispute does not undo it (arbitration, in governance, would).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonwork.commons.policy import Policies
from commonwork.standing.adjust import Adjustments
from commonwork.standing.ledger import APPROVE, DISPUTE, Ledger, expand
from commonwork.standing.points import (
    cap_per_month,
    contribution_points,
    month_of,
    split_by_share,
)
from commonwork.standing.reciprocity import DAY_MASK, annotate
from commonwork.standing.state import (
    ACCEPTED,
    DISPUTED,
    PENDING,
    DayState,
    Numbers,
    Result,
    Term,
)

MICRO = 1_000_000.0
REBASE_HALF_LIVES = 64  # rebase ``scaled`` before 2^((d - ref)/h) exceeds 2^64

PointsOf = Callable[[NDArray[np.int64]], NDArray[np.int64]]

__all__ = [
    "ACCEPTED",
    "DISPUTED",
    "PENDING",
    "DayState",
    "Ledger",
    "Result",
    "Term",
    "compute",
    "explain",
    "recompute_day",
    "state_at",
]


@dataclass(frozen=True)
class _Day:
    lo: int  # the index of the day's first validation
    contribution: NDArray[np.int32]
    validator: NDArray[np.int32]
    verdict: NDArray[np.int8]
    own: NDArray[np.bool_]
    factor: NDArray[np.float64]
    due: NDArray[np.int64]


def _initial(ledger: Ledger, policies: Policies) -> DayState:
    members, n, entries = ledger.members, ledger.n_contributions, len(ledger.author_idx)
    seed = np.zeros(members, np.int64)
    for member, standing in policies.standing.founders.items():
        if member >= members:
            raise ValueError(f"founder {member} is not a member index (there are {members})")
        seed[member] = standing
    return DayState(
        policies=policies,
        day=0,
        ref_day=0,
        scaled=seed.astype(np.float64),
        seed=seed,
        status=np.zeros(n, np.int8),
        accepted_day=np.full(n, -1, np.int32),
        weight_micro=np.zeros(n, np.float64),
        points_milli=np.zeros(n, np.int64),
        settled_milli=np.full(n, -1, np.int64),
        validation_weight=np.zeros(ledger.n_validations, np.float64),
        author_credit_milli=np.zeros(entries, np.int64),
        value_points_milli=np.zeros(members, np.int64),
        month=-1,
        month_used_milli=np.zeros(members, np.int64),
        approval_keys=np.zeros(0, np.int64),
    )


def _prepare_day(state: DayState, numbers: Numbers, ledger: Ledger, day: int) -> float:
    """Rebase if due and reset the monthly counters; the factor from ``scaled`` to standing."""
    if day - state.ref_day > REBASE_HALF_LIVES * numbers.half_life:
        state.scaled *= np.exp2((state.ref_day - day) / numbers.half_life)
        state.ref_day = day
    if numbers.month_cap_milli is not None:
        month = month_of(ledger.genesis, day)
        if month != state.month:
            state.month = month
            state.month_used_milli[:] = 0
    return float(np.exp2((state.ref_day - day) / numbers.half_life))


def _approve(state: DayState, numbers: Numbers, events: _Day, factor: float) -> NDArray[np.int64]:
    """Steps 1-3: disputes, then the weighted approvals; the contributions they accept (marked
    ACCEPTED, so that the lazy step passes them by)."""
    live = (state.status[events.contribution] == PENDING) & ~events.own
    state.status[events.contribution[live & (events.verdict == DISPUTE)]] = DISPUTED
    live &= (events.verdict == APPROVE) & (state.status[events.contribution] == PENDING)
    if not live.any():
        return np.zeros(0, np.int64)
    standing = state.scaled[events.validator[live]] * factor
    capped = np.minimum(standing, numbers.validator_cap)
    weight = np.where(standing >= numbers.validator_minimum, capped, 0.0) * events.factor[live]
    state.validation_weight[events.lo + np.flatnonzero(live)] = weight
    contribution, position = np.unique(events.contribution[live], return_inverse=True)
    state.weight_micro[contribution] += np.bincount(position, weights=np.floor(weight * MICRO))
    reached = contribution[state.weight_micro[contribution] >= numbers.threshold_micro]
    state.status[reached] = ACCEPTED
    accepted: NDArray[np.int64] = reached.astype(np.int64)
    return accepted


def _lazy(
    state: DayState, numbers: Numbers, ledger: Ledger, due: NDArray[np.int64], factor: float
) -> NDArray[np.int64]:
    """Step 4: the due contributions still pending whose authors all stand high enough."""
    due = due[state.status[due] == PENDING]
    entries, owner = expand(ledger.author_ptr, due)
    standing = state.scaled[ledger.author_idx[entries]] * factor
    low = np.zeros(len(due), bool)
    low[owner[standing < numbers.lazy_minimum]] = True
    kept: NDArray[np.int64] = due[~low]  # named: numpy 2.3's stubs type a masked index as Any
    return kept


def _credit(
    state: DayState,
    numbers: Numbers,
    ledger: Ledger,
    day: int,
    accepted: NDArray[np.int64],
    points_of: PointsOf,
    adjustments: Adjustments,
) -> None:
    """Step 5: points, split, monthly cap, then value points and standing."""
    state.status[accepted] = ACCEPTED
    state.accepted_day[accepted] = day
    points = points_of(accepted)
    hit, settled = adjustments.settle(accepted, state.validation_weight)
    if len(hit):
        rows = accepted[hit]
        state.settled_milli[rows] = settled
        points[hit] = contribution_points(ledger, state.policies.value, rows, settled)
    state.points_milli[accepted] = points
    entries, owner = expand(ledger.author_ptr, accepted)
    members = ledger.author_idx[entries]
    shares = ledger.author_share_milli[entries]
    credits = split_by_share(points, owner, shares, members, ledger.share_scale)
    if numbers.month_cap_milli is not None:
        credits = cap_per_month(members, credits, state.month_used_milli, numbers.month_cap_milli)
    state.author_credit_milli[entries] = credits
    np.add.at(state.value_points_milli, members, credits)
    growth = np.exp2((day - state.ref_day) / numbers.half_life)
    np.add.at(state.scaled, members, credits / 1000.0 * growth)


def _step(
    state: DayState,
    numbers: Numbers,
    ledger: Ledger,
    day: int,
    events: _Day,
    points_of: PointsOf,
    adjustments: Adjustments,
) -> None:
    factor = _prepare_day(state, numbers, ledger, day)
    approved = _approve(state, numbers, events, factor)
    lazy = _lazy(state, numbers, ledger, events.due, factor)
    accepted = np.union1d(approved, lazy).astype(np.int64)
    if len(accepted):
        _credit(state, numbers, ledger, day, accepted, points_of, adjustments)


def _events(ledger: Ledger, lo: int, hi: int, own: Any, factor: Any, due: Any) -> _Day:
    return _Day(
        lo,
        ledger.validation_contribution[lo:hi],
        ledger.validator[lo:hi],
        ledger.verdict[lo:hi],
        own,
        factor,
        due,
    )


def _run(ledger: Ledger, policies: Policies, until: int) -> DayState:
    """The fold over every day before ``until``."""
    ledger.check()
    numbers = Numbers.of(policies)
    state = _initial(ledger, policies)
    notes = annotate(ledger, 0, ledger.n_validations, numbers.reciprocity_days, numbers.discount)
    points = contribution_points(ledger, policies.value)
    vday = ledger.validation_day
    due_day = ledger.contribution_day.astype(np.int64) + numbers.challenge_days
    due_order = np.argsort(due_day, kind="stable")
    due_sorted = due_day[due_order]
    days = np.unique(np.concatenate([vday.astype(np.int64), due_sorted]))
    days = days[days < until]
    adjustments = Adjustments(ledger)
    bounds = zip(
        days.tolist(),
        np.searchsorted(vday, days, "left").tolist(),
        np.searchsorted(vday, days, "right").tolist(),
        np.searchsorted(due_sorted, days, "left").tolist(),
        np.searchsorted(due_sorted, days, "right").tolist(),
        strict=True,
    )
    for day, lo, hi, first, last in bounds:
        own, factor = notes.own[lo:hi], notes.factor[lo:hi]
        events = _events(ledger, lo, hi, own, factor, due_order[first:last])
        _step(state, numbers, ledger, day, events, lambda rows: points[rows], adjustments)
    state.day = until
    state.approval_keys = notes.keys[(notes.keys & DAY_MASK) < until]
    return state


def _finalize(state: DayState, ledger: Ledger, as_of_day: int, with_skills: bool) -> Result:
    half_life = state.policies.standing.half_life_days
    standing = state.scaled * np.exp2((state.ref_day - as_of_day) / half_life)
    skills = _skill_standing(state, ledger, as_of_day) if with_skills else None
    return Result(
        as_of_day=as_of_day,
        half_life_days=half_life,
        status=state.status,
        accepted_day=state.accepted_day,
        points_milli=state.points_milli,
        settled_milli=state.settled_milli,
        validation_weight=state.validation_weight,
        author_credit_milli=state.author_credit_milli,
        value_points_milli=state.value_points_milli,
        standing=standing,
        seed=state.seed,
        skill_standing=skills,
    )


def _skill_standing(state: DayState, ledger: Ledger, as_of_day: int) -> NDArray[np.float64]:
    """Per member and skill: Σ credited points * decay over accepted contributions of the skill."""
    count = len(ledger.skill_names)
    owner = np.repeat(np.arange(ledger.n_contributions), np.diff(ledger.author_ptr))
    skill = ledger.skill[owner]
    keep = (state.status[owner] == ACCEPTED) & (skill >= 0)
    decay = np.exp2(
        (state.accepted_day[owner[keep]] - as_of_day) / state.policies.standing.half_life_days
    )
    values = state.author_credit_milli[keep] / 1000.0 * decay
    flat = ledger.author_idx[keep].astype(np.int64) * count + skill[keep]
    table = np.bincount(flat, weights=values, minlength=ledger.members * count)
    return table.astype(np.float64).reshape(ledger.members, count)


def compute(
    ledger: Ledger, policies: Policies, as_of_day: int, *, with_skills: bool = False
) -> Result:
    """The full recompute: every event up to and including ``as_of_day``."""
    state = _run(ledger, policies, as_of_day + 1)
    return _finalize(state, ledger, as_of_day, with_skills)


def state_at(ledger: Ledger, policies: Policies, day: int) -> DayState:
    """The fold's state at the start of ``day`` (every event of earlier days applied): the cache
    that ``recompute_day`` starts from."""
    return _run(ledger, policies, day)


def _fit(state: DayState, ledger: Ledger) -> None:
    """Grow the per-contribution arrays for contributions appended since the state was made."""
    extra = ledger.n_contributions - len(state.status)
    extra_entries = len(ledger.author_idx) - len(state.author_credit_milli)
    if extra < 0 or extra_entries < 0:
        raise ValueError("the ledger has fewer contributions than the cached state")
    state.status = np.concatenate([state.status, np.zeros(extra, np.int8)])
    state.accepted_day = np.concatenate([state.accepted_day, np.full(extra, -1, np.int32)])
    state.weight_micro = np.concatenate([state.weight_micro, np.zeros(extra)])
    state.points_milli = np.concatenate([state.points_milli, np.zeros(extra, np.int64)])
    state.settled_milli = np.concatenate([state.settled_milli, np.full(extra, -1, np.int64)])
    credit = np.zeros(extra_entries, np.int64)
    state.author_credit_milli = np.concatenate([state.author_credit_milli, credit])


def recompute_day(
    state: DayState, ledger: Ledger, day: int, *, with_skills: bool = False
) -> Result:
    """The figures as of the end of ``day``, replaying only that day's events on a copy of the
    state cached at its start (``state_at(…, day)``): "one more validation". ``ledger`` is the
    current one (the cached ledger plus what was appended since; earlier days unchanged)."""
    if state.day != day:
        raise ValueError(f"the state is cached at the start of day {state.day}, not {day}")
    numbers = Numbers.of(state.policies)
    work = state.copy()
    if ledger.n_contributions != len(work.status):
        _fit(work, ledger)
    probe = np.int32(day)  # of the array's dtype: a Python int would make numpy cast the array
    lo = int(np.searchsorted(ledger.validation_day, probe, "left"))
    hi = int(np.searchsorted(ledger.validation_day, probe, "right"))
    # earlier days' weights as cached; today's (and any appended since) are weighed afresh
    fresh = np.zeros(ledger.n_validations - lo, np.float64)
    work.validation_weight = np.concatenate([state.validation_weight[:lo], fresh])
    window, discount = numbers.reciprocity_days, numbers.discount
    notes = annotate(ledger, lo, hi, window, discount, (state.approval_keys,))
    due = np.flatnonzero(ledger.contribution_day == day - numbers.challenge_days)
    value = state.policies.value
    events = _events(ledger, lo, hi, notes.own, notes.factor, due.astype(np.int64))

    def points_of(rows: NDArray[np.int64]) -> NDArray[np.int64]:
        return contribution_points(ledger, value, rows)

    _step(work, numbers, ledger, day, events, points_of, Adjustments(ledger))
    return _finalize(work, ledger, day, with_skills)


def explain(ledger: Ledger, result: Result, member: int, as_of_day: int) -> list[Term]:
    """The terms that sum to ``member``'s standing as of ``as_of_day`` (the seed first, then the
    accepted contributions in index order): "why this number"."""
    half_life = result.half_life_days
    terms: list[Term] = []
    seed = int(result.seed[member])
    if seed:
        decay = float(np.exp2(-as_of_day / half_life))
        terms.append(Term(-1, 0, seed * 1000, decay, seed * decay))
    entries = np.flatnonzero(ledger.author_idx == member)
    owner = np.searchsorted(ledger.author_ptr, entries, side="right") - 1
    accepted_day = result.accepted_day[owner]
    keep = (result.status[owner] == ACCEPTED) & (accepted_day <= as_of_day)
    credit = result.author_credit_milli[entries[keep]]
    decay_all = np.exp2((accepted_day[keep] - as_of_day) / half_life)
    rows = zip(
        owner[keep].tolist(),
        accepted_day[keep].tolist(),
        credit.tolist(),
        decay_all.tolist(),
        strict=True,
    )
    for contribution, day, points, decay in rows:
        terms.append(Term(contribution, day, points, decay, points / 1000.0 * decay))
    return terms
