"""The open books on the web (issue 11, item 8), in a real browser.

A seed library's books (tests/support/books.py): income in euros, yen and dinars, a worker
cooperative's benefit sharing it countersigned, a reversal, a prize for Cy decided by the
members and partly paid. A visitor opens the commons, follows the "Open books" tab, reads the
balances, the money flow and the treasury's chart, pages back through the transactions, follows
the prize's why-link to the proposal that decided it, and the cooperative's to its page. Cy
signs in, follows "Your wallet" and reads what is still owed to her and the payment she
confirmed. The node is served in this process so that the test can set its clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import accounts
from commonwork.web.app import create_app
from tests.browser.test_first_week import person
from tests.functional.server import serve_app
from tests.support.books import Books, seed_books

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    with serve_app(create_app(node)) as base_url:
        yield base_url


def open_books(node: Node) -> Books:
    """The books of tests/support/books.py, kept by people with accounts on this node."""
    keys: dict[str, Keypair] = {}
    for name in ("ada", "ben", "cy"):
        account = accounts.sign_up(
            node, email=f"{name}@example.org", password=PASSWORD, display_name=name.title()
        )
        keys[name] = accounts.custodial_keypair(node, account)
    return seed_books(node, keys)


def sign_in(page: Page, site: str, name: str) -> None:
    page.goto(f"{site}/signin")
    page.get_by_label("E-mail").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("nav-account")).to_have_text(name.title())


def test_a_visitor_reads_the_open_books_and_cy_reads_her_wallet(
    node: Node, site: str, chromium: Browser
) -> None:
    books = open_books(node)
    _, page = person(chromium)
    page.goto(f"{site}/commons/{books.commons}")
    page.get_by_test_id("nav-books").click()
    page.wait_for_url(re.compile(r"/books$"))
    expect(page.get_by_test_id("books-title")).to_have_text("Open books")
    expect(page.get_by_test_id("txn-count")).to_have_text("8")
    treasury = page.locator('[data-testid="balance"][data-account="treasury"]')
    expect(treasury.filter(has_text="BHD")).to_contain_text("1.005 BHD")
    expect(treasury.filter(has_text="JPY")).to_contain_text("5000 JPY")
    expect(treasury.filter(has_text="EUR")).to_contain_text("85.00 EUR")
    flow = page.get_by_test_id("flow-panel")
    expect(flow.locator("svg[role=img]")).to_be_visible()
    expect(flow.locator("rect.chart-node")).to_have_count(4)  # donations, treasury, owed, paid
    expect(flow.get_by_test_id("flow-treasury")).to_have_text("85.00 EUR")
    expect(page.get_by_test_id("treasury-chart")).to_be_visible()

    # the transactions, newest first; the older page and back
    newest = page.get_by_test_id("txn").first
    expect(newest).to_have_attribute("data-kind", "payment")
    expect(newest.get_by_test_id("txn-answer")).to_contain_text("Confirmed by Cy")
    page.get_by_test_id("currency-link").filter(has_text="BHD").click()
    expect(page.get_by_test_id("flow-panel")).to_contain_text("Where the money in BHD")
    page.goto(f"{site}/commons/{books.commons}/books?before=4")
    expect(page.get_by_test_id("txn").first).to_have_attribute("data-number", "3")
    benefit = page.locator('[data-testid="txn"][data-number="3"]')
    expect(benefit.get_by_test_id("txn-answer")).to_contain_text("Confirmed by Ben")
    benefit.get_by_test_id("why-payer").click()
    expect(page.get_by_test_id("organisation-title")).to_have_text("Seedworks Cooperative")
    expect(page.get_by_test_id("organisation-form")).to_have_text("worker cooperative")
    expect(page.get_by_test_id("org-use")).to_contain_text("CC-BY-SA-4.0")
    page.go_back()
    page.get_by_test_id("newest-transactions").click()
    prize = page.locator('[data-testid="txn"][data-kind="prize"]')
    expect(prize.get_by_test_id("txn-explanation")).to_contain_text("A prize of 15.00 EUR to Cy")
    prize.get_by_test_id("why-decision").click()
    page.wait_for_url(re.compile(rf"/proposals/{books.prize}$"))
    page.go_back()
    page.get_by_test_id("spend-link").click()
    expect(page.get_by_test_id("payout-status")).to_have_text("done")
    expect(page.get_by_test_id("wallet-link")).to_have_count(0)  # nobody signed in

    sign_in(page, site, "cy")
    page.goto(f"{site}/commons/{books.commons}/books")
    page.get_by_test_id("wallet-link").click()
    expect(page.get_by_test_id("wallet-title")).to_have_text("Your wallet in Seed Library")
    expect(page.get_by_test_id("owed")).to_have_text("5.00 EUR")
    history = page.get_by_test_id("wallet-history").get_by_test_id("txn")
    expect(history).to_have_count(2)
    expect(history.first.get_by_test_id("txn-answer")).to_have_attribute("data-answer", "confirmed")
    expect(page.get_by_test_id("unanswered")).to_have_count(0)
