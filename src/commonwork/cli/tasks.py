"""``commonwork task``: post broadcast tasks, claim and unclaim them yourself, list them.

Nobody assigns work: a claim is always made by the identity that signs it (``--as``).
"""

from __future__ import annotations

import click

from commonwork.cli.act import thing_command
from commonwork.cli.commons import page_options, status_option
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit_rows
from commonwork.cli.signing import sign_and_report
from commonwork.services import tasks_read
from commonwork.services.catalog import CLAIM, POST, UNCLAIM
from commonwork.services.models import JsonValue
from commonwork.services.models import as_json as json_of
from commonwork.services.read_models import TaskRow


@click.group("task")
def task_group() -> None:
    """Post tasks for everyone, claim and unclaim them for yourself, list them."""


@task_group.command("post")
@commons_argument
@click.option("--title", required=True, help="What needs doing, in a line (up to 200 chars).")
@click.option("--description", required=True, help="The task in full (up to 4000 chars).")
@click.option(
    "--skill", "skills", multiple=True, help="A skill it needs, e.g. 'welding' (repeatable)."
)
@click.option("--estimate", help="Estimated hours, a decimal string such as '3.5'.")
@as_option
@json_option
@pass_state
def post(
    state: CliState,
    commons_id: str,
    title: str,
    description: str,
    skills: tuple[str, ...],
    estimate: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Post a task to commons ID for every member to see; print its id (the entry id)."""
    body: dict[str, JsonValue] = {"title": title, "description": description, "skills": [*skills]}
    task = {**body, "estimate": estimate} if estimate is not None else body
    done = "posted; members may now claim it"
    sign_and_report(state, identity, (commons_id, POST, task), as_json, done)


def _claiming(verb: str, action_type: str, help: str, done: str) -> None:
    """``task claim`` and ``task unclaim``: the one thing they take is the task."""
    command = thing_command(
        action_type, "task", verb, "task", help=help, done=done, takes_reason=None
    )
    task_group.add_command(command)


_claiming(
    "claim",
    CLAIM,
    "Claim task TASK_ID of commons ID for yourself; it lapses after the charter's days idle.",
    "claimed task {thing}",
)
_claiming(
    "unclaim",
    UNCLAIM,
    "Withdraw your own claim on task TASK_ID of commons ID.",
    "withdrew your claim on task {thing}",
)


def _line(row: TaskRow) -> str:
    names = ", ".join(claimant.name for claimant in row.claimants) or "unclaimed"
    if row.status == "closed":
        names = f"done by contribution {row.closed_by}"
    estimate = f"{row.estimate}h" if row.estimate else "-"
    skills = ",".join(row.skills) or "-"
    return f"{row.task_id}  {row.status:<6}  {estimate:<6}  {skills}  {row.title}  [{names}]"


@task_group.command("list")
@commons_argument
@status_option("tasks", "open", "closed", "withdrawn")
@click.option("--skill", help="Only tasks needing this skill.")
@page_options
@json_option
@pass_state
def list_(
    state: CliState,
    commons_id: str,
    status: str | None,
    skill: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List the tasks of commons ID, newest first, with who holds a live claim on each."""
    rows = tasks_read.list_tasks(
        state.node(), commons_id, status=status, skill=skill, limit=limit, offset=offset
    )
    emit_rows(rows, as_json, json_of, _line)
