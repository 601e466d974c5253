"""Invitations over real HTTP (pages with their CSRF tokens, and the API) and on the command line:
a member of an invitation-only commons invites, a new person signs up and redeems, the journal's
invite entry names their key and is signed by the inviter; refused codes write nothing; the code
is never stored in clear; docs/invitations.md runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from commonwork.commons.actions import INVITE, JOIN
from commonwork.node.node import Node
from commonwork.services import accounts, acting, journals, queries
from tests.functional.server import People
from tests.functional.test_api_emails import account
from tests.functional.test_cli import FOUND
from tests.functional.test_pages import head_seq, sign_up, token_on
from tests.support.builders import CHARTER, advance
from tests.support.cli import Cli

INVITATION_ONLY = {**CHARTER, "join_policy": "invitation"}
LINK = re.compile(r'data-testid="invitation-link">([^<]+)<')
ERROR = re.compile(r'data-testid="invitation-error">([^<]*)<')
DOCS = Path(__file__).resolve().parents[2] / "docs" / "invitations.md"


def found_as(node: Node, email: str) -> str:
    """An invitation-only commons founded by the web account of ``email``, with its own key."""
    account_, _ = accounts.sign_in(node, email=email, password="correct horse")
    key = accounts.custodial_keypair(node, account_)
    charter = INVITATION_ONLY
    return acting.found_commons(node, actor=key, charter=charter, founder_name="Ann").commons_id


def did_of(node: Node, email: str) -> str:
    return accounts.sign_in(node, email=email, password="correct horse")[0].did


def make_link(client: httpx.Client, commons_id: str) -> str:
    """Make an invitation on the commons' invitations page; the path of the link shown."""
    page = f"/commons/{commons_id}/invitations"
    made = client.post(page, data={"days": "14", "csrf": token_on(client, page)})
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    match = LINK.search(made.text)
    assert match is not None, made.text
    return httpx.URL(match.group(1)).path


def journal_entry(node: Node, commons_id: str, seq: int) -> dict[str, Any]:
    _, page = journals.journal_page(node, commons_id, after=seq - 1, limit=1)
    [item] = page
    action: dict[str, Any] = item.action
    return action


def is_member(node: Node, commons_id: str, did: str) -> bool:
    row = queries.membership(node, commons_id, did)
    return row is not None and row.status == "active"


def test_a_member_invites_by_link_and_a_new_person_signs_up_and_joins(
    node: Node, people: People
) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found_as(node, "ann@example.org")
    link = make_link(ann, commons_id)

    invited = bob.get(link)  # not signed in: who invites, where, and the way to sign up
    assert invited.status_code == 200
    assert "Ann invites you to join Seed Library" in invited.text
    assert f'href="/signup?next={link}"' in invited.text
    assert f'href="/signin?next={link}"' in invited.text
    assert invited.headers["referrer-policy"] == "no-referrer"
    form = {"display_name": "Bob", "email": "bob@example.org", "password": "correct horse"}
    signed_up = bob.post("/signup", data={**form, "next": link})
    assert (signed_up.status_code, signed_up.headers["location"]) == (303, link)
    joined = bob.post(link, data={"csrf": token_on(bob, link)})
    assert (joined.status_code, joined.headers["location"]) == (303, f"/commons/{commons_id}")

    bob_did, ann_did = did_of(node, "bob@example.org"), did_of(node, "ann@example.org")
    assert is_member(node, commons_id, bob_did)
    invite, join = journal_entry(node, commons_id, 1), journal_entry(node, commons_id, 2)
    assert (invite["type"], invite["author"], invite["body"]) == (
        INVITE,
        ann_did,
        {"invitee": bob_did},
    )
    assert (join["type"], join["author"]) == (JOIN, bob_did)
    assert journals.verify_commons(node, commons_id).ok
    commons_page = ann.get(f"/commons/{commons_id}").text  # members find the way to invite
    assert f'href="/commons/{commons_id}/invitations" data-testid="invite-link"' in commons_page
    listed = ann.get(f"/commons/{commons_id}/invitations").text
    assert 'data-status="used"' in listed
    assert link.rsplit("/", 1)[1] not in listed  # the code is shown once, never again


def test_refused_codes_and_forms_without_a_token_write_nothing(node: Node, people: People) -> None:
    ann, bob, cat = people(), people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found_as(node, "ann@example.org")
    used, expiring = make_link(ann, commons_id), make_link(ann, commons_id)
    sign_up(bob, "Bob", "bob@example.org")
    sign_up(cat, "Cat", "cat@example.org")

    no_token = bob.post(used, data={})
    assert no_token.status_code == 403
    assert head_seq(node, commons_id) == 0
    bob_token, cat_token = token_on(bob, used), token_on(cat, expiring)
    assert bob.post(used, data={"csrf": bob_token}).status_code == 303
    assert head_seq(node, commons_id) == 2

    again = cat.post(used, data={"csrf": bob_token})
    assert again.status_code == 403  # another person's token: refused before anything
    taken = cat.post(used, data={"csrf": cat_token})
    assert taken.status_code == 409
    assert "admits one person once" in taken.text
    shown = cat.get(used)
    assert shown.status_code == 409
    error = ERROR.search(shown.text)
    assert error is not None
    assert "was used on" in error.group(1)
    assert "redeem-button" not in shown.text
    unknown = cat.get("/invitations/not-a-code")
    assert unknown.status_code == 404
    assert "not known on this node" in unknown.text
    assert cat.post("/invitations/not-a-code", data={"csrf": "x"}).status_code == 403
    advance(node, days=15)
    expired = cat.post(expiring, data={"csrf": cat_token})
    assert expired.status_code == 409
    assert "expired on" in expired.text
    assert head_seq(node, commons_id) == 2
    assert not is_member(node, commons_id, did_of(node, "cat@example.org"))


def test_without_an_invitation_joining_is_refused(node: Node, people: People) -> None:
    ann, bob = people(), people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = found_as(node, "ann@example.org")
    sign_up(bob, "Bob", "bob@example.org")
    page = f"/commons/{commons_id}"
    shown = bob.get(page).text  # no button that could only fail: the way in, in words
    assert 'data-testid="join-button"' not in shown
    assert 'data-testid="invitation-only"' in shown
    refused = bob.post(f"{page}/join", data={"csrf": token_on(bob, page)})
    assert refused.status_code == 403
    assert "by invitation" in refused.text
    assert head_seq(node, commons_id) == 0
    founder = accounts.sign_in(node, email="ann@example.org", password="correct horse")[0]
    acting.invite_member(
        node,
        actor=accounts.custodial_keypair(node, founder),
        commons_id=commons_id,
        invitee=did_of(node, "bob@example.org"),
    )
    invited = bob.get(page).text  # a member's invite entry names Bob's key: he may join
    assert "Accept your invitation and join" in invited
    joined = bob.post(f"{page}/join", data={"csrf": token_on(bob, page)})
    assert joined.status_code in (200, 303), joined.text
    assert is_member(node, commons_id, did_of(node, "bob@example.org"))
    anonymous = people().get(f"/commons/{commons_id}/invitations")
    assert anonymous.status_code == 303  # sign in first, and come back
    assert anonymous.headers["location"].startswith("/signin?next=")


def test_the_api_makes_and_redeems_codes(api: httpx.Client, node: Node) -> None:
    ann, bob, cat = account(api, "ann"), account(api, "bob"), account(api, "cat")
    founder = accounts.sign_in(node, email="ann@login.example", password="correct horse")[0]
    key = accounts.custodial_keypair(node, founder)
    commons_id = acting.found_commons(
        node, actor=key, charter=INVITATION_ONLY, founder_name="Ann"
    ).commons_id
    route = f"/api/v1/commons/{commons_id}/invitations"

    assert api.post(route).status_code == 401
    refused = api.post(route, headers=bob["auth"])  # not a member
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    made = api.post(route, json={"days": 3}, headers=ann["auth"])
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    code = made.json()["code"]
    assert made.json()["link"].endswith(f"/invitations/{code}")
    assert made.json()["inviter"] == ann["did"]
    described = api.get(f"/api/v1/invitations/{code}").json()
    assert (described["status"], described["commons_name"]) == ("open", "Seed Library")

    redeemed = api.post(f"/api/v1/invitations/{code}/redeem", headers=bob["auth"])
    assert redeemed.status_code == 201, redeemed.text
    items = redeemed.json()["items"]
    assert [(item["type"], item["seq"]) for item in items] == [(INVITE, 1), (JOIN, 2)]
    assert journal_entry(node, commons_id, 1)["body"] == {"invitee": bob["did"]}
    assert is_member(node, commons_id, bob["did"])

    used = api.post(f"/api/v1/invitations/{code}/redeem", headers=cat["auth"])
    assert (used.status_code, used.json()["code"]) == (409, "conflict")
    assert used.json()["invitation"] == "used"
    unknown = api.post("/api/v1/invitations/nope/redeem", headers=cat["auth"])
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert api.post(f"/api/v1/invitations/{code}/redeem").status_code == 401
    assert api.get(f"/api/v1/invitations/{code}").json()["status"] == "used"
    assert head_seq(node, commons_id) == 2


def test_the_code_is_not_stored_in_clear(node: Node, api: httpx.Client) -> None:
    ann, bob = account(api, "ann"), account(api, "bob")
    founder = accounts.sign_in(node, email="ann@login.example", password="correct horse")[0]
    key = accounts.custodial_keypair(node, founder)
    commons_id = acting.found_commons(
        node, actor=key, charter=INVITATION_ONLY, founder_name="Ann"
    ).commons_id
    made = api.post(f"/api/v1/commons/{commons_id}/invitations", headers=ann["auth"])
    code = made.json()["code"]
    api.post(f"/api/v1/invitations/{code}/redeem", headers=bob["auth"])

    node.engine.dispose()  # every connection closed: the database files hold what was written
    files = [path for path in node.settings.data_dir.rglob("*") if path.is_file()]
    assert any(path.name.startswith("commonwork.db") for path in files)
    assert [path.name for path in files if code.encode() in path.read_bytes()] == []


# --- the command line ----------------------------------------------------------------------


def test_the_command_line_invites_and_redeems(run: Cli) -> None:
    run("id", "new", "alice")
    bob = run("id", "new", "bob").stdout.strip()
    carol = run("id", "new", "carol").stdout.strip()
    commons = run(*FOUND, "--join-policy", "invitation", "--as", "alice").stdout.strip()
    run.refused("join", commons, "--as", "bob", says="by invitation", code="not_allowed")

    invited = run("invite", commons, "--as", "alice", "--url", "https://seeds.example")
    code = invited.stdout.strip()
    assert f"https://seeds.example/invitations/{code}" in invited.stderr
    joined = run.json("join", commons, "--code", code, "--as", "bob")
    assert (joined["seq"], joined["commons"]) == (2, commons)
    [member] = [m for m in run.json("commons", "members", commons) if m["id"] == bob]
    assert member["status"] == "active"
    run.refused("join", commons, "--code", code, "--as", "carol", says="was used on")
    run.refused("join", commons, "--code", "nope", "--as", "carol", says="not known")

    direct = run.json("invite", commons, "--did", carol, "--as", "bob")
    assert direct["seq"] == 3
    run("join", commons, "--as", "carol")
    assert run.json("verify", commons)["ok"] is True

    as_json = run.json("invite", commons, "--as", "carol", "--days", "2")
    assert as_json["link"] == f"http://127.0.0.1:8000/invitations/{as_json['code']}"
    other = run(*FOUND, "--join-policy", "invitation", "--as", "alice").stdout.strip()
    run.refused("join", other, "--code", as_json["code"], "--as", "alice", says="not to commons")
    (run.data_dir / "identities" / "carol.json").unlink()  # the inviter's key leaves the node
    run("id", "new", "dave")
    run.refused(
        "join", commons, "--code", as_json["code"], "--as", "dave", says="no longer on this node"
    )
    run.refused("invite", other, "--as", "bob", says="only members", code="not_allowed")


def test_the_guide_runs_as_written(tmp_path: Path) -> None:
    """Every shell block of docs/invitations.md, copy-pasted, in a fresh data directory."""
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "COMMONWORK_DATA_DIR": str(tmp_path / "data"),
    }
    script = "set -euo pipefail\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "refused: bob has no invitation yet" in done.stdout
    assert "refused: a code admits one person once" in done.stdout
    assert "ok:" in done.stdout
    names = [line.split()[-1] for line in done.stdout.splitlines() if "  active  " in line]
    assert names == ["alice", "bob"]
