"""Broadcast tasks: posted for everyone to see, claimed by whoever takes them up.

Any member may post a task. Members claim (and unclaim) tasks for themselves only: the claimant is
always the action's author, and nobody assigns work to anyone else. Several members may hold a
claim on one task. A claim lapses when ``last_activity_at + claim_lapse_days < as_of`` (the
charter's number of days, 30 by default); activity is the claim itself or a contribution the
claimant links to the task. Lapse depends on time, so it is never written: rules compute it at
the entry's ``recorded_at`` and readers at the journal head's ``recorded_at``.

A contribution may name the task it works on; the task closes when a linked contribution is
accepted. Claims on a closed task stay as its history; nobody can claim it any more.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from commonwork.commons.actions import active_member, commons_row, reads_membership
from commonwork.commons.charter import claim_lapse_days
from commonwork.errors import AlreadyDone, NotAllowed, NotFound
from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.canonical import canon
from commonwork.journal.projection import ActionSpec, Context, Door, Key, Row, State
from commonwork.production.decimals import positive_decimal
from commonwork.production.tables import task_claims, tasks

POST = "production.task.post"
CLAIM = "production.task.claim"
UNCLAIM = "production.task.unclaim"
WITHDRAW_TASK = "production.task.withdraw"

TaskId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Skill = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z0-9-]+$")]


class PostBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
    ]
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    estimate: str | None = None

    @field_validator("skills")
    @classmethod
    def _each_skill_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("name each skill once")
        return value

    @field_validator("estimate")
    @classmethod
    def _estimate_in_hours(cls, value: str | None) -> str | None:
        return None if value is None else positive_decimal(value)


class TaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: TaskId


class WithdrawTaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: TaskId
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


def lapse_cutoff(as_of: str, days: int) -> str:
    """The oldest ``last_activity_at`` of a claim still live at ``as_of``.

    A claim lapses when ``last_activity_at + days < as_of``, that is when its last activity is
    earlier than ``as_of - days``; journal times compare correctly as strings.
    """
    return format_time(parse_time(as_of) - timedelta(days=days))


def claim_is_live(claim: Row | None, cutoff: str) -> bool:
    """Whether the claim is held (not withdrawn) and has not lapsed at the cutoff's time."""
    return claim is not None and claim["status"] == "live" and claim["last_activity_at"] >= cutoff


def _cutoff(state: State, ctx: Context) -> str:
    charter = orjson.loads(commons_row(state, ctx.commons_id)["charter"])
    return lapse_cutoff(ctx.entry.recorded_at, claim_lapse_days(charter))


def _task(state: State, commons_id: str, task_id: str) -> Row:
    row = state.get(tasks, (commons_id, task_id))
    if row is None:
        raise NotFound(f"there is no task {task_id} in this commons")
    return row


def open_task(state: State, commons_id: str, task_id: str) -> Row:
    """The task's row; NotFound if there is none, NotAllowed if it is closed."""
    row = _task(state, commons_id, task_id)
    if row["status"] == "withdrawn":
        raise NotAllowed(
            f"the task was withdrawn by the member who posted it, on {row['closed_at']}; "
            "post a new task if the work is wanted after all"
        )
    if row["status"] == "closed":
        raise NotAllowed(
            f"the task is closed: contribution {row['closed_by']} completed it on "
            f"{row['closed_at']}; post a new task for further work"
        )
    return row


def _claim(state: State, ctx: Context, task_id: str) -> Row | None:
    return state.get(task_claims, (ctx.commons_id, task_id, ctx.author))


def _count_claims(state: State, task: Row, delta: int) -> None:
    state.put(tasks, {**task, "claims": task["claims"] + delta})


def check_post(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)


def apply_post(state: State, ctx: Context) -> None:
    body: PostBody = ctx.body
    state.insert(
        tasks,
        {
            "commons_id": ctx.commons_id,
            "task_id": ctx.entry.id,
            "seq": ctx.entry.seq,
            "poster": ctx.author,
            "title": body.title,
            "description": body.description,
            "skills": canon(body.skills).decode(),
            "estimate": body.estimate,
            "posted_at": ctx.entry.recorded_at,
            "status": "open",
            "closed_by": None,
            "closed_at": None,
            "claims": 0,
        },
    )


def check_claim(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    open_task(state, ctx.commons_id, ctx.body.task)
    if claim_is_live(_claim(state, ctx, ctx.body.task), _cutoff(state, ctx)):
        raise AlreadyDone("you hold a live claim on this task already; record your work on it")


def apply_claim(state: State, ctx: Context) -> None:
    task = _task(state, ctx.commons_id, ctx.body.task)
    claim = _claim(state, ctx, ctx.body.task)
    if claim is None or claim["status"] != "live":  # a lapsed claim renewed is counted already
        _count_claims(state, task, +1)
    state.put(
        task_claims,
        {
            "commons_id": ctx.commons_id,
            "task_id": ctx.body.task,
            "member": ctx.author,
            "claimed_at": ctx.entry.recorded_at,
            "last_activity_at": ctx.entry.recorded_at,
            "status": "live",
        },
    )


def check_unclaim(state: State, ctx: Context) -> None:
    commons_row(state, ctx.commons_id)
    open_task(state, ctx.commons_id, ctx.body.task)
    claim = _claim(state, ctx, ctx.body.task)
    if claim is None or claim["status"] != "live":
        raise NotFound("you hold no claim on this task; only your own claim can be withdrawn")
    if not claim_is_live(claim, _cutoff(state, ctx)):
        raise NotFound("your claim on this task has lapsed already; there is nothing to withdraw")


def apply_unclaim(state: State, ctx: Context) -> None:
    claim = _claim(state, ctx, ctx.body.task)
    if claim is not None:
        state.put(task_claims, {**claim, "status": "withdrawn"})
    _count_claims(state, _task(state, ctx.commons_id, ctx.body.task), -1)


def check_withdraw_task(state: State, ctx: Context) -> None:
    """The poster withdraws an open task that nobody holds a live claim on."""
    active_member(state, ctx.commons_id, ctx.author)
    task = open_task(state, ctx.commons_id, ctx.body.task)
    if task["poster"] != ctx.author:
        raise NotAllowed("only the member who posted a task may withdraw it")
    cutoff = _cutoff(state, ctx)
    holders = [
        claim["member"]
        for claim in state.scan(task_claims, (ctx.commons_id, ctx.body.task))
        if claim_is_live(claim, cutoff)
    ]
    if holders:
        raise NotAllowed(
            f"{len(holders)} member(s) hold a live claim on this task ({', '.join(holders)}): "
            "it can be withdrawn once they unclaim it or their claims lapse"
        )


def apply_withdraw_task(state: State, ctx: Context) -> None:
    task = _task(state, ctx.commons_id, ctx.body.task)
    state.put(tasks, {**task, "status": "withdrawn", "closed_at": ctx.entry.recorded_at})


def check_link(state: State, ctx: Context, task_id: str) -> None:
    """A contribution may name a task of its commons that is still open."""
    open_task(state, ctx.commons_id, task_id)


def apply_link(state: State, ctx: Context, task_id: str) -> None:
    """Linking work to a task is activity on the contributor's live claim, if they hold one."""
    claim = _claim(state, ctx, task_id)
    if claim is not None and claim_is_live(claim, _cutoff(state, ctx)):
        state.put(task_claims, {**claim, "last_activity_at": ctx.entry.recorded_at})


def close_task(state: State, ctx: Context, contribution: Row) -> None:
    """Close the task an accepted contribution was linked to (if it is still open)."""
    task = state.get(tasks, (ctx.commons_id, contribution["task"]))
    if task is not None and task["status"] == "open":
        closed = {"status": "closed", "closed_at": ctx.entry.recorded_at}
        state.put(tasks, {**task, **closed, "closed_by": contribution["contribution_id"]})


def reads_task(commons_id: str, author: str, task_id: str) -> list[tuple[sa.Table, Key]]:
    return [(tasks, (commons_id, task_id)), (task_claims, (commons_id, task_id, author))]


def _reads_claim(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [*reads_membership(commons_id, author, body), *reads_task(commons_id, author, body.task)]


ACTIONS = (
    ActionSpec(
        POST,
        "Post a task for everyone to see",
        PostBody,
        check_post,
        apply_post,
        reads_membership,
    ),
    ActionSpec(
        CLAIM,
        "Claim a task for yourself (several members may)",
        TaskBody,
        check_claim,
        apply_claim,
        _reads_claim,
    ),
    ActionSpec(
        UNCLAIM,
        "Withdraw your own claim on a task",
        TaskBody,
        check_unclaim,
        apply_unclaim,
        _reads_claim,
    ),
    ActionSpec(
        WITHDRAW_TASK,
        "Withdraw a task you posted, while it is open and nobody holds a live claim on it",
        WithdrawTaskBody,
        check_withdraw_task,
        apply_withdraw_task,
        _reads_claim,
        Door(
            noun="task",
            verb="withdraw",
            target="task",
            label="Withdraw this task",
            hint="Take back a task you posted that nobody is working on",
            reason=True,
        ),
    ),
)
