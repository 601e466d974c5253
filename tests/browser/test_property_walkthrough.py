"""Peer property on the web (issue 12, step 7), in a real browser.

Ada, new here, signs up and founds a commons with the defaults, its charter letting authors
choose GPL-3.0-or-later, MIT or the PPL besides its own CC-BY-SA-4.0 (``property.licences``)
and passing a tenth of money received for an artifact upstream. On the Artifacts tab she
creates a seed press (the charter's licence, preselected) and its firmware (GPL), links the
work she recorded to the firmware, chooses the name attribution shows for her, and records
what the firmware was made from: the press (allowed, with the clause) and a frame of another
commons on this node, proved by the evidence its page hands out. The graph draws all three. A
PPL design adapted into an MIT app is refused with the PPL's clause. A week later her work is
accepted and she is the firmware's one contributor, by the name she chose; the SPDX download is
an SPDX 2.3 document and the NOTICE credits her. The reuse section shows the frame on one side
and the firmware on the other commons' side; an income for the firmware says what passed
upstream, edge by edge. The node is served in this process so that the test can move its clock;
a screenshot is left in the test's temporary directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import accounts, acting
from commonwork.web.app import create_app
from tests.browser.test_first_week import person, record
from tests.browser.test_pages_walkthrough import PASSWORD, sign_up
from tests.contract.test_books import income
from tests.functional.server import serve_app
from tests.support import builders
from tests.support.builders import CHARTER

pytestmark = pytest.mark.browser
SHA = {n: f"{n:x}" * 64 for n in range(1, 10)}
PROPERTY = {"licences": ["GPL-3.0-or-later", "MIT", "PPL"], "upstream_bp": 1000}
ARTIFACT_URL = re.compile(r"/commons/[0-9a-f]{64}/artifacts/([0-9a-f]{64})$")


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    """The node served in this process, its clock standing still until the test moves it."""
    builders.advance(node, 0)
    with serve_app(create_app(node)) as base_url:
        yield base_url


def found(node: Node, founder: Keypair, name: str) -> str:
    """A commons with the default preset whose charter names the licences authors may choose."""
    charter = {**CHARTER, "name": name, "licence": "CC-BY-SA-4.0", "property": PROPERTY}
    return acting.found_commons(node, actor=founder, charter=charter, founder_name="Ada").commons_id


def create(page: Page, title: str, kind: str, licence: str | None, sha: str) -> str:
    """Create an artifact with the list page's form; its id, from the page it leads to."""
    page.get_by_test_id("nav-artifacts").click()
    form = page.get_by_test_id("artifact-form")
    if not form.is_visible():  # folded away once there are artifacts to read
        page.get_by_text("Create an artifact").click()
    form.get_by_label("Title").fill(title)
    form.get_by_label("Kind").select_option(kind)
    if licence is not None:
        form.get_by_label("Licence").select_option(licence)
    form.get_by_label("Content sha256").fill(sha)
    form.get_by_label("Where to get it (URL)").fill(f"https://example.org/{kind}/{sha[:8]}")
    form.get_by_label("Size in bytes").fill("2048")
    form.get_by_test_id("artifact-create").click()
    page.wait_for_url(ARTIFACT_URL)
    expect(page.get_by_test_id("artifact-title")).to_have_text(title)
    matched = ARTIFACT_URL.search(page.url)
    assert matched is not None
    return matched.group(1)


def derive_here(page: Page, source_label: str, kind: str) -> None:
    page.get_by_text("Record what it was made from").click()
    form = page.get_by_test_id("derive-form")
    form.get_by_test_id("source-here").check()
    form.get_by_label("Source artifact").select_option(label=source_label)
    form.get_by_label("Kind of derivation").select_option(kind)
    form.get_by_test_id("derive-button").click()


def test_a_newcomer_makes_artifacts_and_records_what_they_were_made_from(
    node: Node, site: str, chromium: Browser, tmp_path: Path
) -> None:
    context, page = person(chromium)
    sign_up(page, site, "Ada", "ada@example.org")
    account, _ = accounts.sign_in(node, email="ada@example.org", password=PASSWORD)
    ada = accounts.custodial_keypair(node, account)
    # Ada founds it on the page, naming the licences authors may choose and the upstream share.
    page.goto(f"{site}/found")
    page.get_by_label("Name", exact=True).fill("Seed Library")
    page.get_by_label("Purpose").fill("Keep open-pollinated seeds in common")
    page.get_by_label("Licence", exact=True).fill("CC-BY-SA-4.0")
    page.get_by_label("Authors may also choose").fill("GPL-3.0-or-later\nMIT\nPPL")
    page.get_by_label("Share passed upstream").fill("10")
    page.get_by_test_id("found-button").click()
    page.wait_for_url(re.compile(r"/commons/[0-9a-f]{64}$"))
    commons = page.url.rsplit("/", 1)[1]
    maker = Keypair.generate()
    upstream = found(node, maker, "Upstream designs")
    frame = acting.act(
        node, actor=maker, commons_id=upstream, action_type="property.artifact.create",
        body={"title": "Press frame", "kind": "design", "licence": "CC-BY-SA-4.0",
              "version": {"sha256": SHA[9]}},
    ).entry.id  # fmt: skip
    base = f"{site}/commons/{commons}"

    # the Artifacts tab: empty, its form offers the charter's licences, its own first
    page.goto(base)
    page.get_by_test_id("nav-artifacts").click()
    expect(page.get_by_test_id("no-artifacts")).to_be_visible()
    licence = page.get_by_test_id("artifact-form").get_by_label("Licence")
    expect(licence).to_have_value("CC-BY-SA-4.0")
    expect(licence.locator("option")).to_have_text(
        ["CC-BY-SA-4.0 (the charter's)", "GPL-3.0-or-later", "MIT", "PPL"]
    )
    press = create(page, "Seed press", "design", None, SHA[1])
    firmware = create(page, "Press firmware", "code", "GPL-3.0-or-later", SHA[2])
    page.get_by_test_id("nav-artifacts").click()
    listed = page.get_by_test_id("artifact")
    expect(listed).to_have_count(2)
    expect(listed.first.get_by_test_id("artifact-link")).to_have_text("Press firmware")
    expect(listed.first.get_by_test_id("licence")).to_have_attribute(
        "title", "GNU General Public License v3.0 or later"
    )
    expect(listed.nth(1).get_by_test_id("licence")).to_have_text("CC-BY-SA-4.0")

    # her work, linked to the firmware; the name attribution shows for her
    page.goto(base)
    record(page, "5", "Wrote the press firmware")
    work = page.get_by_test_id("contribution").filter(has_text="press firmware")
    contribution = str(work.get_attribute("id")).removeprefix("c-")
    page.goto(f"{base}/artifacts/{firmware}")
    page.get_by_text("Link work to it").click()
    page.get_by_label("Contributions").fill(contribution)
    page.get_by_test_id("link-button").click()
    expect(page.get_by_test_id("no-contributors")).to_contain_text("1 contribution linked")
    expect(page.get_by_test_id("licensors")).to_contain_text("Ada")
    names = page.get_by_test_id("name-form")
    names.get_by_label("Name attribution shows for you in this commons").fill("Ada Lovelace-Smith")
    names.get_by_test_id("name-button").click()
    expect(page.get_by_test_id("attribution-shown")).to_have_text("Ada Lovelace-Smith")
    expect(page.get_by_test_id("artifact-creator")).to_have_text("Ada Lovelace-Smith")

    # what it was made from: the press (allowed, with the clause) and a frame proved elsewhere
    derive_here(page, "Seed press (CC-BY-SA-4.0)", "adaptation")
    made_from = page.get_by_test_id("derivation-in")
    expect(made_from).to_have_count(1)
    expect(made_from.get_by_test_id("derivation-source")).to_have_text("Seed press")
    expect(made_from.get_by_test_id("derivation-status")).to_have_text("allowed")
    expect(made_from.get_by_test_id("derivation-clauses")).to_contain_text("§3(b)(1)")
    evidence = page.request.get(f"{site}/api/v1/commons/{upstream}/artifacts/{frame}/evidence")
    assert evidence.ok, evidence.text()
    page.get_by_text("Record what it was made from").click()
    form = page.get_by_test_id("derive-form")
    form.get_by_test_id("source-elsewhere").check()
    form.get_by_label("Its commons' id").fill(upstream)
    form.get_by_label("The artifact's id").fill(frame)
    form.get_by_label("Evidence").fill(evidence.text())
    form.get_by_label("Kind of derivation").select_option("use")
    form.get_by_test_id("derive-button").click()
    expect(made_from).to_have_count(2)
    proved = made_from.filter(has_text="Press frame")
    expect(proved.get_by_test_id("derivation-evidence")).to_have_attribute(
        "data-evidence", "proved"
    )
    graph = page.get_by_test_id("derivation-graph")
    expect(graph).to_be_visible()
    expect(graph.get_by_test_id("graph-node")).to_have_count(3)
    expect(graph.get_by_test_id("graph-edge")).to_have_count(2)
    for label in ("Press firmware", "Seed press", "Press frame", "GPL-3.0-or-later"):
        expect(graph.locator("text", has_text=label)).to_have_count(1)
    expect(graph.locator("desc")).to_contain_text("Press firmware was made from Seed press")
    expect(page.get_by_test_id("graph-row")).to_have_count(2)
    page.goto(f"{base}/artifacts/{press}")
    expect(page.get_by_test_id("derivation-out").get_by_test_id("derivation-derived")).to_have_text(
        "Press firmware"
    )

    # a PPL design adapted into an MIT app: refused, the clause in the error
    create(page, "Cleaner design", "design", "PPL", SHA[3])
    create(page, "Cleaner app", "code", "MIT", SHA[4])
    derive_here(page, "Cleaner design (PPL)", "adaptation")
    refusal = page.get_by_test_id("derive-form").get_by_test_id("form-error")
    expect(refusal).to_contain_text("PPL §4(a)")
    expect(refusal).to_contain_text("Licences it could take instead: PPL")
    expect(page.get_by_test_id("no-derivations-in")).to_be_visible()

    # a week later her work is accepted without a dispute: she is the firmware's contributor
    builders.advance(node, 8)
    page.goto(f"{base}/artifacts/{firmware}")
    page.get_by_text("Record a new version").click()
    page.get_by_test_id("version-form").get_by_label("Content sha256").fill(SHA[5])
    page.get_by_test_id("version-button").click()  # the first entry of a later day settles
    expect(page.get_by_test_id("version")).to_have_count(2)
    contributor = page.get_by_test_id("contributor")
    expect(contributor).to_have_count(1)
    expect(contributor.get_by_test_id("contributor-name")).to_have_text("Ada Lovelace-Smith")
    expect(contributor.get_by_test_id("contributor-percent")).to_have_text("100.00%")
    page.screenshot(path=str(tmp_path / "artifact.png"), full_page=True)

    # the attribution downloads
    spdx = page.request.get(site + str(page.get_by_test_id("download-spdx").get_attribute("href")))
    assert spdx.ok, spdx.text()
    assert json.loads(spdx.text())["spdxVersion"] == "SPDX-2.3"
    notice = page.request.get(
        site + str(page.get_by_test_id("download-notice").get_attribute("href"))
    )
    assert "Ada Lovelace-Smith" in notice.text()

    # the reuse section, both sides
    page.goto(base)
    page.get_by_test_id("reuse-panel").get_by_test_id("reuse-link").click()
    expect(page.get_by_test_id("reuse-title")).to_have_text("What we reuse, who reuses us")
    ours = page.get_by_test_id("we-reuse").get_by_test_id("reuse-item")
    expect(ours).to_have_count(1)
    expect(ours.get_by_test_id("reuse-source")).to_have_text("Press frame")
    expect(page.get_by_test_id("no-reuses-us")).to_be_visible()
    page.goto(f"{site}/commons/{upstream}/reuse")
    theirs = page.get_by_test_id("reuses-us").get_by_test_id("reuse-item")
    expect(theirs.get_by_test_id("reuse-derived")).to_have_text("Press firmware")

    # money received for the firmware: what passed upstream, edge by edge
    sale = income("sale-1", 10_000, source="sale", artifact=firmware)
    txn = acting.act(
        node, actor=ada, commons_id=commons, action_type="economy.income.record", body=sale
    ).entry.id
    page.goto(f"{base}/books/transactions/{txn}")
    page.get_by_test_id("upstream-link").click()
    page.wait_for_url(re.compile(rf"/txns/{txn}/upstream$"))
    expect(page.get_by_test_id("upstream-received")).to_have_text("100.00 EUR")
    expect(page.get_by_test_id("upstream-flow")).to_have_count(2)
    expect(
        page.locator(f'[data-testid="upstream-share"][data-commons="{upstream}"]')
    ).to_contain_text("5.00 EUR")

    # an artifact nobody made: a page that says so
    missing = page.goto(f"{base}/artifacts/{'0' * 64}")
    assert missing is not None
    assert missing.status == 404
    expect(page.locator("main")).to_contain_text("there is no artifact")
    context.close()
