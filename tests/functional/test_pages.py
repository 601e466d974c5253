"""The server-rendered pages over real HTTP: reading without an account, the forms of the whole
found → join → contribute → validate cycle, CSRF refusals that write nothing, and error pages."""

from __future__ import annotations

import re

import httpx
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.tables import entries
from commonwork.services import accounts, acting, journals
from commonwork.web.app import create_app
from commonwork.web.auth import SESSION_COOKIE
from tests.functional.server import HTML, People, serve_app
from tests.support import builders

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
COMMONS_LINK = re.compile(r"/commons/([0-9a-f]{64})")


def token_on(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match is not None, f"no csrf field on {path}"
    return match.group(1)


def sign_up(client: httpx.Client, name: str, email: str) -> None:
    form = {"display_name": name, "email": email, "password": "correct horse"}
    response = client.post("/signup", data=form)
    assert response.status_code == 303, response.text
    assert client.cookies.get("commonwork_session")


def found(client: httpx.Client, name: str = "Seed Library") -> str:
    form = {
        "name": name,
        "purpose": "Keep open-pollinated seeds in common",
        "aims": "Catalogue local varieties\nShare seeds every spring",
        "metrics": "varieties: distinct varieties kept",
        "licence": "CC-BY-SA-4.0",
        "join_policy": "open",
        "csrf": token_on(client, "/found"),
    }
    response = client.post("/found", data=form)
    assert response.status_code == 303, response.text
    match = COMMONS_LINK.fullmatch(response.headers["location"])
    assert match is not None
    return match.group(1)


def post_on(
    client: httpx.Client, commons_id: str, action: str, form: dict[str, str]
) -> httpx.Response:
    page = f"/commons/{commons_id}"
    return client.post(f"{page}/{action}", data={**form, "csrf": token_on(client, page)})


def head_seq(node: Node, commons_id: str) -> int:
    head, _ = journals.journal_page(node, commons_id, limit=1)
    return head.seq


def test_anyone_reads_the_list_a_commons_and_its_journal_without_an_account(
    node: Node, site: str
) -> None:
    founder, member = Keypair.generate(), Keypair.generate()
    commons_id = builders.found(node, founder)
    builders.join(node, commons_id, member, name="Ada")
    contribution = builders.contribute(node, commons_id, member, hours="2.5")
    builders.validate(node, commons_id, founder, contribution)

    with httpx.Client(base_url=site, headers=HTML) as anonymous:
        index = anonymous.get("/")
        page = anonymous.get(f"/commons/{commons_id}")
        journal = anonymous.get(f"/commons/{commons_id}/journal")

    assert index.status_code == 200
    assert "Seed Library" in index.text
    assert f"/commons/{commons_id}" in index.text
    assert page.status_code == 200
    assert "Catalogue local varieties" in page.text
    assert "weeded the seed beds" in page.text
    assert 'data-status="accepted"' in page.text
    assert "Ada" in page.text
    assert "join-button" not in page.text  # nobody is signed in: no buttons, an invitation
    assert "Sign in</a> or" in page.text
    assert journal.status_code == 200
    assert "Every entry up to seq 3 was checked" in journal.text
    assert 'data-ok="none"' in journal.text  # nobody asked for a full re-verification yet
    assert "reverify-button" not in journal.text  # anonymous: an invitation to sign in instead
    assert journal.text.count('data-testid="journal-entry"') == 4


def test_the_whole_cycle_through_forms_ends_with_an_accepted_contribution(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    sign_up(bob, "Bob", "bob@example.org")

    assert post_on(bob, commons_id, "join", {}).status_code == 303
    record = {"kind": "work", "quantity": "3", "description": "sorted the seed drawers"}
    recorded = post_on(bob, commons_id, "contributions", record)
    assert recorded.status_code == 303
    contribution_id = recorded.headers["location"].split("#c-")[1]
    bob_view = bob.get(f"/commons/{commons_id}").text
    assert "approve-button" not in bob_view  # never on one's own contribution

    verdict = {"contribution": contribution_id, "verdict": "approve", "reason": "seen it"}
    assert post_on(ann, commons_id, "validations", verdict).status_code == 303

    page = ann.get(f"/commons/{commons_id}").text
    assert 'data-status="accepted"' in page
    assert "sorted the seed drawers" in page
    assert "approve-button" not in page  # hidden once validated
    assert head_seq(node, commons_id) == 3


def test_posts_without_or_with_a_wrong_csrf_token_are_refused_and_write_nothing(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    sign_up(bob, "Bob", "bob@example.org")
    record = {"kind": "work", "quantity": "1", "description": "forged"}

    refused = [
        bob.post(f"/commons/{commons_id}/join", data={}),
        bob.post(f"/commons/{commons_id}/join", data={"csrf": "0" * 64}),
        ann.post(f"/commons/{commons_id}/contributions", data={**record, "csrf": "nope"}),
        ann.post("/found", data={"name": "Forged", "purpose": "x", "licence": "MIT"}),
    ]

    assert [response.status_code for response in refused] == [403] * 4
    assert "another site" in refused[0].text
    assert head_seq(node, commons_id) == 0
    assert "Forged" not in ann.get("/").text


def test_posts_without_an_account_ask_to_sign_in(node: Node, site: str) -> None:
    commons_id = builders.found(node, Keypair.generate())
    with httpx.Client(base_url=site, headers=HTML) as anonymous:
        response = anonymous.post(f"/commons/{commons_id}/join", data={"csrf": "x"})
        me = anonymous.get("/me")
    assert response.status_code == 401
    assert 'href="/signin"' in response.text
    assert me.status_code == 303
    assert me.headers["location"] == "/signin?next=/me"
    assert head_seq(node, commons_id) == 0


def test_an_unknown_commons_is_a_404_page_in_html(site: str) -> None:
    with httpx.Client(base_url=site, headers=HTML) as client:
        page = client.get(f"/commons/{'ab' * 32}")
        journal = client.get(f"/commons/{'ab' * 32}/journal")
        nowhere = client.get("/no/such/page")
    for response in (page, journal, nowhere):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert 'data-code="not_found"' in response.text


def test_form_mistakes_show_the_form_again_with_the_input_and_the_reason(
    node: Node, people: People
) -> None:
    ann = people()
    short = ann.post(
        "/signup", data={"display_name": "Ann", "email": "ann@example.org", "password": "short"}
    )
    assert short.status_code == 400
    assert "at least 8 characters" in short.text
    assert 'value="ann@example.org"' in short.text
    sign_up(ann, "Ann", "ann@example.org")

    bad_licence = ann.post(
        "/found",
        data={
            "name": "Tool <Library>",
            "purpose": "Lend tools",
            "licence": "Nope-1.0",
            "metrics": "",
            "csrf": token_on(ann, "/found"),
        },
    )
    assert bad_licence.status_code == 422
    assert "not a valid SPDX" in bad_licence.text
    assert 'value="Tool &lt;Library&gt;"' in bad_licence.text

    commons_id = found(ann)
    record = {"kind": "money", "quantity": "2.5", "currency": "eur", "description": "for seeds"}
    money = post_on(ann, commons_id, "contributions", record)
    assert money.status_code == 422
    assert "whole minor units" in money.text
    assert "for seeds</textarea>" in money.text
    assert head_seq(node, commons_id) == 0


def test_sign_in_out_and_a_wrong_password(people: People) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    assert ann.post("/signout", data={"csrf": token_on(ann, "/")}).status_code == 303
    assert 'data-testid="nav-signin"' in ann.get("/").text

    wrong = ann.post("/signin", data={"email": "ann@example.org", "password": "incorrect"})
    assert wrong.status_code == 401
    assert 'value="ann@example.org"' in wrong.text
    elsewhere = {"email": "ann@example.org", "password": "correct horse", "next": "//evil.example"}
    right = ann.post("/signin", data=elsewhere)
    assert right.status_code == 303
    assert right.headers["location"] == "/"
    assert 'data-testid="nav-account">Ann<' in ann.get("/").text


def test_the_account_page_shows_the_did_and_exports_the_key_once_with_the_password(
    people: People,
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    me = ann.get("/me").text
    assert re.search(r'data-testid="my-did">did:key:z6Mk\w+<', me)

    wrong = ann.post("/me/key", data={"password": "incorrect", "csrf": token_on(ann, "/me")})
    assert wrong.status_code == 401
    assert 'data-testid="secret-key"' not in wrong.text
    shown = ann.post("/me/key", data={"password": "correct horse", "csrf": token_on(ann, "/me")})
    assert shown.status_code == 200
    assert 'data-testid="secret-key"' in shown.text
    assert "shown this once" in shown.text
    assert shown.headers["cache-control"] == "no-store"


def test_a_dispute_needs_a_reason_and_is_shown_with_it(node: Node, people: People) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    sign_up(bob, "Bob", "bob@example.org")
    post_on(bob, commons_id, "join", {})
    record = {"kind": "artifact", "quantity": "1", "description": "a seed catalogue"}
    contribution_id = post_on(bob, commons_id, "contributions", record).headers["location"][-64:]

    bare = {"contribution": contribution_id, "verdict": "dispute", "reason": ""}
    refused = post_on(ann, commons_id, "validations", bare)
    assert refused.status_code == 422
    assert "must say why" in refused.text
    assert head_seq(node, commons_id) == 2

    reasoned = {**bare, "reason": "this catalogue is <b>someone else's</b>"}
    assert post_on(ann, commons_id, "validations", reasoned).status_code == 303
    page = ann.get(f"/commons/{commons_id}").text
    assert 'data-status="disputed"' in page
    assert "this catalogue is &lt;b&gt;someone else&#39;s&lt;/b&gt;" in page


def test_an_adjustment_needs_a_quantity_and_a_reason_and_is_shown(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    sign_up(bob, "Bob", "bob@example.org")
    post_on(bob, commons_id, "join", {})
    record = {"kind": "work", "quantity": "8", "description": "sorted the bean seeds"}
    contribution_id = post_on(bob, commons_id, "contributions", record).headers["location"][-64:]
    assert 'data-testid="adjust-button"' in ann.get(f"/commons/{commons_id}").text

    vague = {"contribution": contribution_id, "verdict": "adjust", "reason": "took 5 hours"}
    refused = post_on(ann, commons_id, "validations", {**vague, "quantity": ""})
    assert refused.status_code == 422
    assert "quantity" in refused.text
    assert head_seq(node, commons_id) == 2

    assert post_on(ann, commons_id, "validations", {**vague, "quantity": "5"}).status_code == 303
    page = ann.get(f"/commons/{commons_id}").text
    assert "adjusted to 5" in page
    assert "took 5 hours" in page


def test_the_journal_pages_by_seq_and_shows_full_entries(node: Node, site: str) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    for _ in range(3):
        builders.contribute(node, commons_id, founder)
    with httpx.Client(base_url=site, headers=HTML) as client:
        later = client.get(f"/commons/{commons_id}/journal", params={"after": 1})
    assert later.status_code == 200
    assert re.findall(r'data-testid="journal-entry" data-seq="(\d+)"', later.text) == ["2", "3"]
    assert "&#34;type&#34;: &#34;production.contribution.record&#34;" in later.text
    assert "Every entry up to seq 3 was checked" in later.text
    assert f"/commons/{commons_id}/journal?after=-1" in later.text


def test_the_journal_explorer_names_the_first_bad_entry_of_a_tampered_journal(
    node: Node, people: People
) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    builders.contribute(node, commons_id, founder)
    builders.contribute(node, commons_id, founder)
    where = (entries.c.commons_id == commons_id) & (entries.c.seq == 1)
    with node.writing() as conn:
        line = conn.execute(sa.select(entries.c.line).where(where)).scalar_one()
        forged = line.replace("weeded the seed beds", "weeded the whole garden")
        conn.execute(sa.update(entries).where(where).values(line=forged))
    client = people()
    sign_up(client, "Vera", "vera@example.org")
    explorer = f"/commons/{commons_id}/journal"

    reverified = client.post(f"{explorer}/verify", data={"csrf": token_on(client, explorer)})
    journal = client.get(explorer)

    assert reverified.status_code == 303
    assert reverified.headers["location"] == f"{explorer}#verification"
    assert journal.status_code == 200
    assert 'data-ok="false" data-current="true"' in journal.text
    assert "failed after 1 good entry" in journal.text
    assert re.search(r"seq 1</a>,\s+id", journal.text)
    assert "reverify-button" not in journal.text  # kept for this head: nothing to run again


def test_sign_in_posted_from_another_site_is_refused(node: Node) -> None:
    accounts.sign_up(node, email="ann@example.org", password="long enough", display_name="Ann")
    with serve_app(create_app(node)) as base, httpx.Client(base_url=base) as client:
        form = {"email": "ann@example.org", "password": "long enough"}
        forged = client.post("/signin", data=form, headers={"origin": "https://evil.example"})
        assert forged.status_code == 403
        assert SESSION_COOKIE not in forged.cookies
        unnamed = client.post("/signin", data=form, headers={"sec-fetch-site": "cross-site"})
        assert unnamed.status_code == 403  # no Origin, but the browser says it is another site
        assert SESSION_COOKIE not in unnamed.cookies
        same = client.post("/signin", data=form, headers={"origin": base})
        assert same.status_code == 303


def test_co_authors_see_no_verdict_buttons_and_a_correction_reopens_a_dispute(
    node: Node, people: People
) -> None:
    ann, bob, cy = people(), people(), people()
    for client, name in ((ann, "Ann"), (bob, "Bob"), (cy, "Cy")):
        sign_up(client, name, f"{name.lower()}@example.org")
    commons_id = found(ann)
    for client in (bob, cy):
        assert post_on(client, commons_id, "join", {}).status_code == 303
    bob_account = accounts.sign_in(node, email="bob@example.org", password="correct horse")[0]
    cy_account = accounts.sign_in(node, email="cy@example.org", password="correct horse")[0]
    cy_key = accounts.custodial_keypair(node, cy_account)
    made = acting.record_contribution(
        node,
        actor=cy_key,
        commons_id=commons_id,
        kind="work",
        quantity="4",
        description="built the seed shelves together",
        co_authors={bob_account.did: "0.5"},
    )
    assert "approve-button" not in bob.get(f"/commons/{commons_id}").text  # co-author
    assert "approve-button" in ann.get(f"/commons/{commons_id}").text
    verdict = {"contribution": made.entry.id, "verdict": "dispute", "reason": "it took longer"}
    assert post_on(ann, commons_id, "validations", verdict).status_code == 303
    assert "approve-button" not in ann.get(f"/commons/{commons_id}").text

    acting.correct_contribution(
        node,
        actor=cy_key,
        commons_id=commons_id,
        contribution_id=made.entry.id,
        reason="it was five hours",
        changes={"quantity": "5"},
    )
    assert "approve-button" in ann.get(f"/commons/{commons_id}").text  # the old approval is history


def test_the_use_of_a_lent_tool_is_recorded_through_the_form(node: Node, people: People) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    before = head_seq(node, commons_id)
    missing = {"kind": "resource_use", "quantity": "2", "description": "cut planks"}
    refused = post_on(ann, commons_id, "contributions", missing)
    assert refused.status_code == 422  # the action type's own schema refuses it, as on every door
    assert "tool or machine" in refused.text
    assert head_seq(node, commons_id) == before
    used = dict(missing, resource="the shared bandsaw")
    assert post_on(ann, commons_id, "contributions", used).status_code == 303
    assert head_seq(node, commons_id) == before + 1
