"""The charter's history (issue 10, item 8), over real HTTP and the command line: every version of
a commons' charter — the genesis, then each one a passed amendment set — with its status, the
decision that passed it and what it changed, and a readable diff between any two versions (by
JSON path, and as a unified text diff), on the API, the page and ``commonwork charter``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from tests.contract.test_standing import VALIDATION, charter
from tests.functional.server import HTML
from tests.support import builders
from tests.support.cli import Cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "charter.md"
EXAMPLE = ROOT / "docs" / "examples" / "charter-amended.ndjson"
PURPOSE = builders.CHARTER["purpose"]


def at(node: Node, moment: str) -> None:
    node.clock = lambda: moment


def act(node: Node, commons_id: str, person: Keypair, type_: str, body: dict[str, Any]) -> Any:
    moment = node.clock()  # the author's clock agrees with the host's (no skew, past or future)
    action = builders.signed(person, type_, body, commons_id, at=moment)
    [appended] = append_actions(node, commons_id, [action])
    return appended


def amendment(title: str, changes: dict[str, Any]) -> dict[str, Any]:
    """A charter amendment, decided by the charter's meta-rule (consent: it passes unless a
    member objects; 24 hours of discussion, 168 of voting)."""
    effect = {"kind": "amend_charter", "changes": changes}
    return {"title": title, "text": "As the title says.", "effect": effect}


@dataclass(frozen=True)
class Story:
    commons: str
    hedges: Any  # the entry of the proposal that changed the purpose and the threshold
    aims: Any  # the entry of the proposal that added an aim
    close: Any  # the governance.proposal.close entry that marked the first one's close


def amended_commons(node: Node, start: str = "2030-01-01") -> Story:
    """Founded on day 0 (with a settlement engine); an amendment of the purpose and the
    threshold proposed at once (closes on day 8), one adding an aim proposed on day 1 (closes
    on day 9). The first one's close is marked on day 8; an entry on day 9 puts it in force and
    closes the second, which governs from day 10: pending."""
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    at(node, f"{start}T00:00:00.000Z")
    founding = {"charter": charter(ada), "founder_name": "Ada", "host": node.host_key.did}
    [genesis] = append_actions(
        node, None, [builders.signed(ada, "commons.commons.found", founding, at=node.clock())]
    )
    commons = genesis.commons_id
    act(node, commons, ben, "commons.member.join", {"name": "Ben"})
    lower = {**VALIDATION, "threshold": "8"}
    hedges = act(
        node,
        commons,
        ada,
        "governance.proposal.make",
        amendment("Hedges too", {"purpose": "Seeds and hedges", "validation_policy": lower}),
    )
    at(node, _day(start, 1, "00:00:00"))
    aims = [*builders.CHARTER["aims"], "Plant hedgerows"]
    added = act(node, commons, ben, "governance.proposal.make", amendment("An aim", {"aims": aims}))
    at(node, _day(start, 8, "10:00:00"))
    close = act(
        node, commons, ada, "governance.proposal.close", {"proposal": hedges.entry.id}
    )  # its fold closes the first one (passed) before the close is checked
    at(node, _day(start, 9, "10:00:00"))
    act(node, commons, cy, "commons.member.join", {"name": "Cy"})
    return Story(commons, hedges.entry, added.entry, close.entry)


def _day(start: str, days: int, time: str) -> str:
    from datetime import date, timedelta

    return f"{date.fromisoformat(start) + timedelta(days=days)}T{time}.000Z"


def test_an_amended_charter_lists_every_version_with_the_decision_that_passed_it(
    node: Node, api: httpx.Client
) -> None:
    story = amended_commons(node)
    answer = api.get(f"/api/v1/commons/{story.commons}/charter/versions")
    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert (listed["total"], listed["in_force"], listed["limit"], listed["offset"]) == (3, 1, 50, 0)
    genesis, hedges, aims = listed["items"]

    assert (genesis["version"], genesis["seq"], genesis["status"]) == (0, 0, "past")
    assert (genesis["effective_on"], genesis["changes"]) == ("2030-01-01", [])
    assert "proposal" not in genesis  # written at the founding
    assert genesis["charter"]["purpose"] == PURPOSE

    assert (hedges["version"], hedges["status"]) == (1, "in_force")
    assert hedges["seq"] == story.hedges.seq  # set by the proposal's own entry
    assert (hedges["recorded_at"], hedges["effective_on"]) == (
        "2030-01-09T00:00:00.000Z",  # its close: 24 h of discussion and 168 of voting
        "2030-01-10",
    )
    assert hedges["proposal"] == {
        "proposal_id": story.hedges.id,
        "title": "Hedges too",
        "proposer": hedges["proposal"]["proposer"],
        "closed_at": "2030-01-09T00:00:00.000Z",
        "close_entry": story.close.seq,
    }
    assert [(c["path"], c["kind"], c["before"], c["after"]) for c in hedges["changes"]] == [
        ("purpose", "changed", PURPOSE, "Seeds and hedges"),
        ("validation_policy.threshold", "changed", "10", "8"),
    ]
    assert hedges["charter"]["purpose"] == "Seeds and hedges"

    assert (aims["version"], aims["seq"], aims["status"]) == (2, story.aims.seq, "pending")
    assert aims["effective_on"] == "2030-01-11"
    assert aims["proposal"]["close_entry"] is None  # nobody marked it: the fold closed it
    assert aims["changes"] == [
        {"path": "aims[1]", "kind": "added", "before": None, "after": "Plant hedgerows"}
    ]
    paged = api.get(
        f"/api/v1/commons/{story.commons}/charter/versions", params={"limit": 1, "offset": 2}
    ).json()
    assert [item["version"] for item in paged["items"]] == [2]
    assert paged["total"] == 3
    commons = api.get(f"/api/v1/commons/{story.commons}").json()
    assert commons["charter"] == hedges["charter"]  # the version in force is the commons'


def test_the_diff_between_two_versions_by_path_and_as_text(node: Node, api: httpx.Client) -> None:
    story = amended_commons(node)
    route = f"/api/v1/commons/{story.commons}/charter/diff"
    latest = api.get(route).json()  # by default: the latest against the one before
    assert (latest["from_version"], latest["to_version"]) == (1, 2)
    assert [change["path"] for change in latest["changes"]] == ["aims[1]"]

    whole = api.get(route, params={"from": 0, "to": 2}).json()
    assert whole["commons_id"] == story.commons
    assert [(c["path"], c["kind"]) for c in whole["changes"]] == [
        ("aims[1]", "added"),
        ("purpose", "changed"),
        ("validation_policy.threshold", "changed"),
    ]
    lines = whole["unified"].splitlines()
    assert lines[0] == "--- version 0 (seq 0)"
    assert lines[1] == f"+++ version 2 (seq {story.aims.seq})"
    assert f'-  "purpose": "{PURPOSE}",' in lines
    assert '+  "purpose": "Seeds and hedges",' in lines
    assert '+    "Plant hedgerows"' in lines
    assert '-    "threshold": "10",' in lines

    back = api.get(route, params={"from": 2, "to": 0}).json()  # either way round
    assert [(c["path"], c["kind"]) for c in back["changes"]] == [
        ("aims[1]", "removed"),
        ("purpose", "changed"),
        ("validation_policy.threshold", "changed"),
    ]
    assert back["changes"][0]["before"] == "Plant hedgerows"
    only_to = api.get(route, params={"to": 1}).json()
    assert (only_to["from_version"], only_to["to_version"]) == (0, 1)
    same = api.get(route, params={"from": 1, "to": 1}).json()
    assert (same["changes"], same["unified"]) == ([], "")


def test_an_unamended_commons_has_its_genesis_only(node: Node, api: httpx.Client, run: Cli) -> None:
    ada = Keypair.generate()
    commons = builders.found(node, ada)  # no engine, no governance section: the defaults
    listed = api.get(f"/api/v1/commons/{commons}/charter/versions").json()
    assert (listed["total"], listed["in_force"]) == (1, 0)
    [genesis] = listed["items"]
    assert (genesis["version"], genesis["seq"], genesis["status"]) == (0, 0, "in_force")
    assert genesis["charter"]["name"] == "Seed Library"
    diff = api.get(f"/api/v1/commons/{commons}/charter/diff").json()
    assert (diff["from_version"], diff["to_version"], diff["changes"], diff["unified"]) == (
        0,
        0,
        [],
        "",
    )
    refused = api.get(f"/api/v1/commons/{commons}/charter/diff", params={"to": 1})
    assert (refused.status_code, refused.json()["reason"]) == (400, "unknown_version")
    assert "only version 0" in refused.json()["detail"]

    [line] = run("charter", "history", commons).stdout.splitlines()
    assert line.split()[:5] == ["0", "seq", "0", "in", "force"]
    assert line.endswith("genesis")
    assert run("charter", "diff", commons).stdout == "version 0 → version 0: 0 changes\n"
    run.refused("charter", "diff", commons, "--to", "1", says="only version 0", code="bad_input")


def test_bad_versions_and_unknown_commons_are_clear_problems(
    node: Node, api: httpx.Client, site: str
) -> None:
    story = amended_commons(node)
    route = f"/api/v1/commons/{story.commons}/charter/diff"
    for params in ({"from": 3}, {"to": 7}, {"from": 0, "to": 3}):
        answer = api.get(route, params=params)
        assert answer.status_code == 400, params
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert (problem["code"], problem["reason"], problem["versions"]) == (
            "bad_input",
            "unknown_version",
            3,
        )
        assert "versions 0 to 2" in problem["detail"]
    for params in ({"from": "latest"}, {"to": -1}, {"from": str(2**64)}):
        answer = api.get(route, params=params)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request"), params
    nobody = "0" * 64
    for path in ("charter/versions", "charter/diff"):
        answer = api.get(f"/api/v1/commons/{nobody}/{path}")
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")

    with httpx.Client(base_url=site, headers=HTML) as browser:
        page = f"/commons/{story.commons}/charter"
        for params, says in (
            ({"from": "x"}, "from is a version number, 0 to 2"),
            ({"to": "5"}, "to=5: this commons&#39; charter has versions 0 to 2"),
            ({"seq": "1"}, "no version of this charter was set by entry 1"),
        ):
            answer = browser.get(page, params=params)
            assert answer.status_code == 400, params
            assert "text/html" in answer.headers["content-type"]
            assert says in answer.text, answer.text[-2000:]
        assert browser.get(f"/commons/{nobody}/charter").status_code == 404


def test_the_page_lists_the_versions_with_their_coloured_diffs(node: Node, site: str) -> None:
    story = amended_commons(node)
    with httpx.Client(base_url=site, headers=HTML) as browser:
        listing = browser.get(f"/commons/{story.commons}/charter")
        chosen = browser.get(f"/commons/{story.commons}/charter", params={"from": 0, "to": 2})
        by_seq = browser.get(f"/commons/{story.commons}/charter", params={"seq": story.hedges.seq})
        style = browser.get("/static/charter.css")
    assert listing.status_code == chosen.status_code == by_seq.status_code == 200
    text = listing.text
    assert re.findall(r'data-testid="charter-version" data-version="(\d+)"', text) == [
        "2",
        "1",
        "0",
    ]
    assert re.findall(r'data-testid="version-status" data-status="(\w+)"', text) == [
        "pending",
        "in_force",
        "past",
    ]
    assert f'href="/commons/{story.commons}/proposals/{story.hedges.id}"' in text
    assert f'href="/commons/{story.commons}"' in text  # back to the commons
    assert 'href="/static/charter.css"' in text
    assert 'data-path="aims[1]" data-kind="added"' in text
    assert 'data-path="validation_policy.threshold" data-kind="changed"' in text
    assert '<span class="diff-add">+  &#34;purpose&#34;: &#34;Seeds and hedges&#34;,</span>' in text
    assert f'<span class="diff-del">-  &#34;purpose&#34;: &#34;{PURPOSE}&#34;,</span>' in text

    assert 'data-testid="chosen-diff"' in chosen.text
    assert "From version 0 (the genesis) to version 2" in chosen.text
    paths = re.findall(r'data-testid="charter-change" data-path="([^"]+)"', chosen.text)
    assert paths == ["aims[1]", "purpose", "validation_policy.threshold"]
    assert "From version 0 (the genesis) to version 1" in by_seq.text
    assert "text/css" in style.headers["content-type"]
    assert ".diff-add" in style.text
    assert ".diff-del" in style.text


def test_two_amendments_closed_the_same_day_the_first_is_replaced_before_it_governs(
    node: Node, api: httpx.Client
) -> None:
    """Both close on day 8 (the fold closes them in order of time, then of id); the second was
    made over the charter the first left, so it holds both changes, and only it governs."""
    ada = Keypair.generate()
    at(node, "2030-01-01T00:00:00.000Z")
    commons = builders.found(node, ada, charter(ada))
    act(node, commons, ada, "governance.proposal.make", amendment("A", {"purpose": "One"}))
    act(node, commons, ada, "governance.proposal.make", amendment("B", {"licence": "CC0-1.0"}))
    at(node, "2030-01-09T10:00:00.000Z")
    act(node, commons, Keypair.generate(), "commons.member.join", {"name": "Bo"})
    listed = api.get(f"/api/v1/commons/{commons}/charter/versions").json()
    assert [item["status"] for item in listed["items"]] == ["in_force", "replaced", "pending"]
    first, second = listed["items"][1:]
    assert first["effective_on"] == second["effective_on"] == "2030-01-10"
    assert second["charter"]["purpose"] == "One"
    assert second["charter"]["licence"] == "CC0-1.0"
    at(node, "2030-01-10T10:00:00.000Z")
    act(node, commons, ada, "governance.proposal.make", amendment("C", {"purpose": "Two"}))
    listed = api.get(f"/api/v1/commons/{commons}/charter/versions").json()
    assert [item["status"] for item in listed["items"]] == ["past", "replaced", "in_force"]


def test_the_command_line_prints_the_history_and_a_diff(node: Node, run: Cli) -> None:
    story = amended_commons(node)  # the same data directory as the command line's
    lines = run("charter", "history", story.commons).stdout.splitlines()
    assert lines[0].split()[:4] == ["0", "seq", "0", "past"]
    assert lines[1].split()[:5] == ["1", "seq", str(story.hedges.seq), "in", "force"]
    assert lines[1].endswith(f"passed by {story.hedges.id}  Hedges too")
    assert lines[2].strip() == f'changed  purpose: "{PURPOSE}" → "Seeds and hedges"'
    assert lines[3].strip() == 'changed  validation_policy.threshold: "10" → "8"'
    assert lines[4].split()[:4] == ["2", "seq", str(story.aims.seq), "pending"]
    assert lines[5].strip() == 'added    aims[1]: + "Plant hedgerows"'
    as_json = run.json("charter", "history", story.commons, "--limit", "2")
    assert [version["status"] for version in as_json] == ["past", "in_force"]

    shown = run("charter", "diff", story.commons, "--from", "0", "--to", "2").stdout
    assert shown.startswith("version 0 → version 2: 3 changes\n")
    assert "\n--- version 0 (seq 0)\n" in shown
    assert '\n+  "purpose": "Seeds and hedges",\n' in shown
    diff = run.json("charter", "diff", story.commons, "--to", "1")
    assert (diff["from_version"], diff["to_version"], len(diff["changes"])) == (0, 1, 2)
    run.refused("charter", "diff", story.commons, "--from", "3", says="versions 0 to 2")
    run("charter", "diff", story.commons, "--from", "x", code=2)  # click's own refusal
    run.refused("charter", "history", "0" * 64, says="no commons", code="not_found")


def test_reading_the_history_searches_by_key_and_never_reads_the_journal(node: Node) -> None:
    """Its cost grows with the versions only: every statement it runs is a search by key
    (SQLite's plan, without statistics), the proposals by their (commons_id, seq) index or
    primary key, and none reads the journal's entries."""
    import sqlalchemy as sa

    from commonwork.services import charter_history

    story = amended_commons(node)
    for minute in range(1, 30):  # a longer journal: more entries, the same versions
        at(node, _day("2030-01-10", 0, f"10:{minute:02d}:00"))
        act(node, story.commons, Keypair.generate(), "commons.member.join", {"name": "X"})
    node.figures_cache.clear()
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    sa.event.listen(node.engine, "before_cursor_execute", seen)
    try:
        history = charter_history.list_charter_versions(node, story.commons)
    finally:
        sa.event.remove(node.engine, "before_cursor_execute", seen)
    assert len(history.versions) == 3
    assert statements
    with node.reading() as conn:
        for statement, params in statements:
            assert "FROM entries" not in statement, statement  # the journal's own table
            plan = [
                row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            ]
            assert all(step.startswith("SEARCH") for step in plan), (statement, plan)
            for step in plan:
                if " proposals " in f"{step} ":
                    assert "(commons_id=? AND" in step, (statement, plan)


# --- the guide, docs/charter.md, and the example journal it imports ---------------------------


def write_example_journal(path: Path = EXAMPLE) -> None:
    """Make docs/examples/charter-amended.ndjson: ``amended_commons`` in March 2026, exported.

    Regenerate with ``.venv/bin/python -c "from tests.functional.test_charter_history import
    write_example_journal; write_example_journal()"`` (new keys each time: new ids)."""
    import tempfile

    from commonwork.services import journals
    from tests.conftest import open_node

    with tempfile.TemporaryDirectory() as folder:
        node = open_node(Path(folder))
        try:
            story = amended_commons(node, start="2026-03-02")
            path.write_bytes(b"".join(journals.export_journal(node, story.commons)))
        finally:
            node.close()


def test_the_example_journal_holds_three_versions(run: Cli) -> None:
    imported = run.json("import", str(EXAMPLE))
    history = run.json("charter", "history", imported["commons"])
    assert [(v["version"], v["status"]) for v in history] == [
        (0, "past"),
        (1, "in_force"),
        (2, "pending"),
    ]
    assert history[2]["effective_on"] == "2026-03-12"


def test_the_guide_runs_as_written(tmp_path: Path) -> None:
    """Every shell block of docs/charter.md, copy-pasted from the repository's folder, in a
    fresh data directory."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "COMMONWORK_DATA_DIR": str(tmp_path / "data"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("COMMONWORK_DATABASE_URL", None)
    script = "set -euo pipefail\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "version 0 → version 2: 3 changes" in done.stdout
    assert "in force" in done.stdout
    assert "pending" in done.stdout


@pytest.mark.parametrize("path", [GUIDE])
def test_the_guide_names_every_route_and_command(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for named in (
        "/api/v1/commons/{commons_id}/charter/versions",
        "/api/v1/commons/{commons_id}/charter/diff",
        "/commons/{commons_id}/charter",
        "commonwork charter history",
        "commonwork charter diff",
        "unknown_version",
    ):
        assert named in text, named
