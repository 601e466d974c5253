"""The doors of a case about a derivation (issue 12: a derivation that needs review is resolved
by an arbitration case), over real HTTP and on the command line: the queue and the case's page
show the derived artifact (linked), the source and their licences and the licence table's notes
instead of work; a panel member's form offers allow or refuse only; the panel's majority refuses
it at once; the API's JSON carries ``derivation`` and no ``work``; ``commonwork case list | show``
say what the case is about. Contribution cases keep their doors (test_arbitration_doors.py).

Five founders seeded with standing 200 (arbitrating takes 150); Ada creates a label set under her
own ``LicenseRef-`` and a manual that adapts it, which the licence table cannot decide: the
derivation's entry opens a case whose panel is three of Ben, Cy, Dee and Eve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import accounts, arbitration_read
from commonwork.web.auth import SESSION_COOKIE
from tests.contract.test_standing import charter
from tests.functional.server import HTML
from tests.support import builders
from tests.support.cli import Cli

NAMES = ("ada", "ben", "cy", "dee", "eve")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
LABELS = "LicenseRef-Seedkeepers-1.0"


@dataclass
class InReview:
    node: Node
    site: str
    commons: str
    derived: str
    case: str
    people: dict[str, accounts.Account]
    panel: list[str]

    @property
    def page(self) -> str:
        return f"/commons/{self.commons}/cases/{self.case}"

    def browser(self, name: str) -> httpx.Client:
        client = httpx.Client(base_url=self.site, headers=HTML, timeout=30)
        client.cookies.set(SESSION_COOKIE, accounts.open_session(self.node, self.people[name]))
        return client


@pytest.fixture
def in_review(node: Node, site: str) -> InReview:
    builders.advance(node, 0)
    people = {
        name: accounts.sign_up(
            node, email=f"{name}@example.org", password="a long passphrase", display_name=name
        )
        for name in NAMES
    }
    keys = {name: accounts.custodial_keypair(node, account) for name, account in people.items()}
    founded = charter(keys["ada"])
    seeds = [{"member": keys[name].did, "standing": 200} for name in NAMES]
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeds}
    founded["property"] = {"licences": ["GPL-3.0-or-later", LABELS]}
    commons = builders.found(node, keys["ada"], founded)
    for name in NAMES[1:]:
        builders.join(node, commons, keys[name], name.title())

    def create(title: str, licence: str, sha: str) -> str:
        body = {"title": title, "kind": "design", "licence": licence, "version": {"sha256": sha}}
        signed = builders.signed(keys["ada"], "property.artifact.create", body, commons)
        return append_actions(node, commons, [signed])[0].entry.id

    labels = create("Label set", LABELS, "1" * 64)
    manual = create("Seed manual", "GPL-3.0-or-later", "2" * 64)
    record = {"derived": manual, "kind": "adaptation", "source": {"artifact": labels}}
    signed = builders.signed(keys["ada"], "property.derivation.record", record, commons)
    case = append_actions(node, commons, [signed])[0].entry.id
    by_did = {key.did: name for name, key in keys.items()}
    detail = arbitration_read.case_detail(node, commons, case)
    panel = [by_did[seat.member] for seat in detail.case.panel]
    return InReview(node, site, commons, manual, case, people, panel)


def rule_on_page(client: httpx.Client, path: str, **form: str) -> httpx.Response:
    page = client.get(path)
    match = CSRF.search(page.text)
    assert match is not None, page.text
    return client.post(f"{path}/rule", data={**form, "csrf": match.group(1)})


def test_a_derivation_case_shows_its_subject_and_is_refused_by_the_panel(
    in_review: InReview,
) -> None:
    assert len(in_review.panel) == 3
    assert "ada" not in in_review.panel  # the derived artifact's creator, and its recorder
    with httpx.Client(base_url=in_review.site, headers=HTML) as anyone:
        queue = anyone.get(f"/commons/{in_review.commons}/cases")
        page = anyone.get(in_review.page)
    assert queue.status_code == page.status_code == 200
    waiting = queue.text.split('data-testid="decided-cases"')[0]
    assert f'data-case="{in_review.case}"' in waiting
    assert 'data-kind="derivation"' in waiting
    assert "Seed manual" in waiting
    assert "Label set" in waiting
    assert "Arbitration of a derivation: Seed manual" in page.text
    assert f'href="/commons/{in_review.commons}/artifacts/{in_review.derived}"' in page.text
    assert LABELS in page.text
    assert "GPL-3.0-or-later" in page.text
    assert 'data-testid="case-notes"' in page.text
    assert 'data-status="needs_review"' in page.text
    first, second = (in_review.browser(name) for name in in_review.panel[:2])
    try:
        form = first.get(in_review.page).text
        assert 'data-testid="rule-verdict-accept"' in form
        assert 'data-testid="rule-verdict-reject"' in form
        assert 'data-testid="rule-verdict-adjust"' not in form  # not a verdict on a derivation
        adjust = rule_on_page(
            first, in_review.page, verdict="adjust", quantity="3", reason="Half of it"
        )
        assert adjust.status_code == 422
        for client in (first, second):
            ruled = rule_on_page(
                client, in_review.page, verdict="reject", reason="Its licence forbids it"
            )
            assert ruled.status_code == 303, ruled.text
        decided = first.get(in_review.page).text
    finally:
        first.close()
        second.close()
    assert 'data-testid="case-status" data-status="decided"' in decided
    assert "refuse the derivation" in decided
    assert "It took effect at once: the derivation is refused." in decided
    with httpx.Client(base_url=in_review.site) as api:
        listed = api.get(f"/api/v1/commons/{in_review.commons}/cases").json()
        [item] = listed["items"]
        assert (item["subject_kind"], item["subject"]) == ("derivation", in_review.case)
        assert "work" not in item
        assert item["derivation"]["derived_title"] == "Seed manual"
        assert item["derivation"]["status"] == "refused"
        detail = api.get(f"/api/v1/commons/{in_review.commons}/cases/{in_review.case}").json()
        assert detail["verdicts"] == ["accept", "reject"]
        assert detail["work_status"] == "refused"
        assert detail["appealable"] is True


def test_the_command_line_says_what_a_derivation_case_is_about(
    in_review: InReview, run: Cli
) -> None:
    listed = run("case", "list", in_review.commons).stdout
    assert in_review.case in listed
    assert "derivation (adaptation): Seed manual (GPL-3.0-or-later) from Label set" in listed
    shown = run("case", "show", in_review.commons, in_review.case).stdout
    assert "derivation: Seed manual (GPL-3.0-or-later) is an adaptation of Label set" in shown
    assert f"/commons/{in_review.commons}/artifacts/{in_review.derived}" in shown
    assert "now: needs_review" in shown
    as_json = run.json("case", "show", in_review.commons, in_review.case)
    assert as_json["case"]["derivation"]["source_licence"] == LABELS
