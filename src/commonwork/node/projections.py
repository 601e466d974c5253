"""Projection versions: an area whose projection changed shape is rebuilt from the journal.

Each area declares a ``projection_version`` (commonwork.journal.area.Area). The node keeps, in the
node-local table ``projection_versions``, the version its projected tables were last rebuilt
with. When the node opens, an area whose stored version differs from the one declared is *due*:
its tables are made afresh from their declaration and every projection is replayed from the
journal (services.journals.rebuild_projections) — there are no data migrations that imitate a
rebuild. A newly installed area's tables are created from their declaration when the node
opens (no migration), and its version recorded. Until a rebuild is done, writes are refused
with :class:`commonwork.errors.Rebuilding` (503 with ``Retry-After`` over HTTP); reads serve
what was committed before, labelled stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.journal.area import Area
from commonwork.node.registry import AREAS
from commonwork.node.tables import projection_versions


@dataclass(frozen=True)
class Due:
    """An area whose projected tables hold version ``stored`` while this release projects
    version ``declared``."""

    area: str
    stored: int
    declared: int

    def __str__(self) -> str:
        return f"{self.area} {self.stored} → {self.declared}"


def ensure_tables(conn: sa.Connection, areas: Iterable[Area] = AREAS) -> None:
    """Create the projected tables that do not exist yet (a newly installed area's), from their
    declaration: an area's tables need no migration."""
    for area in areas:
        for table in area.tables:
            table.create(conn, checkfirst=True)


def check_versions(conn: sa.Connection, at: str, areas: Iterable[Area] = AREAS) -> list[Due]:
    """The areas due for a rebuild. An area not recorded yet is recorded as declared when none
    of its tables holds a row (nothing to rebuild), and is taken to be at version 1 otherwise
    (every area was, before versions were kept)."""
    stored = dict(
        conn.execute(sa.select(projection_versions.c.area, projection_versions.c.version)).all()
    )
    due: list[Due] = []
    fresh: list[Area] = []
    for area in areas:
        held = stored.get(area.name)
        if held is None:
            held = 1 if _holds_rows(conn, area) else area.projection_version
            if held == area.projection_version:
                fresh.append(area)
        if held != area.projection_version:
            due.append(Due(area.name, int(held), area.projection_version))
    record_versions(conn, at, fresh)
    return due


def record_versions(conn: sa.Connection, at: str, areas: Iterable[Area] = AREAS) -> None:
    """Record these areas' declared versions as the ones the tables now hold."""
    for area in areas:
        conn.execute(sa.delete(projection_versions).where(projection_versions.c.area == area.name))
        conn.execute(
            sa.insert(projection_versions).values(
                area=area.name, version=area.projection_version, recorded_at=at
            )
        )


def remake_tables(conn: sa.Connection, names: Iterable[str], areas: Iterable[Area] = AREAS) -> None:
    """Drop and create afresh, from their declaration, the projected tables of these areas (in
    the rebuild's transaction: on PostgreSQL, reads of them wait for it to commit)."""
    wanted = set(names)
    remade = [table for area in areas if area.name in wanted for table in area.tables]
    # Dropped in reverse, made in order: a table referring to another (the books' postings to
    # their transactions) goes before it and comes after it.
    for table in reversed(remade):
        table.drop(conn, checkfirst=True)
    for table in remade:
        table.create(conn)


def _holds_rows(conn: sa.Connection, area: Area) -> bool:
    inspector = sa.inspect(conn)
    for table in area.tables:
        if not inspector.has_table(table.name):
            continue
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return True
    return False
