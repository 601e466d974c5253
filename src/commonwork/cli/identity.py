"""``commonwork id``: the local identities this node keeps to sign actions on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commonwork.cli.context import DEFAULT_IDENTITY, CliState, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.services import identities
from commonwork.services.identities import Identity


@click.group("id")
def identity_group() -> None:
    """Local identities: Ed25519 keys, kept in DATA_DIR/identities, that sign your actions."""


def _identity_json(identity: Identity) -> dict[str, str]:
    return {
        "id": identity.keypair.did,
        "name": identity.name,
        "did": identity.keypair.did,
        "created_at": identity.created_at,
    }


def _print_identity(identity: Identity, as_json: bool) -> None:
    if as_json:
        emit_json(_identity_json(identity))
    else:
        emit(identity.keypair.did)


@identity_group.command("new")
@click.argument("name", default=DEFAULT_IDENTITY)
@json_option
@pass_state
def new_identity(state: CliState, name: str, as_json: bool) -> None:
    """Create a new identity NAME (default "default") and print its did:key."""
    identity = state.node().identities.create(name)
    _print_identity(identity, as_json)
    if not as_json:
        note(f"created identity {name!r}; back its key up with: commonwork id export {name}")


@identity_group.command("show")
@click.argument("name", default=DEFAULT_IDENTITY)
@json_option
@pass_state
def show_identity(state: CliState, name: str, as_json: bool) -> None:
    """Print the did:key of identity NAME (default "default")."""
    _print_identity(state.node().identities.load(name), as_json)


@identity_group.command("list")
@json_option
@pass_state
def list_identities(state: CliState, as_json: bool) -> None:
    """List the local identities, one per line: name and did:key."""
    kept = state.node().identities
    found = [kept.load(name) for name in kept.names()]
    if as_json:
        emit_json([_identity_json(identity) for identity in found])
        return
    if not found:
        note("no local identities yet; create one with: commonwork id new")
    width = max((len(identity.name) for identity in found), default=0)
    for identity in found:
        emit(f"{identity.name:<{width}}  {identity.keypair.did}")


@identity_group.command("export")
@click.argument("name", default=DEFAULT_IDENTITY)
@json_option
@pass_state
def export_identity(state: CliState, name: str, as_json: bool) -> None:
    """Print the secret key of identity NAME (base64url), to move it elsewhere.

    Anyone who holds the secret can sign as this identity: keep it private.
    """
    identity = state.node().identities.load(name)
    note(
        f"warning: this is the secret key of {identity.keypair.did}; anyone who has it can sign "
        "as you. Keep it private."
    )
    secret = identity.keypair.export_secret()
    if as_json:
        emit_json({**_identity_json(identity), "secret": secret})
    else:
        emit(secret)


def _read_secret(secret_file: Path | None) -> str:
    if secret_file is not None:
        return secret_file.read_text(encoding="utf-8")
    if sys.stdin.isatty():
        return str(click.prompt("secret key (base64url)", hide_input=True, err=True))
    return sys.stdin.read()


@identity_group.command("import")
@click.argument("name")
@click.option(
    "--secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the secret key (default: read it from stdin).",
)
@json_option
@pass_state
def import_identity(state: CliState, name: str, secret_file: Path | None, as_json: bool) -> None:
    """Keep an exported secret key (e.g. from your web account) as identity NAME.

    The secret (base64url, as 'commonwork id export' or the web account prints it) is read from
    stdin, or from --secret-file.
    """
    identity = identities.import_identity(state.node(), name, _read_secret(secret_file))
    _print_identity(identity, as_json)
    if not as_json:
        note(f"imported identity {name!r}")
