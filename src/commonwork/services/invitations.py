"""Invitations to an invitation-only commons: a code a member makes on this node, redeemed by a
person who has no key in the commons yet.

The journal knows ``commons.member.invite`` (signed by an active member, naming the invitee's key)
and ``commons.member.join``. A code bridges "I want to invite Ada" and "Ada has a key": a member
whose key this node holds (a web account's custodial key or a local identity) makes it here; the
node keeps only the code's sha256, never the code (DESIGN §3.1: private data stays node-local and
out of the journal). Whoever redeems it gets, in one all-or-nothing batch, the invite signed with
the inviter's key naming the redeemer's key, then the redeemer's own join. A code admits one
person, once, before it expires; a refused redemption writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import timedelta

import sqlalchemy as sa

from commonwork.commons.actions import INVITE, JOIN
from commonwork.commons.tables import commons, members
from commonwork.errors import AlreadyDone, BadInput, Conflict, NotAllowed, NotFound
from commonwork.journal.actions import Signer, build_action, format_time, parse_time, sign_action
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, append_actions
from commonwork.node.tables import invitation_codes
from commonwork.services.emails import held_keypairs
from commonwork.services.journals import require_head

INVITATION_DAYS = 14
MAX_INVITATION_DAYS = 90
CODE_BYTES = 18  # 144 random bits: 24 characters of base64url
MAX_CODE = 200
LISTED = 100


@dataclass(frozen=True)
class Invitation:
    """What the node keeps of an invitation: never the code itself, only its sha256."""

    code_hash: str
    commons_id: str
    inviter: str
    created_at: str
    expires_at: str
    redeemed_by: str | None = None
    redeemed_at: str | None = None

    def status(self, at: str) -> str:
        """``used``, ``expired`` or ``open`` at journal time ``at``."""
        if self.redeemed_at is not None:
            return "used"
        return "expired" if self.expires_at <= at else "open"


@dataclass(frozen=True)
class NewInvitation:
    """A new invitation and its code, which is shown to the inviter this once."""

    code: str
    invitation: Invitation

    def link(self, base_url: str) -> str:
        return invitation_link(base_url, self.code)


@dataclass(frozen=True)
class InvitationView:
    """What a person holding the code is shown: which commons invites them, and by whom."""

    invitation: Invitation
    commons_name: str
    purpose: str
    inviter_name: str
    status: str


@dataclass(frozen=True)
class Redeemed:
    """A redeemed invitation: the invite signed by the inviter, then the new member's join."""

    invitation: Invitation
    invite: Appended
    join: Appended


def invitation_link(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/invitations/{code}"


def code_hash(code: str) -> str:
    """The sha256 (hex) the node keeps of ``code``; a whole pasted link counts as its code."""
    text = code.strip().rstrip("/")
    return hashlib.sha256(text.rsplit("/", 1)[-1].encode()).hexdigest()


def _invitation(row: sa.RowMapping) -> Invitation:
    return Invitation(**{name: row[name] for name in Invitation.__dataclass_fields__})


def _unknown() -> NotFound:
    return NotFound(
        "this invitation code is not known on this node: check that the whole code or link was "
        "copied. A code works only on the node where the member made it; if it is lost, ask "
        "them for a new invitation"
    )


def _commons_row(conn: sa.Connection, commons_id: str) -> sa.RowMapping:
    row = conn.execute(sa.select(commons).where(commons.c.commons_id == commons_id)).mappings()
    found = row.first()
    if found is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    return found


def _member_row(conn: sa.Connection, commons_id: str, did: str) -> sa.RowMapping | None:
    query = sa.select(members).where(members.c.commons_id == commons_id, members.c.member == did)
    return conn.execute(query).mappings().first()


def _check_inviter(node: Node, commons_id: str, inviter: str) -> None:
    """The commons is hosted here and admits by invitation; the inviter is an active member."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        row = _commons_row(conn, commons_id)
        member = _member_row(conn, commons_id, inviter)
    if head.host != node.host_key.did:
        raise NotAllowed(
            f"this node holds a copy of commons {commons_id}; make the invitation on its host "
            f"({head.host}), which appends the invite"
        )
    if row["join_policy"] != "invitation":
        raise Conflict(
            f"{row['name']} is open: anyone may join it without an invitation. Share its page "
            f"(/commons/{commons_id}) or `commonwork join {commons_id}` instead"
        )
    if member is None or member["status"] != "active":
        raise NotAllowed(f"only members of {row['name']} invite to it; {inviter} is not one")


def create_invitation(
    node: Node, *, inviter: Signer, commons_id: str, days: int = INVITATION_DAYS
) -> NewInvitation:
    """Make an invitation to ``commons_id`` valid for ``days``; the code is returned this once."""
    if not 1 <= days <= MAX_INVITATION_DAYS:
        raise BadInput(f"an invitation lasts 1 to {MAX_INVITATION_DAYS} days, not {days}")
    _check_inviter(node, commons_id, inviter.did)
    if inviter.did not in held_keypairs(node, [inviter.did]):
        raise NotAllowed(
            f"this node holds no key of {inviter.did}: it could not sign the invite when the code "
            'is redeemed. Invite a known key directly instead ("Or invite a key you know" on '
            "the invitations page, or `commonwork invite ID --did DID`)"
        )
    code = secrets.token_urlsafe(CODE_BYTES)
    created = node.clock()
    expires = format_time(parse_time(created) + timedelta(days=days))
    invitation = Invitation(code_hash(code), commons_id, inviter.did, created, expires)
    with node.writing() as conn:
        conn.execute(sa.insert(invitation_codes).values(**asdict(invitation)))
    return NewInvitation(code, invitation)


def _find(node: Node, code: str) -> tuple[Invitation, sa.RowMapping, str]:
    """The invitation of ``code``, its commons' row and the inviter's name; NotFound if unknown."""
    if len(code) > MAX_CODE:
        raise _unknown()
    query = sa.select(invitation_codes).where(invitation_codes.c.code_hash == code_hash(code))
    with node.reading() as conn:
        row = conn.execute(query).mappings().first()
        if row is None:
            raise _unknown()
        invitation = _invitation(row)
        commons_row = _commons_row(conn, invitation.commons_id)
        inviter = _member_row(conn, invitation.commons_id, invitation.inviter)
    return invitation, commons_row, inviter["name"] if inviter is not None else invitation.inviter


def describe_invitation(node: Node, code: str) -> InvitationView:
    """Which commons the code invites to, by whom, and whether it is still open."""
    invitation, row, inviter_name = _find(node, code)
    status = invitation.status(node.clock())
    return InvitationView(invitation, row["name"], row["purpose"], inviter_name, status)


def check_usable(view: InvitationView, did: str | None = None) -> None:
    """Conflict (409) unless the invitation can still be redeemed (by ``did``, if given)."""
    invitation = view.invitation
    if invitation.redeemed_at is not None and invitation.redeemed_by == did:
        raise AlreadyDone(
            f"you redeemed this invitation on {invitation.redeemed_at[:10]}: you are a member of "
            f"{view.commons_name}"
        )
    if view.status == "used":
        raise Conflict(
            f"this invitation was used on {str(invitation.redeemed_at)[:10]}; an invitation "
            f"admits one person once. Ask {view.inviter_name} or another member of the commons "
            "for a new one",
            invitation="used",
        )
    if view.status == "expired":
        raise Conflict(
            f"this invitation expired on {invitation.expires_at[:10]}; ask {view.inviter_name} "
            "or another member of the commons for a new one",
            invitation="expired",
        )


def _inviter_key(node: Node, view: InvitationView) -> Keypair:
    inviter = view.invitation.inviter
    keypair = held_keypairs(node, [inviter]).get(inviter)
    if keypair is None:
        raise NotAllowed(
            f"the key of {view.inviter_name} ({inviter}), who made this invitation, is no longer "
            "on this node, so it cannot sign the invite: ask a member to invite your key with "
            "`commonwork invite ID --did YOUR_DID`"
        )
    return keypair


def _check_people(node: Node, view: InvitationView, invitee: str) -> None:
    """The inviter is still an active member and the invitee is not one yet."""
    commons_id = view.invitation.commons_id
    with node.reading() as conn:
        inviter = _member_row(conn, commons_id, view.invitation.inviter)
        joined = _member_row(conn, commons_id, invitee)
    if joined is not None and joined["status"] == "active":
        raise AlreadyDone(
            f"you are a member of {view.commons_name} already; the invitation stays unused, for "
            "someone else"
        )
    if inviter is None or inviter["status"] != "active":
        raise NotAllowed(
            f"{view.inviter_name}, who made this invitation, is no longer a member of "
            f"{view.commons_name}; ask another member for a new invitation"
        )


def _claim(node: Node, invitation: Invitation, did: str) -> Invitation:
    """Mark the invitation redeemed by ``did``, unless someone redeemed it a moment ago."""
    at = node.clock()
    codes = invitation_codes.c
    with node.writing() as conn:
        done = conn.execute(
            sa.update(invitation_codes)
            .where(codes.code_hash == invitation.code_hash, codes.redeemed_at.is_(None))
            .where(codes.expires_at > at)
            .values(redeemed_by=did, redeemed_at=at)
        )
        if done.rowcount != 1:
            raise Conflict(
                "this invitation was redeemed or expired a moment ago; ask a member for a new one",
                invitation="used",
            )
    return replace(invitation, redeemed_by=did, redeemed_at=at)


def _release(node: Node, invitation: Invitation, did: str) -> None:
    """Undo ``_claim`` after a refused redemption, so the code stays usable."""
    codes = invitation_codes.c
    with node.writing() as conn:
        conn.execute(
            sa.update(invitation_codes)
            .where(codes.code_hash == invitation.code_hash, codes.redeemed_by == did)
            .values(redeemed_by=None, redeemed_at=None)
        )


def redeem_invitation(
    node: Node, *, code: str, invitee: Signer, name: str, commons_id: str | None = None
) -> Redeemed:
    """Redeem ``code`` (to ``commons_id``, if given) as ``invitee``: the inviter's invite naming
    their key, then their join as ``name``. A used, expired or unknown code, or any refusal,
    writes nothing."""
    view = describe_invitation(node, code)
    if commons_id is not None and commons_id != view.invitation.commons_id:
        raise BadInput(
            f"this code invites to {view.commons_name} ({view.invitation.commons_id}), not to "
            f"commons {commons_id}"
        )
    check_usable(view, invitee.did)
    inviter = _inviter_key(node, view)
    _check_people(node, view, invitee.did)
    commons_id = view.invitation.commons_id
    invite = build_action(
        type=INVITE, author=inviter.did, body={"invitee": invitee.did}, commons=commons_id
    )
    join = build_action(type=JOIN, author=invitee.did, body={"name": name}, commons=commons_id)
    batch = [sign_action(inviter, invite), sign_action(invitee, join)]
    claimed = _claim(node, view.invitation, invitee.did)
    try:
        invited, joined = append_actions(node, commons_id, batch)
    except BaseException:
        _release(node, claimed, invitee.did)
        raise
    return Redeemed(claimed, invited, joined)


def list_invitations(node: Node, *, commons_id: str, inviter: str) -> list[Invitation]:
    """The invitations ``inviter`` made to ``commons_id``, newest first (codes are not kept)."""
    codes = invitation_codes.c
    query = (
        sa.select(invitation_codes)
        .where(codes.commons_id == commons_id, codes.inviter == inviter)
        .order_by(codes.created_at.desc())
        .limit(LISTED)
    )
    with node.reading() as conn:
        return [_invitation(row) for row in conn.execute(query).mappings()]
