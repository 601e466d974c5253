"""The doors of bounties, benefit-sharing agreements, mutual credit, reminders and node-local
bank details (issue 11, item 8), over real HTTP and on the command line.

The bounty board lists open bounties first and pages by its cursor; an agreement shows owed,
paid, arrears and the next report due, and its representatives and the treasurer are reminded
(API and inbox); a credit circle shows each member's limit in force now — exactly what a payment
may spend, one minor unit more is refused — and sums to zero, and a wallet lists the circles and
the open bills either way; bank details are kept on the node, read by their holder and the
treasurer only; ``commonwork bounties|agreements|credit …`` read and act the same.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.web.auth import SESSION_COOKIE
from commonwork.web.economy_board_schemas import (
    AgreementDetailOut,
    AgreementPageOut,
    BankDetailsOut,
    BountyOut,
    BountyPageOut,
    CircleOut,
    RemindersOut,
)
from commonwork.web.economy_schemas import WalletOut
from tests.conftest import open_node
from tests.contract.test_books import income as books_income
from tests.contract.test_governance import act, at
from tests.contract.test_payouts import passes
from tests.contract.test_standing import approve, work
from tests.contract.test_tasks import day
from tests.functional.server import HTML
from tests.functional.test_economy_scenario import Library, charter_of
from tests.support.books import STATUTES
from tests.support.builders import found, join
from tests.support.cli import Cli, make_cli

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def conforms(model: type[BaseModel], data: dict[str, Any]) -> None:
    """The JSON is what the OpenAPI document says: every field declared, none more."""
    model.model_validate(data)
    assert set(data) == set(model.model_fields), model.__name__


def browser(site: str, lib: Boards, name: str) -> httpx.Client:
    client = httpx.Client(base_url=site, headers=HTML, timeout=30)
    token = lib.people[name]["auth"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set(SESSION_COOKIE, token)
    return client


class Boards(Library):
    """The scenario's library, with SeedCo: a company Cy acts for."""

    def __init__(self, api: httpx.Client, node: Node) -> None:
        super().__init__(api, node)
        self.company = Keypair.generate()


@pytest.fixture
def lib(node: Node, api: httpx.Client) -> Boards:
    """Ada's seed library (a value policy, a one-day dispute window, a bounty budget of
    100.00 EUR a month), Ben and Cy members, 100.00 EUR in the treasury, and SeedCo, a company
    Cy acts for."""
    at(node, day(0.25))
    made = Boards(api, node)
    for name in ("ben", "cy"):
        made.act(name, "commons.member.join", {"name": name.title()})
    made.signed(
        made.company,
        "economy.org.declare",
        {
            "org": made.company.did,
            "name": "SeedCo Ltd",
            "form": "company",
            "representatives": [made.did("cy")],
        },
    )
    made.act(
        "ada",
        "economy.income.record",
        {
            "key": "d1",
            "source": "donation",
            "amount_minor": 10_000,
            "currency": "EUR",
            "reference": "FAIR-1",
        },
    )
    return made


def test_the_bounty_board_lists_open_bounties_first_and_pages(
    lib: Boards, site: str, api: httpx.Client, node: Node
) -> None:
    base = f"/api/v1/commons/{lib.commons}"
    tasks = {}
    offers = (("Oil the press", 3), ("Sort the beans", 20), ("Label jars", 20))
    for hour, (title, expires) in enumerate(offers):
        at(node, day(0.25 + (hour + 1) / 24))  # an hour apart: the newest offer is listed first
        tasks[title] = lib.act(
            "ada", "production.task.post", {"title": title, "description": "See the wiki"}
        )
        lib.act(
            "ada",
            "economy.bounty.offer",
            {
                "key": title.replace(" ", "-"),
                "task": tasks[title],
                "amount_minor": 2_000,
                "currency": "EUR",
                "expires_on": day(expires)[:10],
            },
        )
    over = api.post(
        f"{base}/act/economy.bounty.offer",
        json={
            "key": "x",
            "task": lib.act(
                "ada", "production.task.post", {"title": "Paint", "description": "All"}
            ),
            "amount_minor": 5_000,
            "currency": "EUR",
            "expires_on": day(20)[:10],
        },
        headers=lib.people["ada"]["auth"],
    )
    assert (over.status_code, over.json()["reason"]) == (403, "over_budget")
    at(node, day(4.5))  # day 3 settles: the first bounty expired unearned, back to the treasury
    lib.act("ben", "production.task.post", {"title": "Tick", "description": "a new day"})
    board = lib.get(f"{base}/bounties")
    conforms(BountyPageOut, board)
    for item in board["items"]:
        conforms(BountyOut, item)
    order = [(item["task_title"], item["status"]) for item in board["items"]]
    assert order == [
        ("Label jars", "open"),
        ("Sort the beans", "open"),
        ("Oil the press", "refunded"),
    ]
    assert board["open"] == 2
    seen, after = [], None
    while True:
        query: dict[str, Any] = {"limit": 1} if after is None else {"limit": 1, "after": after}
        page = lib.get(f"{base}/bounties?" + str(httpx.QueryParams(query)))
        seen += [item["task"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == [item["task"] for item in board["items"]]
    refunded = lib.get(f"{base}/bounties?status=refunded")["items"]
    assert [item["task_title"] for item in refunded] == ["Oil the press"]
    assert refunded[0]["close_txn"].endswith(":refunded")
    held = {
        (b["account"], b["currency"]): b["amount_minor"]
        for b in lib.get(f"{base}/books")["balances"]
    }
    assert held[("treasury", "EUR")] == 10_000 - 4_000
    assert api.get(f"{base}/bounties/{'0' * 64}").status_code == 404
    assert api.get(f"{base}/bounties?after=nonsense").status_code == 400
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{lib.commons}/bounties")
        assert page.status_code == 200
        assert page.text.count('data-testid="bounty"') == 3
        assert 'data-status="refunded"' in page.text
        assert f'href="/commons/{lib.commons}/tasks/{tasks["Sort the beans"]}"' in page.text
        only = anyone.get(f"/commons/{lib.commons}/bounties?status=open").text
        assert only.count('data-testid="bounty"') == 2
        books = anyone.get(f"/commons/{lib.commons}/books").text
        assert 'data-testid="bounties-link"' in books


def test_agreements_show_what_is_owed_paid_and_due_and_remind_who_must_act(
    lib: Boards, site: str, api: httpx.Client, node: Node
) -> None:
    base, org = f"/api/v1/commons/{lib.commons}", lib.company.did
    fixed = lib.act(
        "cy",
        "economy.agreement.sign",
        {
            "org": org,
            "basis": "fixed",
            "amount_minor": 5_000,
            "currency": "EUR",
            "period": "quarter",
            "starts": "2029-Q3",
        },
    )
    share = lib.act(
        "cy",
        "economy.agreement.sign",
        {
            "org": org,
            "basis": "revenue_share",
            "share_bp": 250,
            "currency": "EUR",
            "period": "month",
            "starts": "2029-12",
        },
    )
    assert api.get("/api/v1/me/reminders").status_code == 401
    due = lib.get("/api/v1/me/reminders", "cy")
    conforms(RemindersOut, due)
    assert sorted((r["agreement_id"], r["period"], r["due_from"]) for r in due["items"]) == sorted(
        [(fixed, "2029-Q3", "2029-10-01"), (share, "2029-12", "2030-01-01")]
    )
    assert lib.get("/api/v1/me/reminders", "ben")["items"] == []
    for period in ("2029-Q3", "2029-Q4"):
        lib.act("cy", "economy.agreement.report", {"agreement": fixed, "period": period})
    # 2.5% of 1,000.07 EUR is 25.00175: 25.00 owed (a share rounds down).
    lib.act(
        "cy",
        "economy.agreement.report",
        {"agreement": share, "period": "2029-12", "revenue_minor": 100_007},
    )
    lib.act(
        "ada",
        "economy.income.record",
        {
            "key": "bs1",
            "source": "benefit_sharing",
            "amount_minor": 6_000,
            "currency": "EUR",
            "reference": "SEEDCO-1",
            "agreement": fixed,
        },
    )
    listed = lib.get(f"{base}/agreements")
    conforms(AgreementPageOut, listed)
    found = {item["agreement_id"]: item for item in listed["items"]}
    assert found[fixed]["terms"] == "50.00 EUR a quarter"
    assert (
        found[fixed]["owed"]["amount"],
        found[fixed]["paid"]["amount"],
        found[fixed]["arrears"]["amount"],
    ) == ("100.00", "60.00", "40.00")
    assert (found[fixed]["next_period"], found[fixed]["due_from"], found[fixed]["due"]) == (
        "2030-Q1",
        "2030-04-01",
        False,
    )
    assert found[share]["terms"] == "2.5% of revenue, reported a month"
    assert found[share]["owed"]["amount_minor"] == 2_500
    first = lib.get(f"{base}/agreements/{fixed}?limit=1")
    conforms(AgreementDetailOut, first)
    assert [r["period"] for r in first["reports"]] == ["2029-Q4"]
    older = lib.get(f"{base}/agreements/{fixed}?limit=1&before={first['next_before']}")
    assert ([r["period"] for r in older["reports"]], older["next_before"]) == (["2029-Q3"], None)
    assert first["receivable"][0]["amount"] == "65.00"  # 40.00 + 25.00: both agreements
    assert api.get(f"{base}/agreements/{'0' * 64}").status_code == 404
    # Cy is reminded of the arrears of both; Ada, the treasurer, too.
    reminded = {
        (r["agreement_id"], r["kind"]) for r in lib.get("/api/v1/me/reminders", "cy")["items"]
    }
    assert reminded == {(fixed, "arrears"), (share, "arrears")}
    treasurer = lib.get("/api/v1/me/reminders", "ada")["items"]
    assert {(r["agreement_id"], r["role"]) for r in treasurer} == {
        (fixed, "treasurer"),
        (share, "treasurer"),
    }
    with browser(site, lib, "ada") as ada:
        inbox = ada.get("/me/inbox").text
        assert inbox.count('data-testid="reminder"') == 2
        assert f'href="/commons/{lib.commons}/agreements/{fixed}"' in inbox  # the report's event
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{lib.commons}/agreements")
        assert page.status_code == 200
        assert page.text.count('data-testid="agreement"') == 2
        one = anyone.get(f"/commons/{lib.commons}/agreements/{fixed}").text
        assert 'data-period="2029-Q3"' in one
        assert 'data-testid="agreement-arrears"' in one
        assert anyone.get(f"/commons/{lib.commons}/agreements/{'0' * 64}").status_code == 404


def test_a_circle_shows_the_limits_in_force_and_sums_to_zero(
    lib: Boards, site: str, api: httpx.Client, node: Node
) -> None:
    base = f"/api/v1/commons/{lib.commons}"

    def decide(effect: dict[str, Any], start: float) -> None:
        at(node, day(start))
        proposal = lib.act(
            "ada",
            "governance.proposal.make",
            {"title": effect["kind"], "text": "So.", "method": "majority", "effect": effect},
        )
        at(node, day(start + 1.5))
        for name in ("ada", "ben", "cy"):
            lib.act(
                name,
                "governance.stance.take",
                {"proposal": proposal, "version": 1, "ballot": "for"},
            )
        at(node, day(start + 4.5))
        lib.act("ada", "production.task.post", {"title": "Tick", "description": "closes it"})

    decide({"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours of help"}, 1)
    # A base of 10.0 hours, and 0.1 more per point of standing (Ada, the founder, has some).
    decide(
        {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 100, "per_point_minor": 1}, 6
    )
    for name in ("ada", "ben", "cy"):
        lib.act(name, "economy.credit.join", {"currency": "HOURS"})
    circle = lib.get(f"{base}/credit/HOURS")
    conforms(CircleOut, circle)
    limits = {m["member"]: m["limit"]["amount_minor"] for m in circle["members"]}
    assert limits[lib.did("ben")] == 100
    assert limits[lib.did("ada")] > 100  # her standing raises it
    # What the circle shows is what the rules allow: one unit more is refused.
    for payer, payee in (("ada", "ben"), ("ben", "cy")):
        shown = {m["member"]: m for m in lib.get(f"{base}/credit/HOURS")["members"]}
        most = shown[lib.did(payer)]["available"]["amount_minor"]
        assert most == shown[lib.did(payer)]["balance"]["amount_minor"] + limits[lib.did(payer)]
        body = {
            "key": f"{payer}-1",
            "to": lib.did(payee),
            "amount_minor": most + 1,
            "currency": "HOURS",
        }
        refused = api.post(
            f"{base}/act/economy.credit.pay", json=body, headers=lib.people[payer]["auth"]
        )
        assert refused.status_code == 403, refused.text
        assert (refused.json()["reason"], refused.json()["limit"]) == (
            "over_limit",
            limits[lib.did(payer)],
        )
        lib.act(payer, "economy.credit.pay", {**body, "amount_minor": most, "key": f"{payer}-2"})
    bill = lib.act(
        "cy",
        "economy.credit.bill",
        {"payer": lib.did("ada"), "amount_minor": 15, "currency": "HOURS", "memo": "Jars"},
    )
    circle = lib.get(f"{base}/credit/HOURS")
    assert circle["total"]["amount_minor"] == 0
    balances = {m["member"]: m["balance"]["amount_minor"] for m in circle["members"]}
    ada_limit = limits[lib.did("ada")]
    assert balances == {
        lib.did("ada"): -ada_limit,
        lib.did("ben"): -100,
        lib.did("cy"): ada_limit + 100,
    }
    ada = lib.get(f"/api/v1/me/wallet?commons={lib.commons}", "ada")
    conforms(WalletOut, ada)
    [mine] = ada["circles"]
    assert (mine["currency"], mine["available"]["amount_minor"]) == ("HOURS", 0)
    assert [b["bill_id"] for b in ada["bills_to_answer"]] == [bill]
    cy = lib.get(f"/api/v1/me/wallet?commons={lib.commons}", "cy")
    assert ([b["bill_id"] for b in cy["bills_sent"]], cy["bills_to_answer"]) == ([bill], [])
    with browser(site, lib, "ada") as person:
        wallet = person.get(f"/me/wallet?commons={lib.commons}").text
        assert 'data-testid="wallet-circle"' in wallet
        assert f'data-bill="{bill}"' in wallet
        inbox = person.get("/me/inbox").text
        assert f'href="/me/wallet?commons={lib.commons}#bills"' in inbox
    lib.act("ada", "economy.credit.answer", {"bill": bill, "answer": "decline"})
    assert lib.get(f"/api/v1/me/wallet?commons={lib.commons}", "cy")["bills_sent"] == []
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{lib.commons}/credit/HOURS")
        assert page.status_code == 200
        assert page.text.count('data-testid="circle-member"') == 3
        assert 'data-testid="circle-total"' in page.text
        assert anyone.get(f"/commons/{lib.commons}/credit/SEEDS").status_code == 404
        books = anyone.get(f"/commons/{lib.commons}/books").text
        assert f'href="/commons/{lib.commons}/credit/HOURS"' in books
    assert api.get(f"{base}/credit/SEEDS").status_code == 404


def test_bank_details_stay_on_the_node_for_the_payee_and_the_treasurer(
    lib: Boards, site: str, api: httpx.Client
) -> None:
    mine = f"/api/v1/me/bank-details?commons={lib.commons}"
    iban = {"details": "IBAN DE89 3704 0044 0532 0130 00\nBen Example"}
    assert api.put(mine, json=iban).status_code == 401
    kept = api.put(mine, json=iban, headers=lib.people["ben"]["auth"])
    assert kept.status_code == 200, kept.text
    conforms(BankDetailsOut, kept.json())
    assert lib.get(mine, "ben")["details"] == iban["details"]
    assert lib.get(mine, "cy")["details"] == ""  # none kept
    payee = f"/api/v1/commons/{lib.commons}/payees/{lib.did('ben')}/bank-details"
    assert lib.get(payee, "ada")["details"] == iban["details"]  # the founder is the treasurer
    refused = api.get(payee, headers=lib.people["cy"]["auth"])
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    assert api.get(payee).status_code == 401
    nobody = f"/api/v1/commons/{lib.commons}/payees/{lib.did('cy')}/bank-details"
    assert api.get(nobody, headers=lib.people["ada"]["auth"]).status_code == 404
    long = api.put(mine, json={"details": "x" * 2001}, headers=lib.people["ben"]["auth"])
    assert long.status_code == 422
    unknown = f"/api/v1/me/bank-details?commons={'0' * 64}"
    assert api.put(unknown, json=iban, headers=lib.people["ben"]["auth"]).status_code == 404
    # Nothing of it is in the journal.
    journal = api.get(f"/api/v1/commons/{lib.commons}/journal").text
    assert "DE89" not in journal
    # The wallet's form keeps Cy's; the account page of a payable shows them to the treasurer.
    with browser(site, lib, "cy") as cy:
        wallet = cy.get(f"/me/wallet?commons={lib.commons}")
        token = CSRF.search(wallet.text)
        assert token is not None
        form = {"csrf": token.group(1), "commons": lib.commons, "details": "IBAN FR76 3000 6000"}
        sent = cy.post("/me/bank-details", data=form, follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"].endswith("#bank-details")
        assert "IBAN FR76 3000 6000" in cy.get(f"/me/wallet?commons={lib.commons}").text
        again = cy.post("/me/bank-details", data={**form, "details": "\x00"})
        assert again.status_code == 400
        assert 'data-testid="bank-error"' in again.text
        ben_account = cy.get(f"/commons/{lib.commons}/books/accounts/payable:{lib.did('ben')}")
        assert "DE89" not in ben_account.text  # Cy is not a treasurer
    with browser(site, lib, "ada") as ada:
        page = ada.get(f"/commons/{lib.commons}/books/accounts/payable:{lib.did('cy')}").text
        assert 'data-testid="payee-bank-details"' in page
        assert "IBAN FR76 3000 6000" in page
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{lib.commons}/books/accounts/payable:{lib.did('cy')}").text
        assert "FR76" not in page


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Cli, dict[str, Any]]:
    """A data directory holding a library (days settle, a bounty budget) with a circle in HOURS
    decided, a task, SeedCo (Cy acts for it) and Seedworks (a worker cooperative); the people
    are local identities, so the command line acts as them."""
    data = tmp_path / "cli"
    node = open_node(data)
    try:
        keys = {name: Keypair.generate() for name in ("ada", "ben", "cy", "seedco", "seedworks")}
        people = {name: keys[name] for name in ("ada", "ben", "cy")}
        node.clock = lambda: day(0.25)
        commons = found(node, keys["ada"], charter_of(keys["ada"].did))
        join(node, commons, keys["ben"], "Ben")
        join(node, commons, keys["cy"], "Cy")
        act(node, commons, keys["ada"], "economy.income.record", books_income("g1", 10_000))
        act(
            node,
            commons,
            keys["seedco"],
            "economy.org.declare",
            {
                "org": keys["seedco"].did,
                "name": "SeedCo",
                "form": "company",
                "representatives": [keys["cy"].did],
            },
        )
        act(
            node,
            commons,
            keys["seedworks"],
            "economy.org.declare",
            {
                "org": keys["seedworks"].did,
                "name": "Seedworks",
                "form": "worker_coop",
                "evidence": {"registry_id": "C-1", "statutes_sha256": STATUTES},
                "representatives": [keys["ben"].did],
            },
        )
        task = act(
            node,
            commons,
            keys["ada"],
            "production.task.post",
            {"title": "Mend the press", "description": "It slips"},
        ).entry.id
        approve(node, commons, keys["ada"], work(node, commons, keys["cy"], hours="2"))
        currency = {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours"}
        passes(node, commons, people, currency, 1)
        policy = {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 50}
        passes(node, commons, people, policy, 6)
        for name, key in keys.items():
            node.identities.create(name, key)
    finally:
        node.close()
    return make_cli(data), {
        "commons": commons,
        "task": task,
        **{name: key.did for name, key in keys.items()},
    }


def test_the_command_line_offers_signs_reports_pays_and_bills(
    seeded: tuple[Cli, dict[str, Any]],
) -> None:
    run, made = seeded
    commons, task = made["commons"], made["task"]
    run(
        "bounties",
        "offer",
        commons,
        task,
        "--amount",
        "20",
        "--currency",
        "EUR",
        "--expires",
        "2030-12-31",
        "--as",
        "ada",
    )
    run.refused(
        "bounties",
        "offer",
        commons,
        task,
        "--amount",
        "20",
        "--currency",
        "EUR",
        "--expires",
        "2030-12-31",
        "--as",
        "ada",
        says="recorded already",
    )
    board = run.json("bounties", "list", commons)
    assert (board["open"], board["items"][0]["amount"]["amount"]) == (1, "20.00")
    assert run.json("bounties", "show", commons, task)["task_title"] == "Mend the press"
    assert "Mend the press" in run("bounties", "list", commons).stdout
    run.refused(
        "bounties",
        "offer",
        commons,
        task,
        "--amount",
        "1",
        "--currency",
        "EUR",
        "--expires",
        "2030-12-31",
        "--as",
        "ben",
        says="only the treasurer",
    )

    signed = run(
        "agreements",
        "sign",
        commons,
        "--org",
        made["seedco"],
        "--basis",
        "fixed",
        "--amount",
        "12.50",
        "--currency",
        "EUR",
        "--period",
        "quarter",
        "--starts",
        "2029-Q4",
        "--as",
        "cy",
    ).stdout.strip()
    run("agreements", "report", commons, signed, "--period", "2029-Q4", "--as", "cy")
    share = run(
        "agreements",
        "sign",
        commons,
        "--org",
        made["seedco"],
        "--basis",
        "revenue_share",
        "--share",
        "2.5",
        "--currency",
        "EUR",
        "--period",
        "month",
        "--starts",
        "2029-12",
        "--as",
        "cy",
    ).stdout.strip()
    run(
        "agreements",
        "report",
        commons,
        share,
        "--period",
        "2029-12",
        "--revenue",
        "1000.07",
        "--as",
        "cy",
    )
    shown = run.json("agreements", "show", commons, share)
    assert (shown["agreement"]["share_bp"], shown["agreement"]["owed"]["amount"]) == (250, "25.00")
    run(
        "books",
        "income",
        commons,
        "--amount",
        "12.50",
        "--currency",
        "EUR",
        "--source",
        "benefit_sharing",
        "--agreement",
        signed,
        "--reference",
        "Q4",
        "--as",
        "ada",
    )
    listed = {a["agreement_id"]: a for a in run.json("agreements", "list", commons)["items"]}
    assert listed[signed]["arrears"]["amount"] == "0.00"
    assert "in arrears 25.00 EUR" in run("agreements", "list", commons).stdout
    run("agreements", "end", commons, signed, "--last", "2030-Q1", "--as", "cy")
    assert run.json("agreements", "show", commons, signed)["agreement"]["last"] == "2030-Q1"
    run.refused(
        "agreements",
        "sign",
        commons,
        "--org",
        made["seedco"],
        "--basis",
        "revenue_share",
        "--share",
        "2.555",
        "--currency",
        "EUR",
        "--period",
        "month",
        "--starts",
        "2030-01",
        "--as",
        "cy",
        says="two decimals",
    )

    for name in ("ada", "ben", "cy"):
        run("credit", "join", commons, "HOURS", "--as", name)
    run(
        "credit",
        "pay",
        commons,
        "--to",
        made["ada"],
        "--amount",
        "2.5",
        "--currency",
        "HOURS",
        "--memo",
        "Jars",
        "--as",
        "ben",
    )
    run.refused(
        "credit",
        "pay",
        commons,
        "--to",
        made["ada"],
        "--amount",
        "2.6",
        "--currency",
        "HOURS",
        "--as",
        "ben",
        says="below your limit",
    )
    bill = run(
        "credit",
        "bill",
        commons,
        "--payer",
        made["ada"],
        "--amount",
        "1",
        "--currency",
        "HOURS",
        "--as",
        "cy",
    ).stdout.strip()
    run("credit", "accept", commons, bill, "--as", "ada")
    second = run(
        "credit",
        "bill",
        commons,
        "--payer",
        made["ben"],
        "--amount",
        "1",
        "--currency",
        "HOURS",
        "--as",
        "cy",
    ).stdout.strip()
    run("credit", "decline", commons, second, "--as", "ben")
    circle = run.json("credit", "show", commons, "HOURS")
    balances = {m["member"]: m["balance"]["amount"] for m in circle["members"]}
    assert balances == {made["ada"]: "1.5", made["ben"]: "-2.5", made["cy"]: "1.0"}
    assert circle["total"]["amount"] == "0.0"
    run.refused("credit", "leave", commons, "HOURS", "--as", "ben", says="zero balance")
    assert "sum 0.0" in run("credit", "show", commons, "HOURS").stdout
    wallet = run.json("books", "wallet", commons, "--as", "ben")
    assert wallet["circles"][0]["limit"]["amount"] == "5.0"

    run("org", "contest", commons, made["seedworks"], "--reason", "Investors own it", "--as", "ada")
    assert run.json("org", "show", commons, made["seedworks"])["organisation"]["claim"] == (
        "contested"
    )
    run.refused(
        "org",
        "contest",
        commons,
        made["seedco"],
        "--reason",
        "x",
        "--as",
        "ada",
        says="nothing to contest",
    )

    run("books", "bank-details", commons, "--set", "IBAN NL91 ABNA 0417 1643 00", "--as", "cy")
    assert run("books", "bank-details", commons, "--as", "cy").stdout.strip() == (
        "IBAN NL91 ABNA 0417 1643 00"
    )
    read = run.json("books", "bank-details", commons, "--payee", made["cy"], "--as", "ada")
    assert read["details"] == "IBAN NL91 ABNA 0417 1643 00"
    run.refused(
        "books",
        "bank-details",
        commons,
        "--payee",
        made["cy"],
        "--as",
        "ben",
        says="only the commons' treasurers",
    )
