"""Two people in a real browser: one founds a commons, the other joins and contributes, the first
validates; the commons page shows the contribution accepted and the journal explorer re-verifies
the whole journal at the press of a button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def sign_up(page: Page, base_url: str, name: str, email: str) -> None:
    page.goto(f"{base_url}/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("signup-button").click()
    expect(page.get_by_test_id("nav-account")).to_have_text(name)


def found_commons(page: Page) -> str:
    page.get_by_test_id("found-link").click()
    page.get_by_label("Name", exact=True).fill("Tool Library")
    page.get_by_label("Purpose").fill("Lend tools to neighbours instead of everyone buying them")
    page.get_by_label("Aims").fill("Catalogue every tool\nRepair before replacing")
    page.get_by_label("Metrics").fill("loans: tools lent per month")
    page.get_by_label("Licence").fill("CC-BY-SA-4.0")
    page.get_by_test_id("found-button").click()
    page.wait_for_url(re.compile(r"/commons/[0-9a-f]{64}$"))
    expect(page.get_by_test_id("commons-name")).to_have_text("Tool Library")
    return page.url


def join_and_contribute(page: Page, commons_url: str) -> None:
    page.goto(commons_url)
    page.get_by_test_id("join-button").click()
    expect(page.get_by_test_id("member-badge")).to_be_visible()
    form = page.get_by_test_id("contribute-form")
    expect(form.get_by_label("Currency (money only)")).to_be_hidden()
    form.get_by_label("Kind").select_option("work")
    form.get_by_label("Quantity").fill("3.5")
    form.get_by_label("What did you contribute?").fill("Sharpened and oiled all the saws")
    form.get_by_test_id("contribute-button").click()
    contribution = page.get_by_test_id("contribution")
    expect(contribution).to_have_attribute("data-status", "pending")
    expect(contribution.get_by_test_id("approve-button")).to_have_count(0)


def approve(page: Page, commons_url: str) -> None:
    page.goto(commons_url)
    contribution = page.get_by_test_id("contribution")
    expect(contribution).to_contain_text("Sharpened and oiled all the saws")
    contribution.get_by_label("Reason").fill("saw them shine")
    contribution.get_by_test_id("approve-button").click()
    expect(contribution.get_by_test_id("contribution-status")).to_have_text("accepted")
    expect(contribution.get_by_test_id("approve-button")).to_have_count(0)
    expect(contribution.get_by_test_id("validation")).to_contain_text("saw them shine")


def test_found_join_contribute_validate_and_verify(
    served_node: str, chromium: Browser, tmp_path: Path
) -> None:
    ann = chromium.new_context(viewport={"width": 1200, "height": 900})
    bob = chromium.new_context(viewport={"width": 1200, "height": 900})
    ann_page, bob_page = ann.new_page(), bob.new_page()

    sign_up(ann_page, served_node, "Ann", "ann@example.org")
    commons_url = found_commons(ann_page)
    sign_up(bob_page, served_node, "Bob", "bob@example.org")
    join_and_contribute(bob_page, commons_url)
    approve(ann_page, commons_url)

    bob_page.reload()
    expect(bob_page.get_by_test_id("contribution")).to_have_attribute("data-status", "accepted")
    expect(bob_page.get_by_test_id("head-seq")).to_have_text("entry 3")
    bob_page.screenshot(path=str(tmp_path / "commons.png"), full_page=True)

    bob_page.get_by_test_id("nav-inbox").click()  # Ann's approval told Bob
    bob_page.wait_for_url(f"{served_node}/me/inbox")
    told = bob_page.get_by_test_id("inbox-item")
    expect(told).to_have_count(1)
    expect(told).to_have_attribute("data-kind", "production.contribution.approve")
    expect(told).to_contain_text("Ann approved your contribution")
    told.get_by_role("link", name="Ann approved your contribution").click()
    bob_page.wait_for_url(f"{commons_url}#c-*")
    bob_page.goto(commons_url)

    bob_page.get_by_test_id("head-seq").click()
    bob_page.wait_for_url(f"{commons_url}/journal")
    status = bob_page.get_by_test_id("verify-status")
    expect(status).to_have_attribute("data-ok", "none")
    expect(status).to_contain_text("Every entry up to seq 3 was checked")
    bob_page.get_by_test_id("reverify-button").click()
    expect(status).to_have_attribute("data-ok", "true")
    expect(status).to_contain_text("Re-verified: 4 entries up to seq 3")
    expect(status).to_contain_text("every signature, link and rule checked")
    entries = bob_page.get_by_test_id("journal-entry")
    expect(entries).to_have_count(4)
    types = [entries.nth(i).get_attribute("data-type") for i in range(4)]
    assert types == [
        "commons.commons.found",
        "commons.member.join",
        "production.contribution.record",
        "production.contribution.validate",
    ]
    entries.nth(2).get_by_text("Full entry (JSON)").click()
    expect(entries.nth(2).get_by_test_id("entry-json")).to_contain_text("Sharpened and oiled")
    bob_page.screenshot(path=str(tmp_path / "journal.png"), full_page=True)
    ann.close()
    bob.close()
