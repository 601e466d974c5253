"""Regressions from a review of the economy area, on SQLite and PostgreSQL: a write-off in two
credit circles at once; forking a commons with books; payouts that must never refuse an entry
(a standing rule without its own policy, a payout in a currency a fork does not have) and days
that are not on the calendar; spends that became large; bounties and disputed, revoked or
earlier paid work; a grace window in time order with every other deadline; a standing payout
taken out and put back; an income under an agreement reversed."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from commonwork.economy.tables import agreements, book_postings, book_txns, decided_spends
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import forks, journals, queries, tasks_read
from tests.contract.test_arbitration import NAMES, case_id_of, case_of, dispute, rule
from tests.contract.test_books import balances, income
from tests.contract.test_bounties import bounty, offer, post_task
from tests.contract.test_governance import act, at, proposal, propose, refused, stance
from tests.contract.test_payouts import payout
from tests.contract.test_settlement import post
from tests.contract.test_spends import moment, setup, spend, spends
from tests.contract.test_standing import approve, charter, status, work
from tests.contract.test_submit_pipeline import head_of
from tests.contract.test_tasks import day
from tests.support.builders import CHARTER, found, join


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def verified(node: Node, commons_id: str) -> None:
    """The journal replays to the live projections' digest."""
    report = journals.verify_commons(node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(node, commons_id).digest


def tick(node: Node, commons_id: str, when: str, name: str = "Passer-by") -> None:
    """An unrelated entry at ``when``: what fell due before it runs first."""
    at(node, when)
    join(node, commons_id, Keypair.generate(), name)


def vote(node: Node, commons_id: str, voters: list[Keypair], effect: dict[str, Any],
         made: float, **body: Any) -> str:  # fmt: skip
    """Proposed by the first voter on day ``made``; everyone for half a day after it opens."""
    at(node, day(made))
    pid = propose(node, commons_id, voters[0], title="Decide", text=".", effect=effect, **body)
    at(node, day(made + 1.5))
    for person in voters:
        stance(node, commons_id, person, pid, "for")
    return pid


# --- 1. a write-off in two circles -------------------------------------------------------------


def posted(node: Node, commons_id: str, currency: str) -> dict[str, int]:
    """Each account's balance in ``currency`` summed from its postings."""
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(book_postings.c.account, sa.func.sum(book_postings.c.amount_minor))
            .where(
                (book_postings.c.commons_id == commons_id) & (book_postings.c.currency == currency)
            )
            .group_by(book_postings.c.account)
        ).all()
    return {account: int(amount) for account, amount in rows}


def test_a_member_leaving_two_circles_under_write_off_is_written_off_in_both(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = setup(any_node, people, {**CHARTER, "economy": {"credit_exit": "write_off"}})
    made = [
        propose(any_node, commons_id, ada, title=code, text=".",
                effect={"kind": "currency", "code": code, "exponent": 0, "name": code})
        for code in ("HOURS", "MEALS")
    ]  # fmt: skip
    at(any_node, moment(1, 10))
    for pid in made:
        for person in people.values():
            stance(any_node, commons_id, person, pid, "for")
    at(any_node, moment(5))
    circles = [
        propose(any_node, commons_id, ada, title=f"Circle {code}", text=".",
                effect={"kind": "credit_policy", "currency": code, "limit_minor": 100})
        for code in ("HOURS", "MEALS")
    ]  # fmt: skip
    at(any_node, moment(6, 10))
    for pid in circles:
        for person in people.values():
            stance(any_node, commons_id, person, pid, "for")
    at(any_node, moment(10))
    for code in ("HOURS", "MEALS"):
        for person in people.values():
            act(any_node, commons_id, person, "economy.credit.join", {"currency": code})
    act(any_node, commons_id, ben, "economy.credit.pay",
        {"key": "h", "to": cy.did, "amount_minor": 30, "currency": "HOURS"})  # fmt: skip
    act(any_node, commons_id, ben, "economy.credit.pay",
        {"key": "m", "to": cy.did, "amount_minor": 7, "currency": "MEALS"})  # fmt: skip
    act(any_node, commons_id, ben, "commons.member.leave", {})

    held = balances(any_node, commons_id)
    for code, debt in (("HOURS", 30), ("MEALS", 7)):
        assert held[(f"credit:{ben.did}", code)] == 0
        # Ben's debt shared by Ada and Cy (the larger share by did order on a tie).
        shares = sorted(
            [held[(f"credit:{ada.did}", code)], held[(f"credit:{cy.did}", code)] - debt]
        )
        assert shares == [-(debt - debt // 2), -(debt // 2)]
        circle = {account: amount for (account, c), amount in held.items() if c == code}
        assert sum(circle.values()) == 0
        # Every balance is the sum of its postings: no write-off overwrote another's.
        assert posted(any_node, commons_id, code) == circle
    with any_node.reading() as conn:
        written_off = conn.execute(
            sa.select(sa.func.count())
            .select_from(book_txns)
            .where((book_txns.c.commons_id == commons_id) & (book_txns.c.kind == "write_off"))
        ).scalar()
    assert written_off == 2  # one transaction per circle
    verified(any_node, commons_id)


# --- 2. a fork of a commons with books ---------------------------------------------------------


def test_a_commons_whose_books_hold_a_transaction_forks_with_empty_books(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-01T09:00:00.000Z")
    commons_id = found(any_node, ada, CHARTER)
    join(any_node, commons_id, ben, "Ben")
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1000))
    at(any_node, "2031-03-02T09:00:00.000Z")
    fork = forks.fork_commons(any_node, actor=ben, parent_id=commons_id, reason="split").commons_id
    assert fork != commons_id
    assert balances(any_node, fork) == {}
    assert balances(any_node, commons_id) == {("treasury", "EUR"): 1000, ("outside", "EUR"): -1000}
    act(any_node, fork, ben, "economy.income.record", income("f1", 300))  # the fork's own books
    assert balances(any_node, fork) == {("treasury", "EUR"): 300, ("outside", "EUR"): -300}
    verified(any_node, fork)
    verified(any_node, commons_id)


# --- 3. a standing payout rule without its own policy ------------------------------------------


def test_a_standing_payout_without_a_policy_follows_the_charters_catch_up(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, day(0))
    rule_ = {"currency": "EUR", "share_bp": 5000}  # no policy: the charter's
    economy = {"infrastructure_bp": 0, "standing_payout": rule_, "payout_policy": "catch_up"}
    commons_id = found(any_node, ada, charter(ada, economy=economy))
    join(any_node, commons_id, ben, "Ben")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="3"))
    at(any_node, day(1))
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1000))
    tick(any_node, commons_id, "2030-02-01T08:00:00.000Z", "Dee")  # the month's first entry
    row = spends(any_node, commons_id)["standing-2030-01"]
    assert orjson.loads(row["effect"])["policy"] == "catch_up"
    assert "start" not in orjson.loads(row["effect"])  # catch-up: only an end
    assert (row["status"], row["detail"]) == ("done", "")
    held = balances(any_node, commons_id)
    assert held[(f"payable:{ben.did}", "EUR")] == 500  # his points, the only ones
    assert held[("treasury", "EUR")] == 500
    at(any_node, "2030-02-03T08:00:00.000Z")
    act(any_node, commons_id, ada, "economy.income.record", income("g2", 5))  # later: accepted
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 505
    verified(any_node, commons_id)


# --- 4. a payout's days are calendar days ------------------------------------------------------


def test_a_payout_whose_start_is_not_a_calendar_day_is_refused_when_proposed(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, day(0))
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="5"))
    at(any_node, day(1))
    act(any_node, commons_id, ada, "economy.income.record", income("grant", 1000))
    head = head_of(any_node, commons_id)
    for start, end in (("2030-01-00", "2030-01-01"), ("2030-01-01", "2030-02-30")):
        effect = payout(1000, policy="period", start=start, end=end)
        body = {"title": "Pay", "text": ".", "method": "majority", "effect": effect}
        made = refused(any_node, commons_id, ben, "governance.proposal.make", body)
        assert made.code == "invalid_action"
        assert "is not a day of the calendar" in made.detail
    assert head_of(any_node, commons_id) == head  # nothing written
    assert spends(any_node, commons_id) == {}
    tick(any_node, commons_id, day(14))
    verified(any_node, commons_id)


# --- 5. a payout pending when the commons forks ------------------------------------------------


def test_a_payout_in_a_community_currency_pending_at_a_fork_fails_there_on_the_record(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    at(any_node, day(0))
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="3"))
    hours = {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours"}
    vote(any_node, commons_id, [ben, ada, cy], hours, 0)
    effect = {"kind": "payout", "amount_minor": 10, "currency": "HOURS", "policy": "catch_up",
              "end": day(0)[:10]}  # fmt: skip
    pay = vote(any_node, commons_id, [ben, ada, cy], effect, 5)  # closes on day 9
    at(any_node, day(7))
    fork = forks.fork_commons(any_node, actor=ben, parent_id=commons_id, reason="split").commons_id
    tick(any_node, commons_id, day(10))  # the parent: large (none held), it waits
    assert spends(any_node, commons_id)[pay]["status"] == "waiting"
    for when in (10, 17, 18):  # the fork's close, the end of its grace window, after
        tick(any_node, fork, day(when), f"X{when}")
    assert proposal(any_node, fork, pay)["status"] == "passed"
    row = spends(any_node, fork)[pay]
    assert (row["status"], row["executed_at"], row["txn_id"]) == ("failed", day(16), None)
    assert "HOURS" in row["detail"]
    assert balances(any_node, fork) == {}
    verified(any_node, fork)
    tick(any_node, commons_id, day(17))  # the parent's: nothing held to pay, on the record
    assert spends(any_node, commons_id)[pay]["status"] == "failed"
    verified(any_node, commons_id)


# --- 6. a spend that became large --------------------------------------------------------------

CLASSES = {"classes": {"makers": {"standing": 0}}}


def test_a_small_spend_amended_into_a_large_one_needs_every_class(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    commons_id = setup(any_node, people, {**CHARTER, "governance": CLASSES})
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1000))
    large = spend("reserve", 1000, "reserve")
    body = {"title": "Fund", "text": "A year.", "method": "majority", "effect": large}
    plain = refused(any_node, commons_id, ben, "governance.proposal.make", body)
    assert plain.extra["reason"] == "classes_needed"
    pid = propose(any_node, commons_id, ben, effect=spend("reserve", 10, "reserve"))
    head = head_of(any_node, commons_id)
    amended = refused(any_node, commons_id, ben, "governance.proposal.amend",
                      {"proposal": pid, "effect": large})  # fmt: skip
    assert amended.extra["reason"] == "classes_needed"
    assert head_of(any_node, commons_id) == head
    row = proposal(any_node, commons_id, pid)
    assert row["version"] == 1
    assert orjson.loads(row["effect"])["amount_minor"] == 10
    verified(any_node, commons_id)


def test_a_spend_large_at_its_close_without_every_class_fails_on_the_record(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada = people["ada"]
    commons_id = setup(any_node, people, {**CHARTER, "governance": CLASSES})
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 600))
    second = act(any_node, commons_id, ada, "economy.income.record", income("g2", 400)).entry.id
    pid = propose(any_node, commons_id, people["ben"], effect=spend("reserve", 200, "reserve"))
    at(any_node, moment(1, 10))  # 200 of 1000: small, no class vote needed
    for person in people.values():
        stance(any_node, commons_id, person, pid, "for")
    at(any_node, moment(2))
    act(any_node, commons_id, ada, "economy.txn.reverse",
        {"key": "r1", "txn": second, "reason": "bounced"})  # fmt: skip
    tick(any_node, commons_id, moment(5))  # it closed on day 4: 200 of 600 is large now
    assert proposal(any_node, commons_id, pid)["status"] == "passed"
    row = spends(any_node, commons_id)[pid]
    assert (row["status"], row["large"], row["txn_id"]) == ("failed", 1, None)
    assert "class" in row["detail"]
    tick(any_node, commons_id, moment(13))  # after a grace window: still nothing moved
    assert spends(any_node, commons_id)[pid]["status"] == "failed"
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 600
    assert held.get(("reserve", "EUR"), 0) == 0
    verified(any_node, commons_id)


# --- 7, 8. bounties and disputed, rejected or already paid work ----------------------------------


def arbitrated(node: Node) -> tuple[str, dict[str, Keypair]]:
    """Six founders who may arbitrate (a dispute window of 3 days), Gus a newcomer; a bounty
    budget of 1000 and 5000 in the treasury; the clock at day 0."""
    people = {name: Keypair.generate() for name in NAMES}
    at(node, day(0))
    ada = people["ada"]
    seeded = [{"member": people[name].did, "standing": 200} for name in NAMES[:6]]
    budget = {"bounty_budget": [{"currency": "EUR", "amount_minor": 1000}]}
    founded = charter(ada, governance={"arbitration": {"dispute_days": 3}}, economy=budget)
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeded}
    commons_id = found(node, ada, founded)
    for name in NAMES[1:]:
        join(node, commons_id, people[name], name.title())
    act(node, commons_id, ada, "economy.income.record", income("g1", 5000))
    return commons_id, people


def reject(node: Node, commons_id: str, people: dict[str, Keypair], contribution: str) -> None:
    """Two of the case's panel of three reject the work."""
    case_id = case_id_of(node, commons_id, contribution)
    by_did = {person.did: person for person in people.values()}
    for did in orjson.loads(case_of(node, commons_id, case_id)["panel"])[:2]:
        rule(node, commons_id, by_did[did], case_id, "reject")


def payable(node: Node, commons_id: str, person: Keypair) -> int:
    return balances(node, commons_id).get((f"payable:{person.did}", "EUR"), 0)


def test_a_bounty_waits_for_the_verdict_on_disputed_work_and_never_pays_rejected_work(
    any_node: Node,
) -> None:
    commons_id, people = arbitrated(any_node)
    ada, gus = people["ada"], people["gus"]
    task = post(any_node, commons_id, ada)
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 900, 10, "b1"))
    w1 = work(any_node, commons_id, gus, hours="6", task=task)
    approve(any_node, commons_id, ada, w1)  # accepted on day 0: its window ends on day 3
    at(any_node, day(1.4))
    dispute(any_node, commons_id, people["ben"], w1)
    case_id = case_id_of(any_node, commons_id, w1)
    tick(any_node, commons_id, day(4.2))  # day 3 settled: the case is open, it waits
    assert case_of(any_node, commons_id, case_id)["status"] == "open"
    assert bounty(any_node, commons_id, task)["status"] == "open"
    assert payable(any_node, commons_id, gus) == 0
    reject(any_node, commons_id, people, w1)
    tick(any_node, commons_id, day(5.2))  # day 4 settled: the verdict rejects it
    assert status(any_node, commons_id, w1) == "rejected"
    assert bounty(any_node, commons_id, task)["status"] == "open"
    tick(any_node, commons_id, day(11.2))  # the expiry (day 10) settled
    found_bounty = bounty(any_node, commons_id, task)
    assert found_bounty["status"] == "refunded"
    held = balances(any_node, commons_id)
    assert held.get((f"payable:{gus.did}", "EUR"), 0) == 0
    assert (held[("treasury", "EUR")], held[(f"escrow:{task}", "EUR")]) == (5000, 0)
    verified(any_node, commons_id)


def test_a_second_bounty_on_a_reopened_task_pays_only_work_done_for_it(any_node: Node) -> None:
    commons_id, people = arbitrated(any_node)
    ada, cy, dee, gus = people["ada"], people["cy"], people["dee"], people["gus"]
    task = post(any_node, commons_id, ada)
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 500, 20, "b1"))
    w1 = work(any_node, commons_id, gus, hours="6", task=task)
    w2 = work(any_node, commons_id, cy, hours="6", task=task)
    approve(any_node, commons_id, ada, w1)
    approve(any_node, commons_id, ada, w2)
    at(any_node, day(1.4))
    dispute(any_node, commons_id, people["ben"], w1)
    tick(any_node, commons_id, day(4.2))  # day 3 settled: B1 paid to the undisputed work only
    assert bounty(any_node, commons_id, task)["status"] == "paid"
    assert (payable(any_node, commons_id, cy), payable(any_node, commons_id, gus)) == (500, 0)
    paid_by_b1 = payable(any_node, commons_id, cy)
    reject(any_node, commons_id, people, w1)
    tick(any_node, commons_id, day(5.2))  # day 4: the verdict rejects W1, the task reopens
    assert status(any_node, commons_id, w1) == "rejected"
    assert tasks_read.task_detail(any_node, commons_id, task).status == "open"
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 500, 20, "b2"))
    w3 = work(any_node, commons_id, dee, hours="6", task=task)
    approve(any_node, commons_id, ada, w3)
    tick(any_node, commons_id, day(9.2))  # day 8 settled: B2 due
    assert bounty(any_node, commons_id, task)["status"] == "paid"
    assert payable(any_node, commons_id, cy) == paid_by_b1  # B2 does not pay W2 again
    held = balances(any_node, commons_id)
    assert held[(f"payable:{dee.did}", "EUR")] == 500
    assert held.get((f"payable:{gus.did}", "EUR"), 0) == 0
    assert held[("treasury", "EUR")] == 4000
    verified(any_node, commons_id)


def test_work_accepted_after_rejected_work_is_paid_when_its_window_passes(
    any_node: Node,
) -> None:
    commons_id, people = arbitrated(any_node)
    ada, cy, gus = people["ada"], people["cy"], people["gus"]
    task = post(any_node, commons_id, ada)
    act(any_node, commons_id, ada, "economy.bounty.offer", offer(task, 900, 10, "b1"))
    w1 = work(any_node, commons_id, gus, hours="6", task=task)
    w2 = work(any_node, commons_id, cy, hours="2", task=task)
    approve(any_node, commons_id, ada, w1)
    at(any_node, day(1.4))
    approve(any_node, commons_id, ada, w2)  # day 0 settled: W1 accepted, the bounty due day 3
    dispute(any_node, commons_id, people["ben"], w1)
    reject(any_node, commons_id, people, w1)
    tick(any_node, commons_id, day(2.2))  # day 1: W2 accepted, W1 rejected
    assert (status(any_node, commons_id, w1), status(any_node, commons_id, w2)) == (
        "rejected",
        "accepted",
    )
    tick(any_node, commons_id, day(4.2))  # day 3 (W1's due day): W2 not ripe, rescheduled
    found_bounty = bounty(any_node, commons_id, task)
    assert (found_bounty["status"], found_bounty["due_on"]) == ("open", day(4)[:10])
    tick(any_node, commons_id, day(5.2))  # day 4: W2's window passed
    found_bounty = bounty(any_node, commons_id, task)
    assert found_bounty["status"] == "paid"
    assert found_bounty["close_txn"] == f"{found_bounty['offer_txn']}:paid"
    tick(any_node, commons_id, day(11.2))  # the expiry settled: nothing to refund
    assert bounty(any_node, commons_id, task)["status"] == "paid"
    held = balances(any_node, commons_id)
    assert held[(f"payable:{cy.did}", "EUR")] == 900
    assert held.get((f"payable:{gus.did}", "EUR"), 0) == 0
    assert (held[("treasury", "EUR")], held[(f"escrow:{task}", "EUR")]) == (4100, 0)
    verified(any_node, commons_id)


# --- 9. a grace window in time order -----------------------------------------------------------


def founded_with_treasury(node: Node, people: dict[str, Keypair], amount: int) -> str:
    at(node, day(0))
    ada = people["ada"]
    commons_id = found(node, ada, charter(ada))
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, people["cy"], "Cy")
    act(node, commons_id, ada, "economy.income.record", income("g1", amount))
    return commons_id


def test_a_large_bounty_opened_after_its_grace_window_is_refunded_at_its_expiry(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = founded_with_treasury(any_node, people, 1000)
    task = post_task(any_node, commons_id, ada, "Mend the press")
    effect = {"kind": "bounty", "task": task, "amount_minor": 600, "currency": "EUR",
              "expires_on": day(12)[:10]}  # fmt: skip
    pid = vote(any_node, commons_id, [ben, ada, cy], effect, 0)
    tick(any_node, commons_id, day(5))  # closed on day 4, large: it waits to day 11
    waiting = spends(any_node, commons_id)[pid]
    assert (waiting["status"], waiting["due_at"]) == ("waiting", day(11))
    at(any_node, day(6))
    propose(any_node, commons_id, ben, title="Hedge", text="Plant it.", voting_hours=192)
    tick(any_node, commons_id, day(16))  # quiet until after the hedge's close (day 15)
    row = spends(any_node, commons_id)[pid]
    assert (row["status"], row["executed_at"]) == ("done", day(11))
    assert bounty(any_node, commons_id, task)["status"] == "refunded"  # at its expiry, day 12
    held = balances(any_node, commons_id)
    assert (held[("treasury", "EUR")], held[(f"escrow:{task}", "EUR")]) == (1000, 0)
    verified(any_node, commons_id)


def test_a_large_spend_after_its_grace_window_comes_before_a_later_close(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = founded_with_treasury(any_node, people, 1000)
    first = vote(any_node, commons_id, [ben, ada, cy], spend("reserve", 900, "reserve"), 0)
    tick(any_node, commons_id, day(5))  # closed on day 4, large: it waits to day 11
    assert spends(any_node, commons_id)[first]["status"] == "waiting"
    # 250 of 1000 is not large: it would run at its close, on day 14.
    later = vote(any_node, commons_id, [ben, ada, cy], spend(cy.did, 250), 6, voting_hours=168)
    tick(any_node, commons_id, day(15))  # quiet from day 7 to 15
    done = spends(any_node, commons_id)
    assert (done[first]["status"], done[first]["executed_at"]) == ("done", day(11))
    # What is left at the later close is 100: 250 of it is large now, and waits its window.
    assert (done[later]["status"], done[later]["decided_at"]) == ("waiting", day(14))
    tick(any_node, commons_id, day(22))
    assert spends(any_node, commons_id)[later]["status"] == "failed"  # 100 left: not enough
    held = balances(any_node, commons_id)
    assert (held[("treasury", "EUR")], held[("reserve", "EUR")]) == (100, 900)
    assert held.get((f"payable:{cy.did}", "EUR"), 0) == 0
    verified(any_node, commons_id)


# --- 10. a standing payout taken out and put back ----------------------------------------------


def standing_rows(node: Node, commons_id: str) -> dict[str, dict[str, Any]]:
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(decided_spends).where(
                (decided_spends.c.commons_id == commons_id)
                & decided_spends.c.proposal_id.startswith("standing-")
            )
        ).mappings()
        return {row["proposal_id"]: dict(row) for row in rows}


def test_a_standing_payout_taken_out_and_put_back_pays_no_month_in_between(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, "2030-01-01T00:00:00.000Z")
    rule_ = {"currency": "EUR", "share_bp": 5000, "policy": "period"}
    economy = {"infrastructure_bp": 0, "standing_payout": rule_}
    commons_id = found(any_node, ada, charter(ada, economy=economy))
    join(any_node, commons_id, ben, "Ben")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="3"))
    act(any_node, commons_id, ada, "economy.income.record", income("g1", 1600))
    at(any_node, "2030-02-01T08:00:00.000Z")  # January paid: half of 1600
    off = propose(any_node, commons_id, ada, title="No standing payout", text=".",
                  method="consent",
                  effect={"kind": "amend_charter",
                          "changes": {"economy": {"infrastructure_bp": 0}}})  # fmt: skip
    at(any_node, "2030-02-09T10:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": off})
    for month in ("02-15", "03-15", "04-15", "05-15"):
        at(any_node, f"2030-{month}T10:00:00.000Z")
        approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="1"))
    at(any_node, "2030-06-01T08:00:00.000Z")
    on = propose(any_node, commons_id, ada, title="Standing payout again", text=".",
                 method="consent",
                 effect={"kind": "amend_charter",
                         "changes": {"economy": {"infrastructure_bp": 0,
                                                 "standing_payout": rule_}}})  # fmt: skip
    at(any_node, "2030-06-09T10:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": on})
    assert proposal(any_node, commons_id, on)["status"] == "passed"
    tick(any_node, commons_id, "2030-06-10T10:00:00.000Z", "Dee")
    tick(any_node, commons_id, "2030-06-11T10:00:00.000Z", "Eve")
    assert sorted(standing_rows(any_node, commons_id)) == ["standing-2030-01"]
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 800
    at(any_node, "2030-06-15T10:00:00.000Z")
    approve(any_node, commons_id, ada, work(any_node, commons_id, ben, hours="1"))
    tick(any_node, commons_id, "2030-07-01T10:00:00.000Z", "Fay")  # June, the month it returned
    rows = standing_rows(any_node, commons_id)
    assert sorted(rows) == ["standing-2030-01", "standing-2030-06"]
    assert orjson.loads(rows["standing-2030-06"]["effect"])["start"] == "2030-06-01"
    assert rows["standing-2030-06"]["status"] == "done"
    held = balances(any_node, commons_id)
    assert (held[("treasury", "EUR")], held[(f"payable:{ben.did}", "EUR")]) == (400, 1200)
    verified(any_node, commons_id)


# --- 11. an income under an agreement reversed -------------------------------------------------


def test_reversing_an_income_under_an_agreement_takes_it_off_the_paid_figure(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    coop = Keypair.generate()
    at(any_node, "2031-03-01T09:00:00.000Z")
    commons_id = found(any_node, ada, CHARTER)
    join(any_node, commons_id, ben, "Ben")
    org = {"org": coop.did, "name": "Co", "form": "company", "representatives": [ben.did]}
    act(any_node, commons_id, coop, "economy.org.declare", org)
    agreement = act(any_node, commons_id, coop, "economy.agreement.sign",
                    {"org": coop.did, "basis": "fixed", "amount_minor": 500, "currency": "EUR",
                     "period": "month", "starts": "2031-02"}).entry.id  # fmt: skip
    act(any_node, commons_id, coop, "economy.agreement.report",
        {"agreement": agreement, "period": "2031-02"})  # fmt: skip
    receivable = (f"receivable:{coop.did}", "EUR")

    def figures() -> tuple[int, int, int]:
        with any_node.reading() as conn:
            owed, paid = conn.execute(
                sa.select(agreements.c.owed_minor, agreements.c.paid_minor).where(
                    (agreements.c.commons_id == commons_id)
                    & (agreements.c.agreement_id == agreement)
                )
            ).one()
        return int(owed), int(paid), balances(any_node, commons_id).get(receivable, 0)

    assert figures() == (500, 0, 500)
    under = income("p1", 500, source="benefit_sharing", agreement=agreement)
    paid = act(any_node, commons_id, ada, "economy.income.record", under).entry.id
    assert figures() == (500, 500, 0)
    act(any_node, commons_id, ada, "economy.txn.reverse",
        {"key": "r1", "txn": paid, "reason": "bounced"})  # fmt: skip
    owed, paid_minor, due = figures()
    assert (owed, paid_minor, due) == (500, 0, 500)
    assert owed - paid_minor == due
    verified(any_node, commons_id)
