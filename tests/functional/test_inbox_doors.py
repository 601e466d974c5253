"""The inbox on its three doors: the API (signed in), the page and the command line."""

from __future__ import annotations

from typing import Any

import httpx

from commonwork.node.node import Node
from commonwork.services.identities import Keypair
from tests.contract.test_settlement import approve, charter
from tests.functional.test_cli import CONTRIBUTE, FOUND
from tests.support.builders import found
from tests.support.cli import Cli


def sign_up(client: httpx.Client, name: str) -> dict[str, Any]:
    body = {
        "email": f"{name.lower()}@example.org",
        "password": "a long passphrase",
        "display_name": name,
    }
    made = client.post("/api/v1/accounts", json=body)
    assert made.status_code == 201, made.text
    signed = client.post(
        "/api/v1/session", json={"email": body["email"], "password": body["password"]}
    )
    assert signed.status_code == 200, signed.text
    return dict(client.get("/api/v1/me").json())


def test_the_api_and_the_page_show_what_entries_told_the_signed_in_person(
    node: Node, site: str
) -> None:
    ada = Keypair.generate()
    commons_id = found(node, ada, charter(ada))
    with httpx.Client(base_url=site, headers={"origin": site}) as web:  # as its own pages do
        assert web.get("/api/v1/me/inbox").status_code == 401
        me = sign_up(web, "Ben")
        joined = web.post(f"/api/v1/commons/{commons_id}/join", json={"name": "Ben"})
        assert joined.status_code == 201, joined.text
        recorded = web.post(
            f"/api/v1/commons/{commons_id}/contributions",
            json={"kind": "work", "quantity": "2", "description": "sorted seed"},
        )
        assert recorded.status_code == 201, recorded.text
        contribution = recorded.json()["items"][0]["id"]
        approve(node, commons_id, ada, contribution)
        answer = web.get("/api/v1/me/inbox").json()
        [item] = answer["items"]
        assert (item["kind"], item["subject"], item["says"]) == (
            "production.contribution.approve",
            contribution,
            "approved your contribution",
        )
        assert answer["next"] is None
        assert web.get("/api/v1/me/inbox?limit=0").status_code == 422
        page = web.get("/me/inbox", headers={"accept": "text/html"})
        assert "approved your contribution" in page.text
        assert f"#c-{contribution}" in page.text
        assert me["did"].startswith("did:key:")


def test_the_command_line_lists_an_identitys_inbox(run: Cli) -> None:
    run("id", "new", "alice")
    run("id", "new", "bob")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    assert "nothing yet" in run("inbox", "--as", "bob").stdout
    work = run("contribute", commons, *CONTRIBUTE, "--as", "bob").stdout.strip()
    run("validate", commons, work, "--approve", "--as", "alice")
    assert "Alice approved your contribution" in run("inbox", "--as", "bob").stdout
    listed = run.json("inbox", "--as", "bob")
    assert [item["subject"] for item in listed["items"]] == [work]
    assert listed["next"] is None
    assert run.json("inbox", "--as", "alice")["items"] == []
