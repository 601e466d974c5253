"""Integers out of range in a route's query or path are refused with a 422 a person can read,
never a 500 (issue 9, "exact inputs": an integer over 2^63 made the database driver raise
OverflowError on six API routes and two pages)."""

from __future__ import annotations

import httpx
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.support.builders import found

HUGE = str(2**64 + 5)
ROUTES = [
    "/api/v1/commons?offset={n}",
    "/api/v1/commons/{c}/members?offset={n}",
    "/api/v1/commons/{c}/contributions?offset={n}",
    "/api/v1/commons/{c}/tasks?offset={n}",
    "/api/v1/commons/{c}/journal?after={n}",
    "/api/v1/commons/{c}/entries/{n}",
    "/api/v1/commons/{c}/standing?offset={n}",
    "/?page={n}",
    "/commons/{c}?page={n}",
    "/commons/{c}/journal?after={n}",
    "/commons/{c}/standing?page={n}",
    "/commons/{c}/tasks?page={n}",
]


@pytest.mark.parametrize("route", ROUTES)
def test_a_huge_integer_is_refused_not_a_server_error(
    node: Node, api: httpx.Client, route: str
) -> None:
    commons_id = found(node, Keypair.generate())
    answer = api.get(route.format(c=commons_id, n=HUGE))
    assert answer.status_code == 422, (route, answer.status_code, answer.text[:200])
    if route.startswith("/api/"):
        assert answer.json()["code"] == "invalid_request"
        assert "less than or equal" in answer.json()["detail"]
