"""Broadcast tasks over real HTTP: the custodial flow, the public listing, refusals that write
nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from commonwork.node.node import Node
from tests.functional.server import journal_head as head
from tests.functional.server import reverified
from tests.support.builders import CHARTER, advance


@pytest.fixture
def crew(api: httpx.Client) -> dict[str, Any]:
    """A commons founded by Ada, joined by Ben and Cy, each signed in (bearer headers)."""
    tokens = {}
    for name in ("Ada", "Ben", "Cy"):
        email = f"{name.lower()}@example.org"
        form = {"email": email, "password": "correct horse", "display_name": name}
        assert api.post("/api/v1/accounts", json=form).status_code == 201
        signed_in = api.post("/api/v1/session", json={"email": email, "password": "correct horse"})
        tokens[name] = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    found = api.post("/api/v1/me/commons", json={"charter": CHARTER}, headers=tokens["Ada"])
    assert found.status_code == 201, found.text
    commons = found.json()["items"][0]["commons"]
    for name in ("Ben", "Cy"):
        joined = api.post(f"/api/v1/commons/{commons}/join", headers=tokens[name])
        assert joined.status_code == 201, joined.text
    return {"commons": commons, **tokens}


def post_task(api: httpx.Client, crew: dict[str, Any], **changes: Any) -> httpx.Response:
    task = {"title": "Mend the seed press", "description": "The crank slips", "skills": ["repair"]}
    return api.post(
        f"/api/v1/commons/{crew['commons']}/tasks", json={**task, **changes}, headers=crew["Ada"]
    )


def test_post_claim_link_accept_close(api: httpx.Client, crew: dict[str, Any], node: Node) -> None:
    base = f"/api/v1/commons/{crew['commons']}"
    posted = post_task(api, crew, estimate="4")
    assert posted.status_code == 201, posted.text
    task = posted.json()["items"][0]["id"]
    for name in ("Ben", "Cy"):
        claimed = api.post(f"{base}/tasks/{task}/claim", headers=crew[name])
        assert claimed.status_code == 201, claimed.text
    assert api.post(f"{base}/tasks/{task}/unclaim", headers=crew["Cy"]).status_code == 201
    [listed] = api.get(f"{base}/tasks", params={"status": "open", "skill": "repair"}).json()[
        "items"
    ]
    assert (listed["id"], listed["estimate"], listed["skills"]) == (task, "4", ["repair"])
    assert [claimant["name"] for claimant in listed["claimants"]] == ["Ben"]
    work = {"kind": "work", "quantity": "3", "description": "new crank pin", "task": task}
    made = api.post(f"{base}/contributions", json=work, headers=crew["Ben"])
    assert made.status_code == 201, made.text
    contribution = made.json()["items"][0]["id"]
    approve = api.post(
        f"{base}/contributions/{contribution}/validations",
        json={"verdict": "approve"},
        headers=crew["Ada"],
    )
    assert approve.status_code == 201, approve.text
    detail = api.get(f"{base}/tasks/{task}").json()
    assert (detail["status"], detail["closed_by"]) == ("closed", contribution)
    assert [row["task"] for row in detail["contributions"]] == [task]
    assert api.get(f"{base}/tasks", params={"status": "open"}).json()["items"] == []
    report = reverified(api, crew["commons"]).json()
    assert (report["ok"], report["projections_match"]) == (True, True)
    assert detail["provisional"]  # closed by today's acceptance, settled when the day is over

    advance(node)  # the next day: the acceptance and the task's closing are settled
    before = head(api, crew["commons"])
    refused = api.post(f"{base}/tasks/{task}/claim", headers=crew["Cy"])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "not_allowed"
    assert "the task is closed" in problem["detail"]
    assert head(api, crew["commons"]) == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"title": ""}, 422, "invalid_action"),
        ({"skills": ["Seed Press"]}, 422, "invalid_action"),
        ({"estimate": "-1"}, 422, "invalid_action"),
        ({"assignee": "did:key:z6Mkxyz"}, 422, "invalid_action"),  # one code on every door
    ],
)
def test_bad_tasks_are_refused_and_write_nothing(
    api: httpx.Client, crew: dict[str, Any], change: dict[str, Any], status: int, code: str
) -> None:
    before = head(api, crew["commons"])
    response = post_task(api, crew, **change)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert head(api, crew["commons"]) == before


def test_unknown_tasks_and_bad_filters(api: httpx.Client, crew: dict[str, Any]) -> None:
    base = f"/api/v1/commons/{crew['commons']}"
    before = head(api, crew["commons"])
    missing = api.post(f"{base}/tasks/{'0' * 64}/claim", headers=crew["Ben"])
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert api.post(f"{base}/tasks/not-an-id/claim", headers=crew["Ben"]).status_code == 422
    api.cookies.clear()  # signing in set a session cookie too
    assert api.post(f"{base}/tasks/{'0' * 64}/claim").status_code == 401
    assert api.get(f"{base}/tasks/{'0' * 64}").status_code == 404
    assert api.get(f"{base}/tasks", params={"skill": "%"}).status_code == 422
    assert api.get(f"{base}/tasks", params={"status": "lapsed"}).status_code == 422
    assert head(api, crew["commons"]) == before
