"""Validation after the fact, by peers.

Any member except the contribution's authors (the one who recorded it and its co-authors) may
approve a contribution, dispute it with a reason, or adjust its quantity with a reason (an approval
of the work at another quantity), once per version: a correction makes a new
version, and the validations of older versions stay as history (``superseded``) but stop counting,
so their validators may validate again. Under a settlement engine (every charter founded since
engines exist) a validation of pending work is weighed as it is recorded
(:mod:`commonwork.standing.weigh`) and the day's settlement decides
(:mod:`commonwork.standing.settle`); nothing is decided here. A charter from before
engines without policies keeps the provisional rule: ``accepted`` when at least one member
approved (or adjusted) its current version and nobody disputed it, ``disputed`` when anyone
disputed it, else ``pending``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from commonwork.commons.actions import active_member, governed_by_policies, reads_membership
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed
from commonwork.journal.projection import ActionSpec, Context, Key, State
from commonwork.production.contribution_bodies import ContributionId
from commonwork.production.contributions import contribution_row, status_row
from commonwork.production.decimals import positive_decimal
from commonwork.production.tables import (
    contribution_shares,
    contribution_status,
    contributions,
    validations,
)
from commonwork.production.tasks import close_task

VALIDATE = "production.contribution.validate"


class ValidateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contribution: ContributionId
    verdict: Literal["approve", "dispute", "adjust"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""
    quantity: str | None = None

    @model_validator(mode="after")
    def _verdict_is_complete(self) -> ValidateBody:
        if self.verdict in ("dispute", "adjust") and not self.reason:
            raise ValueError(
                f"{'a dispute' if self.verdict == 'dispute' else 'an adjustment'} "
                "must say why, in 'reason'"
            )
        if self.verdict == "adjust":
            if self.quantity is None:
                raise ValueError("an adjustment gives the quantity you find right, in 'quantity'")
            positive_decimal(self.quantity)
        elif self.quantity is not None:
            raise ValueError("only an adjust verdict carries a quantity")
        return self


def check_validate(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    row = contribution_row(state, ctx.commons_id, ctx.body.contribution)
    if row["contributor"] == ctx.author:
        raise NotAllowed("nobody validates their own contribution; another member must")
    if status_row(state, row)["status"] == "withdrawn":
        raise NotAllowed(
            "this contribution was withdrawn by its author; there is nothing to validate"
        )
    if ctx.body.quantity is not None and row["kind"] == "money" and "." in ctx.body.quantity:
        raise InvalidAction("money is counted in whole minor units: adjust to e.g. '2500'")
    share = state.get(contribution_shares, (ctx.commons_id, row["contribution_id"], ctx.author))
    if share is not None and share["share"] != "0":
        raise NotAllowed("nobody validates work they co-authored; another member must")
    key = (ctx.commons_id, row["contribution_id"], ctx.author, row["corrections"])
    if state.get(validations, key) is not None:
        raise AlreadyDone("you have validated this contribution already; each member once")


def status_of(approvals: int, disputes: int) -> str:
    if disputes:
        return "disputed"
    return "accepted" if approvals else "pending"


def apply_validate(state: State, ctx: Context) -> None:
    body: ValidateBody = ctx.body
    row = contribution_row(state, ctx.commons_id, body.contribution)
    status = dict(status_row(state, row))
    state.insert(
        validations,
        {
            "commons_id": ctx.commons_id,
            "contribution_id": row["contribution_id"],
            "validator": ctx.author,
            "version": row["corrections"],
            "seq": ctx.entry.seq,
            "verdict": body.verdict,
            "quantity": body.quantity,
            "reason": body.reason,
            "recorded_at": ctx.entry.recorded_at,
            "weight_milli": None,
        },
    )
    status["approvals"] += body.verdict in ("approve", "adjust")
    status["disputes"] += body.verdict == "dispute"
    if governed_by_policies(state, ctx.commons_id):
        # The validation's weight is set next (commonwork.standing.weigh, with the validator's
        # standing as of the start of this day), and day settlement decides at the end of the
        # day (commonwork.standing.settle); until then the status stands.
        state.put(contribution_status, status)
        return
    was_accepted = status["status"] == "accepted"
    status["status"] = status_of(status["approvals"], status["disputes"])
    state.put(contribution_status, status)
    if status["status"] == "accepted" and not was_accepted and row["task"] is not None:
        close_task(state, ctx, row)


def _reads_validate(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    # Validations are loaded by (commons, contribution): every version comes along.
    return [
        *reads_membership(commons_id, author, body),
        (contributions, (commons_id, body.contribution)),
        (contribution_shares, (commons_id, body.contribution, author)),
        (validations, (commons_id, body.contribution, author, 0)),
    ]


ACTIONS = (
    ActionSpec(
        VALIDATE,
        "Approve, dispute or adjust the quantity of a contribution you did not author "
        "(a dispute or an adjustment needs a reason)",
        ValidateBody,
        check_validate,
        apply_validate,
        _reads_validate,
    ),
)
