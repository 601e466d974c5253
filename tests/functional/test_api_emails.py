"""E-mail claims of web accounts over real HTTP: the API routes under /api/v1/me/emails and the
form on the /me page (with its CSRF token), and the refusals that write nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx

from commonwork.node.node import Node
from commonwork.services import emails
from tests.functional.server import People
from tests.functional.test_pages import sign_up, token_on


def account(api: httpx.Client, name: str) -> dict[str, Any]:
    """A signed-up account: its did and the bearer header that acts as it."""
    form = {"email": f"{name}@login.example", "password": "correct horse", "display_name": name}
    made = api.post("/api/v1/accounts", json=form)
    assert made.status_code == 201, made.text
    session = api.post(
        "/api/v1/session", json={"email": form["email"], "password": form["password"]}
    )
    api.cookies.clear()
    return {
        "did": made.json()["did"],
        "auth": {"Authorization": f"Bearer {session.json()['token']}"},
    }


def test_claim_list_and_release_through_the_api(api: httpx.Client, node: Node) -> None:
    ada, ben = account(api, "ada"), account(api, "ben")
    made = api.post("/api/v1/me/emails", json={"email": " Ada@Example.org"}, headers=ada["auth"])
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "ada@example.org"
    again = api.post("/api/v1/me/emails", json={"email": "ada@example.org"}, headers=ada["auth"])
    assert (again.status_code, again.json()["email"]) == (200, "ada@example.org")
    listed = api.get("/api/v1/me/emails", headers=ada["auth"])
    assert [item["email"] for item in listed.json()["items"]] == ["ada@example.org"]
    taken = api.post("/api/v1/me/emails", json={"email": "ADA@example.org"}, headers=ben["auth"])
    assert (taken.status_code, taken.json()["code"]) == (409, "conflict")
    assert "claimed by another member" in taken.json()["detail"]
    malformed = api.post("/api/v1/me/emails", json={"email": "ada"}, headers=ben["auth"])
    assert (malformed.status_code, malformed.json()["code"]) == (400, "bad_input")
    unknown_field = api.post("/api/v1/me/emails", json={"mail": "x@y"}, headers=ben["auth"])
    assert unknown_field.status_code == 422
    anonymous = api.post("/api/v1/me/emails", json={"email": "eve@example.org"})
    assert anonymous.status_code == 401
    assert api.get("/api/v1/me/emails").status_code == 401
    assert api.get("/api/v1/me/emails", headers=ben["auth"]).json() == {"items": []}
    assert emails.claimants(node) == {"ada@example.org": ada["did"]}  # nothing else written
    not_hers = api.delete("/api/v1/me/emails/ada@example.org", headers=ben["auth"])
    assert (not_hers.status_code, not_hers.json()["code"]) == (404, "not_found")
    released = api.delete("/api/v1/me/emails/Ada@Example.org", headers=ada["auth"])
    assert released.status_code == 204
    assert api.get("/api/v1/me/emails", headers=ada["auth"]).json() == {"items": []}


EMAIL_ERROR = re.compile(r'data-testid="email-error">([^<]*)<')


def test_the_account_page_claims_and_releases_with_csrf(people: People, node: Node) -> None:
    cy = people()
    sign_up(cy, "Cy", "cy@login.example")
    page = cy.get("/me")
    assert 'data-testid="no-emails"' in page.text
    forged = cy.post("/me/emails", data={"email": "cy@example.org", "csrf": "0" * 64})
    assert forged.status_code == 403
    assert emails.claimants(node) == {}
    claimed = cy.post("/me/emails", data={"email": "Cy@Example.org", "csrf": token_on(cy, "/me")})
    assert (claimed.status_code, claimed.headers["location"]) == (303, "/me#emails")
    assert 'data-testid="claimed-email">cy@example.org<' in cy.get("/me").text
    bad = cy.post("/me/emails", data={"email": "cy at example", "csrf": token_on(cy, "/me")})
    assert bad.status_code == 400
    shown = EMAIL_ERROR.search(bad.text)
    assert shown is not None
    assert "not an e-mail address" in shown.group(1)
    assert 'value="cy at example"' in bad.text  # the input is kept
    dee = people()
    sign_up(dee, "Dee", "dee@login.example")
    taken = dee.post("/me/emails", data={"email": "cy@example.org", "csrf": token_on(dee, "/me")})
    assert taken.status_code == 409
    assert "claimed by another member" in taken.text
    release = {"email": "cy@example.org", "csrf": token_on(cy, "/me")}
    assert cy.post("/me/emails/release", data=release).status_code == 303
    assert emails.claimants(node) == {}
    assert 'data-testid="no-emails"' in cy.get("/me").text
