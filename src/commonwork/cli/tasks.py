"""``commonwork task``: post broadcast tasks, claim and unclaim them yourself, list them.

Nobody assigns work: a claim is always made by the identity that signs it (``--as``).
"""

from __future__ import annotations

import click

from commonwork.cli.commons import appended_json, page_options
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.services import acting, tasks_read
from commonwork.services.acting import Appended
from commonwork.services.models import as_json as json_of
from commonwork.services.read_models import TaskRow


@click.group("task")
def task_group() -> None:
    """Post tasks for everyone, claim and unclaim them for yourself, list them."""


def _report(state: CliState, appended: Appended, as_json: bool, done: str) -> None:
    if as_json:
        emit_json(appended_json(state, appended))
    else:
        emit(appended.entry.id)
        note(f"{done} (entry {appended.entry.seq} of commons {appended.commons_id})")


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
    appended = acting.post_task(
        state.node(),
        actor=state.keypair(identity),
        commons_id=commons_id,
        title=title,
        description=description,
        skills=list(skills),
        estimate=estimate,
    )
    _report(state, appended, as_json, "posted; members may now claim it")


@task_group.command("claim")
@commons_argument
@click.argument("task_id")
@as_option
@json_option
@pass_state
def claim(state: CliState, commons_id: str, task_id: str, identity: str, as_json: bool) -> None:
    """Claim task TASK_ID of commons ID for yourself; it lapses after the charter's days idle."""
    appended = acting.claim_task(
        state.node(), actor=state.keypair(identity), commons_id=commons_id, task_id=task_id
    )
    _report(state, appended, as_json, f"claimed task {task_id}")


@task_group.command("unclaim")
@commons_argument
@click.argument("task_id")
@as_option
@json_option
@pass_state
def unclaim(state: CliState, commons_id: str, task_id: str, identity: str, as_json: bool) -> None:
    """Withdraw your own claim on task TASK_ID of commons ID."""
    appended = acting.unclaim_task(
        state.node(), actor=state.keypair(identity), commons_id=commons_id, task_id=task_id
    )
    _report(state, appended, as_json, f"withdrew your claim on task {task_id}")


def _line(row: TaskRow) -> str:
    names = ", ".join(claimant.name for claimant in row.claimants) or "unclaimed"
    if row.status == "closed":
        names = f"done by contribution {row.closed_by}"
    estimate = f"{row.estimate}h" if row.estimate else "-"
    skills = ",".join(row.skills) or "-"
    return f"{row.task_id}  {row.status:<6}  {estimate:<6}  {skills}  {row.title}  [{names}]"


@task_group.command("list")
@commons_argument
@click.option(
    "--status",
    type=click.Choice(["open", "closed", "withdrawn"]),
    help="Only tasks in this state.",
)
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
    if as_json:
        emit_json([json_of(row) for row in rows])
        return
    for row in rows:
        emit(_line(row))
