"""Forks (issue 10, item 6), on SQLite and PostgreSQL: anyone forks a commons at any entry; the
fork's journal is the parent's up to that entry, then its own; its state at its start is the
parent's at that entry (what each area carries, the commons id left out); both go on on their
own; verify passes on both; a fork is also taken from a journal exported by another node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.commons.tables import inbox
from commonwork.errors import ChainBroken, CommonworkError
from commonwork.journal.entries import parse_entry
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.state import MemoryState
from commonwork.services import forks, journals, queries
from commonwork.services.standing_read import member_standing
from commonwork.standing.tables import settlements
from tests.conftest import DatabaseFactory, open_node
from tests.contract.test_governance import at, propose, stance
from tests.contract.test_standing import approve, charter, work
from tests.support.builders import found, join

START = "2030-01-01T00:00:00.000Z"


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee")}


@pytest.fixture
def parent(any_node: Node, people: dict[str, Keypair]) -> dict[str, Any]:
    """A commons with standing, accepted work and a decision; ``at``: the entry forked at."""
    at(any_node, START)
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    accepted = work(any_node, commons_id, ben, hours="3")
    approve(any_node, commons_id, ada, accepted)
    pid = propose(any_node, commons_id, ada, title="Open on Sundays", text="From March.")
    at(any_node, "2030-01-02T12:00:00.000Z")
    stance(any_node, commons_id, ben, pid, "for")
    head = journals.journal_page(any_node, commons_id, after=-1, limit=1000)[0]
    return {"id": commons_id, "at": head.seq, "proposal": pid, "work": accepted}


def lines(node: Node, commons_id: str) -> list[bytes]:
    return [line.rstrip(b"\n") for line in journals.export_journal(node, commons_id)]


def carried_at(prefix: list[bytes]) -> str:
    """The parent's state at the last of these lines, as a fork would carry it."""
    state = MemoryState()
    commons_id = parse_entry(prefix[0]).id
    for line in prefix:
        state.replay(commons_id, parse_entry(line))
    return state.carried_digest(commons_id)


def test_a_fork_starts_from_the_parents_state_at_its_entry_and_both_go_on(
    any_node: Node, people: dict[str, Keypair], parent: dict[str, Any]
) -> None:
    parent_id, n = parent["id"], parent["at"]
    # The parent goes on after entry N: Cy's work, a later day.
    at(any_node, "2030-01-03T09:00:00.000Z")
    later = work(any_node, parent_id, people["cy"], hours="1")
    # Ben forks at entry N, two days later: no permission asked.
    at(any_node, "2030-01-05T10:00:00.000Z")
    made = forks.fork_commons(
        any_node,
        actor=people["ben"],
        parent_id=parent_id,
        at_seq=n,
        reason="We want to open on Sundays now",
        name="Sunday seed library",
    )
    fork_id = made.commons_id
    assert made.entry.seq == n + 1
    assert made.entry.id == fork_id
    fork_lines = lines(any_node, fork_id)
    parent_lines = lines(any_node, parent_id)
    assert fork_lines[: n + 1] == parent_lines[: n + 1]  # history and attribution are kept
    assert parse_entry(fork_lines[n + 1]).prev == parse_entry(parent_lines[n]).id

    # Its state at its start is the parent's at entry N (the commons id left out).
    replayed = MemoryState()
    report = journals.verify_lines(fork_lines, rules=replayed.replay)
    assert report.ok
    assert report.commons_id == fork_id
    assert replayed.fork_starts[fork_id] == carried_at(parent_lines[: n + 1])
    assert replayed.fork_starts[fork_id] != carried_at(parent_lines)  # not the parent's head

    detail = queries.commons_detail(any_node, fork_id)
    assert (detail.name, detail.founder) == ("Sunday seed library", people["ben"].did)
    assert {m.member for m in queries.list_members(any_node, fork_id)} == {
        people[name].did for name in ("ada", "ben", "cy")
    }
    # Standing earned before the fork stays earned; Cy's later work is not in the fork.
    assert member_standing(any_node, fork_id, people["ben"].did).value_points == "6"
    with pytest.raises(CommonworkError):
        queries.contribution_detail(any_node, fork_id, later)
    # The days between entry N and the fork were settled as days without entries.
    with any_node.reading() as conn:
        checkpoint = conn.execute(
            sa.select(settlements.c.next_day).where(settlements.c.commons_id == fork_id)
        ).scalar()
        news = conn.execute(
            sa.select(sa.func.count()).select_from(inbox).where(inbox.c.commons_id == fork_id)
        ).scalar()
    assert checkpoint == "2030-01-05"
    assert news == 0  # a fork starts with its own news

    # Both go on: the fork's members act in it (on its own host, this node), the parent too.
    at(any_node, "2030-01-05T11:00:00.000Z")
    dee = people["dee"]
    join(any_node, fork_id, dee, "Dee")
    propose(any_node, fork_id, people["cy"], title="Close on Mondays", text="To rest.")
    # The decision taken before the fork closed in the fork too, at its own deadline.
    from tests.contract.test_governance import proposal

    assert proposal(any_node, fork_id, parent["proposal"])["status"] == "passed"
    join(any_node, parent_id, Keypair.generate(), "Eve")
    assert queries.commons_detail(any_node, fork_id).member_count == 4
    assert dee.did not in {m.member for m in queries.list_members(any_node, parent_id)}
    for commons_id in (parent_id, fork_id):
        checked = journals.verify_commons(any_node, commons_id).as_json()
        assert checked["ok"], checked
        assert checked["projections_match"], checked
    # The node's own verify of the fork says so too.
    start = carried_at(parent_lines[: n + 1])
    assert journals.verify_commons(any_node, fork_id).extra["fork_start_digest"] == start
    assert [f.commons_id for f in forks.forks_of(any_node, parent_id)] == [fork_id]
    origin = forks.origin_of(any_node, fork_id)
    assert origin is not None
    assert (origin.parent, origin.at_seq) == (parent_id, n)


def test_a_fork_imports_and_verifies_on_another_node_with_the_same_digest(
    any_node: Node,
    people: dict[str, Keypair],
    parent: dict[str, Any],
    tmp_path: Path,
    database_url_factory: DatabaseFactory,
) -> None:
    fork_id = forks.fork_commons(
        any_node, actor=people["cy"], parent_id=parent["id"], reason="Elsewhere"
    ).commons_id
    at(any_node, "2030-01-03T00:00:00.000Z")
    join(any_node, fork_id, people["dee"], "Dee")
    digest = queries.commons_detail(any_node, fork_id).digest
    mirror = open_node(tmp_path / "mirror", database_url_factory("mirror"))
    try:
        # The parent first, then the fork: the parent's entries are in both journals.
        journals.import_journal(mirror, lines(any_node, parent["id"]))
        imported = journals.import_journal(mirror, lines(any_node, fork_id))
        assert imported.commons_id == fork_id
        assert queries.commons_detail(mirror, fork_id).digest == digest
        assert journals.verify_commons(mirror, fork_id).ok
        journals.rebuild_projections(mirror)
        assert queries.commons_detail(mirror, fork_id).digest == digest
    finally:
        mirror.close()


def test_a_fork_taken_from_an_exported_journal_by_an_outsider(
    any_node: Node,
    people: dict[str, Keypair],
    parent: dict[str, Any],
    tmp_path: Path,
    database_url_factory: DatabaseFactory,
) -> None:
    exported = lines(any_node, parent["id"])
    elsewhere = open_node(tmp_path / "elsewhere", database_url_factory("elsewhere"))
    try:
        outsider = Keypair.generate()
        with pytest.raises(CommonworkError, match="give your name"):
            forks.fork_from_lines(elsewhere, exported, actor=outsider, reason="Mine")
        made = forks.fork_from_lines(
            elsewhere, exported, actor=outsider, reason="Mine", founder_name="Out", at_seq=3
        )
        detail = queries.commons_detail(elsewhere, made.commons_id)
        assert detail.founder == outsider.did
        assert made.entry.host == elsewhere.host_key.did  # its own host
        assert journals.verify_commons(elsewhere, made.commons_id).ok
    finally:
        elsewhere.close()


def test_a_fork_naming_another_hash_or_sent_as_an_action_is_refused(
    any_node: Node, people: dict[str, Keypair], parent: dict[str, Any]
) -> None:
    from commonwork.journal.actions import build_action, sign_action
    from commonwork.node.pipeline import append_actions, fork_journal

    body = {
        "parent": parent["id"],
        "at_seq": 2,
        "at_hash": "0" * 64,
        "reason": "x",
        "host": any_node.host_key.did,
    }
    bad = sign_action(
        people["ben"],
        build_action(type="commons.commons.fork", author=people["ben"].did, body=body),
    )
    with pytest.raises(ChainBroken, match="names another journal"):
        fork_journal(any_node, bad)
    with pytest.raises(CommonworkError, match="send it alone"):
        append_actions(any_node, parent["id"], [bad])
    assert forks.forks_of(any_node, parent["id"]) == []


def test_a_fork_signed_with_a_nonce_of_the_journal_it_continues_is_refused(
    any_node: Node, people: dict[str, Keypair], parent: dict[str, Any]
) -> None:
    from commonwork.errors import NonceReused
    from commonwork.journal.actions import build_action, sign_action
    from commonwork.node.pipeline import fork_journal

    prefix = lines(any_node, parent["id"])
    used = next(
        parse_entry(line) for line in prefix if parse_entry(line).author == people["ben"].did
    )
    head = parse_entry(prefix[-1])
    body = {"parent": parent["id"], "at_seq": head.seq, "at_hash": head.id, "reason": "x",
            "host": any_node.host_key.did}  # fmt: skip
    action = build_action(
        type="commons.commons.fork", author=people["ben"].did, body=body, nonce=used.nonce
    )
    with pytest.raises(NonceReused):
        fork_journal(any_node, sign_action(people["ben"], action))
    assert forks.forks_of(any_node, parent["id"]) == []


def test_a_forks_journal_whose_parent_history_differs_from_the_parent_held_is_refused(
    any_node: Node,
    people: dict[str, Keypair],
    parent: dict[str, Any],
    tmp_path: Path,
    database_url_factory: DatabaseFactory,
) -> None:
    """Two entries the parent's host signed for one position: the node that holds one of them
    refuses a fork's journal built on the other."""
    from commonwork.journal.entries import seal_entry
    from tests.support.builders import signed

    parent_id = parent["id"]
    fork_id = forks.fork_commons(
        any_node, actor=people["cy"], parent_id=parent_id, at_seq=2, reason="ours"
    ).commons_id
    history = lines(any_node, parent_id)
    second = parse_entry(history[1])
    other = seal_entry(
        any_node.host_key,
        seq=2,
        prev=second.id,
        recorded_at=second.recorded_at,
        signed=signed(people["dee"], "commons.member.join", {"name": "Dee"}, parent_id),
    )
    elsewhere = open_node(tmp_path / "elsewhere", database_url_factory("elsewhere"))
    try:
        journals.import_journal(elsewhere, [*history[:2], other.line])
        with pytest.raises(ChainBroken, match="diverged"):
            journals.import_journal(elsewhere, lines(any_node, fork_id))
        assert queries.count_commons(elsewhere) == 1
    finally:
        elsewhere.close()
