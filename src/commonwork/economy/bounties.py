"""Bounties: money escrowed for a task, paid to the work that does it.

A bounty moves ``treasury → escrow:<task>`` — by the treasurer within the charter's monthly
bounty budget (``economy.bounty_budget``, per currency), or by decision (the effect
``{"kind": "bounty", …}``, decided like any spend). It names an expiry day.

It is paid by the day's settlement (its ``bounties`` phase), never by hand: once work linked to
the task has settled as accepted **and** its dispute window (``governance.arbitration.
dispute_days``) has passed, the escrow goes to the payables of the authors of every linked
contribution accepted by then, split by the value points each carried (co-authors by their
shares), largest remainder, ties by did. Work accepted after the first payout-worthy day is not
owed anything: the bounty was paid. A bounty whose task saw no accepted work by its expiry goes
back to the treasury; work accepted before the expiry is still paid when its window passes.

How the fold finds what is due without reading every open bounty every day: when a day's
settlement accepts work linked to a task with an open bounty, it notes the work
(``bounty_work``) and the day the bounty falls due (``bounty_due``, by day); the phase of each
day reads that day's due rows only, and a commons without open bounties costs one lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_economy import CurrencyCode, economy_of
from commonwork.economy.books import (
    Amount,
    IdempotencyKey,
    Line,
    Memo,
    body_hash,
    check_key,
    check_lines,
    check_treasurer,
    exponent_of,
    post,
)
from commonwork.economy.organisations import EntryId
from commonwork.economy.split import largest_remainder
from commonwork.economy.tables import (
    bounties,
    bounty_budget_used,
    bounty_counts,
    bounty_due,
    bounty_work,
)
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.governance.clock import governance_now
from commonwork.governance.tables import cases, subject_cases
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.tables import contribution_status, settle_agenda, tasks
from commonwork.standing.settle import add_days, authors, split
from commonwork.standing.tables import settlements


class OfferBody(BaseModel):
    """The treasurer escrows a bounty for a task, within the charter's monthly budget."""

    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    task: EntryId
    amount_minor: Amount
    currency: CurrencyCode
    expires_on: str
    memo: Memo = ""


class BountyEffect(BaseModel):
    """A decision escrows a bounty for a task (no budget needed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["bounty"]
    task: EntryId
    amount_minor: Amount
    currency: CurrencyCode
    expires_on: str
    memo: Memo = ""


def _check_day(text: str, after: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidAction(f"expires_on is a day, like 2031-06-30 (not {text!r})") from exc
    if len(text) != 10 or text <= after[:10]:
        raise InvalidAction("a bounty expires on a later day than the one it is offered on")


def check_task(state: State, commons_id: str, task: str, currency: str) -> None:
    exponent_of(state, commons_id, currency)
    row = state.get(tasks, (commons_id, task))
    if row is None:
        raise NotFound(f"there is no task {task} in this commons")
    if row["status"] != "open":
        raise NotAllowed(f"the task is {row['status']}: a bounty is for open work", reason="closed")
    if state.get(settlements, (commons_id,)) is None:
        raise NotAllowed(
            "a bounty is paid on settled acceptance: this commons' charter sets no value policy",
            reason="no_settlement",
        )
    held = state.get(bounties, (commons_id, task))
    if held is not None and held["status"] == "open":
        raise AlreadyDone(
            "this task has an open bounty already (wait for it to be paid or to expire)",
            reason="bounty_open",
        )


def check_offer(state: State, ctx: Context) -> None:
    body: OfferBody = ctx.body
    check_treasurer(state, ctx)
    check_key(state, ctx, body.key)
    _check_day(body.expires_on, ctx.entry.recorded_at)
    check_task(state, ctx.commons_id, body.task, body.currency)
    budget = economy_of(orjson.loads(commons_row(state, ctx.commons_id)["charter"]))
    allowed = budget.budget_for(body.currency)
    month = ctx.entry.recorded_at[:7]
    used_row = state.get(bounty_budget_used, (ctx.commons_id, month, body.currency))
    used = 0 if used_row is None else int(used_row["amount_minor"])
    if used + body.amount_minor > allowed:
        raise NotAllowed(
            f"the charter's bounty budget is {allowed} minor units of {body.currency} a month "
            f"and {used} are used this month: propose a bounty by decision instead",
            reason="over_budget",
            budget=allowed,
            used=used,
        )
    check_lines(state, ctx.commons_id, _lines(body.task, body.currency, body.amount_minor))


def _lines(task: str, currency: str, amount: int) -> list[Line]:
    return [Line("treasury", currency, -amount), Line(f"escrow:{task}", currency, amount)]


def open_bounty(
    state: State,
    commons_id: str,
    *,
    task: str,
    currency: str,
    amount: int,
    expires_on: str,
    txn_id: str,
    seq: int,
    at: str,
    by: str,
    memo: str,
    why: dict[str, Any],
    key: str | None = None,
    body_digest: str = "",
) -> None:
    post(
        state,
        commons_id,
        txn_id,
        seq=seq,
        at=at,
        kind="bounty",
        memo=memo,
        by=by,
        lines=_lines(task, currency, amount),
        why={**why, "task": task},
        key=key,
        body_digest=body_digest,
    )
    state.put(
        bounties,
        {
            "commons_id": commons_id,
            "task": task,
            "currency": currency,
            "amount_minor": amount,
            "offered_by": by,
            "offer_txn": txn_id,
            "offered_at": at,
            "expires_on": expires_on,
            "status": "open",
            "due_on": None,
            "closed_at": None,
            "close_txn": None,
        },
    )
    _due(state, commons_id, expires_on, task, "expiry", at[:10])
    _count(state, commons_id, 1)


def apply_offer(state: State, ctx: Context) -> None:
    body: OfferBody = ctx.body
    month = ctx.entry.recorded_at[:7]
    key = (ctx.commons_id, month, body.currency)
    used_row = state.get(bounty_budget_used, key)
    used = 0 if used_row is None else int(used_row["amount_minor"])
    state.put(
        bounty_budget_used,
        {
            "commons_id": ctx.commons_id,
            "month": month,
            "currency": body.currency,
            "amount_minor": used + body.amount_minor,
        },
    )
    open_bounty(
        state,
        ctx.commons_id,
        task=body.task,
        currency=body.currency,
        amount=body.amount_minor,
        expires_on=body.expires_on,
        txn_id=ctx.entry.id,
        seq=ctx.entry.seq,
        at=ctx.entry.recorded_at,
        by=ctx.author,
        memo=body.memo,
        why={"budget": month},
        key=body.key,
        body_digest=body_hash(ctx),
    )


def check_effect(state: State, commons_id: str, effect: BountyEffect, at: str) -> None:
    _check_day(effect.expires_on, at)
    check_task(state, commons_id, effect.task, effect.currency)


def execute_effect(state: State, row: Row, at: str, seq: int) -> str:
    """A decided bounty, at its close (or after the grace window): '' when escrowed, else why
    not (nothing moved)."""
    commons_id = row["commons_id"]
    effect = BountyEffect.model_validate(orjson.loads(row["effect"]), strict=True)
    try:
        check_task(state, commons_id, effect.task, effect.currency)
        if effect.expires_on <= at[:10]:
            raise InvalidAction("the bounty's expiry day has passed")
        check_lines(state, commons_id, _lines(effect.task, effect.currency, effect.amount_minor))
    except (InvalidAction, NotAllowed, NotFound, AlreadyDone) as refused:
        return refused.detail
    open_bounty(
        state,
        commons_id,
        task=effect.task,
        currency=effect.currency,
        amount=effect.amount_minor,
        expires_on=effect.expires_on,
        txn_id=f"{row['proposal_id']}:bounty",
        seq=seq,
        at=at,
        by=row["proposal_id"],
        memo=effect.memo,
        why={"decision": row["proposal_id"]},
    )
    return ""


# --- the settlement's bounties phase ----------------------------------------------------------


def _count(state: State, commons_id: str, delta: int) -> None:
    held = state.get(bounty_counts, (commons_id,))
    count = 0 if held is None else int(held["open"])
    state.put(bounty_counts, {"commons_id": commons_id, "open": count + delta})


def _open_count(state: State, commons_id: str) -> int:
    held = state.get(bounty_counts, (commons_id,))
    return 0 if held is None else int(held["open"])


def _due(state: State, commons_id: str, day: str, task: str, why: str, noted: str) -> None:
    row = {"commons_id": commons_id, "day": day, "task": task, "why": why, "noted_on": noted}
    state.put(bounty_due, row)


def settle_bounties(state: State, commons_id: str, day: str) -> None:
    """The ``bounties`` phase of a finished day: note work accepted on it for open bounties,
    pay the bounties whose work's dispute window ended, refund the expired ones."""
    if _open_count(state, commons_id) == 0:
        return
    window = governance_now(state, commons_id).arbitration.dispute_days
    _note_accepted(state, commons_id, day, window)
    for row in state.scan(bounty_due, (commons_id, day)):
        bounty = state.get(bounties, (commons_id, row["task"]))
        if bounty is None or bounty["status"] != "open":
            continue
        if (row["why"] == "payment" or bounty["due_on"] == day) and _pay(
            state, bounty, day, window
        ):
            continue
        bounty = state.get(bounties, (commons_id, row["task"]))
        if bounty is not None and bounty["due_on"] is None and bounty["expires_on"] <= day:
            _refund(state, bounty, day)  # expired with no accepted work (left)


def _note_accepted(state: State, commons_id: str, day: str, window: int) -> None:
    for item in state.scan(settle_agenda, (commons_id, day)):
        status = state.get(contribution_status, (commons_id, int(item["seq"])))
        if status is None or status["task"] is None or status["status"] != "accepted":
            continue
        if status["accepted_on"] != day:
            continue
        bounty = state.get(bounties, (commons_id, status["task"]))
        if bounty is None or bounty["status"] != "open":
            continue
        state.put(
            bounty_work,
            {
                "commons_id": commons_id,
                "task": status["task"],
                "seq": int(status["seq"]),
                "accepted_on": day,
                "offer_txn": bounty["offer_txn"],
            },
        )
        if bounty["due_on"] is None:
            due = add_days(day, window)
            state.put(bounties, {**bounty, "due_on": due})
            _due(state, commons_id, due, status["task"], "payment", day)


def _pay(state: State, bounty: Row, day: str, window: int) -> bool:
    """Pay the escrow to the authors of the work noted for this bounty whose dispute window has
    passed, that is still accepted (a verdict may have revoked it) and has no case still open
    (it waits for the verdict). False if none is ripe yet: the first day one may be goes on the
    due list (or none, and the bounty waits for new work, or its expiry)."""
    commons_id, task = bounty["commons_id"], bounty["task"]
    weights: dict[str, int] = {}
    waiting: list[str] = []
    for work in state.scan(bounty_work, (commons_id, task)):
        if work["offer_txn"] != bounty["offer_txn"]:
            continue  # noted for an earlier bounty on the task (paid or refunded)
        status = state.get(contribution_status, (commons_id, int(work["seq"])))
        if status is None or status["status"] != "accepted":
            continue
        ripe = add_days(status["accepted_on"], window)
        if ripe > day:
            waiting.append(ripe)  # (re-accepted by a verdict since: a later day)
            continue
        if _case_open(state, commons_id, int(work["seq"]), day):
            waiting.append(add_days(day, 1))
            continue
        points = int(status["points_milli"] or 0)
        for member, part in split(max(points, 1), authors(status)):
            weights[member] = weights.get(member, 0) + part
    positive = sorted((member, weight) for member, weight in weights.items() if weight > 0)
    if not positive:
        due = min(waiting) if waiting else None
        state.put(bounties, {**bounty, "due_on": due})
        if due is not None:
            _due(state, commons_id, due, task, "payment", day)
        return False
    amount, currency = int(bounty["amount_minor"]), bounty["currency"]
    shares = largest_remainder(amount, positive)
    lines = [Line(f"escrow:{task}", currency, -amount)] + [
        Line(f"payable:{share.recipient}", currency, share.amount)
        for share in shares
        if share.amount
    ]
    _close(state, bounty, day, "paid", lines, {"task": task, "bounty": "paid", "on": day})
    return True


def _case_open(state: State, commons_id: str, seq: int, day: str) -> bool:
    """Whether the work has an arbitration case not settled yet: being arbitrated, or decided
    by a panel and still open to appeal."""
    held = state.get(subject_cases, (commons_id, seq))
    if held is None:
        return False
    case = state.get(cases, (commons_id, held["case_id"]))
    if case is None or case["status"] in ("appealed", "answered"):
        return False
    if case["status"] != "decided" or case["decided_at"] is None:
        return True
    appeal_days = governance_now(state, commons_id).arbitration.appeal_days
    return add_days(case["decided_at"][:10], appeal_days) > day


def _refund(state: State, bounty: Row, day: str) -> None:
    task, currency, amount = bounty["task"], bounty["currency"], int(bounty["amount_minor"])
    lines = [Line(f"escrow:{task}", currency, -amount), Line("treasury", currency, amount)]
    _close(state, bounty, day, "refunded", lines, {"task": task, "bounty": "expired", "on": day})


def _close(
    state: State, bounty: Row, day: str, status: str, lines: Sequence[Line], why: dict[str, Any]
) -> None:
    commons_id = bounty["commons_id"]
    txn_id = f"{bounty['offer_txn'][:64]}:{status}"
    at = f"{day}T23:59:59.999Z"  # the end of the day it was settled for
    post(
        state,
        commons_id,
        txn_id,
        seq=0,
        at=at,
        kind=f"bounty_{status}",
        memo="",
        by="settlement",
        lines=lines,
        why=why,
    )
    state.put(bounties, {**bounty, "status": status, "closed_at": at, "close_txn": txn_id})
    _count(state, commons_id, -1)


def _reads(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [(tasks, (commons_id, body.task)), (bounties, (commons_id, body.task))]


ACTIONS = (
    ActionSpec(
        type="economy.bounty.offer",
        summary="As the treasurer, escrow a bounty for an open task within the charter's monthly "
        "bounty budget (treasury → escrow): paid to the accepted work once its dispute window "
        "passed, refunded at expiry",
        body=OfferBody,
        check=check_offer,
        apply=apply_offer,
        reads=_reads,
    ),
)
