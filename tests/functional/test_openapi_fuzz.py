"""The OpenAPI contract is exact (issue 9, items 4 and 9): Schemathesis, over real HTTP, generates
requests for every API operation from the node's own OpenAPI document — valid ones and, in its
coverage phase, invalid ones — and finds 0 server errors, 0 responses outside their declared
schema or content type, and 0 undocumented status codes.

Before this issue a fuzz run found 71 server errors (integers above 2^63), 12 undocumented status
codes and 405s without ``Allow``. The node under test holds a commons with standing policies, a
second member, a contribution and a task, and the fuzzer signs in with a bearer token, so the
operations reach their rules instead of stopping at 404 or 401. The run is seeded: reproducible.
Request limits are off for the run over every operation (COMMONWORK_RATE_LIMITS=off): the fuzzer
is one client asking thousands of times, which is what they are there to stop; a second run over
sign-in and sign-up keeps them on, so that their 429 answers are checked against the contract.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.web.app import create_app
from tests.contract.test_standing import charter
from tests.functional.server import serve_app
from tests.functional.test_api import post_action, signed_json
from tests.support import builders

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
)
EXAMPLES = 50  # per operation and phase: ~6,700 requests, under a minute on this machine
SEED = 20261130
PASSWORD = "a long passphrase"


def seeded(node: Node, site: str) -> dict[str, str]:
    """A commons with policies, a member, a contribution and a task; a signed-in account that is
    a member: the values Schemathesis puts in the operations' path parameters."""
    founder, member = Keypair.generate(), Keypair.generate()
    commons_id = builders.found(node, founder, charter=charter(founder))
    with httpx.Client(base_url=site, timeout=30) as api:
        record = {"kind": "work", "quantity": "2", "description": "sorted the seed drawers"}
        task = {"title": "Label the jars", "description": "Every jar gets a label"}
        batch = [
            signed_json(member, "commons.member.join", {"name": "Mo"}, commons_id),
            signed_json(member, "production.contribution.record", record, commons_id),
            signed_json(founder, "production.task.post", task, commons_id),
        ]
        written = post_action(api, commons_id, batch)
        assert written.status_code == 201, written.text
        items = written.json()["items"]
        account = {"email": "fuzz@example.org", "password": PASSWORD, "display_name": "Fuzz"}
        assert api.post("/api/v1/accounts", json=account).status_code == 201
        session = api.post(
            "/api/v1/session", json={"email": account["email"], "password": PASSWORD}
        )
        token = session.json()["token"]
        bearer = {"authorization": f"Bearer {token}"}
        joined = api.post(
            f"/api/v1/commons/{commons_id}/join", json={"name": "Fuzz"}, headers=bearer
        )
        assert joined.status_code == 201, joined.text
    return {
        "token": token,
        "commons_id": commons_id,
        "member": member.did,
        "contribution_id": items[1]["id"],
        "task_id": items[2]["id"],
    }


@pytest.mark.parametrize(
    ("limits", "only"),
    [
        ("off", None),  # every operation, past the limits
        ("", "^/api/v1/(session|accounts)$"),  # the limits on: their 429 answers checked too
    ],
    ids=["every operation", "sign-in and sign-up under their limits"],
)
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    tmp_path: Path, limits: str, only: str | None
) -> None:
    env = {"COMMONWORK_DATA_DIR": str(tmp_path / "node"), "COMMONWORK_RATE_LIMITS": limits}
    node = Node.open(Settings.from_env(env))
    try:
        with serve_app(create_app(node)) as site:
            values = seeded(node, site)
            config = tmp_path / "schemathesis.toml"
            config.write_text(
                "[parameters]\n"
                + "".join(
                    f'"path.{name}" = "{values[name]}"\n'
                    for name in ("commons_id", "member", "contribution_id", "task_id")
                )
                + '"path.seq" = 1\n'
            )
            command = [
                str(Path(sys.executable).parent / "st"),
                "--config-file",
                str(config),
                "--no-color",
                "run",
                f"{site}/openapi.json",
                "--checks",
                ",".join(CHECKS),
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                str(SEED),
                "--workers",
                "1",
                "--header",
                f"Authorization: Bearer {values['token']}",
                "--exclude-name",
                "DELETE /api/v1/session",  # signing out would end the fuzzer's own session
            ]
            if only is not None:
                command += ["--include-path-regex", only]
            run = subprocess.run(  # its cache goes to the temporary directory, not the checkout
                command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path
            )
    finally:
        node.close()
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert "Tested: " in run.stdout, report
    assert " failed" not in run.stdout.split("Test cases:", 1)[-1], report
    print(run.stdout[-3000:])  # the summary, shown with -s
