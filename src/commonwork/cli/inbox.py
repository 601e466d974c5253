"""``commonwork inbox``: what the entries of the commons on this node told a local identity."""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, json_option, pass_state
from commonwork.cli.output import emit, emit_json
from commonwork.services import inbox as inbox_service
from commonwork.services.models import as_json as json_of


@click.command("inbox")
@as_option
@click.option(
    "--limit",
    type=click.IntRange(1, inbox_service.MAX_LIMIT),
    default=20,
    show_default=True,
    help="Items at most.",
)
@click.option(
    "--before",
    metavar="CURSOR",
    help="Only items older than this cursor (the 'next' of the page before).",
)
@json_option
@pass_state
def inbox(state: CliState, identity: str, limit: int, before: str | None, as_json: bool) -> None:
    """Show what entries told IDENTITY, newest first: validations of its work, claims on its
    tasks, work recorded on them — in every commons on this node."""
    did = state.keypair(identity).did
    page = inbox_service.inbox_of(state.node(), did, limit=limit, before=before)
    if as_json:
        emit_json(json_of(page))
        return
    if not page.items:
        emit("nothing yet")
    for item in page.items:
        emit(
            f"{item.recorded_at}  {item.commons_name}: {item.actor_name} {item.says} "
            f"(entry {item.seq}, {item.subject[:12]})"
        )
    if page.next is not None:
        emit(f"older: commonwork inbox --before '{page.next}'")
