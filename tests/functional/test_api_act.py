"""The generic write door over real HTTP: one OpenAPI operation per action type, with that
type's own body schema, derived from the node's declarations; acting through it is acting."""

from __future__ import annotations

from typing import Any

import httpx

from commonwork.node.node import Node
from commonwork.node.registry import ACTION_SPECS
from commonwork.services import queries, tasks_read
from commonwork.web.api_act import act_path
from tests.functional.test_api_emails import account
from tests.functional.test_pages import head_seq
from tests.support.builders import CHARTER


def found_through_act(api: httpx.Client, founder: dict[str, Any], name: str) -> str:
    """A commons founded through the generic door by ``founder`` (an ``account``); its id."""
    founded = api.post(
        act_path("commons.commons.found"),
        json={"charter": CHARTER, "founder_name": name},
        headers=founder["auth"],
    )
    assert founded.status_code == 201, founded.text
    return str(founded.json()["items"][0]["commons"])


def act_route(action_type: str, commons_id: str) -> str:
    """The path of an action type's operation in this commons."""
    return act_path(action_type).replace("{commons_id}", commons_id)


def test_every_action_type_has_its_own_operation_and_schema(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    for action_type, declared in ACTION_SPECS.items():
        operation = spec["paths"][act_path(action_type)]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/" + declared.body.__name__)  # the type's own schema
        assert operation["operationId"] == "act_" + action_type.replace(".", "_")
    assert len([path for path in spec["paths"] if "/act/" in path]) == len(ACTION_SPECS)


def test_founding_posting_and_claiming_through_the_generic_door(
    api: httpx.Client, node: Node
) -> None:
    ada, ben = account(api, "ada"), account(api, "ben")
    commons_id = found_through_act(api, ada, "Ada")
    detail = queries.commons_detail(node, commons_id)
    assert detail.charter["engine"] == 1  # completed from the default preset, as ever
    door = act_route("commons.member.join", commons_id)
    assert api.post(door, json={"name": "Ben"}, headers=ben["auth"]).status_code == 201
    posted = api.post(
        act_route("production.task.post", commons_id),
        json={"title": "Sort the beans", "description": "by variety"},
        headers=ada["auth"],
    )
    assert posted.status_code == 201, posted.text
    task_id = posted.json()["items"][0]["id"]
    claimed = api.post(
        act_route("production.task.claim", commons_id),
        json={"task": task_id},
        headers=ben["auth"],
    )
    assert claimed.status_code == 201, claimed.text
    claims = tasks_read.task_detail(node, commons_id, task_id).claim_history
    assert [claim.member for claim in claims] == [ben["did"]]


def test_bad_bodies_and_strangers_are_refused_with_nothing_written(
    api: httpx.Client, node: Node
) -> None:
    ada = account(api, "ada")
    commons_id = found_through_act(api, ada, "Ada")
    door = act_route("production.task.post", commons_id)
    before = head_seq(node, commons_id)
    unknown_field = api.post(
        door, json={"title": "t", "description": "d", "colour": "red"}, headers=ada["auth"]
    )
    assert unknown_field.status_code == 422, unknown_field.text
    assert "colour" in unknown_field.text
    assert api.post(door, json={"title": "t", "description": "d"}).status_code == 401
    stranger = account(api, "cy")
    refused = api.post(door, json={"title": "t", "description": "d"}, headers=stranger["auth"])
    assert refused.status_code == 403, refused.text
    assert head_seq(node, commons_id) == before
