"""``commonwork import-git`` and ``commonwork email``, in process, on real git repositories the
tests build: the contributions and validations recorded (authors, shares, dates, artifacts),
.mailmap, idempotent re-runs, later claims, privacy of addresses, and refusals that write nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commonwork.errors import NotAllowed
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import emails, git_import
from tests.functional.test_cli import FOUND
from tests.support.cli import Cli

REMOTE = "https://ada:s3cret-token@git.example.org/seeds/library.git"
COMMIT_URL = "https://git.example.org/seeds/library/commit/"
MAILMAP = "Ada Lovelace <ada@example.org> <ada@old.example>\n"
PEOPLE = {
    "ada": ("Ada Lovelace", "ada@example.org"),
    "ben": ("Ben Okri", "ben@example.org"),
    "cy": ("Cy Twombly", "cy@example.org"),
    "dee": ("Dee Dee", "dee@example.org"),
    "eve": ("Eve Outsider", "eve@example.org"),
}
ADA_OLD = ("Ada (old laptop)", "ada@old.example")


def contact(who: str) -> str:
    name, email = PEOPLE[who]
    return f"{name} <{email}>"


class Repo:
    """A git repository in tmp_path whose commits have fixed authors and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.clock = 0

    def git(self, *args: str, **env: str) -> str:
        isolated = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/"}
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            env={**os.environ, **isolated, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def commit(self, message: str, author: tuple[str, str], date: str | None = None) -> str:
        self.clock += 1
        date = date or f"2024-05-{self.clock:02d}T12:00:00+02:00"
        (self.path / f"file{self.clock}.txt").write_text(message)
        self.git("add", "-A")
        self.git(
            "commit", "-q", "-m", message,
            GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1], GIT_AUTHOR_DATE=date,
            GIT_COMMITTER_NAME="Committer", GIT_COMMITTER_EMAIL="committer@example.org",
            GIT_COMMITTER_DATE=date,
        )  # fmt: skip
        return self.git("rev-parse", "HEAD")

    def object_sha256(self, sha: str) -> tuple[str, int]:
        raw = subprocess.run(
            ["git", "-C", str(self.path), "cat-file", "commit", sha],
            capture_output=True,
            check=True,
        ).stdout
        return hashlib.sha256(raw).hexdigest(), len(raw)


@dataclass
class World:
    run: Cli
    repo: Repo
    commons: str
    did: dict[str, str]
    sha: dict[str, str]


@pytest.fixture
def world(run: Cli, tmp_path: Path) -> World:
    """ada founds; ben, cy and dee join; ada, ben and cy claim their addresses (dee not yet; eve
    is no member). The repository: five commits and a merge."""
    did = {name: run.json("id", "new", name)["did"] for name in ("ada", "ben", "cy", "dee")}
    commons = run(*FOUND, "--as", "ada", "--founder-name", "Ada").stdout.strip()
    for name in ("ben", "cy", "dee"):
        run("join", commons, "--as", name, "--name", name.title())
    for name in ("ada", "ben", "cy"):
        run("email", "claim", PEOPLE[name][1].upper(), "--as", name)
    repo = Repo(tmp_path / "library")
    (repo.path / ".mailmap").write_text(MAILMAP)
    repo.git("remote", "add", "origin", REMOTE)
    sha = {
        "catalogue": repo.commit(
            "Add the seed catalogue\n\nAll 120 varieties.\n\n"
            f"Co-authored-by: {contact('ben')}\nCo-authored-by: {contact('cy')}\n"
            f"Reviewed-by: {contact('dee')}\nReviewed-by: {contact('cy')}\n",
            ADA_OLD,
            "2024-03-01T10:00:00+01:00",
        ),
        "typo": repo.commit(f"Fix a typo\n\nAcked-by: {contact('ada')}\n", PEOPLE["eve"]),
        "manual": repo.commit(
            f"Translate the manual\n\nCo-authored-by: Ben <BEN@Example.ORG>\n"
            f"Acked-by: {contact('ada')}\nTested-by: Old Ada <ada@old.example>\n",
            PEOPLE["eve"],
        ),
        "beds": repo.commit(f"Weed the beds\n\nReviewed-by: {contact('ben')}\n", PEOPLE["dee"]),
    }
    repo.git("checkout", "-q", "-b", "shelves")
    sha["shelves"] = repo.commit("Sort the shelves", PEOPLE["cy"])
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge", "-q", "--no-ff", "-m", "Merge the shelves", "shelves",
        GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.org",
        GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.org",
    )  # fmt: skip
    return World(run, repo, commons, did, sha)


def import_git(world: World, *extra: str) -> dict[str, Any]:
    args = ("import-git", str(world.repo.path), "--commons", world.commons, *extra)
    result: dict[str, Any] = world.run.json(*args)
    return result


def counts(result: dict[str, Any]) -> tuple[int, ...]:
    """commits, contributions, validations, already imported, unclaimed, unclaimed addresses."""
    keys = ("commits", "contributions", "validations", "already_imported", "unclaimed")
    return (*(result[key] for key in keys), result["unclaimed_addresses"])


def exported(world: World) -> str:
    return world.run("export", world.commons).stdout


def imported(world: World) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The contributions recorded, by commit (each action with its entry id), and the
    validations (each action)."""
    records: dict[str, dict[str, Any]] = {}
    approvals = []
    for line in exported(world).splitlines():
        action = json.loads(line)["action"]
        if action["type"] == "production.contribution.record":
            entry_id = hashlib.sha256(line.encode()).hexdigest()
            records[action["body"]["source"].removeprefix("git:")] = {**action, "id": entry_id}
        elif action["type"] == "production.contribution.validate":
            approvals.append(action)
    return records, approvals


def artifact(world: World, commit: str) -> dict[str, Any]:
    sha256, size = world.repo.object_sha256(world.sha[commit])
    return {"sha256": sha256, "url": COMMIT_URL + world.sha[commit], "size": size}


def approval(world: World, by: str, records: dict[str, Any], commit: str, trailer: str) -> Any:
    return (
        world.did[by],
        records[world.sha[commit]]["id"],
        f"{trailer} trailer of git commit {world.sha[commit]}",
    )


def approvals_of(approvals: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    assert all(item["body"]["verdict"] == "approve" for item in approvals)
    return {(a["author"], a["body"]["contribution"], a["body"]["reason"]) for a in approvals}


def test_commits_become_contributions_and_trailers_validations(world: World) -> None:
    world.run("id", "new", "eve")
    world.run("email", "claim", PEOPLE["eve"][1], "--as", "eve")  # eve claims, but is no member
    result = import_git(world)
    assert result["commons"] == world.commons
    assert counts(result) == (5, 3, 1, 0, 2, 2)  # the merge is left out; eve and dee unclaimed
    records, approvals = imported(world)
    assert set(records) == {world.sha[name] for name in ("catalogue", "manual", "shelves")}
    catalogue = records[world.sha["catalogue"]]
    assert catalogue["author"] == world.did["ada"]  # ada@old.example, through .mailmap
    assert catalogue["body"] == {
        "kind": "artifact",
        "quantity": "1",
        "description": "Add the seed catalogue",
        "artifact": artifact(world, "catalogue"),
        "source": f"git:{world.sha['catalogue']}",
        "happened_at": "2024-03-01T09:00:00.000Z",
        "co_authors": [
            {"member": world.did["ben"], "share": "0.3333"},
            {"member": world.did["cy"], "share": "0.3333"},
        ],  # ada's own share: 0.3334
    }
    manual = records[world.sha["manual"]]  # eve is unclaimed: ben, her co-author, records it
    assert (manual["author"], "co_authors" in manual["body"]) == (world.did["ben"], False)
    assert manual["body"]["happened_at"] == "2024-05-03T10:00:00.000Z"
    assert manual["body"]["artifact"] == artifact(world, "manual")
    assert records[world.sha["shelves"]]["author"] == world.did["cy"]
    # dee has not claimed her address; cy co-authored the catalogue; ada acked the manual (and
    # tested it, under her old address: one validation each)
    assert approvals_of(approvals) == {approval(world, "ada", records, "manual", "Acked-by")}


def test_a_second_run_records_nothing_and_later_claims_import_on_the_next(world: World) -> None:
    import_git(world)
    head = world.run.json("commons", "show", world.commons)["head"]
    again = import_git(world)
    assert counts(again) == (5, 0, 0, 3, 2, 2)
    assert world.run.json("commons", "show", world.commons)["head"] == head
    world.run("email", "claim", "dee@example.org", "--as", "dee")
    later = import_git(world)
    assert counts(later) == (5, 1, 2, 3, 1, 1)  # dee's commit, her review of the catalogue
    records, approvals = imported(world)
    assert records[world.sha["beds"]]["author"] == world.did["dee"]
    assert approvals_of(approvals) == {
        approval(world, "ada", records, "manual", "Acked-by"),
        approval(world, "dee", records, "catalogue", "Reviewed-by"),
        approval(world, "ben", records, "beds", "Reviewed-by"),
    }
    world.sha["new"] = world.repo.commit(
        f"Label the jars\n\nTested-by: {contact('cy')}", PEOPLE["ben"]
    )
    newest = import_git(world, "--skill", "gardening")
    assert counts(newest) == (6, 1, 1, 4, 1, 1)
    records, approvals = imported(world)
    assert records[world.sha["new"]]["body"]["skill"] == "gardening"
    assert approval(world, "cy", records, "new", "Tested-by") in approvals_of(approvals)
    text = world.run("import-git", str(world.repo.path), "--commons", world.commons).stdout
    assert "contributions:    0 recorded\n" in text
    assert "already imported: 5 commits\n" in text
    assert "unclaimed:        1 commits, by 1 unclaimed addresses\n" in text
    assert world.run.json("verify", world.commons)["ok"] is True


def test_addresses_never_enter_the_journal(world: World) -> None:
    world.run("email", "claim", "dee@example.org", "--as", "dee")
    import_git(world)
    journal_text = exported(world).lower()
    for text in ("@example.org", "@old.example", "s3cret", "lovelace", "ada:"):
        assert text not in journal_text
    assert COMMIT_URL.lower() in journal_text


def test_claims_are_listed_released_and_refused_when_taken_or_malformed(world: World) -> None:
    run = world.run
    listed = run.json("email", "list", "--as", "ada")
    assert [(item["email"], item["did"]) for item in listed] == [
        ("ada@example.org", world.did["ada"])
    ]
    assert run.json("email", "claim", " Ada@Example.org ", "--as", "ada")["created"] is False
    as_dee = ("--as", "dee")
    taken = "claimed by another member"
    run.refused("email", "claim", "ada@example.org", *as_dee, says=taken, code="conflict")
    malformed = "not an e-mail address"
    run.refused("email", "claim", "ada at example", *as_dee, says=malformed, code="bad_input")
    too_long = "a" * 250 + "@x.org"
    run.refused("email", "claim", too_long, *as_dee, says="at most 254", code="bad_input")
    assert run.json("email", "list", *as_dee) == []
    run.refused("email", "release", "ada@example.org", *as_dee, says="no claim", code="not_found")
    assert run("email", "release", "ADA@example.org", "--as", "ada").stdout.strip() == (
        "ada@example.org"
    )
    assert run.json("email", "list", "--as", "ada") == []
    assert run.json("email", "claim", "ada@example.org", "--as", "dee")["did"] == world.did["dee"]


def test_bad_input_is_refused_and_writes_nothing(world: World, tmp_path: Path) -> None:
    run = world.run
    head = run.json("commons", "show", world.commons)["head"]
    plain = tmp_path / "plain"
    plain.mkdir()
    command = ("import-git", "--commons", world.commons)
    run.refused(*command, str(plain), says="is not a git repository", code="bad_input")
    run.refused(*command, str(tmp_path / "nowhere"), says="not a git repository", code="bad_input")
    repo = str(world.repo.path)
    unknown = ("import-git", repo, "--commons", "0" * 64)
    run.refused(*unknown, says="there is no commons", code="not_found")
    run.refused(*command, repo, "--url-template", "ftp://x/{sha}", says="URL template")
    run.refused(*command, repo, "--url-template", "https://x.example/", says="{sha}")
    run.refused(*command, repo, "--skill", "Not A Skill", says="not a skill", code="bad_input")
    world.repo.git("remote", "remove", "origin")
    run.refused(*command, repo, says="--url-template", code="bad_input")
    assert run.json("commons", "show", world.commons)["head"] == head
    empty = Repo(tmp_path / "empty")
    run.refused(*command, str(empty.path), says="has no commit HEAD", code="bad_input")


def test_only_members_whose_key_the_node_holds_may_claim(node: Node) -> None:
    stranger = Keypair.generate()
    with pytest.raises(NotAllowed, match="holds no key"):
        emails.claim_email(node, did=stranger.did, email="stranger@example.org")
    assert emails.list_claims(node, stranger.did) == []
    local = node.identities.create("local").keypair
    claim, created = emails.claim_email(node, did=local.did, email="Local@Example.org")
    assert (claim.email, claim.did, created) == ("local@example.org", local.did, True)


def fast_import(repo: Repo, commits: int) -> None:
    """``commits`` commits by ben, each reviewed by cy, every fifth by eve (unclaimed)."""
    stream = []
    for number in range(commits):
        name, email = PEOPLE["eve" if number % 5 == 4 else "ben"]
        message = f"Change {number}\n\nReviewed-by: {contact('cy')}\n".encode()
        stream.append(
            b"commit refs/heads/main\n"
            + f"author {name} <{email}> {1_700_000_000 + number} +0000\n".encode()
            + f"committer {name} <{email}> {1_700_000_000 + number} +0000\n".encode()
            + b"data %d\n%s\n" % (len(message), message)
        )
    subprocess.run(
        ["git", "-C", str(repo.path), "fast-import", "--quiet"], input=b"".join(stream), check=True
    )


def test_many_commits_import_in_batches_with_progress(world: World, node: Node) -> None:
    many = Repo(world.repo.path.parent / "many")
    fast_import(many, 1234)
    seen: list[int] = []
    url = "https://git.example.org/many/-/commit/{sha}"
    result = git_import.import_git(
        node, commons_id=world.commons, repo=many.path, url_template=url, progress=seen.append
    )
    assert seen == [500, 1000, 1234]
    assert counts(result.as_json()) == (1234, 988, 988, 0, 246, 1)
    records, approvals = imported(world)
    assert len(records) == 988
    assert all(record["author"] == world.did["ben"] for record in records.values())
    assert {a["author"] for a in approvals} == {world.did["cy"]}
    assert {a["body"]["contribution"] for a in approvals} == {r["id"] for r in records.values()}
    again = git_import.import_git(node, commons_id=world.commons, repo=many.path, url_template=url)
    assert counts(again.as_json()) == (1234, 0, 0, 988, 246, 1)
