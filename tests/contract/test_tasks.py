"""Broadcast tasks on every backend: post, claim, unclaim, lapse, link, close, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotAMember, NotFound
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import queries, tasks_read
from commonwork.services.journals import rebuild_projections, verify_commons
from tests.contract.test_submit_pipeline import head_of
from tests.support.builders import CHARTER, found, join, signed, validate

POST, CLAIM, UNCLAIM = "production.task.post", "production.task.claim", "production.task.unclaim"
RECORD = "production.contribution.record"
TASK = {"title": "Sort the bean seeds", "description": "By variety", "skills": ["sorting"]}


def day(number: float) -> str:
    """A journal time ``number`` days (may be fractional) after 2030-01-01, midnight UTC."""
    hours = round(number * 24)
    return f"2030-01-{1 + hours // 24:02d}T{hours % 24:02d}:00:00.000Z"


def act(node: Node, commons_id: str, person: Keypair, type_: str, body: dict[str, Any]) -> str:
    [appended] = append_actions(node, commons_id, [signed(person, type_, body, commons_id)])
    return appended.entry.id


def post(node: Node, commons_id: str, person: Keypair, **changes: Any) -> str:
    return act(node, commons_id, person, POST, {**TASK, **changes})


def work(node: Node, commons_id: str, person: Keypair, task: str | None = None) -> str:
    body = {"kind": "work", "quantity": "2", "description": "sorted a tray"}
    return act(node, commons_id, person, RECORD, {**body, **({"task": task} if task else {})})


def claimants(node: Node, commons_id: str, task: str) -> list[str]:
    return sorted(c.name for c in tasks_read.task_detail(node, commons_id, task).claimants)


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    """Ada's commons (claims lapse after 2 days) with Ben and Cy as members; the clock at day 0."""
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, people["ada"], {**CHARTER, "claim_lapse_days": 2})
    join(any_node, commons_id, people["ben"], "Ben")
    join(any_node, commons_id, people["cy"], "Cy")
    return commons_id


def test_post_claim_unclaim_with_several_claimants(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    task = post(any_node, commons_id, people["ben"], estimate="3.5", skills=["sorting", "seeds"])
    batch = [signed(people[name], CLAIM, {"task": task}, commons_id) for name in ("ada", "cy")]
    append_actions(any_node, commons_id, batch)
    assert claimants(any_node, commons_id, task) == ["Cy", "Founder"]
    act(any_node, commons_id, people["ada"], UNCLAIM, {"task": task})
    [listed] = tasks_read.list_tasks(any_node, commons_id, skill="seeds")
    assert (listed.id, listed.estimate, listed.claims) == (task, "3.5", 1)
    assert listed.skills == ("sorting", "seeds")
    assert [claim.name for claim in listed.claimants] == ["Cy"]
    assert tasks_read.list_tasks(any_node, commons_id, skill="welding") == []
    assert tasks_read.list_tasks(any_node, commons_id, status="closed") == []
    act(any_node, commons_id, people["ada"], CLAIM, {"task": task})  # a withdrawn claim renewed
    assert tasks_read.list_tasks(any_node, commons_id)[0].claims == 2


def test_a_claim_lapses_after_the_charters_days_and_may_be_renewed(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    task = post(any_node, commons_id, people["ada"])
    act(any_node, commons_id, people["ben"], CLAIM, {"task": task})
    any_node.clock = lambda: day(2)  # exactly claim + 2 days: not lapsed yet
    with pytest.raises(AlreadyDone):
        act(any_node, commons_id, people["ben"], CLAIM, {"task": task})
    any_node.clock = lambda: day(2.5)
    work(any_node, commons_id, people["cy"])  # moves the head's time; reads use it
    assert claimants(any_node, commons_id, task) == []
    history = tasks_read.task_detail(any_node, commons_id, task).claim_history
    assert [(claim.name, claim.status) for claim in history] == [("Ben", "lapsed")]
    with pytest.raises(NotFound, match="lapsed"):
        act(any_node, commons_id, people["ben"], UNCLAIM, {"task": task})
    act(any_node, commons_id, people["ben"], CLAIM, {"task": task})
    assert claimants(any_node, commons_id, task) == ["Ben"]
    assert tasks_read.list_tasks(any_node, commons_id)[0].claims == 1


def test_linking_a_contribution_keeps_the_claim_alive(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    task = post(any_node, commons_id, people["ada"])
    act(any_node, commons_id, people["ben"], CLAIM, {"task": task})
    act(any_node, commons_id, people["cy"], CLAIM, {"task": task})
    any_node.clock = lambda: day(1.5)
    work(any_node, commons_id, people["ben"], task)
    any_node.clock = lambda: day(3)
    work(any_node, commons_id, people["ada"])
    assert claimants(any_node, commons_id, task) == ["Ben"]  # Cy's lapsed, Ben's was refreshed
    any_node.clock = lambda: day(3.75)
    work(any_node, commons_id, people["ada"])
    assert claimants(any_node, commons_id, task) == []


def test_an_accepted_linked_contribution_closes_the_task(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    task = post(any_node, commons_id, people["ada"])
    act(any_node, commons_id, people["ben"], CLAIM, {"task": task})
    contribution = work(any_node, commons_id, people["ben"], task)
    other = work(any_node, commons_id, people["cy"], task)
    validate(any_node, commons_id, people["ada"], contribution)
    detail = tasks_read.task_detail(any_node, commons_id, task)
    assert (detail.status, detail.closed_by) == ("closed", contribution)
    assert [row.contribution_id for row in detail.contributions] == [contribution, other]
    assert [claim.name for claim in detail.claim_history] == ["Ben"]  # kept as history
    assert detail.claimants == ()
    validate(any_node, commons_id, people["ada"], other)  # accepting another leaves it closed
    assert tasks_read.task_detail(any_node, commons_id, task).closed_by == contribution
    before = head_of(any_node, commons_id)
    for person, type_, body in [
        (people["cy"], CLAIM, {"task": task}),
        (people["ben"], UNCLAIM, {"task": task}),
        (people["cy"], RECORD, {"kind": "work", "quantity": "1", "description": "x", "task": task}),
    ]:
        with pytest.raises(NotAllowed, match="the task is closed"):
            act(any_node, commons_id, person, type_, body)
    assert head_of(any_node, commons_id) == before
    assert rebuild_projections(any_node, commons_id).unchanged
    assert verify_commons(any_node, commons_id).extra["projections_match"] is True


REFUSALS: dict[str, tuple[str, str, dict[str, Any], type[Exception]]] = {
    "unknown task": ("ben", CLAIM, {"task": "0" * 64}, NotFound),
    "task of another commons": ("ben", CLAIM, {"task": "<other>"}, NotFound),
    "claimed twice": ("cy", CLAIM, {"task": "<task>"}, AlreadyDone),
    "unclaim without a claim": ("ben", UNCLAIM, {"task": "<task>"}, NotFound),
    "claim for someone else": ("ben", CLAIM, {"task": "<task>", "member": "<cy>"}, InvalidAction),
    "non-member claims": ("dee", CLAIM, {"task": "<task>"}, NotAMember),
    "non-member posts": ("dee", POST, TASK, NotAMember),
    "empty title": ("ben", POST, {**TASK, "title": "  "}, InvalidAction),
    "bad skill": ("ben", POST, {**TASK, "skills": ["Bean Sorting"]}, InvalidAction),
    "skill twice": ("ben", POST, {**TASK, "skills": ["a", "a"]}, InvalidAction),
    "negative estimate": ("ben", POST, {**TASK, "estimate": "-2"}, InvalidAction),
    "numeric estimate": ("ben", POST, {**TASK, "estimate": 2}, InvalidAction),
    "link to unknown task": (
        "ben",
        RECORD,
        {"kind": "work", "quantity": "1", "description": "x", "task": "f" * 64},
        NotFound,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_leave_the_head_unchanged(
    any_node: Node, commons_id: str, people: dict[str, Keypair], case: str
) -> None:
    other_commons = found(any_node, people["dee"])
    values = {
        "<task>": post(any_node, commons_id, people["ada"]),
        "<other>": post(any_node, other_commons, people["dee"]),
        "<cy>": people["cy"].did,
    }
    act(any_node, commons_id, people["cy"], CLAIM, {"task": values["<task>"]})
    name, type_, body, error = REFUSALS[case]
    body = {key: values.get(v, v) if isinstance(v, str) else v for key, v in body.items()}
    before = head_of(any_node, commons_id)
    with pytest.raises(error):
        act(any_node, commons_id, people[name], type_, body)
    assert head_of(any_node, commons_id) == before


def test_the_charters_claim_lapse(any_node: Node, commons_id: str) -> None:
    old = found(any_node, Keypair.generate())  # founded without the field: stored as before
    assert "claim_lapse_days" not in queries.commons_detail(any_node, old).charter
    assert queries.commons_detail(any_node, commons_id).charter["claim_lapse_days"] == 2
    before = head_of(any_node, commons_id)
    for days in (0, 366):
        with pytest.raises(InvalidAction):
            found(any_node, Keypair.generate(), {**CHARTER, "claim_lapse_days": days})
    assert head_of(any_node, commons_id) == before


def test_task_counts_and_titles(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    first = post(any_node, commons_id, people["ada"], title="Sort the seed trays")
    second = post(any_node, commons_id, people["ben"], title="Label the jars")
    assert tasks_read.count_tasks(any_node, commons_id) == 2
    assert tasks_read.count_tasks(any_node, commons_id, status="open") == 2
    validate(any_node, commons_id, people["ada"], work(any_node, commons_id, people["cy"], second))
    assert tasks_read.count_tasks(any_node, commons_id, status="open") == 1
    assert tasks_read.count_tasks(any_node, commons_id, status="closed") == 1
    titles = tasks_read.task_titles(any_node, commons_id, [first, second, first, "f" * 64])
    assert titles == {first: "Sort the seed trays", second: "Label the jars"}
    assert tasks_read.task_titles(any_node, commons_id, []) == {}
