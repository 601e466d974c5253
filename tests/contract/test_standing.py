"""Validation, value points and standing under a charter's policies, on every backend: weighted
approval, lazy acceptance, adjustments, disputes, tasks closing, "why this number", the preview,
rebuild, and the refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import acting, queries, tasks_read
from commonwork.services.journals import rebuild_projections
from commonwork.services.standing_models import MemberStanding
from commonwork.services.standing_read import member_standing, standing_table
from commonwork.services.standing_views import preview_value_policy
from tests.contract.test_submit_pipeline import head_of
from tests.contract.test_tasks import day
from tests.support.builders import CHARTER, found, join

VALIDATION = {
    "threshold": "10",
    "validator_cap": "10",
    "validator_minimum": "50",
    "challenge_days": 7,
    "lazy_minimum": "60",
    "reciprocity_days": 30,
    "reciprocity_discount": "0.5",
}
VALUE = {
    "version": 1,
    "kinds": {"work": "2", "review": "1", "artifact": "1", "money": "0.01"},
    "skills": {"python": "1.5"},
    "cap_per_contribution": "40",
}


def charter(ada: Keypair, **changes: Any) -> dict[str, Any]:
    standing = {
        "half_life_days": 180,
        "founders": [{"member": ada.did, "standing": 100}],
        "privileges": {"arbitrate": 150, "bounty_tasks": 80},
    }
    policies = {"validation_policy": VALIDATION, "value_policy": VALUE, "standing_policy": standing}
    return {**CHARTER, **policies, "engine": 1, **changes}


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    """Ada founded it with standing 100; Ben, Cy and Dee joined; the clock at day 0."""
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, people["ada"], charter(people["ada"]))
    for name in ("ben", "cy", "dee"):
        join(any_node, commons_id, people[name], name.title())
    return commons_id


def work(node: Node, commons_id: str, person: Keypair, hours: str = "5", **extra: Any) -> str:
    appended = acting.record_contribution(
        node,
        actor=person,
        commons_id=commons_id,
        kind="work",
        quantity=hours,
        description="Sorted seed trays",
        **extra,
    )
    return appended.entry.id


def approve(node: Node, commons_id: str, person: Keypair, contribution: str, **extra: Any) -> None:
    acting.validate_contribution(
        node,
        actor=person,
        commons_id=commons_id,
        contribution_id=contribution,
        verdict=extra.pop("verdict", "approve"),
        **extra,
    )


def status(node: Node, commons_id: str, contribution: str) -> str:
    return str(queries.contribution_detail(node, commons_id, contribution).status)


def figures_of(node: Node, commons_id: str, did: str) -> MemberStanding:
    return member_standing(node, commons_id, did)


def test_an_approval_with_weight_accepts_a_newcomers_work(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben_work = work(any_node, commons_id, people["ben"], skill="python")
    assert status(any_node, commons_id, ben_work) == "pending"
    approve(any_node, commons_id, people["ada"], ben_work)
    assert status(any_node, commons_id, ben_work) == "accepted"
    ben = figures_of(any_node, commons_id, people["ben"].did)
    # 5 hours * weight 2 * python 1.5 = 15 points, not decayed on the day it was accepted
    assert (ben.value_points, ben.standing) == ("15", 15.0)
    assert ben.standing_by_skill == {"python": 15.0}
    assert ben.privileges == {
        "validate_with_weight": False,
        "arbitrate": False,
        "bounty_tasks": False,
    }
    [term] = ben.why
    assert (term.contribution, term.entry, term.points) == (ben_work, ben_work, "15")
    [approval] = term.approvals
    assert (approval.validator, approval.weight) == (people["ada"].did, "10")
    assert isinstance(approval.seq, int)  # the validation's journal entry


def test_approvals_without_standing_weigh_nothing_and_newcomers_get_no_lazy_acceptance(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    cy_work = work(any_node, commons_id, people["cy"])
    approve(any_node, commons_id, people["ben"], cy_work)
    approve(any_node, commons_id, people["dee"], cy_work)
    any_node.clock = lambda: day(30)  # well past the challenge window
    assert status(any_node, commons_id, cy_work) == "pending"
    assert figures_of(any_node, commons_id, people["cy"].did).standing == 0.0


def test_a_member_with_standing_is_accepted_lazily_once_the_window_passes(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada_work = work(any_node, commons_id, people["ada"], hours="3")
    any_node.clock = lambda: day(6.5)
    assert status(any_node, commons_id, ada_work) == "pending"
    any_node.clock = lambda: day(7)
    assert status(any_node, commons_id, ada_work) == "accepted"
    table = standing_table(any_node, commons_id, as_of=day(7))
    ada = next(row for row in table.members if row.member == people["ada"].did)
    assert ada.value_points == "6"
    expected = 100 * 2 ** (-7 / 180) + 6
    assert ada.standing == pytest.approx(expected, abs=0.001)
    why = figures_of(any_node, commons_id, people["ada"].did).why
    assert [term.kind for term in why] == ["seed", "contribution"]
    assert sum(term.standing for term in why) == pytest.approx(ada.standing, abs=0.002)


def test_an_adjustment_settles_the_quantity_and_a_dispute_holds_work_for_arbitration(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    adjusted = work(any_node, commons_id, people["ben"], hours="10")
    approve(
        any_node,
        commons_id,
        people["ada"],
        adjusted,
        verdict="adjust",
        quantity="4",
        reason="the trays took four hours",
    )
    detail = queries.contribution_detail(any_node, commons_id, adjusted)
    assert (detail.status, detail.accepted_quantity) == ("accepted", "4")
    assert figures_of(any_node, commons_id, people["ben"].did).value_points == "8"
    disputed = work(any_node, commons_id, people["cy"])
    approve(any_node, commons_id, people["ada"], disputed, verdict="dispute", reason="not seen")
    listed = queries.list_contributions(any_node, commons_id, status="disputed")
    assert [item.id for item in listed] == [disputed]
    accepted = queries.list_contributions(any_node, commons_id, status="accepted")
    assert [item.id for item in accepted] == [adjusted]


def test_an_accepted_linked_contribution_closes_its_task_and_claims_are_then_refused(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    task = acting.post_task(
        any_node,
        actor=people["ada"],
        commons_id=commons_id,
        title="Sort the bean seeds",
        description="By variety",
        skills=["sorting"],
    ).entry.id
    linked = work(any_node, commons_id, people["ben"], task=task)
    assert tasks_read.task_detail(any_node, commons_id, task).status == "open"
    approve(any_node, commons_id, people["ada"], linked)
    detail = tasks_read.task_detail(any_node, commons_id, task)
    assert (detail.status, detail.closed_by) == ("closed", linked)
    assert [t.id for t in tasks_read.list_tasks(any_node, commons_id, status="closed")] == [task]
    assert tasks_read.count_tasks(any_node, commons_id, status="open") == 0
    assert detail.provisional  # accepted today: settled when the day is over
    any_node.clock = lambda: day(1)
    before = head_of(any_node, commons_id)
    with pytest.raises(NotAllowed, match="the task is closed"):
        acting.claim_task(any_node, actor=people["cy"], commons_id=commons_id, task_id=task)
    with pytest.raises(NotAllowed, match="the task is closed"):
        work(any_node, commons_id, people["cy"], task=task)
    assert head_of(any_node, commons_id) == before


def test_rebuild_gives_identical_standing_and_value_points(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    for hours, person in (("5", "ben"), ("2.5", "cy"), ("1", "dee")):
        approve(
            any_node, commons_id, people["ada"], work(any_node, commons_id, people[person], hours)
        )
    work(any_node, commons_id, people["ada"], hours="4")
    any_node.clock = lambda: day(9)
    before = standing_table(any_node, commons_id)
    rebuild_projections(any_node, commons_id)
    after = standing_table(any_node, commons_id)
    assert before.digest == after.digest
    assert before.members == after.members
    # highest standing first: Ada (seed 100, decayed, and 8 points), then Ben, Cy and Dee
    assert [row.value_points for row in after.members] == ["8", "10", "5", "2"]


def test_a_candidate_value_policy_changes_the_preview_and_not_the_live_figures(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    approve(any_node, commons_id, people["ada"], work(any_node, commons_id, people["ben"], "5"))
    live = standing_table(any_node, commons_id)
    head = head_of(any_node, commons_id)
    candidate = {**VALUE, "version": 2, "kinds": {**VALUE["kinds"], "work": "3"}}
    preview = preview_value_policy(any_node, commons_id, candidate)
    ben = next(row for row in preview.members if row.member == people["ben"].did)
    assert (ben.live_value_points, ben.candidate_value_points) == ("10", "15")
    assert ben.live_share == ben.candidate_share == 1.0
    assert standing_table(any_node, commons_id) == live
    assert head_of(any_node, commons_id) == head
    with pytest.raises(InvalidAction, match="unknown contribution kinds in the value policy: gold"):
        preview_value_policy(any_node, commons_id, {**VALUE, "kinds": {"gold": "1"}})


def test_shares_split_value_points_exactly(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    shared = work(
        any_node,
        commons_id,
        people["ben"],
        hours="1.0001",
        co_authors={people["cy"].did: "0.3333", people["dee"].did: "0.3333"},
    )
    approve(any_node, commons_id, people["ada"], shared)
    points = [
        Decimal(figures_of(any_node, commons_id, people[name].did).value_points)
        for name in ("ben", "cy", "dee")
    ]
    assert sum(points) == Decimal("2")  # 1.000 hours counted (the fourth decimal dropped) * 2
    # 666.8, 666.6 and 666.6 milli-points: the two left over go to the largest remainders, Ben's
    # and then, of the tie, to the lower did (a rule every replica computes the same)
    first = min(people["cy"].did, people["dee"].did)
    tie = [Decimal("0.667") if people[n].did == first else Decimal("0.666") for n in ("cy", "dee")]
    assert points == [Decimal("0.667"), *tie]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_policy": {**VALUE, "kinds": {"gold": "1"}}}, "unknown contribution kinds"),
        ({"validation_policy": {**VALIDATION, "validator_minimum": "40"}}, "validator_minimum"),
        ({"validation_policy": {**VALIDATION, "threshold": "ten"}}, "decimal string"),
        ({"standing_policy": {"half_life_days": 0}}, "half_life_days"),
        ({"standing_policy": {"half_life_days": 9, "privileges": {"rule": 1}}}, "unknown privi"),
    ],
)
def test_a_charter_with_a_policy_that_makes_no_sense_is_refused_and_nothing_is_written(
    any_node: Node, people: dict[str, Keypair], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidAction, match=message):
        found(any_node, people["ada"], charter(people["ada"], **changes))
    assert queries.count_commons(any_node) == 0


def test_validating_twice_is_refused_and_a_provisional_commons_keeps_no_standing(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben_work = work(any_node, commons_id, people["ben"])
    approve(any_node, commons_id, people["ada"], ben_work)
    before = head_of(any_node, commons_id)
    with pytest.raises(AlreadyDone, match="validated this contribution already"):
        approve(any_node, commons_id, people["ada"], ben_work)
    assert head_of(any_node, commons_id) == before
    plain = found(any_node, people["dee"])
    with pytest.raises(NotFound, match="keeps no standing"):
        standing_table(any_node, plain)
