"""Money under concurrency, on SQLite and PostgreSQL: decisions racing for the same funds, and a
mutual-credit payer spending from several threads at once, never go beyond what there is.
Threads append signed actions through the submit pipeline at the same moment (a barrier
releases them together); the journal's order serialises them, and the books show it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import decided_spends, payout_lines
from commonwork.errors import CommonworkError
from commonwork.journal.actions import SignedAction
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, append_actions
from commonwork.services import journals, queries
from tests.contract.test_books import balances, income
from tests.contract.test_credit import circle, pay
from tests.contract.test_governance import act, propose, stance
from tests.contract.test_standing import approve, charter, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join, signed

Outcome = Appended | CommonworkError


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def at_once(node: Node, commons_id: str, actions: list[SignedAction]) -> list[Outcome]:
    """Append each action from its own thread, all released together; each one's outcome."""
    outcomes: list[Outcome | None] = [None] * len(actions)
    start = threading.Barrier(len(actions))
    crashed: list[BaseException] = []

    def send(index: int) -> None:
        try:
            start.wait()
            outcomes[index] = append_actions(node, commons_id, [actions[index]])[0]
        except CommonworkError as refused:
            outcomes[index] = refused
        except BaseException as exc:  # re-raised in the test's thread
            crashed.append(exc)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert crashed == [], crashed
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


def verified(node: Node, commons_id: str) -> None:
    report = journals.verify_commons(node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(node, commons_id).digest
    assert report.extra["projections_match"] is True


def spends_of(node: Node, commons_id: str) -> dict[str, dict[str, Any]]:
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(decided_spends).where(decided_spends.c.commons_id == commons_id)
        ).mappings()
        return {row["proposal_id"]: dict(row) for row in rows}


# --- decisions racing for the same funds ------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "grace_days"),
    [("payout", 0), ("bounty", 0), ("payout", 3)],
    ids=["two-payouts", "payout-and-bounty", "two-payouts-after-grace"],
)
def test_decisions_closing_together_never_spend_more_than_the_treasury(
    any_node: Node, people: dict[str, Keypair], second: str, grace_days: int
) -> None:
    """Two passed decisions close at the same moment, each covered by the treasury alone but
    not together; entries then arrive from eight threads at once. One is carried out, the other
    fails on the record; the treasury never goes below zero."""
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    node = any_node
    node.clock = lambda: day(0)
    economy = {"infrastructure_bp": 0, "grace_days": grace_days}
    commons_id = _found(node, people, charter(ada, economy=economy))
    approve(node, commons_id, ada, work(node, commons_id, ben, hours="5"))  # 10 points
    approve(node, commons_id, ada, work(node, commons_id, cy, hours="2"))  # 4 points
    task = str(
        act(
            node,
            commons_id,
            ada,
            "production.task.post",
            {"title": "Catalogue the beans", "description": "See the wiki"},
        ).entry.id
    )
    node.clock = lambda: day(1)  # settles day 0: its points can be paid by
    act(node, commons_id, ada, "economy.income.record", income("g1", 1000))
    first_day = day(0)[:10]
    payout = {"kind": "payout", "amount_minor": 700, "currency": "EUR", "policy": "period",
              "start": first_day, "end": first_day}  # fmt: skip
    other = (
        {**payout, "amount_minor": 600}
        if second == "payout"
        else {
            "kind": "bounty",
            "task": task,
            "amount_minor": 600,
            "currency": "EUR",
            "expires_on": day(25)[:10],
        }
    )
    # Proposed at the same moment: they open and close at the same moments.
    pids = [propose(node, commons_id, ben, effect=effect) for effect in (payout, other)]
    node.clock = lambda: day(2.5)
    for pid in pids:
        for person in (ada, ben, cy):
            stance(node, commons_id, person, pid, "for")
    amounts = dict(zip(pids, (700, 600), strict=True))

    node.clock = lambda: day(5.5 + grace_days)  # after the close (and the grace window)
    racers = [Keypair.generate() for _ in range(4)]
    actions = [
        signed(person, "governance.proposal.close", {"proposal": pid}, commons_id)
        for pid, person in zip(pids, (ada, ben), strict=True)
    ]
    actions += [
        signed(
            cy,
            "production.contribution.record",
            {"kind": "work", "quantity": "1", "description": "shelving"},
            commons_id,
        ),
        signed(ada, "economy.income.record", income("g2", 1), commons_id),
    ]
    actions += [
        signed(person, "commons.member.join", {"name": f"R{n}"}, commons_id)
        for n, person in enumerate(racers)
    ]
    outcomes = at_once(node, commons_id, actions)
    refusals = [o for o in outcomes if isinstance(o, CommonworkError)]
    assert [(o.code, o.extra.get("reason")) for o in refusals] == [], [o.detail for o in refusals]

    found = spends_of(node, commons_id)
    assert sorted(found) == sorted(pids)
    statuses = {pid: found[pid]["status"] for pid in pids}
    assert sorted(statuses.values()) == ["done", "failed"], found
    done = next(pid for pid in pids if statuses[pid] == "done")
    failed = next(pid for pid in pids if statuses[pid] == "failed")
    assert "beyond the funds" in found[failed]["detail"]
    assert found[failed]["txn_id"] is None
    held = balances(node, commons_id)
    assert held[("treasury", "EUR")] == 1000 + 1 - amounts[done]  # exactly what was covered
    assert held[("treasury", "EUR")] >= 0
    assert sum(amount for (_, currency), amount in held.items() if currency == "EUR") == 0
    with node.reading() as conn:
        paid = conn.execute(
            sa.select(payout_lines.c.payout_id, sa.func.sum(payout_lines.c.amount_minor))
            .where(payout_lines.c.commons_id == commons_id)
            .group_by(payout_lines.c.payout_id)
        ).all()
    payouts = {pid: int(total) for pid, total in paid}
    assert failed not in payouts  # nothing of the failed one was paid
    if second == "payout" or done == pids[0]:
        assert payouts == {done: amounts[done]}
    else:
        assert held[(f"escrow:{task}", "EUR")] == 600
    verified(node, commons_id)


def _found(node: Node, people: dict[str, Keypair], charter_: dict[str, Any]) -> str:
    commons_id = found(node, people["ada"], charter_)
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, people["cy"], "Cy")
    return commons_id


# --- mutual credit from several threads ------------------------------------------------------

LIMIT = 1000  # the circle of tests.contract.test_credit


def _credit_of(node: Node, commons_id: str, person: Keypair) -> int:
    return balances(node, commons_id).get((f"credit:{person.did}", "HOURS"), 0)


def _check_race(
    outcomes: list[Outcome], amounts: list[int], spent_before: int
) -> tuple[int, list[int]]:
    """What was accepted never takes the payer beyond the limit; each refusal is over_limit and
    would have taken it beyond, even after only what was accepted."""
    accepted = [amount for amount, o in zip(amounts, outcomes, strict=True) if not _no(o)]
    refused = [amount for amount, o in zip(amounts, outcomes, strict=True) if _no(o)]
    for outcome in outcomes:
        if isinstance(outcome, CommonworkError):
            assert (outcome.code, outcome.extra.get("reason")) == ("not_allowed", "over_limit")
    total = spent_before + sum(accepted)
    assert total <= LIMIT
    assert all(total + amount > LIMIT for amount in refused)
    return sum(accepted), refused


def _no(outcome: Outcome) -> bool:
    return isinstance(outcome, CommonworkError)


def test_concurrent_credit_payments_never_pass_the_payers_limit(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    node = any_node
    commons_id = circle(node, people)

    # Ben pays from eight threads at once: each within his limit alone, not all together.
    amounts = [150, 200, 250, 300, 350, 400, 450, 500]
    actions = [
        signed(ben, "economy.credit.pay", pay(f"ben-{n}", (ada, cy)[n % 2], amount), commons_id)
        for n, amount in enumerate(amounts)
    ]
    outcomes = at_once(node, commons_id, actions)
    spent, refused = _check_race(outcomes, amounts, 0)
    assert refused  # 2,600 asked of a limit of 1,000
    assert _credit_of(node, commons_id, ben) == -spent >= -LIMIT

    # Cy, from threads at once again: payments of her own and bills she accepts.
    bills = [
        str(
            act(
                node,
                commons_id,
                payee,
                "economy.credit.bill",
                {"payer": cy.did, "amount_minor": amount, "currency": "HOURS"},
            ).entry.id
        )
        for payee, amount in ((ada, 300), (ben, 450), (ada, 600))
    ]
    held = _credit_of(node, commons_id, cy)  # what Ben paid her: she may spend it too
    room = LIMIT + held
    cy_amounts = [400, 350, 300, 450, 600]
    cy_actions = [
        signed(cy, "economy.credit.pay", pay("cy-0", ada, 400), commons_id),
        signed(cy, "economy.credit.pay", pay("cy-1", ben, 350), commons_id),
    ]
    cy_actions += [
        signed(cy, "economy.credit.answer", {"bill": bill, "answer": "accept"}, commons_id)
        for bill in bills
    ]
    outcomes = at_once(node, commons_id, cy_actions)
    accepted = [a for a, o in zip(cy_amounts, outcomes, strict=True) if not _no(o)]
    assert len(accepted) < len(cy_amounts)  # 2,100 asked; at most 2,000 of room
    assert sum(accepted) <= room
    assert all(
        sum(accepted) + amount > room
        for amount, o in zip(cy_amounts, outcomes, strict=True)
        if _no(o)
    )
    for outcome in outcomes:
        if isinstance(outcome, CommonworkError):
            assert (outcome.code, outcome.extra.get("reason")) == ("not_allowed", "over_limit")
    assert _credit_of(node, commons_id, cy) == held - sum(accepted) >= -LIMIT

    held_all = balances(node, commons_id)
    assert sum(v for (_, currency), v in held_all.items() if currency == "HOURS") == 0
    assert all(v >= -LIMIT for (_, currency), v in held_all.items() if currency == "HOURS")
    verified(node, commons_id)


def test_the_same_payment_sent_from_many_threads_is_made_once(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """One signed payment retried from six threads is one entry; the same key and body signed
    six times over is one payment, the others refused as done, naming it."""
    ada, ben = people["ada"], people["ben"]
    node = any_node
    commons_id = circle(node, people)
    once = signed(ben, "economy.credit.pay", pay("rent", ada, 100), commons_id)
    outcomes = at_once(node, commons_id, [once] * 6)
    assert all(isinstance(o, Appended) for o in outcomes), outcomes
    made = [o for o in outcomes if isinstance(o, Appended)]
    assert sum(o.created for o in made) == 1
    assert {o.entry.id for o in made} == {made[0].entry.id}

    fee = pay("fee", ada, 90)
    outcomes = at_once(
        node, commons_id, [signed(ben, "economy.credit.pay", fee, commons_id) for _ in range(6)]
    )
    appended = [o for o in outcomes if isinstance(o, Appended)]
    assert len(appended) == 1
    for outcome in outcomes:
        if isinstance(outcome, CommonworkError):
            assert (outcome.code, outcome.extra.get("reason")) == ("already_done", "same_key")
            assert outcome.extra["transaction"] == appended[0].entry.id
    assert _credit_of(node, commons_id, ben) == -190
    verified(node, commons_id)
