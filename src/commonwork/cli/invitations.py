"""``commonwork invite``: invite someone to an invitation-only commons, with a code (a link) for a
person who has no key yet, or directly by a key (``--did``); ``commonwork join ID --code CODE``
redeems a code (see :func:`join_with_code`).

Codes are kept by this node only as a sha256; the code is printed this once (docs/invitations.md).
"""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.cli.signing import sign_and_report
from commonwork.services import invitations
from commonwork.services.acting import Appended
from commonwork.services.catalog import INVITE


def _base_url(state: CliState, base_url: str | None) -> str:
    if base_url:
        return base_url
    settings = state.settings()
    return f"http://{settings.host}:{settings.port}"


@click.command("invite")
@commons_argument
@click.option(
    "--did",
    "invitee",
    metavar="DID",
    help="Invite this key directly: sign commons.member.invite naming it (no code).",
)
@click.option(
    "--days",
    type=click.IntRange(1, invitations.MAX_INVITATION_DAYS),
    default=invitations.INVITATION_DAYS,
    show_default=True,
    help="How many days the code stays valid.",
)
@click.option(
    "--url",
    "base_url",
    metavar="URL",
    help="The node's public address, for the link "
    "(default: http://COMMONWORK_HOST:COMMONWORK_PORT).",
)
@as_option
@json_option
@pass_state
def invite(
    state: CliState,
    commons_id: str,
    invitee: str | None,
    days: int,
    base_url: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Invite someone to commons ID: a one-time code (a link), or a known key with --did.

    Prints the code on stdout and its link on stderr, this once: the node keeps only the code's
    sha256. With --did, signs the invite of that key at once and prints the entry id.
    """
    if invitee is not None:
        action = (commons_id, INVITE, {"invitee": invitee})
        sign_and_report(state, identity, action, as_json, f"invited {invitee}")
        return
    actor = state.keypair(identity)
    new = invitations.create_invitation(
        state.node(), inviter=actor, commons_id=commons_id, days=days
    )
    link = new.link(_base_url(state, base_url))
    if as_json:
        expires = new.invitation.expires_at
        emit_json({"code": new.code, "link": link, "commons": commons_id, "expires_at": expires})
        return
    emit(new.code)
    note(f"invitation link (shown this once, valid until {new.invitation.expires_at}): {link}")
    note(f"on this node: commonwork join {commons_id} --code {new.code} --as NAME")


def join_with_code(
    state: CliState, commons_id: str, code: str, identity: str, name: str, as_json: bool
) -> Appended:
    """Redeem ``code`` to commons ``commons_id`` as ``identity`` (``commonwork join --code``);
    returns the join entry."""
    redeemed = invitations.redeem_invitation(
        state.node(),
        code=code,
        invitee=state.keypair(identity),
        name=name,
        commons_id=commons_id,
    )
    if not as_json:
        note(
            f"invited by {redeemed.invitation.inviter} "
            f"(entry {redeemed.invite.entry.seq}, signed with the inviter's key)"
        )
    return redeemed.join
