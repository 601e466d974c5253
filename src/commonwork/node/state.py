"""The two homes of projected state: the database (inside a transaction) and memory.

Both implement :class:`commonwork.journal.projection.State`. ``DbState`` reads through a cache
and writes behind: rows put during an append are kept in memory (where the rules of the next
action in the same batch see them) and written with one upsert per table at flush. ``MemoryState``
is what ``verify`` replays into. Either yields the same state digest for the same journal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from commonwork.errors import ChainBroken
from commonwork.journal.entries import Entry
from commonwork.journal.projection import Context, Key, Parts, Row, add_row, digest_rows, key_of
from commonwork.node.db import execute_many, select_exact, select_keyed
from commonwork.node.digests import add_deltas
from commonwork.node.registry import (
    AFTER_ENTRY,
    BEFORE_ENTRY,
    BEGIN,
    DAY_BOUNDARY,
    EMITTERS,
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
    after: dict[str, tuple[sa.Table, set[Key]]] = {}  # named from the rows just loaded
    for action_type, author, body in listed:
        for reads_after in READS_AFTER:
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
    """Check ``entry`` against its area's rules on ``state`` and apply its projection."""
    spec = spec_for(entry.type)
    parsed = body if body is not None else spec.parse_body(entry.action["body"])
    ctx = Context(commons_id, entry, parsed)
    if not entry.is_genesis:  # e.g. the first entry of a day settles the finished days first
        before_rules(state, commons_id, entry.recorded_at[:10])
    spec.check(state, ctx)
    spec.apply(state, ctx)
    if entry.is_genesis:
        for begin in BEGIN:
            begin(state, commons_id, entry.recorded_at)
    else:
        for after in AFTER_ENTRY:
            after(state, ctx)  # e.g. what the settlement engine fixes with the entry: weights
    if KEEP_EVENTS is not None and EMITTERS:
        events = [event for emit in EMITTERS for event in emit(state, ctx)]
        if events:
            KEEP_EVENTS(state, ctx, events)


def before_rules(state: Any, commons_id: str, day: str) -> None:
    """What runs before the rule of an entry of ``day`` (not a genesis): the settlement of every
    finished day since the checkpoint, with every area's steps, then the areas' before_entry."""
    if DAY_BOUNDARY is not None:
        DAY_BOUNDARY(state, commons_id, day, SETTLE_STEPS)
    for before in BEFORE_ENTRY:
        before(state, commons_id, day)


class MemoryState:
    """Projected rows held in dictionaries: for verification and tests."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(lambda: defaultdict(set))

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

    def digest(self) -> str:
        return digest_rows(
            (
                (table, (row for _, row in sorted(self.rows[table.name].items())))
                for table in PROJECTED_TABLES
            ),
            TABLE_AREAS,
        )

    def replay(self, commons_id: str, entry: Entry) -> None:
        run_rules(self, commons_id, entry)


class DbState:
    """Projected rows in the database, read through a cache and written behind."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.pending: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.pending_prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.cache: dict[str, dict[Key, Row | None]] = defaultdict(dict)
        # For tables with keys of three columns or more: the cached keys by their first two, and
        # the prefixes whose rows were all loaded (so that a scan of them needs no query).
        self.cache_prefixes: dict[str, dict[Key, set[Key]]] = defaultdict(lambda: defaultdict(set))
        self.complete: set[tuple[str, Key]] = set()

    def _cache(self, name: str, key: Key, row: Row | None) -> None:
        self.cache[name][key] = row
        if len(key) > 2:
            self.cache_prefixes[name][key[:2]].add(key)

    def get(self, table: sa.Table, key: Key) -> Row | None:
        pending = self.pending.get(table.name)
        if pending is not None and key in pending:
            return pending[key]
        cached = self.cache[table.name]
        if key not in cached:
            if len(key) > 2 and (table.name, key[:2]) in self.complete:
                return None  # every row of its prefix is loaded: this one does not exist
            params = {f"k{index}": value for index, value in enumerate(key)}
            found = self.conn.execute(_lookup(table), params).mappings().first()
            cached[key] = plain_row(found) if found is not None else None
        return cached[key]

    def put(self, table: sa.Table, row: Row) -> None:
        key = key_of(table, row)
        self.pending[table.name][key] = row
        if len(key) > 2:
            self.pending_prefixes[table.name][key[:2]].add(key)

    def insert(self, table: sa.Table, row: Row) -> None:
        key = key_of(table, row)
        cached = self.cache[table.name]
        if key not in cached and key not in self.pending.get(table.name, ()):
            cached[key] = None  # known absent: the flush need not look it up
        self.put(table, row)

    def scan(self, table: sa.Table, prefix: Key) -> list[Row]:
        """Rows by their first two key columns: the database's, then this batch's on top."""
        if (table.name, prefix) not in self.complete:
            self.preload(table, [prefix])
        cached = self.cache[table.name]
        found: dict[Key, Row] = {}
        for key in self.cache_prefixes[table.name].get(prefix, ()):
            row = cached.get(key)
            if row is not None:
                found[key] = row
        pending = self.pending.get(table.name, {})
        for key in self.pending_prefixes[table.name].get(prefix, ()):
            found[key] = pending[key]  # this batch's rows win over what the database holds
        return [found[key] for key in sorted(found)]

    def preload(self, table: sa.Table, prefixes: Iterable[Key]) -> None:
        """Load every row whose first two key columns are one of ``prefixes`` (one query per
        500), once: later gets and scans of them read the cache."""
        exact = len(table.primary_key.columns) == 2  # the prefix is the whole key
        cached, pending = self.cache[table.name], self.pending.get(table.name, {})
        todo = {
            prefix
            for prefix in prefixes
            if (table.name, prefix) not in self.complete
            and not (exact and (prefix in cached or prefix in pending))  # known already
        }
        if not todo:
            return
        groups: dict[Any, set[Any]] = defaultdict(set)
        for first, second in todo:
            groups[first].add(second)
        self._load_groups(table, groups)
        for prefix in todo:
            self.complete.add((table.name, prefix))
            if exact and prefix not in self.cache[table.name]:
                self.cache[table.name][prefix] = None

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
        for first, values in groups.items():
            ordered = sorted(values)
            equal = [] if len(key_positions) == 1 else [first]
            for start in range(0, len(ordered), 500):
                for found in select_keyed(self.conn, table, equal, ordered[start : start + 500]):
                    key = tuple(found[position] for position in key_positions)
                    self._cache(table.name, key, dict(zip(names, found, strict=True)))
            if len(key_positions) > 1:  # every row of these prefixes is cached now
                self.complete.update((table.name, (first, value)) for value in values)

    def flush(self) -> None:
        """Write every pending row and keep the state digest's parts up to date in the same
        transaction: each new row's hash is added and the hash of the row it replaces, as the
        database held it, is taken away. New rows go in with one multi-row upsert per table; a
        replaced row is updated in the columns that changed only (grouped by which), and a row
        put unchanged is not written at all."""
        tables = {table.name: table for table in PROJECTED_TABLES}
        deltas: dict[str, Parts] = defaultdict(dict)
        for name, rows in self.pending.items():
            if not rows:
                continue
            table = tables[name]
            stored = self._stored(table, rows)
            fixed, settable, keys = _fixed(table), _settable(table), _key_names(table)
            made: list[Row] = []
            changes: dict[tuple[str, ...], list[Row]] = defaultdict(list)
            for key, row in rows.items():
                parts = deltas[row["commons_id"]]
                old = stored.get(key)
                if old is None:
                    made.append(row)
                    add_row(parts, name, row)
                    continue
                if any(old[column] != row[column] for column in fixed):
                    raise ChainBroken(
                        f"a projection changed a fixed column of {name} row {key} "
                        f"({', '.join(fixed)}): a programming error (the transaction rolls back)"
                    )
                changed = tuple(column for column in settable if old[column] != row[column])
                if not changed:
                    continue  # the same row: nothing to write, the digest unchanged
                add_row(parts, name, old, -1)
                add_row(parts, name, row)
                values = {f"k_{column}": row[column] for column in keys}
                values.update({f"v_{column}": row[column] for column in changed})
                changes[changed].append(values)
            execute_many(self.conn, upsert_statement(self.conn, table), made)
            for changed, grouped in changes.items():
                execute_many(self.conn, _update(table, changed), grouped)
            for key, row in rows.items():
                self._cache(name, key, row)
        add_deltas(self.conn, deltas)
        self.pending.clear()
        self.pending_prefixes.clear()

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
        loaded by exact key)."""
        cached = self.cache[table.name]
        missing = [key for key in rows if key not in cached]
        if missing:
            self.load_exact(table, missing)
        return {key: cached.get(key) for key in rows}

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
def _lookup(table: sa.Table) -> sa.Select[Any]:
    """SELECT the row of ``table`` by primary key, built once per table (bind names k0, k1…)."""
    columns = table.primary_key.columns
    return sa.select(table).where(
        *(column == sa.bindparam(f"k{index}") for index, column in enumerate(columns))
    )


@cache
def _key_names(table: sa.Table) -> tuple[str, ...]:
    return tuple(str(column.name) for column in table.primary_key.columns)


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
