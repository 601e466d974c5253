"""Use cases on whole journals: verify, rebuild the projections, export, import, read entries.

Reads stay O(page size): the journal is served and shown page by page, and what a reader learns
about verification is what this node already knows — every entry was checked when it was appended
or imported, and the last explicit full re-verification is kept by head. Only ``verify_commons``
(an explicit action) re-checks the whole journal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from commonwork.commons.tables import commons, members
from commonwork.errors import BadInput, NotFound, RateLimited
from commonwork.journal.actions import FORK_TYPE
from commonwork.journal.chain import Head, VerifyReport, verify_lines
from commonwork.journal.entries import Entry
from commonwork.journal.entries import parse_entry as parse_entry  # a door reads a line back
from commonwork.node import digests, journal_store, projections
from commonwork.node.db import no_statement_timeout
from commonwork.node.digests import stored_digest
from commonwork.node.jobs import Job, Report, StillComputing, Task
from commonwork.node.node import Node
from commonwork.node.pipeline import Imported, import_lines
from commonwork.node.registry import PROJECTED_TABLES
from commonwork.node.state import DbState, MemoryState, database_digest, replay_chunk

Progress = Callable[[int], None] | None
REPLAY_CHUNK = 2000
REPLAY_CACHE_ROWS = 250_000  # rows a replay keeps cached between chunks (a few hundred MiB)
DIGEST_CACHE_SIZE = 1024
FORK_MARKER = f'"type":"{FORK_TYPE}"'.encode()
STREAM_CHUNK = 500  # entries read per short read transaction while streaming the journal


def require_head(conn: sa.Connection, commons_id: str) -> Head:
    head = journal_store.read_head(conn, commons_id)
    if head is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    return head


def commons_digest(node: Node, conn: sa.Connection, head: Head) -> str:
    """The state digest of one commons, cached by its head (a deterministic function of it)."""
    cached = node.digest_cache.get(head.id)
    if cached is None:
        cached = stored_digest(conn, head.commons_id)  # kept in the append transaction
        if len(node.digest_cache) >= DIGEST_CACHE_SIZE:
            node.digest_cache.pop(next(iter(node.digest_cache)))  # the oldest
        node.digest_cache[head.id] = cached
    return cached


def verify_commons(node: Node, commons_id: str, *, progress: Progress = None) -> VerifyReport:
    """Re-check every signature, link and rule of a journal; compare the replayed state digest
    with the live projections. The result is kept by head (see ``verification_state``)."""
    head, report = _full_verification(node, commons_id, progress)
    _keep(node, head, report)
    return report


def _full_verification(
    node: Node, commons_id: str, progress: Progress
) -> tuple[Head, VerifyReport]:
    state = MemoryState()
    with node.reading() as conn:  # one snapshot, read page by page: memory does not grow with it
        no_statement_timeout(conn)  # a job, outside any request: it may take its time
        head = require_head(conn, commons_id)
        kept = stored_digest(conn, commons_id)  # maintained row by row on every append
        live = database_digest(conn, commons_id)  # every projected row hashed afresh
        lines = journal_store.iter_lines(conn, commons_id, after=-1, limit=head.seq + 1)
        report = verify_lines(
            lines, rules=state.replay, expected_commons=commons_id, progress=progress
        )
    if report.ok:
        report.digest = state.digest()
        if commons_id in state.fork_starts:  # what the fork carried, as its parent's state was
            report.extra["fork_start_digest"] = state.fork_starts[commons_id]
        report.extra["live_digest"] = live
        report.extra["kept_digest"] = kept
        report.extra["projections_match"] = report.digest == live == kept
    return head, report


def _keep(node: Node, head: Head, report: VerifyReport) -> journal_store.Verification:
    kept = journal_store.Verification(
        commons_id=head.commons_id,
        head_seq=head.seq,
        head_id=head.id,
        ok=report.ok,
        entries=report.entries,
        checked_at=node.clock(),
        report=report.as_json(),
    )
    with node.writing() as conn:
        journal_store.keep_verification(conn, kept)
    return kept


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
    remade: list[str] = field(default_factory=list)  # areas whose tables were made afresh

    @property
    def unchanged(self) -> bool:
        return self.digest_before == self.digest_after


def rebuild_projections(
    node: Node, commons_id: str | None = None, *, progress: Progress = None
) -> Rebuilt:
    """Drop the projected rows (of one commons, or all) and replay the journal into them.

    When an area's projection version changed (``node.due``), only a rebuild of all commons is
    possible: the changed areas' tables are made afresh from their declaration first, and the
    versions are recorded when the replay is done (in the same transaction)."""
    replayed = 0
    remade = [due.area for due in node.due]
    if remade and commons_id is not None:
        raise BadInput(
            "this node's projection versions changed "
            f"({', '.join(str(due) for due in node.due)}): rebuild every commons at once "
            "(`commonwork rebuild` without --commons)"
        )
    with node.writing() as conn:
        heads = (
            [require_head(conn, commons_id)]
            if commons_id is not None
            else journal_store.all_heads(conn)
        )
        before = database_digest(conn, commons_id) if not remade else ""
        projections.remake_tables(conn, remade)
        for table in PROJECTED_TABLES:
            query = sa.delete(table)
            if commons_id is not None:
                query = query.where(table.c.commons_id == commons_id)
            conn.execute(query)
        digests.forget(conn, commons_id)
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
        if commons_id is None:
            projections.record_versions(conn, node.clock())
    node.due = ()
    node.digest_cache.clear()
    node.figures_cache.clear()
    if progress is not None:
        progress(replayed)
    return Rebuilt([head.commons_id for head in heads], replayed, before, after, remade)


def _replay(
    state: DbState, commons_id: str, chunk: list[Entry], replayed: int, progress: Progress
) -> int:
    replay_chunk(state, commons_id, chunk)
    state.flush()
    state.forget(beyond=REPLAY_CACHE_ROWS)
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


def import_journal(
    node: Node,
    lines: Iterable[bytes],
    *,
    journal_id: str | None = None,
    progress: Progress = None,
) -> Imported:
    """Import a journal; ``journal_id``: the commons it ends in when it holds a fork (found by
    scanning the lines when they are a list; a file is scanned by the caller, see
    services.forks.journal_id_of)."""
    if journal_id is None and isinstance(lines, (list, tuple)):
        journal_id = journal_id_of(lines)
    imported = import_lines(node, lines, journal_id=journal_id, progress=progress)
    node.digest_cache.pop(imported.head.id, None)
    return imported


def journal_id_of(lines: Iterable[bytes]) -> str | None:
    """The commons a journal's lines end in when they hold a fork: the last fork's id (None:
    its genesis names it). Lines that cannot hold a fork are not parsed."""
    found: str | None = None
    for line in lines:
        if FORK_MARKER in line:
            entry = parse_entry(line)
            if entry.is_fork:
                found = entry.id
    return found


def journal_entry(node: Node, commons_id: str, seq: int) -> Entry:
    """The entry at ``seq`` of a commons' journal; NotFound when there is none."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        entry = journal_store.entry_at(conn, commons_id, seq)
    if entry is None:
        raise NotFound(f"commons {commons_id} has no entry {seq}")
    return entry


def journal_page(
    node: Node, commons_id: str, *, after: int = -1, limit: int = 100
) -> tuple[Head, list[Entry]]:
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        rows = journal_store.lines_page(conn, commons_id, after=after, limit=limit)
    return head, [parse_entry(line.encode()) for _, line in rows]


def stream_journal(
    node: Node, commons_id: str, *, after: int = -1, limit: int = 1000
) -> tuple[Head, Iterator[bytes]]:
    """The head now, and the wire lines after ``after`` up to that head (``limit`` at most),
    read lazily ``STREAM_CHUNK`` entries at a time, each chunk in its own short transaction."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
    return head, _chunks(node, commons_id, after, min(head.seq, after + limit))


def _chunks(node: Node, commons_id: str, after: int, last: int) -> Iterator[bytes]:
    while after < last:  # entries are append-only and gap-free: later chunks extend the first
        with node.reading() as conn:
            size = min(STREAM_CHUNK, last - after)
            rows = journal_store.lines_page(conn, commons_id, after=after, limit=size)
        if not rows:
            return
        yield "".join(line + "\n" for _, line in rows).encode()
        after = rows[-1][0]


@dataclass(frozen=True)
class VerificationState:
    """What this node knows about a journal's verification, read without re-checking it.

    Every entry up to the head was checked (signatures, links, rules) when this node appended or
    imported it; ``last`` is the last explicit full re-verification, ``current`` if it was made
    at the present head.
    """

    head: Head
    last: journal_store.Verification | None
    running: Job | None = None  # a re-verification of this journal under way (of any head)

    @property
    def current(self) -> bool:
        return self.last is not None and self.last.head_id == self.head.id

    def as_json(self) -> dict[str, Any]:
        head = self.head
        known = {
            "commons": head.commons_id,
            "head": head.id,
            "head_seq": head.seq,
            "checked_on_append_up_to": head.seq,
            "current": self.current,
            "running": None if self.running is None else self.running.as_json(),
        }
        if self.last is not None and self.current:
            return {**self.last.as_json(), **known, "detail": _detail(self)}
        last = None if self.last is None else self.last.as_json()
        return {**known, "ok": None, "last": last, "detail": _detail(self)}


def _detail(state: VerificationState) -> str:
    checked = (
        f"every entry up to seq {state.head.seq} was checked when this node appended or imported it"
    )
    last = state.last
    if last is not None and state.current:
        found = "found no bad entry" if last.ok else "found a bad entry"
        return f"{checked}; the full re-verification of this head at {last.checked_at} {found}"
    since = (
        "never re-verified in full"
        if last is None
        else f"not re-verified since seq {last.head_seq}"
    )
    return f"{checked}; {since}: POST /api/v1/commons/{state.head.commons_id}/verify to re-verify"


def verification_state(node: Node, commons_id: str) -> VerificationState:
    """The cheap verification state: the head and the kept result, two indexed reads, and the
    re-verification of this head under way, if one is."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        last = journal_store.last_verification(conn, commons_id)
    return VerificationState(head, last, node.jobs.running_kind(_verifying(commons_id)))


#: How many times the last full re-verification's duration the web doors wait, after it ended,
#: before they start another of the same journal: so that asking again and again, each time the
#: head has moved, keeps the node re-verifying a journal at most a tenth of the time.
VERIFY_PAUSE_FACTOR = 10
#: A re-verification shorter than this is never paced: it costs less than the request itself.
VERIFY_PACED_FROM_SECONDS = 1.0


def reverify(
    node: Node, commons_id: str, *, wait: float | None = None, paced: bool = False
) -> tuple[VerificationState, bool]:
    """A full re-verification of the current head, run only if none is kept for it.

    It runs as a job outside the request (node.jobs: one heavy read at a time, one journal's
    re-verification at a time): if it is not done within ``wait`` seconds (None: however long
    it takes), StillComputing says how far it got, and ``verification_state`` shows its
    progress until it is kept. ``paced`` (the web doors): one starts no sooner than
    VERIFY_PAUSE_FACTOR times the last one's duration after the last one ended, once one takes
    a second or more (RateLimited says when). Returns the state and whether it came from the kept
    result (``True``) or was run now.
    """
    state = verification_state(node, commons_id)
    if state.current:
        return state, True
    head = state.head
    under_way = state.running
    if under_way is not None and under_way.key != _verify_key(head):
        raise StillComputing(under_way)  # one at a time: the one under way, of an older head
    if under_way is None and paced:
        _check_pace(state, node.jobs.last_ended(_verifying(commons_id)))
    label = f"re-verifying the journal up to seq {head.seq}"
    task = Task(_verify_job, (commons_id,))
    done: VerificationState = node.jobs.result(_verify_key(head), label, task, wait=wait)
    return done, False


def _check_pace(state: VerificationState, last: Job | None) -> None:
    if last is None or last.started is None or last.finished is None:
        return
    seconds = last.finished - last.started
    if seconds < VERIFY_PACED_FROM_SECONDS:
        return
    left = last.finished + VERIFY_PAUSE_FACTOR * seconds - time.monotonic()
    if left > 0:
        left = math.ceil(left)
        upto = "" if state.last is None else f" (up to seq {state.last.head_seq})"
        raise RateLimited(
            f"this journal was re-verified in full a moment ago{upto}; the next full "
            f"re-verification can start in {left} s. Every entry was checked when this node "
            "appended it; GET …/verify shows the last report, and anyone can verify an export "
            "offline (commonwork verify --file)",
            retry_after=left,
            limit="verify",
        )


def _verify_job(node: Node, report: Report, commons_id: str) -> VerificationState:
    """The job: re-verify the journal as its head stands when the job starts, keep the result."""
    with node.reading() as conn:
        total = require_head(conn, commons_id).seq + 1
    report(0, total)
    verified, result = _full_verification(node, commons_id, lambda done: report(done, None))
    return VerificationState(verified, _keep(node, verified, result))


def _verifying(commons_id: str) -> tuple[str, str]:
    """The kind of a journal's re-verification jobs: the first two parts of their keys."""
    return ("verify", commons_id)


def _verify_key(head: Head) -> tuple[str, ...]:
    return (*_verifying(head.commons_id), head.id)


@dataclass(frozen=True)
class ExplorerPage:
    """One page of the journal explorer, read in one transaction: O(page size)."""

    name: str
    entries: list[Entry]
    names: dict[str, str]  # the page's authors' member names
    verification: VerificationState


def explorer_page(node: Node, commons_id: str, *, after: int, limit: int) -> ExplorerPage:
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        rows = journal_store.lines_page(conn, commons_id, after=after, limit=limit)
        page = [parse_entry(line.encode()) for _, line in rows]
        name = conn.execute(
            sa.select(commons.c.name).where(commons.c.commons_id == commons_id)
        ).scalar()
        authors = sorted({entry.author for entry in page})
        found = conn.execute(
            sa.select(members.c.member, members.c.name).where(
                members.c.commons_id == commons_id, members.c.member.in_(authors)
            )
        )
        names = {row.member: row.name for row in found}
        last = journal_store.last_verification(conn, commons_id)
    running = node.jobs.running_kind(_verifying(commons_id))
    return ExplorerPage(name or commons_id, page, names, VerificationState(head, last, running))
