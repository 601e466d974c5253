"""What people read of standing and value points, from the settled projection: everyone's
figures with the distribution (Gini, Lorenz curve), and one member's figures with "why this
number" and standing over time.

Read "now", the figures are the settled ones plus the provisional settlement of the days not
settled yet (services.settled); each response says which day is settled (``settled_through``) and
whether anything shown is ``provisional``. A past ``as_of`` reads the standing history (a heavy
read: O(history), not O(page)). Standing is shown in points with three decimals; the projection
keeps exact milli-points and decays them with the exact table of standing.decay.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from numpy.typing import NDArray

from commonwork.commons.policy import PRIVILEGES, Policies
from commonwork.commons.tables import commons, members
from commonwork.errors import NotFound
from commonwork.journal.projection import Row
from commonwork.node.jobs import Report, Task
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.node.tables import entries
from commonwork.production.tables import contribution_status, contributions, validations
from commonwork.services import settled
from commonwork.services.journals import require_head
from commonwork.services.models import JsonObject
from commonwork.services.queries import member_row, points_text
from commonwork.services.settled import REUSE_WITHIN, Layered, View
from commonwork.services.standing import gini, lorenz
from commonwork.services.standing_models import (
    Approval,
    ContributionTerm,
    Distribution,
    MemberStanding,
    SeedTerm,
    SeriesPoint,
    StandingEntry,
    StandingTable,
)
from commonwork.standing import tables as standing_tables
from commonwork.standing.decay import SCALE, decayed, factor
from commonwork.standing.settle import days_between
from commonwork.standing.tables import standing_history

SERIES_POINTS = 60


def require_view(node: Node, commons_id: str, as_of: str | None) -> View:
    found = settled.current(node, commons_id, as_of=as_of)
    if found is None:
        raise NotFound(
            "this commons' charter sets no settlement engine or policy, so it keeps no standing: "
            "a contribution is accepted after one approval with no dispute (a commons founded "
            "before engines existed)"
        )
    return found


def shown(milli: int) -> float:
    """Milli-points as the number a page shows (never stored, never in a digest)."""
    return milli / 1000


def privileges_of(policies: Policies, standing_milli: int) -> dict[str, bool]:
    """Which privileges a member with this standing holds."""
    minimum = policies.validation.validator_minimum * 1000
    held = {"validate_with_weight": standing_milli >= minimum}
    thresholds = policies.standing.privileges
    for name in PRIVILEGES:
        held[name] = name in thresholds and standing_milli >= thresholds[name] * 1000
    return held


def _current_rows(
    conn: sa.Connection, view: View, only: Sequence[str] | None = None
) -> dict[str, Row]:
    """Per member (of ``only``, when given): the settled standing row, or the provisional
    view's where it changed one."""
    table = standing_tables.member_standing
    query = sa.select(table).where(table.c.commons_id == view.commons_id)
    if only is not None:
        query = query.where(table.c.member.in_(list(only)))
    rows = {row["member"]: plain_row(row) for row in conn.execute(query).mappings()}
    for key, row in view.changed(table).items():
        if only is None or key[1] in only:
            rows[key[1]] = row
    return rows


#: A standing history row's figures (its day's credits left out: "why this number" reads them).
_FIGURES = tuple(column for column in standing_history.c if column.name != "credits")


def _past_rows(
    conn: sa.Connection, view: View, only: Sequence[str] | None = None
) -> dict[str, Row]:
    """Per member (of ``only``, when given): the last standing history row on or before the
    as-of day."""
    query = (
        sa.select(*_FIGURES)
        .where(
            standing_history.c.commons_id == view.commons_id,
            standing_history.c.day <= view.as_of_day,
        )
        .order_by(standing_history.c.member, standing_history.c.day)
    )
    if only is not None:
        query = query.where(standing_history.c.member.in_(list(only)))
    rows: dict[str, Row] = {}
    for row in conn.execute(query).mappings():
        rows[row["member"]] = {**plain_row(row), "month": "", "month_points_milli": 0}
    return rows


def _names(conn: sa.Connection, commons_id: str, dids: list[str]) -> dict[str, str]:
    if not dids:
        return {}
    query = sa.select(members.c.member, members.c.name).where(
        members.c.commons_id == commons_id, members.c.member.in_(dids)
    )
    return {str(member): str(name) for member, name in conn.execute(query)}


def _member_rows(conn: sa.Connection, view: View) -> dict[str, Row]:
    """Per member: the standing row that holds as of the view (current or from history)."""
    if view.as_of_day >= view.settled_through:
        return _current_rows(conn, view)
    return _past_rows(conn, view)


def _standing_milli(row: Row | None, view: View) -> int:
    if row is None:
        return 0
    days = days_between(row["day"], view.as_of_day)
    return decayed(int(row["amount_milli"]), days, view.policies.standing.half_life_days)


def _people(conn: sa.Connection, commons_id: str) -> list[Row]:
    query = sa.select(members).where(members.c.commons_id == commons_id).order_by(members.c.member)
    return [plain_row(row) for row in conn.execute(query).mappings()]


def _labels(view: View) -> dict[str, Any]:
    """The fields of ``standing_models.Labels``, for the read models that carry them."""
    return {
        "commons_id": view.commons_id,
        "as_of": view.as_of,
        "head": view.head.id,
        "head_seq": view.head.seq,
        "settled_through": view.settled_through,
        "provisional": view.as_of_day > view.settled_through,
    }


def standing_table(
    node: Node,
    commons_id: str,
    *,
    as_of: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    wait: float | None = None,
) -> StandingTable:
    """Members' standing, value points (lifetime and this month) and privileges, highest
    standing first (``limit`` of them from ``offset``; all when ``limit`` is None); with the
    distribution of value points over every active member and a digest of all the figures. The
    whole table is a function of (head, as-of day), kept by both, so a page of it costs the
    page once it is made. As of a day already settled, it is read from the standing history
    (O(history)): a heavy read, made by a job (``wait``: see ``settled.computed``)."""
    view = require_view(node, commons_id, as_of)
    key = ("standing-table", view.head.id, view.as_of_day)
    if view.as_of_day >= view.settled_through:  # kept as made: a page is cut from it
        made = settled.remembered(node, key, lambda: _made_or_patched(node, view))
        return made.page(offset, limit)
    label = f"standing as of {view.as_of_day}, from the standing history"
    task = Task(_past_table_job, (commons_id, view.as_of))
    table: StandingTable = settled.computed(node, key, label, task, wait)
    shown = table.members if limit is None else table.members[offset : offset + limit]
    return replace(table, members=shown, offset=offset)


def _past_table_job(node: Node, _report: Report, commons_id: str, as_of: str) -> StandingTable:
    """The job: everyone's figures as of a settled day, from the standing history."""
    return _standing_table(node, require_view(node, commons_id, as_of)).table


#: How many members a run of a ranked table starts with (it holds twice as many at most).
RUN = 256


class Ranked:
    """Members' entries in table order (``_order``: highest standing first), kept in runs: a
    patch that moves a member remakes the run it leaves and the one it joins, instead of the
    tuple of every member (which a new head that credits someone would otherwise copy)."""

    __slots__ = ("count", "lasts", "runs")

    def __init__(
        self,
        runs: tuple[tuple[StandingEntry, ...], ...],
        lasts: tuple[tuple[int, str], ...],
        count: int,
    ) -> None:
        self.runs = runs
        self.lasts = lasts  # the order of each run's last entry
        self.count = count

    def __len__(self) -> int:
        return self.count

    @classmethod
    def of(cls, ordered: Sequence[StandingEntry]) -> Ranked:
        """``ordered``: every entry, in table order."""
        runs = tuple(tuple(ordered[at : at + RUN]) for at in range(0, len(ordered), RUN))
        return cls(runs, tuple(_order(run[-1]) for run in runs), len(ordered))

    def page(self, offset: int, limit: int | None) -> tuple[StandingEntry, ...]:
        """``limit`` entries (all when None) from ``offset``."""
        end = self.count if limit is None else min(self.count, offset + limit)
        found: list[StandingEntry] = []
        start = 0
        for run in self.runs:
            if start >= end:
                break
            stop = start + len(run)
            if stop > offset:
                found.extend(run[max(offset - start, 0) : end - start])
            start = stop
        return tuple(found)

    def moved(self, before: StandingEntry, after: StandingEntry) -> Ranked:
        """``before`` (held) taken out and ``after`` put in its place in the order."""
        runs, lasts = list(self.runs), list(self.lasts)
        place = bisect.bisect_left(lasts, _order(before))
        run = runs[place]
        at = bisect.bisect_left(run, _order(before), key=_order)
        run = run[:at] + run[at + 1 :]
        if run:
            runs[place], lasts[place] = run, _order(run[-1])
        else:
            del runs[place], lasts[place]
        if not runs:
            return Ranked(((after,),), (_order(after),), self.count)
        place = min(bisect.bisect_left(lasts, _order(after)), len(runs) - 1)
        run = runs[place]
        at = bisect.bisect_left(run, _order(after), key=_order)
        run = (*run[:at], after, *run[at:])
        if len(run) > 2 * RUN:
            runs[place : place + 1] = [run[:RUN], run[RUN:]]
            lasts[place : place + 1] = [_order(run[RUN - 1]), _order(run[-1])]
        else:
            runs[place], lasts[place] = run, _order(run[-1])
        return Ranked(tuple(runs), tuple(lasts), self.count)


@dataclass
class Made:
    """The standing table made for a head, and what it was made from: a new head on the same
    day with the same members patches it instead of remaking it."""

    view: View
    header: StandingTable  # the labels, the distribution and the digest; no members
    ranked: Ranked  # every member's entry, in table order
    entries: Layered[str, StandingEntry]  # member → their entry in the table
    hash_sum: int  # the sum of the members' figure hashes: the digest's part
    ordered: NDArray[np.int64]  # the active members' value points, ascending: the distribution

    def page(self, offset: int, limit: int | None) -> StandingTable:
        """``limit`` members from ``offset`` (all of them when ``limit`` is None)."""
        shown = self.ranked.page(0 if limit is None else offset, limit)
        return replace(self.header, members=shown, offset=offset)

    @property
    def table(self) -> StandingTable:
        """Every member, from offset 0."""
        return self.page(0, None)


def _made_or_patched(node: Node, view: View) -> Made:
    key = ("standing-table-last", view.commons_id, view.as_of_day)
    last = node.figures_cache.get(key)
    made = None
    if isinstance(last, Made) and _patchable(node, last.view, view):
        made = _patched(node, last, view)
    if made is None:
        made = _standing_table(node, view)
    settled.keep(node, key, made)
    return made


def _patchable(node: Node, before: View, now: View) -> bool:
    """Whether the table of ``before`` differs from that of ``now`` only by the members whose
    provisional standing rows differ: same day, same settled days and policies, and no entry in
    between that changed the members (a join, a leave, a charter)."""
    if (before.as_of_day, before.next_day) != (now.as_of_day, now.next_day):
        return False
    if before.policies != now.policies or not 0 < now.head.seq - before.head.seq <= REUSE_WITHIN:
        return False
    changes = settled.changes_since(node, None, now.commons_id, before.head.seq, now.head.seq)
    return not any(kind.startswith("commons.") for kind in changes.types)


def _patched(node: Node, last: Made, view: View) -> Made | None:
    """The last table with the entries of the members whose provisional rows changed redone
    and moved to their place (None: a member it does not know, so remake it)."""
    ms = standing_tables.member_standing
    old, new = last.view.changed(ms), view.changed(ms)
    if view.moved is not None and view.previous == last.view.head.seq:
        differ = sorted(
            did for did in view.moved if old.get(_key(view, did)) != new.get(_key(view, did))
        )
    else:
        differ = sorted({key[1] for key in old.keys() | new.keys() if old.get(key) != new.get(key)})
    if not differ:
        return replace(last, view=view, header=replace(last.header, **_labels(view)))
    if any(did not in last.entries for did in differ):
        return None
    back = [did for did in differ if _key(view, did) not in new]
    settled_rows: dict[str, Row] = {}
    if back:  # no longer changed provisionally: the settled row holds again
        with node.reading() as conn:
            settled_rows = _current_rows(conn, view, back)
    redone: dict[str, StandingEntry] = {}
    ranked, hash_sum, ordered = last.ranked, last.hash_sum, last.ordered
    for did in differ:
        before = last.entries[did]
        row = new.get(_key(view, did)) or settled_rows.get(did)
        after = _entry(view, did, before.name, before.active, row)
        redone[did] = after
        ranked = ranked.moved(before, after)
        hash_sum = (hash_sum - _figure_hash(before) + _figure_hash(after)) % DIGEST_MODULUS
        if before.active:  # its place in the ascending points moves
            ordered = _moved(ordered, before.value_points_milli, after.value_points_milli)
    header = _header(view, len(ranked), ordered, hash_sum, last.header.policies)
    return Made(view, header, ranked, last.entries.updated(redone), hash_sum, ordered)


def _moved(ordered: NDArray[np.int64], old: int, new: int) -> NDArray[np.int64]:
    """``ordered`` (ascending) with one ``old`` value replaced by ``new``, still ascending (one
    copy)."""
    if old == new:
        return ordered
    out = int(np.searchsorted(ordered, old))
    into = int(np.searchsorted(ordered, new))
    value = np.asarray([new], np.int64)
    if new > old:  # ``into`` > ``out``: the values between move down one place
        parts = (ordered[:out], ordered[out + 1 : into], value, ordered[into:])
    else:  # ``into`` <= ``out``: they move up one place
        parts = (ordered[:into], value, ordered[into:out], ordered[out + 1 :])
    return np.concatenate(parts)


def _key(view: View, did: str) -> tuple[str, str]:
    return (view.commons_id, did)


def _order(entry: StandingEntry) -> tuple[int, str]:
    """Highest standing first, then by did."""
    return -entry.standing_milli, entry.member


def _entry(view: View, did: str, name: str, active: bool, row: Row | None) -> StandingEntry:
    milli = _standing_milli(row, view)
    points = int(row["value_points_milli"]) if row else 0
    month = view.as_of_day[:7]
    this_month = int(row["month_points_milli"]) if row and row["month"] == month else 0
    return StandingEntry(
        member=did,
        name=name,
        active=active,
        standing=shown(milli),
        standing_milli=milli,
        value_points=points_text(points),
        value_points_milli=points,
        value_points_this_month=points_text(this_month),
        privileges=privileges_of(view.policies, milli),
    )


def _header(
    view: View,
    total: int,
    ordered: NDArray[np.int64],
    hash_sum: int,
    policies: JsonObject | None = None,
) -> StandingTable:
    """The table of ``total`` members without them (``Made.page`` cuts a page of them).
    ``ordered``: the active members' value points, ascending. ``policies``: the policies as
    JSON when the caller has them already (the same)."""
    return StandingTable(
        **_labels(view),
        month=view.as_of_day[:7],
        members=(),
        distribution=distribution_of(ordered, ascending=True),
        policies=policies if policies is not None else view.policies.as_json(),
        digest=figures_digest(view.as_of_day, hash_sum),
        total_members=total,
        offset=0,
    )


def _standing_table(node: Node, view: View) -> Made:
    with node.reading() as conn:
        rows = _member_rows(conn, view)
        people = _people(conn, view.commons_id)
    entries = {
        person["member"]: _entry(
            view,
            person["member"],
            person["name"],
            person["status"] == "active",
            rows.get(person["member"]),
        )
        for person in people
    }
    points = np.fromiter(
        (entry.value_points_milli for entry in entries.values()), np.int64, len(entries)
    )
    active = np.fromiter((entry.active for entry in entries.values()), np.bool_, len(entries))
    hash_sum = sum(_figure_hash(entry) for entry in entries.values()) % DIGEST_MODULUS
    members = sorted(entries.values(), key=_order)
    ordered = np.sort(points[active])
    header = _header(view, len(members), ordered, hash_sum)
    return Made(view, header, Ranked.of(members), Layered(entries), hash_sum, ordered)


def distribution_of(values: NDArray[np.int64], *, ascending: bool = False) -> Distribution:
    """How value points are spread among these members' (``ascending``: sorted already)."""
    ordered = values if ascending else np.sort(values)
    return Distribution(
        members=len(values),
        total_value_points=points_text(int(values.sum())),
        gini=round(gini(ordered, ascending=True), 4),
        lorenz=tuple(lorenz(ordered, ascending=True)),
    )


DIGEST_MODULUS = 1 << 256


def _figure_hash(entry: StandingEntry) -> int:
    """One member's figures hashed: sha256 of [did, standing, value points] (exact milli)."""
    figures = [entry.member, entry.standing_milli, entry.value_points_milli]
    return int.from_bytes(hashlib.sha256(orjson.dumps(figures)).digest(), "big")


def figures_digest(as_of_day: str, hash_sum: int) -> str:
    """sha256 over the as-of day and the sum modulo 2^256 of every member's figure hash: equal
    figures give equal digests, and a new head that moves a few members' figures updates it
    without rehashing the others."""
    return hashlib.sha256(f"{as_of_day}\n{hash_sum:064x}".encode()).hexdigest()


def _credits(view: View, member: str, history: list[Row]) -> list[Row]:
    """The member's credits up to the as-of day, from their standing history rows (each lists
    its day's credits) and the provisional settlement's rows on top (``provisional``): by
    contribution seq, day, points and standing added."""
    days: dict[str, tuple[Row, bool]] = {row["day"]: (row, False) for row in history}
    for key, row in view.changed(standing_history).items():
        if key[1] == member:
            days[key[2]] = (row, True)
    found: list[Row] = []
    for day, (row, provisional) in days.items():
        if day > view.as_of_day or not row["credits"]:
            continue
        for seq, points, standing in orjson.loads(row["credits"]):
            credit = {"seq": seq, "day": day, "points_milli": points, "standing_milli": standing}
            found.append({**credit, "provisional": True} if provisional else credit)
    return found


def _contributions(conn: sa.Connection, commons_id: str, seqs: list[int]) -> dict[int, Row]:
    """What "why this number" shows of these contributions (by their record's seq)."""
    query = (
        sa.select(
            contributions.c.contribution_id,
            contributions.c.seq,
            contributions.c.skill,
            contributions.c.kind,
            contributions.c.description,
            contribution_status.c.accepted_quantity,
        )
        .join(
            contribution_status,
            sa.and_(
                contribution_status.c.commons_id == contributions.c.commons_id,
                contribution_status.c.seq == contributions.c.seq,
            ),
        )
        .where(contributions.c.commons_id == commons_id, contributions.c.seq.in_(seqs))
    )
    return {row["seq"]: plain_row(row) for row in conn.execute(query).mappings()}


def _approvals(conn: sa.Connection, view: View, ids: list[str]) -> dict[str, list[Row]]:
    """The approvals (and adjustments) that counted towards each accepted contribution: of its
    accepted version, with weight."""
    query = (
        sa.select(validations)
        .join(
            contributions,
            sa.and_(
                contributions.c.commons_id == validations.c.commons_id,
                contributions.c.contribution_id == validations.c.contribution_id,
                contributions.c.corrections == validations.c.version,
            ),
        )
        .where(validations.c.commons_id == view.commons_id, validations.c.contribution_id.in_(ids))
        .order_by(validations.c.seq)
    )
    found: dict[str, list[Row]] = {}
    for stored in conn.execute(query).mappings():
        row = view.row(validations, plain_row(stored))
        if row["verdict"] != "dispute" and (row["weight_milli"] or 0) > 0:
            found.setdefault(row["contribution_id"], []).append(row)
    return found


def _name_entries(conn: sa.Connection, commons_id: str, approvals: dict[str, list[Row]]) -> None:
    """Each approval's journal entry id, by its seq (one query)."""
    seqs = sorted({row["seq"] for rows in approvals.values() for row in rows})
    if not seqs:
        return
    query = sa.select(entries.c.seq, entries.c.entry_id).where(
        entries.c.commons_id == commons_id, entries.c.seq.in_(seqs)
    )
    ids = {int(seq): entry_id for seq, entry_id in conn.execute(query)}
    for rows in approvals.values():
        for row in rows:
            row["entry"] = ids.get(row["seq"])


def _decay_text(days: int, half_life: int) -> str:
    """The exact decay factor applied, shown to six decimals."""
    return format((Decimal(factor(days, half_life)) / SCALE).quantize(Decimal("0.000001")), "f")


def _term(
    view: View, credit: Row, about: Row, approvals: list[Row], names: dict[str, str]
) -> ContributionTerm:
    half_life = view.policies.standing.half_life_days
    days = days_between(credit["day"], view.as_of_day)
    now = decayed(int(credit["standing_milli"]), days, half_life)
    return ContributionTerm(
        kind="contribution",
        contribution=credit["contribution_id"],
        entry=credit["contribution_id"],  # a contribution's id is its record entry's id
        seq=about.get("seq"),
        accepted_on=credit["day"],
        provisional=bool(credit.get("provisional")),
        points=points_text(int(credit["points_milli"])),
        standing_added=points_text(int(credit["standing_milli"])),
        decay=_decay_text(days, half_life),
        standing=shown(now),
        standing_milli=now,
        settled_quantity=about.get("accepted_quantity"),
        description=about.get("description"),
        contribution_kind=about.get("kind"),
        approvals=tuple(
            Approval(
                validator=row["validator"],
                name=names.get(row["validator"], ""),
                seq=row["seq"],
                entry=row.get("entry"),
                weight=points_text(int(row["weight_milli"])),
            )
            for row in approvals
        ),
    )


def _seed_term(view: View, row: Row | None, founded_on: str) -> SeedTerm | None:
    if row is None or not row["seed_milli"]:
        return None
    half_life = view.policies.standing.half_life_days
    days = days_between(founded_on, view.as_of_day)
    now = decayed(int(row["seed_milli"]), days, half_life)
    return SeedTerm(
        kind="seed",
        accepted_on=founded_on,
        provisional=False,
        points=points_text(int(row["seed_milli"])),
        standing_added=points_text(int(row["seed_milli"])),
        decay=_decay_text(days, half_life),
        standing=shown(now),
        standing_milli=now,
        approvals=(),
    )


def member_standing(
    node: Node, commons_id: str, did: str, *, as_of: str | None = None
) -> MemberStanding:
    """One member's standing and value points, and why: each term linked to its journal entry."""
    view = require_view(node, commons_id, as_of)
    with node.reading() as conn:
        require_head(conn, commons_id)
        person = member_row(conn, commons_id, did)
        if person is None:
            raise NotFound(f"{did} is not a member of this commons ({commons_id})")
        current = _current_rows(conn, view, [did]).get(did)
        past = view.as_of_day < view.settled_through
        row = _past_rows(conn, view, [did]).get(did) if past else current
        founded = conn.execute(
            sa.select(commons.c.founded_at).where(commons.c.commons_id == commons_id)
        ).scalar_one()
        history = _history(conn, commons_id, did)
        credits = _credits(view, did, history)
        by_seq = _contributions(conn, commons_id, sorted({credit["seq"] for credit in credits}))
        for credit in credits:  # a credit names its contribution by seq: give its id
            credit["contribution_id"] = by_seq[credit["seq"]]["contribution_id"]
        credits.sort(key=lambda credit: (credit["day"], credit["contribution_id"]))
        about = {row["contribution_id"]: row for row in by_seq.values()}
        ids = [credit["contribution_id"] for credit in credits]
        approvals = _approvals(conn, view, ids)
        _name_entries(conn, commons_id, approvals)
        validators = {row["validator"] for rows in approvals.values() for row in rows}
        names = _names(conn, commons_id, sorted(validators))
    return _member_json(
        view,
        did,
        person.name,
        row,
        current,
        founded[:10],
        credits,
        about,
        approvals,
        names,
        history,
    )


def _history(conn: sa.Connection, commons_id: str, did: str) -> list[Row]:
    query = (
        sa.select(standing_history)
        .where(standing_history.c.commons_id == commons_id, standing_history.c.member == did)
        .order_by(standing_history.c.day)
    )
    return [plain_row(row) for row in conn.execute(query).mappings()]


def _member_json(
    view: View,
    did: str,
    name: str,
    row: Row | None,
    current: Row | None,
    founded_on: str,
    credits: list[Row],
    about: dict[str, Row],
    approvals: dict[str, list[Row]],
    names: dict[str, str],
    history: list[Row],
) -> MemberStanding:
    milli = _standing_milli(row, view)
    seed = _seed_term(view, current, founded_on)
    terms: list[SeedTerm | ContributionTerm] = [] if seed is None else [seed]
    terms += [
        _term(
            view,
            c,
            about.get(c["contribution_id"], {}),
            approvals.get(c["contribution_id"], []),
            names,
        )
        for c in credits
    ]
    rounding = milli - sum(term.standing_milli for term in terms)
    by_month: dict[str, int] = {}
    by_skill: dict[str, int] = {}
    half_life = view.policies.standing.half_life_days
    for credit in credits:
        month = credit["day"][:7]
        by_month[month] = by_month.get(month, 0) + int(credit["points_milli"])
        skill = about.get(credit["contribution_id"], {}).get("skill")
        if skill:
            days = days_between(credit["day"], view.as_of_day)
            by_skill[skill] = by_skill.get(skill, 0) + decayed(
                int(credit["standing_milli"]), days, half_life
            )
    return MemberStanding(
        **_labels(view),
        member=did,
        name=name,
        standing=shown(milli),
        standing_milli=milli,
        standing_by_skill={
            skill: shown(value) for skill, value in sorted(by_skill.items()) if value
        },
        value_points=points_text(int(row["value_points_milli"]) if row else 0),
        value_points_by_month={m: points_text(v) for m, v in sorted(by_month.items())},
        privileges=privileges_of(view.policies, milli),
        policy_version=view.policies.value.version,
        half_life_days=half_life,
        why=tuple(terms),
        rounding=points_text(rounding),
        series=tuple(_series(view, founded_on, history)),
        contributions_accepted=len(credits),
    )


def _series(view: View, founded_on: str, history: list[Row]) -> list[SeriesPoint]:
    """Standing over time, from the founding day to the as-of day, at up to 60 days."""
    last = max(days_between(founded_on, view.as_of_day), 0)
    start = date.fromisoformat(founded_on)
    picks = np.unique(np.linspace(0, last, min(SERIES_POINTS, last + 1)).round().astype(int))
    half_life = view.policies.standing.half_life_days
    out = []
    position = -1
    for offset in picks.tolist():
        day = date.fromordinal(start.toordinal() + offset).isoformat()
        while position + 1 < len(history) and history[position + 1]["day"] <= day:
            position += 1
        value = 0
        if position >= 0:
            held = history[position]
            value = decayed(int(held["amount_milli"]), days_between(held["day"], day), half_life)
        out.append(SeriesPoint(day=day, standing=shown(value)))
    return out
