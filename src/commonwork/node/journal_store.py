"""Reading and writing the journal tables (entries and heads)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from commonwork.journal.chain import Head
from commonwork.journal.entries import Entry, parse_entry
from commonwork.node.db import execute_many
from commonwork.node.tables import entries, heads

PAGE = 2000


def _head_of(row: sa.RowMapping) -> Head:
    return Head(row["commons_id"], row["seq"], row["entry_id"], row["recorded_at"], row["host"])


_INSERT_ENTRY = sa.insert(entries)
_HEAD = sa.select(heads).where(heads.c.commons_id == sa.bindparam("commons_id"))
_HEAD_LOCKED = _HEAD.with_for_update()
_NEW_HEAD = sa.insert(heads)
_MOVE_HEAD = sa.update(heads).where(heads.c.commons_id == sa.bindparam("commons"))
_BY_NONCE = sa.select(entries.c.author, entries.c.nonce, entries.c.line).where(
    entries.c.commons_id == sa.bindparam("commons_id"),
    entries.c.nonce.in_(sa.bindparam("nonces", expanding=True)),
)


def read_head(conn: sa.Connection, commons_id: str, *, lock: bool = False) -> Head | None:
    """The commons' head; with ``lock`` the row is locked for this transaction (PostgreSQL)."""
    query = _HEAD_LOCKED if lock and conn.dialect.name == "postgresql" else _HEAD
    row = conn.execute(query, {"commons_id": commons_id}).mappings().first()
    return None if row is None else _head_of(row)


def write_head(conn: sa.Connection, head: Head, *, existed: bool) -> None:
    values = {
        "seq": head.seq,
        "entry_id": head.id,
        "recorded_at": head.recorded_at,
        "host": head.host,
    }
    if existed:
        conn.execute(_MOVE_HEAD, {"commons": head.commons_id, **values})
    else:
        conn.execute(_NEW_HEAD, {"commons_id": head.commons_id, **values})


def all_heads(conn: sa.Connection) -> list[Head]:
    rows = conn.execute(sa.select(heads).order_by(heads.c.commons_id)).mappings()
    return [_head_of(row) for row in rows]


def find_by_nonce(
    conn: sa.Connection, commons_id: str | None, author: str, nonce: str
) -> Entry | None:
    """The entry made from (author, nonce) in a commons, or a genesis by it (commons None)."""
    query = sa.select(entries.c.line).where(entries.c.author == author, entries.c.nonce == nonce)
    if commons_id is None:
        query = query.where(entries.c.seq == 0)
    else:
        query = query.where(entries.c.commons_id == commons_id)
    line = conn.execute(query.limit(1)).scalar()
    return None if line is None else parse_entry(line.encode())


def find_by_nonces(
    conn: sa.Connection, commons_id: str, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Entry]:
    """The entries already made from any of these (author, nonce) pairs in a commons."""
    wanted = set(pairs)
    nonces = sorted({nonce for _, nonce in wanted})
    found: dict[tuple[str, str], Entry] = {}
    for start in range(0, len(nonces), 500):
        params = {"commons_id": commons_id, "nonces": nonces[start : start + 500]}
        for row in conn.execute(_BY_NONCE, params):
            if (row.author, row.nonce) in wanted:
                found[(row.author, row.nonce)] = parse_entry(row.line.encode())
    return found


def insert_entries(conn: sa.Connection, commons_id: str, new: Sequence[Entry]) -> None:
    if not new:
        return
    execute_many(
        conn,
        _INSERT_ENTRY,
        [
            {
                "commons_id": commons_id,
                "seq": entry.seq,
                "entry_id": entry.id,
                "author": entry.author,
                "nonce": entry.nonce,
                "type": entry.type,
                "recorded_at": entry.recorded_at,
                "line": entry.line.decode(),
            }
            for entry in new
        ],
    )


def iter_lines(
    conn: sa.Connection, commons_id: str, *, after: int = -1, limit: int | None = None
) -> Iterator[bytes]:
    """The wire lines of a commons' journal after seq ``after``, in order, read page by page."""
    remaining = limit
    while remaining is None or remaining > 0:
        page = PAGE if remaining is None else min(PAGE, remaining)
        query = (
            sa.select(entries.c.seq, entries.c.line)
            .where(entries.c.commons_id == commons_id, entries.c.seq > after)
            .order_by(entries.c.seq)
            .limit(page)
        )
        rows = conn.execute(query).all()
        for row in rows:
            yield row.line.encode()
        if len(rows) < page:
            return
        after = rows[-1].seq
        if remaining is not None:
            remaining -= len(rows)


def entry_at(conn: sa.Connection, commons_id: str, seq: int) -> Entry | None:
    query = sa.select(entries.c.line).where(
        entries.c.commons_id == commons_id, entries.c.seq == seq
    )
    line = conn.execute(query).scalar()
    return None if line is None else parse_entry(line.encode())


def count_entries(conn: sa.Connection, commons_id: str) -> int:
    query = sa.select(sa.func.count()).where(entries.c.commons_id == commons_id)
    return int(conn.execute(query).scalar_one())
