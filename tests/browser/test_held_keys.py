"""A person holds their own key (issue 9, item 7), in a real browser.

Hana signs up choosing to keep her key in this browser: the browser makes it (WebCrypto
Ed25519), she saves the backup file, and only a non-extractable copy stays in IndexedDB. She founds
a commons, records work and approves Kai's (Kai lets the node keep his key); the node's database
holds no secret of hers and her entries verify. In a second browser she cannot sign until she
imports her backup file on her account page; then she acts again. And for random actions the
browser's canonical JSON and Ed25519 signature equal the node's, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, BrowserContext, Page, expect

from commonwork.journal.actions import ACTION_DOMAIN, build_action
from commonwork.journal.canonical import MAX_SAFE_INTEGER, canon
from commonwork.journal.entries import parse_entry
from commonwork.journal.keys import Keypair, b64url
from commonwork.node.node import Node
from commonwork.node.tables import accounts, custodial_keys
from commonwork.services import journals
from commonwork.web.app import create_app
from tests.browser.test_first_week import record, submit_record
from tests.browser.test_pages_walkthrough import PASSWORD, found_commons, sign_up
from tests.functional.server import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    with serve_app(create_app(node)) as base_url:
        yield base_url


def browser_context(chromium: Browser) -> tuple[BrowserContext, Page]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    return context, context.new_page()


def sign_up_holding_the_key(page: Page, site: str, tmp_path: Path) -> Path:
    """Sign up as Hana choosing "Only in this browser"; the saved backup file."""
    page.goto(f"{site}/signup")
    page.get_by_label("Your name").fill("Hana")
    page.get_by_label("E-mail").fill("hana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("key-held").check()
    with page.expect_download() as download:
        page.get_by_test_id("signup-button").click()
    backup = tmp_path / download.value.suggested_filename
    download.value.save_as(backup)
    expect(page.get_by_test_id("backup-note")).to_contain_text("Keep it safe")
    page.get_by_test_id("backup-saved").check()
    page.get_by_test_id("signup-button").click()
    expect(page.get_by_test_id("nav-account")).to_have_text("Hana")
    return backup


def test_a_person_who_holds_her_key_founds_records_and_validates(
    site: str, node: Node, chromium: Browser, tmp_path: Path
) -> None:
    hana, hana_page = browser_context(chromium)
    backup = sign_up_holding_the_key(hana_page, site, tmp_path)
    seed = backup.read_text().strip()
    did = Keypair.from_secret(seed).did  # the file is the command line's key format
    with node.reading() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.did == did)).mappings().one()
        assert row["key_held_since"] is not None
        assert (
            conn.execute(sa.select(custodial_keys).where(custodial_keys.c.did == did)).first()
            is None
        )

    commons_url = found_commons(hana_page)  # signed in the browser: the node asked, it signed
    record(hana_page, "2", "Sorted the donated chisels")

    kai, kai_page = browser_context(chromium)
    sign_up(kai_page, site, "Kai", "kai@example.org")  # the node keeps Kai's key
    kai_page.goto(commons_url)
    kai_page.get_by_test_id("join-button").click()
    record(kai_page, "3", "Sharpened every plane iron")
    hana_page.reload()
    work = hana_page.get_by_test_id("contribution").filter(has_text="plane iron")
    work.get_by_test_id("approve-button").click()
    expect(work.get_by_test_id("contribution-status")).to_have_text("accepted")

    commons_id = commons_url.rsplit("/", 1)[1]
    lines = b"".join(journals.export_journal(node, commons_id)).splitlines()
    mine = [parse_entry(line) for line in lines if did.encode() in line]
    kinds = sorted(entry.action["type"] for entry in mine if entry.author == did)
    assert kinds == [
        "commons.commons.found",
        "production.contribution.record",
        "production.contribution.validate",
    ]
    report = journals.verify_commons(node, commons_id)
    assert report.ok, report.as_json()
    assert report.extra["projections_match"] is True
    stored = b"".join(
        path.read_bytes() for path in node.settings.data_dir.iterdir() if path.is_file()
    )
    secret = Keypair.from_secret(seed).seed
    assert seed.encode() not in stored  # no secret of hers, anywhere
    assert secret not in stored

    hana_page.goto(f"{site}/me")
    expect(hana_page.get_by_test_id("key-kind")).to_have_attribute("data-kind", "held")
    expect(hana_page.get_by_test_id("key-status")).to_have_text(re.compile("This browser holds"))

    other, other_page = browser_context(chromium)  # a second device: no key yet
    other_page.goto(f"{site}/signin")
    other_page.get_by_label("E-mail").fill("hana@example.org")
    other_page.get_by_label("Password").fill(PASSWORD)
    other_page.get_by_test_id("signin-button").click()
    expect(other_page.get_by_test_id("nav-account")).to_have_text("Hana")
    other_page.goto(commons_url)
    submit_record(other_page, "1", "Oiled the hinges")  # no key here: it cannot be signed
    expect(other_page.get_by_test_id("key-message")).to_contain_text(
        "does not hold your signing key"
    )
    other_page.goto(f"{site}/me")
    expect(other_page.get_by_test_id("key-status")).to_have_text(re.compile("does not hold"))
    other_page.get_by_test_id("backup-file").set_input_files(str(backup))
    other_page.get_by_test_id("import-key-button").click()
    expect(other_page.get_by_test_id("key-status")).to_have_text(re.compile("This browser holds"))
    other_page.goto(commons_url)
    record(other_page, "1", "Oiled the hinges")
    assert journals.verify_commons(node, commons_id).ok
    for context in (hana, kai, other):
        context.close()


def test_a_custodial_account_moves_its_key_into_the_browser(
    site: str, node: Node, chromium: Browser, tmp_path: Path
) -> None:
    lea, page = browser_context(chromium)
    sign_up(page, site, "Lea", "lea@example.org")
    commons_url = found_commons(page)  # signed by the node, for her
    page.goto(f"{site}/me")
    form = page.get_by_test_id("hold-key-form")
    form.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as download:
        page.get_by_test_id("hold-key-button").click()
    backup = tmp_path / "lea.txt"
    download.value.save_as(backup)
    page.get_by_test_id("hold-backup-saved").check()
    page.get_by_test_id("hold-key-button").click()
    expect(page.get_by_test_id("key-kind")).to_have_attribute("data-kind", "held")
    did = Keypair.from_secret(backup.read_text()).did
    with node.reading() as conn:
        assert (
            conn.execute(sa.select(custodial_keys).where(custodial_keys.c.did == did)).first()
            is None
        )
    page.goto(commons_url)
    record(page, "2", "Fixed the lending shelf")  # now signed in the browser
    assert journals.verify_commons(node, commons_url.rsplit("/", 1)[1]).ok
    lea.close()


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def keys_page(chromium: Browser, site: str) -> Iterator[Page]:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(site)
    page.wait_for_function("window.commonworkKeys !== undefined")
    yield page
    context.close()


@settings(
    max_examples=150,
    deadline=None,
    # One browser page serves every example: made once per test, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.dictionaries(KEYS, JSON, max_size=5), seed=st.binary(min_size=32, max_size=32))
def test_the_browser_signs_the_bytes_the_node_signs(
    keys_page: Page, body: dict[str, Any], seed: bytes
) -> None:
    keypair = Keypair(seed)
    action = build_action(type="production.contribution.record", author=keypair.did, body=body)
    made = keys_page.evaluate(
        "async ([seed, action]) => window.commonworkKeys.signWithSeed(seed, action)",
        [b64url(seed), action],
    )
    assert made["did"] == keypair.did
    assert made["canonical"].encode() == canon(action)
    assert made["author_sig"] == b64url(keypair.sign(ACTION_DOMAIN + canon(action)))
