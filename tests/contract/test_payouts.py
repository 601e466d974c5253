"""Payouts by value points (issue 11, item 6), on SQLite and PostgreSQL: a payout is proposed,
passes, and pays exactly — the infrastructure share to the reserve first, the rest by the
period's value points with the largest remainder, every line explained; it never goes beyond
the treasury; a catch-up payout pays only for points not paid for before."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import decided_spends, payout_lines
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import journals, queries
from tests.contract.test_books import balances, income
from tests.contract.test_governance import act, propose, refused, stance
from tests.contract.test_standing import approve, charter, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def lines_of(node: Node, commons_id: str, payout: str) -> dict[str, dict[str, Any]]:
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(payout_lines).where(
                (payout_lines.c.commons_id == commons_id) & (payout_lines.c.payout_id == payout)
            )
        ).mappings()
        return {row["recipient"]: dict(row) for row in rows}


def status_of(node: Node, commons_id: str, payout: str) -> dict[str, Any]:
    with node.reading() as conn:
        row = (
            conn.execute(
                sa.select(decided_spends).where(
                    (decided_spends.c.commons_id == commons_id)
                    & (decided_spends.c.proposal_id == payout)
                )
            )
            .mappings()
            .one()
        )
        return dict(row)


def payout(amount: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "payout", "amount_minor": amount, "currency": "EUR", **extra}


def passes(node: Node, commons_id: str, people: dict[str, Keypair], effect: dict[str, Any],
           start: float) -> str:  # fmt: skip
    """Proposed on ``start``, everyone for, closed four days later (a day of discussion, 72
    hours of voting)."""
    node.clock = lambda: day(start)
    pid = propose(node, commons_id, people["ben"], title="Pay the period", text="By points.",
                  effect=effect)  # fmt: skip
    node.clock = lambda: day(start + 1.5)
    for person in people.values():
        stance(node, commons_id, person, pid, "for")
    node.clock = lambda: day(start + 4.5)
    join(node, commons_id, Keypair.generate(), "Passer-by")  # the close comes before it
    return pid


def test_a_payout_by_value_points_passes_and_pays_exactly(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="5"))  # 10 points
    approve(any_node, commons_id, ada, work(any_node, commons_id, cy, hours="2"))  # 4 points
    any_node.clock = lambda: day(1)
    act(any_node, commons_id, ada, "economy.income.record", income("grant", 1000))
    unsettled = payout(100, policy="period", start=day(1)[:10], end=day(1)[:10])
    early = refused(any_node, commons_id, ben, "governance.proposal.make",
                    {"title": "Too soon", "text": "Day 1 is not settled.", "method": "majority",
                     "effect": unsettled})  # fmt: skip
    assert early.extra["reason"] == "not_settled"

    first = day(0)[:10]
    pid = passes(
        any_node, commons_id, people, payout(1000, policy="period", start=first, end=first), 1
    )
    # The whole treasury is a large spend: it waits the charter's grace window (7 days).
    assert status_of(any_node, commons_id, pid)["status"] == "waiting"
    any_node.clock = lambda: day(13)
    join(any_node, commons_id, Keypair.generate(), "Dee")
    assert status_of(any_node, commons_id, pid)["status"] == "done"
    lines = lines_of(any_node, commons_id, pid)
    # The waterfall: 10% (the default infrastructure share) to the reserve, then 900 by points.
    assert lines["reserve"]["amount_minor"] == 100
    ben_line, cy_line = lines[ben.did], lines[cy.did]
    assert (ben_line["points_milli"], cy_line["points_milli"]) == (10_000, 4_000)
    # 900 x 10/14 = 642.857…, 900 x 4/14 = 257.142…: the one unit left goes to the larger
    # remainder (Ben's).
    assert (ben_line["amount_minor"], cy_line["amount_minor"]) == (643, 257)
    assert (ben_line["rounded_up"], cy_line["rounded_up"]) == (1, 0)
    for line in (ben_line, cy_line):
        exact = Fraction(*map(int, line["exact"].split("/")))
        assert abs(line["amount_minor"] - exact) < 1
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 0
    assert held[(f"payable:{ben.did}", "EUR")] == 643
    assert held[("reserve", "EUR")] == 100
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest


def test_a_payout_beyond_the_treasury_fails_and_catch_up_pays_only_what_is_unpaid(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    any_node.clock = lambda: day(0)
    economy = {"infrastructure_bp": 0, "grace_days": 0}
    commons_id = found(any_node, ada, charter(ada, economy=economy))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="5"))  # 10 points
    any_node.clock = lambda: day(1)
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 300))
    end = day(0)[:10]
    too_much = passes(any_node, commons_id, people, payout(301, policy="catch_up", end=end), 1)
    failed = status_of(any_node, commons_id, too_much)
    assert failed["status"] == "failed"
    assert "beyond the funds" in failed["detail"]
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 300  # nothing moved
    paid = passes(any_node, commons_id, people, payout(300, policy="catch_up", end=end), 6)
    assert lines_of(any_node, commons_id, paid)[ben.did]["amount_minor"] == 300
    # Cy's work, later: a catch-up up to then pays Cy only (Ben was paid for all of his).
    any_node.clock = lambda: day(11)
    approve(any_node, commons_id, ada, work(any_node, commons_id, cy, hours="1"))  # 2 points
    any_node.clock = lambda: day(12)
    act(any_node, commons_id, ada, "economy.income.record", income("g2", 50))
    later = passes(
        any_node, commons_id, people, payout(50, policy="catch_up", end=day(11)[:10]), 12
    )
    lines = lines_of(any_node, commons_id, later)
    assert set(lines) == {"reserve", cy.did}
    assert lines[cy.did]["amount_minor"] == 50
    # Points are paid for up to day 11 now: a catch-up ending earlier would count them wrong.
    early = payout(10, policy="catch_up", end=day(5)[:10])
    made = {"title": "Again", "text": "?", "method": "majority", "effect": early}
    assert (
        refused(any_node, commons_id, ben, "governance.proposal.make", made).extra["paid_through"]
        == day(11)[:10]
    )


def test_a_standing_rule_in_the_charter_pays_every_month_without_a_proposal(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    any_node.clock = lambda: day(0)
    rule = {"currency": "EUR", "share_bp": 5000, "policy": "period"}
    economy = {"infrastructure_bp": 0, "standing_payout": rule}
    commons_id = found(any_node, ada, charter(ada, economy=economy))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="3"))  # 6 points
    approve(any_node, commons_id, ada, work(any_node, commons_id, cy, hours="1"))  # 2 points
    any_node.clock = lambda: day(1)
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1001))
    any_node.clock = lambda: "2030-02-01T08:00:00.000Z"  # the month's first entry pays January
    join(any_node, commons_id, Keypair.generate(), "Dee")
    january = status_of(any_node, commons_id, "standing-2030-01")
    assert january["status"] == "done", january
    lines = lines_of(any_node, commons_id, "standing-2030-01")
    # Half of 1001 (500, rounded down), by January's points 6:2.
    assert (lines[ben.did]["amount_minor"], lines[cy.did]["amount_minor"]) == (375, 125)
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 501
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest
