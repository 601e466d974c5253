"""A founding is addressed to one host (issue 9, item 6), over real HTTP with two nodes.

A signed ``commons.commons.found`` names, in its body, the host it is addressed to. Taken from
node A's public journal and sent to node B, it is refused (``wrong_host``) and B writes nothing;
A's journal still mirrors on B (export, import, verify); a journal whose genesis names A but was
countersigned by B fails verification; and journals founded before foundings named a host still
import and verify.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from commonwork.commons.charter_policies import complete_charter
from commonwork.errors import CommonworkError
from commonwork.journal.entries import parse_entry, seal_entry
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services.journals import import_journal
from commonwork.web.app import create_app
from tests.conftest import open_node
from tests.functional.server import serve_app
from tests.functional.test_api import host_of, signed_json
from tests.functional.test_cli import FOUND
from tests.support.builders import CHARTER, FIRST_RELEASE_JOURNAL, signed
from tests.support.cli import Cli, make_cli

FOUNDING = "commons.commons.found"


@pytest.fixture
def other_node(tmp_path: Path) -> Iterator[Node]:
    """Node B: a second node with its own data directory and host key."""
    opened = open_node(tmp_path / "other")
    yield opened
    opened.close()


@pytest.fixture
def api_b(other_node: Node) -> Iterator[httpx.Client]:
    """Node B's API over real HTTP (``api`` is node A's)."""
    with (
        serve_app(create_app(other_node)) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        yield client


def sign_up(api: httpx.Client) -> dict[str, str]:
    """Ada signs up on the node and signs in: her bearer header."""
    form = {"email": "ada@example.org", "password": "correct horse", "display_name": "Ada"}
    assert api.post("/api/v1/accounts", json=form).status_code == 201
    session = api.post(
        "/api/v1/session", json={"email": form["email"], "password": "correct horse"}
    )
    api.cookies.clear()  # only the bearer header says who is acting
    return {"Authorization": f"Bearer {session.json()['token']}"}


def found_as_account(api: httpx.Client) -> str:
    """Ada signs up on the node and founds a commons there with her custodial key."""
    found = api.post("/api/v1/me/commons", json={"charter": CHARTER}, headers=sign_up(api))
    assert found.status_code == 201, found.text
    return str(found.json()["items"][0]["commons"])


def verified(api: httpx.Client, commons: str) -> dict[str, Any]:
    """The node's full re-verification of a commons it holds: ``POST …/verify``, then, should
    it answer that the check is under way (202, or no result kept yet), ``GET …/verify`` until
    the result for the head is kept."""
    url = f"/api/v1/commons/{commons}/verify"
    answer = api.post(url)
    deadline = time.monotonic() + 60
    while answer.status_code == 202 or answer.json().get("ok", False) is None:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)
        answer = api.get(url)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def journal_lines(api: httpx.Client, commons: str) -> list[bytes]:
    response = api.get(f"/api/v1/commons/{commons}/journal")
    assert response.status_code == 200, response.text
    return [line for line in response.content.splitlines() if line.strip()]


def test_a_founding_taken_from_one_node_is_refused_by_another(
    api: httpx.Client, api_b: httpx.Client
) -> None:
    commons = found_as_account(api)
    genesis = orjson.loads(journal_lines(api, commons)[0])
    replayed = {"action": genesis["action"], "author_sig": genesis["author_sig"]}
    refused = api_b.post("/api/v1/commons", json=replayed)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "wrong_host"
    assert host_of(api) in problem["detail"]
    assert host_of(api_b) in problem["detail"]
    assert "import" in problem["detail"]  # what to do instead: mirror the real journal
    # Nothing was written on B.
    assert api_b.get("/api/v1/node").json()["commons"] == 0
    assert api_b.get("/api/v1/commons").json()["total"] == 0
    assert api_b.get(f"/api/v1/commons/{commons}").status_code == 404


def test_every_door_names_the_host_and_a_founding_without_one_is_refused(
    api: httpx.Client, api_b: httpx.Client, run: Cli
) -> None:
    commons = found_as_account(api)
    genesis = parse_entry(journal_lines(api, commons)[0])
    assert genesis.action["body"]["host"] == genesis.host == host_of(api)
    # The generic door fills in the node's host, and takes one only to refuse a wrong one.
    ada = sign_up(api_b)
    door = "/api/v1/act/commons.commons.found"
    founded = api_b.post(door, json={"charter": CHARTER, "founder_name": "Ada"}, headers=ada)
    assert founded.status_code == 201, founded.text
    [line] = journal_lines(api_b, founded.json()["items"][0]["commons"])
    assert parse_entry(line).action["body"]["host"] == host_of(api_b)
    elsewhere = {"charter": CHARTER, "founder_name": "Ada", "host": host_of(api)}
    refused = api_b.post(door, json=elsewhere, headers=ada)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "wrong_host"
    assert api_b.get("/api/v1/commons").json()["total"] == 1
    # A client-signed founding names the host it is sent to; without one it is refused.
    founder = Keypair.generate()
    body = {"charter": complete_charter(CHARTER, founder.did), "founder_name": "Bo"}
    missing = api.post("/api/v1/commons", json=signed_json(founder, FOUNDING, body))
    assert missing.status_code == 422, missing.text
    assert missing.json()["code"] == "wrong_host"
    assert host_of(api) in missing.json()["detail"]
    assert api.get("/api/v1/commons").json()["total"] == 1
    addressed = signed_json(founder, FOUNDING, {**body, "host": host_of(api)})
    assert api.post("/api/v1/commons", json=addressed).status_code == 201
    # The command line founds on the node of its data directory (here A's) and names its host.
    run("id", "new", "alice")
    on_cli = run(*FOUND, "--as", "alice").stdout.strip()
    [line] = run("export", on_cli).stdout_bytes.splitlines()[:1]
    assert run.json("commons", "show", on_cli)["host"] == host_of(api)
    assert parse_entry(line).action["body"]["host"] == host_of(api)


def test_the_real_journal_still_mirrors_on_another_node(
    api: httpx.Client, api_b: httpx.Client, other_node: Node
) -> None:
    commons = found_as_account(api)
    lines = journal_lines(api, commons)
    imported = import_journal(other_node, lines)
    assert (imported.commons_id, imported.appended) == (commons, 1)
    mirrored = api_b.get(f"/api/v1/commons/{commons}").json()
    assert mirrored["host"] == host_of(api) != host_of(api_b)
    assert mirrored["digest"] == api.get(f"/api/v1/commons/{commons}").json()["digest"]
    report = verified(api_b, commons)
    assert report["ok"] is True
    assert report["projections_match"] is True
    # Importing it again holds it already; a retry of the founding returns the entry held.
    again = import_journal(other_node, lines)
    assert (again.appended, again.already_held) == (0, 1)
    genesis = orjson.loads(lines[0])
    retry = api_b.post(
        "/api/v1/commons", json={"action": genesis["action"], "author_sig": genesis["author_sig"]}
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["items"][0]["id"] == commons
    assert api_b.get("/api/v1/commons").json()["total"] == 1


def rehosted_journal(node_a: Node, node_b: Node) -> list[bytes]:
    """A founding addressed to A, countersigned by B's host key, and a join after it."""
    founder, joiner = Keypair.generate(), Keypair.generate()
    body: dict[str, Any] = {
        "charter": complete_charter(CHARTER, founder.did),
        "founder_name": "Ada",
        "host": node_a.host_key.did,
    }
    at = "2026-01-05T10:00:00.000Z"
    genesis = seal_entry(
        node_b.host_key,
        seq=0,
        prev=None,
        recorded_at=at,
        signed=signed(founder, FOUNDING, body, at=at),
    )
    join = signed(joiner, "commons.member.join", {"name": "Ben"}, genesis.id, at=at)
    second = seal_entry(node_b.host_key, seq=1, prev=genesis.id, recorded_at=at, signed=join)
    return [genesis.line, second.line]


def test_verify_refuses_a_genesis_hosted_by_another_host_than_it_names(
    node: Node, other_node: Node, api_b: httpx.Client, tmp_path: Path
) -> None:
    lines = rehosted_journal(node, other_node)
    run = make_cli(tmp_path / "third")  # a third node, where someone checks the file
    path = tmp_path / "rehosted.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = run.json("verify", "--file", str(path), code=1)
    assert report["ok"] is False
    assert report["first_bad"]["seq"] == 0
    assert report["first_bad"]["code"] == "wrong_host"
    assert node.host_key.did in report["first_bad"]["reason"]
    assert other_node.host_key.did in report["first_bad"]["reason"]
    # No node takes it as a mirror either, not even B whose key signed it: nothing is written.
    run.refused("import", str(path), says=node.host_key.did, code="wrong_host")
    assert run.json("commons", "list") == []
    with pytest.raises(CommonworkError, match=node.host_key.did) as refused:
        import_journal(other_node, lines)
    assert refused.value.code == "wrong_host"
    assert api_b.get("/api/v1/commons").json()["total"] == 0


def test_a_journal_founded_before_foundings_named_their_host_still_mirrors(
    other_node: Node, api_b: httpx.Client
) -> None:
    lines = FIRST_RELEASE_JOURNAL.read_bytes().splitlines()
    assert "host" not in parse_entry(lines[0]).action["body"]
    commons = import_journal(other_node, lines).commons_id
    report = verified(api_b, commons)
    assert report["ok"] is True
    assert report["projections_match"] is True
