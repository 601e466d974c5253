"""Forks: anyone may start a new commons from a commons' journal at any of its entries, without
asking (DESIGN §3.2). The fork's journal is its parent's up to that entry, then the fork's own
entry — which names the parent, the entry and its hash, and the new host — and its own entries
after it. Its state at its start is the parent's state at that entry (what each area carries:
``Area.fork``); the days between that entry and the fork's entry are settled like any days in
which nothing was recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.commons.actions import FORK
from commonwork.commons.tables import commons, forks
from commonwork.errors import NotFound
from commonwork.journal.actions import Signer, build_action, sign_action
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, fork_journal, import_lines
from commonwork.services.journals import journal_id_of, require_head


@dataclass(frozen=True)
class Fork:
    """A fork of a commons, as its record says."""

    commons_id: str  # the fork
    name: str
    parent: str
    at_seq: int
    at_hash: str
    reason: str
    forked_by: str
    forked_at: str


def fork_commons(
    node: Node,
    *,
    actor: Signer,
    parent_id: str,
    reason: str,
    at_seq: int | None = None,
    name: str | None = None,
    founder_name: str | None = None,
) -> Appended:
    """Fork ``parent_id`` at entry ``at_seq`` (default: its head) on this node, which becomes
    the fork's host; ``actor`` signs the fork and is its founder."""
    with node.reading() as conn:
        head = require_head(conn, parent_id)
        seq = head.seq if at_seq is None else at_seq
        entry = journal_store.entry_at(conn, parent_id, seq)
    if entry is None:
        raise NotFound(f"commons {parent_id} has no entry {seq} (its head is {head.seq})")
    body: dict[str, object] = {
        "parent": owner_of_entry(node, parent_id, seq),
        "at_seq": seq,
        "at_hash": entry.id,
        "reason": reason,
        "host": node.host_key.did,
    }
    if name is not None:
        body["name"] = name
    if founder_name is not None:
        body["founder_name"] = founder_name
    action = build_action(type=FORK, author=actor.did, body=body)
    return fork_journal(node, sign_action(actor, action), source=parent_id)


def owner_of_entry(node: Node, commons_id: str, seq: int) -> str:
    """The commons entry ``seq`` of this commons' journal belongs to: a fork's journal begins
    with its parent's entries (and theirs with their parent's), so an entry before a fork point
    is its parent's, and a fork taken there names that parent."""
    query = (
        sa.select(forks.c.seq, forks.c.parent, forks.c.fork_id)
        .where(forks.c.commons_id == commons_id)
        .order_by(forks.c.seq)
    )
    with node.reading() as conn:
        line = conn.execute(query).all()  # the line of descent: a few rows
    if not line:
        return commons_id
    owner = str(line[0].parent)
    for row in line:
        if row.seq <= seq:
            owner = str(row.fork_id)
    return owner


def fork_from_lines(
    node: Node,
    lines: Iterable[bytes],
    *,
    actor: Signer,
    reason: str,
    at_seq: int | None = None,
    name: str | None = None,
    founder_name: str | None = None,
) -> Appended:
    """Fork a commons from its exported journal (another node's): the journal is imported and
    checked as a copy first, then forked here."""
    listed = list(lines)
    imported = import_lines(node, listed, journal_id=journal_id_of(listed))
    return fork_commons(
        node,
        actor=actor,
        parent_id=imported.commons_id,
        reason=reason,
        at_seq=at_seq,
        name=name,
        founder_name=founder_name,
    )


def forks_of(node: Node, commons_id: str, *, limit: int = 50) -> list[Fork]:
    """The forks of this commons that this node holds, newest first (an indexed query)."""
    query = (
        sa.select(forks, commons.c.name)
        .join(commons, commons.c.commons_id == forks.c.commons_id)
        .where(forks.c.parent == commons_id, forks.c.commons_id == forks.c.fork_id)
        .order_by(forks.c.forked_at.desc())
        .limit(limit)
    )
    with node.reading() as conn:
        return [_fork(row) for row in conn.execute(query).mappings()]


def origin_of(node: Node, commons_id: str) -> Fork | None:
    """Where this commons was forked from, if it is a fork."""
    query = (
        sa.select(forks, commons.c.name)
        .join(commons, commons.c.commons_id == forks.c.commons_id)
        .where(forks.c.commons_id == commons_id, forks.c.fork_id == commons_id)
    )
    with node.reading() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else _fork(row)


def _fork(row: sa.RowMapping) -> Fork:
    return Fork(
        commons_id=row["commons_id"],
        name=row["name"],
        parent=row["parent"],
        at_seq=int(row["at_seq"]),
        at_hash=row["at_hash"],
        reason=row["reason"],
        forked_by=row["forked_by"],
        forked_at=row["forked_at"],
    )
