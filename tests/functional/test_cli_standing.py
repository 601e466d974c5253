"""``commonwork standing`` (show, why, preview), ``validate --adjust`` and ``commons found
--policies``, in process: the figures they print and the refusals a person can meet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contract.test_standing import VALIDATION, VALUE
from tests.functional.test_cli import FOUND, Session
from tests.support.builders import FIRST_RELEASE_JOURNAL
from tests.support.cli import Cli


@pytest.fixture
def session(run: Cli, tmp_path: Path) -> Session:
    """alice founds a commons with policies (seeded with standing 100), bob joins and records
    4 hours of python work, which alice approves."""
    alice = run("id", "new", "alice").stdout.strip()
    bob = run.json("id", "new", "bob")["did"]
    policies = tmp_path / "policies.json"
    standing = {"half_life_days": 180, "founders": [{"member": alice, "standing": 100}]}
    policies.write_text(
        json.dumps(
            {"validation_policy": VALIDATION, "value_policy": VALUE, "standing_policy": standing}
        )
    )
    commons = run(
        *FOUND, "--as", "alice", "--founder-name", "Alice", "--policies", str(policies)
    ).stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    work = run(
        "contribute", commons, "--kind", "work", "--quantity", "4", "--description", "indexed",
        "--skill", "python", "--as", "bob",
    ).stdout.strip()  # fmt: skip
    run("validate", commons, work, "--approve", "--as", "alice")
    return Session(commons, work, alice, bob)


def test_show_and_why(run: Cli, session: Session) -> None:
    table = run.json("standing", "show", session.commons)
    assert {row["name"]: row["value_points"] for row in table["members"]} == {
        "Alice": "0",
        "Bob": "12",  # 4 hours * 2 (work) * 1.5 (python)
    }
    printed = run("standing", "show", session.commons).stdout
    assert "Bob" in printed
    assert f"digest:       {table['digest']}" in printed
    why = run.json("standing", "why", session.commons, session.bob)
    assert [term["entry"] for term in why["why"]] == [session.contribution]
    text = run("standing", "why", session.commons, session.bob).stdout
    assert f"contribution {session.contribution}" in text
    assert "approved by Alice weight 10 " in text


def test_adjust_from_the_command_line(run: Cli, session: Session) -> None:
    work = run(
        "contribute", session.commons, "--kind", "work", "--quantity", "9", "--description",
        "sorted", "--as", "bob",
    ).stdout.strip()  # fmt: skip
    run.refused(
        "validate", session.commons, work, "--adjust", "3", "--as", "alice",
        says="must say why", code="invalid_action",
    )  # fmt: skip
    run("validate", session.commons, work, "--adjust", "3", "--reason", "3h", "--as", "alice")
    [row] = [r for r in run.json("commons", "contributions", session.commons) if r["id"] == work]
    assert (row["status"], row["accepted_quantity"]) == ("accepted", "3")


def test_preview_writes_nothing_and_refuses_nonsense(
    run: Cli, session: Session, tmp_path: Path
) -> None:
    before = run.json("standing", "show", session.commons)["digest"]
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({**VALUE, "version": 2, "kinds": {"work": "1"}}))
    preview = run.json("standing", "preview", session.commons, "--policy", str(candidate))
    bob = next(row for row in preview["members"] if row["name"] == "Bob")
    assert (bob["live_value_points"], bob["candidate_value_points"]) == ("12", "6")
    assert run.json("standing", "show", session.commons)["digest"] == before
    candidate.write_text(json.dumps({**VALUE, "kinds": {"gold": "1"}}))
    run.refused(
        "standing", "preview", session.commons, "--policy", str(candidate),
        says="unknown contribution kinds in the value policy: gold", code="invalid_action",
    )  # fmt: skip
    candidate.write_text("{")
    run.refused(
        "standing", "preview", session.commons, "--policy", str(candidate), says="not valid JSON"
    )


def test_a_commons_without_policies_keeps_no_standing(run: Cli, tmp_path: Path) -> None:
    run("id", "new", "dee")
    plain = run.json("import", str(FIRST_RELEASE_JOURNAL))["commons"]  # made before engines
    run.refused("standing", "show", plain, says="keeps no standing", code="not_found")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"value_policy": {**VALUE, "kinds": {"gold": "1"}}}))
    run.refused(*FOUND, "--as", "dee", "--policies", str(bad), says="unknown contribution kinds")
