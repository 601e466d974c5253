"""``commonwork task`` in process: post, claim, list --json, link work, and the refusals."""

from __future__ import annotations

import pytest

from tests.functional.test_cli import CONTRIBUTE, FOUND, Session
from tests.support.cli import Cli


@pytest.fixture
def session(run: Cli) -> Session:
    """alice founds a commons and bob joins it."""
    alice = run("id", "new", "alice").stdout.strip()
    bob = run.json("id", "new", "bob")["did"]
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    return Session(commons, "", alice, bob)


def test_post_claim_list_and_close(run: Cli, session: Session) -> None:
    task = run(
        "task", "post", session.commons, "--title", "Label the jars", "--description",
        "Every jar gets variety and year", "--skill", "labelling", "--estimate", "1.5",
        "--as", "alice",
    ).stdout.strip()  # fmt: skip
    claimed = run.json("task", "claim", session.commons, task, "--as", "bob")
    assert claimed["commons"] == session.commons
    [listed] = run.json("task", "list", session.commons, "--skill", "labelling")
    assert (listed["id"], listed["status"], listed["estimate"]) == (task, "open", "1.5")
    assert [claimant["member"] for claimant in listed["claimants"]] == [session.bob]
    assert task in run("task", "list", session.commons).stdout
    run.refused("task", "claim", session.commons, task, "--as", "bob", says="already")
    work = run("contribute", session.commons, *CONTRIBUTE, "--task", task, "--as", "bob")
    run("validate", session.commons, work.stdout.strip(), "--approve", "--as", "alice")
    assert run.json("task", "list", session.commons, "--status", "open") == []
    # Closed by today's acceptance, shown as provisional until the day is settled; the rules
    # refuse claims from the next day on (tests/contract/test_settlement.py moves the clock).
    [closed] = run.json("task", "list", session.commons, "--status", "closed")
    assert (closed["id"], closed["provisional"]) == (task, True)


def test_unclaim_and_bad_input(run: Cli, session: Session) -> None:
    task = run(
        "task", "post", session.commons, "--title", "Water", "--description", "Daily",
        "--as", "alice",
    ).stdout.strip()  # fmt: skip
    run("task", "claim", session.commons, task, "--as", "bob")
    run("task", "unclaim", session.commons, task, "--as", "bob")
    assert run.json("task", "list", session.commons)[0]["claimants"] == []
    run.refused(
        "task", "post", session.commons, "--title", "x", "--description", "y",
        "--estimate", "-3", "--as", "alice", says="estimate", code="invalid_action",
    )  # fmt: skip
