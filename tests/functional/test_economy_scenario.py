"""The economy's scenario (issue 11), over real HTTP, every action signed through the API.

A seed library founds its commons with a value policy (so days settle) and a one-day dispute
window; a worker cooperative and a for-profit company declare themselves with their own keys
and declare their use of the commons. The company signs a benefit-sharing agreement, reports an
ended month and pays: the treasurer records the income under the agreement, which settles the
company's receivable (owed, paid, no arrears; the representative was reminded of the report
and of the arrears until then). A bounty is escrowed for a task and paid on acceptance, once the
work's dispute window has passed, to its author. A payout by value points is proposed, passes
and pays exactly: the reserve's share first, then each member's line within one minor unit of
its exact fraction, the units left over to the largest remainder. The open-books page shows it
all, and the beancount export passes bean-check.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_governance import at
from tests.contract.test_standing import VALIDATION, VALUE
from tests.contract.test_tasks import day
from tests.functional.server import HTML
from tests.functional.test_api import post_action, signed_json
from tests.functional.test_api_act import act_route
from tests.functional.test_api_emails import account
from tests.support.books import STATUTES
from tests.support.builders import CHARTER

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def charter_of(founder: str) -> dict[str, Any]:
    """A charter whose days settle (a value policy), with a one-day dispute window and a
    monthly bounty budget of 100.00 EUR."""
    standing = {"half_life_days": 180, "founders": [{"member": founder, "standing": 100}]}
    return {
        **CHARTER,
        "engine": 1,
        "validation_policy": VALIDATION,
        "value_policy": VALUE,
        "standing_policy": standing,
        "governance": {"arbitration": {"dispute_days": 1}},
        "economy": {"bounty_budget": [{"currency": "EUR", "amount_minor": 10_000}]},
    }


class Library:
    """The people (accounts: did and bearer header) and the commons, acting through the API."""

    def __init__(self, api: httpx.Client, node: Node) -> None:
        self.api, self.node = api, node
        self.people = {name: account(api, name) for name in ("ada", "ben", "cy")}
        founded = api.post(
            "/api/v1/act/commons.commons.found",
            json={"charter": charter_of(self.did("ada")), "founder_name": "Ada"},
            headers=self.people["ada"]["auth"],
        )
        assert founded.status_code == 201, founded.text
        self.commons = str(founded.json()["items"][0]["commons"])

    def did(self, name: str) -> str:
        return str(self.people[name]["did"])

    def act(self, name: str, action_type: str, body: dict[str, Any]) -> str:
        made = self.api.post(
            act_route(action_type, self.commons), json=body, headers=self.people[name]["auth"]
        )
        assert made.status_code == 201, made.text
        return str(made.json()["items"][0]["id"])

    def signed(self, key: Keypair, action_type: str, body: dict[str, Any]) -> None:
        """An action signed by an organisation's own key (client-signed)."""
        item = signed_json(key, action_type, body, self.commons, at=self.node.clock())
        answer = post_action(self.api, self.commons, item)
        assert answer.status_code == 201, answer.text

    def get(self, path: str, name: str | None = None) -> Any:
        headers = None if name is None else self.people[name]["auth"]
        answer = self.api.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()


def eur(minor: int) -> dict[str, Any]:
    return {"currency": "EUR", "amount_minor": minor, "amount": f"{minor // 100}.{minor % 100:02d}"}


def test_the_economy_of_a_seed_library_over_http(
    node: Node, site: str, api: httpx.Client, tmp_path: Path
) -> None:
    at(node, day(0.25))
    lib = Library(api, node)
    base = f"/api/v1/commons/{lib.commons}"
    for name in ("ben", "cy"):
        lib.act(name, "commons.member.join", {"name": name.title()})

    # A worker cooperative and a for-profit company declare themselves and their use.
    coop, company = Keypair.generate(), Keypair.generate()
    lib.signed(
        coop,
        "economy.org.declare",
        {
            "org": coop.did,
            "name": "Seedworks Cooperative",
            "form": "worker_coop",
            "evidence": {"registry_id": "COOP-1234", "statutes_sha256": STATUTES},
            "representatives": [lib.did("ben")],
        },
    )
    lib.signed(
        company,
        "economy.org.declare",
        {
            "org": company.did,
            "name": "SeedCo Ltd",
            "form": "company",
            "representatives": [lib.did("cy")],
        },
    )
    lib.act(
        "ben",
        "economy.use.declare",
        {"org": coop.did, "terms": ["CC-BY-SA-4.0"], "purpose": "Seed packets"},
    )
    lib.act(
        "cy",
        "economy.use.declare",
        {"org": company.did, "terms": ["CC-BY-SA-4.0"], "purpose": "A seed-swap app"},
    )
    orgs = lib.get(f"{base}/organisations")
    assert sorted(o["form"] for o in orgs["items"]) == ["company", "worker_coop"]
    assert len(orgs["uses"]) == 2

    lib.act(
        "ada",
        "economy.income.record",
        {
            "key": "d1",
            "source": "donation",
            "amount_minor": 100_000,
            "currency": "EUR",
            "reference": "FAIR-1",
        },
    )

    # The company pledges 5% of its monthly revenue from December 2029; December has ended.
    agreement = lib.act(
        "cy",
        "economy.agreement.sign",
        {
            "org": company.did,
            "basis": "revenue_share",
            "share_bp": 500,
            "currency": "EUR",
            "period": "month",
            "starts": "2029-12",
        },
    )
    reminders = lib.get("/api/v1/me/reminders", "cy")["items"]
    assert [(r["kind"], r["period"], r["due_from"]) for r in reminders] == [
        ("report_due", "2029-12", "2030-01-01")
    ]
    lib.act(
        "cy",
        "economy.agreement.report",
        {"agreement": agreement, "period": "2029-12", "revenue_minor": 200_000},
    )
    shown = lib.get(f"{base}/agreements/{agreement}")
    assert shown["agreement"]["owed"] == eur(10_000)
    assert shown["agreement"]["arrears"] == eur(10_000)
    treasurer = lib.get("/api/v1/me/reminders", "ada")["items"]
    assert [(r["kind"], r["role"], r["arrears"]) for r in treasurer] == [
        ("arrears", "treasurer", eur(10_000))
    ]
    paid = lib.act(
        "ada",
        "economy.income.record",
        {
            "key": "bs1",
            "source": "benefit_sharing",
            "amount_minor": 10_000,
            "currency": "EUR",
            "reference": "SEPA-SEEDCO-2029-12",
            "agreement": agreement,
        },
    )
    lib.act("cy", "economy.txn.answer", {"txn": paid, "answer": "confirmed"})
    settled = lib.get(f"{base}/agreements/{agreement}")
    figures = settled["agreement"]
    assert (figures["owed"], figures["paid"], figures["arrears"]) == (
        eur(10_000),
        eur(10_000),
        eur(0),
    )
    assert (figures["next_period"], figures["due_from"], figures["due"]) == (
        "2030-01",
        "2030-02-01",
        False,
    )
    assert [r["period"] for r in settled["reports"]] == ["2029-12"]
    assert settled["receivable"] == [eur(0)]
    assert lib.get("/api/v1/me/reminders", "cy")["items"] == []
    assert lib.get("/api/v1/me/reminders", "ada")["items"] == []

    # A bounty for a task; Ben does the work, Cy other work; Ada's approvals accept both.
    task = lib.act(
        "ada", "production.task.post", {"title": "Mend the seed press", "description": "It slips"}
    )
    lib.act(
        "ada",
        "economy.bounty.offer",
        {
            "key": "b1",
            "task": task,
            "amount_minor": 5_000,
            "currency": "EUR",
            "expires_on": day(20)[:10],
        },
    )
    ben_work = lib.act(
        "ben",
        "production.contribution.record",
        {"kind": "work", "quantity": "3", "description": "Mended it", "task": task},
    )
    cy_work = lib.act(
        "cy",
        "production.contribution.record",
        {"kind": "work", "quantity": "2", "description": "Sorted the trays"},
    )
    for work in (ben_work, cy_work):
        lib.act(
            "ada", "production.contribution.validate", {"contribution": work, "verdict": "approve"}
        )

    # Day 1: day 0 settles (the work is accepted, noted for the bounty, due a day later). A
    # payout of 200.01 EUR by day 0's value points is proposed.
    at(node, day(1.25))
    payout = {
        "kind": "payout",
        "amount_minor": 20_001,
        "currency": "EUR",
        "policy": "period",
        "start": day(0)[:10],
        "end": day(0)[:10],
    }
    proposal = lib.act(
        "ben",
        "governance.proposal.make",
        {
            "title": "Pay the first day",
            "text": "By value points.",
            "method": "majority",
            "effect": payout,
        },
    )
    bounty = lib.get(f"{base}/bounties/{task}")
    assert (bounty["status"], bounty["due_on"]) == ("open", day(1)[:10])
    assert [(w["contributor"], w["status"]) for w in bounty["work"]] == [
        (lib.did("ben"), "accepted")
    ]

    # Day 2: day 1 settles: the work's dispute window has passed, the bounty is paid to Ben.
    at(node, day(2.75))
    for name in ("ada", "ben", "cy"):
        lib.act(
            name, "governance.stance.take", {"proposal": proposal, "version": 1, "ballot": "for"}
        )
    bounty = lib.get(f"{base}/bounties/{task}")
    assert bounty["status"] == "paid"
    assert [(s["recipient"], s["amount"]) for s in bounty["shares"]] == [
        (lib.did("ben"), eur(5_000))
    ]
    board = lib.get(f"{base}/bounties")
    assert (board["open"], [item["task"] for item in board["items"]]) == (0, [task])

    # Day 5: the vote closed; the payout is carried out before the next entry.
    at(node, day(5.75))
    lib.act("ada", "production.task.post", {"title": "Label the jars", "description": "All"})
    detail = lib.get(f"{base}/payouts/{proposal}")
    assert detail["spend"]["status"] == "done", detail["spend"]["detail"]
    lines = {line["recipient"]: line for line in detail["lines"]}
    assert set(lines) == {"reserve", lib.did("ben"), lib.did("cy")}
    # The waterfall: 10% of 200.01 (2000.1 cents) rounded down to the reserve, the 180.01 left
    # by points: Ben 6 of 10 (10800.6 cents), Cy 4 of 10 (7200.4).
    reserve = lines["reserve"]
    assert (reserve["amount"]["amount_minor"], reserve["rounded_up"]) == (2000, False)
    rest = 20_001 - 2000
    points = {lib.did("ben"): 6000, lib.did("cy"): 4000}
    assert detail["points_milli"] == sum(points.values())
    for did, milli in points.items():
        line = lines[did]
        exact = Fraction(rest * milli, sum(points.values()))
        numerator, _, denominator = line["exact"].partition("/")
        assert Fraction(int(numerator), int(denominator or 1)) == exact
        assert abs(line["amount"]["amount_minor"] - exact) < 1
        assert line["points_milli"] == milli
    assert lines[lib.did("ben")]["amount"]["amount_minor"] == 10_801  # the larger remainder
    assert lines[lib.did("ben")]["rounded_up"] is True
    assert lines[lib.did("cy")]["amount"]["amount_minor"] == 7_200
    assert sum(line["amount"]["amount_minor"] for line in detail["lines"]) == 20_001

    books = lib.get(f"{base}/books")
    held = {(b["account"], b["currency"]): b["amount_minor"] for b in books["balances"]}
    assert held[("treasury", "EUR")] == 100_000 + 10_000 - 5_000 - 20_001
    assert held[(f"payable:{lib.did('ben')}", "EUR")] == 5_000 + 10_801
    assert held[(f"receivable:{company.did}", "EUR")] == 0
    assert held[("reserve", "EUR")] == 2_000
    assert sum(amount for (_, currency), amount in held.items() if currency == "EUR") == 0

    # The open-books page shows it; so do the bounty board and the agreement's page.
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{lib.commons}/books").text
        assert f'data-proposal="{proposal}"' in page
        assert f'href="/commons/{lib.commons}/payouts/{proposal}"' in page
        assert 'data-kind="payout"' in page
        assert 'data-kind="bounty_paid"' in page
        assert 'data-kind="accrual"' in page
        assert f'href="/commons/{lib.commons}/bounties" data-testid="bounties-link"' in page
        board_page = anyone.get(f"/commons/{lib.commons}/bounties").text
        assert f'data-task="{task}"' in board_page
        assert 'data-status="paid"' in board_page
        task_page = anyone.get(f"/commons/{lib.commons}/tasks/{task}").text
        assert 'data-testid="task-bounty" data-status="paid"' in task_page
        agreement_page = anyone.get(f"/commons/{lib.commons}/agreements/{agreement}")
        assert agreement_page.status_code == 200
        assert 'data-period="2029-12"' in agreement_page.text

    ledger = api.get(f"{base}/books/export.beancount")
    assert ledger.status_code == 200
    path = tmp_path / "books.beancount"
    path.write_text(ledger.text)
    checked = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
