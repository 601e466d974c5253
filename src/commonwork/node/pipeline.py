"""The submit pipeline, and the import of journals made elsewhere.

Submit: signed actions (form checked by ``check_signed``; signatures verified there, or here in
worker processes while the transaction does the rest) → the area's body schema →
in one write transaction per batch: idempotency by (author, nonce) → a new founding must name
this node as its host → seal as the next entries → the chain rules (``follow``) → the area's
rules on the journal prefix → projection → append.
A batch is all or nothing: the first refused action aborts it, and nothing is written.

Import: wire lines from another node's export → the same checks, signatures included → appended as
they are (the original host's countersignatures are kept), in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from commonwork.errors import (
    ChainBroken,
    CommonworkError,
    InvalidAction,
    NonceReused,
    NotAllowed,
    NotFound,
    WrongCommons,
    WrongHost,
)
from commonwork.journal.actions import FORK_TYPE, GENESIS_TYPES, SignedAction
from commonwork.journal.chain import Head, follow
from commonwork.journal.entries import Entry, check_entry_signatures, parse_entry, seal_entry
from commonwork.node import journal_store
from commonwork.node.db import analyze_grown
from commonwork.node.node import Node
from commonwork.node.registry import PROJECTED_TABLES, spec_for
from commonwork.node.state import DbState, prefetch_reads, replay_chunk, run_rules
from commonwork.node.tables import entries as entries_table

FLUSH_EVERY = 2000
IMPORT_CACHE_ROWS = 250_000  # rows an import keeps cached between chunks (a few hundred MiB)
ANALYZED_TABLES = ["entries", *(table.name for table in PROJECTED_TABLES)]


@dataclass(frozen=True, slots=True)
class Appended:
    commons_id: str
    entry: Entry
    created: bool  # False: a resubmission of an action already in the journal


def _numbered(error: CommonworkError, index: int, total: int) -> CommonworkError:
    if total > 1:
        error.extra["index"] = index
        error.detail = f"action {index} of the batch: {error.detail}"
    return error


def append_actions(
    node: Node, commons_id: str | None, batch: Sequence[SignedAction]
) -> list[Appended]:
    """Append ``batch`` to the journal of ``commons_id`` (None: found a new commons)."""
    if not batch:
        return []
    bodies: list[Any] = []
    for index, signed in enumerate(batch):
        try:
            _check_addressing(commons_id, signed, len(batch))
            bodies.append(spec_for(signed.type).parse_body(signed.body))
        except CommonworkError as exc:
            raise _numbered(exc, index, len(batch)) from exc
    node.refuse_writes_while_stale()
    signatures = node.signatures.start(batch)
    with node.writing() as conn:
        head = None if commons_id is None else _writable_head(node, conn, commons_id)
        state = DbState(conn)
        if commons_id is not None:
            wanted = [(s.type, s.author, body) for s, body in zip(batch, bodies, strict=True)]
            prefetch_reads(state, commons_id, wanted)
        new: list[Entry] = []
        done: list[Appended] = []
        seen = _already_appended(conn, commons_id, batch)
        clock = node.clock()  # one reading of the host clock for the whole batch
        for index, signed in enumerate(batch):
            try:
                earlier = _resubmitted(signed, seen)
                if earlier is not None:
                    done.append(earlier)
                    continue
                if head is None:
                    _check_addressed_here(node, signed)
                entry, head = _seal_next(node, head, signed, clock)
                run_rules(state, head.commons_id, entry, bodies[index])
            except CommonworkError as exc:
                signatures.raise_first_bad(before=index)
                raise _numbered(exc, index, len(batch)) from exc
            appended = Appended(head.commons_id, entry, created=True)
            seen[(signed.author, signed.nonce)] = appended
            new.append(entry)
            done.append(appended)
        signatures.raise_first_bad()  # nothing is committed unless every signature verifies
        if new and head is not None:
            journal_store.insert_entries(conn, head.commons_id, new)
            state.flush()
            journal_store.write_head(conn, head, existed=commons_id is not None)
            analyze_grown(conn, ANALYZED_TABLES, head.seq - len(new), head.seq)
    return done


def _check_addressing(commons_id: str | None, signed: SignedAction, size: int) -> None:
    if signed.type == FORK_TYPE:
        raise InvalidAction(
            "a fork starts a new commons from its parent's journal: send it alone to "
            "POST /api/v1/commons/{parent}/fork (or use `commonwork fork`)"
        )
    if signed.type in GENESIS_TYPES:
        if commons_id is not None or size > 1:
            raise InvalidAction(
                f"a {signed.type} action founds a new commons: send it alone, to the list of "
                "commons (POST /api/v1/commons), not to an existing commons"
            )
    elif commons_id is None:
        raise InvalidAction(f"a {signed.type} action is sent to the commons it is signed for")
    elif signed.commons != commons_id:
        raise WrongCommons(
            f"this action is signed for commons {signed.commons} but was sent to {commons_id}; "
            "sign it again for this commons or send it to its own"
        )


def _check_addressed_here(node: Node, signed: SignedAction) -> None:
    """A new founding names the host it is addressed to (``body.host``), and that is this node:
    a founding copied from another node's journal is not founded again here. A founding that
    names no host is refused as new (every client sends it); journals signed before foundings
    named their host still import and verify, and a retry of one already appended is answered
    with its entry before this check."""
    named, here = signed.body.get("host"), node.host_key.did
    if named is None:
        raise WrongHost(
            f'a new founding names the host it is addressed to: add "host": "{here}" (this '
            "node's host key, as GET /api/v1/node says) to the founding's body and sign it again"
        )
    if named != here:
        raise WrongHost(
            f"this founding is addressed to the host {named}, not to this node ({here}): it is "
            "founded only there. To found a commons on this node, sign a new founding whose "
            f'body names "host": "{here}"; to keep a copy of that commons here, import its '
            "journal (commonwork import, from GET /api/v1/commons/{id}/journal on its host)"
        )


def _writable_head(node: Node, conn: sa.Connection, commons_id: str) -> Head:
    head = journal_store.read_head(conn, commons_id, lock=True)
    if head is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    if head.host != node.host_key.did:
        raise NotAllowed(
            f"this node holds a copy of commons {commons_id}; its host is {head.host}. "
            "Send actions to the host node, which appends them"
        )
    return head


def _already_appended(
    conn: sa.Connection, commons_id: str | None, batch: Sequence[SignedAction]
) -> dict[tuple[str, str], Appended]:
    """Entries already in the journal for the batch's (author, nonce) pairs: one query."""
    if commons_id is None:
        signed = batch[0]
        entry = journal_store.find_by_nonce(conn, None, signed.author, signed.nonce)
        found = {} if entry is None else {(entry.author, entry.nonce): entry}
    else:
        pairs = [(signed.author, signed.nonce) for signed in batch]
        found = journal_store.find_by_nonces(conn, commons_id, pairs)
    return {pair: Appended(e.commons_id(), e, created=False) for pair, e in found.items()}


def _resubmitted(signed: SignedAction, seen: dict[tuple[str, str], Appended]) -> Appended | None:
    """The earlier entry of this very action, if it was submitted before; None if it is new."""
    earlier = seen.get((signed.author, signed.nonce))
    if earlier is None:
        return None
    if earlier.entry.action != signed.action:
        raise NonceReused(
            f"the nonce {signed.nonce} was already used by {signed.author} for another action "
            f"(entry {earlier.entry.seq}); every action needs a fresh random nonce"
        )
    return Appended(earlier.commons_id, earlier.entry, created=False)


def _seal_next(
    node: Node, head: Head | None, signed: SignedAction, recorded_at: str
) -> tuple[Entry, Head]:
    if head is not None and recorded_at < head.recorded_at:
        recorded_at = head.recorded_at  # the host's clock never goes back
    entry = seal_entry(
        node.host_key,
        seq=0 if head is None else head.seq + 1,
        prev=None if head is None else head.id,
        recorded_at=recorded_at,
        signed=signed,
    )
    return entry, follow(head, entry)


@dataclass(frozen=True)
class Imported:
    commons_id: str
    appended: int
    already_held: int
    head: Head


def import_lines(
    node: Node,
    lines: Iterable[bytes],
    *,
    journal_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Append a journal exported elsewhere (or its continuation), checking every entry.

    Entries this node already holds must be identical (else the journals have diverged). All or
    nothing: a bad entry aborts the import and names the line. ``journal_id``: the commons the
    journal ends in (a fork's journal begins with its parent's entries: they are replayed under
    the fork's id); None for a journal without a fork.
    """
    node.refuse_writes_while_stale()
    with node.writing() as conn:
        importer = _Importer(conn, progress, journal_id)
        chunk: list[tuple[int, bytes]] = []
        for number, raw in enumerate(lines, start=1):
            if raw.strip():
                chunk.append((number, raw))
            if len(chunk) >= FLUSH_EVERY:
                importer.take(chunk)
                chunk = []
        importer.take(chunk)
        head = importer.finish()
    if progress is not None:
        progress(importer.count + importer.held)
    return Imported(head.commons_id, importer.count, importer.held, head)


def _at_line(error: CommonworkError, number: int) -> CommonworkError:
    error.extra["line"] = number
    error.detail = f"line {number} of the journal: {error.detail}"
    return error


class _Importer:
    """Checks and appends imported entries chunk by chunk, in one transaction."""

    def __init__(
        self, conn: sa.Connection, progress: Callable[[int], None] | None, journal_id: str | None
    ) -> None:
        self.conn = conn
        self.journal_id = journal_id
        self.state = DbState(conn)
        self.progress = progress
        self.head: Head | None = None
        self.start: Head | None = None
        self.started = False
        self.nonces: set[tuple[str, str]] = set()
        self.held = self.count = 0
        self.forks: list[tuple[str, int]] = []  # (parent, at_seq) of each fork entry read

    def take(self, chunk: list[tuple[int, bytes]]) -> None:
        parsed: list[tuple[int, Entry, Any]] = []
        failure: CommonworkError | None = None
        for number, raw in chunk:
            try:
                entry = parse_entry(raw)
                parsed.append((number, entry, spec_for(entry.type).parse_body(entry.body_json())))
            except CommonworkError as exc:
                failure = _at_line(exc, number)  # raised once the lines before it are checked
                break
        if parsed:
            self._begin(parsed[0][1])
            wanted = [(entry.type, entry.author, body) for _, entry, body in parsed]
            prefetch_reads(self.state, self._id(), wanted)
        new: list[Entry] = []
        for number, entry, body in parsed:
            try:
                if self._append(entry, body):
                    new.append(entry)
            except CommonworkError as exc:
                raise _at_line(exc, number) from exc
        if failure is not None:
            raise failure
        if new and self.head is not None:
            journal_store.insert_entries(self.conn, self._id(), new)
            self.state.flush()
            self.state.forget(beyond=IMPORT_CACHE_ROWS)
        if self.progress is not None and parsed:
            self.progress(self.count + self.held)

    def _id(self) -> str:
        """The commons whose journal this is (rules, rows and entries are keyed by it)."""
        if self.journal_id is None:
            raise InvalidAction("the journal to import is empty")  # no entry read yet
        return self.journal_id

    def _begin(self, first: Entry) -> None:
        if not self.started:
            self.started = True
            if self.journal_id is None:
                self.journal_id = first.commons_id()
            self.start = journal_store.read_head(self.conn, self.journal_id, lock=True)
            self.nonces = _known_nonces(self.conn, self.start)
            self.head = self.start

    def _append(self, entry: Entry, body: Any) -> bool:
        """Check one entry; True when it is new (False: the node holds it already)."""
        if self.start is not None and entry.seq <= self.start.seq:
            _check_held(self.conn, self.start.commons_id, entry)
            self.held += 1
            return False
        check_entry_signatures(entry)
        self.head = follow(self.head, entry)
        if (entry.author, entry.nonce) in self.nonces:
            raise ChainBroken(f"entry {entry.seq} reuses a nonce of its author")
        self.nonces.add((entry.author, entry.nonce))
        if entry.is_fork:
            self.forks.append((str(entry.action["body"]["parent"]), entry.seq - 1))
        run_rules(self.state, self._id(), entry, body)
        self.count += 1
        return True

    def finish(self) -> Head:
        if self.head is None:
            raise InvalidAction("the journal to import is empty")
        if self.head.commons_id != self._id():
            raise InvalidAction(
                f"this journal ends in commons {self.head.commons_id}, not {self._id()}: it stops "
                "before the fork that was expected"
            )
        for parent, at_seq in self.forks:
            _check_same_history(self.conn, parent, self._id(), at_seq)
        if self.count:
            journal_store.write_head(self.conn, self.head, existed=self.start is not None)
            analyze_grown(self.conn, ANALYZED_TABLES, self.head.seq - self.count, self.head.seq)
        return self.head


def _check_same_history(conn: sa.Connection, parent: str, fork: str, at_seq: int) -> None:
    """A fork's journal begins with its parent's entries: where this node holds the parent too,
    they must be the same entries (two entries a host signed for one position prove that it
    forked history behind its members' backs)."""
    mine, theirs = entries_table.alias("mine"), entries_table.alias("theirs")
    query = (
        sa.select(mine.c.seq)
        .join(theirs, sa.and_(theirs.c.commons_id == parent, theirs.c.seq == mine.c.seq))
        .where(mine.c.commons_id == fork, mine.c.seq <= at_seq)
        .where(mine.c.entry_id != theirs.c.entry_id)
        .order_by(mine.c.seq)
        .limit(1)
    )
    differs = conn.execute(query).scalar()
    if differs is not None:
        raise ChainBroken(
            f"this fork's journal holds another entry at seq {differs} than commons {parent}'s "
            "journal on this node: the two copies of its parent's history have diverged"
        )


def _known_nonces(conn: sa.Connection, head: Head | None) -> set[tuple[str, str]]:
    if head is None:
        return set()
    query = sa.select(entries_table.c.author, entries_table.c.nonce).where(
        entries_table.c.commons_id == head.commons_id
    )
    return {(row.author, row.nonce) for row in conn.execute(query)}


def _check_held(conn: sa.Connection, commons_id: str, entry: Entry) -> None:
    held = journal_store.entry_at(conn, commons_id, entry.seq)
    if held is None or held.id != entry.id:
        raise ChainBroken(
            f"this node holds a different entry at seq {entry.seq} of commons {commons_id}: "
            "the two journals have diverged"
        )


def fork_journal(node: Node, signed: SignedAction, *, source: str | None = None) -> Appended:
    """Start a fork of a commons this node holds (as its host or a mirror) at the entry the
    signed fork action names: the parent's entries up to it are replayed under the fork's id
    and kept as the beginning of the fork's journal, then the fork's entry, sealed here — this
    node is the fork's host. ``source``: the commons whose journal holds those entries (default
    the parent; a fork of a commons holds its parent's entries up to its fork, so an earlier
    entry of a fork is forked from it, naming the commons that entry belongs to as parent). The
    same signed fork sent again returns its entry."""
    if signed.type != FORK_TYPE:
        raise InvalidAction(f"a {signed.type} action is not a fork")
    body = spec_for(signed.type).parse_body(signed.body)  # checked: the fields below are valid
    parent_id, at_seq = str(signed.body["parent"]), int(signed.body["at_seq"])
    at_hash = str(signed.body["at_hash"])
    node.refuse_writes_while_stale()
    signatures = node.signatures.start([signed])
    with node.writing() as conn:
        earlier = journal_store.find_fork(conn, signed.author, signed.nonce, FORK_TYPE)
        if earlier is not None:
            signatures.raise_first_bad()
            if earlier.action != signed.action:
                raise NonceReused(
                    f"the nonce {signed.nonce} was already used by {signed.author} for another "
                    "action; every action needs a fresh random nonce"
                )
            return Appended(earlier.commons_id(), earlier, created=False)
        held = source or parent_id
        parent = journal_store.read_head(conn, held)
        if parent is None:
            raise NotFound(
                f"this node holds no commons {held}: import its journal first (a fork "
                "may be taken from any copy of it)"
            )
        at = journal_store.entry_at(conn, held, at_seq)
        if at is None:
            raise NotFound(f"commons {held} has no entry {at_seq} on this node")
        if at.id != at_hash:
            raise ChainBroken(
                f"entry {at_seq} of commons {held} has the hash {at.id}, not "
                f"{at_hash}: the fork names another journal"
            )
        reused = journal_store.find_by_nonces(conn, held, [(signed.author, signed.nonce)])
        if any(entry.seq <= at_seq for entry in reused.values()):
            raise NonceReused(
                f"the nonce {signed.nonce} was already used by {signed.author} in the journal "
                "the fork continues; every action needs a fresh random nonce"
            )
        _check_addressed_here(node, signed)
        entry = seal_entry(
            node.host_key,
            seq=at.seq + 1,
            prev=at.id,
            recorded_at=max(node.clock(), at.recorded_at),
            signed=signed,
        )
        fork_id = entry.id
        state = DbState(conn)
        head: Head | None = None
        after = -1
        while after < at.seq:
            rows = journal_store.lines_page(
                conn, held, after=after, limit=min(FLUSH_EVERY, at.seq - after)
            )
            entries = [parse_entry(line.encode()) for _, line in rows]
            for parent_entry in entries:
                head = follow(head, parent_entry)
            replay_chunk(state, fork_id, entries)
            journal_store.insert_entries(conn, fork_id, entries)
            state.flush()
            state.forget(beyond=IMPORT_CACHE_ROWS)
            after = rows[-1][0]
        head = follow(head, entry)
        try:
            run_rules(state, fork_id, entry, body)
        except CommonworkError:
            signatures.raise_first_bad()
            raise
        signatures.raise_first_bad()
        journal_store.insert_entries(conn, fork_id, [entry])
        state.flush()
        journal_store.write_head(conn, head, existed=False)
        analyze_grown(conn, ANALYZED_TABLES, 0, head.seq)
    return Appended(fork_id, entry, created=True)
