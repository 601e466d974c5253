"""The two homes of projected state: the database (inside a transaction) and memory.

Both implement :class:`commonwork.journal.projection.State`. ``DbState`` reads through a cache
and writes behind: rows put during an append are kept in memory (where the rules of the next
action in the same batch see them) and written with one upsert per table at flush. ``MemoryState``
is what ``verify`` replays into. Either yields the same state digest for the same journal.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from commonwork.errors import ChainBroken, StorageUnavailable
from commonwork.journal.entries import Entry
from commonwork.journal.projection import (
    Context,
    Key,
    Parts,
    Row,
    add_rows,
    digest_rows,
    key_of,
    tuple_getter,
)
from commonwork.node.db import select_exact, select_keyed
from commonwork.node.digests import add_deltas
from commonwork.node.registry import (
    AFTER_ENTRY,
    BEFORE_ENTRY,
    BEGIN,
    DAY_BOUNDARY,
    EMITTERS,
    FORK_CARRIES,
    FORK_RESETS,
    KEEP_EVENTS,
    PROJECTED_TABLES,
    READS_AFTER,
    SETTLE_STEPS,
    TABLE_AREAS,
    spec_for,
)


def prefetch_reads(
    state: DbState, commons_id: str, actions: Iterable[tuple[str, str, Any]]
) -> None:
    """Prefetch what the rules of these (type, author, parsed body) actions will read."""
    listed = list(actions)
    wanted: list[tuple[sa.Table, Key]] = []
    for action_type, author, body in listed:
        reads = spec_for(action_type).reads
        if reads is not None:
            wanted.extend(reads(commons_id, author, body))
    state.prefetch(wanted)
    # Then each area's, in area order, from the rows loaded before it: an area's may read what
    # an earlier area's named (production's names a contribution's status row by the seq its
    # record gives; standing's reads that row to see whether the work is still pending).
    for reads_after in READS_AFTER:
        after: dict[str, tuple[sa.Table, set[Key]]] = {}
        for action_type, author, body in listed:
            for table, key in reads_after(state, commons_id, action_type, author, body):
                after.setdefault(table.name, (table, set()))[1].add(key)
        for table, keys in after.values():
            state.load_exact(table, keys)


def replay_chunk(state: DbState, commons_id: str, entries: list[Entry]) -> None:
    """Apply already-verified entries (rebuild): prefetch what their rules read, then run them."""
    parsed = [(entry, spec_for(entry.type).parse_body(entry.body_json())) for entry in entries]
    prefetch_reads(state, commons_id, [(e.type, e.author, body) for e, body in parsed])
    for entry, body in parsed:
        run_rules(state, commons_id, entry, body)


def run_rules(state: Any, commons_id: str, entry: Entry, body: Any = None) -> None:
    """Check ``entry`` against its area's rules on ``state`` and apply its projection.

    A fork's first entry comes after the parent's entries, replayed under the fork's id (a
    fork's journal is its parent's up to the entry it forks at): the days since that entry are
    settled like any days without entries, its rule checks and applies it, the tables a fork
    starts empty are emptied, and the areas' ``after_entry`` run — not ``begin``, since
    everything else is carried."""
    spec = spec_for(entry.type)
    parsed = body if body is not None else spec.parse_body(entry.action["body"])
    ctx = Context(commons_id, entry, parsed)
    founding = entry.is_genesis and not entry.is_fork
    if not founding:  # e.g. the first entry of a day settles the finished days first
        before_rules(state, commons_id, entry.recorded_at)
    spec.check(state, ctx)
    if entry.is_fork:
        for table in FORK_RESETS:
            state.drop_commons(table, commons_id)
    spec.apply(state, ctx)
    if founding:
        for begin in BEGIN:
            begin(state, commons_id, entry.recorded_at)
    else:
        for after in AFTER_ENTRY:
            after(state, ctx)  # e.g. what the settlement engine fixes with the entry: weights
    if KEEP_EVENTS is not None and EMITTERS:
        events = [event for emit in EMITTERS for event in emit(state, ctx)]
        if events:
            KEEP_EVENTS(state, ctx, events)


def before_rules(state: Any, commons_id: str, at: str) -> None:
    """What runs before the rule of an entry recorded ``at`` (not a genesis): the areas'
    before_entry (governance closes the proposals that fell due before ``at``), each able to
    bring settlement up to a day first, then the settlement of every finished day since the
    checkpoint, with every area's steps. In time order: a decision closed on day D is settled
    after day D - 1 and before day D + 1, from which its effect governs."""

    def settle_to(day: str) -> None:
        if DAY_BOUNDARY is not None:
            DAY_BOUNDARY(state, commons_id, day, SETTLE_STEPS)

    for before in BEFORE_ENTRY:
        before(state, commons_id, at, settle_to)
    settle_to(at[:10])


class MemoryState:
    """Projected rows held in dictionaries: for verification and tests."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(lambda: defaultdict(set))
        #: Per fork replayed: the digest of what it carried, as its parent's state was then.
        self.fork_starts: dict[str, str] = {}
        self.memo: dict[Any, Any] = {}

    def get(self, table: sa.Table, key: Key) -> Row | None:
        return self.rows[table.name].get(key)

    def put(self, table: sa.Table, row: Row) -> None:
        key = key_of(table, row)
        self.rows[table.name][key] = row
        if len(key) > 2:
            self.prefixes[table.name][key[:2]].add(key)

    def insert(self, table: sa.Table, row: Row) -> None:
        key = key_of(table, row)
        if key in self.rows[table.name]:
            raise ChainBroken(f"a projection inserted a {table.name} row that exists: {key}")
        self.put(table, row)

    def preload(self, table: sa.Table, prefixes: Iterable[Key]) -> None:
        """Everything is in memory already."""

    def load_exact(self, table: sa.Table, keys: Iterable[Key]) -> None:
        """Everything is in memory already."""

    def scan(self, table: sa.Table, prefix: Key) -> list[Row]:
        rows = self.rows[table.name]
        return [rows[key] for key in sorted(self.prefixes[table.name].get(prefix, ()))]

    def scan_commons(self, table: sa.Table, commons_id: str) -> list[Row]:
        rows = self.rows[table.name]
        return [rows[key] for key in sorted(key for key in rows if key[0] == commons_id)]

    def drop_commons(self, table: sa.Table, commons_id: str) -> None:
        rows = self.rows[table.name]
        for key in [key for key in rows if key[0] == commons_id]:
            del rows[key]
            if len(key) > 2:
                self.prefixes[table.name][key[:2]].discard(key)

    def rekey(self, old: str, new: str) -> None:
        """Move every row of commons ``old`` to commons ``new`` (a fork of it): a fork's journal
        is its parent's up to the fork, replayed by ``verify`` under the parent's id until the
        fork's entry names the new one."""
        for name, rows in self.rows.items():
            moved = {key: row for key, row in rows.items() if key[0] == old}
            for key, row in moved.items():
                del rows[key]
                self.put(_table(name), {**row, "commons_id": new})
            prefixes = self.prefixes.get(name)
            if prefixes is not None:
                for prefix in [p for p in prefixes if p[0] == old]:
                    del prefixes[prefix]

    def carried_digest(self, commons_id: str) -> str:
        """The state digest of what a fork of this commons carries, with the commons id left
        out of every row: equal for a parent at an entry and for its fork at its start."""
        return digest_rows(
            (
                (
                    table,
                    (
                        {**row, "commons_id": ""}
                        for key, row in sorted(self.rows[table.name].items())
                        if key[0] == commons_id
                    ),
                )
                for table in FORK_CARRIES
            ),
            TABLE_AREAS,
        )

    def digest(self) -> str:
        return digest_rows(
            (
                (table, (row for _, row in sorted(self.rows[table.name].items())))
                for table in PROJECTED_TABLES
            ),
            TABLE_AREAS,
        )

    def replay(self, commons_id: str, entry: Entry) -> None:
        if entry.is_fork:
            parent = str(entry.action["body"]["parent"])
            self.fork_starts[commons_id] = self.carried_digest(parent)
            self.rekey(parent, commons_id)
        run_rules(self, commons_id, entry)


class DbState:
    """Projected rows in the database, read through a cache and written behind."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.memo: dict[Any, Any] = {}  # see State.memo
        self.pending: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.pending_prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.cache: dict[str, dict[Key, Row | None]] = defaultdict(dict)
        # For tables with keys of three columns or more: the cached keys by their first two, and
        # the prefixes whose rows were all loaded (so that a scan of them needs no query).
        self.cache_prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(lambda: defaultdict(set))
        # Per table, the prefixes all of whose rows are cached (sets of plain tuples: a tuple
        # holding the table's name, a str subclass, would stay tracked by the cyclic GC).
        self.complete: dict[str, set[Key]] = defaultdict(set)
        # The tables whose keys (pending and cached) are kept by prefix: those of three key
        # columns or more that a scan asked for. Most tables are never scanned (a day's credits
        # and history), and a set per prefix would be made for nothing.
        self.indexed: set[str] = set()

    def _cache(self, name: str, key: Key, row: Row | None) -> None:
        self.cache[name][key] = row
        if name in self.indexed:
            self.cache_prefixes[name][key[:2]].add(key)

    def _index(self, table: sa.Table) -> None:
        """Keep the keys of ``table`` by prefix from now on, starting with those held."""
        name = table.name
        if name in self.indexed or len(table.primary_key.columns) <= 2:
            return
        self.indexed.add(name)
        for held, prefixes in (
            (self.cache, self.cache_prefixes),
            (self.pending, self.pending_prefixes),
        ):
            by_prefix = prefixes[name]
            for key in held.get(name, ()):
                by_prefix[key[:2]].add(key)

    def get(self, table: sa.Table, key: Key) -> Row | None:
        pending = self.pending.get(table.name)
        if pending is not None and key in pending:
            return pending[key]
        cached = self.cache[table.name]
        if key not in cached:
            if len(key) > 2 and key[:2] in self.complete[table.name]:
                return None  # every row of its prefix is loaded: this one does not exist
            params = {f"k{index}": value for index, value in enumerate(key)}
            found = self.conn.execute(_lookup(table), params).mappings().first()
            cached[key] = plain_row(found) if found is not None else None
        return cached[key]

    def put(self, table: sa.Table, row: Row) -> None:
        key, name = key_of(table, row), table.name
        self.pending[name][key] = row
        if name in self.indexed:
            self.pending_prefixes[name][key[:2]].add(key)

    def insert(self, table: sa.Table, row: Row) -> None:
        key, name = key_of(table, row), table.name
        cached, pending = self.cache[name], self.pending[name]
        if key not in cached and key not in pending:
            cached[key] = None  # known absent: the flush need not look it up
        pending[key] = row
        if name in self.indexed:
            self.pending_prefixes[name][key[:2]].add(key)

    def scan(self, table: sa.Table, prefix: Key) -> list[Row]:
        """Rows by their first two key columns: the database's, then this batch's on top."""
        self._index(table)
        if prefix not in self.complete[table.name]:
            self.preload(table, [prefix])
        cached = self.cache[table.name]
        found = {key: cached.get(key) for key in self.cache_prefixes[table.name].get(prefix, ())}
        pending = self.pending.get(table.name)
        if pending:
            for key in self.pending_prefixes[table.name].get(prefix, ()):
                found[key] = pending[key]  # this batch's rows win over what the database holds
        rows = {key: row for key, row in found.items() if row is not None}
        keys = sorted(rows, key=_after_prefix(len(prefix), len(table.primary_key.columns)))
        return [rows[key] for key in keys]

    def drop_commons(self, table: sa.Table, commons_id: str) -> None:
        """Delete every row of the commons in ``table`` (a fork starts it empty): this batch's
        pending rows are written first, then the rows are taken out of the digest's parts and
        deleted, in the transaction."""
        self.flush()
        name = table.name
        first = next(iter(table.primary_key.columns))
        held = [
            plain_row(r)
            for r in self.conn.execute(sa.select(table).where(first == commons_id)).mappings()
        ]
        deltas: dict[str, Parts] = defaultdict(dict)
        _hash_into(deltas, name, held, -1)
        add_deltas(self.conn, deltas)
        self.conn.execute(sa.delete(table).where(first == commons_id))
        for key in [key for key in self.cache[name] if key[0] == commons_id]:
            self.cache[name][key] = None
        self.complete[name] = {p for p in self.complete[name] if p[0] != commons_id}

    def scan_commons(self, table: sa.Table, commons_id: str) -> list[Row]:
        """Every row of the commons: the database's (one query, not cached: this is rare), then
        this batch's on top."""
        first = next(iter(table.primary_key.columns))
        query = sa.select(table).where(first == commons_id)
        found = {
            key_of(table, row): row
            for row in (plain_row(r) for r in self.conn.execute(query).mappings())
        }
        for key, row in self.pending.get(table.name, {}).items():
            if key[0] == commons_id:
                found[key] = row
        return [found[key] for key in sorted(found)]

    def preload(self, table: sa.Table, prefixes: Iterable[Key]) -> None:
        """Load every row whose first two key columns are one of ``prefixes`` (one query per
        500), once: later gets and scans of them read the cache."""
        exact = len(table.primary_key.columns) == 2  # the prefix is the whole key
        cached, pending = self.cache[table.name], self.pending.get(table.name, {})
        complete = self.complete[table.name]
        todo = {
            prefix
            for prefix in prefixes
            if prefix not in complete
            and not (exact and (prefix in cached or prefix in pending))  # known already
        }
        if not todo:
            return
        groups: dict[Any, set[Any]] = defaultdict(set)
        for first, second in todo:
            groups[first].add(second)
        self._load_groups(table, groups)
        complete.update(todo)
        if exact:
            for prefix in todo:
                if prefix not in cached:
                    cached[prefix] = None

    def prefetch(self, wanted: Iterable[tuple[sa.Table, Key]]) -> None:
        """Load many rows at once (one query per table and 500 keys) into the read cache."""
        missing: dict[str, tuple[sa.Table, set[Key]]] = {}
        for table, key in wanted:
            if key in self.pending.get(table.name, ()) or key in self.cache[table.name]:
                continue
            missing.setdefault(table.name, (table, set()))[1].add(key)
        for table, keys in missing.values():
            self._load(table, keys)

    def _load(self, table: sa.Table, keys: set[Key]) -> None:
        """Rows by the first two key columns (``a = ? AND b IN (…)``), which the indexes serve.

        Rows of a wider key that were not asked for come along and are cached too. The cache is
        what the database holds; ``get`` looks at this batch's pending rows first.
        """
        cached = self.cache[table.name]
        for key in keys:
            cached[key] = None
        columns = list(table.primary_key.columns)
        single = len(columns) == 1
        groups: dict[Any, set[Any]] = defaultdict(set)
        for key in keys:
            groups[None if single else key[0]].add(key[0] if single else key[1])
        self._load_groups(table, groups)

    def _load_groups(self, table: sa.Table, groups: dict[Any, set[Any]]) -> None:
        """Cache every row whose first key column is a group's key and whose second is one of
        its values (for a one-column key: whose key is one of the values of the group None);
        the prefixes loaded are then complete."""
        names, key_positions = _shape(table)
        key_from, indexed = _key_from(table), table.name in self.indexed
        cached, prefixes = self.cache[table.name], self.cache_prefixes[table.name]
        for first, values in groups.items():
            ordered = sorted(values)
            equal = [] if len(key_positions) == 1 else [first]
            for start in range(0, len(ordered), 500):
                found = select_keyed(self.conn, table, equal, ordered[start : start + 500])
                # select_keyed gives every column, in column order: no need to check lengths
                loaded = {key_from(row): dict(zip(names, row, strict=False)) for row in found}
                cached.update(loaded)
                if indexed:
                    for key in loaded:
                        prefixes[key[:2]].add(key)
            if len(key_positions) > 1:  # every row of these prefixes is cached now
                self.complete[table.name].update((first, value) for value in values)

    def flush(self) -> None:
        """Write every pending row and keep the state digest's parts up to date in the same
        transaction: each new row's hash is added and the hash of the row it replaces, as the
        database held it, is taken away. New rows go in with an upsert per table; a replaced row
        is updated in the columns that changed only (grouped by which), and a row put unchanged
        is not written at all. Rows are bound by position, straight on the driver."""
        deltas: dict[str, Parts] = defaultdict(dict)
        # A table marked ``flush_first`` is written before the others (the books' postings go in
        # before their transaction rows, whose trigger checks them: commonwork.economy.guards).
        ordered = sorted(
            self.pending.items(), key=lambda item: not _projected()[item[0]].info.get("flush_first")
        )
        for name, rows in ordered:
            if not rows:
                continue
            table = _projected()[name]
            made, olds, news, changes = _sort_out(table, rows, self._stored(table, rows))
            dialect = self.conn.dialect.name
            # A table marked ``updates_first`` has its changed rows written before its new ones
            # (bookings: a batch that frees a slot and books it again passes the database's
            # guard against overlaps in the fold's order).
            if not table.info.get("updates_first"):
                self._write_made(dialect, table, made)
            for changed, grouped in changes.items():
                sql, values = _update_sql(dialect, table, changed)
                _execute_many(self.conn, sql, [values(row) for row in grouped])
            if table.info.get("updates_first"):
                self._write_made(dialect, table, made)
            _hash_into(deltas, name, made, 1)
            _hash_into(deltas, name, news, 1)
            _hash_into(deltas, name, olds, -1)
            self._remember(name, rows)
        add_deltas(self.conn, deltas)
        self.pending.clear()
        self.pending_prefixes.clear()

    def _write_made(self, dialect: str, table: sa.Table, made: list[Row]) -> None:
        if made:
            sql, values = _upsert_sql(dialect, table)
            _execute_many(self.conn, sql, [values(row) for row in made])

    def _remember(self, name: str, rows: dict[Key, Row]) -> None:
        """The rows just written, as the database now holds them."""
        self.cache[name].update(rows)
        if name in self.indexed:
            prefixes = self.cache_prefixes[name]
            for key in rows:
                prefixes[key[:2]].add(key)

    def forget(self, *, beyond: int = 0) -> None:
        """Drop the read cache once it holds more than ``beyond`` rows (after a flush, the
        database holds it all): a long replay keeps its memory bounded instead of growing with
        the whole state, and keeps what the next days will read while it is small."""
        if sum(len(rows) for rows in self.cache.values()) <= beyond:
            return
        self.cache.clear()
        self.cache_prefixes.clear()
        self.complete.clear()

    def _stored(self, table: sa.Table, rows: dict[Key, Row]) -> dict[Key, Row | None]:
        """What the database holds for these keys (the read cache mirrors it; the rest is
        loaded by exact key): the read cache, which then holds every one of them."""
        cached = self.cache[table.name]
        missing = [key for key in rows if key not in cached]
        if missing:
            self.load_exact(table, missing)
        return cached

    def load_exact(self, table: sa.Table, keys: Iterable[Key]) -> None:
        """Cache exactly these rows (absent ones as None), up to 900 values a statement: unlike a
        prefix load, a key such as (commons, member, day) does not bring every day of the
        member, and keys that share nothing but the commons still cost one statement."""
        cached = self.cache[table.name]
        todo = sorted({key for key in keys if key not in cached})
        names, key_positions = _shape(table)
        per_statement = max(1, 900 // len(key_positions))  # bound values: SQLite's old limit 999
        for start in range(0, len(todo), per_statement):
            part = todo[start : start + per_statement]
            for stored in select_exact(self.conn, table, part):
                key = tuple(stored[position] for position in key_positions)
                self._cache(table.name, key, dict(zip(names, stored, strict=True)))
            for key in part:
                if key not in cached:
                    self._cache(table.name, key, None)


@cache
def _projected() -> dict[str, sa.Table]:
    return {table.name: table for table in PROJECTED_TABLES}


def _table(name: str) -> sa.Table:
    return _projected()[name]


def _sort_out(
    table: sa.Table, rows: dict[Key, Row], stored: dict[Key, Row | None]
) -> tuple[list[Row], list[Row], list[Row], dict[tuple[str, ...], list[Row]]]:
    """The pending rows of ``table`` as the flush writes them: those the database does not
    hold, the replaced rows as it holds them and as they become, and the rows to update by
    which columns changed. A row put unchanged is in none of them. In key order: the writes
    then visit the table's b-tree pages in order (~10% less time in SQLite on a busy day)."""
    fixed, settable = _fixed(table), _settable(table)
    made: list[Row] = []
    olds: list[Row] = []
    news: list[Row] = []
    changes: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for key, row in sorted(rows.items(), key=_first):
        old = stored[key]
        if old is None:
            made.append(row)
            continue
        if old == row:
            continue  # the same row: nothing to write, the digest unchanged
        for column in fixed:
            if old[column] != row[column]:
                raise ChainBroken(
                    f"a projection changed a fixed column of {table.name} row {key} "
                    f"({', '.join(fixed)}): a programming error (the transaction rolls back)"
                )
        changed = tuple([column for column in settable if old[column] != row[column]])
        if changed:
            olds.append(old)
            news.append(row)
            changes[changed].append(row)
    return made, olds, news, changes


_first = operator.itemgetter(0)


def _hash_into(deltas: dict[str, Parts], name: str, rows: list[Row], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) these rows' hashes in their commons' parts."""
    if not rows:
        return
    first = rows[0]["commons_id"]
    if all(row["commons_id"] == first for row in rows):  # a flush nearly always has one
        add_rows(deltas[first], name, rows, sign)
        return
    by_commons: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_commons[row["commons_id"]].append(row)
    for commons_id, found in by_commons.items():
        add_rows(deltas[commons_id], name, found, sign)


def _execute_many(conn: sa.Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    """Run ``sql`` once per tuple of positional values on the driver's cursor (same connection,
    same transaction): neither SQLAlchemy's per-row processing nor named binding, which looks
    each name up in a dict per value."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise StorageUnavailable("the database connection was closed; try again")
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


@cache
def _positional(dialect: str) -> Any:
    """A dialect that compiles statements with positional bind markers (?, or %s for psycopg)."""
    # SQLAlchemy's dialect classes are untyped: called through Any.
    made: Any = postgresql.psycopg.dialect if dialect == "postgresql" else sqlite.pysqlite.dialect
    return made(paramstyle="format" if dialect == "postgresql" else "qmark")


def _compiled(dialect: str, statement: Any) -> tuple[str, tuple[str, ...]]:
    """``statement``'s SQL with positional markers, and the bind names in marker order."""
    compiled = statement.compile(dialect=_positional(dialect))
    return str(compiled), tuple(compiled.positiontup or ())


@cache
def _upsert_sql(dialect: str, table: sa.Table) -> tuple[str, Callable[[Row], tuple[Any, ...]]]:
    """The upsert of a whole row, and what gives its values in marker order."""
    sql, names = _compiled(dialect, _upsert(dialect, table))
    return sql, tuple_getter(names)


@cache
def _update_sql(
    dialect: str, table: sa.Table, changed: tuple[str, ...]
) -> tuple[str, Callable[[Row], tuple[Any, ...]]]:
    """The update of these columns of a row by key, and what gives its values in marker order
    (the bind names are k_<key column> and v_<changed column>)."""
    sql, names = _compiled(dialect, _update(table, changed))
    return sql, tuple_getter(tuple(name[2:] for name in names))


@cache
def _lookup(table: sa.Table) -> sa.Select[Any]:
    """SELECT the row of ``table`` by primary key, built once per table (bind names k0, k1…)."""
    columns = table.primary_key.columns
    return sa.select(table).where(
        *(column == sa.bindparam(f"k{index}") for index, column in enumerate(columns))
    )


@cache
def _settable(table: sa.Table) -> tuple[str, ...]:
    """The columns an update may change: neither key nor fixed."""
    return tuple(
        str(c.name) for c in table.columns if not c.primary_key and not c.info.get("fixed")
    )


@cache
def _update(table: sa.Table, changed: tuple[str, ...]) -> Any:
    """UPDATE these columns of the row with this key (bind names k_<key>, v_<column>), built
    once per table and set of columns."""
    where = [column == sa.bindparam(f"k_{column.name}") for column in table.primary_key.columns]
    values: dict[str, Any] = {name: sa.bindparam(f"v_{name}") for name in changed}
    return sa.update(table).where(*where).values(values)


@cache
def _fixed(table: sa.Table) -> tuple[str, ...]:
    """The columns a row gets when it is made and keeps (the upsert does not set them)."""
    return tuple(str(c.name) for c in table.columns if c.info.get("fixed"))


@cache
def _after_prefix(prefix: int, width: int) -> Callable[[Key], Any]:
    """What sorts keys that share their first ``prefix`` columns as the whole keys would sort,
    without comparing the shared columns again and again (long ids, equal in every key)."""
    if width == prefix + 1:
        return operator.itemgetter(prefix)
    return operator.itemgetter(slice(prefix, None))


@cache
def _key_from(table: sa.Table) -> Callable[[tuple[Any, ...]], Key]:
    """What gives a database row's key (the row as a tuple in column order)."""
    return tuple_getter(_shape(table)[1])


@cache
def _shape(table: sa.Table) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The table's column names (plain str) and where its key columns stand among them."""
    names = tuple(str(column.name) for column in table.columns)
    keys = tuple(names.index(str(column.name)) for column in table.primary_key.columns)
    return names, keys


@cache
def _load_statement(table: sa.Table) -> sa.Select[Any]:
    """Rows whose first key column is :first (if the key has two or more) and whose next key
    column (the only one, for a one-column key) is in :values; built once per table."""
    columns = list(table.primary_key.columns)
    values: sa.BindParameter[Any] = sa.bindparam("values", expanding=True)
    if len(columns) == 1:
        return sa.select(table).where(columns[0].in_(values))
    return sa.select(table).where(columns[0] == sa.bindparam("first"), columns[1].in_(values))


def plain_row(mapping: sa.RowMapping) -> Row:
    """A database row as a dict with plain ``str`` keys (SQLAlchemy hands out str subclasses)."""
    return {str(name): value for name, value in mapping.items()}


def upsert_statement(conn: sa.Connection, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT (primary key) DO UPDATE, for SQLite and PostgreSQL alike."""
    return _upsert(conn.dialect.name, table)


@cache
def _upsert(dialect: str, table: sa.Table) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    keys = [column.name for column in table.primary_key.columns]
    others = {
        c.name: statement.excluded[c.name]
        for c in table.columns
        if c.name not in keys and not c.info.get("fixed")  # fixed: indexed, never changed
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=others)


def table_rows(conn: sa.Connection, table: sa.Table, commons_id: str | None) -> Iterator[Row]:
    """Every row of ``table`` (of one commons, or all), streamed from the database in the order
    it finds them: the digest is a sum over rows, so order does not matter and memory stays
    flat however large the table."""
    query = sa.select(table)
    if commons_id is not None:
        query = query.where(table.c.commons_id == commons_id)
    result = conn.execute(query.execution_options(yield_per=2000))
    names = [str(column.name) for column in table.columns]  # select(table): in column order
    for row in result:
        yield dict(zip(names, row, strict=True))


def database_digest(conn: sa.Connection, commons_id: str | None = None) -> str:
    """The state digest of the projected rows in the database (one commons, or the node)."""
    return digest_rows(
        ((table, table_rows(conn, table, commons_id)) for table in PROJECTED_TABLES), TABLE_AREAS
    )


def memory_digest_of(states: Iterable[MemoryState]) -> str:
    merged = MemoryState()
    for state in states:
        for name, rows in state.rows.items():
            merged.rows[name].update(rows)
    return merged.digest()
