"""Invitation codes on every backend: a member's code admits one new person, whose key the invite
entry (signed by the inviter) names; used, expired and unknown codes are refused with nothing
written; the code is never stored; one code redeemed at once by several people admits one."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from commonwork.commons.actions import INVITE, JOIN
from commonwork.errors import AlreadyDone, CommonworkError, Conflict, NotAllowed, NotFound
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.tables import invitation_codes
from commonwork.services import acting, invitations, journals, queries
from tests.support.builders import CHARTER, advance

INVITATION_ONLY = {**CHARTER, "join_policy": "invitation"}


def found_invitation_only(node: Node, founder: Keypair) -> str:
    appended = acting.found_commons(
        node, actor=founder, charter=INVITATION_ONLY, founder_name="Ann"
    )
    return appended.commons_id


def founder_of(node: Node) -> Keypair:
    """A founder whose key the node holds (a local identity), as an inviter's must be."""
    return node.identities.create("ann").keypair


def head_seq(node: Node, commons_id: str) -> int:
    with node.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
    assert head is not None
    return head.seq


def entry(node: Node, commons_id: str, seq: int) -> dict[str, Any]:
    with node.reading() as conn:
        [line] = list(journal_store.iter_lines(conn, commons_id, after=seq - 1, limit=1))
    parsed: dict[str, Any] = orjson.loads(line)
    return parsed


def code_rows(node: Node) -> list[dict[str, Any]]:
    with node.reading() as conn:
        return [dict(row) for row in conn.execute(sa.select(invitation_codes)).mappings()]


def is_member(node: Node, commons_id: str, did: str) -> bool:
    row = queries.membership(node, commons_id, did)
    return row is not None and row.status == "active"


def test_a_member_invites_and_a_new_person_redeems_the_code(any_node: Node) -> None:
    ann, bob = founder_of(any_node), Keypair.generate()
    commons_id = found_invitation_only(any_node, ann)
    new = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id)

    redeemed = invitations.redeem_invitation(any_node, code=new.code, invitee=bob, name="Bob")

    assert is_member(any_node, commons_id, bob.did)
    assert (redeemed.invite.entry.seq, redeemed.join.entry.seq) == (1, 2)
    invite, join = entry(any_node, commons_id, 1), entry(any_node, commons_id, 2)
    assert invite["action"]["type"] == INVITE
    assert invite["action"]["author"] == ann.did  # signed by the inviter…
    assert invite["action"]["body"] == {"invitee": bob.did}  # …naming the new member's key
    assert (join["action"]["type"], join["action"]["author"]) == (JOIN, bob.did)
    assert journals.verify_commons(any_node, commons_id).ok  # every signature checks
    [row] = code_rows(any_node)
    assert (row["redeemed_by"], row["inviter"]) == (bob.did, ann.did)
    assert row["redeemed_at"] is not None
    assert row["expires_at"] > row["created_at"]


def test_without_an_invitation_joining_is_refused(any_node: Node) -> None:
    ann, bob = founder_of(any_node), Keypair.generate()
    commons_id = found_invitation_only(any_node, ann)
    with pytest.raises(NotAllowed, match="by invitation"):
        acting.join_commons(any_node, actor=bob, commons_id=commons_id, name="Bob")
    assert head_seq(any_node, commons_id) == 0


def test_used_expired_and_unknown_codes_are_refused_and_write_nothing(any_node: Node) -> None:
    ann, bob, cat = founder_of(any_node), Keypair.generate(), Keypair.generate()
    commons_id = found_invitation_only(any_node, ann)
    used = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id)
    invitations.redeem_invitation(any_node, code=used.code, invitee=bob, name="Bob")
    expiring = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id, days=1)
    before, rows = head_seq(any_node, commons_id), code_rows(any_node)

    with pytest.raises(Conflict, match="was used on") as was_used:
        invitations.redeem_invitation(any_node, code=used.code, invitee=cat, name="Cat")
    with pytest.raises(NotFound, match="not known on this node"):
        invitations.redeem_invitation(any_node, code="no-such-code", invitee=cat, name="Cat")
    advance(any_node, days=2)
    with pytest.raises(Conflict, match="expired on") as expired:
        invitations.redeem_invitation(any_node, code=expiring.code, invitee=cat, name="Cat")

    assert (was_used.value.status, expired.value.status) == (409, 409)
    assert was_used.value.extra == {"invitation": "used"}
    assert expired.value.extra == {"invitation": "expired"}
    assert "ask Ann or another member" in expired.value.detail
    assert head_seq(any_node, commons_id) == before
    assert code_rows(any_node) == rows
    assert not is_member(any_node, commons_id, cat.did)


def test_the_code_is_not_stored_in_clear(any_node: Node) -> None:
    ann, bob = founder_of(any_node), Keypair.generate()
    commons_id = found_invitation_only(any_node, ann)
    new = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id)
    invitations.redeem_invitation(any_node, code=new.code, invitee=bob, name="Bob")

    [row] = code_rows(any_node)
    assert row["code_hash"] == hashlib.sha256(new.code.encode()).hexdigest()
    assert all(new.code not in str(value) for value in row.values())
    with any_node.reading() as conn:
        journal = b"".join(journal_store.iter_lines(conn, commons_id, after=-1, limit=100))
    assert new.code.encode() not in journal
    assert len(new.code) >= 24  # 144 random bits


def test_a_refused_redemption_leaves_the_code_usable(any_node: Node) -> None:
    ann, bob = founder_of(any_node), Keypair.generate()
    commons_id = found_invitation_only(any_node, ann)
    new = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id)

    with pytest.raises(AlreadyDone, match="member of Seed Library already"):
        invitations.redeem_invitation(any_node, code=new.code, invitee=ann, name="Ann")
    with pytest.raises(CommonworkError):  # a name the join's schema refuses: the batch fails
        invitations.redeem_invitation(any_node, code=new.code, invitee=bob, name=" ")
    assert head_seq(any_node, commons_id) == 0
    assert code_rows(any_node)[0]["redeemed_by"] is None

    invitations.redeem_invitation(any_node, code=new.code, invitee=bob, name="Bob")
    assert is_member(any_node, commons_id, bob.did)


def test_an_inviter_who_left_cannot_admit_anyone(any_node: Node) -> None:
    ann = founder_of(any_node)
    bob = any_node.identities.create("bob").keypair
    commons_id = found_invitation_only(any_node, ann)
    acting.invite_member(any_node, actor=ann, commons_id=commons_id, invitee=bob.did)
    acting.join_commons(any_node, actor=bob, commons_id=commons_id, name="Bob")
    new = invitations.create_invitation(any_node, inviter=bob, commons_id=commons_id)
    acting.leave_commons(any_node, actor=bob, commons_id=commons_id)
    before = head_seq(any_node, commons_id)

    with pytest.raises(NotAllowed, match="no longer a member"):
        invitations.redeem_invitation(
            any_node, code=new.code, invitee=Keypair.generate(), name="Cat"
        )
    assert head_seq(any_node, commons_id) == before


def test_only_members_of_an_invitation_only_commons_make_codes(any_node: Node) -> None:
    ann, stranger = founder_of(any_node), any_node.identities.create("zed").keypair
    commons_id = found_invitation_only(any_node, ann)
    open_commons = acting.found_commons(
        any_node, actor=ann, charter=CHARTER, founder_name="Ann"
    ).commons_id

    with pytest.raises(NotAllowed, match="only members"):
        invitations.create_invitation(any_node, inviter=stranger, commons_id=commons_id)
    with pytest.raises(Conflict, match="is open"):
        invitations.create_invitation(any_node, inviter=ann, commons_id=open_commons)
    elsewhere = Keypair.generate()  # a member whose key this node does not hold
    acting.invite_member(any_node, actor=ann, commons_id=commons_id, invitee=elsewhere.did)
    acting.join_commons(any_node, actor=elsewhere, commons_id=commons_id, name="Eve")
    with pytest.raises(NotAllowed, match="holds no key"):  # it could never sign the invite
        invitations.create_invitation(any_node, inviter=elsewhere, commons_id=commons_id)
    assert code_rows(any_node) == []


def test_one_code_redeemed_at_once_by_several_people_admits_one(any_node: Node) -> None:
    ann = founder_of(any_node)
    commons_id = found_invitation_only(any_node, ann)
    new = invitations.create_invitation(any_node, inviter=ann, commons_id=commons_id)
    people = [Keypair.generate() for _ in range(4)]
    outcomes: list[str] = []

    def redeem(person: Keypair) -> None:
        try:
            invitations.redeem_invitation(any_node, code=new.code, invitee=person, name="Guest")
            outcomes.append("joined")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=redeem, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["joined", "refused", "refused", "refused"]
    assert sum(is_member(any_node, commons_id, person.did) for person in people) == 1
    assert head_seq(any_node, commons_id) == 2
