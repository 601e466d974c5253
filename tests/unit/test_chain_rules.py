"""The rules that link each entry to the one before (``follow``) and whole-journal verification
(``verify_lines``) on hand-made journals: each test breaks exactly one rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from commonwork.errors import ChainBroken, ClockSkew, TooLarge, WrongCommons
from commonwork.journal.actions import (
    ACTION_DOMAIN,
    MAX_ACTION_BYTES,
    SignedAction,
    build_action,
    check_signed,
    format_time,
    parse_time,
    sign_action,
)
from commonwork.journal.canonical import canon
from commonwork.journal.chain import Head, follow, verify_lines
from commonwork.journal.entries import ENTRY_DOMAIN, Entry, seal_entry
from commonwork.journal.keys import Keypair, b64url
from commonwork.node.state import MemoryState
from tests.support.builders import CHARTER

HOST = Keypair(bytes([10]) * 32)
OTHER_HOST = Keypair(bytes([11]) * 32)
ALICE = Keypair(bytes([12]) * 32)
BOB = Keypair(bytes([13]) * 32)
T0 = "2026-11-21T10:00:00.000Z"


def later(text: str, **delta: float) -> str:
    return format_time(parse_time(text) + timedelta(**delta))


class Journal:
    """A hand-made journal: each ``add`` seals the next entry, as a host would."""

    def __init__(
        self, *, host: Keypair = HOST, founder: Keypair = ALICE, names: Keypair | None = None
    ) -> None:
        """``names``: the host the founding names as its addressee (none, as before it could)."""
        self.entries: list[Entry] = []
        self.clock = T0
        body = {"charter": CHARTER, "founder_name": "Alice"}
        if names is not None:
            body["host"] = names.did
        self.add(founder, "commons.commons.found", body, host=host)

    @property
    def commons_id(self) -> str:
        return self.entries[0].id

    def next_entry(
        self,
        author: Keypair,
        type_: str,
        body: dict[str, Any],
        *,
        host: Keypair = HOST,
        seq: int | None = None,
        prev: str | None = None,
        recorded_at: str | None = None,
        **action: Any,
    ) -> Entry:
        """The entry that would come next (not added), with any field overridden."""
        if type_ not in ("commons.commons.found", "commons.commons.fork"):
            action.setdefault("commons", self.commons_id)
        action.setdefault("at", recorded_at or self.clock)
        signed = sign_action(
            author, build_action(type=type_, author=author.did, body=body, **action)
        )
        last = self.entries[-1] if self.entries else None
        return seal_entry(
            host,
            seq=seq if seq is not None else (last.seq + 1 if last else 0),
            prev=prev if prev is not None else (last.id if last else None),
            recorded_at=recorded_at or self.clock,
            signed=signed,
        )

    def add(self, author: Keypair, type_: str, body: dict[str, Any], **options: Any) -> Entry:
        self.clock = later(self.clock, seconds=1)
        entry = self.next_entry(author, type_, body, recorded_at=self.clock, **options)
        self.entries.append(entry)
        return entry

    def head(self) -> Head:
        head = None
        for entry in self.entries:
            head = follow(head, entry)
        assert head is not None
        return head

    def lines(self, *extra: Entry) -> list[bytes]:
        return [entry.line + b"\n" for entry in (*self.entries, *extra)]


def small_journal() -> Journal:
    journal = Journal()
    journal.add(BOB, "commons.member.join", {"name": "Bob"})
    record = {"kind": "work", "quantity": "2", "description": "sorted seeds"}
    journal.add(BOB, "production.contribution.record", record)
    return journal


def assert_first_bad(lines: Sequence[bytes], line: int, code: str, **options: Any) -> None:
    report = verify_lines(lines, **options)
    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad.line, report.first_bad.code) == (line, code), report.first_bad


def test_a_good_journal_follows_and_verifies() -> None:
    journal = small_journal()
    head = journal.head()
    assert (head.commons_id, head.seq, head.id) == (
        journal.commons_id,
        2,
        journal.entries[-1].id,
    )
    assert head.host == HOST.did
    state = MemoryState()
    report = verify_lines(journal.lines(), rules=state.replay, expected_commons=journal.commons_id)
    assert report.ok, report.first_bad
    assert (report.entries, report.head, report.commons_id) == (3, head, journal.commons_id)


def test_an_empty_journal_is_not_ok() -> None:
    report = verify_lines([])
    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad.line, report.first_bad.code) == (0, "empty")


@pytest.mark.parametrize("seq", [1, 2, 4, 5, 100])
def test_follow_refuses_a_wrong_seq(seq: int) -> None:
    journal = small_journal()
    entry = journal.next_entry(BOB, "commons.member.leave", {}, seq=seq)
    assert entry.prev == journal.entries[-1].id
    with pytest.raises(ChainBroken):
        follow(journal.head(), entry)
    assert_first_bad(journal.lines(entry), 4, "chain_broken")


def test_follow_refuses_a_wrong_prev() -> None:
    journal = small_journal()
    for prev in (journal.entries[0].id, "00" * 32, journal.entries[-1].id[::-1]):
        entry = journal.next_entry(BOB, "commons.member.leave", {}, prev=prev)
        with pytest.raises(ChainBroken, match="does not link"):
            follow(journal.head(), entry)
        assert_first_bad(journal.lines(entry), 4, "chain_broken")


def test_follow_refuses_a_host_clock_going_back() -> None:
    journal = small_journal()
    back = later(journal.clock, milliseconds=-1)
    entry = journal.next_entry(BOB, "commons.member.leave", {}, recorded_at=back)
    with pytest.raises(ChainBroken, match="never goes back"):
        follow(journal.head(), entry)
    assert_first_bad(journal.lines(entry), 4, "chain_broken")


def test_follow_accepts_the_same_millisecond() -> None:
    journal = small_journal()
    entry = journal.next_entry(BOB, "commons.member.leave", {}, recorded_at=journal.clock)
    assert follow(journal.head(), entry).seq == 3


def test_follow_refuses_a_second_genesis() -> None:
    journal = small_journal()
    body = {"charter": CHARTER, "founder_name": "Bob"}
    entry = journal.next_entry(BOB, "commons.commons.found", body)
    assert (entry.seq, entry.prev) == (3, journal.entries[-1].id)
    with pytest.raises(ChainBroken, match="second genesis"):
        follow(journal.head(), entry)
    assert_first_bad(journal.lines(entry), 4, "chain_broken")


def test_follow_refuses_a_non_genesis_first_entry() -> None:
    journal = small_journal()
    with pytest.raises(ChainBroken, match="genesis"):
        follow(None, journal.entries[1])
    assert_first_bad(journal.lines()[1:], 1, "chain_broken")
    fake = journal.next_entry(BOB, "commons.member.join", {"name": "B"}, seq=0, prev="")
    assert fake.seq == 0
    with pytest.raises(ChainBroken):
        follow(None, fake)


def test_follow_refuses_another_hosts_signature() -> None:
    journal = small_journal()
    entry = journal.next_entry(BOB, "commons.member.leave", {}, host=OTHER_HOST)
    with pytest.raises(ChainBroken, match="not the host"):
        follow(journal.head(), entry)
    assert_first_bad(journal.lines(entry), 4, "chain_broken")


def test_follow_refuses_an_action_for_another_commons() -> None:
    journal, other = small_journal(), Journal(host=HOST, founder=BOB)
    assert other.commons_id != journal.commons_id
    entry = journal.next_entry(BOB, "commons.member.leave", {}, commons=other.commons_id)
    with pytest.raises(WrongCommons):
        follow(journal.head(), entry)
    assert_first_bad(journal.lines(entry), 4, "wrong_commons")


@pytest.mark.parametrize(
    ("lead", "refused"),
    [
        ({"minutes": 5}, False),
        ({"minutes": 5, "milliseconds": 1}, True),
        ({"minutes": 6}, True),
        ({"days": 400}, True),
        ({"seconds": 1}, False),
        ({"seconds": 0}, False),
        ({"days": -3650}, False),  # an author's clock may lag freely: offline work, late upload
        ({"milliseconds": -1}, False),
    ],
    ids=repr,
)
def test_follow_checks_the_authors_clock(lead: dict[str, float], refused: bool) -> None:
    journal = small_journal()
    recorded_at = later(journal.clock, seconds=1)
    at = later(recorded_at, **lead)
    entry = journal.next_entry(BOB, "commons.member.leave", {}, recorded_at=recorded_at, at=at)
    if refused:
        with pytest.raises(ClockSkew):
            follow(journal.head(), entry)
        assert_first_bad(journal.lines(entry), 4, "clock_skew")
    else:
        assert follow(journal.head(), entry).recorded_at == recorded_at
        assert verify_lines(journal.lines(entry), rules=MemoryState().replay).ok


def test_a_genesis_from_the_future_is_refused() -> None:
    journal = Journal()
    genesis = journal.entries[0]
    body = {"charter": CHARTER, "founder_name": "Alice"}
    action = build_action(
        type="commons.commons.found",
        author=ALICE.did,
        body=body,
        at=later(genesis.recorded_at, minutes=10),
    )
    future = seal_entry(
        HOST,
        seq=0,
        prev=None,
        recorded_at=genesis.recorded_at,
        signed=sign_action(ALICE, action),
    )
    with pytest.raises(ClockSkew):
        follow(None, future)
    assert_first_bad([future.line], 1, "clock_skew")


def test_verify_refuses_another_commons_than_expected() -> None:
    """Named at the journal's end: a fork's journal begins with its parent's entries, so only
    its last fork entry (or its genesis, without one) says whose journal it is."""
    journal, other = small_journal(), Journal(founder=BOB)
    lines = journal.lines()
    assert verify_lines(lines, expected_commons=journal.commons_id).ok
    assert_first_bad(lines, len(lines), "wrong_commons", expected_commons=other.commons_id)
    report = verify_lines(lines, expected_commons=other.commons_id)
    assert report.first_bad is not None
    assert report.first_bad.reason == (
        f"this journal is of commons {journal.commons_id}, not {other.commons_id}"
    )


@pytest.mark.parametrize("same_content", [True, False])
def test_verify_refuses_a_reused_nonce(same_content: bool) -> None:
    journal = small_journal()
    first = journal.add(ALICE, "commons.member.invite", {"invitee": BOB.did})
    body = {"invitee": BOB.did} if same_content else {"invitee": OTHER_HOST.did}
    again = journal.add(ALICE, "commons.member.invite", body, nonce=first.nonce)
    assert (again.author, again.nonce) == (first.author, first.nonce)
    assert_first_bad(journal.lines(), 5, "chain_broken")
    report = verify_lines(journal.lines())
    assert report.first_bad is not None
    assert "nonce" in report.first_bad.reason
    assert report.entries == 4


def test_the_same_nonce_by_two_authors_is_fine() -> None:
    journal = small_journal()
    first = journal.add(ALICE, "commons.member.invite", {"invitee": OTHER_HOST.did})
    journal.add(BOB, "commons.member.leave", {}, nonce=first.nonce)
    assert verify_lines(journal.lines(), rules=MemoryState().replay).ok


def test_verify_reports_the_first_rule_violation() -> None:
    journal = small_journal()
    contribution = journal.entries[-1].id
    own = {"contribution": contribution, "verdict": "approve", "reason": ""}
    journal.add(BOB, "production.contribution.validate", own)
    assert verify_lines(journal.lines()).ok  # the chain itself is fine
    assert_first_bad(journal.lines(), 4, "not_allowed", rules=MemoryState().replay)


def test_verify_reports_an_unknown_action_type() -> None:
    journal = small_journal()
    journal.add(BOB, "commons.member.dance", {})
    assert_first_bad(journal.lines(), 4, "unknown_action_type", rules=MemoryState().replay)


def _resealed(entry: Entry, signer: Keypair, **changes: Any) -> bytes:
    """The line of ``entry`` with fields changed and the host signature made anew."""
    value = json.loads(entry.line)
    del value["host_sig"]
    value.update(changes)
    value["host_sig"] = b64url(signer.sign(ENTRY_DOMAIN + canon(value)))
    return canon(value)


@pytest.mark.parametrize("field", ["host", "author"])
@pytest.mark.parametrize("value", [["did:key:z6Mk"], {"did": "x"}])
def test_a_key_field_that_is_not_a_string_is_reported_not_raised(field: str, value: Any) -> None:
    """verify and import must name the bad line for any JSON value; a crash is not a report."""
    journal = small_journal()
    entry = journal.next_entry(BOB, "commons.member.leave", {})
    if field == "host":
        line = _resealed(entry, HOST, host=value)
    else:
        line = _resealed(entry, HOST, action={**entry.action, field: value})
    assert_first_bad([*journal.lines(), line], 4, "bad_key")


def test_verify_counts_entries_and_calls_progress() -> None:
    journal = small_journal()
    seen: list[int] = []
    report = verify_lines(journal.lines(), progress=seen.append)
    assert report.ok
    assert seen == [3]
    assert report.as_json()["head_seq"] == 2


def test_verify_refuses_an_action_over_64_kib() -> None:
    """The size limit is part of the format: a journal whose host let a larger action in must not
    verify (nor import), or replicas would accept what no honest host could append."""
    charter = {**CHARTER, "aims": ["x" * 4000] * 17}  # valid for the charter schema
    action = build_action(
        type="commons.commons.found",
        author=ALICE.did,
        body={"charter": charter, "founder_name": "Alice"},
        at=T0,
    )
    size = len(canon(action))
    assert size > MAX_ACTION_BYTES
    author_sig = b64url(ALICE.sign(ACTION_DOMAIN + canon(action)))
    with pytest.raises(TooLarge):
        check_signed({"action": action, "author_sig": author_sig})  # what submit says
    oversized = SignedAction(action=action, author_sig=author_sig, canonical=canon(action))
    entry = seal_entry(HOST, seq=0, prev=None, recorded_at=T0, signed=oversized)
    assert_first_bad([entry.line], 1, "too_large")
    assert_first_bad([entry.line], 1, "too_large", rules=MemoryState().replay)


@pytest.mark.parametrize(
    ("names", "bad"),
    [(None, None), (HOST, None), (OTHER_HOST, "wrong_host")],
    ids=["names-no-host", "names-its-host", "names-another-host"],
)
def test_a_genesis_is_hosted_by_the_host_it_names(names: Keypair | None, bad: str | None) -> None:
    """A founding that names its host verifies only when that host countersigned it (a copy
    re-hosted elsewhere does not); one that names no host (signed before they did) verifies."""
    journal = Journal(host=HOST, names=names)
    journal.add(BOB, "commons.member.join", {"name": "Bob"})
    if bad is None:
        assert verify_lines(journal.lines(), rules=MemoryState().replay).ok
    else:
        assert_first_bad(journal.lines(), 1, bad, rules=MemoryState().replay)
        assert verify_lines(journal.lines()).ok  # a rule of the commons area, not of the chain
