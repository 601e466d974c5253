"""Mutual credit (issue 11, item 7), on SQLite and PostgreSQL: a community currency becomes a
circle by decision; members pay each other within their limits (zero-sum after every entry);
a bill is accepted or declined; a lower limit stops further spending without re-judging a
balance; leaving the circle needs a zero balance; a member who leaves the commons has their
balance frozen or written off as the charter says."""

from __future__ import annotations

from typing import Any

import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import journals, queries
from tests.contract.test_books import balances
from tests.contract.test_governance import act, at, propose, refused, stance
from tests.support.builders import CHARTER, found, join


def moment(day: int, hour: int = 9) -> str:
    return f"2031-03-{day + 1:02d}T{hour:02d}:00:00.000Z"


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def decide(node: Node, commons_id: str, people: dict[str, Keypair], effect: dict[str, Any],
           start: int) -> None:  # fmt: skip
    at(node, moment(start))
    pid = propose(node, commons_id, people["ada"], effect=effect)
    at(node, moment(start + 1, 10))
    for person in people.values():
        stance(node, commons_id, person, pid, "for")
    at(node, moment(start + 4, 12))
    act(node, commons_id, people["ada"], "production.task.post",
        {"title": f"Tick {start}", "description": "closes the vote"})  # fmt: skip


def circle(node: Node, people: dict[str, Keypair], exit_rule: str = "frozen") -> str:
    at(node, moment(0))
    commons_id = found(node, people["ada"], {**CHARTER, "economy": {"credit_exit": exit_rule}})
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, people["cy"], "Cy")
    currency = {"kind": "currency", "code": "HOURS", "exponent": 2, "name": "Hours"}
    decide(node, commons_id, people, currency, 0)
    policy = {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 1000}
    decide(node, commons_id, people, policy, 5)
    for person in people.values():
        act(node, commons_id, person, "economy.credit.join", {"currency": "HOURS"})
    return commons_id


def pay(key: str, to: Keypair, amount: int) -> dict[str, Any]:
    return {"key": key, "to": to.did, "amount_minor": amount, "currency": "HOURS"}


def test_payments_stay_within_limits_and_sum_to_zero(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = circle(any_node, people)
    act(any_node, commons_id, ben, "economy.credit.pay", pay("p1", cy, 600))
    over = refused(any_node, commons_id, ben, "economy.credit.pay", pay("p2", cy, 401))
    assert over.extra["reason"] == "over_limit"
    assert over.extra["limit"] == 1000
    act(any_node, commons_id, ben, "economy.credit.pay", pay("p3", ada, 400))
    held = balances(any_node, commons_id)
    assert held[(f"credit:{ben.did}", "HOURS")] == -1000
    assert sum(v for (_, c), v in held.items() if c == "HOURS") == 0
    # A bill from Cy to Ada, accepted; one from Ada to Ben, which Ben cannot pay: refused, then
    # declined.
    bill = act(any_node, commons_id, cy, "economy.credit.bill",
               {"payer": ada.did, "amount_minor": 250, "currency": "HOURS"}).entry.id  # fmt: skip
    notyou = refused(any_node, commons_id, ben, "economy.credit.answer",
                     {"bill": bill, "answer": "accept"})  # fmt: skip
    assert notyou.extra["reason"] == "not_the_payer"
    act(any_node, commons_id, ada, "economy.credit.answer", {"bill": bill, "answer": "accept"})
    broke = act(any_node, commons_id, ada, "economy.credit.bill",
                {"payer": ben.did, "amount_minor": 1, "currency": "HOURS"}).entry.id  # fmt: skip
    assert refused(any_node, commons_id, ben, "economy.credit.answer",
                   {"bill": broke, "answer": "accept"}).extra["reason"] == "over_limit"  # fmt: skip
    act(any_node, commons_id, ben, "economy.credit.answer", {"bill": broke, "answer": "decline"})
    held = balances(any_node, commons_id)
    assert held[(f"credit:{ada.did}", "HOURS")] == 150
    assert held[(f"credit:{cy.did}", "HOURS")] == 850
    # A lower limit by decision: Ben's -1000 stands; Cy may now go to -200 only.
    decide(any_node, commons_id, people,
           {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 200}, 10)  # fmt: skip
    act(any_node, commons_id, cy, "economy.credit.pay", pay("p4", ada, 1050))
    assert refused(any_node, commons_id, cy, "economy.credit.pay",
                   pay("p5", ada, 1)).extra["reason"] == "over_limit"  # fmt: skip
    # Money of a circle moves between its members only.
    wrong = refused(any_node, commons_id, ada, "economy.income.record",
                    {"key": "h", "source": "donation", "amount_minor": 5, "currency": "HOURS",
                     "reference": "x"})  # fmt: skip
    assert "mutual-credit" in wrong.detail
    # Leaving the circle needs a zero balance.
    assert refused(any_node, commons_id, ben, "economy.credit.leave",
                   {"currency": "HOURS"}).extra["reason"] == "balance_not_zero"  # fmt: skip
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest
    # A rebuild drops the books (postings before their transactions, in one transaction) and
    # replays them: the same rows, the database's guard satisfied.
    assert journals.rebuild_projections(any_node, commons_id).unchanged
    assert journals.rebuild_projections(any_node).unchanged


def test_a_member_who_leaves_the_commons_has_their_balance_written_off_by_the_circle(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = circle(any_node, people, "write_off")
    act(any_node, commons_id, ben, "economy.credit.pay", pay("p1", cy, 301))
    act(any_node, commons_id, ben, "commons.member.leave", {})  # anyone may always leave
    held = balances(any_node, commons_id)
    assert held[(f"credit:{ben.did}", "HOURS")] == 0
    # -301 shared by Ada and Cy: -151 and -150 (the larger share by did order on a tie).
    shares = sorted(
        [held[(f"credit:{ada.did}", "HOURS")], held[(f"credit:{cy.did}", "HOURS")] - 301]
    )
    assert shares == [-151, -150]
    assert sum(v for (_, c), v in held.items() if c == "HOURS") == 0


def test_a_frozen_balance_is_settled_by_a_deposit(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = circle(any_node, people, "deposit")
    act(any_node, commons_id, ben, "economy.credit.pay", pay("p1", cy, 300))
    act(any_node, commons_id, ben, "commons.member.leave", {})
    frozen = refused(any_node, commons_id, cy, "economy.credit.pay", pay("p2", ben, 1))
    assert frozen.extra["reason"] == "not_in_circle"
    deposit = {"key": "dep-1", "member": ben.did, "currency": "HOURS", "reference": "dep 12"}
    act(any_node, commons_id, ada, "economy.credit.offset", deposit)
    held = balances(any_node, commons_id)
    assert held[(f"credit:{ben.did}", "HOURS")] == 0
    assert held[("circle", "HOURS")] == -300
    assert sum(v for (_, c), v in held.items() if c == "HOURS") == 0
