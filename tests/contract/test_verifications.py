"""Verification kept by head, on every backend: reading the state never re-checks the journal, a
full re-verification runs once per head, and the journal streams in short transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from commonwork.errors import NotFound
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.tables import entries, verifications
from commonwork.services import journals
from tests.support.builders import contribute, found, signed

Counter = list[int]


@pytest.fixture
def rechecked(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many entries full verifications have re-checked (one item per full verification)."""
    runs: Counter = []
    real = journals.verify_lines

    def counting(lines: Iterable[bytes], **options: Any) -> Any:
        def counted() -> Iterable[bytes]:
            for line in lines:
                runs[-1] += 1
                yield line

        runs.append(0)
        return real(counted(), **options)

    monkeypatch.setattr(journals, "verify_lines", counting)
    return runs


def tamper(node: Node, commons_id: str, seq: int) -> None:
    """Change an entry's content in the database, as a broken disk or a dishonest operator would."""
    where = (entries.c.commons_id == commons_id) & (entries.c.seq == seq)
    with node.writing() as conn:
        line = conn.execute(sa.select(entries.c.line).where(where)).scalar_one()
        forged = line.replace("weeded the seed beds", "weeded the whole garden")
        conn.execute(sa.update(entries).where(where).values(line=forged))


def test_a_re_verification_runs_once_per_head(any_node: Node, rechecked: Counter) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    contribute(any_node, commons_id, founder)

    first, first_cached = journals.reverify(any_node, commons_id)
    again, again_cached = journals.reverify(any_node, commons_id)
    assert rechecked == [2]  # the second asked for the same head: the kept result
    assert (first_cached, again_cached) == (False, True)
    assert (first.current, again.current, again.as_json()["ok"]) == (True, True, True)
    assert again.as_json()["checked_at"] == first.as_json()["checked_at"]

    contribute(any_node, commons_id, founder)
    state = journals.verification_state(any_node, commons_id)
    assert not state.current
    assert state.as_json()["ok"] is None
    assert state.as_json()["last"]["head_seq"] == 1
    assert "not re-verified since seq 1" in state.as_json()["detail"]
    assert rechecked == [2]  # reading the state re-checked nothing

    newer, cached = journals.reverify(any_node, commons_id)
    assert rechecked == [2, 3]
    assert (cached, newer.current) == (False, True)
    assert newer.as_json()["head_seq"] == 2


def test_the_kept_state_is_shown_until_someone_re_verifies_a_new_head(
    any_node: Node, rechecked: Counter
) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    contribute(any_node, commons_id, founder)
    journals.reverify(any_node, commons_id)
    tamper(any_node, commons_id, 1)

    kept = journals.verification_state(any_node, commons_id).as_json()
    assert (kept["current"], kept["ok"]) == (True, True)  # what was checked, not re-checked
    contribute(any_node, commons_id, founder)
    state, cached = journals.reverify(any_node, commons_id)

    report = state.as_json()
    assert not cached
    assert (report["ok"], report["entries"], report["head_seq"]) == (False, 1, 2)
    assert report["first_bad"]["seq"] == 1
    assert report["first_bad"]["code"] == "bad_signature"
    assert "found a bad entry" in report["detail"]
    assert rechecked == [2, 2]  # the second stopped at the bad entry


def test_the_cli_verification_is_kept_too(any_node: Node) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    assert journals.verification_state(any_node, commons_id).last is None
    report = journals.verify_commons(any_node, commons_id)
    state = journals.verification_state(any_node, commons_id)
    assert (report.ok, state.current) == (True, True)
    assert state.as_json()["digest"] == report.digest


def test_only_the_latest_heads_result_is_kept(any_node: Node) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    for _ in range(3):
        journals.reverify(any_node, commons_id)
        contribute(any_node, commons_id, founder)
    journals.reverify(any_node, commons_id)
    with any_node.reading() as conn:
        rows = conn.execute(
            sa.select(verifications.c.head_seq).where(verifications.c.commons_id == commons_id)
        ).all()
        last = journal_store.last_verification(conn, commons_id)
    assert [row.head_seq for row in rows] == [3]
    assert last is not None
    assert last.head_seq == 3


def test_an_unknown_commons_has_no_verification_state(any_node: Node) -> None:
    with pytest.raises(NotFound):
        journals.verification_state(any_node, "ab" * 32)
    with pytest.raises(NotFound):
        journals.reverify(any_node, "ab" * 32)


def test_the_stream_holds_no_connection_and_stops_at_the_head_it_began_with(
    any_node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    records = [
        signed(founder, "production.contribution.record", work(number), commons_id)
        for number in range(9)
    ]
    append_actions(any_node, commons_id, records)
    monkeypatch.setattr(journals, "STREAM_CHUNK", 4)
    # QueuePool has checkedout(); the Pool base class SQLAlchemy types engine.pool as does not
    checked_out: Callable[[], int] = any_node.engine.pool.checkedout  # type: ignore[attr-defined]

    head, chunks = journals.stream_journal(any_node, commons_id, after=0, limit=1000)
    first = next(chunks)
    assert checked_out() == 0  # between chunks no connection is held
    contribute(any_node, commons_id, founder)  # appended while the stream is being read
    rest = b"".join(chunks)

    lines = (first + rest).splitlines()
    assert head.seq == 9
    assert len(first.splitlines()) == 4
    assert [seq_of(line) for line in lines] == list(range(1, 10))


def test_the_stream_honours_limit_and_after(any_node: Node) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    records = [
        signed(founder, "production.contribution.record", work(number), commons_id)
        for number in range(5)
    ]
    append_actions(any_node, commons_id, records)
    _, chunks = journals.stream_journal(any_node, commons_id, after=1, limit=3)
    assert [seq_of(line) for line in b"".join(chunks).splitlines()] == [2, 3, 4]
    _, beyond = journals.stream_journal(any_node, commons_id, after=5, limit=3)
    assert b"".join(beyond) == b""


def work(number: int) -> dict[str, Any]:
    return {"kind": "work", "quantity": "1", "description": f"sorted seed packets, batch {number}"}


def seq_of(line: bytes) -> int:
    seq: int = orjson.loads(line)["seq"]
    return seq
