"""The command line, in process (click's CliRunner): a whole session, mirrors, verify, rebuild,
and the refusals a person can meet, each an exit status 2 with a readable message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.cli import Cli, make_cli


@dataclass
class Session:
    commons: str
    contribution: str
    alice: str
    bob: str


FOUND = (
    "commons",
    "found",
    "--name",
    "Seed Library",
    "--purpose",
    "Keep open-pollinated seeds in common",
    "--licence",
    "CC-BY-SA-4.0",
    "--aim",
    "Catalogue local varieties",
    "--metric",
    "varieties=Distinct varieties kept",
)
CONTRIBUTE = ("--kind", "work", "--quantity", "2.5", "--description", "weeded the seed beds")


@pytest.fixture
def session(run: Cli) -> Session:
    """alice founds, bob joins and contributes, alice approves bob's contribution."""
    alice = run("id", "new", "alice").stdout.strip()
    bob = run.json("id", "new", "bob")["did"]
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    contribution = run("contribute", commons, *CONTRIBUTE, "--as", "bob").stdout.strip()
    run("validate", commons, contribution, "--approve", "--as", "alice")
    return Session(commons, contribution, alice, bob)


def test_a_session_shows_in_the_commons(run: Cli, session: Session) -> None:
    detail = run.json("commons", "show", session.commons)
    assert detail["id"] == session.commons
    assert detail["charter"]["metrics"] == [
        {"name": "varieties", "description": "Distinct varieties kept"}
    ]
    assert detail["member_count"] == 2
    assert detail["head_seq"] == 3
    assert len(detail["head"]) == 64
    assert len(detail["digest"]) == 64
    assert "Seed Library" in run("commons", "show", session.commons).stdout
    [listed] = run.json("commons", "list")
    assert listed["id"] == session.commons
    [contribution] = run.json("commons", "contributions", session.commons)
    assert contribution["id"] == session.contribution
    assert contribution["status"] == "accepted"
    assert contribution["contributor"] == session.bob
    members = run.json("commons", "members", session.commons)
    assert [m["id"] for m in members] == [session.alice, session.bob]


def test_acting_with_json_reports_entry_head_and_digest(run: Cli, session: Session) -> None:
    money = ("--kind", "money", "--quantity", "2500", "--currency", "EUR", "--description", "seeds")
    appended = run.json("contribute", session.commons, *money, "--as", "alice")
    assert appended["commons"] == session.commons
    assert appended["seq"] == 4
    assert appended["head"] == appended["id"]
    assert appended["digest"] == run.json("commons", "show", session.commons)["digest"]
    disputed = run.json(
        "validate", session.commons, appended["id"], "--dispute", "--reason", "no receipt",
        "--as", "bob",
    )  # fmt: skip
    assert disputed["seq"] == 5
    left = run.json("leave", session.commons, "--as", "bob")
    assert left["seq"] == 6
    [bob] = [m for m in run.json("commons", "members", session.commons) if m["id"] == session.bob]
    assert bob["status"] == "left"
    run.refused("contribute", session.commons, *CONTRIBUTE, "--as", "bob", says="join it first")


def test_export_import_gives_a_mirror_with_the_same_digest(
    run: Cli, session: Session, tmp_path: Path
) -> None:
    exported = tmp_path / "journal.ndjson"
    summary = run.json("export", session.commons, "-o", str(exported))
    assert summary["entries"] == 4
    assert len(exported.read_bytes().splitlines()) == 4
    assert exported.read_bytes() == run("export", session.commons).stdout_bytes
    mirror = make_cli(tmp_path / "mirror")
    imported = mirror.json("import", str(exported))
    assert (imported["id"], imported["appended"]) == (session.commons, 4)
    original = run.json("commons", "show", session.commons)
    copy = mirror.json("commons", "show", session.commons)
    assert copy["digest"] == original["digest"] == summary["digest"] == imported["digest"]
    assert copy["head"] == original["head"] == imported["head"]
    assert copy["hosted_here"] is False
    again = mirror.json("import", "-", stdin=exported.read_bytes())
    assert (again["appended"], again["already_held"]) == (0, 4)


def test_export_after_a_seq_continues_a_mirror(run: Cli, session: Session, tmp_path: Path) -> None:
    first = tmp_path / "first.ndjson"
    first.write_bytes(run("export", session.commons).stdout_bytes.splitlines(keepends=True)[0])
    rest = run("export", session.commons, "--after", "0").stdout_bytes
    assert len(rest.splitlines()) == 3
    run("--data-dir", str(tmp_path / "mirror"), "import", str(first))
    continued = run.json("--data-dir", str(tmp_path / "mirror"), "import", "-", stdin=rest)
    assert continued["appended"] == 3
    assert continued["digest"] == run.json("commons", "show", session.commons)["digest"]


def test_verify_a_held_journal_and_an_exported_file(
    run: Cli, session: Session, tmp_path: Path
) -> None:
    digest = run.json("commons", "show", session.commons)["digest"]
    held = run.json("verify", session.commons)
    assert (held["ok"], held["id"], held["entries"], held["digest"]) == (
        True, session.commons, 4, digest,
    )  # fmt: skip
    assert held["projections_match"] is True
    assert run("verify", session.commons).stdout.startswith("ok:")
    exported = tmp_path / "journal.ndjson"
    run("export", session.commons, "-o", str(exported))
    offline = make_cli(tmp_path / "empty").json("verify", "--file", str(exported))
    assert (offline["ok"], offline["digest"], offline["head"]) == (True, digest, held["head"])


def test_one_flipped_bit_in_an_exported_entry_is_named(
    run: Cli, session: Session, tmp_path: Path
) -> None:
    exported = tmp_path / "journal.ndjson"
    run("export", session.commons, "-o", str(exported))
    data = bytearray(exported.read_bytes())
    position = data.index(b"weeded the seed beds")
    assert data[:position].count(b"\n") == 2  # line 3: bob's contribution, seq 2
    data[position] ^= 0x20  # "weeded" -> "Weeded": still JSON, no longer what bob signed
    exported.write_bytes(bytes(data))

    report = run.json("verify", "--file", str(exported), code=1)
    assert report["ok"] is False
    assert report["entries"] == 2
    bad = report["first_bad"]
    assert (bad["line"], bad["seq"], bad["code"]) == (3, 2, "bad_signature")
    assert "author_sig" in bad["reason"]
    text = run("verify", "--file", str(exported), code=1).stdout
    assert "line 3, seq 2" in text
    assert "bad_signature" in text
    mirror = make_cli(tmp_path / "mirror")
    mirror.refused("import", str(exported), says="line 3", code="bad_signature")
    mirror.refused("commons", "show", session.commons, says="no commons", code="not_found")


def _tamper_with_projections(data_dir: Path) -> None:
    """What a bug or a hand-edit of the database would do: a projected row the journal does not
    explain."""
    engine = sa.create_engine(f"sqlite:///{data_dir / 'commonwork.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE members SET name = 'Mallory' WHERE role = 'member'"))
    engine.dispose()


def test_rebuild_keeps_the_digest(run: Cli, session: Session) -> None:
    digest = run.json("commons", "show", session.commons)["digest"]
    rebuilt = run.json("rebuild", session.commons)
    assert rebuilt["unchanged"] is True
    assert rebuilt["digest_before"] == rebuilt["digest_after"] == rebuilt["digest"] == digest
    assert (rebuilt["entries"], rebuilt["commons"]) == (4, [session.commons])
    text = run("rebuild").stdout
    assert "unchanged" in text
    assert f"digest before: {digest}" in text


def test_rebuild_and_verify_report_projections_the_journal_does_not_explain(
    run: Cli, session: Session
) -> None:
    digest = run.json("commons", "show", session.commons)["digest"]
    _tamper_with_projections(run.data_dir)
    report = run.json("verify", session.commons, code=1)
    assert report["ok"] is True
    assert report["projections_match"] is False
    assert report["digest"] == digest
    result = run("rebuild", session.commons, code=1)
    assert "CHANGED" in result.stdout
    assert f"digest after:  {digest}" in result.stdout
    assert run.json("rebuild", session.commons)["unchanged"] is True
    run("verify", session.commons)


def test_identities_move_between_nodes(run: Cli, tmp_path: Path) -> None:
    did = run("id", "new").stdout.strip()
    assert run("id", "show").stdout.strip() == did
    assert run.json("id", "list") == [run.json("id", "show", "default")]
    exported = run("id", "export")
    assert "warning" in exported.stderr
    secret = exported.stdout.strip()
    other = make_cli(tmp_path / "other")
    assert other("id", "import", "me", stdin=secret + "\n").stdout.strip() == did
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret)
    imported = other.json("id", "import", "again", "--secret-file", str(secret_file))
    assert imported["did"] == imported["id"] == did
    assert other.json("id", "export", "me")["secret"] == secret


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (("id", "new", "alice"), "exists already", "conflict"),
        (("id", "new", "no/slash"), "not a usable identity name", "bad_input"),
        (("id", "show", "carol"), "commonwork id new carol", "not_found"),
        (("id", "import", "zed"), "the secret key", "invalid_action"),
        (("commons", "show", "f" * 64), "no commons", "not_found"),
        (("join", "f" * 64, "--as", "alice"), "no commons", "not_found"),
        (("verify", "f" * 64), "no commons", "not_found"),
        (("export", "f" * 64), "no commons", "not_found"),
        (("rebuild", "f" * 64), "no commons", "not_found"),
        (("join", "f" * 64, "--as", "carol"), "commonwork id new carol", "not_found"),
        (("join", "f" * 64), "commonwork id new default", "not_found"),
    ],
)
def test_refusals_exit_2_with_a_readable_message(
    run: Cli, args: tuple[str, ...], says: str, code: str
) -> None:
    run("id", "new", "alice")
    run.refused(*args, says=says, code=code)


def test_unknown_licence_is_refused(run: Cli) -> None:
    run("id", "new", "alice")
    found = [*FOUND[:7], "Not-A-Licence-1.0", "--as", "alice"]
    run.refused(*found, says="not a valid SPDX licence expression", code="invalid_action")
    assert run.json("commons", "list") == []


def test_rules_refuse_with_exit_2(run: Cli, session: Session) -> None:
    run("id", "new", "carol")
    own = ("validate", session.commons, session.contribution, "--approve", "--as", "bob")
    run.refused(*own, says="nobody validates their own contribution", code="not_allowed")
    again = ("validate", session.commons, session.contribution, "--approve", "--as", "alice")
    run.refused(*again, code="already_done", says="")
    outsider = ("contribute", session.commons, *CONTRIBUTE, "--as", "carol")
    run.refused(*outsider, says="not a member of this commons", code="not_a_member")
    dispute = ("validate", session.commons, session.contribution, "--dispute", "--as", "alice")
    run.refused(*dispute, says="", code="invalid_action")
    money = ("contribute", session.commons, "--kind", "money", "--quantity", "10")
    run.refused(*money, "--description", "x", "--as", "bob", says="currency")
    quantity = ("contribute", session.commons, "--kind", "work", "--quantity", "-1")
    run.refused(*quantity, "--description", "x", "--as", "bob", says="positive decimal")
    assert run.json("commons", "show", session.commons)["head_seq"] == 3


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("verify",), "give a commons ID"),
        (("verify", "abc", "--file", "-"), "not both"),
        (("validate", "a", "b"), "--approve, --dispute or --adjust"),
        (("commons", "found", "--name", "x", "--purpose", "y", "--licence", "MIT", "--metric", "m"),
         "NAME=DESCRIPTION"),
        (("import", "no-such-file.ndjson"), "does not exist"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(run: Cli, args: tuple[str, ...], says: str) -> None:
    result = run(*args, code=2)
    assert says in result.stderr


def test_settings_errors_are_refusals_too(run: Cli) -> None:
    run.env["COMMONWORK_PORT"] = "eighty"
    run.refused("id", "list", says="COMMONWORK_PORT must be a whole number", code="bad_input")


def test_an_empty_journal_file_is_refused(run: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    run.refused("import", str(empty), says="empty")
    report = run.json("verify", "--file", str(empty), code=1)
    assert report["first_bad"]["code"] == "empty"
