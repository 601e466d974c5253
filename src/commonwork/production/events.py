"""What production's entries tell members (their inbox): a validation tells the contribution's
authors, a claim and work linked to a task tell the task's poster."""

from __future__ import annotations

from collections.abc import Sequence

from commonwork.journal.area import Event
from commonwork.journal.projection import Context, State
from commonwork.production.contribution_bodies import row_shares
from commonwork.production.contributions import RECORD
from commonwork.production.tables import contributions, tasks
from commonwork.production.tasks import CLAIM
from commonwork.production.validation import VALIDATE

#: Every kind this area emits, in plain words after the author's name.
KINDS = {
    "production.contribution.approve": "approved your contribution",
    "production.contribution.dispute": "disputed your contribution",
    "production.contribution.adjust": "proposed another quantity for your contribution",
    "production.task.claim": "claimed your task",
    "production.task.work": "recorded work on your task",
}


def events(state: State, ctx: Context) -> Sequence[Event]:
    kind = ctx.entry.type
    if kind == VALIDATE:
        row = state.get(contributions, (ctx.commons_id, ctx.body.contribution))
        if row is None:
            return ()
        told = f"production.contribution.{ctx.body.verdict}"
        authors = row_shares(row["contributor"], row["co_authors"])
        return [Event(member, told, row["contribution_id"]) for member, _ in authors]
    if kind == CLAIM:
        return _poster(state, ctx, ctx.body.task, "production.task.claim")
    if kind == RECORD and ctx.body.task is not None:
        return _poster(state, ctx, ctx.body.task, "production.task.work")
    return ()


def _poster(state: State, ctx: Context, task_id: str, kind: str) -> Sequence[Event]:
    task = state.get(tasks, (ctx.commons_id, task_id))
    return [] if task is None else [Event(str(task["poster"]), kind, task_id)]
