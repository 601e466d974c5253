"""``commonwork act TYPE [ID]``: sign and append one action of any type the node knows.

The body is the action type's own schema, exactly as it is signed into the journal
(``commonwork act --list`` names the types and their fields). The friendly commands (``task
claim``, ``contribute``, ``validate``…) are shorthands for some of these.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from commonwork.cli.context import CliState, as_option, json_option, pass_state
from commonwork.cli.output import emit
from commonwork.cli.signing import sign_and_report
from commonwork.errors import BadInput
from commonwork.services.catalog import ACTION_SPECS, ActionSpec, Door

REASON_HELP = "Why, in a sentence (kept in the journal)."


def _body(raw: str | None, fields: tuple[str, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if raw is not None:
        text = Path(raw[1:]).read_text() if raw.startswith("@") else raw
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise BadInput(f"--body is not JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise BadInput('--body must be a JSON object, such as \'{"task": "…"}\'')
        body.update(parsed)
    for field in fields:
        name, sep, value = field.partition("=")
        if not sep or not name:
            raise BadInput(f"--field takes NAME=VALUE, not {field!r}")
        body[name] = value
    return body


def _describe() -> None:
    for action_type, spec in sorted(ACTION_SPECS.items()):
        fields = ", ".join(
            name + ("" if info.is_required() else "?")
            for name, info in spec.body.model_fields.items()
        )
        emit(f"{action_type}  {{{fields}}}  {spec.summary}")


@click.command("act")
@click.argument("action_type", metavar="TYPE", required=False)
@click.argument("commons_id", metavar="[ID]", required=False)
@click.option(
    "--body",
    metavar="JSON|@FILE",
    help="The action's body as a JSON object, or @file to read it from a file.",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="One field of the body as text (repeatable; after --body, so it wins).",
)
@click.option("--list", "list_types", is_flag=True, help="List the action types and their fields.")
@as_option
@json_option
@pass_state
def act(
    state: CliState,
    action_type: str | None,
    commons_id: str | None,
    body: str | None,
    fields: tuple[str, ...],
    list_types: bool,
    identity: str,
    as_json: bool,
) -> None:
    """Sign one action of type TYPE in commons ID (none for commons.commons.found) and append it;
    print its entry id. Example: commonwork act production.task.claim ID --field task=TASK_ID"""
    if list_types or action_type is None:
        _describe()
        return
    action = (commons_id, action_type, _body(body, fields))
    sign_and_report(state, identity, action, as_json, f"appended {action_type}")


def thing_command(
    action_type: str,
    noun: str,
    verb: str,
    target: str,
    *,
    help: str,
    done: str,
    takes_reason: bool | None,
) -> click.Command:
    """``commonwork NOUN VERB ID THING_ID``: sign ``action_type`` on one thing of a commons,
    ``{target: THING_ID}``, and report ``done`` (``{thing}`` in it is THING_ID). With
    ``takes_reason`` None there is no ``--reason``; False refuses one, True puts it in the body."""

    def command(
        state: CliState, commons_id: str, thing: str, identity: str, as_json: bool, reason: str = ""
    ) -> None:
        body: dict[str, Any] = {target: thing}
        if reason.strip():
            if not takes_reason:
                raise BadInput(f"{action_type} takes no reason")
            body["reason"] = reason.strip()
        action = (commons_id, action_type, body)
        sign_and_report(state, identity, action, as_json, done.format(thing=thing))

    made = as_option(json_option(pass_state(command)))
    if takes_reason is not None:
        made = click.option("--reason", default="", help=REASON_HELP)(made)
    made = click.argument("thing", metavar=f"{noun.upper()}_ID")(made)
    return click.command(verb, help=help)(click.argument("commons_id", metavar="ID")(made))


def _door_command(spec: ActionSpec, door: Door) -> click.Command:
    """The command of an action type's door: ``commonwork NOUN VERB ID THING_ID [--reason …]``."""
    return thing_command(
        spec.type,
        door.noun,
        door.verb,
        door.target,
        help=f"{door.hint or spec.summary} ({spec.type}; ID is the commons).",
        done=f"{door.verb}: {door.noun} {{thing}}",
        takes_reason=door.reason,
    )


def attach_doors(cli: click.Group, groups: dict[str, click.Group]) -> None:
    """Add the command of every action type that declares a door, to the group of its noun (a
    new group when there is none)."""
    for spec in sorted(ACTION_SPECS.values(), key=lambda spec: spec.type):
        door = spec.door
        if door is None:
            continue
        group = groups.get(door.noun)
        if group is None:
            group = groups[door.noun] = click.Group(door.noun, help=f"Act on a {door.noun}.")
            cli.add_command(group)
        group.add_command(_door_command(spec, door))
