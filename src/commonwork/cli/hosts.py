"""``commonwork host``: move a commons to another node after a passed decision, with the new
node's consent (docs/governance.md, "Host change")."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from commonwork.cli.context import CliState, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.cli.signing import appended_json
from commonwork.services import hosts


@click.group("host")
def host_group() -> None:
    """Hand a commons over to another host, as a passed decision asks."""


@host_group.command("sign-handover")
@commons_argument
@click.option("--proposal", required=True, help="The passed proposal that names this node.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the signed handover to FILE (default: stdout).",
)
@json_option
@pass_state
def sign_handover(
    state: CliState, commons_id: str, proposal: str, output: Path | None, as_json: bool
) -> None:
    """On the NEW host: sign, with this node's host key, the handover of commons ID that the
    passed PROPOSAL asks for, and print it (JSON) for the host so far to append."""
    found = hosts.sign_handover(state.node(), commons_id, proposal)
    signed = orjson.dumps(found)
    if output is None and as_json:
        emit_json(found)
    elif output is None:
        emit(signed.decode())
    else:
        output.write_bytes(signed + b"\n")
        note(f"wrote the signed handover to {output}: give it to the host so far")


@host_group.command("hand-over")
@commons_argument
@click.argument("signed_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_state
def hand_over(state: CliState, commons_id: str, signed_file: Path, as_json: bool) -> None:
    """On the host SO FAR: append the new host's signed handover of commons ID from
    SIGNED_FILE. From then on this node keeps a read-only copy; the new host imports the
    journal (commonwork export here, commonwork import there) and appends what comes next."""
    try:
        signed = orjson.loads(signed_file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"{signed_file} is not JSON: {exc}") from exc
    appended = hosts.hand_over(state.node(), commons_id, signed)
    if as_json:
        emit_json(appended_json(state, appended))
    else:
        emit(appended.entry.id)
        note("handed over: this node now keeps a read-only copy of the commons")
