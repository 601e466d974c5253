"""Exact answers at the HTTP edge (issue 9, "exact inputs and outputs"): a 405 says which
methods the path takes, and an empty batch is refused instead of answered 200 with nothing."""

from __future__ import annotations

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.functional.server import journal_head
from tests.support.builders import found


def test_a_405_names_the_methods_the_path_takes(api: httpx.Client) -> None:
    refused = api.delete("/api/v1/commons")
    assert refused.status_code == 405
    assert refused.json()["code"] == "method_not_allowed"
    assert {method.strip() for method in refused.headers["allow"].split(",")} >= {"GET", "POST"}


def test_an_empty_batch_is_refused_and_writes_nothing(node: Node, api: httpx.Client) -> None:
    commons_id = found(node, Keypair.generate())
    before = journal_head(api, commons_id)
    for body, kind in (("[]", "application/json"), ("\n\n", "application/x-ndjson")):
        refused = api.post(
            f"/api/v1/commons/{commons_id}/actions", content=body, headers={"content-type": kind}
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "bad_input"
    nowhere = api.post(f"/api/v1/commons/{'a' * 64}/actions", json=[])
    assert nowhere.status_code == 400  # was 200 with no items, for a commons that does not exist
    assert journal_head(api, commons_id) == before
