"""A cookie-authenticated API write must come from the node's own pages (issue 9, "cross-site
writes refused"): before, `POST …/join` with `Content-Type: text/plain` and a foreign Origin
signed a journal entry with the victim's key (201)."""

from __future__ import annotations

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.functional.server import journal_head
from tests.support.builders import found

PASSWORD = "a long passphrase"


def signed_in(site: str) -> tuple[httpx.Client, str]:
    """A browser's cookie jar, signed in; and the bearer token of the same session."""
    web = httpx.Client(base_url=site)
    body = {"email": "vic@example.org", "password": PASSWORD, "display_name": "Vic"}
    assert web.post("/api/v1/accounts", json=body).status_code == 201
    session = web.post("/api/v1/session", json={"email": body["email"], "password": PASSWORD})
    return web, str(session.json()["token"])


def test_cross_site_writes_with_the_cookie_are_refused_and_write_nothing(
    node: Node, site: str
) -> None:
    commons_id = found(node, Keypair.generate())
    web, token = signed_in(site)
    join = f"/api/v1/commons/{commons_id}/join"
    before = journal_head(web, commons_id)
    evil = {"origin": "http://evil.example"}
    attempts = [
        {**evil, "content-type": "text/plain"},  # a "simple" request: no preflight
        {**evil, "content-type": "application/json"},
        {"sec-fetch-site": "cross-site", "content-type": "application/json"},
        {"content-type": "application/json"},  # no word from the browser at all
        {"origin": site, "content-type": "text/plain"},  # same site, but not JSON
    ]
    for headers in attempts:
        refused = web.post(join, content='{"name": "Vic"}', headers=headers)
        if headers["content-type"] == "text/plain":  # the route's JSON body refuses it first
            assert refused.status_code == 422, (headers, refused.text)
        else:
            assert refused.status_code == 403, (headers, refused.text)
            assert refused.json()["code"] == "not_allowed"
    claim = web.post(  # no body to parse: the session's check is what refuses it
        f"/api/v1/commons/{commons_id}/tasks/{'b' * 64}/claim",
        headers={**evil, "content-type": "text/plain"},
    )
    assert claim.status_code == 403, claim.text
    assert journal_head(web, commons_id) == before
    same = web.post(join, json={"name": "Vic"}, headers={"origin": site})
    assert same.status_code == 201, same.text
    with httpx.Client(base_url=site) as client:  # a bearer token: never sent by a browser itself
        left = client.post(
            f"/api/v1/commons/{commons_id}/leave",
            json={},
            headers={"authorization": f"Bearer {token}", **evil},
        )
        assert left.status_code == 201, left.text
    web.close()
