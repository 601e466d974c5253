"""Standing over real HTTP: the figures, "why this number", the preview, and bad input of every kind
getting a problem a person can act on, with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_standing import VALUE, charter
from tests.contract.test_tasks import day
from tests.functional.server import journal_head as head
from tests.functional.test_api import post_action, signed_json
from tests.support.builders import FIRST_RELEASE_JOURNAL, import_fixture

RECORD, VALIDATE = "production.contribution.record", "production.contribution.validate"


@pytest.fixture
def community(api: httpx.Client, node: Node) -> dict[str, Any]:
    """Ada founded a commons with policies (standing 100); Ben joined and recorded 5 hours of
    python work, which Ada approved; Cy joined."""
    node.clock = lambda: day(0)
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    body = {"charter": charter(ada), "founder_name": "Ada", "host": node.host_key.did}
    response = api.post("/api/v1/commons", json=signed_json(ada, "commons.commons.found", body))
    assert response.status_code == 201, response.text
    commons = str(response.json()["items"][0]["commons"])
    work = {"kind": "work", "quantity": "5", "description": "typed the index", "skill": "python"}
    batch = [
        signed_json(ben, "commons.member.join", {"name": "Ben"}, commons),
        signed_json(cy, "commons.member.join", {"name": "Cy"}, commons),
        signed_json(ben, RECORD, work, commons),
    ]
    response = post_action(api, commons, batch)
    assert response.status_code == 201, response.text
    contribution = response.json()["items"][2]["id"]
    approval = {"contribution": contribution, "verdict": "approve"}
    assert post_action(api, commons, signed_json(ada, VALIDATE, approval, commons)).is_success
    return {"commons": commons, "ada": ada, "ben": ben, "cy": cy, "contribution": contribution}


def test_the_figures_and_why_this_number(api: httpx.Client, community: dict[str, Any]) -> None:
    commons, ben = community["commons"], community["ben"].did
    table = api.get(f"/api/v1/commons/{commons}/standing").json()
    points = {row["name"]: row["value_points"] for row in table["members"]}
    assert points == {"Ada": "0", "Ben": "15", "Cy": "0"}
    assert table["distribution"]["gini"] == pytest.approx(2 / 3, abs=1e-4)
    assert table["distribution"]["lorenz"][-1] == [1.0, 1.0]
    why = api.get(f"/api/v1/commons/{commons}/members/{ben}/standing").json()
    assert (why["standing"], why["value_points"]) == (15.0, "15")
    [term] = why["why"]
    assert term["entry"] == community["contribution"]
    assert term["approvals"][0]["validator"] == community["ada"].did
    entry = api.get(f"/api/v1/commons/{commons}/entries/{term['approvals'][0]['seq']}").json()
    assert entry["id"] == term["approvals"][0]["entry"]


def test_an_adjustment_over_http(api: httpx.Client, community: dict[str, Any]) -> None:
    commons, ben, ada = community["commons"], community["ben"], community["ada"]
    work = {"kind": "work", "quantity": "10", "description": "catalogued beans"}
    [item] = post_action(api, commons, signed_json(ben, RECORD, work, commons)).json()["items"]
    adjust = {"contribution": item["id"], "verdict": "adjust", "quantity": "4", "reason": "4h"}
    assert post_action(api, commons, signed_json(ada, VALIDATE, adjust, commons)).is_success
    detail = api.get(f"/api/v1/commons/{commons}/contributions/{item['id']}").json()
    assert (detail["status"], detail["accepted_quantity"]) == ("accepted", "4")
    assert detail["validations"][0]["quantity"] == "4"


def test_the_preview_changes_with_one_weight_and_leaves_the_live_figures(
    api: httpx.Client, community: dict[str, Any]
) -> None:
    commons = community["commons"]
    live = api.get(f"/api/v1/commons/{commons}/standing").json()
    candidate = {**VALUE, "version": 2, "kinds": {**VALUE["kinds"], "work": "4"}}
    response = api.post(
        f"/api/v1/commons/{commons}/value-policy/preview", json={"value_policy": candidate}
    )
    assert response.status_code == 200, response.text
    ben = next(row for row in response.json()["members"] if row["name"] == "Ben")
    assert (ben["live_value_points"], ben["candidate_value_points"]) == ("15", "30")
    again = api.get(f"/api/v1/commons/{commons}/standing").json()
    assert again["digest"] == live["digest"]
    assert again["members"] == live["members"]


@pytest.mark.parametrize(
    ("policy", "status", "code", "says"),
    [
        ({**VALUE, "kinds": {"gold": "1"}}, 422, "invalid_action", "unknown contribution kinds"),
        ({**VALUE, "kinds": {"work": "-1"}}, 422, "invalid_action", "must be above 0"),
        ({**VALUE, "kinds": {"work": 1.5}}, 422, "invalid_action", "decimal string"),
        ({**VALUE, "colour": "red"}, 422, "invalid_action", "unknown fields: colour"),
        ({"kinds": {"work": "1"}}, 422, "invalid_action", "lacks version"),
    ],
)
def test_a_candidate_policy_that_makes_no_sense_is_refused_with_what_to_change(
    api: httpx.Client,
    community: dict[str, Any],
    policy: dict[str, Any],
    status: int,
    code: str,
    says: str,
) -> None:
    commons = community["commons"]
    before = head(api, commons)
    response = api.post(
        f"/api/v1/commons/{commons}/value-policy/preview", json={"value_policy": policy}
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code
    assert says in problem["detail"]
    assert head(api, commons) == before


def test_bad_reads_say_what_is_wrong(
    api: httpx.Client, community: dict[str, Any], node: Node
) -> None:
    commons = community["commons"]
    bad_time = api.get(f"/api/v1/commons/{commons}/standing", params={"as_of": "yesterday"})
    assert bad_time.status_code == 400
    assert "journal time" in bad_time.json()["detail"]
    stranger = api.get(f"/api/v1/commons/{commons}/members/did:key:z6MkNobody/standing")
    assert stranger.status_code == 404
    assert "not a member" in stranger.json()["detail"]
    malformed = api.post(
        f"/api/v1/commons/{commons}/value-policy/preview",
        content=b'{"value_policy": {',
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code in (400, 422)
    plain = import_fixture(node, FIRST_RELEASE_JOURNAL)  # founded before engines existed
    no_policy = api.get(f"/api/v1/commons/{plain}/standing")
    assert no_policy.status_code == 404
    assert "keeps no standing" in no_policy.json()["detail"]


def test_validating_twice_and_adjusting_without_a_quantity_are_refused(
    api: httpx.Client, community: dict[str, Any]
) -> None:
    commons, ada = community["commons"], community["ada"]
    before = head(api, commons)
    again = {"contribution": community["contribution"], "verdict": "approve"}
    response = post_action(api, commons, signed_json(ada, VALIDATE, again, commons))
    assert response.status_code == 409
    assert "validated this contribution already" in response.json()["detail"]
    vague = {"contribution": community["contribution"], "verdict": "adjust", "reason": "less"}
    response = post_action(api, commons, signed_json(community["cy"], VALIDATE, vague, commons))
    assert response.status_code == 422
    assert "quantity" in response.json()["detail"]
    assert head(api, commons) == before


def test_the_standing_table_comes_a_page_at_a_time(
    api: httpx.Client, community: dict[str, Any]
) -> None:
    base = f"/api/v1/commons/{community['commons']}/standing"
    whole = api.get(base).json()
    first = api.get(base, params={"limit": 1}).json()
    rest = api.get(base, params={"limit": 5, "offset": 1}).json()
    assert first["total_members"] == rest["total_members"] == len(whole["members"]) == 3
    assert [row["member"] for row in first["members"] + rest["members"]] == [
        row["member"] for row in whole["members"]
    ]
    assert first["digest"] == whole["digest"]  # the digest and distribution cover everyone
    assert first["distribution"] == whole["distribution"]
    assert api.get(base, params={"limit": 1001}).status_code == 422
