"""The bounty board, a benefit-sharing agreement and a mutual-credit circle on the web (issue 11,
item 8), in a real browser.

A seed library whose days settle: a bounty paid to Ben's accepted work and one still open;
SeedCo, a company Cy acts for, reported a month of its revenue share and paid part of it; the
members made HOURS a credit circle, Ben paid Ada in it and Cy billed Ben. A visitor follows the
open books to the bounty board and to the agreement (owed, paid, in arrears). Cy signs in: her
inbox reminds her of the arrears and leads to the agreement. Ben signs in: his wallet shows his
circle (balance, limit now) and Cy's bill to answer, keeps his bank details, and leads to the
circle's page, which sums to zero. The node is served in this process so the test sets its clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import accounts
from commonwork.web.app import create_app
from tests.browser.test_books_walkthrough import PASSWORD, sign_in
from tests.browser.test_first_week import person
from tests.contract.test_books import income
from tests.contract.test_governance import act
from tests.contract.test_payouts import passes
from tests.contract.test_standing import approve, work
from tests.contract.test_tasks import day
from tests.functional.server import serve_app
from tests.functional.test_economy_scenario import charter_of
from tests.support.builders import found, join

pytestmark = pytest.mark.browser


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    with serve_app(create_app(node)) as base_url:
        yield base_url


@dataclass
class Seeded:
    commons: str
    agreement: str
    paid_task: str
    open_task: str


def seed(node: Node) -> Seeded:
    keys: dict[str, Keypair] = {}
    for name in ("ada", "ben", "cy"):
        account = accounts.sign_up(
            node, email=f"{name}@example.org", password=PASSWORD, display_name=name.title()
        )
        keys[name] = accounts.custodial_keypair(node, account)
    ada, ben, cy, company = keys["ada"], keys["ben"], keys["cy"], Keypair.generate()
    node.clock = lambda: day(0.25)
    commons = found(node, ada, charter_of(ada.did))
    join(node, commons, ben, "Ben")
    join(node, commons, cy, "Cy")
    act(node, commons, ada, "economy.income.record", income("g1", 10_000))
    act(
        node,
        commons,
        company,
        "economy.org.declare",
        {"org": company.did, "name": "SeedCo", "form": "company", "representatives": [cy.did]},
    )
    agreement = act(
        node,
        commons,
        cy,
        "economy.agreement.sign",
        {
            "org": company.did,
            "basis": "revenue_share",
            "share_bp": 500,
            "currency": "EUR",
            "period": "month",
            "starts": "2029-12",
        },
    ).entry.id
    act(
        node,
        commons,
        cy,
        "economy.agreement.report",
        {"agreement": agreement, "period": "2029-12", "revenue_minor": 200_000},
    )
    act(
        node,
        commons,
        ada,
        "economy.income.record",
        income("bs1", 6_000, source="benefit_sharing", agreement=agreement),
    )
    tasks = []
    for title in ("Mend the seed press", "Label the jars"):
        task = act(
            node,
            commons,
            ada,
            "production.task.post",
            {"title": title, "description": "See the wiki"},
        ).entry.id
        act(
            node,
            commons,
            ada,
            "economy.bounty.offer",
            {
                "key": f"b-{len(tasks)}",
                "task": task,
                "amount_minor": 2_500,
                "currency": "EUR",
                "expires_on": day(25)[:10],
            },
        )
        tasks.append(task)
    approve(node, commons, ada, work(node, commons, ben, hours="3", task=tasks[0]))
    people = {"ada": ada, "ben": ben, "cy": cy}
    passes(
        node,
        commons,
        people,
        {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours of help"},
        1,
    )
    passes(
        node, commons, people, {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 100}, 6
    )
    for person_key in people.values():
        act(node, commons, person_key, "economy.credit.join", {"currency": "HOURS"})
    act(
        node,
        commons,
        ben,
        "economy.credit.pay",
        {"key": "p1", "to": ada.did, "amount_minor": 25, "currency": "HOURS"},
    )
    act(
        node,
        commons,
        cy,
        "economy.credit.bill",
        {"payer": ben.did, "amount_minor": 10, "currency": "HOURS", "memo": "Sorted the beans"},
    )
    return Seeded(commons, agreement, tasks[0], tasks[1])


def test_the_bounty_board_an_agreement_and_a_credit_circle(
    node: Node, site: str, chromium: Browser
) -> None:
    seeded = seed(node)
    base = f"{site}/commons/{seeded.commons}"
    _, page = person(chromium)
    page.goto(f"{base}/books")
    page.get_by_test_id("bounties-link").click()
    page.wait_for_url(re.compile(r"/bounties$"))
    expect(page.get_by_test_id("bounties-title")).to_have_text("Bounties")
    bounties = page.get_by_test_id("bounty")
    expect(bounties).to_have_count(2)
    expect(bounties.first).to_have_attribute("data-status", "open")  # open ones first
    paid = page.locator(f'[data-testid="bounty"][data-task="{seeded.paid_task}"]')
    expect(paid.get_by_test_id("bounty-status")).to_have_text("paid")
    expect(paid.get_by_test_id("bounty-share")).to_contain_text("25.00 EUR")
    expect(paid.get_by_test_id("bounty-work-item")).to_contain_text("Ben")
    page.get_by_test_id("bounty-filter-open").click()
    expect(page.get_by_test_id("bounty")).to_have_count(1)
    page.get_by_test_id("bounty-task").click()
    page.wait_for_url(re.compile(rf"/tasks/{seeded.open_task}$"))
    expect(page.get_by_test_id("task-bounty")).to_contain_text("25.00 EUR, until")

    page.goto(f"{base}/books")
    page.get_by_test_id("agreements-link").click()
    expect(page.get_by_test_id("agreement")).to_have_count(1)
    expect(page.get_by_test_id("agreement-terms")).to_contain_text("5% of revenue")
    page.get_by_test_id("agreement-link").click()
    page.wait_for_url(re.compile(rf"/agreements/{seeded.agreement}$"))
    expect(page.get_by_test_id("agreement-owed")).to_have_text("100.00 EUR")
    expect(page.get_by_test_id("agreement-paid")).to_have_text("60.00 EUR")
    expect(page.get_by_test_id("agreement-arrears")).to_have_text("40.00 EUR")
    expect(page.get_by_test_id("agreement-report")).to_have_count(1)

    sign_in(page, site, "cy")
    page.goto(f"{site}/me/inbox")
    reminder = page.get_by_test_id("reminder")
    expect(reminder).to_contain_text("SeedCo is in arrears: 40.00 EUR")
    reminder.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/agreements/{seeded.agreement}$"))
    page.get_by_test_id("nav-account").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, "ben")
    page.goto(f"{site}/me/wallet?commons={seeded.commons}")
    circle = page.get_by_test_id("wallet-circle")
    expect(circle).to_have_attribute("data-currency", "HOURS")
    expect(circle.get_by_test_id("circle-balance")).to_have_text("-2.5 HOURS")
    expect(circle.get_by_test_id("circle-limit")).to_have_text("-10.0 HOURS")
    expect(page.get_by_test_id("bill-to-answer")).to_contain_text("Sorted the beans")
    page.get_by_test_id("bank-text").fill("IBAN DE89 3704 0044 0532 0130 00")
    page.get_by_test_id("bank-save").click()
    page.wait_for_url(re.compile(r"#bank-details$"))
    expect(page.get_by_test_id("bank-text")).to_have_value("IBAN DE89 3704 0044 0532 0130 00")
    page.get_by_test_id("circle-link").click()
    page.wait_for_url(re.compile(r"/credit/HOURS$"))
    expect(page.get_by_test_id("circle-member")).to_have_count(3)
    expect(page.get_by_test_id("circle-total")).to_have_text("0.0 HOURS")
