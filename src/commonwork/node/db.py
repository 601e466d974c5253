"""The database engine for SQLite (embedded) or PostgreSQL (server), and schema migrations.

SQLite runs in WAL mode with foreign keys on; a write transaction starts with BEGIN IMMEDIATE so
that one writer at a time holds the database. PostgreSQL writers lock the commons' head row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import sqlite as sqlite_dialect

from commonwork.errors import BadInput, StorageUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"


#: How much longer a write waits for the database's write lock than a read waits for a
#: connection: writers queue behind each other (one at a time), readers never wait for a lock.
WRITE_WAIT_FACTOR = 6
#: How much longer a PostgreSQL read statement may run than a request waits for a connection.
READ_STATEMENT_FACTOR = 4


def create_engine(
    url: str,
    *,
    synchronous: str = "FULL",
    wait_seconds: int = 5,
    writes: bool = False,
) -> sa.Engine:
    """An engine for reads, or (``writes``) a separate small one for writes, so that readers
    who exhaust their pool never hold a writer back. A request that cannot get a connection
    (or, writing, the lock) in time gets StorageUnavailable (503 with Retry-After)."""
    wait = wait_seconds * (WRITE_WAIT_FACTOR if writes else 1)
    pool = {"pool_size": 2, "max_overflow": 2} if writes else {"pool_size": 5, "max_overflow": 10}
    if url.startswith("sqlite"):
        return _sqlite_engine(url, synchronous=synchronous, wait=wait, pool=pool)
    if url.startswith("postgresql"):
        # A read statement runs at most READ_STATEMENT_FACTOR times the wait; a write waits
        # that long for a lock (an import holding a commons' head row) and may then run as
        # long as it needs (a big batch, an import).
        timeout = (
            f"-c lock_timeout={wait * 1000}"
            if writes
            else f"-c statement_timeout={wait_seconds * READ_STATEMENT_FACTOR * 1000}"
        )
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=wait,
            connect_args={"options": timeout, "connect_timeout": max(wait_seconds, 2)},
            **pool,
        )
    raise BadInput(
        f"COMMONWORK_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://, not {url!r}"
    )


def _sqlite_engine(url: str, *, synchronous: str, wait: int, pool: dict[str, int]) -> sa.Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": wait},
        pool_timeout=wait,
        **pool,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            # FULL: a commit is synced to disk before it is acknowledged, so an acknowledged
            # entry survives a power loss; NORMAL survives a crash of the process only.
            f"synchronous={synchronous}",
            f"busy_timeout={wait * 1000}",
            "wal_autocheckpoint=10000",  # checkpoint every ~40 MB of WAL, not every 4 MB
            # Entry ids and nonces are random, so index inserts touch pages all over the file:
            # a 64 MiB page cache (default 2 MiB) and memory-mapped reads keep them from disk.
            "cache_size=-65536",
            "mmap_size=268435456",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        writing = conn.get_execution_options().get("commonwork_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def no_statement_timeout(conn: sa.Connection) -> None:
    """Lift the read statement timeout for the rest of this transaction (PostgreSQL): for the
    heavy reads that run as jobs, outside any request."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")


#: Seconds a client is asked to wait after the database was busy or out of connections.
BUSY_RETRY_AFTER = 2


@contextmanager
def storage_errors() -> Iterator[None]:
    """Translate the driver's connection failures, lock and statement timeouts and an exhausted
    connection pool into StorageUnavailable (503 with Retry-After) at the boundary."""
    try:
        yield
    except sa.exc.TimeoutError as exc:
        raise StorageUnavailable(
            "the node is busy (every database connection is in use); try again in a moment",
            retry_after=BUSY_RETRY_AFTER,
        ) from exc
    except sa.exc.OperationalError as exc:
        raise StorageUnavailable(
            f"the database cannot be reached or is busy: {exc.orig}; try again shortly",
            retry_after=BUSY_RETRY_AFTER,
        ) from exc


_NAMED_SQLITE = sqlite_dialect.dialect(paramstyle="named")
_compiled: dict[tuple[str, int], tuple[Any, str]] = {}  # the statement is kept alive with its SQL


def execute_many(conn: sa.Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Execute ``statement`` once per row straight on the driver, compiled once per dialect.

    The hot path of the append pipeline writes hundreds of rows of plain strings and integers;
    SQLAlchemy's per-row parameter processing would cost more than the database's own work.
    The statement runs on the same connection, inside the same transaction.
    """
    if not rows:
        return
    key = (conn.dialect.name, id(statement))
    if key not in _compiled:
        dialect = _NAMED_SQLITE if conn.dialect.name == "sqlite" else conn.dialect
        _compiled[key] = (statement, str(statement.compile(dialect=dialect)))
    sql = _compiled[key][1]
    with _driver_cursor(conn) as cursor:
        cursor.executemany(sql, rows)


@contextmanager
def _driver_cursor(conn: sa.Connection) -> Iterator[Any]:
    """A cursor of the driver under ``conn`` (same connection, same transaction), closed after."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise StorageUnavailable("the database connection was closed; try again")
    cursor = driver.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


#: Journal lengths at which PostgreSQL's planner statistics are refreshed (see analyze_grown).
ANALYZE_AT = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)


def analyze_grown(conn: sa.Connection, tables: list[str], before: int, after: int) -> None:
    """Refresh PostgreSQL's planner statistics when a journal passes 1k, 10k, 100k… entries.

    Without statistics a young table is planned as if empty, and lookups by nonce or key scan a
    whole commons; autovacuum analyzes too late for a commons that grows in bursts.
    """
    if conn.dialect.name == "postgresql" and any(before < mark <= after for mark in ANALYZE_AT):
        conn.exec_driver_sql("ANALYZE " + ", ".join(tables))


def alembic_config(conn: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (creating it in an empty database)."""
    with engine.connect() as conn:
        if current_revision(conn) == head_revision():
            return
        command.upgrade(alembic_config(conn), "head")
        conn.commit()


def current_revision(conn: sa.Connection) -> str | None:
    revision: str | None = MigrationContext.configure(conn).get_current_revision()
    if conn.in_transaction():
        conn.rollback()
    return revision


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def select_exact(
    conn: sa.Connection, table: sa.Table, keys: Sequence[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Rows of ``table`` (as tuples, in column order) whose whole primary key is one of
    ``keys``, in one statement: the keys as a list of values joined to the table, so each is
    one look-up by primary key (on SQLite and PostgreSQL alike), whatever they share."""
    if not keys:
        return []
    columns = [column.name for column in table.primary_key.columns]
    names = ", ".join(f"t.{column.name}" for column in table.columns)
    postgres = conn.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    join = "JOIN" if postgres else "CROSS JOIN"  # SQLite: the values as the outer loop
    row = "(" + ", ".join([mark] * len(columns)) + ")"
    wanted = ", ".join(f"k{index}" for index in range(len(columns)))
    joined = " AND ".join(f"t.{name} = v.k{index}" for index, name in enumerate(columns))
    values = ", ".join([row] * len(keys))
    # Only our own declared table and column names are formatted in; every value is bound.
    sql = (
        f"WITH v({wanted}) AS (VALUES {values}) "  # noqa: S608 - declared names only, values bound
        f"SELECT {names} FROM v {join} {table.name} AS t ON {joined}"
    )
    params = [value for key in keys for value in key]
    with _driver_cursor(conn) as cursor:
        cursor.execute(sql, params)
        return [tuple(found) for found in cursor.fetchall()]


def select_keyed(
    conn: sa.Connection, table: sa.Table, equal: Sequence[Any], among: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Rows of ``table`` (as tuples, in column order) whose first ``len(equal)`` key columns
    equal ``equal`` and whose next key column is one of ``among``: straight on the driver, for
    the loads that read tens of thousands of rows (SQLAlchemy's per-row work would dominate)."""
    if not among:
        return []
    keys = [column.name for column in table.primary_key.columns]
    names = ", ".join(column.name for column in table.columns)
    postgres = conn.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    where = [f"{keys[i]} = {mark}" for i in range(len(equal))]
    if postgres:
        where.append(f"{keys[len(equal)]} = ANY({mark})")
        params: list[Any] = [*equal, list(among)]
    else:
        where.append(f"{keys[len(equal)]} IN ({', '.join('?' * len(among))})")
        params = [*equal, *among]
    conditions = " AND ".join(where)
    # Only our own declared table and column names are formatted in; every value is bound.
    sql = f"SELECT {names} FROM {table.name} WHERE {conditions}"  # noqa: S608 - names only
    with _driver_cursor(conn) as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
