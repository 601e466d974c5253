"""Import a git repository's commits as ``artifact`` contributions (``commonwork import-git``).

Each commit reachable from the revision (merges left out), oldest first, is recorded by the first
of its authors (the commit's author, then its ``Co-authored-by`` trailers, addresses mapped through
``.mailmap``) whose address an active member claimed on this node (:mod:`.emails`), with the other
claimed authors as co-authors at equal shares; each claimed ``Reviewed-by``, ``Acked-by`` or
``Tested-by`` who is not an author approves it. The claimants' own keys sign. ``source`` is
``git:<commit>``: a run skips what earlier runs recorded. Addresses never enter the journal.
See docs/git-import.md.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from commonwork.errors import BadInput
from commonwork.journal.actions import (
    TIME_PATTERN,
    SignedAction,
    build_action,
    format_time,
    sign_action,
)
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.production.actions import RECORD, VALIDATE
from commonwork.production.decimals import decimal_text
from commonwork.production.tables import contribution_shares, contribution_sources, validations
from commonwork.services.acting import co_author_list
from commonwork.services.emails import signers_in

BATCH = 500
MAX_AUTHORS = 51  # the recorder and at most 50 co-authors (production.contribution_bodies)
APPROVING = {"reviewed-by": "Reviewed-by", "acked-by": "Acked-by", "tested-by": "Tested-by"}
CO_AUTHORED = "co-authored-by"
_TRAILERS = ",".join(f"key={key}" for key in ("Co-authored-by", *APPROVING.values()))
LOG_FORMAT = f"%H%x1f%aE%x1f%aI%x1f%(trailers:{_TRAILERS},unfold,separator=%x1e)%x1f%s"
_CONTACT = re.compile(r"([^<>\n]*?)\s*<([^<>\s]+@[^<>\s]+)>")
_URL = re.compile(r"https?://[^\s/?#]+\S*")
_SKILL = re.compile(r"[a-z0-9-]{1,50}")


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    author: str  # the author's address (mailmapped, lower case)
    date: str  # the author date, strict ISO 8601
    subject: str
    trailers: tuple[tuple[str, str], ...]  # (key in lower case, "Name <address>"), in order


@dataclass
class GitImport:
    """What a run did. Addresses are counted, never named: they are private."""

    commons_id: str
    commits: int = 0  # commits read (merges left out)
    contributions: int = 0  # contributions recorded by this run
    validations: int = 0  # approvals recorded by this run
    already_imported: int = 0  # commits recorded by an earlier run
    unclaimed: int = 0  # commits none of whose authors is a member who claimed their address
    unclaimed_addresses: int = 0  # distinct author addresses no member claimed

    def as_json(self) -> dict[str, Any]:
        return {"id": self.commons_id, "commons": self.commons_id, **asdict(self)}


def _command(repo: Path, *args: str) -> list[str]:
    return ["git", "-C", str(repo), "-c", "i18n.logOutputEncoding=UTF-8", *args]


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # S603: git itself, with arguments built here: no shell, and a revision never read as an option
    return subprocess.run(_command(repo, *args), input=stdin, capture_output=True, check=False)  # noqa: S603


def check_repository(repo: Path, revision: str = "HEAD") -> None:
    """BadInput unless ``repo`` is a git repository where ``revision`` names a commit."""
    if shutil.which("git") is None:
        raise BadInput("git is not installed on this machine (or not on PATH): install it first")
    if not repo.is_dir() or _git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise BadInput(f"{repo} is not a git repository (git init makes one, git clone copies one)")
    if revision.startswith("-") or not revision.strip():
        raise BadInput(f"{revision!r} is not a revision: name a branch, a tag or a commit")
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").returncode != 0:
        raise BadInput(f"{repo} has no commit {revision}: commit something first, or name one")


def count_commits(repo: Path, revision: str = "HEAD") -> int:
    """How many commits an import reads (merges left out): for a progress bar."""
    done = _git(repo, "rev-list", "--count", "--no-merges", "--end-of-options", revision)
    return int(done.stdout) if done.returncode == 0 else 0


def _parse_commit(record: bytes) -> Commit:
    sha, email, date, trailers, subject = (
        record.decode("utf-8", "replace").lstrip("\n").split("\x1f", 4)
    )
    found: list[tuple[str, str]] = []
    for line in trailers.split("\x1e") if trailers else ():
        key, _, value = line.partition(":")
        contact = _CONTACT.fullmatch(value.strip())
        if contact is not None:
            found.append((key.strip().lower(), f"{contact[1]} <{contact[2]}>".lstrip()))
    return Commit(sha, email.strip().lower(), date, subject, tuple(found))


def read_commits(repo: Path, revision: str = "HEAD") -> Iterator[Commit]:
    """The commits reachable from ``revision``, oldest first, streamed from ``git log``."""
    command = _command(
        repo, "log", "--reverse", "--no-merges", "--no-show-signature", "-z",
        f"--format={LOG_FORMAT}", "--end-of-options", revision,
    )  # fmt: skip
    # S603: git itself with arguments built here, no shell; --end-of-options keeps the revision
    # from being read as an option
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors) as git,  # noqa: S603
    ):
        output = git.stdout
        if output is None:
            raise BadInput("git log gave no output to read")
        pending = b""
        while chunk := output.read(1 << 16):
            records = (pending + chunk).split(b"\0")
            pending = records.pop()
            yield from (_parse_commit(record) for record in records if record.strip())
        if pending.strip():
            yield _parse_commit(pending)
        if git.wait() != 0:
            errors.seek(0)
            raise BadInput(f"git log failed in {repo}: {errors.read().decode(errors='replace')}")


def commit_objects(repo: Path, shas: list[str]) -> dict[str, tuple[str, int]]:
    """``{commit: (sha256, size)}`` of the raw commit objects, by one ``git cat-file --batch``."""
    if not shas:
        return {}
    done = _git(repo, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas).encode())
    found: dict[str, tuple[str, int]] = {}
    data, at = done.stdout, 0
    for sha in shas:
        end = data.find(b"\n", at)
        header = data[at:end].decode().split() if end >= 0 else []
        if header[:2] != [sha, "commit"] or len(header) != 3:
            raise BadInput(f"git cat-file cannot read commit {sha} in {repo}")
        body = data[end + 1 : end + 1 + int(header[2])]
        found[sha], at = (hashlib.sha256(body).hexdigest(), len(body)), end + 2 + len(body)
    return found


class Mailmap:
    """Trailer contacts' addresses through the repository's mailmap (``git check-mailmap``)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.known: dict[str, str] = {}

    def resolve(self, contacts: Iterable[str]) -> None:
        new = sorted({contact for contact in contacts if contact not in self.known})
        if not new:
            return
        done = _git(
            self.repo, "check-mailmap", "--stdin", stdin="".join(f"{c}\n" for c in new).encode()
        )
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        if done.returncode != 0 or len(lines) != len(new):
            said = done.stderr.decode("utf-8", "replace").strip()
            raise BadInput(f"git check-mailmap failed in {self.repo}: {said}")
        for contact, mapped in zip(new, lines, strict=True):
            address = _CONTACT.fullmatch(mapped.strip()) or _CONTACT.fullmatch(contact)
            self.known[contact] = address[2].lower() if address else ""


def _origin_template(repo: Path) -> str | None:
    """``https://host/path/commit/{sha}`` from an http(s) ``origin``, without credentials."""
    done = _git(repo, "remote", "get-url", "origin")
    if done.returncode != 0:
        return None
    parts = urlsplit(done.stdout.decode("utf-8", "replace").strip())
    path = parts.path.rstrip("/").removesuffix(".git")
    if parts.scheme not in ("http", "https") or not parts.hostname or not path.strip("/"):
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{path}/commit/{{sha}}"


def commit_url_template(repo: Path, given: str | None) -> str:
    """Where each commit's page is: ``given`` (with ``{sha}``), or derived from ``origin``."""
    template = given if given is not None else _origin_template(repo)
    if template is None:
        raise BadInput(
            f"{repo} has no http(s) remote 'origin' to link commits to: give the web address of "
            "a commit with --url-template, e.g. 'https://example.org/project/commit/{sha}'"
        )
    example = template.replace("{sha}", "0" * 40)
    if "{sha}" not in template or len(example) > 2000 or not _URL.fullmatch(example):
        raise BadInput(
            f"{template!r} is not a usable URL template: an http(s) address of at most 2000 "
            "characters, without spaces, with {sha} where the commit goes"
        )
    return template


# --- importing -------------------------------------------------------------------------------


def equal_shares(count: int) -> list[str]:
    """``count`` equal shares of 1 with 4 decimals that sum to exactly 1: the largest-remainder
    split of 10,000 ten-thousandths (the remainders are equal: the first authors get one more)."""
    base, extra = divmod(10_000, count)
    return [decimal_text(Decimal(base + (index < extra)) / 10_000) for index in range(count)]


def happened_at(date: str, clock: str) -> str | None:
    """The author date in the journal's format; None if unreadable, or later than ``clock`` (the
    rules refuse work said to happen after it is recorded)."""
    try:
        moment = format_time(datetime.fromisoformat(date))
    except (ValueError, OverflowError):
        return None
    return moment if TIME_PATTERN.fullmatch(moment) and moment <= clock else None


def _recorded(node: Node, commons_id: str, commits: list[Commit]) -> dict[str, str]:
    """``{commit: contribution id}`` of the commits an earlier run recorded: one query."""
    query = sa.select(contribution_sources).where(
        contribution_sources.c.commons_id == commons_id,
        contribution_sources.c.source.in_([f"git:{commit.sha}" for commit in commits]),
    )
    with node.reading() as conn:
        return {row.source[4:]: row.contribution_id for row in conn.execute(query)}


def _authors_and_validators(
    node: Node, commons_id: str, contribution_ids: list[str]
) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Each contribution's authors, and the (contribution, member) pairs validated already."""
    shares = sa.select(contribution_shares).where(
        contribution_shares.c.commons_id == commons_id,
        contribution_shares.c.contribution_id.in_(contribution_ids),
        contribution_shares.c.share != "0",
    )
    made = sa.select(validations.c.contribution_id, validations.c.validator).where(
        validations.c.commons_id == commons_id,
        validations.c.contribution_id.in_(contribution_ids),
    )
    authors: dict[str, set[str]] = {contribution: set() for contribution in contribution_ids}
    with node.reading() as conn:
        for row in conn.execute(shares):
            authors[row.contribution_id].add(row.member)
        done = {(row.contribution_id, row.validator) for row in conn.execute(made)}
    return authors, done


@dataclass
class _Run:
    node: Node
    commons_id: str
    repo: Path
    template: str
    skill: str | None
    signers: dict[str, str]  # address → did
    keys: dict[str, Keypair]
    mailmap: Mailmap
    result: GitImport
    unclaimed: set[str] = field(default_factory=set)

    def batch(self, commits: list[Commit]) -> None:
        self.result.commits += len(commits)
        self.mailmap.resolve(contact for commit in commits for _, contact in commit.trailers)
        recorded = _recorded(self.node, self.commons_id, commits)
        authors: dict[str, list[str]] = {}
        for commit in commits:
            if commit.sha in recorded:
                self.result.already_imported += 1
            elif found := self.authors(commit):
                authors[commit.sha] = found
            else:
                self.result.unclaimed += 1
        recorded.update(self.record([c for c in commits if c.sha in authors], authors))
        self.validate([c for c in commits if c.sha in recorded], recorded)

    def authors(self, commit: Commit) -> list[str]:
        """The commit's claimed authors' dids, its author's first; counts unclaimed addresses."""
        co_authors = (self.mailmap.known[c] for key, c in commit.trailers if key == CO_AUTHORED)
        dids: list[str] = []
        for address in (commit.author, *co_authors):
            did = self.signers.get(address)
            if did is None:
                self.unclaimed.update([address] if address else [])
            elif did not in dids:
                dids.append(did)
        return dids[:MAX_AUTHORS]

    def signed(self, did: str, type_: str, body: dict[str, Any]) -> SignedAction:
        action = build_action(type=type_, author=did, body=body, commons=self.commons_id)
        return sign_action(self.keys[did], action)

    def record(self, commits: list[Commit], authors: dict[str, list[str]]) -> dict[str, str]:
        """Record the commits as contributions; ``{commit: contribution id}``."""
        objects = commit_objects(self.repo, [commit.sha for commit in commits])
        clock = self.node.clock()
        actions = [self.recording(c, authors[c.sha], objects[c.sha], clock) for c in commits]
        appended = append_actions(self.node, self.commons_id, actions)
        self.result.contributions += sum(item.created for item in appended)
        return {c.sha: item.entry.id for c, item in zip(commits, appended, strict=True)}

    def recording(
        self, commit: Commit, dids: list[str], artifact: tuple[str, int], clock: str
    ) -> SignedAction:
        """The commit's contribution, signed by its first claimed author (``dids[0]``)."""
        shares = equal_shares(len(dids))
        url = self.template.replace("{sha}", commit.sha)
        body: dict[str, Any] = {
            "kind": "artifact",
            "quantity": "1",
            "description": commit.subject.strip()[:4000].strip() or commit.sha,
            "artifact": {"sha256": artifact[0], "url": url, "size": artifact[1]},
            "source": f"git:{commit.sha}",
        }
        optional = {
            "happened_at": happened_at(commit.date, clock),
            "co_authors": co_author_list(dict(zip(dids[1:], shares[1:], strict=True))),
            "skill": self.skill,
        }
        body.update({name: value for name, value in optional.items() if value})
        return self.signed(dids[0], RECORD, body)

    def approvers(self, commit: Commit) -> Iterator[tuple[str, str]]:
        """(did, trailer) of each approving trailer whose address a member claimed."""
        for key, contact in commit.trailers:
            did = self.signers.get(self.mailmap.known[contact]) if key in APPROVING else None
            if did is not None:
                yield did, APPROVING[key]

    def validate(self, commits: list[Commit], recorded: dict[str, str]) -> None:
        """Approvals by claimed reviewers who are no author and have not validated it yet."""
        wanted = [c for c in commits if any(key in APPROVING for key, _ in c.trailers)]
        if not wanted:
            return
        ids = [recorded[commit.sha] for commit in wanted]
        authors, done = _authors_and_validators(self.node, self.commons_id, ids)
        actions: list[SignedAction] = []
        for commit, contribution in zip(wanted, ids, strict=True):
            for did, trailer in self.approvers(commit):
                if did in authors[contribution] or (contribution, did) in done:
                    continue
                done.add((contribution, did))
                reason = f"{trailer} trailer of git commit {commit.sha}"
                body = {"contribution": contribution, "verdict": "approve", "reason": reason}
                actions.append(self.signed(did, VALIDATE, body))
        appended = append_actions(self.node, self.commons_id, actions)
        self.result.validations += sum(item.created for item in appended)


def import_git(
    node: Node,
    *,
    commons_id: str,
    repo: Path,
    url_template: str | None = None,
    skill: str | None = None,
    revision: str = "HEAD",
    progress: Callable[[int], None] | None = None,
) -> GitImport:
    """Import the commits of ``repo`` reachable from ``revision`` into commons ``commons_id``;
    ``progress`` is called with the number of commits read so far."""
    check_repository(repo, revision)
    template = commit_url_template(repo, url_template)
    if skill is not None and not _SKILL.fullmatch(skill):
        raise BadInput(f"{skill!r} is not a skill: 1 to 50 of a-z, 0-9 and -, such as 'python'")
    signers, keys = signers_in(node, commons_id)
    run = _Run(
        node, commons_id, repo, template, skill, signers, keys, Mailmap(repo), GitImport(commons_id)
    )
    progress = progress or (lambda count: None)
    batch: list[Commit] = []
    for commit in read_commits(repo, revision):
        batch.append(commit)
        if len(batch) == BATCH:
            run.batch(batch)
            batch = []
            progress(run.result.commits)
    run.batch(batch)
    progress(run.result.commits)
    run.result.unclaimed_addresses = len(run.unclaimed)
    return run.result
