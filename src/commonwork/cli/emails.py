"""``commonwork email``: the e-mail addresses a local identity claims on this node.

A claim lets ``commonwork import-git`` sign, with the identity's key, the commits and reviews
made under that address. Addresses stay on this node: they never enter a journal.
"""

from __future__ import annotations

import click

from commonwork.cli.context import DEFAULT_IDENTITY, CliState, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.services import emails


@click.group("email")
def email_group() -> None:
    """Claim the e-mail addresses you commit under, so import-git credits your commits to you."""


as_option = click.option(
    "--as",
    "identity",
    default=DEFAULT_IDENTITY,
    show_default=True,
    metavar="IDENTITY",
    help="Local identity whose addresses these are (see 'commonwork id list').",
)


def _did(state: CliState, identity: str) -> str:
    return state.keypair(identity).did


@email_group.command("claim")
@click.argument("address")
@as_option
@json_option
@pass_state
def claim(state: CliState, address: str, identity: str, as_json: bool) -> None:
    """Claim ADDRESS for an identity: import-git will sign its commits and reviews with its key.

    An address belongs to one identity or account of this node at most; claiming one you hold
    already changes nothing. The address is kept on this node only, never in a journal.
    """
    made, created = emails.claim_email(state.node(), did=_did(state, identity), email=address)
    if as_json:
        emit_json({"id": made.email, **made.as_json(), "created": created})
    else:
        emit(made.email)
        note(f"claimed for {identity}" if created else f"{identity} had claimed it already")


@email_group.command("release")
@click.argument("address")
@as_option
@json_option
@pass_state
def release(state: CliState, address: str, identity: str, as_json: bool) -> None:
    """Give up an identity's claim on ADDRESS; what earlier imports signed stays signed."""
    email = emails.stored_email(address)
    emails.release_email(state.node(), did=_did(state, identity), email=email)
    if as_json:
        emit_json({"id": email, "email": email, "released": True})
    else:
        emit(email)
        note(f"released by {identity}")


@email_group.command("list")
@as_option
@json_option
@pass_state
def list_(state: CliState, identity: str, as_json: bool) -> None:
    """List the addresses an identity claims, one per line, with when it claimed them."""
    claims = emails.list_claims(state.node(), _did(state, identity))
    if as_json:
        emit_json([{"id": claim.email, **claim.as_json()} for claim in claims])
        return
    if not claims:
        note(f"{identity} claims no address; claim one with: commonwork email claim ADDRESS")
    for claim in claims:
        emit(f"{claim.email}  {claim.claimed_at}")
