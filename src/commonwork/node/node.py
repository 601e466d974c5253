"""The node: settings, database, keys and clock, opened once at the edge and passed inward."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from commonwork.errors import Rebuilding
from commonwork.journal.actions import now
from commonwork.journal.keys import Keypair
from commonwork.node.changes import ChangeWatch, notify_on
from commonwork.node.db import create_engine, migrate, storage_errors
from commonwork.node.digests import initialise_missing
from commonwork.node.jobs import Jobs
from commonwork.node.keystore import KeyEncryptionKey, LocalIdentities, load_host_key
from commonwork.node.projections import Due, check_versions, ensure_tables
from commonwork.node.registry import PROJECTED_TABLES
from commonwork.node.settings import Settings
from commonwork.node.signatures import SignatureChecker


@dataclass
class RebuildStatus:
    """A rebuild of every projection, for the areas whose projection version changed."""

    areas: tuple[str, ...]
    total: int  # entries to replay
    done: int = 0
    finished: bool = False
    error: str | None = None


@dataclass
class Node:
    settings: Settings
    engine: sa.Engine  # reads (and migrations)
    host_key: Keypair
    kek: KeyEncryptionKey
    identities: LocalIdentities
    signatures: SignatureChecker
    clock: Callable[[], str] = field(default=now)
    #: State digests by head entry id: a digest is a pure function of the head, so never stale.
    digest_cache: dict[str, str] = field(default_factory=dict)
    #: Standing figures by (head entry id, as-of day or time): pure functions of both.
    figures_cache: dict[tuple[str, ...], Any] = field(default_factory=dict)
    #: Areas whose projection version changed since this node's tables were built: until a
    #: rebuild has replayed the journal, writes are refused and reads are stale.
    due: tuple[Due, ...] = ()
    #: The rebuild under way or done in this process, if any (for progress and the stale label).
    rebuild: RebuildStatus | None = None
    #: Writes have their own small pool, so readers who use up theirs never hold a writer back.
    write_engine: sa.Engine | None = None
    #: Heavy reads (a full verification, a preview, a past as-of) run here, one at a time.
    jobs: Jobs = field(default_factory=Jobs)
    #: A token that changes with every commit to the database, by any process (anonymous
    #: reads are kept by it: commonwork.web.read_cache); made on first use.
    changes: ChangeWatch | None = None

    @classmethod
    def open(cls, settings: Settings, *, clock: Callable[[], str] = now) -> Node:
        """Open (and on first start create) the node's data directory and database."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            settings.database_url,
            synchronous=settings.sqlite_synchronous,
            wait_seconds=settings.db_wait_seconds,
        )
        write_engine = create_engine(
            settings.database_url,
            synchronous=settings.sqlite_synchronous,
            wait_seconds=settings.db_wait_seconds,
            writes=True,
        )
        with storage_errors():
            migrate(engine)
            with engine.begin() as conn:
                ensure_tables(conn)
                initialise_missing(conn, PROJECTED_TABLES)
                due = check_versions(conn, clock())
        return cls(
            settings=settings,
            engine=engine,
            host_key=load_host_key(settings.data_dir),
            kek=KeyEncryptionKey(settings.data_dir),
            identities=LocalIdentities(settings.data_dir),
            signatures=SignatureChecker(settings.verify_workers),
            clock=clock,
            due=tuple(due),
            write_engine=write_engine,
            jobs=Jobs(workers=settings.job_processes, settings=settings)
            if settings.job_processes
            else Jobs(),
        )

    def __post_init__(self) -> None:
        self.jobs.node = self  # the node a job computes with, on a worker thread
        if self.changes is None:
            self.changes = ChangeWatch(str(self.engine.url.render_as_string(hide_password=False)))

    def refuse_writes_while_stale(self) -> None:
        """Raise Rebuilding while an area's projection waits for (or is in) a rebuild."""
        if not self.due:
            return
        changed = ", ".join(str(due) for due in self.due)
        status = self.rebuild
        if status is not None and status.error is None:
            raise Rebuilding(
                f"this node is rebuilding its projections from the journal (projection versions "
                f"{changed}): {status.done:,} of {status.total:,} entries replayed; nothing can "
                f"be written until it is done, try again in a moment",
                retry_after=Rebuilding.retry_after,
            )
        failed = f" (the last attempt failed: {status.error})" if status and status.error else ""
        raise Rebuilding(
            f"this node's projections were built by other projection versions than this "
            f"release's ({changed}){failed}: run `commonwork rebuild` once (a web node started "
            f"with `commonwork serve` rebuilds by itself); nothing can be written before",
            retry_after=Rebuilding.retry_after,
        )

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A read transaction: one consistent view of the database."""
        with storage_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction; on SQLite it holds the database's one write lock (IMMEDIATE)."""
        engine = self.engine if self.write_engine is None else self.write_engine
        with storage_errors(), engine.connect() as conn:
            conn.execution_options(commonwork_write=True)
            with conn.begin():
                yield conn
                if engine.dialect.name == "postgresql":
                    notify_on(conn)  # delivered at the commit below, to every listening node
        if self.changes is not None:
            self.changes.committed()

    def close(self) -> None:
        self.signatures.close()
        self.jobs.close()
        if self.changes is not None:
            self.changes.close()
        self.engine.dispose()
        if self.write_engine is not None:
            self.write_engine.dispose()
