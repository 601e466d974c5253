"""The task board pages over real HTTP: reading without an account, posting, claiming and
unclaiming for oneself, recording work for a task until its acceptance closes it, and refusals
(CSRF, a closed task, a bad form) that write nothing."""

from __future__ import annotations

import re

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from tests.functional.server import HTML, People
from tests.functional.test_pages import found, head_seq, sign_up, token_on
from tests.support import builders

TASK_LINK = re.compile(r"/tasks#t-([0-9a-f]{64})$")


def post_task_directly(node: Node, commons_id: str, person: Keypair, **body: object) -> str:
    task = {"title": "Mend the seed press", "description": "The crank slips", **body}
    action = builders.signed(person, "production.task.post", task, commons_id)
    [appended] = append_actions(node, commons_id, [action])
    return appended.entry.id


def post_task(client: httpx.Client, commons_id: str, **fields: str) -> httpx.Response:
    board = f"/commons/{commons_id}/tasks"
    form = {"title": "Mend the seed press", "description": "The crank slips", **fields}
    return client.post(board, data={**form, "csrf": token_on(client, board)})


def posted_id(response: httpx.Response) -> str:
    """The id of the task a successful post redirected to."""
    assert response.status_code == 303, response.text
    match = TASK_LINK.search(response.headers["location"])
    assert match is not None
    return match.group(1)


def on_board(client: httpx.Client, commons_id: str, task_id: str, action: str) -> httpx.Response:
    board = f"/commons/{commons_id}/tasks"
    form = {"csrf": token_on(client, board), "view": "board"}
    return client.post(f"{board}/{task_id}/{action}", data=form)


def task_card(page: str, task_id: str) -> str:
    """The HTML of one task on the board."""
    start = page.index(f'id="t-{task_id}"')
    ends = [page.find(mark, start) for mark in ('<li class="task"', "</ol>")]
    return page[start : min(end for end in ends if end >= 0)]


def test_anyone_reads_the_board_and_a_task_without_an_account(node: Node, site: str) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    task_id = post_task_directly(
        node, commons_id, founder, skills=["repair", "metal-work"], estimate="4"
    )
    with httpx.Client(base_url=site, headers=HTML) as anonymous:
        board = anonymous.get(f"/commons/{commons_id}/tasks")
        detail = anonymous.get(f"/commons/{commons_id}/tasks/{task_id}")
        commons = anonymous.get(f"/commons/{commons_id}")

    assert board.status_code == 200
    card = task_card(board.text, task_id)
    assert 'data-status="open"' in card
    assert "Mend the seed press" in card
    assert ">repair</a>" in card
    assert ">metal-work</a>" in card
    assert "4 hours" in card
    assert "Founder" in card  # the poster's name
    assert "Nobody has claimed it yet." in card
    assert "claim-button" not in board.text  # nobody is signed in: no buttons, an invitation
    assert "post-task-form" not in board.text
    assert "to post and claim tasks" in board.text
    assert detail.status_code == 200
    assert "The crank slips" in detail.text
    assert 'data-testid="no-claims"' in detail.text
    assert "contribute-form" not in detail.text
    assert re.search(r'data-testid="tasks-link"[^>]*>Tasks \(1 open\)</a>', commons.text)


def test_post_claim_contribute_approve_closes_the_task_on_the_board(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    board = f"/commons/{commons_id}/tasks"
    task_id = posted_id(post_task(ann, commons_id, skills="Repair, seed saving", estimate="2.5"))

    sign_up(bob, "Bob", "bob@example.org")
    joined = bob.post(f"/commons/{commons_id}/join", data={"csrf": token_on(bob, board)})
    assert joined.status_code == 303
    claimed = on_board(bob, commons_id, task_id, "claim")
    assert claimed.status_code == 303, claimed.text
    assert claimed.headers["location"] == f"{board}#t-{task_id}"

    bob_card = task_card(bob.get(board).text, task_id)
    assert 'data-count="1"' in bob_card
    assert "Claimed by 1:" in bob_card
    assert re.search(r'data-testid="claimant"><span class="person"[^>]*>Bob<', bob_card)
    assert "unclaim-button" in bob_card
    assert "claim-button" not in bob_card.replace("unclaim", "")
    assert ">repair</a>" in bob_card
    assert ">seed-saving</a>" in bob_card
    ann_card = task_card(ann.get(board).text, task_id)
    assert "unclaim-button" not in ann_card  # only one's own live claim can be withdrawn
    assert "claim-button" in ann_card

    page = f"{board}/{task_id}"
    work = {"kind": "work", "quantity": "2", "description": "new crank pin"}
    recorded = bob.post(f"{page}/contributions", data={**work, "csrf": token_on(bob, page)})
    assert recorded.status_code == 303, recorded.text
    location = recorded.headers["location"]
    assert location.startswith(f"{page}#c-")
    contribution_id = location.rsplit("#c-", 1)[1]
    commons_page = ann.get(f"/commons/{commons_id}").text
    assert f'<a href="{page}">Mend the seed press</a>' in commons_page

    verdict = {"contribution": contribution_id, "verdict": "approve", "reason": "it turns"}
    approved = ann.post(
        f"/commons/{commons_id}/validations",
        data={**verdict, "csrf": token_on(ann, f"/commons/{commons_id}")},
    )
    assert approved.status_code == 303

    closed = ann.get(board).text
    card = task_card(closed, task_id)
    assert 'data-status="closed"' in card
    assert f'href="/commons/{commons_id}#c-{contribution_id}"' in card
    assert 'data-testid="done-by"' in card
    assert "claim-button" not in card
    assert 'data-testid="no-tasks-open"' in closed
    detail = bob.get(page).text
    assert 'data-state="live"' in detail
    assert f'id="c-{contribution_id}"' in detail
    assert "new crank pin" in detail
    assert "contribute-form" not in detail  # a closed task takes no more work
    assert head_seq(node, commons_id) == 5  # found, post, join, claim, record, validate


def test_claims_without_or_with_a_wrong_csrf_token_are_refused_and_write_nothing(
    node: Node, people: People
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    task_id = posted_id(post_task(ann, commons_id))
    claim = f"/commons/{commons_id}/tasks/{task_id}/claim"
    before = head_seq(node, commons_id)

    refused = [
        ann.post(claim, data={}),
        ann.post(claim, data={"csrf": "0" * 64}),
        ann.post(f"/commons/{commons_id}/tasks", data={"title": "x", "description": "y"}),
    ]

    assert [response.status_code for response in refused] == [403] * 3
    assert "another site" in refused[0].text
    assert head_seq(node, commons_id) == before


def test_claiming_a_closed_task_shows_the_board_with_the_reason(node: Node, people: People) -> None:
    founder, member = Keypair.generate(), Keypair.generate()
    commons_id = builders.found(node, founder)
    task_id = post_task_directly(node, commons_id, founder)
    builders.join(node, commons_id, member, name="Cy")
    body = {"kind": "work", "quantity": "1", "description": "fixed it", "task": task_id}
    record = builders.signed(member, "production.contribution.record", body, commons_id)
    [recorded] = append_actions(node, commons_id, [record])
    builders.validate(node, commons_id, founder, recorded.entry.id)

    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    joined = ann.post(
        f"/commons/{commons_id}/join", data={"csrf": token_on(ann, f"/commons/{commons_id}")}
    )
    assert joined.status_code == 303
    before = head_seq(node, commons_id)
    board = f"/commons/{commons_id}/tasks"
    form = {"csrf": token_on(ann, board), "view": "board", "status": "closed", "skill": ""}
    refused = ann.post(f"{board}/{task_id}/claim", data=form)

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert 'data-testid="page-error"' in refused.text
    assert "the task is closed" in refused.text
    assert 'data-testid="tasks-closed"' in refused.text  # the board as it was filtered
    assert 'data-testid="tasks-open"' not in refused.text
    assert head_seq(node, commons_id) == before

    page = f"{board}/{task_id}"
    work = {"kind": "work", "quantity": "1", "description": "more <b>work</b>"}
    late = ann.post(f"{page}/contributions", data={**work, "csrf": token_on(ann, page)})
    assert late.status_code == 403
    assert "the task is closed" in late.text
    assert head_seq(node, commons_id) == before


def test_the_skill_and_status_filters_and_pages(node: Node, site: str) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    press = post_task_directly(node, commons_id, founder, skills=["repair"])
    catalogue = post_task_directly(
        node, commons_id, founder, title="Catalogue the beans", skills=["writing"]
    )
    for number in range(21):
        post_task_directly(node, commons_id, founder, title=f"Sort drawer {number}")
    board = f"/commons/{commons_id}/tasks"
    with httpx.Client(base_url=site, headers=HTML) as client:
        repair = client.get(board, params={"skill": "Repair"})
        everything = client.get(board)
        first = client.get(board, params={"status": "open"})
        second = client.get(board, params={"status": "open", "page": 2})
        closed = client.get(board, params={"status": "closed", "skill": "repair"})
        bad = client.get(board, params={"status": "assigned"})

    assert repair.status_code == 200
    assert f'id="t-{press}"' in repair.text
    assert f'id="t-{catalogue}"' not in repair.text
    assert 'value="repair"' in repair.text  # the filter is shown as applied
    assert everything.text.count('data-testid="task"') == 20
    assert f"{board}?status=open&amp;page=2" in everything.text  # more open tasks
    assert 'data-testid="tasks-closed"' in everything.text
    assert first.text.count('data-testid="task"') == 20
    assert second.text.count('data-testid="task"') == 3
    assert f'id="t-{press}"' in second.text  # oldest last
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    assert 'data-testid="no-tasks-closed"' in closed.text
    assert bad.status_code == 400


def test_a_bad_task_form_is_shown_again_with_the_input_and_the_reason(
    node: Node, people: People
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    before = head_seq(node, commons_id)

    negative = post_task(ann, commons_id, title="Fix <the> gate", skills="gates", estimate="-2")
    assert negative.status_code == 422
    assert 'data-testid="form-error"' in negative.text
    assert "Estimate (hours):" in negative.text
    assert 'value="Fix &lt;the&gt; gate"' in negative.text
    assert 'value="-2"' in negative.text
    assert "The crank slips</textarea>" in negative.text
    bad_skill = post_task(ann, commons_id, skills="wood/metal")
    assert bad_skill.status_code == 422
    assert "Skills:" in bad_skill.text
    assert head_seq(node, commons_id) == before


def test_unclaim_withdraws_only_ones_own_claim(node: Node, people: People) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found(ann)
    task_id = posted_id(post_task(ann, commons_id))
    board = f"/commons/{commons_id}/tasks"
    sign_up(bob, "Bob", "bob@example.org")
    bob.post(f"/commons/{commons_id}/join", data={"csrf": token_on(bob, board)})
    assert on_board(bob, commons_id, task_id, "claim").status_code == 303

    not_held = on_board(ann, commons_id, task_id, "unclaim")
    assert not_held.status_code == 404
    assert "you hold no claim on this task" in not_held.text
    assert 'data-testid="post-task-form"' in not_held.text  # the board, shown again

    page = f"{board}/{task_id}"
    money = {"kind": "money", "quantity": "2.5", "currency": "EUR", "description": "for oil"}
    refused = bob.post(f"{page}/contributions", data={**money, "csrf": token_on(bob, page)})
    assert refused.status_code == 422
    assert "whole minor units" in refused.text
    assert "for oil</textarea>" in refused.text

    assert on_board(bob, commons_id, task_id, "unclaim").status_code == 303
    card = task_card(bob.get(board).text, task_id)
    assert 'data-count="0"' in card
    detail = bob.get(f"{board}/{task_id}").text
    assert 'data-state="withdrawn"' in detail
