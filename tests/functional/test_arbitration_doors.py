"""The doors of arbitration (issue 10, item 8: the arbitration queue), over real HTTP and on the
command line: the queue of cases, a case's page with its work, disputes, panel and rulings; a
panel member's ruling through the page's form (custodial signing), a refusal shown to a member
off the panel in the rule's words; the verdict, the appeal form, the contribution's card linked
to its case and, the day after, accepted at the verdict's quantity; the API's JSON; and
``commonwork case list | show | rule | appeal``.

The commons is built as tests/contract/test_arbitration.py builds it: six founders seeded with
standing 200 (arbitrating takes 150), Gus a newcomer; Ada approves Gus's work and Ben disputes
it, which opens a case whose panel is three of Cy, Dee, Eve and Fay (drawn from the journal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import accounts, arbitration_read
from commonwork.web.auth import SESSION_COOKIE
from tests.contract.test_standing import VALIDATION, VALUE, charter
from tests.functional.server import HTML, journal_head
from tests.functional.test_cli import FOUND
from tests.support import builders
from tests.support.cli import Cli

NAMES = ("ada", "ben", "cy", "dee", "eve", "fay", "gus")
ELIGIBLE = ("cy", "dee", "eve", "fay")  # not Ada (approved), Ben (disputed), Gus (the author)
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
RECORD = "production.contribution.record"
VALIDATE = "production.contribution.validate"
DESCRIPTION = "Sorted the seed trays by variety"


@dataclass
class Arbitrated:
    node: Node
    site: str
    commons: str
    contribution: str
    case: str
    people: dict[str, accounts.Account]
    panel: list[str]  # names, in the draw's order

    @property
    def page(self) -> str:
        return f"/commons/{self.commons}/cases/{self.case}"

    def outside(self) -> str:
        """One of those who may arbitrate whom the draw left off the panel."""
        return next(name for name in ELIGIBLE if name not in self.panel)

    def browser(self, name: str) -> httpx.Client:
        """``name``'s browser, signed in (a session cookie of their account)."""
        client = httpx.Client(base_url=self.site, headers=HTML, timeout=30)
        client.cookies.set(SESSION_COOKIE, accounts.open_session(self.node, self.people[name]))
        return client


@pytest.fixture
def arbitrated(node: Node, site: str) -> Iterator[Arbitrated]:
    builders.advance(node, 0)  # the clock stands still until the test moves it
    people = {
        name: accounts.sign_up(
            node, email=f"{name}@example.org", password="a long passphrase", display_name=name
        )
        for name in NAMES
    }
    keys = {name: accounts.custodial_keypair(node, account) for name, account in people.items()}
    founded = charter(keys["ada"])
    seeds = [{"member": keys[name].did, "standing": 200} for name in NAMES[:6]]
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeds}
    commons = builders.found(node, keys["ada"], founded)
    for name in NAMES[1:]:
        builders.join(node, commons, keys[name], name.title())
    work = {"kind": "work", "quantity": "6", "description": DESCRIPTION}
    signed = builders.signed(keys["gus"], RECORD, work, commons)
    contribution = append_actions(node, commons, [signed])[0].entry.id
    approval = {"contribution": contribution, "verdict": "approve", "reason": ""}
    dispute = {"contribution": contribution, "verdict": "dispute", "reason": "Half were mixed"}
    validated = append_actions(
        node,
        commons,
        [
            builders.signed(keys["ada"], VALIDATE, approval, commons),
            builders.signed(keys["ben"], VALIDATE, dispute, commons),
        ],
    )
    case = validated[1].entry.id
    by_did = {key.did: name for name, key in keys.items()}
    detail = arbitration_read.case_detail(node, commons, case)
    panel = [by_did[seat.member] for seat in detail.case.panel]
    return Arbitrated(node, site, commons, contribution, case, people, panel)


def csrf_on(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match is not None, f"no form token on {path}"
    return match.group(1)


def rule_on_page(client: httpx.Client, arbitrated: Arbitrated, **form: str) -> httpx.Response:
    token = csrf_on(client, arbitrated.page)
    return client.post(f"{arbitrated.page}/rule", data={**form, "csrf": token})


def test_the_queue_and_a_case_show_the_work_its_dispute_and_the_panel(
    arbitrated: Arbitrated,
) -> None:
    assert len(arbitrated.panel) == 3
    assert set(arbitrated.panel) <= set(ELIGIBLE)
    with httpx.Client(base_url=arbitrated.site, headers=HTML) as anyone:
        queue = anyone.get(f"/commons/{arbitrated.commons}/cases")
        page = anyone.get(arbitrated.page)
    assert queue.status_code == page.status_code == 200
    waiting = queue.text.split('data-testid="decided-cases"')[0]
    assert f'data-case="{arbitrated.case}"' in waiting
    assert DESCRIPTION in waiting
    assert "rules until" in waiting
    for name in arbitrated.panel:
        assert name.title() in waiting
    assert 'data-testid="no-decided-cases"' in queue.text
    with httpx.Client(base_url=arbitrated.site, headers=HTML) as anyone:
        older = anyone.get(f"/commons/{arbitrated.commons}/cases?page=2")
        assert "No more decided cases" in older.text
        assert anyone.get(f"/commons/{arbitrated.commons}/cases?page=0").status_code == 422
    assert DESCRIPTION in page.text
    assert "Half were mixed" in page.text  # who disputed, and why
    assert page.text.count('data-testid="panel-member"') == 3
    assert 'data-testid="rule-form"' not in page.text  # nobody is signed in
    assert 'data-testid="appeal-form"' not in page.text  # open: only its verdict is appealed
    with arbitrated.browser(arbitrated.panel[0]) as panelist:
        assert 'data-testid="rule-form"' in panelist.get(arbitrated.page).text
    with arbitrated.browser(arbitrated.outside()) as outsider:
        assert 'data-testid="rule-form"' not in outsider.get(arbitrated.page).text
    with httpx.Client(base_url=arbitrated.site, headers=HTML) as anyone:
        unknown = anyone.get(f"/commons/{arbitrated.commons}/cases/{'0' * 64}")
    assert unknown.status_code == 404


def test_a_panel_rules_through_the_form_and_a_member_off_it_is_told_why(
    arbitrated: Arbitrated,
) -> None:
    node, commons = arbitrated.node, arbitrated.commons
    with httpx.Client(base_url=arbitrated.site) as api:
        before = journal_head(api, commons)
    with arbitrated.browser(arbitrated.outside()) as outsider:
        refused = rule_on_page(outsider, arbitrated, verdict="reject", reason="I say so")
    assert refused.status_code == 403
    assert 'data-testid="page-error"' in refused.text
    assert "only the members of this case&#39;s panel rule on it" in refused.text
    with httpx.Client(base_url=arbitrated.site) as api:
        assert journal_head(api, commons) == before  # nothing written

    first, second, third = (arbitrated.browser(name) for name in arbitrated.panel)
    try:
        no_reason = rule_on_page(first, arbitrated, verdict="adjust", quantity="4", reason="")
        assert no_reason.status_code == 422
        assert "Reason" in no_reason.text
        assert 'data-testid="page-error"' in no_reason.text
        assert 'value="4"' in no_reason.text  # what was typed is kept
        no_quantity = rule_on_page(first, arbitrated, verdict="adjust", reason="4 hours")
        assert no_quantity.status_code == 422
        assert "quantity" in no_quantity.text
        ruled = rule_on_page(
            first, arbitrated, verdict="adjust", quantity="4", reason="Four hours, not six"
        )
        assert ruled.status_code == 303
        assert ruled.headers["location"] == f"{arbitrated.page}#rulings"
        page = first.get(arbitrated.page).text
        assert "Four hours, not six" in page
        assert 'data-testid="ruling-row"' in page
        assert "you ruled: accept it at 4 hours" in page
        assert 'data-testid="case-status" data-status="open"' in page
        ruled = rule_on_page(
            second, arbitrated, verdict="adjust", quantity="4", reason="Counted the trays"
        )
        assert ruled.status_code == 303
        decided = third.get(arbitrated.page).text
        assert 'data-testid="case-status" data-status="decided"' in decided
        assert 'data-verdict="adjust"' in decided
        assert "accept it at 4 hours" in decided
        assert 'data-testid="rule-form"' not in decided  # decided: no more rulings
        late = rule_on_page(third, arbitrated, verdict="reject", reason="Too late")
    finally:
        for client in (first, second, third):
            client.close()
    assert late.status_code == 409
    assert "decided already" in late.text

    with arbitrated.browser("gus") as gus:
        queue = gus.get(f"/commons/{commons}/cases").text
        decided_part = queue.split('data-testid="decided-cases"')[1]
        assert f'data-case="{arbitrated.case}"' in decided_part
        assert "accepted at 4 hours" in decided_part
        card = gus.get(f"/commons/{commons}").text
        assert f'href="/commons/{commons}/cases/{arbitrated.case}"' in card
        page = gus.get(arbitrated.page).text
        assert 'data-testid="appeal-form"' in page
        token = CSRF.search(page)
        assert token is not None
        form = {
            "csrf": token.group(1),
            "verdict": "accept",
            "quantity": "5",  # ignored: only an adjustment carries a quantity
            "title": "Six hours it was",
            "text": "I kept a log of the hours.",
        }
        appealed = gus.post(f"{arbitrated.page}/appeal", data=form)
        assert appealed.status_code == 303, appealed.text
        proposal = appealed.headers["location"].rsplit("/", 1)[1]
        assert appealed.headers["location"] == f"/commons/{commons}/proposals/{proposal}"
        again = gus.get(arbitrated.page).text
        assert 'data-testid="appeal-form"' not in again  # once
        assert f"/proposals/{proposal}" in again
        assert "Six hours it was" in again

    builders.advance(node, 1)  # the verdict's day is settled by the next day's first entry
    builders.join(node, commons, Keypair.generate(), "Hal")
    with httpx.Client(base_url=arbitrated.site, headers=HTML) as anyone:
        page = anyone.get(arbitrated.page).text
        card = anyone.get(f"/commons/{commons}").text
    assert 'data-testid="work-status" data-status="accepted"' in page
    assert f'data-contribution="{arbitrated.contribution}"' in card
    assert 'data-testid="accepted-quantity">accepted at 4 hours' in card


def test_the_api_serves_the_queue_and_a_case_as_json(arbitrated: Arbitrated) -> None:
    commons, case = arbitrated.commons, arbitrated.case
    with httpx.Client(base_url=arbitrated.site) as api:
        listed = api.get(f"/api/v1/commons/{commons}/cases")
        assert listed.status_code == 200
        [item] = listed.json()["items"]
        assert (item["case_id"], item["status"], item["round"]) == (case, "open", 1)
        assert item["work"]["description"] == DESCRIPTION
        assert [seat["name"] for seat in item["panel"]] == [n.title() for n in arbitrated.panel]
        assert item["verdict"] is None
        assert item["overdue"] is False
        assert api.get(f"/api/v1/commons/{commons}/cases?status=decided").json()["items"] == []
        assert api.get(f"/api/v1/commons/{commons}/cases?status=x").status_code == 422
        detail = api.get(f"/api/v1/commons/{commons}/cases/{case}").json()
        assert detail["case"]["case_id"] == case
        assert [d["reason"] for d in detail["disputes"]] == ["Half were mixed"]
        assert detail["authors"][0]["name"] == "Gus"
        assert (detail["appealable"], detail["rulings"], detail["verdicts"]) == (
            False,
            [],
            ["accept", "reject", "adjust"],
        )
        missing = api.get(f"/api/v1/commons/{commons}/cases/{'0' * 64}")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
        assert api.get(f"/api/v1/commons/{'0' * 64}/cases").status_code == 404

        for name in arbitrated.panel[:2]:
            with arbitrated.browser(name) as panelist:
                ruled = rule_on_page(panelist, arbitrated, verdict="reject", reason="Not done")
                assert ruled.status_code == 303, ruled.text
        decided = api.get(f"/api/v1/commons/{commons}/cases/{case}").json()
        assert decided["case"]["status"] == "decided"
        assert decided["case"]["verdict"] == {"verdict": "reject"}
        assert decided["case"]["decided_by"] == "panel"
        assert decided["appealable"] is True
        fortnight = parse_time(decided["case"]["decided_at"]) + timedelta(days=14)
        assert decided["appeal_until"] == format_time(fortnight)  # the charter's appeal_days
        assert sorted(r["member"] for r in decided["reasons"]) == sorted(
            r["member"] for r in decided["rulings"]
        )
        listed = api.get(f"/api/v1/commons/{commons}/cases?status=decided").json()
        assert [row["case_id"] for row in listed["items"]] == [case]


def test_the_command_line_lists_shows_rules_and_appeals(run: Cli, tmp_path: Path) -> None:
    dids = {name: run.json("id", "new", name)["did"] for name in NAMES}
    standing = {
        "half_life_days": 180,
        "founders": [{"member": dids[name], "standing": 200} for name in NAMES[:6]],
        "privileges": {"arbitrate": 150},
    }
    policies = tmp_path / "policies.json"
    policies.write_text(
        json.dumps(
            {"validation_policy": VALIDATION, "value_policy": VALUE, "standing_policy": standing}
        )
    )
    commons = run(
        *FOUND, "--as", "ada", "--founder-name", "Ada", "--policies", str(policies)
    ).stdout.strip()
    for name in NAMES[1:]:
        run("join", commons, "--as", name, "--name", name.title())
    work = run(
        "contribute", commons, "--kind", "work", "--quantity", "6", "--description", DESCRIPTION,
        "--as", "gus",
    ).stdout.strip()  # fmt: skip
    run("validate", commons, work, "--approve", "--as", "ada")
    case = run(
        "validate", commons, work, "--dispute", "--reason", "Half were mixed", "--as", "ben"
    ).stdout.strip()

    [listed] = run.json("case", "list", commons)
    assert (listed["case_id"], listed["status"], listed["subject"]) == (case, "open", work)
    assert run.json("case", "list", commons, "--status", "decided") == []
    assert case in run("case", "list", commons).stdout
    by_did = {did: name for name, did in dids.items()}
    panel = [by_did[seat["member"]] for seat in listed["panel"]]
    shown = run("case", "show", commons, case).stdout
    assert "Half were mixed" in shown
    assert DESCRIPTION in shown
    outside = next(name for name in ELIGIBLE if name not in panel)
    run.refused(
        "case", "rule", commons, case, "--verdict", "accept", "--reason", "fine",
        "--as", outside, says="only the members of this case's panel", code="not_allowed",
    )  # fmt: skip
    run.refused(
        "case", "rule", commons, case, "--verdict", "adjust", "--reason", "fewer",
        "--as", panel[0], says="quantity", code="invalid_action",
    )  # fmt: skip
    for name in panel[:2]:
        ruled = run.json(
            "case", "rule", commons, case, "--verdict", "adjust", "--quantity", "4",
            "--reason", "Four hours, not six", "--as", name,
        )  # fmt: skip
        assert len(ruled["id"]) == 64
    detail = run.json("case", "show", commons, case)
    assert detail["case"]["status"] == "decided"
    assert detail["case"]["verdict"] == {"verdict": "adjust", "quantity": "4"}
    assert {ruling["reason"] for ruling in detail["rulings"]} == {"Four hours, not six"}
    assert "verdict: adjust to 4 hours by the panel" in run("case", "show", commons, case).stdout
    appeal = run.json(
        "case", "appeal", commons, case, "--verdict", "accept", "--title", "Six hours",
        "--text", "I kept a log.", "--as", "gus",
    )  # fmt: skip
    [proposal] = run.json("proposal", "list", commons)
    assert proposal["proposal_id"] == appeal["id"]
    assert run.json("case", "show", commons, case)["appeal_proposal"]["proposal_id"] == appeal["id"]
    run.refused(
        "case", "appeal", commons, case, "--verdict", "reject", "--title", "Again",
        "--text", "No.", "--as", "ada", says="appealed once already",
    )  # fmt: skip
    run.refused("case", "show", commons, "0" * 64, says="no arbitration case", code="not_found")


def test_a_case_no_panel_can_sit_on_is_put_to_all_the_members(node: Node, site: str) -> None:
    """Only Ada and Ben may arbitrate, and they approved and disputed the work: nobody may sit.
    The page says so and offers every member the proposal that decides it; once it passes, the
    case reads as decided by the members, and the verdict is settled on its day."""
    builders.advance(node, 0)
    people = {
        name: accounts.sign_up(
            node, email=f"{name}@example.org", password="a long passphrase", display_name=name
        )
        for name in ("ada", "ben", "gus")
    }
    keys = {name: accounts.custodial_keypair(node, account) for name, account in people.items()}
    founded = charter(keys["ada"])
    seeds = [{"member": keys[name].did, "standing": 200} for name in ("ada", "ben")]
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeds}
    commons = builders.found(node, keys["ada"], founded)
    for name in ("ben", "gus"):
        builders.join(node, commons, keys[name], name.title())
    body = {"kind": "work", "quantity": "6", "description": DESCRIPTION}
    signed = builders.signed(keys["gus"], RECORD, body, commons)
    work = append_actions(node, commons, [signed])[0].entry.id
    verdicts = [
        (keys["ada"], {"contribution": work, "verdict": "approve", "reason": ""}),
        (keys["ben"], {"contribution": work, "verdict": "dispute", "reason": "Half were mixed"}),
    ]
    validated = append_actions(
        node, commons, [builders.signed(who, VALIDATE, v, commons) for who, v in verdicts]
    )
    case = validated[1].entry.id
    arbitrated = Arbitrated(node, site, commons, work, case, people, [])

    with arbitrated.browser("ada") as ada:
        queue = ada.get(f"/commons/{commons}/cases").text
        assert f'data-case="{case}" data-status="no_panel"' in queue
        page = ada.get(arbitrated.page).text
        assert 'data-testid="no-panel"' in page
        assert 'data-testid="rule-form"' not in page
        assert "Ask all the members to decide" in page
    with arbitrated.browser("gus") as gus:
        token = csrf_on(gus, arbitrated.page)
        form = {"csrf": token, "verdict": "adjust", "title": "Four hours", "text": "Say 4."}
        no_quantity = gus.post(f"{arbitrated.page}/appeal", data=form)
        assert no_quantity.status_code == 422
        assert 'data-testid="page-error"' in no_quantity.text
        assert 'data-testid="appeal-section" open' in no_quantity.text  # the refused form, open
        appealed = gus.post(f"{arbitrated.page}/appeal", data={**form, "quantity": "4"})
        assert appealed.status_code == 303, appealed.text
        proposal = appealed.headers["location"].rsplit("/", 1)[1]

    builders.advance(node, 1.5)  # the discussion is over: voting is open
    ballots = [
        builders.signed(
            keys[name],
            "governance.stance.take",
            {"proposal": proposal, "version": 1, "ballot": "for"},
            commons,
        )
        for name in ("ada", "ben", "gus")
    ]
    append_actions(node, commons, ballots)
    builders.advance(node, 3.5)  # past the vote's deadline: the next entry closes it
    builders.join(node, commons, Keypair.generate(), "Hal")
    with httpx.Client(base_url=site) as api:
        detail = api.get(f"/api/v1/commons/{commons}/cases/{case}").json()
    assert (detail["case"]["status"], detail["case"]["decided_by"]) == ("appealed", proposal)
    assert detail["case"]["verdict"] == {"verdict": "adjust", "quantity": "4"}
    assert detail["appeal_proposal"]["status"] == "passed"
    assert detail["appealable"] is False
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(arbitrated.page).text
    assert 'data-testid="decided-by-appeal"' in page
    assert 'data-testid="case-status" data-status="appealed"' in page

    builders.advance(node, 1)
    builders.join(node, commons, Keypair.generate(), "Ivy")
    with httpx.Client(base_url=site) as api:
        settled = api.get(f"/api/v1/commons/{commons}/cases/{case}").json()
    assert (settled["work_status"], settled["accepted_quantity"]) == ("accepted", "4")
