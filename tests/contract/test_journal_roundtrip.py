"""Export and import on every backend: a journal moved to an empty node rebuilds the same state,
imports are idempotent and all or nothing, continuations append only what is new, and a journal
that diverges from what the node holds is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commonwork.errors import ChainBroken, CommonworkError, NotAllowed
from commonwork.journal.actions import build_action, sign_action
from commonwork.journal.entries import parse_entry, seal_entry
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import queries
from commonwork.services.journals import (
    export_journal,
    import_journal,
    rebuild_projections,
    verify_commons,
)
from tests.conftest import DatabaseFactory, open_node
from tests.support.builders import contribute, found, join, signed, validate

ALICE, BOB, CAROL, DAVE = (Keypair(bytes([n]) * 32) for n in range(21, 25))


@pytest.fixture
def empty_node(tmp_path: Path, database_url_factory: DatabaseFactory) -> Iterator[Node]:
    """A second fresh node on the same backend as ``any_node``."""
    opened = open_node(tmp_path / "b", database_url_factory("b"))
    yield opened
    opened.close()


def build_commons(node: Node) -> str:
    commons_id = found(node, ALICE)
    join(node, commons_id, BOB, "Bob")
    join(node, commons_id, CAROL, "Carol")
    seeds = contribute(node, commons_id, BOB, "2.5")
    beds = contribute(node, commons_id, CAROL, "1")
    validate(node, commons_id, ALICE, seeds)
    validate(node, commons_id, CAROL, seeds)
    validate(node, commons_id, BOB, beds, "dispute")
    return commons_id


def grow(node: Node, commons_id: str, rounds: int) -> None:
    for _ in range(rounds):
        contribution = contribute(node, commons_id, ALICE, "1")
        validate(node, commons_id, BOB, contribution)


def lines_of(node: Node, commons_id: str, *, after: int = -1) -> list[bytes]:
    return list(export_journal(node, commons_id, after=after))


def digest_and_head(node: Node, commons_id: str) -> tuple[str, str, int]:
    detail = queries.commons_detail(node, commons_id)
    return detail.digest, detail.head, detail.head_seq


def entry_count(node: Node, commons_id: str) -> int:
    with node.reading() as conn:
        return journal_store.count_entries(conn, commons_id)


def holds_nothing(node: Node, commons_id: str) -> bool:
    with node.reading() as conn:
        return (
            not journal_store.all_heads(conn)
            and journal_store.count_entries(conn, commons_id) == 0
            and queries.count_commons(node) == 0
        )


def test_export_then_import_into_an_empty_node(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    lines = lines_of(any_node, commons_id)
    assert len(lines) == 8
    imported = import_journal(empty_node, lines)
    assert (imported.commons_id, imported.appended, imported.already_held) == (commons_id, 8, 0)
    assert digest_and_head(empty_node, commons_id) == digest_and_head(any_node, commons_id)
    assert lines_of(empty_node, commons_id) == lines
    assert queries.list_members(empty_node, commons_id) == queries.list_members(
        any_node, commons_id
    )
    detail = queries.commons_detail(empty_node, commons_id)
    assert detail.host == any_node.host_key.did
    assert not detail.hosted_here
    report = verify_commons(empty_node, commons_id)
    assert report.ok
    assert report.extra["projections_match"]


def test_importing_again_is_idempotent(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    lines = lines_of(any_node, commons_id)
    import_journal(empty_node, lines)
    before = digest_and_head(empty_node, commons_id)
    again = import_journal(empty_node, lines)
    assert (again.appended, again.already_held) == (0, len(lines))
    assert again.head.id == before[1]
    assert digest_and_head(empty_node, commons_id) == before
    assert entry_count(empty_node, commons_id) == len(lines)
    prefix = import_journal(empty_node, lines[:3])  # a shorter copy is held already too
    assert (prefix.appended, prefix.already_held) == (0, 3)
    assert digest_and_head(empty_node, commons_id) == before


@pytest.mark.parametrize(
    ("line", "field", "offset"),
    [(1, b'"charter"', 3), (4, b'"host_sig"', 3), (6, b'"recorded_at"', 3), (8, b'"seq"', 1)],
)
def test_a_tampered_byte_fails_the_import_naming_the_line_and_writes_nothing(
    any_node: Node, empty_node: Node, line: int, field: bytes, offset: int
) -> None:
    commons_id = build_commons(any_node)
    lines = lines_of(any_node, commons_id)
    original = lines[line - 1]
    position = original.index(field + b":") + len(field) + offset
    assert position < len(original) - 2
    flipped = b"0" if original[position : position + 1] != b"0" else b"1"
    lines[line - 1] = original[:position] + flipped + original[position + 1 :]
    with pytest.raises(CommonworkError) as raised:
        import_journal(empty_node, lines)
    assert raised.value.extra["line"] == line
    assert f"line {line} " in raised.value.detail
    assert 400 <= raised.value.status < 500
    assert holds_nothing(empty_node, commons_id)


def test_a_bad_last_line_rolls_back_the_whole_import(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    lines = lines_of(any_node, commons_id)
    with pytest.raises(CommonworkError) as raised:
        import_journal(empty_node, [*lines, b'{"seq":8}\n'])
    assert raised.value.extra["line"] == len(lines) + 1
    assert holds_nothing(empty_node, commons_id)


def test_a_continuation_appends_only_the_new_entries(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    first = lines_of(any_node, commons_id)
    import_journal(empty_node, first)

    grow(any_node, commons_id, 2)  # +4 entries: the continuation alone, from seq 8
    tail = lines_of(any_node, commons_id, after=len(first) - 1)
    assert len(tail) == 4
    added = import_journal(empty_node, tail)
    assert (added.appended, added.already_held) == (4, 0)
    assert digest_and_head(empty_node, commons_id) == digest_and_head(any_node, commons_id)

    grow(any_node, commons_id, 1)  # +2 entries: the whole journal again
    whole = lines_of(any_node, commons_id)
    added = import_journal(empty_node, whole)
    assert (added.appended, added.already_held) == (2, len(whole) - 2)
    assert digest_and_head(empty_node, commons_id) == digest_and_head(any_node, commons_id)
    assert entry_count(empty_node, commons_id) == len(whole) == 14
    assert verify_commons(empty_node, commons_id).extra["projections_match"]


def test_a_continuation_without_its_start_is_refused(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    tail = lines_of(any_node, commons_id, after=3)
    with pytest.raises(ChainBroken) as raised:
        import_journal(empty_node, tail)
    assert raised.value.extra["line"] == 1
    assert holds_nothing(empty_node, commons_id)


def test_a_gap_in_a_continuation_is_refused(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    import_journal(empty_node, lines_of(any_node, commons_id))
    before = digest_and_head(empty_node, commons_id)
    grow(any_node, commons_id, 2)
    tail = lines_of(any_node, commons_id, after=7)
    with pytest.raises(ChainBroken) as raised:
        import_journal(empty_node, tail[1:])
    assert raised.value.extra["line"] == 1
    assert digest_and_head(empty_node, commons_id) == before


def test_rebuild_keeps_the_digest(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    grow(any_node, commons_id, 1)
    other = found(any_node, DAVE)
    import_journal(empty_node, lines_of(any_node, commons_id))
    expected = digest_and_head(any_node, commons_id)
    for node in (any_node, empty_node):
        one = rebuild_projections(node, commons_id)
        assert one.unchanged
        assert one.entries == 10
        assert digest_and_head(node, commons_id) == expected
    everything = rebuild_projections(any_node)
    assert everything.unchanged
    assert sorted(everything.commons) == sorted([commons_id, other])
    assert everything.entries == 11
    assert digest_and_head(any_node, commons_id) == expected
    assert verify_commons(any_node, commons_id).extra["projections_match"]


def test_a_diverging_journal_is_refused(any_node: Node, empty_node: Node) -> None:
    """Two entries the host signed for one position: the node keeps the one it holds."""
    commons_id = build_commons(any_node)
    lines = lines_of(any_node, commons_id)
    genesis, held = parse_entry(lines[0]), parse_entry(lines[1])
    action = build_action(type="commons.member.join", author=DAVE.did, body={"name": "Dave"})
    action["commons"] = commons_id
    other = seal_entry(
        any_node.host_key,
        seq=1,
        prev=genesis.id,
        recorded_at=held.recorded_at,
        signed=sign_action(DAVE, action),
    )
    assert other.id != held.id
    forked = import_journal(empty_node, [lines[0], other.line + b"\n"])
    assert forked.appended == 2
    before = digest_and_head(empty_node, commons_id)

    with pytest.raises(ChainBroken, match="diverged") as raised:
        import_journal(empty_node, lines)
    assert raised.value.extra["line"] == 2
    assert digest_and_head(empty_node, commons_id) == before
    assert entry_count(empty_node, commons_id) == 2


def test_a_copy_refuses_writes_meant_for_the_host(any_node: Node, empty_node: Node) -> None:
    commons_id = build_commons(any_node)
    import_journal(empty_node, lines_of(any_node, commons_id))
    action = signed(DAVE, "commons.member.join", {"name": "Dave"}, commons_id)
    with pytest.raises(NotAllowed):
        append_actions(empty_node, commons_id, [action])
    [appended] = append_actions(any_node, commons_id, [action])
    added = import_journal(empty_node, lines_of(any_node, commons_id))
    assert added.appended == 1
    assert added.head.id == appended.entry.id
