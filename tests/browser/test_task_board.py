"""The task board in a real browser: one person posts a task, another claims it (their name shows
among the claimants), withdraws the claim and records work for the task, which the commons page
then shows linked. Screenshots of the board (wide and narrow), the task and the commons page are
left in the test's temporary directory for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_pages_walkthrough import found_commons, sign_up

pytestmark = pytest.mark.browser


def post_task(page: Page, commons_url: str) -> None:
    page.goto(commons_url)
    expect(page.get_by_test_id("tasks-link")).to_have_text("Tasks (0 open)")
    page.get_by_test_id("tasks-link").click()
    page.wait_for_url(f"{commons_url}/tasks")
    form = page.get_by_test_id("post-task-form")
    expect(form).to_be_visible()  # open while there is no open task
    form.get_by_label("Title").fill("Sharpen the hedge shears")
    form.get_by_label("What needs doing?").fill("Both pairs are blunt; they need a whetstone")
    form.get_by_label("Skills").fill("Sharpening, tool care")
    form.get_by_label("Estimate (hours)").fill("1.5")
    form.get_by_test_id("post-task-button").click()
    task = page.get_by_test_id("task")
    expect(task).to_have_count(1)
    expect(task).to_have_attribute("data-status", "open")
    expect(task.get_by_test_id("task-skills")).to_have_text(re.compile(r"sharpening\s*tool-care"))
    expect(task.get_by_test_id("claimants")).to_have_text("Nobody has claimed it yet.")


def claim_and_unclaim(page: Page, commons_url: str, shots: Path) -> None:
    page.goto(commons_url)
    page.get_by_test_id("join-button").click()
    expect(page.get_by_test_id("member-badge")).to_be_visible()
    expect(page.get_by_test_id("tasks-link")).to_have_text("Tasks (1 open)")
    page.get_by_test_id("tasks-link").click()
    task = page.get_by_test_id("task")
    expect(task.get_by_test_id("unclaim-button")).to_have_count(0)
    task.get_by_test_id("claim-button").click()
    claimants = page.get_by_test_id("task").get_by_test_id("claimants")
    expect(claimants).to_have_attribute("data-count", "1")
    expect(claimants.get_by_test_id("claimant")).to_have_text(["Bob"])
    expect(page.get_by_test_id("task").get_by_test_id("claim-button")).to_have_count(0)
    page.screenshot(path=str(shots / "board-claimed.png"), full_page=True)
    page.set_viewport_size({"width": 380, "height": 800})
    page.screenshot(path=str(shots / "board-narrow.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})

    page.get_by_test_id("task").get_by_test_id("unclaim-button").click()
    expect(page.get_by_test_id("task").get_by_test_id("claimants")).to_have_attribute(
        "data-count", "0"
    )
    expect(page.get_by_test_id("task").get_by_test_id("claim-button")).to_be_visible()
    page.get_by_test_id("task").get_by_test_id("task-link").click()
    expect(page.get_by_test_id("claim")).to_have_attribute("data-state", "withdrawn")
    page.screenshot(path=str(shots / "task.png"), full_page=True)


def record_for_the_task(page: Page, commons_url: str, shots: Path) -> None:
    form = page.get_by_test_id("contribute-form")
    form.get_by_label("Quantity").fill("1")
    form.get_by_label("What did you contribute?").fill("Sharpened one pair")
    form.get_by_test_id("contribute-button").click()
    expect(page.get_by_test_id("contribution")).to_contain_text("Sharpened one pair")
    page.get_by_test_id("nav-contributions").click()
    page.wait_for_url(commons_url)
    linked = page.get_by_test_id("contribution").get_by_test_id("contribution-task")
    expect(linked).to_have_text(re.compile(r"For task\s+Sharpen the hedge shears"))
    page.screenshot(path=str(shots / "commons.png"), full_page=True)


def test_post_a_task_claim_it_and_unclaim_it(
    served_node: str, chromium: Browser, tmp_path: Path
) -> None:
    shots = tmp_path
    ann = chromium.new_context(viewport={"width": 1200, "height": 900})
    bob = chromium.new_context(viewport={"width": 1200, "height": 900})
    ann_page, bob_page = ann.new_page(), bob.new_page()

    sign_up(ann_page, served_node, "Ann", "ann@example.org")
    commons_url = found_commons(ann_page)
    post_task(ann_page, commons_url)
    sign_up(bob_page, served_node, "Bob", "bob@example.org")
    claim_and_unclaim(bob_page, commons_url, shots)
    record_for_the_task(bob_page, commons_url, shots)

    ann_page.reload()
    task = ann_page.get_by_test_id("task")
    expect(task.get_by_test_id("claimants")).to_have_text("Nobody has claimed it yet.")
    expect(task.get_by_test_id("unclaim-button")).to_have_count(0)
    ann.close()
    bob.close()


def test_the_poster_withdraws_a_task_nobody_works_on_with_its_declared_button(
    served_node: str, chromium: Browser, tmp_path: Path
) -> None:
    """The "Withdraw this task" button comes from production.task.withdraw's declaration and
    shows only when the rule allows it: not while someone holds a claim, not to others."""
    ann = chromium.new_context(viewport={"width": 1200, "height": 900})
    bob = chromium.new_context(viewport={"width": 1200, "height": 900})
    ann_page, bob_page = ann.new_page(), bob.new_page()
    sign_up(ann_page, served_node, "Ann", "ann@example.org")
    commons_url = found_commons(ann_page)
    post_task(ann_page, commons_url)
    ann_page.get_by_test_id("task").get_by_test_id("task-link").click()
    task_url = ann_page.url
    expect(ann_page.get_by_test_id("door-withdraw")).to_be_visible()

    sign_up(bob_page, served_node, "Bob", "bob@example.org")
    bob_page.goto(commons_url)
    bob_page.get_by_test_id("join-button").click()
    bob_page.goto(task_url)
    expect(bob_page.get_by_test_id("door-withdraw")).to_have_count(0)  # not his task
    bob_page.get_by_test_id("claim-button").click()
    ann_page.reload()
    expect(ann_page.get_by_test_id("door-withdraw")).to_have_count(0)  # Bob holds a claim
    bob_page.goto(task_url)
    bob_page.get_by_test_id("unclaim-button").click()

    ann_page.reload()
    ann_page.get_by_test_id("door-withdraw-reason").fill("We bought new shears")
    ann_page.get_by_test_id("door-withdraw").click()
    ann_page.wait_for_url(task_url)
    expect(ann_page.get_by_test_id("task-status")).to_have_text("withdrawn")
    expect(ann_page.get_by_test_id("door-withdraw")).to_have_count(0)
    ann_page.screenshot(path=str(tmp_path / "task-withdrawn.png"), full_page=True)
    ann.close()
    bob.close()
