"""The governance doors: ``commonwork proposal`` in process, the API's proposal reads over real
HTTP (with the live phase and the provisional outcome before the fold records a close), and the
pages that list and show proposals."""

from __future__ import annotations

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from tests.contract.test_standing import charter
from tests.functional.server import HTML, People
from tests.functional.test_cli import FOUND, Session
from tests.support import builders
from tests.support.cli import Cli


def test_propose_take_stances_list_and_show_on_the_command_line(run: Cli) -> None:
    run("id", "new", "alice")
    run("id", "new", "bob")
    commons = run(*FOUND, "--as", "alice", "--founder-name", "Alice").stdout.strip()
    run("join", commons, "--as", "bob", "--name", "Bob")
    session = Session(commons, "", "", "")
    made = run.json(
        "proposal", "make", session.commons, "--title", "Open on Sundays", "--text", "From May.",
        "--method", "schulze", "--option", "sun: Sundays", "--option", "status_quo: As now",
        "--discussion-hours", "24", "--as", "alice",
    )  # fmt: skip
    [listed] = run.json("proposal", "list", session.commons)
    assert (listed["proposal_id"], listed["phase"], listed["method"]) == (
        made["id"],
        "discussion",
        "schulze",
    )
    run.refused(
        "proposal", "stance", session.commons, made["id"], "--version", "1", "--ballot",
        '["sun"]', "--as", "bob", says="opens at", code="ballot_refused",
    )  # fmt: skip
    run.refused(
        "proposal", "make", session.commons, "--title", "x", "--text", "y", "--method",
        "approval", "--as", "alice", says="two or more", code="invalid_action",
    )  # fmt: skip
    shown = run.json("proposal", "show", session.commons, made["id"])
    assert [option["id"] for option in shown["options"]] == ["sun", "status_quo"]
    assert "Open on Sundays" in run("proposal", "show", session.commons, made["id"]).stdout


def test_the_api_and_pages_show_a_proposal_closing_before_the_fold_records_it(
    node: Node, api: httpx.Client, site: str
) -> None:
    ada, ben = Keypair.generate(), Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    builders.join(node, commons, ben, "Ben")
    body = {"title": "Paint the shed", "text": "Green.", "method": "majority"}
    [made] = append_actions(
        node, commons, [builders.signed(ada, "governance.proposal.make", body, commons)]
    )
    pid = made.entry.id
    builders.advance(node, 1.5)
    stance = {"proposal": pid, "version": 1, "ballot": "for"}
    append_actions(node, commons, [builders.signed(ben, "governance.stance.take", stance, commons)])

    voting = api.get(f"/api/v1/commons/{commons}/proposals/{pid}").json()
    assert (voting["proposal"]["phase"], voting["provisional"]["status"]) == ("voting", "passed")
    assert "outcome" not in voting
    builders.advance(node, 3)  # past the deadline; no entry yet
    closing = api.get(f"/api/v1/commons/{commons}/proposals/{pid}").json()
    assert closing["proposal"]["phase"] == "closing"
    assert closing["proposal"]["status"] == "voting"  # as recorded: the fold has not closed it
    listed = api.get(f"/api/v1/commons/{commons}/proposals", params={"status": "voting"}).json()
    assert [item["proposal_id"] for item in listed["items"]] == [pid]
    assert (
        api.get(f"/api/v1/commons/{commons}/proposals", params={"status": "x"}).status_code == 422
    )
    assert api.get(f"/api/v1/commons/{commons}/proposals/{'0' * 64}").status_code == 404

    with httpx.Client(base_url=site, headers=HTML) as browser:
        board = browser.get(f"/commons/{commons}/proposals")
        page = browser.get(f"/commons/{commons}/proposals/{pid}")
    assert board.status_code == page.status_code == 200
    assert "Paint the shed" in board.text
    assert 'data-testid="proposal-phase">closing' in page.text
    assert "to be recorded with the next entry" in page.text


def test_the_commons_feed_says_what_changed_in_atom(node: Node, site: str) -> None:
    import xml.etree.ElementTree as ET

    ada = Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    body = {"title": "Paint the shed", "text": "Green.", "method": "majority"}
    append_actions(node, commons, [builders.signed(ada, "governance.proposal.make", body, commons)])
    builders.contribute(node, commons, ada)
    answer = httpx.get(f"{site}/commons/{commons}/feed.atom")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(answer.content)  # noqa: S314  # our own node's answer, in a test
    titles = [entry.findtext(f"{atom}title") for entry in feed.findall(f"{atom}entry")]
    assert "Decision: Paint the shed" in titles
    assert any(title and "hours of work" in title for title in titles), titles
    assert httpx.get(f"{site}/commons/{'0' * 64}/feed.atom").status_code == 404


def test_a_text_hidden_by_decision_leaves_the_pages_and_a_steward_may_show_it_again(
    node: Node, site: str
) -> None:
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    builders.join(node, commons, ben, "Ben")
    work = builders.contribute(node, commons, ben)  # "weeded the seed beds", say it is abusive
    hide = {"kind": "hide", "entry": work, "reason": "abusive"}
    steward = {"kind": "grant_role", "member": ada.did, "role": "steward"}
    bodies = [
        (ada, {"title": "Hide", "text": "It insults.", "effect": hide}),
        (ben, {"title": "Ada", "text": "Steward.", "effect": steward}),
    ]
    made = append_actions(
        node,
        commons,
        [builders.signed(who, "governance.proposal.make", body, commons) for who, body in bodies],
    )
    builders.advance(node, 1.5)
    for appended in made:
        vote = {"proposal": appended.entry.id, "version": 1, "ballot": "for"}
        append_actions(
            node, commons, [builders.signed(ada, "governance.stance.take", vote, commons)]
        )
    builders.advance(node, 3)
    builders.join(node, commons, cy, "Cy")  # the fold closes both: passed

    with httpx.Client(base_url=site, headers=HTML) as browser:
        page = browser.get(f"/commons/{commons}")
        assert 'data-testid="hidden-text"' in page.text
        assert "weeded the seed beds" not in page.text
        api = browser.get(f"/api/v1/commons/{commons}/contributions/{work}").json()
        assert api["description"] == "weeded the seed beds"  # the journal and the API keep it

        show = {"effect": {"kind": "unhide", "entry": work}}
        refused = builders.signed(cy, "governance.text.moderate", show, commons)
        answer = browser.post(
            f"/api/v1/commons/{commons}/actions", json=refused.as_json(), headers={"accept": "*/*"}
        )
        assert (answer.status_code, answer.json()["reason"]) == (403, "not_a_steward")
        append_actions(
            node, commons, [builders.signed(ada, "governance.text.moderate", show, commons)]
        )
        assert "weeded the seed beds" in browser.get(f"/commons/{commons}").text


def test_the_inbox_lists_the_decisions_waiting_for_a_member_and_the_latest_outcomes(
    node: Node, api: httpx.Client
) -> None:
    from tests.functional.test_api_emails import account

    ada = Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    ben = account(api, "ben")
    joined = api.post(f"/api/v1/commons/{commons}/join", json={"name": "Ben"}, headers=ben["auth"])
    assert joined.status_code == 201, joined.text
    body = {"title": "Paint the shed", "text": "Green.", "method": "majority"}
    [made] = append_actions(
        node, commons, [builders.signed(ada, "governance.proposal.make", body, commons)]
    )
    pid = made.entry.id
    assert api.get("/api/v1/me/decisions", headers=ben["auth"]).json()["open"] == []  # discussed
    builders.advance(node, 1.5)
    join = builders.signed(Keypair.generate(), "commons.member.join", {"name": "Cy"}, commons)
    append_actions(node, commons, [join])  # the fold opens voting before this entry
    waiting = api.get("/api/v1/me/decisions", headers=ben["auth"]).json()
    assert [(d["proposal_id"], d["voted"], d["soon"]) for d in waiting["open"]] == [
        (pid, False, False)
    ]
    stance = {"proposal": pid, "version": 1, "ballot": "for"}
    voted = api.post(
        f"/api/v1/commons/{commons}/act/governance.stance.take", json=stance, headers=ben["auth"]
    )
    assert voted.status_code == 201, voted.text
    builders.advance(node, 2.2)  # day 3.7: within a day of its deadline (day 4)
    [item] = api.get("/api/v1/me/decisions", headers=ben["auth"]).json()["open"]
    assert (item["voted"], item["soon"]) == (True, True)
    builders.advance(node, 4.5)
    append_actions(node, commons, [builders.signed(ada, "governance.proposal.close",
                                                    {"proposal": pid}, commons)])  # fmt: skip
    after = api.get("/api/v1/me/decisions", headers=ben["auth"]).json()
    assert after["open"] == []
    assert [(d["proposal_id"], d["status"]) for d in after["outcomes"]] == [(pid, "passed")]
    assert api.get("/api/v1/me/decisions").status_code == 401


def test_the_inbox_page_shows_a_decision_waiting_for_the_members_stance(
    node: Node, people: People
) -> None:
    from tests.functional.test_pages import sign_up, token_on

    ada = Keypair.generate()
    builders.advance(node, 0)
    commons = builders.found(node, ada, charter(ada))
    zoe = people()
    sign_up(zoe, "Zoe", "zoe@example.org")
    page = f"/commons/{commons}"
    assert zoe.post(f"{page}/join", data={"csrf": token_on(zoe, page)}).status_code == 303
    assert 'data-testid="decisions-open"' not in zoe.get("/me/inbox").text
    body = {"title": "Paint the shed", "text": "Green.", "method": "majority"}
    append_actions(node, commons, [builders.signed(ada, "governance.proposal.make", body, commons)])
    builders.advance(node, 1.5)
    join = builders.signed(Keypair.generate(), "commons.member.join", {"name": "Cy"}, commons)
    append_actions(node, commons, [join])
    shown = zoe.get("/me/inbox").text
    assert 'data-testid="decision-open" data-voted="no"' in shown
    assert "Paint the shed" in shown
    assert "waiting for your stance" in shown
