"""Arbitration on the web (issue 10, item 8), in a real browser.

Gus, new to a seed library, records six hours of work; Ada approves it and Ben disputes it, which
holds the work and opens a case. Its panel is three of Cy, Dee, Eve and Fay, drawn from the
journal (the founders seeded with standing enough to arbitrate; the work's author, its validator
and its disputer left out). A panel member opens the case from their inbox, reads the dispute and
rules to accept it, with a reason; a second one rules the same, which is a majority: the case is
decided. The next day's first entry settles the verdict's day, and the contribution shows
accepted. The node is served in this process so that the test can move its clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import accounts, arbitration_read
from commonwork.web.app import create_app
from tests.browser.test_first_week import person
from tests.contract.test_standing import charter
from tests.functional.server import serve_app
from tests.support import builders

pytestmark = pytest.mark.browser
NAMES = ("ada", "ben", "cy", "dee", "eve", "fay", "gus")
PASSWORD = "correct horse battery"
WORK = "Sorted the seed trays by variety"


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    builders.advance(node, 0)  # the clock stands still until the test moves it
    with serve_app(create_app(node)) as base_url:
        yield base_url


def seed_library(node: Node) -> tuple[str, str, list[str]]:
    """The commons with Gus's disputed work: its id, the work's id, and the panel's names."""
    keys = {}
    for name in NAMES:
        account = accounts.sign_up(
            node, email=f"{name}@example.org", password=PASSWORD, display_name=name.title()
        )
        keys[name] = accounts.custodial_keypair(node, account)
    founded = charter(keys["ada"])
    seeds = [{"member": keys[name].did, "standing": 200} for name in NAMES[:6]]
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeds}
    commons = builders.found(node, keys["ada"], founded)
    for name in NAMES[1:]:
        builders.join(node, commons, keys[name], name.title())
    body = {"kind": "work", "quantity": "6", "description": WORK}
    record = builders.signed(keys["gus"], "production.contribution.record", body, commons)
    work = append_actions(node, commons, [record])[0].entry.id
    verdicts = [
        (keys["ada"], {"contribution": work, "verdict": "approve", "reason": ""}),
        (keys["ben"], {"contribution": work, "verdict": "dispute", "reason": "Half were mixed"}),
    ]
    validated = append_actions(
        node,
        commons,
        [
            builders.signed(who, "production.contribution.validate", verdict, commons)
            for who, verdict in verdicts
        ],
    )
    case = arbitration_read.case_detail(node, commons, validated[1].entry.id).case
    by_did = {key.did: name for name, key in keys.items()}
    return commons, work, [by_did[seat.member] for seat in case.panel]


def sign_in(page: Page, site: str, name: str) -> None:
    page.goto(f"{site}/signin")
    page.get_by_label("E-mail").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("nav-account")).to_have_text(name.title())


def rule_from_the_inbox(page: Page, site: str, name: str, reason: str) -> None:
    """``name``, on the panel, opens the case from their inbox and rules to accept the work."""
    sign_in(page, site, name)
    page.get_by_test_id("nav-inbox").click()
    told = page.locator('[data-testid="inbox-item"][data-kind="governance.case.panel"]')
    expect(told).to_contain_text("you sit on the panel that arbitrates it")
    told.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f]{64}$"))
    expect(page.get_by_test_id("work-description")).to_have_text(WORK)
    expect(page.get_by_test_id("dispute")).to_contain_text("Half were mixed")
    form = page.get_by_test_id("rule-form")
    form.get_by_test_id("rule-verdict-accept").check()
    form.get_by_test_id("rule-reason").fill(reason)
    form.get_by_test_id("rule-button").click()
    expect(page.get_by_test_id("ruling-row").filter(has_text=reason)).to_be_visible()


def test_a_panel_rules_on_disputed_work_from_the_inbox_and_the_verdict_is_settled(
    node: Node, site: str, chromium: Browser
) -> None:
    commons, work, panel = seed_library(node)
    first, second = panel[0], panel[1]

    _, page = person(chromium)
    rule_from_the_inbox(page, site, first, "The trays are sorted: I checked them.")
    expect(page.get_by_test_id("case-status")).to_have_text("open")  # one of three: no majority
    expect(page.get_by_test_id("rule-panel")).to_contain_text("a new ruling replaces it")

    _, other = person(chromium)
    rule_from_the_inbox(other, site, second, "Sorted, and labelled too.")
    expect(other.get_by_test_id("case-status")).to_have_text("decided")
    expect(other.get_by_test_id("case-verdict")).to_have_text("accept the work as claimed")
    expect(other.get_by_test_id("case-reasons")).to_contain_text("labelled too")
    expect(other.get_by_test_id("rule-form")).to_have_count(0)

    other.get_by_test_id("cases-link").click()  # the queue: decided, no longer waiting
    expect(other.get_by_test_id("no-waiting-cases")).to_be_visible()
    expect(other.get_by_test_id("decided-cases").get_by_test_id("case-row")).to_contain_text(
        "accepted as claimed"
    )

    builders.advance(node, 1)  # the next day: its first entry settles the verdict's day
    builders.join(node, commons, Keypair.generate(), "Hal")
    other.goto(f"{site}/commons/{commons}")
    card = other.locator(f'[data-testid="contribution"][data-contribution="{work}"]')
    expect(card).to_have_attribute("data-status", "accepted")
    expect(card.get_by_test_id("contribution-status")).to_have_text("accepted")
    card.get_by_test_id("contribution-case").click()
    expect(other.get_by_test_id("work-status")).to_have_text("accepted")
