"""The state digest kept up to date in the append transaction, so that no read rehashes rows.

Per commons and projected table, ``digest_parts`` holds the number of rows and the sum of their
row hashes (journal.projection.row_hash) modulo 2^256. Every flush of projected rows adds the new
rows' hashes and takes away those of the rows they replace, in the same transaction; the commons'
digest is then a hash over per-area digests of those parts (journal.projection.digest_of_parts).
Verify and rebuild recompute it from every row and compare: the parts are derived data, like the
rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from commonwork.journal.projection import Parts, add_row, digest_of_parts
from commonwork.node.db import execute_many
from commonwork.node.registry import TABLE_AREAS
from commonwork.tables import metadata

digest_parts = sa.Table(
    "digest_parts",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("table_name", sa.String(64), primary_key=True),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("hash_sum", sa.String(64), nullable=False),  # hex, mod 2^256
    sqlite_with_rowid=False,
)


def read_parts(conn: sa.Connection, commons_id: str) -> Parts:
    query = sa.select(
        digest_parts.c.table_name, digest_parts.c.row_count, digest_parts.c.hash_sum
    ).where(digest_parts.c.commons_id == commons_id)
    return {name: (int(count), int(total, 16)) for name, count, total in conn.execute(query)}


def stored_digest(conn: sa.Connection, commons_id: str) -> str:
    """The commons' state digest from its kept parts: a few rows read, none hashed."""
    return digest_of_parts(read_parts(conn, commons_id), TABLE_AREAS)


def add_deltas(conn: sa.Connection, deltas: dict[str, Parts]) -> None:
    """Add per-commons, per-table deltas (row count, hash sum) to the kept parts."""
    rows = []
    for commons_id, parts in deltas.items():
        held = read_parts(conn, commons_id)
        for name, (count, total) in parts.items():
            old_count, old_total = held.get(name, (0, 0))
            rows.append(
                {
                    "commons_id": commons_id,
                    "table_name": name,
                    "row_count": old_count + count,
                    "hash_sum": f"{(old_total + total) % (1 << 256):064x}",
                }
            )
    execute_many(conn, _upsert(conn.dialect.name), rows)


@cache
def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(digest_parts)
    changed = {name: statement.excluded[name] for name in ("row_count", "hash_sum")}
    return statement.on_conflict_do_update(
        index_elements=["commons_id", "table_name"], set_=changed
    )


def forget(conn: sa.Connection, commons_id: str | None) -> None:
    """Drop the kept parts (of one commons, or all) before a rebuild replays them."""
    query = sa.delete(digest_parts)
    if commons_id is not None:
        query = query.where(digest_parts.c.commons_id == commons_id)
    conn.execute(query)


def initialise_missing(conn: sa.Connection, tables: tuple[sa.Table, ...]) -> list[str]:
    """Compute the parts of every commons that has a journal but no kept parts (a database from
    before the parts existed): once, from every row. The commons ids it initialised."""
    from commonwork.node.tables import heads  # the journal's heads: every commons held

    held = sa.select(digest_parts.c.commons_id).distinct()
    query = sa.select(heads.c.commons_id).where(heads.c.commons_id.not_in(held))
    missing = [str(commons_id) for commons_id in conn.execute(query).scalars()]
    for commons_id in missing:
        parts: Parts = {}
        for table in tables:
            for row in conn.execute(sa.select(table).where(table.c.commons_id == commons_id)):
                add_row(parts, table.name, {str(k): v for k, v in row._mapping.items()})
        add_deltas(conn, {commons_id: parts})
    return missing
