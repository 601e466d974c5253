"""Money moved by decision (issue 11, item 5), on SQLite and PostgreSQL: a prize passes and
becomes a payable the treasurer then pays; a spend the treasury cannot cover fails on the
record and moves nothing (two decisions racing for the same funds are served in the journal's
order, never overspent); a large spend needs every stakeholder class and waits its grace
window; a community currency is declared by decision."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import currencies, decided_spends
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import inbox, journals, queries
from tests.contract.test_books import balances, income
from tests.contract.test_governance import act, at, propose, refused, stance
from tests.support.builders import CHARTER, found, join

DAY0 = "2031-03-01T09:00:00.000Z"


def moment(day: int, hour: int = 9) -> str:
    return f"2031-03-{day + 1:02d}T{hour:02d}:00:00.000Z"


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def spend(to: str, amount: int, purpose: str = "prize", **extra: Any) -> dict[str, Any]:
    return {"kind": "spend", "purpose": purpose, "to": to, "amount_minor": amount,
            "currency": "EUR", **extra}  # fmt: skip


def spends(node: Node, commons_id: str) -> dict[str, dict[str, Any]]:
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(decided_spends).where(decided_spends.c.commons_id == commons_id)
        ).mappings()
        return {row["proposal_id"]: dict(row) for row in rows}


def setup(node: Node, people: dict[str, Keypair], charter: dict[str, Any] | None = None) -> str:
    at(node, DAY0)
    commons_id = found(node, people["ada"], charter or CHARTER)
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, people["cy"], "Cy")
    return commons_id


def decide(node: Node, commons_id: str, people: dict[str, Keypair], pids: list[str]) -> None:
    """Everyone votes for: the default spends rule is a majority over 72 hours, after a day of
    discussion."""
    at(node, moment(1, 10))
    for pid in pids:
        for name in ("ada", "ben", "cy"):
            stance(node, commons_id, people[name], pid, "for")


def test_a_prize_passes_becomes_a_payable_and_is_paid(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    commons_id = setup(any_node, people)
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 10_000))
    pid = propose(any_node, commons_id, ben, title="A prize for Cy", text="The seed catalogue.",
                  effect=spend(people["cy"].did, 1500))  # fmt: skip
    decide(any_node, commons_id, people, [pid])
    at(any_node, moment(4, 12))  # after the close (72 hours of voting)
    join(any_node, commons_id, Keypair.generate(), "Dee")  # an entry: the close happens before it
    held = balances(any_node, commons_id)
    payable = f"payable:{people['cy'].did}"
    assert held[("treasury", "EUR")] == 8500
    assert held[(payable, "EUR")] == 1500
    assert spends(any_node, commons_id)[pid]["status"] == "done"
    paid = {"key": "pay-cy", "payee": people["cy"].did, "amount_minor": 1500, "currency": "EUR",
            "reference": "SEPA-77"}  # fmt: skip
    payment = act(any_node, commons_id, ada, "economy.payment.record", paid)
    act(any_node, commons_id, people["cy"], "economy.txn.answer",
        {"txn": payment.entry.id, "answer": "confirmed"})  # fmt: skip
    assert balances(any_node, commons_id)[(payable, "EUR")] == 0
    told = inbox.inbox_of(any_node, people["cy"].did).items
    assert [item.kind for item in told][:1] == ["economy.payment.record"]
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest


def test_two_spends_racing_for_the_same_funds_never_overspend(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    # No grace window: a large spend executes at its close too.
    commons_id = setup(any_node, people, {**CHARTER, "economy": {"grace_days": 0}})
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 500))
    # Each fits the treasury alone; together they exceed it.
    first = propose(any_node, commons_id, ben, effect=spend(cy.did, 240))
    second = propose(any_node, commons_id, cy, effect=spend(ben.did, 240))
    third = propose(any_node, commons_id, ada, effect=spend(ben.did, 240))
    fourth = propose(any_node, commons_id, ada, effect=spend(cy.did, 240))
    decide(any_node, commons_id, people, [first, second, third, fourth])
    at(any_node, moment(5))
    join(any_node, commons_id, Keypair.generate(), "Dee")
    found_spends = spends(any_node, commons_id)
    statuses = sorted(row["status"] for row in found_spends.values())
    assert statuses == ["done", "done", "failed", "failed"]
    failed = [row for row in found_spends.values() if row["status"] == "failed"]
    assert all("beyond the funds" in row["detail"] for row in failed)
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 20  # 500 - 2 x 240; never below zero
    assert sum(v for (_, c), v in held.items() if c == "EUR") == 0


def test_a_large_spend_needs_every_class_and_waits_its_grace_window(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    governance = {"classes": {"makers": {"standing": 0}}}
    commons_id = setup(any_node, people, {**CHARTER, "governance": governance})
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1000))
    large = spend("reserve", 600, "reserve")
    plain = refused(any_node, commons_id, ben, "governance.proposal.make",
                    {"title": "Fund the server", "text": "A year.", "method": "majority",
                     "effect": large})  # fmt: skip
    assert plain.extra["reason"] == "classes_needed"
    pid = propose(any_node, commons_id, ben, effect=large, electorate={"classes": ["makers"]})
    decide(any_node, commons_id, people, [pid])
    at(any_node, moment(5))
    join(any_node, commons_id, Keypair.generate(), "Dee")
    row = spends(any_node, commons_id)[pid]
    assert row["status"] == "waiting"
    assert row["large"]
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 1000
    at(any_node, moment(12))  # seven days after the close: it executes before this entry
    join(any_node, commons_id, Keypair.generate(), "Eve")
    assert spends(any_node, commons_id)[pid]["status"] == "done"
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 400
    assert held[("reserve", "EUR")] == 600
    assert cy.did  # (cy voted with the others)


def test_a_community_currency_is_declared_by_decision(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    commons_id = setup(any_node, people)
    iso = refused(any_node, commons_id, ben, "governance.proposal.make",
                  {"title": "Euros", "text": "?", "method": "majority",
                   "effect": {"kind": "currency", "code": "EUR", "exponent": 2,
                              "name": "Euro"}})  # fmt: skip
    assert "ISO 4217" in iso.detail
    effect = {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours of help"}
    pid = propose(any_node, commons_id, ben, effect=effect)
    decide(any_node, commons_id, people, [pid])
    at(any_node, moment(5))
    join(any_node, commons_id, Keypair.generate(), "Dee")
    with any_node.reading() as conn:
        row = conn.execute(
            sa.select(currencies.c.exponent, currencies.c.kind).where(
                (currencies.c.commons_id == commons_id) & (currencies.c.code == "HOURS")
            )
        ).one()
    assert tuple(row) == (1, "community")
    unknown = refused(any_node, commons_id, ada, "governance.proposal.make",
                      {"title": "x", "text": "y", "method": "majority",
                       "effect": {"kind": "teleport"}})  # fmt: skip
    assert "teleport" in unknown.detail
