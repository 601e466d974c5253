"""The standing pages in a real browser: the table with the Lorenz curve, figures as of a later
day, a member's page with standing over time and "why this number", and the preview of a value
policy with one weight changed. The commons (with policies) is founded and worked in through
client-signed actions over HTTP. Screenshots of every page are left in the test's temporary
directory for a person to look at."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from commonwork.journal.keys import Keypair
from tests.contract.test_standing import charter
from tests.functional.test_api import signed_json

pytestmark = pytest.mark.browser
RECORD, VALIDATE = "production.contribution.record", "production.contribution.validate"
LATER_DAYS = 45  # within the 60 days a series shows one by one


def act(api: httpx.Client, commons: str, person: Keypair, type_: str, body: Any) -> str:
    item = signed_json(person, type_, body, commons)
    response = api.post(f"/api/v1/commons/{commons}/actions", json=item)
    assert response.status_code == 201, response.text
    return str(response.json()["items"][0]["id"])


def work(api: httpx.Client, commons: str, person: Keypair, hours: str, what: str) -> str:
    body = {"kind": "work", "quantity": hours, "description": what, "skill": "seed-saving"}
    return act(api, commons, person, RECORD, body)


def community(base_url: str) -> tuple[str, dict[str, Keypair]]:
    """Ada founds a seed library with policies (standing 100) and approves the work of Ben and
    Cy; her own work is accepted lazily once its challenge window has passed."""
    people = {name: Keypair.generate() for name in ("ada", "ben", "cy")}
    with httpx.Client(base_url=base_url, timeout=30) as api:
        host = api.get("/api/v1/node").json()["host"]  # the node the founding is addressed to
        body = {"charter": charter(people["ada"]), "founder_name": "Ada", "host": host}
        found = signed_json(people["ada"], "commons.commons.found", body)
        response = api.post("/api/v1/commons", json=found)
        assert response.status_code == 201, response.text
        commons = str(response.json()["items"][0]["commons"])
        for name in ("ben", "cy"):
            act(api, commons, people[name], "commons.member.join", {"name": name.title()})
        for name, hours in (("ben", "5"), ("cy", "2")):
            done = work(api, commons, people[name], hours, "Cleaned and packed bean seeds")
            approval = {"contribution": done, "verdict": "approve"}
            act(api, commons, people["ada"], VALIDATE, approval)
        work(api, commons, people["ada"], "3", "Catalogued the tomato varieties")
    return commons, people


def figures(base_url: str, commons: str) -> tuple[str, int]:
    """The digest of the figures as of a fixed time (it covers the as-of time), and the head."""
    as_of = {"as_of": "2030-01-01T00:00:00.000Z"}
    api = f"{base_url}/api/v1/commons/{commons}"
    standing = httpx.get(f"{api}/standing", params=as_of, timeout=30).json()
    return str(standing["digest"]), int(httpx.get(api, timeout=30).json()["head_seq"])


def standing_table(page: Page, base_url: str, commons: str, shots: Path) -> None:
    page.goto(f"{base_url}/commons/{commons}")
    page.get_by_test_id("nav-standing").click()
    page.wait_for_url(f"{base_url}/commons/{commons}/standing")
    rows = page.get_by_test_id("standing-row")
    expect(rows).to_have_count(3)
    expect(rows.get_by_test_id("value-points")).to_have_text(["0", "10", "4"])  # Ada's is pending
    expect(page.get_by_test_id("lorenz-chart")).to_be_visible()
    expect(page.get_by_test_id("gini")).to_have_text(re.compile(r"^0\.\d{4}$"))
    page.screenshot(path=str(shots / "standing.png"), full_page=True)


def later(page: Page, shots: Path) -> str:
    """The figures as of a later day: Ada's own work has been accepted lazily by then."""
    day = (datetime.now(UTC).date() + timedelta(days=LATER_DAYS)).isoformat()
    page.get_by_label("As of the end of").fill(day)
    page.get_by_test_id("as-of-form").get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"as_of={day}$"))
    rows = page.get_by_test_id("standing-row")
    expect(rows.get_by_test_id("value-points")).to_have_text(["6", "10", "4"])
    page.screenshot(path=str(shots / "standing-later.png"), full_page=True)
    return day


def member(page: Page, day: str, shots: Path) -> None:
    page.get_by_test_id("member-link").first.click()
    page.wait_for_url(re.compile(rf"/members/did:key:z6Mk\w+\?as_of={day}$"))
    expect(page.get_by_test_id("member-name")).to_have_text("Ada")
    chart = page.get_by_test_id("standing-chart")
    expect(chart).to_be_visible()
    assert chart.locator("path.chart-line").get_attribute("data-points") == str(LATER_DAYS + 1)
    terms = page.get_by_test_id("why-term")
    expect(terms).to_have_count(2)
    expect(terms.first).to_have_attribute("data-kind", "seed")
    expect(page.get_by_test_id("why-total")).to_have_text(
        page.get_by_test_id("member-standing").inner_text()
    )
    page.screenshot(path=str(shots / "member.png"), full_page=True)
    page.set_viewport_size({"width": 380, "height": 800})
    page.screenshot(path=str(shots / "member-narrow.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})


def preview(page: Page, shots: Path) -> None:
    page.get_by_test_id("nav-standing").click()
    page.get_by_test_id("preview-link").click()
    policy = page.get_by_label("The policy, as JSON")
    typed = policy.input_value()
    assert '"work": "2"' in typed
    policy.fill(typed.replace('"work": "2"', '"work": "3"').replace('"version": 1', '"version": 2'))
    page.get_by_test_id("preview-button").click()
    rows = page.get_by_test_id("preview-row")
    expect(rows).to_have_count(3)
    ben = rows.filter(has_text="Ben")
    expect(ben.get_by_test_id("live-points")).to_have_text("10")
    expect(ben.get_by_test_id("candidate-points")).to_have_text("15")
    expect(ben.get_by_test_id("points-change")).to_have_text("+5")
    expect(page.get_by_test_id("untouched-note")).to_be_visible()
    page.screenshot(path=str(shots / "preview.png"), full_page=True)
    policy = page.get_by_label("The policy, as JSON")
    policy.fill(policy.input_value().replace('"3"', '"3",', 1))
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("not valid JSON")
    expect(page.get_by_label("The policy, as JSON")).to_have_value(re.compile(r'"work": "3",'))
    page.screenshot(path=str(shots / "preview-error.png"), full_page=True)


def test_standing_a_member_and_a_preview(
    served_node: str, chromium: Browser, tmp_path: Path
) -> None:
    commons, _ = community(served_node)
    before = figures(served_node, commons)
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()

    standing_table(page, served_node, commons, tmp_path)
    day = later(page, tmp_path)
    member(page, day, tmp_path)
    preview(page, tmp_path)

    assert figures(served_node, commons) == before  # the preview wrote nothing
    context.close()
