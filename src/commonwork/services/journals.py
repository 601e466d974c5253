"""Use cases on whole journals: verify, rebuild the projections, export, import, read entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.errors import NotFound
from commonwork.journal.chain import Head, VerifyReport, verify_lines
from commonwork.journal.entries import Entry, parse_entry
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import Imported, import_lines
from commonwork.node.registry import PROJECTED_TABLES
from commonwork.node.state import DbState, MemoryState, database_digest, replay_chunk

Progress = Callable[[int], None] | None
REPLAY_CHUNK = 2000
DIGEST_CACHE_SIZE = 1024


def require_head(conn: sa.Connection, commons_id: str) -> Head:
    head = journal_store.read_head(conn, commons_id)
    if head is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    return head


def commons_digest(node: Node, conn: sa.Connection, head: Head) -> str:
    """The state digest of one commons, cached by its head (a deterministic function of it)."""
    cached = node.digest_cache.get(head.id)
    if cached is None:
        cached = database_digest(conn, head.commons_id)
        if len(node.digest_cache) >= DIGEST_CACHE_SIZE:
            node.digest_cache.pop(next(iter(node.digest_cache)))  # the oldest
        node.digest_cache[head.id] = cached
    return cached


def verify_commons(node: Node, commons_id: str, *, progress: Progress = None) -> VerifyReport:
    """Re-check every signature, link and rule of a journal; compare the replayed state digest
    with the live projections."""
    state = MemoryState()
    with node.reading() as conn:  # one snapshot, read page by page: memory does not grow with it
        head = require_head(conn, commons_id)
        live = commons_digest(node, conn, head)
        lines = journal_store.iter_lines(conn, commons_id, after=-1, limit=head.seq + 1)
        report = verify_lines(
            lines, rules=state.replay, expected_commons=commons_id, progress=progress
        )
    if report.ok:
        report.digest = state.digest()
        report.extra["live_digest"] = live
        report.extra["projections_match"] = report.digest == live
    return report


def verify_lines_offline(lines: Iterable[bytes], *, progress: Progress = None) -> VerifyReport:
    """Verify an exported journal file without any database."""
    state = MemoryState()
    report = verify_lines(lines, rules=state.replay, progress=progress)
    if report.ok:
        report.digest = state.digest()
    return report


@dataclass(frozen=True)
class Rebuilt:
    commons: list[str]
    entries: int
    digest_before: str
    digest_after: str

    @property
    def unchanged(self) -> bool:
        return self.digest_before == self.digest_after


def rebuild_projections(
    node: Node, commons_id: str | None = None, *, progress: Progress = None
) -> Rebuilt:
    """Drop the projected rows (of one commons, or all) and replay the journal into them."""
    replayed = 0
    with node.writing() as conn:
        heads = (
            [require_head(conn, commons_id)]
            if commons_id is not None
            else journal_store.all_heads(conn)
        )
        before = database_digest(conn, commons_id)
        for table in PROJECTED_TABLES:
            query = sa.delete(table)
            if commons_id is not None:
                query = query.where(table.c.commons_id == commons_id)
            conn.execute(query)
        for head in heads:
            state = DbState(conn)
            chunk: list[Entry] = []
            for line in journal_store.iter_lines(conn, head.commons_id):
                chunk.append(parse_entry(line))
                if len(chunk) == REPLAY_CHUNK:
                    replayed = _replay(state, head.commons_id, chunk, replayed, progress)
                    chunk = []
            replayed = _replay(state, head.commons_id, chunk, replayed, progress)
        after = database_digest(conn, commons_id)
    node.digest_cache.clear()
    if progress is not None:
        progress(replayed)
    return Rebuilt([head.commons_id for head in heads], replayed, before, after)


def _replay(
    state: DbState, commons_id: str, chunk: list[Entry], replayed: int, progress: Progress
) -> int:
    replay_chunk(state, commons_id, chunk)
    state.flush()
    replayed += len(chunk)
    if progress is not None:
        progress(replayed)
    return replayed


def export_journal(node: Node, commons_id: str, *, after: int = -1) -> Iterator[bytes]:
    """The journal's wire lines (NDJSON, newline-terminated), as one consistent snapshot."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        count = head.seq - after
        yield from (
            line + b"\n"
            for line in journal_store.iter_lines(conn, commons_id, after=after, limit=count)
        )


def import_journal(node: Node, lines: Iterable[bytes], *, progress: Progress = None) -> Imported:
    imported = import_lines(node, lines, progress=progress)
    node.digest_cache.pop(imported.head.id, None)
    return imported


def journal_page(
    node: Node, commons_id: str, *, after: int = -1, limit: int = 100
) -> tuple[Head, list[Entry]]:
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        lines = list(journal_store.iter_lines(conn, commons_id, after=after, limit=limit))
    return head, [parse_entry(line) for line in lines]
