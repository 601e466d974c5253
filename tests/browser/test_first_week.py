"""The first week of a seed library in a real browser (SCENARIOS.md, scenario 1).

Rosa signs up and founds "Riverside Seed Library" on the web with the default preset (a small
group that trusts each other) and licence CC-BY-SA-4.0; the commons page says the rules in plain
words. Noor, new to everything, signs up, joins and records 3.5 hours; Rosa approves once and the
work shows accepted, provisional until the day ends. Sam, a brand-new account, disputes it with a
reason: a concern, and the work stays accepted. The day ends (the node's clock moves on) and the
first entry of the next day settles it; Noor sees her standing with "why this number". Noor also
withdraws a contribution she recorded twice. The node is served in this process so that the test
can move its clock; screenshots are left in the test's temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from commonwork.node.node import Node
from commonwork.services import queries
from commonwork.web.app import create_app
from tests.browser.test_pages_walkthrough import sign_up
from tests.functional.server import serve_app
from tests.support import builders

pytestmark = pytest.mark.browser
ONE_APPROVAL = (
    "One approval by a member with at least 20 standing accepts work (each approval weighs up "
    "to 10; 10 is needed)."
)


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    """The node served in this process, its clock standing still until the test moves it."""
    builders.advance(node, 0)
    with serve_app(create_app(node)) as base_url:
        yield base_url


def person(chromium: Browser) -> tuple[BrowserContext, Page]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    return context, context.new_page()


def fill_charter(page: Page) -> None:
    page.get_by_test_id("found-link").click()
    page.get_by_label("Name", exact=True).fill("Riverside Seed Library")
    page.get_by_label("Purpose").fill("Keep open-pollinated seed varieties in common")
    page.get_by_label("Aims").fill("Keep every local variety alive\nRun a seed swap each spring")
    page.get_by_label("Licence").fill("CC-BY-SA-4.0")


def found_with_the_default_preset(page: Page) -> str:
    fill_charter(page)
    expect(page.get_by_label("A small group that trusts each other")).to_be_checked()
    expect(page.get_by_label("Open to anyone, resistant to fake accounts")).not_to_be_checked()
    page.get_by_text("Advanced: the numbers behind the rules").click()
    expect(page.get_by_label("Most one approval can weigh (validator_cap)")).to_have_value("10")
    expect(page.get_by_label("Standing you start with as the founder")).to_have_value("60")
    page.get_by_test_id("found-button").click()
    page.wait_for_url(re.compile(r"/commons/[0-9a-f]{64}$"))
    expect(page.get_by_test_id("commons-name")).to_have_text("Riverside Seed Library")
    expect(page.get_by_test_id("licence")).to_have_text("CC-BY-SA-4.0")
    return page.url


def submit_record(page: Page, hours: str, what: str) -> None:
    """Fill the contribution form with hours of work and send it."""
    form = page.get_by_test_id("contribute-form")
    if not form.is_visible():  # folded away once there are contributions to read
        page.get_by_text("Record a contribution").click()
    form.get_by_label("Kind").select_option("work")
    form.get_by_label("Quantity").fill(hours)
    form.get_by_label("What did you contribute?").fill(what)
    form.get_by_test_id("contribute-button").click()


def record(page: Page, hours: str, what: str) -> None:
    submit_record(page, hours, what)
    expect(page.get_by_test_id("contribution").filter(has_text=what)).to_be_visible()


def join(page: Page, commons_url: str) -> None:
    page.goto(commons_url)
    page.get_by_test_id("join-button").click()
    expect(page.get_by_test_id("member-badge")).to_be_visible()


def test_the_first_week_of_a_seed_library(
    site: str, node: Node, chromium: Browser, tmp_path: Path
) -> None:
    rosa, rosa_page = person(chromium)
    noor, noor_page = person(chromium)
    sam, sam_page = person(chromium)

    sign_up(rosa_page, site, "Rosa", "rosa@example.org")
    commons_url = found_with_the_default_preset(rosa_page)
    rules = rosa_page.get_by_test_id("rules")
    expect(rules.get_by_role("heading")).to_have_text("Rules in force")
    expect(rules).to_contain_text(ONE_APPROVAL)
    expect(rules).to_contain_text("Money earns value points but no standing.")
    rosa_page.screenshot(path=str(tmp_path / "commons.png"), full_page=True)

    sign_up(noor_page, site, "Noor", "noor@example.org")
    join(noor_page, commons_url)
    record(noor_page, "3.5", "Cleaned and sorted the tomato seed")
    work = noor_page.get_by_test_id("contribution").filter(has_text="tomato seed")
    expect(work).to_have_attribute("data-status", "pending")

    rosa_page.reload()
    work = rosa_page.get_by_test_id("contribution").filter(has_text="tomato seed")
    work.get_by_test_id("approve-button").click()
    expect(work.get_by_test_id("contribution-status")).to_have_text("accepted")
    expect(work.get_by_test_id("provisional-note")).to_have_text("(provisional until the day ends)")

    sign_up(sam_page, site, "Sam", "sam@example.org")
    join(sam_page, commons_url)
    work = sam_page.get_by_test_id("contribution").filter(has_text="tomato seed")
    work.get_by_label("Reason").fill("I do not believe it took that long")
    work.get_by_test_id("dispute-button").click()
    concern = work.locator('[data-testid="validation"][data-verdict="concern"]')
    expect(concern).to_contain_text("raised a concern")
    expect(concern).to_contain_text("does not hold the work")
    expect(work.get_by_test_id("contribution-status")).to_have_text("accepted")
    sam_page.screenshot(path=str(tmp_path / "concern.png"), full_page=True)

    builders.advance(node, 1)  # the day ends; the first entry of the next one settles it
    rosa_page.reload()
    record(rosa_page, "2", "Ran the seed swap table")
    noor_page.reload()
    work = noor_page.get_by_test_id("contribution").filter(has_text="tomato seed")
    expect(work).to_have_attribute("data-status", "accepted")
    expect(work).to_have_attribute("data-provisional", "false")
    expect(work.get_by_test_id("provisional-note")).to_have_count(0)

    noor_page.get_by_test_id("nav-standing").click()
    expect(noor_page.get_by_test_id("rules")).to_contain_text("halves every 180 days")
    noor_page.get_by_test_id("standing-row").filter(has_text="Noor").get_by_test_id(
        "member-link"
    ).click()
    expect(noor_page.get_by_test_id("member-name")).to_have_text("Noor")
    expect(noor_page.get_by_test_id("member-points")).to_have_text("3.5")
    expect(noor_page.get_by_test_id("member-standing")).to_have_text("3.486")
    why = noor_page.get_by_test_id("why")
    expect(why.get_by_role("heading", name="Why this number")).to_be_visible()
    expect(why.get_by_test_id("why-term")).to_have_count(1)
    expect(why.get_by_test_id("why-term")).to_contain_text("Rosa")
    noor_page.screenshot(path=str(tmp_path / "standing.png"), full_page=True)

    noor_page.goto(commons_url)
    record(noor_page, "1", "Labelled the bean jars")
    twice = noor_page.get_by_test_id("contribution").filter(has_text="bean jars")
    expect(twice.get_by_test_id("withdraw-button")).to_be_visible()
    expect(
        noor_page.get_by_test_id("contribution")
        .filter(has_text="tomato seed")
        .get_by_test_id("withdraw-button")
    ).to_have_count(0)  # accepted work is final
    twice.get_by_label("Why withdraw it?").fill("recorded twice")
    twice.get_by_test_id("withdraw-button").click()
    twice = noor_page.get_by_test_id("contribution").filter(has_text="bean jars")
    expect(twice.get_by_test_id("contribution-status")).to_have_text("withdrawn")
    expect(twice.get_by_test_id("withdraw-button")).to_have_count(0)
    for context in (rosa, noor, sam):
        context.close()


def test_a_bad_advanced_number_is_refused_with_what_to_change(
    site: str, node: Node, chromium: Browser, tmp_path: Path
) -> None:
    rosa, page = person(chromium)
    sign_up(page, site, "Rosa", "rosa@example.org")
    fill_charter(page)
    page.get_by_text("Advanced: the numbers behind the rules").click()
    page.get_by_label("Standing needed to weigh in (validator_minimum)").fill("10")
    page.get_by_test_id("found-button").click()
    expect(page.get_by_test_id("form-error")).to_contain_text(
        "validator_minimum (10) must be above cap_per_contribution (15)"
    )
    expect(page.get_by_label("Standing needed to weigh in (validator_minimum)")).to_have_value("10")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Riverside Seed Library")
    page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
    assert queries.count_commons(node) == 0
    rosa.close()
