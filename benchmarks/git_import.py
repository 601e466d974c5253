"""``import-git`` benchmark: a repository of many commits imported into a commons, then again.

Prints the machine, builds a git repository of ``--commits`` (100,000) commits with
``git fast-import`` (seconds, not the hours ``git commit`` would take), founds a commons on a fresh
SQLite node whose members claim a few of the authors' addresses, then measures:

1. the first import (``commonwork.services.git_import.import_git``, with a Rich progress bar):
   commits read per second, contributions and validations recorded per second, total time;
2. a second import of the same repository, which must record nothing (every commit is skipped as
   already imported): commits per second;
3. the peak resident memory of the process (the repository's commits are streamed, never held).

The workload: 60 authors, the 12 most active of them members who claimed their address (they
author about two thirds of the commits; the others stay unclaimed), one commit in four with a
``Co-authored-by`` trailer, one in three with a ``Reviewed-by`` (one in ten also ``Tested-by``),
an old address of one member mapped by ``.mailmap``, subjects of 3 to 12 words, one small file
changed per commit. Nothing here asserts a time.

    .venv/bin/python benchmarks/git_import.py --commits 5000     # smoke run, seconds
    .venv/bin/python benchmarks/git_import.py                    # 100,000 commits
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from _machine import describe_machine, machine_facts
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import acting, emails
from commonwork.services.git_import import GitImport, count_commits, import_git

AUTHORS = 60
MEMBERS = 12
START = 1_500_000_000  # author dates from July 2017, one commit every ten minutes
_DIARY = (
    "fix add remove refactor parser cache docs test build release translate typo config "
    "handle error path index schema migration api page form button speed memory log"
)
WORDS = tuple(_DIARY.split())
CHARTER: dict[str, Any] = {
    "name": "Benchmark Project",
    "purpose": "Measure how fast a repository's history becomes contributions",
    "aims": ["Credit every commit"],
    "metrics": [{"name": "commits", "description": "Commits imported per second"}],
    "licence": "CC-BY-SA-4.0",
}


def person(index: int) -> tuple[str, str]:
    return f"Person {index}", f"person{index}@example.org"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _message(rng: random.Random, number: int) -> str:
    subject = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
    trailers = []
    if rng.random() < 0.25:
        name, email = person(rng.randrange(AUTHORS))
        trailers.append(f"Co-authored-by: {name} <{email}>")
    if rng.random() < 0.33:
        name, email = person(rng.randrange(MEMBERS))
        trailers.append(f"Reviewed-by: {name} <{email}>")
        if rng.random() < 0.3:
            trailers.append(f"Tested-by: {name} <{email}>")
    body = f"{subject}\n\nChange number {number}.\n"
    return body + ("\n" + "\n".join(trailers) + "\n" if trailers else "")


def fast_import_stream(commits: int, seed: int) -> Iterator[bytes]:
    """A ``git fast-import`` stream of ``commits`` commits on refs/heads/main."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(AUTHORS)]  # a few authors write most commits
    mailmap = "Person 0 <person0@example.org> <p0.old@example.org>\n"
    for number in range(commits):
        name, email = person(rng.choices(range(AUTHORS), weights)[0])
        if number % 50 == 0 and email == "person0@example.org":
            email = "p0.old@example.org"  # an old address that .mailmap maps
        when = START + number * 600
        parts = [
            b"commit refs/heads/main\n",
            f"author {name} <{email}> {when} +0100\n".encode(),
            f"committer {name} <{email}> {when} +0100\n".encode(),
            _data(_message(rng, number)),
        ]
        if number == 0:
            parts.append(b"M 100644 inline .mailmap\n" + _data(mailmap))
        parts.append(f"M 100644 inline notes/{number % 100}.txt\n".encode())
        parts.append(_data(f"change {number}"))
        yield b"".join(parts)


def build_repository(path: Path, commits: int, seed: int) -> float:
    started = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    with subprocess.Popen(
        ["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE
    ) as git:
        assert git.stdin is not None
        for chunk in fast_import_stream(commits, seed):
            git.stdin.write(chunk)
        git.stdin.close()
        if git.wait() != 0:
            raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    return time.perf_counter() - started


def make_commons(node: Node) -> str:
    """A commons whose first MEMBERS people are members who claimed their address."""
    people = [node.identities.create(f"person{index}").keypair for index in range(MEMBERS)]
    founded = acting.found_commons(node, actor=people[0], charter=CHARTER, founder_name="Person 0")
    for index, keypair in enumerate(people):
        if index:
            acting.join_commons(
                node, actor=keypair, commons_id=founded.commons_id, name=f"Person {index}"
            )
        emails.claim_email(node, did=keypair.did, email=person(index)[1])
    return founded.commons_id


def timed_import(node: Node, commons_id: str, repo: Path, label: str) -> tuple[GitImport, float]:
    total = count_commits(repo)
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        started = time.perf_counter()
        result = import_git(
            node,
            commons_id=commons_id,
            repo=repo,
            url_template="https://git.example/project/commit/{sha}",
            progress=lambda done: bar.update(task, completed=done),
        )
    return result, time.perf_counter() - started


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def resident_now() -> dict[str, float]:
    """Resident memory now, in MiB, by kind: anonymous (the interpreter's heap), file-backed
    (SQLite's memory map of the database) and shared (SQLite's WAL index); Linux only."""
    found: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile", "RssShmem"):
                found[name] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return found


def report(name: str, result: GitImport, seconds: float) -> dict[str, Any]:
    figures = {
        "run": name,
        "seconds": round(seconds, 2),
        "commits_per_s": round(result.commits / seconds),
        "actions_per_s": round((result.contributions + result.validations) / seconds),
        **{key: value for key, value in result.as_json().items() if key not in ("id", "commons")},
    }
    print(
        f"{name}: {result.commits} commits in {seconds:.1f} s = {figures['commits_per_s']} "
        f"commits/s; {result.contributions} contributions and {result.validations} validations "
        f"recorded ({figures['actions_per_s']} actions/s); {result.already_imported} already "
        f"imported, {result.unclaimed} unclaimed ({result.unclaimed_addresses} addresses)"
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the figures and the machine as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    print(describe_machine())
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
    print(f"git:        {git_version.stdout.strip()}")
    work = Path(tempfile.mkdtemp(prefix="cw-git-import-"))
    try:
        built = build_repository(work / "repo", args.commits, args.seed)
        print(f"built a repository of {args.commits} commits with git fast-import in {built:.1f} s")
        node = Node.open(Settings.from_env({"COMMONWORK_DATA_DIR": str(work / "node")}))
        try:
            commons_id = make_commons(node)
            first = report(
                "first import", *timed_import(node, commons_id, work / "repo", "importing")
            )
            again = report("second import", *timed_import(node, commons_id, work / "repo", "again"))
            resident = resident_now()
        finally:
            node.close()
        print(f"peak RSS: {peak_rss_mib():.0f} MiB; resident at the end (MiB): {resident}")
        if args.json is not None:
            figures = {
                "runs": [first, again],
                "peak_rss_mib": round(peak_rss_mib()),
                "resident_at_end_mib": resident,
                "commits": args.commits,
            }
            args.json.write_text(json.dumps({**figures, "machine": machine_facts()}, indent=2))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
