"""Contributions of every kind over real HTTP: co-authors, a correction that restarts validation,
the public detail, and bad input refused with a 4xx that writes nothing."""

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
    """Ada's commons, joined by Ben and Cy; each signed in (bearer headers) with their did."""
    crew: dict[str, Any] = {}
    for name in ("Ada", "Ben", "Cy"):
        email = f"{name.lower()}@example.org"
        form = {"email": email, "password": "correct horse", "display_name": name}
        made = api.post("/api/v1/accounts", json=form)
        assert made.status_code == 201, made.text
        signed_in = api.post("/api/v1/session", json={"email": email, "password": "correct horse"})
        crew[name] = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        crew[f"{name}_did"] = made.json()["did"]
    found = api.post("/api/v1/me/commons", json={"charter": CHARTER}, headers=crew["Ada"])
    assert found.status_code == 201, found.text
    crew["commons"] = found.json()["items"][0]["commons"]
    for name in ("Ben", "Cy"):
        joined = api.post(f"/api/v1/commons/{crew['commons']}/join", headers=crew[name])
        assert joined.status_code == 201, joined.text
    api.cookies.clear()  # only the bearer headers say who is acting
    return crew


def test_co_authored_work_corrected_then_accepted(
    api: httpx.Client, crew: dict[str, Any], node: Node
) -> None:
    base = f"/api/v1/commons/{crew['commons']}/contributions"
    work = {
        "kind": "care",
        "quantity": "3",
        "description": "Ran the seed swap stall",
        "happened_at": "2020-05-01T09:00:00.000Z",
        "co_authors": [{"member": crew["Cy_did"], "share": "0.5"}],
    }
    made = api.post(base, json=work, headers=crew["Ben"])
    assert made.status_code == 201, made.text
    contribution = made.json()["items"][0]["id"]
    by_cy = api.post(
        f"{base}/{contribution}/validations", json={"verdict": "approve"}, headers=crew["Cy"]
    )
    assert (by_cy.status_code, by_cy.json()["code"]) == (403, "not_allowed")
    assert "co-authored" in by_cy.json()["detail"]
    dispute = {"verdict": "dispute", "reason": "It was 4 hours"}
    disputed = api.post(f"{base}/{contribution}/validations", json=dispute, headers=crew["Ada"])
    assert disputed.status_code == 201, disputed.text
    correction = {"reason": "Ada counted the setup", "quantity": "4"}
    corrected = api.post(f"{base}/{contribution}/corrections", json=correction, headers=crew["Ben"])
    assert corrected.status_code == 201, corrected.text
    approve = api.post(
        f"{base}/{contribution}/validations", json={"verdict": "approve"}, headers=crew["Ada"]
    )
    assert approve.status_code == 201, approve.text

    detail = api.get(f"{base}/{contribution}").json()
    assert (detail["status"], detail["quantity"], detail["unit"]) == ("accepted", "4", "hours")
    assert detail["happened_at"] == "2020-05-01T09:00:00.000Z"
    assert sorted((s["name"], s["share"]) for s in detail["shares"]) == [
        ("Ben", "0.5"),
        ("Cy", "0.5"),
    ]
    assert [(v["verdict"], v["superseded"]) for v in detail["validations"]] == [
        ("dispute", True),
        ("approve", False),
    ]
    [history] = detail["correction_history"]
    assert history["changes"] == {"quantity": {"from": "3", "to": "4"}}
    assert history["reason"] == "Ada counted the setup"
    [listed] = api.get(base).json()["items"]
    assert (listed["id"], listed["corrections"]) == (contribution, 1)

    advance(node)  # accepted yesterday: settled, final
    before = head(api, crew["commons"])
    again = api.post(f"{base}/{contribution}/corrections", json=correction, headers=crew["Ben"])
    assert (again.status_code, again.json()["code"]) == (403, "not_allowed")
    assert "accepted work is final" in again.json()["detail"]
    assert head(api, crew["commons"]) == before
    report = reverified(api, crew["commons"]).json()
    assert (report["ok"], report["projections_match"]) == (True, True)


ARTIFACT = {"sha256": "0f" * 32, "url": "https://seeds.example/catalogue.pdf", "size": 48213}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"co_authors": [{"member": "<Cy>", "share": "0.5"}, {"member": "<Ada>", "share": "0.6"}]},
         422, "invalid_action"),
        ({"co_authors": [{"member": "<Cy>", "share": "0.5"}, {"member": "<Ada>", "share": "0.5"}]},
         422, "invalid_action"),
        ({"co_authors": [{"member": "<Ben>", "share": "0.5"}]}, 403, "not_allowed"),
        ({"co_authors": [{"member": "did:key:z6Mkoutsider", "share": "0.5"}]}, 403, "not_a_member"),
        ({"quantity": "-1"}, 422, "invalid_action"),
        ({"happened_at": "2999-01-01T00:00:00.000Z"}, 422, "rule_violation"),
        ({"kind": "artifact", "artifact": {**ARTIFACT, "size": -1}}, 422, "invalid_action"),
        ({"kind": "resource_use"}, 422, "invalid_action"),
        ({"kind": "work", "artifact": ARTIFACT}, 422, "invalid_action"),
        ({"share": "1"}, 422, "invalid_action"),  # the body's schema: one code on every door
    ],
)  # fmt: skip
def test_bad_contributions_write_nothing(
    api: httpx.Client, crew: dict[str, Any], body: dict[str, Any], status: int, code: str
) -> None:
    work = {"kind": "work", "quantity": "2", "description": "Weeded", **body}
    if "co_authors" in work:
        dids = {f"<{name}>": crew[f"{name}_did"] for name in ("Ada", "Ben", "Cy")}
        listed = [
            {**item, "member": dids.get(item["member"], item["member"])}
            for item in work["co_authors"]
        ]
        work["co_authors"] = listed
    before = head(api, crew["commons"])
    response = api.post(
        f"/api/v1/commons/{crew['commons']}/contributions", json=work, headers=crew["Ben"]
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert head(api, crew["commons"]) == before


def test_artifacts_and_resources(api: httpx.Client, crew: dict[str, Any]) -> None:
    base = f"/api/v1/commons/{crew['commons']}/contributions"
    file = {"kind": "artifact", "quantity": "1", "description": "Catalogue", "artifact": ARTIFACT}
    press = {"kind": "resource_use", "quantity": "2", "description": "Pressed oil"}
    for body in (file, {**press, "resource": "Ada's seed press"}):
        assert api.post(base, json=body, headers=crew["Ben"]).status_code == 201
    listed = api.get(base).json()["items"]
    assert [(row["kind"], row["resource"]) for row in listed] == [
        ("resource_use", "Ada's seed press"),
        ("artifact", None),
    ]
    assert listed[1]["artifact"] == ARTIFACT
    correction = {"reason": "typo", "resource": "Ada's oil press"}
    corrected = api.post(
        f"{base}/{listed[0]['id']}/corrections", json=correction, headers=crew["Ben"]
    )
    assert corrected.status_code == 201, corrected.text
    before = head(api, crew["commons"])
    by_other = api.post(
        f"{base}/{listed[0]['id']}/corrections", json=correction, headers=crew["Cy"]
    )
    assert (by_other.status_code, by_other.json()["code"]) == (403, "not_allowed")
    empty = api.post(
        f"{base}/{listed[0]['id']}/corrections", json={"reason": "x"}, headers=crew["Ben"]
    )
    assert (empty.status_code, empty.json()["code"]) == (422, "invalid_action")
    assert head(api, crew["commons"]) == before
    assert api.get(f"{base}/{'0' * 64}").status_code == 404
