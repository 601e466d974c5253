"""Standing and value points as read: the engine run over a commons' ledger, cached by head.

Every figure is a deterministic function of the journal and an *as-of* time: a reader may ask for
any time; without one, the node's clock is used (so a challenge window that has passed counts as
passed, though no entry marks it). Results are cached by (head entry id, as-of day, as-of time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from numpy.typing import NDArray

from commonwork.commons.charter_policies import charter_text_has_policies
from commonwork.commons.policy import PRIVILEGES, Policies, decimal_text
from commonwork.commons.tables import commons
from commonwork.errors import BadInput, NotAllowed, NotFound
from commonwork.journal.actions import parse_time
from commonwork.node.node import Node
from commonwork.production.tables import contributions
from commonwork.services.journals import require_head
from commonwork.services.standing_load import Loaded, commons_policies, day_of, load
from commonwork.standing.engine import ACCEPTED, DISPUTED, PENDING, Result, compute
from commonwork.standing.points import month_of

FIGURES_CACHE_SIZE = 32
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


def as_of_time(node: Node, as_of: str | None) -> str:
    if as_of is None:
        return node.clock()
    try:
        parse_time(as_of)
    except Exception as exc:
        raise BadInput(
            f"as_of must be a journal time such as 2026-11-21T10:00:00.000Z, not {as_of!r}"
        ) from exc
    return as_of


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
        if len(node.figures_cache) >= FIGURES_CACHE_SIZE:
            node.figures_cache.pop(next(iter(node.figures_cache)))
        node.figures_cache[key] = made
    return made


def privileges_of(policies: Policies, standing: float) -> dict[str, bool]:
    """Which privileges a member with this standing holds."""
    held = {"validate_with_weight": standing >= float(policies.validation.validator_minimum)}
    thresholds = policies.standing.privileges
    for name in PRIVILEGES:
        held[name] = name in thresholds and standing >= thresholds[name]
    return held


def gini(values: NDArray[Any]) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal (or all 0), towards 1
    when one holds everything."""
    ordered = np.sort(np.asarray(values, np.float64))
    total = ordered.sum()
    n = len(ordered)
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(((2 * ranks - n - 1) * ordered).sum() / (n * total))


def lorenz(values: NDArray[Any], points: int = 101) -> list[list[float]]:
    """The Lorenz curve as [population share, value share] pairs, from [0, 0] to [1, 1]."""
    ordered = np.sort(np.asarray(values, np.float64))
    n = len(ordered)
    total = ordered.sum()
    if n == 0 or total <= 0:
        return [[0.0, 0.0], [1.0, 1.0]]
    cumulative = np.r_[0.0, np.cumsum(ordered)] / total
    picks = np.unique(np.linspace(0, n, min(points, n + 1)).round().astype(int))
    return [[round(i / n, 4), round(float(cumulative[i]), 4)] for i in picks.tolist()]


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


def governed_figures(node: Node, commons_id: str) -> Figures | None:
    """The engine's figures as of now when the commons has policies, else None (the projected
    statuses are then the provisional rule's, and final)."""
    query = sa.select(commons.c.charter).where(commons.c.commons_id == commons_id)
    with node.reading() as conn:
        charter = conn.execute(query).scalar_one_or_none()
    if charter is None or not charter_text_has_policies(charter):
        return None
    return figures(node, commons_id)


def closed_tasks(node: Node, found: Figures) -> dict[str, dict[str, str]]:
    """Under policies: each task a linked contribution of which the engine accepted, with the
    first such contribution and the day it was accepted (a task closes when that happens)."""
    query = (
        sa.select(contributions.c.contribution_id, contributions.c.task)
        .where(contributions.c.commons_id == found.commons_id, contributions.c.task.is_not(None))
        .order_by(contributions.c.seq)
    )
    with node.reading() as conn:
        linked = list(conn.execute(query))
    positions = found.positions()
    closed: dict[str, dict[str, str]] = {}
    for contribution_id, task in linked:
        position = positions.get(contribution_id)
        if position is None or int(found.result.status[position]) != ACCEPTED:
            continue
        day = found.loaded.ledger.genesis + timedelta(days=int(found.result.accepted_day[position]))
        earlier = closed.get(task)
        if earlier is None or day.isoformat() < earlier["closed_on"]:
            closed[task] = {"closed_by": contribution_id, "closed_on": day.isoformat()}
    return closed


def refuse_closed_task(node: Node, commons_id: str, task_id: str | None) -> None:
    """Under policies, whether a task is closed depends on standing and time, which the journal's
    rules do not compute; the host refuses claims on and links to a closed task before appending."""
    if task_id is None:
        return
    found = governed_figures(node, commons_id)
    if found is None:
        return
    closed = closed_tasks(node, found).get(task_id)
    if closed is not None:
        raise NotAllowed(
            f"the task is closed: contribution {closed['closed_by']} completed it on "
            f"{closed['closed_on']}; post a new task for further work"
        )
