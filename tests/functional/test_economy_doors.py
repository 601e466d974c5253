"""The doors of the open books (issue 11, item 8), over real HTTP and on the command line.

A seed library's founder — its treasurer until a decision names another — records income in
euros, yen and Bahraini dinars through the API's signed-action door; a worker cooperative
declares itself with its own key, declares its use of the commons and countersigns the
benefit-sharing it paid; a mistaken income is reversed; the members decide a prize for Cy and a
community currency, HOURS. Then: anyone reads the books, the organisations and the payouts
(API and pages, the money flow and the treasury's chart, the why-links to the proposal and the
organisation); Cy's wallet needs her to sign in, shows the prize owed, the treasurer's payment
and her confirmation; the exports are exact (CSV) and bean-check accepts the beancount ledger;
and ``commonwork books …`` and ``commonwork org …`` read and act the same.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.web.auth import SESSION_COOKIE
from commonwork.web.economy_schemas import (
    AccountOut,
    BooksOut,
    OrganisationDetailOut,
    OrganisationPageOut,
    PayoutOut,
    SpendPageOut,
    TransactionOut,
    TransactionPageOut,
    WalletOut,
)
from tests.conftest import open_node
from tests.contract.test_books import income as books_income
from tests.contract.test_governance import act, at
from tests.contract.test_payouts import passes, payout
from tests.contract.test_standing import approve, charter, work
from tests.contract.test_tasks import day
from tests.functional.server import HTML
from tests.functional.test_api import post_action, signed_json
from tests.functional.test_api_act import act_route, found_through_act
from tests.functional.test_api_emails import account
from tests.support.books import DAY0, STATUTES, moment, seed_books
from tests.support.builders import found, join
from tests.support.cli import Cli, make_cli

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


@dataclass
class Scene:
    node: Node
    site: str
    commons: str
    people: dict[str, dict[str, Any]]  # name: {did, auth}
    coop: Keypair
    prize: str
    hours: str
    reversed: str
    benefit: str

    def act(self, api: httpx.Client, name: str, action_type: str, body: dict[str, Any]) -> str:
        made = api.post(
            act_route(action_type, self.commons), json=body, headers=self.people[name]["auth"]
        )
        assert made.status_code == 201, made.text
        return str(made.json()["items"][0]["id"])

    def did(self, name: str) -> str:
        return str(self.people[name]["did"])

    def browser(self, name: str) -> httpx.Client:
        """``name``'s browser, signed in (a session cookie of their account)."""
        client = httpx.Client(base_url=self.site, headers=HTML, timeout=30)
        token = self.people[name]["auth"]["Authorization"].removeprefix("Bearer ")
        client.cookies.set(SESSION_COOKIE, token)
        return client


def income(key: str, amount: int, currency: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "source": "donation", "amount_minor": amount, "currency": currency,
            "reference": f"bank-{key}", **extra}  # fmt: skip


@pytest.fixture
def scene(node: Node, site: str, api: httpx.Client) -> Scene:
    at(node, DAY0)
    people = {name: account(api, name) for name in ("ada", "ben", "cy")}
    commons = found_through_act(api, people["ada"], "Ada")
    made = Scene(node, site, commons, people, Keypair.generate(), "", "", "", "")
    for name in ("ben", "cy"):
        made.act(api, name, "commons.member.join", {"name": name.title()})
    made.act(api, "ada", "economy.income.record", income("d1", 10_000, "EUR", memo="Spring fair"))
    made.act(api, "ada", "economy.income.record", {**income("g1", 5_000, "JPY"), "source": "grant"})
    made.act(api, "ada", "economy.income.record", income("b1", 1_005, "BHD"))
    declare = {"org": made.coop.did, "name": "Seedworks Cooperative", "form": "worker_coop",
               "purpose": "Grows and sells the library's seeds",
               "evidence": {"registry_id": "COOP-1234", "statutes_sha256": STATUTES},
               "representatives": [made.did("ben")]}  # fmt: skip
    signed = signed_json(made.coop, "economy.org.declare", declare, commons)
    assert post_action(api, commons, signed).status_code == 201
    made.act(api, "ben", "economy.use.declare", {"org": made.coop.did, "terms": ["CC-BY-SA-4.0"],
                                                 "purpose": "Seed packets"})  # fmt: skip
    benefit = {**income("s1", 2_000, "EUR"), "source": "benefit_sharing", "payer": made.coop.did}
    made.benefit = made.act(api, "ada", "economy.income.record", benefit)
    made.act(api, "ben", "economy.txn.answer", {"txn": made.benefit, "answer": "confirmed"})
    made.reversed = made.act(api, "ada", "economy.income.record", income("w1", 999, "EUR"))
    made.act(api, "ada", "economy.txn.reverse",
             {"key": "r1", "txn": made.reversed, "reason": "Counted twice"})  # fmt: skip
    prize = {"kind": "spend", "purpose": "prize", "to": made.did("cy"), "amount_minor": 1500,
             "currency": "EUR", "memo": "For the seed catalogue"}  # fmt: skip
    proposal = {"title": "A prize for Cy", "text": "The catalogue.", "method": "majority"}
    made.prize = made.act(api, "ben", "governance.proposal.make", {**proposal, "effect": prize})
    hours = {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours of help"}
    made.hours = made.act(api, "ben", "governance.proposal.make",
                          {**proposal, "title": "Count hours", "effect": hours})  # fmt: skip
    at(node, moment(1, 10))
    for name in people:
        for pid in (made.prize, made.hours):
            stance = {"proposal": pid, "version": 1, "ballot": "for"}
            made.act(api, name, "governance.stance.take", stance)
    at(node, moment(4, 12))  # both close before the next entry
    made.act(api, "ada", "economy.income.record", {**income("h1", 25, "HOURS"), "source": "other"})
    return made


def test_anyone_reads_the_books_organisations_and_payouts_over_the_api(
    scene: Scene, api: httpx.Client
) -> None:
    base = f"/api/v1/commons/{scene.commons}"
    books = api.get(f"{base}/books").json()
    assert {c["code"]: c["exponent"] for c in books["currencies"]} == {
        "BHD": 3, "EUR": 2, "HOURS": 1, "JPY": 0,
    }  # fmt: skip
    held = {(b["account"], b["currency"]): b["amount"] for b in books["balances"]}
    assert held[("treasury", "EUR")] == "105.00"  # 100 + 20 (the reversed 9.99 is back out) - 15
    assert held[("treasury", "JPY")] == "5000"
    assert held[("treasury", "BHD")] == "1.005"
    assert held[("treasury", "HOURS")] == "2.5"
    assert held[(f"payable:{scene.did('cy')}", "EUR")] == "15.00"
    assert books["balances"][0]["account"] == "treasury"
    flow = {(f["source"], f["target"]): f["amount"] for f in books["flow"]["flows"]}
    assert books["flow"]["currency"] == "EUR"
    assert flow == {("donation", "treasury"): "100.00", ("benefit_sharing", "treasury"): "20.00",
                    ("treasury", "payables"): "15.00"}  # fmt: skip
    # transactions, newest first, a page at a time: every one once
    seen, before = [], None
    while True:
        query = {"limit": 3} if before is None else {"limit": 3, "before": before}
        page = api.get(f"{base}/books/transactions", params=query).json()
        seen += [item["number"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == list(range(books["transactions"], 0, -1))
    prize_txn = api.get(f"{base}/books/transactions/{scene.prize}:spend").json()
    assert prize_txn["links"][0] == {"kind": "decision", "value": scene.prize,
                                     "text": "A prize for Cy", "seq": None,
                                     "organisation": False}  # fmt: skip
    benefit = api.get(f"{base}/books/transactions/{scene.benefit}").json()
    payer = next(link for link in benefit["links"] if link["kind"] == "payer")
    assert (payer["text"], payer["organisation"]) == ("Seedworks Cooperative", True)
    assert benefit["answer"] == "confirmed"
    wrong = api.get(f"{base}/books/transactions/{scene.reversed}").json()
    assert [link["kind"] for link in wrong["links"]] == ["reference", "reversed_by"]
    cy = api.get(f"{base}/books/accounts/payable:{scene.did('cy')}").json()
    assert [item["kind"] for item in cy["items"]] == ["prize"]
    assert api.get(f"{base}/books/accounts/bogus").status_code == 400
    assert api.get(f"{base}/books/transactions/{'0' * 64}").status_code == 404
    orgs = api.get(f"{base}/organisations").json()
    assert [(o["name"], o["form"]) for o in orgs["items"]] == [
        ("Seedworks Cooperative", "worker_coop")
    ]
    assert orgs["uses"][0]["terms"] == ["CC-BY-SA-4.0"]
    org = api.get(f"{base}/organisations/{scene.coop.did}").json()
    assert [r["member"] for r in org["representatives"]] == [scene.did("ben")]
    assert org["organisation"]["evidence"]["registry_id"] == "COOP-1234"
    spends = api.get(f"{base}/payouts").json()["items"]
    assert [(s["purpose"], s["status"], s["amount"]["amount"]) for s in spends] == [
        ("prize", "done", "15.00")
    ]
    detail = api.get(f"{base}/payouts/{scene.prize}").json()
    assert detail["transaction"]["txn_id"] == f"{scene.prize}:spend"
    assert api.get(f"{base}/payouts/{scene.hours}").status_code == 404  # not money
    again = api.get(f"{base}/books")
    assert again.headers["commonwork-cache"] == "hit"  # anonymous reads are kept


def test_the_wallet_needs_a_sign_in_and_shows_what_is_owed_paid_and_confirmed(
    scene: Scene, api: httpx.Client
) -> None:
    wallet = f"/api/v1/me/wallet?commons={scene.commons}"
    anonymous = api.get(wallet)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    cy = scene.people["cy"]["auth"]
    owed = api.get(wallet, headers=cy).json()
    assert [m["amount"] for m in owed["owed"]] == ["15.00"]
    assert owed["history"]["items"][0]["explanation"].startswith("A prize of 15.00 EUR to Cy")
    paid = {"key": "pay-cy", "payee": scene.did("cy"), "amount_minor": 1000, "currency": "EUR",
            "reference": "SEPA-77"}  # fmt: skip
    payment = scene.act(api, "ada", "economy.payment.record", paid)
    waiting = api.get(wallet, headers=cy).json()
    assert waiting["unanswered"] == [payment]
    assert [m["amount"] for m in waiting["owed"]] == ["5.00"]
    scene.act(api, "cy", "economy.txn.answer", {"txn": payment, "answer": "confirmed"})
    assert api.get(wallet, headers=cy).json()["unanswered"] == []
    ben = api.get(wallet, headers=scene.people["ben"]["auth"]).json()
    assert [org["name"] for org in ben["represents"]] == ["Seedworks Cooperative"]
    with httpx.Client(base_url=scene.site, headers=HTML) as anyone:
        page = anyone.get(f"/me/wallet?commons={scene.commons}")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/signin?next=/me/wallet")
    with scene.browser("cy") as browser:
        mine = browser.get(f"/me/wallet?commons={scene.commons}")
        assert mine.status_code == 200
        assert 'data-testid="owed"' in mine.text
        assert "5.00 EUR" in mine.text
        assert 'data-answer="confirmed"' in mine.text
        assert browser.get("/me/wallet").status_code == 200  # asks for the commons


def test_the_pages_show_the_books_with_their_charts_and_why_links(scene: Scene) -> None:
    base = f"/commons/{scene.commons}"
    with httpx.Client(base_url=scene.site, headers=HTML) as anyone:
        commons = anyone.get(base)
        assert f'href="{base}/books" data-testid="nav-books"' in commons.text
        books = anyone.get(f"{base}/books")
        assert books.status_code == 200
        text = books.text
        assert 'aria-current="page">Open books' in text
        assert 'data-testid="money-flow"' in text
        assert 'class="chart-flow"' in text
        assert 'data-testid="treasury-chart"' in text
        assert f'href="{base}/proposals/{scene.prize}" data-testid="why-decision"' in text
        assert f'href="{base}/organisations/{scene.coop.did}" data-testid="why-payer"' in text
        assert "Counted twice" in text
        fetched = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text)
        assert fetched
        assert all(url.startswith("/static/") for url in fetched)  # offline: nothing from elsewhere
        older = anyone.get(f"{base}/books?before=3")
        assert 'data-number="2"' in older.text
        assert 'data-number="3"' not in older.text
        yen = anyone.get(f"{base}/books?currency=JPY")
        assert "Money in JPY" in yen.text
        for path in (
            f"/books/transactions/{scene.prize}:spend",
            "/books/accounts/treasury",
            f"/books/accounts/payable:{scene.did('cy')}",
            "/organisations",
            f"/organisations/{scene.coop.did}",
            f"/payouts/{scene.prize}",
        ):
            page = anyone.get(base + path)
            assert page.status_code == 200, (path, page.text[:500])
            assert 'data-testid="nav-books"' in page.text
        organisation = anyone.get(f"{base}/organisations/{scene.coop.did}").text
        assert "worker cooperative" in organisation
        assert "COOP-1234" in organisation
        missing = anyone.get(f"{base}/payouts/{'0' * 64}")
        assert missing.status_code == 404


def test_the_exports_are_exact_and_bean_check_accepts_the_ledger(
    scene: Scene, api: httpx.Client, tmp_path: Path
) -> None:
    base = f"/api/v1/commons/{scene.commons}/books"
    exported = api.get(f"{base}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    books = api.get(base).json()
    assert len(rows) == books["postings"]
    for currency in ("EUR", "JPY", "BHD", "HOURS"):  # each transaction balances, to the unit
        assert sum(int(r["amount_minor"]) for r in rows if r["currency"] == currency) == 0
    amounts = {(r["account"], r["currency"], r["amount"]) for r in rows}
    assert ("treasury", "BHD", "1.005") in amounts
    assert ("treasury", "JPY", "5000") in amounts
    assert ("treasury", "HOURS", "2.5") in amounts
    ledger = api.get(f"{base}/export.beancount")
    assert ledger.status_code == 200
    assert "commodity HOURS" in ledger.text
    assert f"Liabilities:Payable:Z{scene.did('cy').removeprefix('did:key:z')}" in ledger.text
    path = tmp_path / "books.beancount"
    path.write_text(ledger.text)
    checked = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Cli, Any]:
    """A data directory holding the books of tests/support/books.py, and the CLI on it."""
    data = tmp_path / "cli"
    node = open_node(data)
    try:
        made = seed_books(node)
    finally:
        node.close()
    return make_cli(data), made


def test_the_command_line_reads_exports_and_acts(seeded: tuple[Cli, Any], tmp_path: Path) -> None:
    run, books = seeded
    shown = run.json("books", "show", books.commons)
    assert shown["transactions"] == 8
    assert "money flow in EUR" in run("books", "show", books.commons).stdout
    listed = run.json("books", "transactions", books.commons, "--limit", "2")
    assert [item["number"] for item in listed] == [8, 7]
    assert "--before 7" in run("books", "transactions", books.commons, "--limit", "2").stderr
    cy = books.keys["cy"].did
    wallet = run.json("books", "wallet", books.commons, "--did", cy)
    assert [m["amount"] for m in wallet["owed"]] == ["5.00"]
    payout = run("books", "payout", books.commons, books.prize).stdout
    assert "prize of 15.00 EUR" in payout
    assert run.json("books", "payouts", books.commons)[0]["status"] == "done"
    assert run.json("books", "orgs", books.commons)["items"][0]["form"] == "worker_coop"
    assert run.json("org", "show", books.commons, books.coop)["uses"][0]["terms"] == [
        "CC-BY-SA-4.0"
    ]
    account = run.json("books", "account", books.commons, "treasury")
    assert account["balances"][0] == {"currency": "BHD", "amount_minor": 1005, "amount": "1.005"}
    ledger = tmp_path / "books.beancount"
    summary = run.json("books", "export", books.commons, "--format", "beancount", "-o", str(ledger))
    assert summary["bytes"] == ledger.stat().st_size
    assert subprocess.run([str(BEAN_CHECK), str(ledger)], check=False).returncode == 0
    assert run("books", "export", books.commons).stdout.startswith("number,txn_id,")
    run.refused("books", "export", books.commons, "--json", says="give -o FILE")


def test_the_treasurer_acts_on_the_command_line_in_decimals(run: Cli) -> None:
    for name in ("ada", "ben", "seedworks"):
        run("id", "new", name)
    commons = run(
        "commons", "found", "--name", "Seed Library", "--purpose", "Keep seeds",
        "--licence", "CC-BY-SA-4.0", "--as", "ada",
    ).stdout.strip()  # fmt: skip
    run("join", commons, "--as", "ben")
    money = ("books", "income", commons, "--reference", "SPRING-1", "--as", "ada")
    made = run.json(*money, "--amount", "120.50", "--currency", "EUR")
    run.refused(*money, "--amount", "120.50", "--currency", "EUR", says="recorded already")
    run.refused(
        "books", "income", commons, "--amount", "1.0005", "--currency", "BHD", "--reference",
        "B-1", "--as", "ada", says="more decimals", code="bad_input",
    )  # fmt: skip
    run.json("books", "income", commons, "--amount", "1.005", "--currency", "BHD",
             "--reference", "B-2", "--as", "ada")  # fmt: skip
    run.refused(
        "books", "income", commons, "--amount", "5", "--currency", "EUR", "--reference", "X",
        "--as", "ben", says="only the treasurer",
    )  # fmt: skip
    ben = run("id", "show", "ben").stdout.strip()
    run.refused(
        "books", "pay", commons, "--payee", ben, "--amount", "1", "--currency", "EUR",
        "--reference", "T-1", "--as", "ada", says="never go beyond the funds",
    )  # fmt: skip
    reversed_ = run.json(
        "books", "reverse", commons, made["id"], "--reason", "Twice", "--as", "ada"
    )
    assert reversed_["created"]
    run("org", "declare", commons, "--name", "Seedworks", "--form", "worker_coop",
        "--registry-id", "COOP-1", "--statutes-sha256", STATUTES, "--representative", ben,
        "--as", "seedworks")  # fmt: skip
    org = run("id", "show", "seedworks").stdout.strip()
    run("org", "use", commons, org, "--terms", "CC-BY-SA-4.0", "--as", "ben")
    paid = run(
        "books", "income", commons, "--amount", "30", "--currency", "EUR", "--source",
        "benefit_sharing", "--payer", org, "--reference", "BS-1", "--as", "ada",
    ).stdout.strip()  # fmt: skip
    run("books", "answer", commons, paid, "--confirmed", "--as", "ben")
    shown = run.json("books", "transaction", commons, paid)
    assert (shown["answer"], shown["postings"][1]["amount"]) == ("confirmed", "30.00")
    balances = run.json("books", "show", commons)["balances"]
    held = {(b["account"], b["currency"]): b["amount"] for b in balances}
    assert held[("treasury", "EUR")] == "30.00"
    assert held[("treasury", "BHD")] == "1.005"


def conforms(model: type[BaseModel], data: dict[str, Any]) -> None:
    """The JSON is what the OpenAPI document says: every field declared, none more."""
    model.model_validate(data)
    assert set(data) == set(model.model_fields), model.__name__


def test_every_answer_matches_its_declared_schema(scene: Scene, api: httpx.Client) -> None:
    base = f"/api/v1/commons/{scene.commons}"
    conforms(BooksOut, api.get(f"{base}/books").json())
    page = api.get(f"{base}/books/transactions").json()
    conforms(TransactionPageOut, page)
    for item in page["items"]:
        conforms(TransactionOut, item)
    conforms(AccountOut, api.get(f"{base}/books/accounts/treasury").json())
    conforms(OrganisationPageOut, api.get(f"{base}/organisations").json())
    conforms(OrganisationDetailOut, api.get(f"{base}/organisations/{scene.coop.did}").json())
    conforms(SpendPageOut, api.get(f"{base}/payouts").json())
    conforms(PayoutOut, api.get(f"{base}/payouts/{scene.prize}").json())
    wallet = api.get(
        f"/api/v1/me/wallet?commons={scene.commons}", headers=scene.people["cy"]["auth"]
    )
    conforms(WalletOut, wallet.json())


def test_a_payout_by_value_points_shows_each_line_explained(
    node: Node, site: str, api: httpx.Client
) -> None:
    people = {name: Keypair.generate() for name in ("ada", "ben", "cy")}
    node.clock = lambda: day(0)
    commons = found(node, people["ada"], charter(people["ada"]))
    join(node, commons, people["ben"], "Ben")
    join(node, commons, people["cy"], "Cy")
    approve(node, commons, people["ada"], work(node, commons, people["ben"], hours="5"))
    approve(node, commons, people["ada"], work(node, commons, people["cy"], hours="2"))
    node.clock = lambda: day(1)
    act(node, commons, people["ada"], "economy.income.record", books_income("grant", 1000, "EUR"))
    first = day(0)[:10]
    effect = payout(1000, policy="period", start=first, end=first)
    pid = passes(node, commons, people, effect, 1)
    node.clock = lambda: day(13)  # a large payout waits its grace window
    join(node, commons, Keypair.generate(), "Dee")
    detail = api.get(f"/api/v1/commons/{commons}/payouts/{pid}").json()
    conforms(PayoutOut, detail)
    lines = {line["recipient"]: line for line in detail["lines"]}
    assert detail["lines"][0]["recipient"] == "reserve"
    assert lines["reserve"]["amount"]["amount"] == "1.00"
    ben = lines[people["ben"].did]
    assert (ben["points"], ben["amount"]["amount"], ben["rounded_up"]) == ("10.000", "6.43", True)
    assert ben["exact_amount"] == "6.428571…"
    assert "Ben earned 10.000 of the 14.000 value points" in ben["explanation"]
    assert "rounded up to 6.43 EUR" in ben["explanation"]
    cy = lines[people["cy"].did]
    assert (cy["amount"]["amount"], cy["rounded_up"]) == ("2.57", False)
    assert detail["points_milli"] == 14_000
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        page = anyone.get(f"/commons/{commons}/payouts/{pid}")
        assert page.status_code == 200
        assert page.text.count('data-testid="payout-line"') == 3
        assert "rounded up to 6.43 EUR" in page.text
        books = anyone.get(f"/commons/{commons}/books").text
        assert 'data-target="reserve"' in books  # the flow chart's band to the reserve
