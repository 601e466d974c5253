"""The vectorised what-if engine run over a commons' ledger: for the value policy preview only.

The figures people read are settled inside the journal's fold (commonwork.standing.settle) and read
by services.standing_read. A preview asks "what if the value policy were another one", which no
projection holds: the engine (commonwork.standing.engine, numpy, floats for standing) recomputes
the live and the candidate figures from the same arrays, so the two are comparable with each
other; they are labelled as a preview and never enter the state digest. Results are cached by
(head entry id, as-of day or time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import orjson
import sqlalchemy as sa
from numpy.typing import NDArray

from commonwork.commons.policy import PRIVILEGES, Policies, decimal_text
from commonwork.errors import NotFound
from commonwork.node.node import Node
from commonwork.services.journals import require_head
from commonwork.services.settled import as_of_time, keep
from commonwork.services.standing_load import Loaded, commons_policies, day_of, load
from commonwork.standing.engine import ACCEPTED, DISPUTED, PENDING, Result, compute
from commonwork.standing.points import month_of

FIGURES_CACHE_SIZE = 32
#: What gini and lorenz take: value points (milli, integers) or any non-negative numbers.
Numbers: TypeAlias = NDArray[np.int64] | NDArray[np.float64]
STATUS_NAMES = {PENDING: "pending", ACCEPTED: "accepted", DISPUTED: "disputed"}


@dataclass(frozen=True, eq=False)
class Figures:
    """One run of the engine: the loaded ledger, the result, and when it is as of."""

    commons_id: str
    head: str
    as_of: str
    as_of_day: int
    loaded: Loaded
    result: Result
    policies: Policies

    def standing(self, member: int) -> float:
        return round(float(self.result.standing[member]), 3)

    def status_of(self, contribution_id: str) -> str | None:
        """The engine's status of a contribution, or None if it was recorded after ``as_of``."""
        position = self.positions().get(contribution_id)
        return None if position is None else STATUS_NAMES[int(self.result.status[position])]

    def accepted_quantity(self, contribution_id: str) -> str | None:
        """The quantity an adjustment settled on, if validators adjusted it."""
        position = self.positions().get(contribution_id)
        if position is None or self.result.settled_milli[position] < 0:
            return None
        return points_text(int(self.result.settled_milli[position]))

    def positions(self) -> dict[str, int]:
        cached: dict[str, int] | None = getattr(self, "_position_cache", None)
        if cached is None:
            cached = {cid: i for i, cid in enumerate(self.loaded.contribution_ids)}
            object.__setattr__(self, "_position_cache", cached)
        return cached


def points_text(milli: int) -> str:
    """Milli-points as a decimal string: 12500 → '12.5'."""
    return decimal_text(Decimal(int(milli)).scaleb(-3))


def _charter_policies(conn: sa.Connection, commons_id: str) -> Policies:
    """The charter's policies; NotFound, saying why, for a commons without any."""
    policies = commons_policies(conn, commons_id)
    if policies is None:
        raise NotFound(
            "this commons' charter sets no validation, value or standing policy, so it keeps no "
            "standing: a contribution is accepted after one approval with no dispute. A charter "
            "with a validation_policy, value_policy or standing_policy turns the engine on"
        )
    return policies


def require_policies(node: Node, commons_id: str) -> Policies:
    with node.reading() as conn:
        require_head(conn, commons_id)
        return _charter_policies(conn, commons_id)


def figures(
    node: Node, commons_id: str, *, as_of: str | None = None, policies: Policies | None = None
) -> Figures:
    """The engine's figures for the commons as of ``as_of``; with ``policies`` (a candidate, for
    a preview) instead of the charter's, computed afresh and never cached."""
    when = as_of_time(node, as_of)
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        # As of any time past the head, only the day matters: every row is read either way.
        key = (head.id, when[:10] if when >= head.recorded_at else when)
        cached = node.figures_cache.get(key) if policies is None else None
        if isinstance(cached, Figures):
            return cached
        used = policies or _charter_policies(conn, commons_id)
        loaded = load(conn, commons_id, used, when)
    day = max(day_of(loaded.ledger.genesis, when), 0)
    result = compute(loaded.ledger, loaded.policies, day, with_skills=True)
    made = Figures(commons_id, head.id, when, day, loaded, result, used)
    if policies is None:
        keep(node, key, made, FIGURES_CACHE_SIZE)
    return made


def privileges_of(policies: Policies, standing: float) -> dict[str, bool]:
    """Which privileges a member with this standing holds."""
    held = {"validate_with_weight": standing >= float(policies.validation.validator_minimum)}
    thresholds = policies.standing.privileges
    for name in PRIVILEGES:
        held[name] = name in thresholds and standing >= thresholds[name]
    return held


#: Below this, integers and their sums are floats exactly (2^53).
EXACT = 1 << 53


def _integers(values: Numbers, ascending: bool) -> NDArray[np.int64] | None:
    """Integer values as int64, ascending; None for floats."""
    if not isinstance(values, np.ndarray) or values.dtype.kind != "i":
        return None
    integers = values.astype(np.int64, copy=False)
    return integers if ascending else np.sort(integers)


def gini(values: Numbers, *, ascending: bool = False) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal (or all 0), towards 1
    when one holds everything. ``ascending``: the values are sorted already."""
    integers = _integers(values, ascending)
    exact = None if integers is None else _integer_gini(integers)
    if exact is not None:
        return exact
    ordered = np.asarray(values, np.float64)
    if not ascending:
        ordered = np.sort(ordered)
    total = ordered.sum()
    n = len(ordered)
    if n == 0 or total <= 0:
        return 0.0
    return float((_gini_weights(n) * ordered).sum() / (n * total))


def _integer_gini(ordered: NDArray[np.int64]) -> float | None:
    """The Gini coefficient of non-negative integers (ascending) with n * their sum below 2^53,
    from the exact integer sum of (2 * rank - n - 1) * value: the very float the general way
    gives, since there every product and every partial sum of the floats is exact too (each is
    at most n * the sum), and the one division is the same — at a fraction of its cost: it is
    made afresh for every new head that credits someone. None when the values are not such."""
    n = len(ordered)
    if n == 0 or int(ordered[0]) < 0 or int(ordered[-1]) >= EXACT // n:
        return None  # (then the int64 sum below is exact, and below 2^53)
    total = int(ordered.sum())
    if total <= 0:
        return 0.0
    if n * total >= EXACT:
        return None
    return int(np.dot(_integer_weights(n), ordered)) / (n * total)


@lru_cache(maxsize=8)
def _gini_weights(n: int) -> NDArray[np.float64]:
    """2 * rank - n - 1 for the ranks 1 to n: the same for every table of n members."""
    ranks = np.arange(1, n + 1, dtype=np.float64)
    weights: NDArray[np.float64] = 2 * ranks - n - 1
    weights.flags.writeable = False
    return weights


@lru_cache(maxsize=8)
def _integer_weights(n: int) -> NDArray[np.int64]:
    """The same weights as integers."""
    weights: NDArray[np.int64] = 2 * np.arange(1, n + 1, dtype=np.int64) - n - 1
    weights.flags.writeable = False
    return weights


def lorenz(
    values: Numbers, points: int = 101, *, ascending: bool = False
) -> list[tuple[float, float]]:
    """The Lorenz curve as [population share, value share] pairs, from [0, 0] to [1, 1].
    ``ascending``: the values are sorted already."""
    integers = _integers(values, ascending)
    exact = None if integers is None else _integer_shares(integers, points)
    if exact is not None:
        return exact
    ordered = np.asarray(values, np.float64)
    if not ascending:
        ordered = np.sort(ordered)
    n = len(ordered)
    total = ordered.sum()
    if n == 0 or total <= 0:
        return [(0.0, 0.0), (1.0, 1.0)]
    cumulative = np.r_[0.0, np.cumsum(ordered)] / total
    shares = cumulative[list(_picks(n, points))].tolist()
    return [
        (round(i / n, 4), round(share, 4))
        for i, share in zip(_picks(n, points), shares, strict=True)
    ]


def _integer_shares(ordered: NDArray[np.int64], points: int) -> list[tuple[float, float]] | None:
    """The curve of non-negative integers (ascending) whose sum is below 2^53, from exact
    integer sums at the picked shares only: the very floats the general way gives (there every
    partial sum of the floats is exact too, and each share is the same correctly rounded
    division, here of Python integers), at a fraction of its cost — it is made afresh for every
    new head that credits someone. None when the values are not such."""
    n = len(ordered)
    if n == 0 or int(ordered[0]) < 0 or int(ordered[-1]) >= EXACT // n:
        return None  # (a sum of n values under 2^53 / n each is below 2^53)
    cumulative = np.cumsum(ordered)
    total = int(cumulative[-1])
    if total <= 0:
        return [(0.0, 0.0), (1.0, 1.0)]
    sums = cumulative[_pick_ends(n, points)].tolist()
    shares = [0.0, *(round(part / total, 4) for part in sums)]  # picks start at 0: 0.0 / total
    return list(zip(_populations(n, points), shares, strict=True))


@lru_cache(maxsize=64)
def _picks(n: int, points: int) -> tuple[int, ...]:
    """Which of the n + 1 cumulative shares the curve shows: at most ``points``, evenly."""
    return tuple(np.unique(np.linspace(0, n, min(points, n + 1)).round().astype(int)).tolist())


@lru_cache(maxsize=64)
def _pick_ends(n: int, points: int) -> NDArray[np.intp]:
    """Where the cumulative sums (of the first 1, 2, … values) of the picks after 0 are."""
    ends = np.asarray(_picks(n, points)[1:], np.intp) - 1
    ends.flags.writeable = False
    return ends


@lru_cache(maxsize=64)
def _populations(n: int, points: int) -> tuple[float, ...]:
    """The population shares of the picks, as the curve shows them."""
    return tuple(round(i / n, 4) for i in _picks(n, points))


def month_key(genesis: date, day: int) -> str:
    """The calendar month of ``day`` days after ``genesis``, as '2026-11'."""
    return str(np.datetime64(month_of(genesis, day), "M"))


def monthly_points(figures_: Figures) -> dict[int, dict[str, int]]:
    """Per member index: milli-points credited per calendar month ("2026-11")."""
    ledger, result = figures_.loaded.ledger, figures_.result
    owner = np.repeat(np.arange(ledger.n_contributions), np.diff(ledger.author_ptr))
    keep = (result.status[owner] == ACCEPTED) & (result.author_credit_milli > 0)
    months: dict[int, dict[str, int]] = {}
    for member, day, credit in zip(
        ledger.author_idx[keep].tolist(),
        result.accepted_day[owner[keep]].tolist(),
        result.author_credit_milli[keep].tolist(),
        strict=True,
    ):
        month = month_key(ledger.genesis, day)
        per_member = months.setdefault(member, {})
        per_member[month] = per_member.get(month, 0) + credit
    return months


def standing_digest(figures_: Figures) -> str:
    """A sha256 over the as-of day, every member's standing (to the thousandth) and value points,
    and every contribution's status and points: equal figures give equal digests, e.g. after a
    rebuild."""
    result = figures_.result
    rows = {
        "as_of_day": figures_.as_of_day,  # the figures depend on the day, not the instant
        "members": [
            [did, round(float(result.standing[i]), 3), int(result.value_points_milli[i])]
            for i, did in enumerate(figures_.loaded.member_ids)
        ],
        "contributions": [
            [cid, int(result.status[i]), int(result.points_milli[i])]
            for i, cid in enumerate(figures_.loaded.contribution_ids)
        ],
    }
    return hashlib.sha256(orjson.dumps(rows)).hexdigest()
