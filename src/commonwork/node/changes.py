"""Whether anything was committed to the node's database since a moment: a cheap token that
changes with every commit, by this process or by any other sharing the database (a command
run beside the web node, a second web process).

The web node keeps answers to anonymous reads by this token (commonwork.web.read_cache): asking
it must cost microseconds and never wait for a lock or a connection of the pools.

* **SQLite**: ``PRAGMA data_version`` on a connection of its own, which never writes. SQLite
  changes that number whenever another connection commits — in this process or another — and
  reading it takes a read transaction of a few microseconds (WAL readers never wait).
* **PostgreSQL**: every write transaction (``Node.writing``) sends ``NOTIFY commonwork_changed``,
  which PostgreSQL delivers at its commit and only then; a thread of the web node listens on its
  own connection and counts the notifications. The node's own commits also count at once, in
  process, so a client that wrote through this node reads what it wrote. A commit by another
  process is seen as soon as its notification arrives (milliseconds on one machine). While the
  listening connection is down the token is None: nothing is kept or answered from what was kept.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

#: The channel every write transaction notifies on PostgreSQL.
CHANNEL = "commonwork_changed"

#: How long the PostgreSQL listener waits before it connects again after losing its connection.
RECONNECT_SECONDS = 1.0


class ChangeWatch:
    """``token()``: a value equal to an earlier one only if nothing was committed in between
    (None: unknown, for instance while the PostgreSQL listener reconnects)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._lock = threading.Lock()
        self._local = 0  # commits of this process (Node.writing), counted after each commit
        self._sqlite: sqlite3.Connection | None = None
        self._listener: _Listener | None = None
        self._closed = False

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def committed(self) -> None:
        """This process committed a write transaction: tokens taken before it no longer match."""
        with self._lock:
            self._local += 1

    def token(self) -> tuple[int, int] | None:
        with self._lock:
            if self._closed:
                return None
            if self.postgres:
                if self._listener is None:
                    self._listener = _Listener(_psycopg_url(self.database_url))
                heard = self._listener.heard
                return None if heard is None else (self._local, heard)
            return self._sqlite_token()

    def _sqlite_token(self) -> tuple[int, int] | None:
        path = sa.make_url(self.database_url).database
        if not path or path == ":memory:":
            return None  # a private in-memory database: no other connection can see it
        try:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
                )
            row = self._sqlite.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            log.warning("cannot read the database's data version; answers are not kept")
            self._drop_sqlite()
            return None
        return (self._local, int(row[0]))

    def _drop_sqlite(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_sqlite()
            if self._listener is not None:
                self._listener.stop()
                self._listener = None


def notify_on(conn: sa.Connection) -> None:
    """In a PostgreSQL write transaction: tell every listener at its commit (not before, and not
    at all if it rolls back) that the database changed."""
    conn.exec_driver_sql(f"NOTIFY {CHANNEL}")


def _psycopg_url(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (without ``+psycopg``)."""
    made = sa.make_url(url)
    return made.set(drivername="postgresql").render_as_string(hide_password=False)


class _Listener:
    """A daemon thread on its own connection, LISTENing on CHANNEL and counting what it hears.
    ``heard`` is None while it is not listening; every (re)connection counts as a change, since
    anything may have been committed while it was away."""

    def __init__(self, url: str, connect: Callable[[str], Any] | None = None) -> None:
        self.url = url
        self.heard: int | None = None
        self._counter = itertools.count(1)
        self._stop = threading.Event()
        self._connection: Any = None
        self._connect = connect or _connect
        self._thread = threading.Thread(target=self._run, name="commonwork-changes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._connection = self._connect(self.url)
                self._connection.execute(f"LISTEN {CHANNEL}")
                self.heard = next(self._counter)
                while not self._stop.is_set():
                    for _ in self._connection.notifies(timeout=0.5):
                        self.heard = next(self._counter)
            except Exception:  # any failure of the connection: say unknown, reconnect
                self.heard = None
                if not self._stop.is_set():
                    log.warning("lost the database's change notifications; reconnecting")
                    self._stop.wait(RECONNECT_SECONDS)
            finally:
                self._close_connection()

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail too: it is gone either way
                log.debug("closing the listening connection failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self.heard = None
        self._thread.join(timeout=2)


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)
