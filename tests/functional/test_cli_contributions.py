"""``commonwork contribute`` with co-authors, artifacts and resources, and ``commonwork correct``,
in process: the records they make and the refusals a person can meet."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.test_cli import CONTRIBUTE, FOUND, Session
from tests.support.cli import Cli


@pytest.fixture
def session(run: Cli) -> Session:
    """alice founds a commons, bob and carol join it."""
    alice = run("id", "new", "alice").stdout.strip()
    bob = run.json("id", "new", "bob")["did"]
    run("id", "new", "carol")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    run("join", commons, "--as", "carol", "--name", "Carol")
    return Session(commons, "", alice, bob)


def listed(run: Cli, session: Session) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in run.json("commons", "contributions", session.commons)}


def test_co_authors_and_a_correction(run: Cli, session: Session) -> None:
    work = run(
        "contribute", session.commons, *CONTRIBUTE, "--co-author", f"{session.alice}=0.25",
        "--happened-at", "2026-03-01T08:00:00.000Z", "--as", "bob",
    ).stdout.strip()  # fmt: skip
    row = listed(run, session)[work]
    assert row["happened_at"] == "2026-03-01T08:00:00.000Z"
    assert {s["name"]: s["share"] for s in row["shares"]} == {"Bob": "0.75", "Alice": "0.25"}
    run.refused(
        "validate", session.commons, work, "--approve", "--as", "alice",
        says="co-authored", code="not_allowed",
    )  # fmt: skip
    run("validate", session.commons, work, "--dispute", "--reason", "3 hours", "--as", "carol")
    corrected = run.json(
        "correct", session.commons, work, "--reason", "carol is right", "--quantity", "3",
        "--no-co-authors", "--as", "bob",
    )  # fmt: skip
    assert corrected["commons"] == session.commons
    row = listed(run, session)[work]
    assert (row["quantity"], row["status"], row["corrections"], row["co_authors"]) == (
        "3", "pending", 1, None,
    )  # fmt: skip
    run("validate", session.commons, work, "--approve", "--as", "carol")  # the new version
    run("validate", session.commons, work, "--approve", "--as", "alice")  # no longer co-author
    accepted = listed(run, session)[work]  # accepted today: final once the day is settled
    assert (accepted["status"], accepted["provisional"], accepted["settled_status"]) == (
        "accepted",
        True,
        "pending",
    )


def test_artifacts_resources_and_bad_input(run: Cli, session: Session) -> None:
    sha = "0f" * 32
    made = run(
        "contribute", session.commons, "--kind", "artifact", "--quantity", "1", "--description",
        "seed catalogue", "--sha256", sha, "--url", "https://seeds.example/c.pdf",
        "--size", "4096", "--as", "bob",
    ).stdout.strip()  # fmt: skip
    artifact = listed(run, session)[made]["artifact"]
    assert artifact == {"sha256": sha, "url": "https://seeds.example/c.pdf", "size": 4096}
    press = ("contribute", session.commons, "--kind", "resource_use", "--quantity", "2")
    run(*press, "--description", "pressed", "--resource", "the seed press", "--as", "bob")
    run.refused(*press, "--description", "pressed", "--as", "bob", says="resource")
    share = ("contribute", session.commons, *CONTRIBUTE, "--as", "bob")
    run.refused(*share, "--co-author", session.alice, says="DID=SHARE")
    run.refused(
        *share, "--co-author", f"{session.bob}=0.5", says="do not list yourself",
        code="not_allowed",
    )  # fmt: skip
    run.refused(*share, "--co-author", f"{session.alice}=1", says="share", code="invalid_action")
    run.refused(*share, "--sha256", sha, says="--url")
    run.refused(
        "correct", session.commons, made, "--reason", "nothing", "--as", "bob",
        says="say what to correct", code="invalid_action",
    )  # fmt: skip
    run.refused(
        "correct", session.commons, made, "--reason", "x", "--quantity", "2", "--as", "alice",
        says="only the member who recorded", code="not_allowed",
    )  # fmt: skip
    assert run.json("commons", "show", session.commons)["head_seq"] == 4


def test_withdrawing_pending_work_and_founding_with_a_preset(run: Cli, session: Session) -> None:
    work = run("contribute", session.commons, *CONTRIBUTE, "--as", "bob").stdout.strip()
    run.refused(
        "withdraw", session.commons, work, "--as", "carol",
        says="only the member who recorded", code="not_allowed",
    )  # fmt: skip
    withdrawn = run.json("withdraw", session.commons, work, "--reason", "duplicate", "--as", "bob")
    assert withdrawn["commons"] == session.commons
    assert listed(run, session)[work]["status"] == "withdrawn"
    run.refused(
        "validate", session.commons, work, "--approve", "--as", "alice",
        says="withdrawn", code="not_allowed",
    )  # fmt: skip
    run.refused("withdraw", session.commons, work, "--as", "bob", says="withdrawn already")
    open_commons = run(*FOUND, "--preset", "open", "--as", "carol").stdout.strip()
    charter = run.json("commons", "show", open_commons)["charter"]
    assert (charter["engine"], charter["validation_policy"]["validator_minimum"]) == (1, "50")
    assert (
        charter["standing_policy"]["founders"][0]["member"]
        == run.json("id", "show", "carol")["did"]
    )
    small = run.json("commons", "show", session.commons)["charter"]
    assert small["validation_policy"]["validator_minimum"] == "20"  # the default preset
    run(*FOUND, "--preset", "huge", "--as", "carol", code=2)


def test_an_adjusted_quantity_is_what_the_listing_shows(run: Cli, session: Session) -> None:
    work = run("contribute", session.commons, *CONTRIBUTE, "--as", "bob").stdout.strip()
    run(
        "validate", session.commons, work, "--adjust", "1.5", "--reason", "the jars took less",
        "--as", "alice",
    )  # fmt: skip
    row = listed(run, session)[work]
    assert (row["status"], row["accepted_quantity"], row["provisional"]) == (
        "accepted",
        "1.5",
        True,
    )
    text = run("commons", "contributions", session.commons).stdout
    line = next(line for line in text.splitlines() if line.startswith(work))
    assert "accepted (provisional)" in line
    assert "accepted at 1.5 hours" in line
