"""production.task.withdraw, an action type declared once (its door included): the poster
withdraws an open task nobody holds a live claim on — through its own API operation, the button
on the task page (shown only when the rule allows it) and ``commonwork task withdraw``."""

from __future__ import annotations

import httpx

from commonwork.journal.chain import Head
from commonwork.journal.entries import Entry
from commonwork.node.node import Node
from commonwork.production.tasks import WITHDRAW_TASK
from commonwork.services import accounts, acting, journals, tasks_read
from tests.functional.server import People
from tests.functional.test_api_act import act_route, found_through_act
from tests.functional.test_api_emails import account
from tests.functional.test_cli import FOUND
from tests.functional.test_pages import found, head_seq, sign_up, token_on
from tests.support.cli import Cli


def keypair_of(node: Node, email: str) -> accounts.Keypair:
    account, _ = accounts.sign_in(node, email=email, password="correct horse")
    return accounts.custodial_keypair(node, account)


def test_the_poster_withdraws_from_the_task_page_once_nobody_holds_a_claim(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    sign_up(bob, "Bob", "bob@example.org")
    commons_id = found(ann)
    acting.join_commons(
        node, actor=keypair_of(node, "bob@example.org"), commons_id=commons_id, name="Bob"
    )
    task = acting.post_task(
        node, actor=keypair_of(node, "ann@example.org"), commons_id=commons_id,
        title="Sort the beans", description="by variety",
    ).entry.id  # fmt: skip
    page = f"/commons/{commons_id}/tasks/{task}"
    acting.claim_task(
        node, actor=keypair_of(node, "bob@example.org"), commons_id=commons_id, task_id=task
    )
    assert 'data-testid="door-withdraw"' not in ann.get(page).text  # Bob holds a live claim
    assert 'data-testid="door-withdraw"' not in bob.get(page).text  # not his task
    before = head_seq(node, commons_id)
    refused = ann.post(
        f"/commons/{commons_id}/act/{WITHDRAW_TASK}",
        data={"csrf": token_on(ann, page), "target": task, "reason": "changed my mind"},
    )
    assert refused.status_code == 403  # the rule's answer, on the task page
    assert "hold a live claim" in refused.text
    assert head_seq(node, commons_id) == before
    acting.unclaim_task(
        node, actor=keypair_of(node, "bob@example.org"), commons_id=commons_id, task_id=task
    )
    shown = ann.get(page).text
    assert 'data-testid="door-withdraw"' in shown
    withdrawn = ann.post(
        f"/commons/{commons_id}/act/{WITHDRAW_TASK}",
        data={"csrf": token_on(ann, page), "target": task, "reason": "done another way"},
    )
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == page
    detail = tasks_read.task_detail(node, commons_id, task)
    assert detail.status == "withdrawn"
    board = ann.get(f"/commons/{commons_id}/tasks?status=withdrawn").text
    assert task in board
    assert task not in ann.get(f"/commons/{commons_id}/tasks?status=open").text
    _, [entry] = acting_entry(node, commons_id)
    assert entry.body_json() == {"task": task, "reason": "done another way"}


def acting_entry(node: Node, commons_id: str) -> tuple[Head, list[Entry]]:
    """The head and the last entry of the journal."""
    head, _ = journals.journal_page(node, commons_id, limit=1)
    return journals.journal_page(node, commons_id, after=head.seq - 1, limit=1)


def test_its_own_api_operation_refuses_others_and_closed_doors(
    api: httpx.Client, node: Node
) -> None:

    ann, bob = account(api, "ann"), account(api, "bob")
    commons_id = found_through_act(api, ann, "Ann")
    api.post(
        act_route("commons.member.join", commons_id),
        json={"name": "Bob"},
        headers=bob["auth"],
    )
    posted = api.post(
        act_route("production.task.post", commons_id),
        json={"title": "Water", "description": "daily"}, headers=ann["auth"],
    )  # fmt: skip
    task = posted.json()["items"][0]["id"]
    door = act_route(WITHDRAW_TASK, commons_id)
    not_yours = api.post(door, json={"task": task}, headers=bob["auth"])
    assert (not_yours.status_code, not_yours.json()["code"]) == (403, "not_allowed")
    done = api.post(door, json={"task": task, "reason": "rain"}, headers=ann["auth"])
    assert done.status_code == 201, done.text
    again = api.post(door, json={"task": task}, headers=ann["auth"])
    assert again.status_code == 403
    assert "withdrawn" in again.json()["detail"]
    claim = api.post(
        act_route("production.task.claim", commons_id),
        json={"task": task}, headers=bob["auth"],
    )  # fmt: skip
    assert claim.status_code == 403
    assert "withdrawn" in claim.json()["detail"]


def test_the_cli_alias_is_derived_from_the_declaration(run: Cli) -> None:
    run("id", "new", "alice")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    task = run(
        "task", "post", commons, "--title", "Label the jars", "--description", "all of them",
        "--as", "alice",
    ).stdout.strip()  # fmt: skip
    assert "production.task.withdraw" in run("task", "withdraw", "--help").stdout
    withdrawn = run.json(
        "task", "withdraw", commons, task, "--reason", "not needed", "--as", "alice"
    )
    assert withdrawn["commons"] == commons
    assert run.json("task", "list", commons, "--status", "open") == []
    run.refused("task", "withdraw", commons, task, "--as", "alice", says="withdrawn")
