"""Bounties (issue 11, item 5), on SQLite and PostgreSQL: the treasurer escrows one within the
charter's monthly budget (or a decision does); the day's settlement pays it to the task's
accepted work once its dispute window passed, split by value points; an unclaimed one goes back
to the treasury at its expiry; the books balance throughout and replay to the same digest."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import bounties
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import journals, queries
from tests.contract.test_books import balances, income
from tests.contract.test_governance import act, refused
from tests.contract.test_standing import approve, charter, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def setup(node: Node, people: dict[str, Keypair]) -> str:
    ada = people["ada"]
    node.clock = lambda: day(0)
    governance = {"arbitration": {"dispute_days": 2}}
    economy = {"bounty_budget": [{"currency": "EUR", "amount_minor": 1000}]}
    commons_id = found(node, ada, charter(ada, governance=governance, economy=economy))
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, people["cy"], "Cy")
    act(node, commons_id, ada, "economy.income.record", income("g1", 5000))
    return commons_id


def post_task(node: Node, commons_id: str, person: Keypair, title: str) -> str:
    body = {"title": title, "description": "See the wiki"}
    return str(act(node, commons_id, person, "production.task.post", body).entry.id)


def offer(task: str, amount: int, expires: float, key: str) -> dict[str, Any]:
    return {"key": key, "task": task, "amount_minor": amount, "currency": "EUR",
            "expires_on": day(expires)[:10]}  # fmt: skip


def bounty(node: Node, commons_id: str, task: str) -> dict[str, Any]:
    with node.reading() as conn:
        row = (
            conn.execute(
                sa.select(bounties).where(
                    (bounties.c.commons_id == commons_id) & (bounties.c.task == task)
                )
            )
            .mappings()
            .one()
        )
        return dict(row)


def test_a_bounty_is_paid_to_accepted_work_after_its_dispute_window(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = setup(any_node, people)
    task = post_task(any_node, commons_id, ada, "Mend the seed press")
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 900, 20, "b1"))
    over = refused(any_node, commons_id, ada, "economy.bounty.offer",
                   offer(post_task(any_node, commons_id, ada, "Paint"), 200, 20, "b2"))  # fmt: skip
    assert over.extra["reason"] == "over_budget"
    assert balances(any_node, commons_id)[(f"escrow:{task}", "EUR")] == 900
    # Ben (5 hours: 10 points) and Cy (co-author-free, 4 hours: 8 points) both do the task.
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="5", task=task))
    approve(any_node, commons_id, ada, work(any_node, commons_id, cy, hours="4", task=task))
    any_node.clock = lambda: day(2)
    join(any_node, commons_id, Keypair.generate(), "Dee")  # day 0 and 1 settled: not yet paid
    assert bounty(any_node, commons_id, task)["status"] == "open"
    any_node.clock = lambda: day(3)
    join(any_node, commons_id, Keypair.generate(), "Eve")  # day 2 settled: the window passed
    found_bounty = bounty(any_node, commons_id, task)
    assert found_bounty["status"] == "paid"
    held = balances(any_node, commons_id)
    assert held[(f"escrow:{task}", "EUR")] == 0
    assert held[(f"payable:{ben.did}", "EUR")] == 500  # 900 x 10/18
    assert held[(f"payable:{cy.did}", "EUR")] == 400
    assert sum(v for (_, c), v in held.items() if c == "EUR") == 0
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest


def test_an_unclaimed_bounty_goes_back_at_its_expiry_and_a_decided_one_needs_no_budget(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    commons_id = setup(any_node, people)
    task = post_task(any_node, commons_id, ada, "Catalogue the beans")
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 300, 5, "b1"))
    any_node.clock = lambda: day(6)
    join(any_node, commons_id, Keypair.generate(), "Dee")
    assert bounty(any_node, commons_id, task)["status"] == "refunded"
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 5000
    assert held[(f"escrow:{task}", "EUR")] == 0
    # By decision: beyond the month's budget.
    from tests.contract.test_payouts import passes

    effect = {"kind": "bounty", "task": task, "amount_minor": 1200, "currency": "EUR",
              "expires_on": day(30)[:10]}  # fmt: skip
    passes(any_node, commons_id, people, effect, 6)
    assert bounty(any_node, commons_id, task)["amount_minor"] == 1200
    assert bounty(any_node, commons_id, task)["status"] == "open"
    assert ben.did
