"""Changing the charter on the web, by consent (issue 10), in a real browser.

Rosa founds a seed library and proposes to amend its purpose; the charter's meta-rule decides
it by consent over 7 days. Noor objects, with a reason; Rosa amends the proposal into a new
version, which starts a new round; Noor consents to it, withdrawing her objection. At the
deadline the proposal passes, its change governs from the next day, and the commons page shows
the new purpose. The node is served in this process so that the test can move its clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from commonwork.node.node import Node
from commonwork.web.app import create_app
from tests.browser.test_first_week import found_with_the_default_preset, join, person, record
from tests.browser.test_pages_walkthrough import sign_up
from tests.functional.server import serve_app
from tests.support import builders

pytestmark = pytest.mark.browser
NEW_PURPOSE = "Keep open-pollinated seed varieties in common, and teach others to save them"


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    builders.advance(node, 0)  # the clock stands still until the test moves it
    with serve_app(create_app(node)) as base_url:
        yield base_url


def take_stance(page: Page, position: str, reason: str = "") -> None:
    form = page.get_by_test_id("stance-form")
    form.get_by_test_id(f"position-{position}").check()
    if reason:
        form.get_by_test_id("stance-reason").fill(reason)
    form.get_by_test_id("stance-button").click()


def test_a_charter_amendment_by_consent_with_an_objection_answered(
    node: Node, site: str, chromium: Browser
) -> None:
    _, rosa = person(chromium)
    sign_up(rosa, site, "Rosa", "rosa@example.org")
    commons_url = found_with_the_default_preset(rosa)
    _, noor = person(chromium)
    sign_up(noor, site, "Noor", "noor@example.org")
    join(noor, commons_url)

    rosa.goto(commons_url)
    rosa.get_by_test_id("nav-proposals").click()
    rosa.get_by_text("Make a proposal").click()
    form = rosa.get_by_test_id("propose-form")
    form.get_by_label("Title").fill("Say that we teach")
    form.get_by_label("What do you propose, and why?").fill("Teaching is half of what we do.")
    form.get_by_test_id("method").select_option("consent")
    form.get_by_test_id("effect").select_option("amend_charter")
    form.get_by_label("Charter changes (when amending)").fill(
        '{"purpose": "Keep open-pollinated seed varieties in common"}'
    )
    form.get_by_test_id("propose-button").click()
    rosa.wait_for_url(re.compile(r"/proposals/[0-9a-f]{64}$"))
    proposal_url = rosa.url
    expect(rosa.get_by_test_id("proposal-phase")).to_have_text("discussion")
    expect(rosa.get_by_test_id("charter-diff")).to_contain_text("purpose")

    builders.advance(node, 1.1)  # the 24 hours of discussion are over: voting is open
    noor.goto(proposal_url)
    expect(noor.get_by_test_id("proposal-phase")).to_have_text("voting")
    take_stance(noor, "object")  # an objection without a reason is refused, with the rule's words
    expect(noor.get_by_test_id("page-error")).to_contain_text("must carry a reason")
    take_stance(noor, "object", "It should say that we teach seed saving.")
    expect(noor.get_by_test_id("objections")).to_contain_text("teach seed saving")

    rosa.goto(proposal_url)
    amend = rosa.get_by_test_id("amend-form")
    amend.get_by_label("Charter changes").fill(f'{{"purpose": "{NEW_PURPOSE}"}}')
    amend.get_by_test_id("amend-button").click()
    expect(rosa.get_by_test_id("proposal-title")).to_have_text("Say that we teach")
    expect(rosa.get_by_test_id("diff-after")).to_have_text(NEW_PURPOSE)
    expect(rosa.get_by_text("version 2, round 2")).to_be_visible()

    noor.goto(proposal_url)
    take_stance(noor, "consent")  # her objection was to version 1: withdrawn by consenting
    expect(noor.get_by_test_id("outcome-status")).to_have_text("would pass")  # the live tally

    builders.advance(node, 7.1)  # past the 7 days of the new round
    rosa.goto(proposal_url)
    expect(rosa.get_by_test_id("proposal-phase")).to_have_text("closing")
    rosa.get_by_test_id("close-button").click()
    expect(rosa.get_by_test_id("proposal-phase")).to_have_text("passed")
    expect(rosa.get_by_test_id("effective-on")).to_be_visible()

    builders.advance(node, 2)  # the next day's first entry puts the new charter in force
    rosa.goto(commons_url)
    record(rosa, "2", "Sorted the bean jars")
    rosa.goto(commons_url)
    expect(rosa.get_by_text(NEW_PURPOSE)).to_be_visible()
