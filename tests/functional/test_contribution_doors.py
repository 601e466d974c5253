"""The contribution body is declared once (production's RecordBody): the API's friendly route,
its generated operation, the page form and the command line refuse the same bad inputs with the
same answer — 422, code invalid_action — and write nothing."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from commonwork.node.node import Node
from tests.functional.server import People
from tests.functional.test_api_act import act_route, found_through_act
from tests.functional.test_api_emails import account
from tests.functional.test_cli import FOUND
from tests.functional.test_pages import head_seq, sign_up, token_on
from tests.support.cli import Cli

BAD: list[tuple[dict[str, str], str]] = [
    ({"kind": "work", "quantity": "-2", "description": "weeded"}, "quantity"),
    ({"kind": "work", "quantity": "lots", "description": "weeded"}, "quantity"),
    ({"kind": "gold", "quantity": "1", "description": "weeded"}, "kind"),
    ({"kind": "money", "quantity": "2500", "description": "paid the seeds"}, "currency"),
    ({"kind": "money", "quantity": "25.5", "currency": "EUR", "description": "x"}, "minor units"),
    ({"kind": "resource_use", "quantity": "1", "description": "drilled"}, "tool or machine"),
    ({"kind": "work", "quantity": "1", "description": ""}, "description"),
]
IDS = ["negative", "not-a-number", "unknown-kind", "no-currency", "cents", "no-tool", "empty"]


@pytest.fixture
def commons(api: httpx.Client, node: Node) -> dict[str, Any]:
    ann = account(api, "ann")
    return {"id": found_through_act(api, ann, "Ann"), "ann": ann}


@pytest.mark.parametrize(("body", "says"), BAD, ids=IDS)
def test_the_api_routes_refuse_alike(
    api: httpx.Client, node: Node, commons: dict[str, Any], body: dict[str, str], says: str
) -> None:
    commons_id, auth = commons["id"], commons["ann"]["auth"]
    before = head_seq(node, commons_id)
    routes = [
        f"/api/v1/commons/{commons_id}/contributions",
        act_route("production.contribution.record", commons_id),
    ]
    for route in routes:
        refused = api.post(route, json=body, headers=auth)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_action"), route
        assert says in refused.json()["detail"].lower(), refused.json()["detail"]
    assert head_seq(node, commons_id) == before


@pytest.mark.parametrize(("body", "says"), BAD, ids=IDS)
def test_the_page_form_refuses_alike(
    node: Node, people: People, body: dict[str, str], says: str
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    from tests.functional.test_pages import found

    commons_id = found(ann)
    page = f"/commons/{commons_id}"
    before = head_seq(node, commons_id)
    form = {"currency": "", "resource": "", **body, "csrf": token_on(ann, page)}
    refused = ann.post(f"{page}/contributions", data=form)
    assert refused.status_code == 422
    shown = re.search(r'data-testid="form-error">([^<]*)<', refused.text)
    assert shown is not None  # the form again, with the schema's words (fields by their labels)
    assert says in html.unescape(shown.group(1)).lower()  # fields named by their labels
    assert head_seq(node, commons_id) == before


@pytest.mark.parametrize(("body", "says"), BAD, ids=IDS)
def test_the_command_line_refuses_alike(run: Cli, body: dict[str, str], says: str) -> None:
    run("id", "new", "ann")
    commons_id = run(*FOUND, "--as", "ann", "--founder-name", "Ann").stdout.strip()
    options = [item for name, value in body.items() for item in (f"--{name}", value)]
    run.refused("contribute", commons_id, *options, "--as", "ann", says=says, code="invalid_action")
