"""Reading and writing the journal tables (entries and heads) and the kept verifications."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from commonwork.journal.chain import Head
from commonwork.journal.entries import Entry, parse_entry
from commonwork.node.db import execute_many
from commonwork.node.state import upsert_statement
from commonwork.node.tables import entries, heads, verifications

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


def find_fork(conn: sa.Connection, author: str, nonce: str, fork_type: str) -> Entry | None:
    """The fork entry made from (author, nonce), in the journal it started (not a copy of it
    in a fork of that fork)."""
    query = sa.select(entries.c.line).where(
        entries.c.author == author,
        entries.c.nonce == nonce,
        entries.c.type == fork_type,
        entries.c.commons_id == entries.c.entry_id,
    )
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


def lines_page(
    conn: sa.Connection, commons_id: str, *, after: int, limit: int
) -> list[tuple[int, str]]:
    """At most ``limit`` (seq, wire line) pairs after seq ``after``, in order: one indexed query."""
    query = (
        sa.select(entries.c.seq, entries.c.line)
        .where(entries.c.commons_id == commons_id, entries.c.seq > after)
        .order_by(entries.c.seq)
        .limit(limit)
    )
    return [(row.seq, row.line) for row in conn.execute(query)]


def kinds_after(
    conn: sa.Connection, commons_id: str, *, after: int, upto: int
) -> list[tuple[str, str, bytes]]:
    """(entry id, action type, wire line) of the entries after seq ``after`` up to ``upto``, in
    order, from the kept columns: the lines were checked when appended, so nothing is parsed."""
    query = (
        sa.select(entries.c.entry_id, entries.c.type, entries.c.line)
        .where(entries.c.commons_id == commons_id, entries.c.seq > after, entries.c.seq <= upto)
        .order_by(entries.c.seq)
    )
    return [(row.entry_id, row.type, row.line.encode()) for row in conn.execute(query)]


def iter_lines(
    conn: sa.Connection, commons_id: str, *, after: int = -1, limit: int | None = None
) -> Iterator[bytes]:
    """The wire lines of a commons' journal after seq ``after``, in order, read page by page."""
    remaining = limit
    while remaining is None or remaining > 0:
        page = PAGE if remaining is None else min(PAGE, remaining)
        rows = lines_page(conn, commons_id, after=after, limit=page)
        for _, line in rows:
            yield line.encode()
        if len(rows) < page:
            return
        after = rows[-1][0]
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


@dataclass(frozen=True)
class Verification:
    """The result of one full re-verification of a journal, kept by the head it checked."""

    commons_id: str
    head_seq: int
    head_id: str
    ok: bool
    entries: int
    checked_at: str
    report: dict[str, Any]  # the report as the API shows it

    def as_json(self) -> dict[str, Any]:
        """The report, with the head it was made for and when."""
        return {
            **self.report,
            "head": self.head_id,
            "head_seq": self.head_seq,
            "checked_at": self.checked_at,
        }


def last_verification(conn: sa.Connection, commons_id: str) -> Verification | None:
    """The kept re-verification of the commons' latest head: one indexed row."""
    query = (
        sa.select(verifications)
        .where(verifications.c.commons_id == commons_id)
        .order_by(verifications.c.head_seq.desc())
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return Verification(
        commons_id=row["commons_id"],
        head_seq=row["head_seq"],
        head_id=row["head_id"],
        ok=bool(row["ok"]),
        entries=row["entries"],
        checked_at=row["checked_at"],
        report=orjson.loads(row["report"]),
    )


def keep_verification(conn: sa.Connection, verification: Verification) -> None:
    """Keep a result by its head (replacing one for the same head) and forget older heads'."""
    values = {
        "commons_id": verification.commons_id,
        "head_seq": verification.head_seq,
        "head_id": verification.head_id,
        "ok": verification.ok,
        "entries": verification.entries,
        "checked_at": verification.checked_at,
        "report": orjson.dumps(verification.report).decode(),
    }
    conn.execute(upsert_statement(conn, verifications), values)
    conn.execute(
        sa.delete(verifications).where(
            verifications.c.commons_id == verification.commons_id,
            verifications.c.head_seq < verification.head_seq,
        )
    )
