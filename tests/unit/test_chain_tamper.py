"""Tampering with a real exported journal is always caught, at the line that was tampered with.

One journal (a commons with several members, contributions and validations) is built once on a
SQLite node and exported; every test works on its wire lines with ``verify_lines`` and the same
rules the node applies (``MemoryState().replay``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonwork.errors import CommonworkError
from commonwork.journal.chain import VerifyReport, verify_lines
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import Imported, append_actions
from commonwork.node.state import MemoryState, database_digest
from commonwork.services.journals import export_journal, import_journal, verify_lines_offline
from tests.conftest import open_node
from tests.support.builders import contribute, found, join, signed, validate


@dataclass(frozen=True)
class Exported:
    commons_id: str
    lines: list[bytes]  # each newline-terminated, as exported
    head_id: str
    digest: str

    @property
    def file(self) -> bytes:
        return b"".join(self.lines)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    node = open_node(tmp_path_factory.mktemp("tamper"))
    try:
        people = [Keypair(bytes([n]) * 32) for n in range(1, 6)]
        alice, bob, carol, dave, erin = people
        commons_id = found(node, alice)
        for person, name in zip(people[1:], ["Bob", "Carol", "Dave", "Erin"], strict=True):
            join(node, commons_id, person, name)
        seeds = contribute(node, commons_id, bob, "2")
        beds = contribute(node, commons_id, carol, "3.5")
        catalogue = contribute(node, commons_id, dave, "1")
        validate(node, commons_id, alice, seeds)
        validate(node, commons_id, carol, seeds)
        validate(node, commons_id, bob, beds, "dispute")
        validate(node, commons_id, erin, beds)
        validate(node, commons_id, alice, catalogue)
        money = {"kind": "money", "quantity": "2500", "currency": "EUR", "description": "seeds"}
        append_actions(
            node,
            commons_id,
            [
                signed(erin, "production.contribution.record", money, commons_id),
                signed(
                    alice, "commons.member.invite", {"invitee": Keypair(bytes(32)).did}, commons_id
                ),
                signed(dave, "commons.member.leave", {}, commons_id),
            ],
        )
        contribute(node, commons_id, alice, "0.25")
        lines = list(export_journal(node, commons_id))
        with node.reading() as conn:
            head = journal_store.read_head(conn, commons_id)
            digest = database_digest(conn, commons_id)
        assert head is not None
        yield Exported(commons_id, lines, head.id, digest)
    finally:
        node.close()


def verify(data: bytes | list[bytes]) -> VerifyReport:
    """Verify a journal file (read as a binary file is: split after each b"\\n") or lines."""
    lines = io.BytesIO(data) if isinstance(data, bytes) else data
    return verify_lines(lines, rules=MemoryState().replay)


def assert_bad_at(report: VerifyReport, line: int) -> None:
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.line == line, report.first_bad
    assert report.entries == line - 1


def assert_caught_at_its_line(
    journal: Exported, index: int, position: int, replacement: bytes
) -> None:
    """Replace one byte of line ``index``; verify must name that line, as lines and as a file."""
    line = journal.lines[index]
    assert line[position : position + 1] != replacement
    tampered = line[:position] + replacement + line[position + 1 :]
    lines = [*journal.lines[:index], tampered, *journal.lines[index + 1 :]]
    assert_bad_at(verify(lines), index + 1)
    if replacement != b"\n" or position > 0:
        # As a file, where a new b"\n" splits the line. (One at its very start would add a blank
        # line, whose reading is a separate question: test_verify_and_import_agree_on_framing.)
        assert_bad_at(verify(b"".join(lines)), index + 1)


def test_the_journal_is_big_enough(journal: Exported) -> None:
    assert 12 <= len(journal.lines) <= 20
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in journal.lines)


def test_the_untampered_journal_verifies_and_replays_to_the_node_state(journal: Exported) -> None:
    state = MemoryState()
    report = verify_lines(
        io.BytesIO(journal.file), rules=state.replay, expected_commons=journal.commons_id
    )
    assert report.ok, report.first_bad
    assert report.entries == len(journal.lines)
    assert report.head is not None
    assert report.head.id == journal.head_id
    assert report.commons_id == journal.commons_id
    assert state.digest() == journal.digest


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_flipped_byte_is_caught_at_its_line(journal: Exported, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(journal.lines) - 1), label="index")
    line = journal.lines[index]
    position = data.draw(st.integers(min_value=0, max_value=len(line) - 2), label="position")
    replacement = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda byte: byte != line[position]),
        label="byte",
    )
    assert_caught_at_its_line(journal, index, position, bytes([replacement]))


@pytest.mark.parametrize("replacement", [b"\x00", b" ", b"\n", b"\r", b"\xff", b'"', b"\\"])
def test_chosen_bytes_at_every_field_are_caught(journal: Exported, replacement: bytes) -> None:
    index = len(journal.lines) // 2
    line = journal.lines[index]
    names = (b'"action"', b'"author_sig"', b'"host"', b'"host_sig"', b'"recorded_at"', b'"seq"')
    values = [line.index(name + b":") + len(name) + 1 for name in names]
    assert max(values) < len(line) - 1
    for position in (0, len(line) - 2, *values, *(value - 2 for value in values)):
        if line[position : position + 1] == replacement:
            continue
        assert_caught_at_its_line(journal, index, position, replacement)


def test_dropping_a_line_is_caught_at_the_next_one(journal: Exported) -> None:
    last = len(journal.lines) - 1
    for index in range(last):
        lines = journal.lines[:index] + journal.lines[index + 1 :]
        assert_bad_at(verify(lines), index + 1)
    # Dropping the last line leaves a shorter journal that is valid: a prefix of the same chain.
    report = verify(journal.lines[:last])
    assert report.ok
    assert report.entries == last


def test_swapping_two_lines_is_caught_at_the_first(journal: Exported) -> None:
    count = len(journal.lines)
    for first in range(count):
        for second in range(first + 1, count):
            lines = list(journal.lines)
            lines[first], lines[second] = lines[second], lines[first]
            assert_bad_at(verify(lines), first + 1)


def test_duplicating_a_line_is_caught_at_the_copy(journal: Exported) -> None:
    count = len(journal.lines)
    for index in range(count):
        right_after = [*journal.lines[: index + 1], *journal.lines[index:]]
        assert_bad_at(verify(right_after), index + 2)
        at_the_end = [*journal.lines, journal.lines[index]]
        assert_bad_at(verify(at_the_end), count + 1)


def test_a_line_from_another_journal_is_caught(journal: Exported) -> None:
    # The genesis of this journal placed later: a second genesis.
    lines = [*journal.lines, journal.lines[0]]
    assert_bad_at(verify(lines), len(journal.lines) + 1)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_truncating_the_file_is_caught_at_the_cut_line(
    journal: Exported, data: st.DataObject
) -> None:
    file = journal.file
    cut = data.draw(st.integers(min_value=1, max_value=len(file) - 1), label="cut")
    ends = [0]
    for line in journal.lines:
        ends.append(ends[-1] + len(line))
    complete = sum(1 for end in ends[1:] if end <= cut)
    cut_line_end = ends[complete + 1]
    report = verify(file[:cut])
    if cut == ends[complete] or cut == cut_line_end - 1:
        # Cut between lines, or only the newline of the last line: a complete shorter journal.
        assert report.ok, report.first_bad
        assert report.entries == complete + (cut == cut_line_end - 1)
    else:
        assert_bad_at(report, complete + 1)


def test_truncating_to_nothing_is_an_empty_journal(journal: Exported) -> None:
    report = verify(b"")
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.code == "empty"


def test_a_crlf_line_end_is_framing_not_content(journal: Exported) -> None:
    """A journal saved with CRLF line ends reads the same: the entries' bytes are unchanged."""
    crlf = [line[:-1] + b"\r\n" for line in journal.lines]
    report = verify(b"".join(crlf))
    assert report.ok
    assert report.head is not None
    assert report.head.id == journal.head_id


@pytest.mark.parametrize("framing", ["crlf", "blank line at the end", "blank line inside"])
def test_verify_and_import_agree_on_framing(journal: Exported, node: Node, framing: str) -> None:
    """``commonwork verify FILE`` and ``commonwork import FILE`` must accept the same files."""
    lines = list(journal.lines)
    if framing == "crlf":
        lines = [line[:-1] + b"\r\n" for line in lines]
    elif framing == "blank line at the end":
        lines.append(b"\n")
    else:
        lines.insert(3, b"\n")
    file = b"".join(lines)
    verified = verify_lines_offline(io.BytesIO(file))
    try:
        imported: object = import_journal(node, io.BytesIO(file))
    except CommonworkError as exc:
        imported = exc
    assert verified.ok == isinstance(imported, Imported), (verified.first_bad, imported)
