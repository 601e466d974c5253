"""Forking a commons on the web, in a real browser: Noor, who never joined Rosa's seed library,
forks it with a reason and a name of her own; she lands on the fork, which says where it came
from, lists Rosa as a member and Noor as its founder; the parent's page lists the fork; and the
fork's journal verifies."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from commonwork.node.node import Node
from commonwork.services import journals
from commonwork.web.app import create_app
from tests.browser.test_first_week import found_with_the_default_preset, person
from tests.browser.test_pages_walkthrough import sign_up
from tests.functional.server import serve_app
from tests.support import builders

pytestmark = pytest.mark.browser


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    builders.advance(node, 0)
    with serve_app(create_app(node)) as base_url:
        yield base_url


def test_anyone_forks_a_commons_from_its_page(node: Node, site: str, chromium: Browser) -> None:
    _, rosa = person(chromium)
    sign_up(rosa, site, "Rosa", "rosa@example.org")
    parent_url = found_with_the_default_preset(rosa)
    expect(rosa.get_by_test_id("forks")).to_contain_text("No fork of this commons")

    _, noor = person(chromium)
    sign_up(noor, site, "Noor", "noor@example.org")
    noor.goto(parent_url)
    noor.get_by_text("Fork this commons").click()
    form = noor.get_by_test_id("fork-form")
    form.get_by_test_id("fork-reason").fill("We want to lend seeds to schools too")
    form.get_by_label("Name of the fork (optional)").fill("Schools' Seed Library")
    form.get_by_test_id("fork-button").click()
    noor.wait_for_url(re.compile(r"/commons/[0-9a-f]{64}$"))
    assert noor.url != parent_url
    expect(noor.get_by_test_id("commons-name")).to_have_text("Schools' Seed Library")
    expect(noor.get_by_test_id("fork-origin")).to_contain_text("lend seeds to schools")
    members = noor.get_by_test_id("members")
    expect(members).to_contain_text("Rosa")
    expect(members).to_contain_text("Noor")
    expect(noor.get_by_test_id("member-badge")).to_be_visible()

    rosa.goto(parent_url)
    expect(rosa.get_by_test_id("fork")).to_contain_text("Schools' Seed Library")
    fork_id = noor.url.rsplit("/", 1)[1]
    report = journals.verify_commons(node, fork_id)
    assert report.ok, report.as_json()
