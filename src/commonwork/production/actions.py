"""The production area's first action types: record a contribution, validate one.

A contribution may name the open task it works on (``task``); when it is accepted, the task
closes (see :mod:`commonwork.production.tasks`).

Validation is after the fact and by peers: any member except the contributor may approve a
contribution or dispute it with a reason, once. Until the community's own validation policy
arrives (charter-level weights and thresholds), a contribution is ``accepted`` when at least one
member approved it and nobody disputed it, ``disputed`` when anyone disputed it, else ``pending``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from commonwork.commons.actions import active_member, reads_membership
from commonwork.errors import AlreadyDone, NotAllowed, NotFound
from commonwork.journal.actions import ID_PATTERN
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.decimals import positive_decimal
from commonwork.production.tables import contributions, validations
from commonwork.production.tasks import TaskId, apply_link, check_link, close_task, reads_task

RECORD = "production.contribution.record"
VALIDATE = "production.contribution.validate"

UNITS = {"work": "hours", "review": "hours", "artifact": "items", "money": "minor units"}
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
]


class RecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["work", "artifact", "money", "review"]
    quantity: str
    description: Description
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    task: TaskId | None = None

    @field_validator("quantity")
    @classmethod
    def _positive_decimal(cls, value: str) -> str:
        return positive_decimal(value)

    @model_validator(mode="after")
    def _money_has_currency(self) -> RecordBody:
        if self.kind == "money":
            if self.currency is None or "." in self.quantity:
                raise ValueError(
                    "money is recorded as whole minor units (e.g. '2500' cents) with a currency"
                )
        elif self.currency is not None:
            raise ValueError("only money contributions carry a currency")
        return self


class ValidateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contribution: Annotated[str, StringConstraints(pattern=f"^{ID_PATTERN.pattern}$")]
    verdict: Literal["approve", "dispute"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""

    @model_validator(mode="after")
    def _dispute_has_reason(self) -> ValidateBody:
        if self.verdict == "dispute" and not self.reason:
            raise ValueError("a dispute must say why, in 'reason'")
        return self


def check_record(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    if ctx.body.task is not None:
        check_link(state, ctx, ctx.body.task)


def apply_record(state: State, ctx: Context) -> None:
    body: RecordBody = ctx.body
    unit = body.currency if body.kind == "money" and body.currency else UNITS[body.kind]
    state.put(
        contributions,
        {
            "commons_id": ctx.commons_id,
            "contribution_id": ctx.entry.id,
            "seq": ctx.entry.seq,
            "contributor": ctx.author,
            "kind": body.kind,
            "quantity": body.quantity,
            "unit": unit,
            "description": body.description,
            "recorded_at": ctx.entry.recorded_at,
            "status": "pending",
            "approvals": 0,
            "disputes": 0,
            "task": body.task,
        },
    )
    if body.task is not None:
        apply_link(state, ctx, body.task)


def _contribution(state: State, ctx: Context) -> Row:
    row = state.get(contributions, (ctx.commons_id, ctx.body.contribution))
    if row is None:
        raise NotFound(f"there is no contribution {ctx.body.contribution} in this commons")
    return row


def check_validate(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    row = _contribution(state, ctx)
    if row["contributor"] == ctx.author:
        raise NotAllowed("nobody validates their own contribution; another member must")
    if state.get(validations, (ctx.commons_id, row["contribution_id"], ctx.author)) is not None:
        raise AlreadyDone("you have validated this contribution already; each member once")


def status_of(approvals: int, disputes: int) -> str:
    if disputes:
        return "disputed"
    return "accepted" if approvals else "pending"


def apply_validate(state: State, ctx: Context) -> None:
    body: ValidateBody = ctx.body
    row = dict(_contribution(state, ctx))
    state.put(
        validations,
        {
            "commons_id": ctx.commons_id,
            "contribution_id": row["contribution_id"],
            "validator": ctx.author,
            "seq": ctx.entry.seq,
            "verdict": body.verdict,
            "reason": body.reason,
            "recorded_at": ctx.entry.recorded_at,
        },
    )
    row["approvals"] += body.verdict == "approve"
    row["disputes"] += body.verdict == "dispute"
    was_accepted = row["status"] == "accepted"
    row["status"] = status_of(row["approvals"], row["disputes"])
    state.put(contributions, row)
    if row["status"] == "accepted" and not was_accepted and row["task"] is not None:
        close_task(state, ctx, row)


def _reads_validate(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [
        *reads_membership(commons_id, author, body),
        (contributions, (commons_id, body.contribution)),
        (validations, (commons_id, body.contribution, author)),
    ]


def _reads_record(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    linked = reads_task(commons_id, author, body.task) if body.task is not None else []
    return [*reads_membership(commons_id, author, body), *linked]


ACTIONS = (
    ActionSpec(
        RECORD,
        "Record a contribution (optionally linked to an open task)",
        RecordBody,
        check_record,
        apply_record,
        _reads_record,
    ),
    ActionSpec(
        VALIDATE,
        "Approve or dispute another member's contribution",
        ValidateBody,
        check_validate,
        apply_validate,
        _reads_validate,
    ),
)
