"""``commonwork act``: any action type from its declaration, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.functional.test_cli import FOUND
from tests.support.cli import Cli


def test_act_posts_and_claims_a_task_and_lists_the_types(run: Cli, tmp_path: Path) -> None:
    run("id", "new", "alice")
    bob = run.json("id", "new", "bob")["did"]
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("act", "commons.member.join", commons, "--field", "name=Bob", "--as", "bob")
    body = tmp_path / "task.json"
    body.write_text(json.dumps({"title": "Label the jars", "description": "variety and year"}))
    posted = run.json("act", "production.task.post", commons, "--body", f"@{body}", "--as", "alice")
    claimed = run.json(
        "act", "production.task.claim", commons, "--body", json.dumps({"task": posted["id"]}),
        "--as", "bob",
    )  # fmt: skip
    assert claimed["seq"] == posted["seq"] + 1
    [listed] = run.json("task", "list", commons)
    assert [claimant["member"] for claimant in listed["claimants"]] == [bob]
    types = run("act", "--list").stdout
    assert "production.task.claim  {task}" in types
    assert "commons.commons.found" in types


def test_act_refuses_bad_bodies_with_nothing_written(run: Cli) -> None:
    run("id", "new", "alice")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    head = run.json("commons", "show", commons)["head_seq"]
    run.refused(
        "act", "production.task.post", commons, "--field", "title=t", "--field", "colour=red",
        "--as", "alice", says="colour", code="invalid_action",
    )  # fmt: skip
    run.refused(
        "act", "production.task.post", commons, "--body", "[1]", "--as", "alice", says="JSON object"
    )
    run.refused(
        "act",
        "production.task.post",
        commons,
        "--field",
        "title",
        "--as",
        "alice",
        says="NAME=VALUE",
    )
    run.refused("act", "production.nothing", commons, "--as", "alice", says="not an action type")
    run.refused(
        "act", "production.task.post", "--field", "title=t", "--as", "alice", says="name it"
    )
    assert run.json("commons", "show", commons)["head_seq"] == head
