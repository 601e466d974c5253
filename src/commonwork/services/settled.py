"""Reads of settled state, with the provisional view of the days not settled yet.

Settled rows are projected by day settlement (commonwork.standing.settle) and final. Read "now",
a commons also has days that are over or under way but not settled, because no entry of a later
day has been folded yet. The provisional view runs the same settlement over those days, up to and
including the as-of day, on a throwaway overlay (a DbState that is never flushed): deterministic
for a given (head, as-of day), labelled ``provisional`` wherever it is shown, cached by both, and
costing what the unsettled days' agenda costs — never the whole journal. Rules never read it.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any, Protocol, Self, TypeVar, cast

import orjson
import sqlalchemy as sa

from commonwork.commons.policy import Policies
from commonwork.errors import BadInput, NotSettledYet
from commonwork.journal.actions import parse_time
from commonwork.journal.chain import Head
from commonwork.journal.projection import Key, Row, key_of
from commonwork.node.jobs import Task
from commonwork.node.node import Node
from commonwork.node.registry import SETTLE_STEPS
from commonwork.node.state import DbState
from commonwork.node.tables import entries
from commonwork.production.actions import CORRECT, RECORD, VALIDATE, WITHDRAW
from commonwork.production.tables import contribution_status, contributions, settle_agenda, tasks
from commonwork.services.journals import require_head
from commonwork.standing.settle import Day, add_days, authors, policies_in_force, settle_until
from commonwork.standing.tables import member_standing, settlements

VIEW_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()
REUSE_WITHIN = 5000  # entries: beyond that, deciding the day afresh costs less than reading them
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
_NOTHING: Mapping[Key, Row] = MappingProxyType({})
FOLD = 16  # a Layered mapping makes a new base once its changes reach 1/16 of the base


class Filterable(Protocol):
    """A statement that can be narrowed with WHERE (a SELECT, of rows or of a count)."""

    def where(self, *whereclause: sa.ColumnElement[bool]) -> Self: ...


Q = TypeVar("Q", bound=Filterable)


@dataclass(frozen=True, eq=False)
class View:
    """A commons under a settlement engine, as of ``as_of``: what was settled, and on top the
    rows the provisional settlement of the days from ``next_day`` to ``as_of_day`` changed."""

    commons_id: str
    head: Head
    as_of: str
    as_of_day: str
    next_day: str  # the first day not settled
    policies: Policies
    overlay: Mapping[str, Mapping[Key, Row]]
    # When the view was updated from the view of head seq ``previous`` (the head's own day, one
    # head after another): the members whose provisional rows may differ from that view's.
    moved: frozenset[str] | None = None
    previous: int | None = None

    @property
    def settled_through(self) -> str:
        """The last settled day."""
        return add_days(self.next_day, -1)

    def changed(self, table: sa.Table) -> Mapping[Key, Row]:
        """The rows of ``table`` the provisional settlement changed, by key."""
        return self.overlay.get(table.name, _NOTHING)

    def row(self, table: sa.Table, stored: Row) -> Row:
        """``stored`` (a settled row of ``table``, or one with more columns that holds its key:
        a contribution's record joined with its status) as of the as-of time, marked
        ``provisional`` when the provisional settlement changed it."""
        newer = self.changed(table).get(key_of(table, stored))
        if newer is None:
            return {**stored, "provisional": False}
        return {**stored, **newer, "provisional": True}


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


def current(node: Node, commons_id: str, *, as_of: str | None = None) -> View | None:
    """The view as of ``as_of`` (default: the node's clock, never earlier than the head), or None
    for a commons that keeps the provisional one-approval rule (no settlement engine)."""
    when = as_of_time(node, as_of)
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        when = max(when, head.recorded_at) if as_of is None else when
        key = ("view", head.id, when[:10])
        cached = node.figures_cache.get(key)
        if isinstance(cached, View):
            return cached
        checkpoint = _checkpoint(node, conn, commons_id, head)
        overlay = DbState(conn)
        policies = _policies(node, overlay, commons_id, checkpoint)
        if policies is None:
            return None
        if checkpoint is None:
            raise NotSettledYet(
                "this commons' charter sets policies, but this node has not settled its journal "
                "yet (it was upgraded from a release before day settlement): run "
                "`commonwork rebuild` once, then its figures are here"
            )
        moved, previous = None, None
        if when[:10] == checkpoint == head.recorded_at[:10]:  # only the head's own day is open
            today = _today(node, conn, head, policies)
            rows, moved, previous = today.rows(), today.moved, today.previous
        else:
            if when[:10] >= checkpoint:
                settle_until(overlay, commons_id, add_days(when[:10], 1), SETTLE_STEPS)
            rows = {name: dict(found) for name, found in overlay.pending.items()}
    made = View(commons_id, head, when, when[:10], checkpoint, policies, rows, moved, previous)
    keep(node, key, made)
    return made


def _checkpoint(node: Node, conn: sa.Connection, commons_id: str, head: Head) -> str | None:
    """The first day not settled. Known without asking while the head stays on the day of the
    kept view of today: only an entry of a later day settles anything."""
    today = node.figures_cache.get(("today", commons_id))
    if isinstance(today, Today) and today.day == head.recorded_at[:10]:
        return today.day
    found: str | None = conn.execute(
        sa.select(settlements.c.next_day).where(settlements.c.commons_id == commons_id)
    ).scalar_one_or_none()
    return found


def _policies(
    node: Node, state: DbState, commons_id: str, checkpoint: str | None
) -> Policies | None:
    """The policies in force, kept by the checkpoint: a charter version takes effect only as
    settlement moves the checkpoint, so heads with the same checkpoint share them."""
    if checkpoint is None:
        return policies_in_force(state, commons_id)
    key = ("policies", commons_id, checkpoint)
    found = node.figures_cache.get(key)
    if isinstance(found, Policies):
        keep(node, key, found)  # read by every head of the day: kept as the newest
        return found
    policies = policies_in_force(state, commons_id)
    if policies is not None:
        keep(node, key, policies)
    return policies


@dataclass
class Today:
    """The provisional settlement of the head's own day, kept per contribution and per member: a
    new head decides again only the contributions its new entries touched, and credits again
    only the members whose accepted contributions those changed (a member's credits depend on
    their own contributions only). The same as settling the day whole, for every row a read
    shows (contributions, tasks, members' standing, history and credits). What it holds is
    updated, not rebuilt: a new head costs what its entries changed."""

    day: str
    head_seq: int
    # Each a base and a new head's changes over it (never changed in place: see Layered):
    decided: Layered[int, dict[str, dict[Key, Row]]]  # contribution (its seq) → rows by table
    credits: Layered[str, dict[str, dict[Key, Row]]]  # member → their rows by table
    accepted: Layered[int, Row]  # the contributions accepted today (status rows), by seq
    by_author: Layered[str, set[int]]  # member → the accepted contributions they author
    closers: frozenset[int]  # the decided contributions that close a task
    # The tables the decided rows and the credited rows hold (the view's overlay has these).
    contribution_tables: frozenset[str] = frozenset()
    member_tables: frozenset[str] = frozenset()
    closed_tasks: dict[Key, Row] = field(default_factory=dict)  # by the first acceptance
    moved: frozenset[str] | None = None  # members whose rows changed since ``previous``
    previous: int | None = None  # the head seq this one was updated from
    # Facts that hold for every head of the day, shared by each Today updated from this one
    # and only ever added to: the record seqs of contributions by id (a contribution's id is
    # its record entry's, for good), and members' settled standing rows (None: none), which
    # only settling a day changes — and no day is settled while the head stays on this one.
    seqs: dict[str, int] = field(default_factory=dict)
    standing_rows: dict[Key, Row | None] = field(default_factory=dict)

    @cached_property
    def overlay(self) -> dict[str, Mapping[Key, Row]]:
        """Every row by table, read through the rows kept per contribution and per member: a
        new head shares them instead of copying every row of the day."""
        tables: dict[str, Mapping[Key, Row]] = {
            name: _Grouped(name, self.decided) for name in self.contribution_tables
        }
        tables.update({name: _Grouped(name, self.credits) for name in self.member_tables})
        tables[tasks.name] = self.closed_tasks
        return tables

    def rows(self) -> Mapping[str, Mapping[Key, Row]]:
        return self.overlay


class _Mark(enum.Enum):
    MISSING = 0  # not in this layer: look in the ones below
    GONE = 1  # taken out by this layer's update


class Layered(Mapping[K, V]):
    """A mapping kept as a base dict and the changes made to it since, in one small dict over
    it, so that an update copies the changes, not the entries it leaves alone — a new head
    changes a few of the day's thousands of rows — and a lookup reads two dicts at most. Once
    the changes reach 1/``FOLD`` of the base they are merged into a new base. Never changed in
    place: an update makes another."""

    __slots__ = ("_merged", "base", "changes")

    def __init__(self, base: dict[K, V], changes: dict[K, V | _Mark] | None = None) -> None:
        self.base = base
        self.changes: dict[K, V | _Mark] = changes or {}  # GONE: taken out of the base
        self._merged: dict[K, V] | None = None if self.changes else base

    def get(self, key: K, default: Any = None) -> Any:
        found = self.changes.get(key, _Mark.MISSING)
        if found is _Mark.MISSING:
            return self.base.get(key, default)
        return default if found is _Mark.GONE else found

    def __getitem__(self, key: K) -> V:
        found = self.changes.get(key, _Mark.MISSING)
        if found is _Mark.MISSING:
            return self.base[key]
        if found is _Mark.GONE:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        found = self.changes.get(cast(K, key), _Mark.MISSING)  # another type: a miss, as in a dict
        if found is _Mark.MISSING:
            return key in self.base
        return found is not _Mark.GONE

    def merged(self) -> dict[K, V]:
        """Every entry in one dict (made once: nothing changes it)."""
        if self._merged is None:
            merged = dict(self.base)
            for key, value in self.changes.items():
                if value is _Mark.GONE:
                    merged.pop(key, None)
                elif value is not _Mark.MISSING:
                    merged[key] = value
            self._merged = merged
        return self._merged

    def __iter__(self) -> Iterator[K]:
        return iter(self.merged())

    def __len__(self) -> int:
        return len(self.merged())

    def updated(self, changes: Mapping[K, V], removed: Iterable[K] = ()) -> Layered[K, V]:
        """These entries set (over any held) and ``removed`` taken out, the others shared."""
        if not changes and not removed:
            return self
        layer = dict(self.changes)
        layer.update(dict.fromkeys(removed, _Mark.GONE))
        layer.update(changes)
        made = Layered(self.base, layer)
        if len(layer) * FOLD < len(self.base):
            return made
        return Layered(made.merged())  # a new base


class _Grouped(Mapping[Key, Row]):
    """One table's rows among rows kept in groups by the key's second column (a contribution's
    seq, or a member): looked up in their group, gathered only when iterated."""

    def __init__(self, name: str, groups: Mapping[Any, Mapping[str, Mapping[Key, Row]]]) -> None:
        self.name = name
        self.groups = groups
        self._gathered: dict[Key, Row] | None = None

    def __getitem__(self, key: Key) -> Row:
        return self.groups[key[1]][self.name][key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) < 2:
            return False
        group = self.groups.get(key[1])
        return group is not None and key in group.get(self.name, _NOTHING)

    def _all(self) -> dict[Key, Row]:
        if self._gathered is None:
            self._gathered = {
                key: row
                for group in self.groups.values()
                for key, row in group.get(self.name, _NOTHING).items()
            }
        return self._gathered

    def __iter__(self) -> Iterator[Key]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def items(self) -> ItemsView[Key, Row]:
        return self._all().items()

    def values(self) -> ValuesView[Row]:
        return self._all().values()


def _today(node: Node, conn: sa.Connection, head: Head, policies: Policies) -> Today:
    commons_id, day = head.commons_id, head.recorded_at[:10]
    key = ("today", commons_id)
    earlier = node.figures_cache.get(key)
    if isinstance(earlier, Today) and earlier.day == day and earlier.head_seq == head.seq:
        return earlier
    if (
        isinstance(earlier, Today)
        and earlier.day == day
        and 0 < head.seq - earlier.head_seq <= REUSE_WITHIN
    ):
        made = _updated(node, conn, earlier, head, policies)
    else:
        made = _afresh(conn, head, policies)
    keep(node, key, made)
    return made


def _afresh(conn: sa.Connection, head: Head, policies: Policies) -> Today:
    commons_id, day = head.commons_id, head.recorded_at[:10]
    todo = _agenda(conn, commons_id, day)
    overlay = DbState(conn)
    Day(overlay, commons_id, policies, day).decide_only(todo)
    decided = _by_contribution(overlay.pending, todo)
    accepted = _accepted_in(decided, todo, day)
    standing_rows: dict[Key, Row | None] = {}
    _learn(standing_rows, overlay)
    credits: dict[str, dict[str, dict[Key, Row]]] = {}
    if accepted:
        credited = DbState(conn)
        Day(credited, commons_id, policies, day).credit_only(list(accepted.values()))
        credits = _by_member(credited.pending)
        _learn(standing_rows, credited)
    by_author: dict[str, set[int]] = {}
    for seq, row in accepted.items():
        for member, _ in authors(row):
            by_author.setdefault(member, set()).add(seq)
    closers = frozenset(seq for seq, tables in decided.items() if tables.get(tasks.name))
    statuses = overlay.cache.get(contribution_status.name, {})
    seqs = {row["contribution_id"]: key[1] for key, row in statuses.items() if row is not None}
    made = Today(
        day,
        head.seq,
        Layered(decided),
        Layered(credits),
        Layered(accepted),
        Layered(by_author),
        closers,
        _names(decided.values()),
        _names(credits.values()),
        seqs=seqs,
        standing_rows=standing_rows,
    )
    _merge_tasks(made)
    return made


def _learn(standing_rows: dict[Key, Row | None], state: DbState) -> None:
    """Keep the settled standing rows ``state`` read (never changed in place: settlement puts
    copies)."""
    for key, row in state.cache.get(member_standing.name, {}).items():
        standing_rows.setdefault(key, row)


def _seeded(
    conn: sa.Connection, standing_rows: Mapping[Key, Row | None], rows: Iterable[Row]
) -> DbState:
    """An overlay whose read cache holds the settled standing rows known already of the
    authors of ``rows``: crediting a member read before reads nothing again."""
    state = DbState(conn)
    cache = state.cache[member_standing.name]
    for row in rows:
        for member, _ in authors(row):
            key = (row["commons_id"], member)
            if key in standing_rows:
                cache[key] = standing_rows[key]
    return state


def _seqs(
    conn: sa.Connection, commons_id: str, ids: Iterable[str], known: dict[str, int]
) -> list[int]:
    """The record seqs of these contributions (those that exist), ascending: from ``known``
    (contribution id → seq, added to) where it has them, the others read."""
    missing = sorted({cid for cid in ids if cid not in known})
    if missing:
        query = sa.select(contributions.c.contribution_id, contributions.c.seq).where(
            contributions.c.commons_id == commons_id
        )
        for start in range(0, len(missing), 500):
            part = query.where(contributions.c.contribution_id.in_(missing[start : start + 500]))
            known.update((cid, int(seq)) for cid, seq in conn.execute(part))
    return sorted({known[cid] for cid in ids if cid in known})


def _updated(
    node: Node, conn: sa.Connection, earlier: Today, head: Head, policies: Policies
) -> Today:
    commons_id, day = head.commons_id, head.recorded_at[:10]
    changes = changes_since(node, conn, commons_id, earlier.head_seq, head.seq)
    earlier.seqs.update(changes.recorded)  # shared: a fact for every head of the day
    # Only a validation, a correction or a withdrawal changes what today decides for the work it
    # names; deciding such work whether or not it is on the agenda gives what settlement gives
    # (work off the agenda stays as it is). A record changes nothing today.
    deciding = changes.types & {VALIDATE, CORRECT, WITHDRAW}
    todo = _seqs(conn, commons_id, changes.touched, earlier.seqs) if deciding else []
    if not todo:  # nothing today decides changed: the same rows, shared (never changed in place)
        return replace(earlier, head_seq=head.seq, moved=frozenset(), previous=earlier.head_seq)
    touched = set(todo)
    overlay = DbState(conn)
    Day(overlay, commons_id, policies, day).decide_only(todo)
    fresh = _by_contribution(overlay.pending, todo)  # every touched contribution's rows
    decided = earlier.decided.updated(fresh)
    before = {seq: earlier.accepted[seq] for seq in touched if seq in earlier.accepted}
    now = _accepted_in(fresh, todo, day)
    accepted = earlier.accepted.updated(now, removed=before.keys() - now.keys())
    changed = {seq for seq in touched if seq in before or seq in now}
    affected = {
        member
        for seq in changed
        for row in (before.get(seq), now.get(seq))
        if row is not None
        for member, _ in authors(row)
    }
    authored = {member: set(earlier.by_author.get(member, ())) for member in affected}
    for seq, row in before.items():
        for member, _ in authors(row):
            authored[member].discard(seq)
    for seq, row in now.items():
        for member, _ in authors(row):
            authored[member].add(seq)
    by_author = earlier.by_author.updated(authored)
    crediting = sorted({seq for member in affected for seq in authored[member]})
    fresh_credits: dict[str, dict[str, dict[Key, Row]]] = {}
    if crediting:
        rows = [accepted[seq] for seq in crediting]
        credited = _seeded(conn, earlier.standing_rows, rows)
        Day(credited, commons_id, policies, day).credit_only(rows, affected)
        _learn(earlier.standing_rows, credited)
        fresh_credits = _by_member(credited.pending)
    credits = earlier.credits.updated(fresh_credits, removed=affected - fresh_credits.keys())
    closers = set(earlier.closers) - touched
    closers.update(seq for seq, tables in fresh.items() if tables.get(tasks.name))
    made = Today(
        day,
        head.seq,
        decided,
        credits,
        accepted,
        by_author,
        frozenset(closers),
        earlier.contribution_tables | _names(fresh.values()),
        earlier.member_tables | _names(fresh_credits.values()),
        moved=frozenset(affected),
        previous=earlier.head_seq,
        seqs=earlier.seqs,
        standing_rows=earlier.standing_rows,
    )
    _merge_tasks(made)
    return made


def _accepted_in(
    decided: dict[int, dict[str, dict[Key, Row]]], seqs: list[int], day: str
) -> dict[int, Row]:
    found: dict[int, Row] = {}
    for seq in seqs:
        for row in decided.get(seq, {}).get(contribution_status.name, {}).values():
            if row["status"] == "accepted" and row["accepted_on"] == day:
                found[seq] = row
    return found


def _names(groups: Iterable[Mapping[str, object]]) -> frozenset[str]:
    """The tables these groups of rows hold rows of (tasks apart: closed_tasks has them)."""
    return frozenset(name for group in groups for name in group if name != tasks.name)


def _merge_tasks(made: Today) -> None:
    """A task closes by the first contribution linked to it that the day accepts (in journal
    order), as settling the day whole closes it."""
    closing: dict[Key, tuple[int, Row]] = {}
    for seq in made.closers:
        if seq not in made.accepted:
            continue
        for key, row in made.decided.get(seq, {}).get(tasks.name, {}).items():
            if key not in closing or seq < closing[key][0]:
                closing[key] = (seq, row)
    made.closed_tasks = {key: row for key, (_, row) in closing.items()}


def _agenda(conn: sa.Connection, commons_id: str, day: str) -> list[int]:
    """The contributions (by seq) the day's settlement would decide (its agenda, less moot
    entries), in journal order."""
    query = (
        sa.select(settle_agenda.c.seq)
        .where(
            settle_agenda.c.commons_id == commons_id,
            settle_agenda.c.day == day,
            settle_agenda.c.why != "moot",
        )
        .order_by(settle_agenda.c.seq)
    )
    return [int(seq) for seq in conn.execute(query).scalars()]


def seqs_of(conn: sa.Connection, commons_id: str, ids: Iterable[str]) -> list[int]:
    """The record seqs of these contributions (those that exist), ascending: what settlement
    keys a contribution's status by."""
    return _seqs(conn, commons_id, ids, {})


def _by_member(pending: dict[str, dict[Key, Row]]) -> dict[str, dict[str, dict[Key, Row]]]:
    """Crediting's rows (standing, history, credits: each keyed by commons then member) by
    member."""
    out: dict[str, dict[str, dict[Key, Row]]] = {}
    for name, rows in pending.items():
        for key, row in rows.items():
            out.setdefault(key[1], {}).setdefault(name, {})[key] = row
    return out


@dataclass(frozen=True)
class Changes:
    """What the entries after one head up to another did: their action types, and the
    contributions they record, correct, validate or withdraw; and the seqs of the records."""

    types: frozenset[str]
    touched: frozenset[str]
    recorded: Mapping[str, int] = field(default_factory=dict)  # contribution id → record seq


#: The entries between two heads, in order: their kept columns (the lines were checked when
#: appended, so nothing is parsed but a body's target). Built once: a first read runs it.
_ENTRIES_BETWEEN = (
    sa.select(entries.c.seq, entries.c.entry_id, entries.c.type, entries.c.line)
    .where(
        entries.c.commons_id == sa.bindparam("commons_id"),
        entries.c.seq > sa.bindparam("after"),
        entries.c.seq <= sa.bindparam("upto"),
    )
    .order_by(entries.c.seq)
)


def changes_since(
    node: Node, conn: sa.Connection | None, commons_id: str, after: int, upto: int
) -> Changes:
    """The changes between two heads, read once (one query, in a read transaction of its own
    when ``conn`` is None) and kept: the provisional view and the standing table of a new
    head both ask."""
    key = ("changes", commons_id, str(after), str(upto))
    found = node.figures_cache.get(key)
    if isinstance(found, Changes):
        return found
    if conn is None:
        with node.reading() as reading:
            return changes_since(node, reading, commons_id, after, upto)
    types: set[str] = set()
    touched: set[str] = set()
    recorded: dict[str, int] = {}
    params = {"commons_id": commons_id, "after": after, "upto": upto}
    for seq, entry_id, action_type, line in conn.execute(_ENTRIES_BETWEEN, params):
        types.add(action_type)
        if action_type == RECORD:
            touched.add(entry_id)
            recorded[entry_id] = int(seq)
        else:  # a line checked when it was appended: only its body's target is read
            body = orjson.loads(line)["action"]["body"]
            target = body.get("contribution") if isinstance(body, dict) else None
            if isinstance(target, str):
                touched.add(target)
    made = Changes(frozenset(types), frozenset(touched), recorded)
    keep(node, key, made)
    return made


def _by_contribution(
    pending: dict[str, dict[Key, Row]], seqs: list[int]
) -> dict[int, dict[str, dict[Key, Row]]]:
    """The overlay's rows of each decided contribution (by seq): its status row and the task it
    closed (deciding writes no validation: their weights were fixed as they were recorded)."""
    out: dict[int, dict[str, dict[Key, Row]]] = {seq: {} for seq in seqs}
    by_id: dict[str, int] = {}
    for key, row in pending.get(contribution_status.name, {}).items():
        if key[1] in out:
            out[key[1]].setdefault(contribution_status.name, {})[key] = row
            by_id[row["contribution_id"]] = key[1]
    for key, row in pending.get(tasks.name, {}).items():
        seq = by_id.get(row.get("closed_by") or "")
        if seq is not None:
            out[seq].setdefault(tasks.name, {})[key] = row
    return out


def policies_now(node: Node, commons_id: str) -> Policies | None:
    """The policies the next day's settlement will read (None: no settlement engine)."""
    with node.reading() as conn:
        return policies_in_force(DbState(conn), commons_id)


def for_rows(
    node: Node, commons_id: str, ids: list[str], *, as_of: str | None = None
) -> View | None:
    """Like :func:`current`, but when only the head's own day is unsettled (the common case: a
    commons read on the day of its last entry), the provisional view covers just these
    contributions (and the tasks they close): each is decided from settled state alone, so the
    cost is the page's, not the day's. Otherwise the whole view."""
    when = as_of_time(node, as_of)
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        when = max(when, head.recorded_at) if as_of is None else when
        checkpoint = _checkpoint(node, conn, commons_id, head)
        if checkpoint is None:
            return None  # no engine, or not settled yet on this node: the rows as they stand
        if when[:10] != head.recorded_at[:10] or checkpoint != when[:10]:
            return current(node, commons_id, as_of=as_of)
        wanted = sorted(set(ids))
        key = ("rows", head.id, when[:10], hashlib.sha256("".join(wanted).encode()).hexdigest())
        cached = node.figures_cache.get(key)
        if isinstance(cached, View):
            return cached
        overlay = DbState(conn)
        policies = _policies(node, overlay, commons_id, checkpoint)
        if policies is None:
            return None
        Day(overlay, commons_id, policies, checkpoint).decide_only(
            seqs_of(conn, commons_id, wanted)
        )
        rows = {name: dict(found) for name, found in overlay.pending.items()}
    made = View(commons_id, head, when, when[:10], checkpoint, policies, rows)
    return remembered(node, key, lambda: made)


def for_tasks(node: Node, commons_id: str, *, as_of: str | None = None) -> View | None:
    """The view of tasks: on the head's own day, only today's contributions linked to a task
    can close one provisionally, so only they are decided."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        linked = conn.execute(
            sa.select(contribution_status.c.contribution_id)
            .select_from(settle_agenda)
            .join(
                contribution_status,
                sa.and_(
                    contribution_status.c.commons_id == settle_agenda.c.commons_id,
                    contribution_status.c.seq == settle_agenda.c.seq,
                ),
            )
            .where(
                settle_agenda.c.commons_id == commons_id,
                settle_agenda.c.day == head.recorded_at[:10],
                settle_agenda.c.why != "moot",
                contribution_status.c.task.is_not(None),
            )
        ).scalars()
        ids = list(linked)
    return for_rows(node, commons_id, ids, as_of=as_of)


def remembered(node: Node, key: tuple[str, ...], compute: Callable[[], T]) -> T:
    """The result of a heavy read (a past as-of, a preview) kept by its key, which starts with
    what the result is a pure function of (the head's id and the input): computed once."""
    found = node.figures_cache.get(key)
    if found is None:
        found = compute()
        keep(node, key, found)
    return cast(T, found)


#: How long a web request waits for a heavy read before it is answered "being computed".
HEAVY_WAIT = 1.0


def computed(node: Node, key: tuple[str, ...], label: str, task: Task[T], wait: float | None) -> T:
    """A heavy read (a past as-of, a preview) kept by its key, computed by a job outside the
    request (node.jobs: one at a time, in a worker process under ``commonwork serve``); see
    ``Jobs.result`` for ``wait``."""
    return cast(T, node.jobs.result(key, label, task, wait=wait))


def keep(node: Node, key: tuple[str, ...], value: object, size: int = VIEW_CACHE_SIZE) -> None:
    """Keep ``value`` in the node's cache of derived figures as its newest (again, if it was
    kept: what each new head keeps anew, such as the view of today, is never the oldest),
    dropping the oldest beyond ``size``; safe from the server's threads (a value is a pure
    function of its key, so two threads computing it at once only waste work)."""
    with _CACHE_LOCK:
        node.figures_cache.pop(key, None)  # kept again: now the newest, not evicted as old
        while len(node.figures_cache) >= size:
            node.figures_cache.pop(next(iter(node.figures_cache)))
        node.figures_cache[key] = value


def status_filter(query: Q, view: View | None, table: sa.Table, id_column: str, status: str) -> Q:
    """``query`` narrowed to rows whose status as of the view is ``status``: the settled column,
    corrected by the few rows the provisional settlement changed."""
    column = table.c.status
    if view is None:
        return query.where(column == status)
    changed = view.changed(table)
    ids = [key[1] for key in changed]
    now_with = [key[1] for key, row in changed.items() if row["status"] == status]
    settled = sa.and_(column == status, table.c[id_column].not_in(ids)) if ids else column == status
    return query.where(sa.or_(settled, table.c[id_column].in_(now_with)))
