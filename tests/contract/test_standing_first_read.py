"""The first read of standing after a new action (issue 7): the provisional view a new head
updates from the last one, and the standing table it patches, are what settling the open day
whole and making the table afresh give — over several days, each page of the table, and the
facts the view keeps for every head of its day (record seqs, settled standing rows)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from commonwork.errors import CommonworkError
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.state import DbState
from commonwork.services import acting, settled, standing_read
from commonwork.standing.tables import member_standing
from tests.contract.test_settlement import SHOWN, _full_overlay, approve, charter, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join


def check_reads(node: Node, commons_id: str, note: Any) -> None:
    """The view and the table as a read after a new head makes them, against the oracles."""
    view = settled.current(node, commons_id)
    assert view is not None
    full = _full_overlay(node, commons_id, view.as_of_day)
    for name in SHOWN:
        assert view.overlay.get(name, {}) == full.get(name, {}), (note, name)
    patched = standing_read.standing_table(node, commons_id)
    afresh = standing_read._standing_table(node, view).table
    assert patched == afresh, note
    page = standing_read.standing_table(node, commons_id, limit=2, offset=1)
    assert page.members == afresh.members[1:3], note
    assert (page.digest, page.distribution, page.total_members) == (
        afresh.digest,
        afresh.distribution,
        afresh.total_members,
    ), note


@pytest.mark.parametrize("seed", [4, 5])
def test_each_first_read_over_several_days_equals_the_reads_made_afresh(
    any_node: Node, seed: int
) -> None:
    pick = random.Random(seed)
    people = [Keypair.generate() for _ in range(6)]
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, people[0], charter(*people[:3]))
    for number, person in enumerate(people[1:], start=1):
        join(any_node, commons_id, person, f"P{number}")
    works: list[tuple[str, Keypair]] = []
    for number in range(1, 4):
        for step in range(14):
            any_node.clock = lambda number=number, step=step: day(number + step / 20)
            who = pick.choice(people)
            move = pick.random()
            try:
                if move < 0.35 or not works:
                    works.append((work(any_node, commons_id, who, str(pick.randint(1, 5))), who))
                elif move < 0.85:
                    target, _ = pick.choice(works)
                    verdict = pick.choice(["approve"] * 6 + ["adjust", "dispute"])
                    acting.validate_contribution(
                        any_node,
                        actor=who,
                        commons_id=commons_id,
                        contribution_id=target,
                        verdict=verdict,
                        reason="" if verdict == "approve" else "because",
                        quantity="2" if verdict == "adjust" else None,
                    )
                else:
                    target, author = pick.choice(works)
                    acting.correct_contribution(
                        any_node,
                        actor=author,
                        commons_id=commons_id,
                        contribution_id=target,
                        reason="more",
                        changes={"quantity": str(pick.randint(1, 5))},
                    )
            except CommonworkError:
                continue  # refused (own work, twice…): nothing appended
            check_reads(any_node, commons_id, (seed, number, step))


def test_a_member_credited_before_today_is_credited_again_without_reading_their_row(
    any_node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view keeps the settled standing rows it read for every head of its day: crediting
    an author again (another of their works accepted) reads no standing row, and what it shows
    is still what settling the day whole gives."""
    a, b, c = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, a, charter(a, c))
    join(any_node, commons_id, b, "B")
    join(any_node, commons_id, c, "C")
    any_node.clock = lambda: day(1)
    first = work(any_node, commons_id, b)
    approve(any_node, commons_id, a, first)
    check_reads(any_node, commons_id, "first")
    second = work(any_node, commons_id, b)
    check_reads(any_node, commons_id, "recorded")  # the view learns the record's seq
    loaded: list[str] = []
    original = DbState._load_groups

    def counted(self: DbState, table: Any, groups: dict[Any, set[Any]]) -> None:
        loaded.append(table.name)
        original(self, table, groups)

    monkeypatch.setattr(DbState, "_load_groups", counted)
    approve(any_node, commons_id, a, second)
    loaded.clear()
    view = settled.current(any_node, commons_id)
    assert view is not None
    assert member_standing.name not in loaded
    assert view.moved == {b.did}
    monkeypatch.undo()
    check_reads(any_node, commons_id, "second")
