"""The hash chain: how each entry must follow the one before, and whole-journal verification.

``follow`` holds every rule of the journal format that links an entry to the prefix before it
(sequence, previous hash, host clock, host, commons, clock skew); the append pipeline, the import
and ``verify`` all go through it, so they cannot disagree. ``verify_lines`` re-checks a whole
journal from its wire form and names the first bad entry and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from commonwork.errors import ChainBroken, ClockSkew, CommonworkError, WrongCommons
from commonwork.journal.actions import HANDOVER_TYPE, parse_time
from commonwork.journal.entries import Entry, check_entry_signatures, parse_entry

MAX_CLOCK_SKEW_MS = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry of a commons' journal: what the next entry must follow."""

    commons_id: str
    seq: int
    id: str
    recorded_at: str
    host: str


def check_clock(action_at: str, recorded_at: str) -> None:
    """The author's ``at`` may lag the host's clock freely, but not run ahead of it by > 5 min."""
    if action_at <= recorded_at:  # the fixed-width format sorts in time order
        return
    lead = parse_time(action_at) - parse_time(recorded_at)
    if lead.total_seconds() * 1000 > MAX_CLOCK_SKEW_MS:
        raise ClockSkew(
            f"the action says it was made at {action_at}, more than 5 minutes after the host "
            f"recorded it ({recorded_at}); set the author's clock right and sign it again"
        )


def follow(head: Head | None, entry: Entry) -> Head:
    """Check that ``entry`` may follow ``head`` (None: a genesis) and return the new head.

    A fork's first entry follows the parent's entry it forks at, names it (``parent``, ``at_seq``,
    ``at_hash``), and starts a new commons — its own id — on its own host: the entries after it
    are signed for the fork and by that host. A handover entry, sealed by the host so far, names
    the next host: the entries after it are sealed by that one (the rules check that a passed
    decision asked for it, and that the new host signed it)."""
    if head is None:
        if entry.seq != 0 or not entry.is_genesis or entry.is_fork:
            raise ChainBroken(
                f"entry {entry.seq} cannot start a journal: the first entry is a genesis at seq 0 "
                "(a fork continues its parent's journal from the entry it forks at)"
            )
        return _checked(entry, Head(entry.id, entry.seq, entry.id, entry.recorded_at, entry.host))
    if entry.is_genesis and not entry.is_fork:
        raise ChainBroken(f"entry {entry.seq} is a second genesis inside one journal")
    if entry.seq != head.seq + 1:
        raise ChainBroken(f"entry {entry.seq} follows entry {head.seq}; expected {head.seq + 1}")
    if entry.prev != head.id:
        raise ChainBroken(f"entry {entry.seq} does not link to the hash of entry {head.seq}")
    if entry.recorded_at < head.recorded_at:
        raise ChainBroken(
            f"entry {entry.seq} was recorded at {entry.recorded_at}, before entry {head.seq} "
            f"({head.recorded_at}); the host's clock never goes back"
        )
    if entry.is_fork:
        body = entry.action["body"]
        named = (body.get("parent"), body.get("at_seq"), body.get("at_hash"))
        if named != (head.commons_id, head.seq, head.id):
            raise ChainBroken(
                f"entry {entry.seq} is a fork of commons {named[0]} at entry {named[1]}, but it "
                f"follows entry {head.seq} of commons {head.commons_id}"
            )
        return _checked(entry, Head(entry.id, entry.seq, entry.id, entry.recorded_at, entry.host))
    if entry.action.get("commons") != head.commons_id:
        raise WrongCommons(f"entry {entry.seq} was signed for another commons")
    checked = _checked(
        entry, Head(head.commons_id, entry.seq, entry.id, entry.recorded_at, head.host)
    )
    if entry.type == HANDOVER_TYPE:  # sealed by the host so far; the next ones by the new host
        new_host = entry.action["body"].get("host")
        if not isinstance(new_host, str) or not new_host.startswith("did:key:"):
            raise ChainBroken(f"entry {entry.seq} hands the commons over to no host")
        return Head(head.commons_id, entry.seq, entry.id, entry.recorded_at, new_host)
    return checked


def _checked(entry: Entry, head: Head) -> Head:
    if entry.host != head.host:
        raise ChainBroken(f"entry {entry.seq} is signed by {entry.host}, not the host {head.host}")
    check_clock(str(entry.action["at"]), entry.recorded_at)
    return head


@dataclass(frozen=True, slots=True)
class BadEntry:
    line: int
    seq: int | None
    id: str | None
    code: str
    reason: str


@dataclass
class VerifyReport:
    ok: bool
    commons_id: str | None
    entries: int
    head: Head | None
    first_bad: BadEntry | None = None
    digest: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "commons": self.commons_id,
            "entries": self.entries,
            "head": None if self.head is None else self.head.id,
            "head_seq": None if self.head is None else self.head.seq,
            "digest": self.digest,
            "first_bad": None
            if self.first_bad is None
            else {
                "line": self.first_bad.line,
                "seq": self.first_bad.seq,
                "id": self.first_bad.id,
                "code": self.first_bad.code,
                "reason": self.first_bad.reason,
            },
            **self.extra,
        }


RuleReplay = Callable[[str, Entry], None]


def verify_lines(
    lines: Iterable[bytes],
    *,
    rules: RuleReplay | None = None,
    expected_commons: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Re-check every entry: form, signatures, links, nonces and (given ``rules``) every rule.

    Stops at the first bad entry and reports it; ``progress`` is called with the count so far.
    """
    head: Head | None = None
    nonces: set[tuple[str, str]] = set()
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines frame nothing, as in import; numbers stay the file's
        entry: Entry | None = None
        try:
            entry = parse_entry(line)
            check_entry_signatures(entry)
            new_head = follow(head, entry)
            if (entry.author, entry.nonce) in nonces:
                raise ChainBroken(f"entry {entry.seq} reuses a nonce of its author")
            if rules is not None:
                rules(new_head.commons_id, entry)
            nonces.add((entry.author, entry.nonce))
            head = new_head
        except CommonworkError as exc:
            bad = BadEntry(
                line=number,
                seq=entry.seq if entry is not None else None,
                id=entry.id if entry is not None else None,
                code=exc.code,
                reason=exc.detail,
            )
            commons = head.commons_id if head is not None else None
            return VerifyReport(False, commons, count, head, bad)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    if progress is not None:
        progress(count)
    if head is None:
        bad = BadEntry(line=0, seq=None, id=None, code="empty", reason="the journal has no entries")
        return VerifyReport(False, None, 0, None, bad)
    if expected_commons is not None and head.commons_id != expected_commons:
        # (A fork's journal begins with its parent's entries: only its end names the commons.)
        reason = f"this journal is of commons {head.commons_id}, not {expected_commons}"
        bad = BadEntry(line=count, seq=head.seq, id=head.id, code="wrong_commons", reason=reason)
        return VerifyReport(False, head.commons_id, count, head, bad)
    return VerifyReport(True, head.commons_id, count, head)
