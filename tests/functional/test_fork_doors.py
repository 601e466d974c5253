"""The fork's doors: the fork button on the commons page (real HTTP, a signed-in person who is not
a member), the API's generic act operation, and ``commonwork fork`` (from a commons the node
holds, and from a journal exported elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import forks, journals, queries
from tests.contract.test_standing import charter
from tests.functional.server import People
from tests.functional.test_api_emails import account
from tests.functional.test_cli import FOUND
from tests.functional.test_pages import sign_up, token_on
from tests.support import builders
from tests.support.cli import Cli, make_cli

ERROR = re.compile(r'data-testid="page-error"[^>]*>([^<]*)<')


def test_the_fork_button_makes_a_fork_the_parent_page_lists(
    node: Node, people: People, api: httpx.Client
) -> None:
    ada = Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    builders.join(node, commons, Keypair.generate(), "Ben")
    zoe = people()
    sign_up(zoe, "Zoe", "zoe@example.org")
    page = f"/commons/{commons}"
    assert 'data-testid="fork-form"' in zoe.get(page).text
    assert 'data-testid="fork-form"' not in httpx.get(api.base_url.join(page)).text  # anonymous

    refused = zoe.post(
        f"{page}/fork", data={"csrf": token_on(zoe, page), "reason": "", "at_seq": "1"}
    )
    assert refused.status_code in (400, 422)
    assert queries.count_commons(node) == 1  # nothing written
    bad_seq = zoe.post(
        f"{page}/fork", data={"csrf": token_on(zoe, page), "reason": "x", "at_seq": "x1"}
    )
    assert bad_seq.status_code == 400
    assert "a number" in bad_seq.text

    made = zoe.post(
        f"{page}/fork",
        data={"csrf": token_on(zoe, page), "reason": "A seed bank of our own", "name": "Zoe's"},
    )
    assert made.status_code == 303
    fork_page = made.headers["location"]
    fork_id = fork_page.rsplit("/", 1)[1]
    shown = zoe.get(fork_page).text
    assert 'data-testid="fork-origin"' in shown
    assert "A seed bank of our own" in shown
    assert 'data-testid="fork"' in zoe.get(page).text
    assert [f.commons_id for f in forks.forks_of(node, commons)] == [fork_id]
    detail = api.get(f"/api/v1/commons/{fork_id}").json()
    assert detail["name"] == "Zoe's"
    assert detail["member_count"] == 3  # Ada, Ben, and Zoe, its founder


def test_the_api_act_operation_forks_and_an_unknown_commons_is_404(
    node: Node, people: People, api: httpx.Client
) -> None:
    ada = Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    auth = account(api, "yan")["auth"]
    head = journals.journal_page(node, commons, after=-1, limit=1)[0]
    body = {
        "parent": commons,
        "at_seq": head.seq,
        "at_hash": head.id,
        "reason": "To try other rules",
        "host": node.host_key.did,
        "founder_name": "Yan",
    }
    path = f"/api/v1/commons/{commons}/act/commons.commons.fork"
    wrong = api.post(
        f"/api/v1/commons/{'0' * 64}/act/commons.commons.fork", json=body, headers=auth
    )
    assert wrong.status_code == 404
    assert "holds no commons" in wrong.json()["detail"]
    made = api.post(path, json=body, headers=auth)
    assert made.status_code == 201, made.text
    [entry] = made.json()["items"]
    assert entry["seq"] == head.seq + 1
    assert queries.commons_detail(node, entry["commons"]).founder != ada.did


def test_commonwork_fork_from_a_commons_and_from_an_exported_journal(
    run: Cli, tmp_path: Path
) -> None:
    run("id", "new", "alice")
    run("id", "new", "bob")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    made = run.json("fork", commons, "--at", "1", "--reason", "Our way", "--as", "bob")
    assert made["seq"] == 2
    assert made["commons"] != commons
    shown = run.json("commons", "show", made["commons"])
    assert shown["founder"] == run("id", "show", "bob").stdout.strip()
    run.refused("fork", "--reason", "x", "--as", "bob", says="one of them")
    # From a journal exported by another node: imported and checked first, then forked.
    exported = tmp_path / "journal.ndjson"
    run("export", commons, "-o", str(exported))
    other = make_cli(tmp_path / "other")
    other("id", "new", "carol")
    forked = other.json(
        "fork", "--from", str(exported), "--reason", "Here", "--founder-name", "Carol",
        "--as", "carol",
    )  # fmt: skip
    assert other.json("verify", forked["commons"])["ok"]
