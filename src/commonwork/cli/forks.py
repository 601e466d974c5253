"""``commonwork fork``: start a new commons from a commons' journal, at any of its entries."""

from __future__ import annotations

from pathlib import Path

import click

from commonwork.cli.context import CliState, as_option, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.cli.signing import appended_json
from commonwork.services import forks, journals


@click.command("fork")
@click.argument("commons_id", metavar="COMMONS", required=False)
@click.option(
    "--at",
    "at_seq",
    type=click.IntRange(min=0),
    help="The entry (seq) to fork at; default: the journal's last entry.",
)
@click.option("--reason", required=True, help="Why you fork: it is kept in the fork's record.")
@click.option("--name", help="The fork's name (default: the parent's).")
@click.option(
    "--founder-name",
    help="Your name in the fork, if you were not a member of the parent (default: your name "
    "there).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Fork from a journal exported by another node (commonwork export, or "
    "GET /api/v1/commons/{id}/journal): it is imported and checked first.",
)
@as_option
@json_option
@pass_state
def fork(
    state: CliState,
    commons_id: str | None,
    at_seq: int | None,
    reason: str,
    name: str | None,
    founder_name: str | None,
    from_file: Path | None,
    identity: str,
    as_json: bool,
) -> None:
    """Fork COMMONS at entry --at into a new commons hosted by this node; print its id.

    No permission is needed. The fork keeps the parent's history up to that entry (its journal
    begins with the parent's entries), and its state starts as the parent's was there: members,
    standing, work, tasks and decisions. From then on the two go their own ways; you are the
    fork's founder, and the fork may change its charter by its own decisions. Give COMMONS, or
    --from FILE for a journal exported elsewhere.
    """
    if (commons_id is None) == (from_file is None):
        raise click.UsageError("give the COMMONS to fork, or --from FILE (one of them)")
    actor = state.keypair(identity)
    node = state.node()
    parent = commons_id
    if from_file is not None:
        lines = [line for line in from_file.read_bytes().splitlines() if line.strip()]
        parent = journals.import_journal(node, lines).commons_id  # checked as a copy first
    appended = forks.fork_commons(
        node,
        actor=actor,
        parent_id=str(parent),
        reason=reason,
        at_seq=at_seq,
        name=name,
        founder_name=founder_name,
    )
    if as_json:
        emit_json(appended_json(state, appended))
    else:
        emit(appended.commons_id)
        note(
            f"forked at entry {appended.entry.seq - 1}; this node hosts the fork. Its members "
            f"act in it with their own keys: commonwork join {appended.commons_id}"
        )
