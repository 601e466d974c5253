"""The HTTP API over real HTTP: the whole slice, and every kind of bad input writing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from commonwork.commons.charter_policies import complete_charter
from commonwork.journal.actions import build_action, sign_action
from commonwork.journal.keys import Keypair, b64url
from commonwork.node.node import Node
from tests.functional.server import journal_head as head
from tests.functional.server import reverified
from tests.support.builders import CHARTER


def signed_json(
    keypair: Keypair, type_: str, body: dict[str, Any], commons: str | None = None, **extra: Any
) -> dict[str, Any]:
    action = build_action(type=type_, author=keypair.did, body=body, commons=commons, **extra)
    return sign_action(keypair, action).as_json()


def host_of(api: httpx.Client) -> str:
    """The host key of the node behind ``api``: a founding names the host it is addressed to."""
    return str(api.get("/api/v1/node").json()["host"])


def found(api: httpx.Client, founder: Keypair) -> str:
    body = {
        "charter": complete_charter(CHARTER, founder.did),
        "founder_name": "Ada",
        "host": host_of(api),
    }
    response = api.post("/api/v1/commons", json=signed_json(founder, "commons.commons.found", body))
    assert response.status_code == 201, response.text
    return str(response.json()["items"][0]["commons"])


def post_action(api: httpx.Client, commons: str, item: Any) -> httpx.Response:
    return api.post(f"/api/v1/commons/{commons}/actions", json=item)


@pytest.fixture
def community(api: httpx.Client) -> dict[str, Any]:
    """A commons with founder Ada, member Ben, and Ben's contribution approved by nobody yet."""
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    commons = found(api, ada)
    join = signed_json(ben, "commons.member.join", {"name": "Ben"}, commons)
    record = signed_json(
        ben,
        "production.contribution.record",
        {"kind": "work", "quantity": "3", "description": "mended the seed press"},
        commons,
    )
    response = post_action(api, commons, [join, record])
    assert response.status_code == 201, response.text
    contribution = response.json()["items"][1]["id"]
    return {"commons": commons, "ada": ada, "ben": ben, "cy": cy, "contribution": contribution}


def test_client_signed_slice_verifies(api: httpx.Client, community: dict[str, Any]) -> None:
    commons = community["commons"]
    approve = {"contribution": community["contribution"], "verdict": "approve", "reason": ""}
    item = signed_json(community["ada"], "production.contribution.validate", approve, commons)
    assert post_action(api, commons, item).status_code == 201
    [contribution] = api.get(f"/api/v1/commons/{commons}/contributions").json()["items"]
    assert contribution["status"] == "accepted"
    assert contribution["validations"][0]["validator_name"] == "Ada"
    report = reverified(api, commons).json()
    assert report["ok"] is True
    assert report["entries"] == 4
    assert report["projections_match"] is True
    journal = api.get(f"/api/v1/commons/{commons}/journal")
    assert journal.headers["content-type"].startswith("application/x-ndjson")
    assert len(journal.content.splitlines()) == 4
    assert journal.headers["x-commonwork-head-seq"] == "3"


def test_resubmission_is_idempotent(api: httpx.Client, community: dict[str, Any]) -> None:
    commons = community["commons"]
    item = signed_json(community["ada"], "commons.member.leave", {}, commons)
    first, again = post_action(api, commons, item), post_action(api, commons, item)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["items"][0]["id"] == again.json()["items"][0]["id"]
    assert again.json()["items"][0]["created"] is False


def test_custodial_accounts_slice(api: httpx.Client) -> None:
    tokens = {}
    for email, name in (("ada@example.org", "Ada"), ("ben@example.org", "Ben")):
        form = {"email": email, "password": "correct horse", "display_name": name}
        assert api.post("/api/v1/accounts", json=form).status_code == 201
        signed_in = api.post("/api/v1/session", json={"email": email, "password": "correct horse"})
        tokens[name] = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    found = api.post("/api/v1/me/commons", json={"charter": CHARTER}, headers=tokens["Ada"])
    assert found.status_code == 201, found.text
    commons = found.json()["items"][0]["commons"]
    assert api.post(f"/api/v1/commons/{commons}/join", headers=tokens["Ben"]).status_code == 201
    record = {"kind": "money", "quantity": "2500", "currency": "EUR", "description": "seed fund"}
    made = api.post(f"/api/v1/commons/{commons}/contributions", json=record, headers=tokens["Ben"])
    assert made.status_code == 201, made.text
    contribution = made.json()["items"][0]["id"]
    approve = api.post(
        f"/api/v1/commons/{commons}/contributions/{contribution}/validations",
        json={"verdict": "approve"},
        headers=tokens["Ada"],
    )
    assert approve.status_code == 201, approve.text
    members = api.get(f"/api/v1/commons/{commons}/members").json()["items"]
    assert [member["name"] for member in members] == ["Ada", "Ben"]
    # Ben takes his key and signs for himself: the node accepts it as his.
    exported = api.post(
        "/api/v1/me/key-export", json={"password": "correct horse"}, headers=tokens["Ben"]
    ).json()
    ben = Keypair.from_secret(exported["secret"])
    assert ben.did == members[1]["member"]
    leave = signed_json(ben, "commons.member.leave", {}, commons)
    assert post_action(api, commons, leave).status_code == 201


def test_wrong_password_and_missing_session(api: httpx.Client) -> None:
    form = {"email": "ada@example.org", "password": "correct horse", "display_name": "Ada"}
    api.post("/api/v1/accounts", json=form)
    wrong = api.post("/api/v1/session", json={"email": "ada@example.org", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "authentication_failed"
    anonymous = api.post("/api/v1/me/commons", json={"charter": CHARTER})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "authentication_required"


def _bad_inputs(c: dict[str, Any]) -> dict[str, tuple[Any, int, str]]:
    """name -> (request body as bytes or JSON, expected status, expected code)."""
    commons, ada, ben, cy = c["commons"], c["ada"], c["ben"], c["cy"]
    record = {"kind": "work", "quantity": "1", "description": "x"}
    good = signed_json(ben, "production.contribution.record", record, commons)
    bad_sig = dict(good, author_sig=b64url(bytes(64)))
    replay = signed_json(
        ben, "production.contribution.record", dict(record, quantity="2"), commons, nonce="A" * 22
    )
    first = signed_json(ben, "production.contribution.record", record, commons, nonce="A" * 22)
    big = signed_json(ben, "production.contribution.record", dict(record, description="x"), commons)
    big["action"]["body"]["description"] = "x" * (65 * 1024)
    own = {"contribution": c["contribution"], "verdict": "approve", "reason": ""}
    return {
        "malformed json": (b'{"action": {', 400, "malformed_json"),
        "bad signature": (bad_sig, 422, "bad_signature"),
        "unknown type": (
            signed_json(ben, "production.widget.polish", {}, commons),
            422,
            "unknown_action_type",
        ),
        "wrong commons": (
            signed_json(ben, "production.contribution.record", record, "0" * 64),
            422,
            "wrong_commons",
        ),
        "replayed nonce": ([first, replay], 409, "nonce_reused"),
        "65 KiB action": (big, 413, "too_large"),
        "own contribution": (
            signed_json(ben, "production.contribution.validate", own, commons),
            403,
            "not_allowed",
        ),
        "non-member": (
            signed_json(cy, "production.contribution.record", record, commons),
            403,
            "not_a_member",
        ),
        "float": (
            {"action": dict(good["action"], v=1.0), "author_sig": good["author_sig"]},
            400,
            "non_canonical_json",
        ),
        "clock far ahead": (
            signed_json(ada, "commons.member.leave", {}, commons, at="2999-01-01T00:00:00.000Z"),
            422,
            "clock_skew",
        ),
        "negative quantity": (
            signed_json(
                ben, "production.contribution.record", dict(record, quantity="-1"), commons
            ),
            422,
            "invalid_action",
        ),
        "dispute without reason": (
            signed_json(
                ada, "production.contribution.validate", dict(own, verdict="dispute"), commons
            ),
            422,
            "invalid_action",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "malformed json",
        "bad signature",
        "unknown type",
        "wrong commons",
        "replayed nonce",
        "65 KiB action",
        "own contribution",
        "non-member",
        "float",
        "clock far ahead",
        "negative quantity",
        "dispute without reason",
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    api: httpx.Client, community: dict[str, Any], case: str
) -> None:
    commons = community["commons"]
    payload, status, code = _bad_inputs(community)[case]
    if case == "replayed nonce":
        assert post_action(api, commons, payload[0]).status_code == 201
        payload = payload[1]
    before = head(api, commons)
    content = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    response = api.post(
        f"/api/v1/commons/{commons}/actions",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == code
    assert problem["status"] == status
    assert len(problem["detail"]) > 20  # a sentence a person can act on
    assert head(api, commons) == before


def test_unknown_licence_founds_nothing(api: httpx.Client) -> None:
    founder = Keypair.generate()
    charter = dict(complete_charter(CHARTER, founder.did), licence="Totally-Free-9.9")
    body = {"charter": charter, "founder_name": "Ada", "host": host_of(api)}
    response = api.post("/api/v1/commons", json=signed_json(founder, "commons.commons.found", body))
    assert response.status_code == 422
    assert "Totally-Free-9.9" in response.json()["detail"]
    assert api.get("/api/v1/commons").json()["total"] == 0


def test_a_new_commons_without_its_engine_and_policies_is_refused(api: httpx.Client) -> None:
    founder = Keypair.generate()
    body = {"charter": CHARTER, "founder_name": "Ada", "host": host_of(api)}
    response = api.post("/api/v1/commons", json=signed_json(founder, "commons.commons.found", body))
    assert response.status_code == 422
    assert '"engine": 1' in response.json()["detail"]
    placeholder = complete_charter(CHARTER, "did:key:z6Mk…")
    body = {"charter": placeholder, "founder_name": "Ada", "host": host_of(api)}
    response = api.post("/api/v1/commons", json=signed_json(founder, "commons.commons.found", body))
    assert response.status_code == 422
    assert "not the did:key of a real Ed25519 key" in response.json()["detail"]
    assert api.get("/api/v1/commons").json()["total"] == 0


def test_oversized_body_is_refused_before_reading(
    api: httpx.Client, community: dict[str, Any], node: Node
) -> None:
    commons = community["commons"]
    before = head(api, commons)
    blob = b"[" + b" " * (node.settings.max_body_bytes + 10) + b"]"
    response = api.post(f"/api/v1/commons/{commons}/actions", content=blob)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert head(api, commons) == before

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is met while reading
        yield b"["
        for _ in range(node.settings.max_body_bytes // 4096 + 2):
            yield b" " * 4096
        yield b"]"

    for route in ("actions", "join"):  # the pipeline's own reader, and a route's JSON model
        streamed = api.post(
            f"/api/v1/commons/{commons}/{route}",
            content=chunked(),
            headers={"content-type": "application/json"},
        )
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413, streamed.text  # before: 400 http_error
        assert streamed.json()["code"] == "too_large"
    assert head(api, commons) == before


def test_unknown_commons_and_route(api: httpx.Client) -> None:
    missing = api.get(f"/api/v1/commons/{'f' * 64}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert api.get("/api/v1/nothing-here").json()["code"] == "not_found"


def test_every_route_is_documented(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            if path.startswith("/api/"):
                assert "422" in operation["responses"] or method == "get", (method, path)
