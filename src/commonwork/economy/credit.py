"""Mutual credit: a community currency issued by its members to each other, zero-sum.

A community currency (declared by decision) becomes a credit circle once a decision sets its
policy (the effect ``credit_policy``): each member's limit — how far below zero they may go —
is a base amount plus an amount per point of settled standing (optional), and a balance may be
capped. Members join the circle; a payment is signed by the payer, or a bill by the payee and
accepted by the payer. Every payment moves ``credit:<payer> → credit:<payee>``, so the circle's
balances sum to zero after every entry (the books' rule, and the database's trigger). A payment
that would take the payer below their limit at that moment, or the payee above the cap, is
refused; a later, lower limit never re-judges a balance already reached: it only stops further
spending.

Leaving: a member leaves the circle with a zero balance only. Anyone may always leave the
commons; the charter (``economy.credit_exit``) says what happens to the balance of a member who
leaves the commons with one: ``frozen`` (the account stays as it is, nobody pays it or is paid
from it), ``deposit`` (frozen, until the treasurer records that a deposit settled it: the circle
takes the balance over, on its ``circle`` account) or ``write_off`` (the circle's other active
members share it at once, largest remainder, ties by did).
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from commonwork.commons.actions import LEAVE, active_member, commons_row
from commonwork.commons.charter_economy import CurrencyCode, economy_of
from commonwork.economy.books import (
    Amount,
    IdempotencyKey,
    Line,
    Memo,
    balance,
    check_key,
    check_lines,
    check_treasurer,
    post,
    post_entry,
)
from commonwork.economy.currencies import MAX_MINOR
from commonwork.economy.organisations import Did, EntryId
from commonwork.economy.split import largest_remainder
from commonwork.economy.tables import (
    book_balances,
    credit_bills,
    credit_members,
    credit_policies,
    currencies,
)
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.standing.decay import decayed
from commonwork.standing.settle import days_between, policies_in_force
from commonwork.standing.tables import member_standing


class PolicyEffect(BaseModel):
    """Make a community currency a credit circle, or change its limits (from the close on)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["credit_policy"]
    currency: CurrencyCode
    limit_minor: int = Field(ge=0, le=MAX_MINOR)
    per_point_minor: int = Field(default=0, ge=0, le=10**9)
    max_balance_minor: int | None = Field(default=None, ge=1, le=MAX_MINOR)


class CircleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: CurrencyCode


class PayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    to: Did
    amount_minor: Amount
    currency: CurrencyCode
    memo: Memo = ""


class BillBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payer: Did
    amount_minor: Amount
    currency: CurrencyCode
    memo: Memo = ""


class AnswerBillBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill: EntryId
    answer: Literal["accept", "decline"]


class OffsetBody(BaseModel):
    """The treasurer records that a deposit settled a departed member's frozen balance."""

    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    member: Did
    currency: CurrencyCode
    reference: str = Field(min_length=1, max_length=200)


# --- limits ----------------------------------------------------------------------------------


def policy_row(state: State, commons_id: str, currency: str) -> Row:
    row = state.get(credit_policies, (commons_id, currency))
    if row is None:
        raise NotFound(
            f"{currency} has no credit circle in this commons (a decision sets its policy: "
            "the effect credit_policy)"
        )
    return row


def limit_of(state: State, commons_id: str, member: str, policy: Row, at: str) -> int:
    """How far below zero ``member`` may go now: the base, plus the amount per point of their
    settled standing as of today (decayed to today, like every standing figure)."""
    limit = int(policy["limit_minor"])
    per_point = int(policy["per_point_minor"])
    if not per_point:
        return limit
    row = state.get(member_standing, (commons_id, member))
    policies = policies_in_force(state, commons_id)
    if row is None or policies is None:
        return limit
    day = at[:10]
    milli = decayed(
        int(row["amount_milli"]),
        max(0, days_between(row["day"], day)),
        policies.standing.half_life_days,
    )
    return limit + per_point * max(milli, 0) // 1000


def _in_circle(state: State, commons_id: str, currency: str, member: str) -> Row:
    row = state.get(credit_members, (commons_id, currency, member))
    if row is None or row["status"] != "active":
        state_text = "has not joined" if row is None else f"is {row['status']} in"
        raise NotAllowed(
            f"{member} {state_text} the {currency} circle", reason="not_in_circle", member=member
        )
    return row


def check_transfer(
    state: State, commons_id: str, payer: str, payee: str, currency: str, amount: int, at: str
) -> list[Line]:
    """The lines of a payment in the circle, checked against the limits in force now."""
    policy = policy_row(state, commons_id, currency)
    if payer == payee:
        raise InvalidAction("a payment goes to someone else")
    _in_circle(state, commons_id, currency, payer)
    _in_circle(state, commons_id, currency, payee)
    held = balance(state, commons_id, f"credit:{payer}", currency)
    limit = limit_of(state, commons_id, payer, policy, at)
    if held - amount < -limit:
        raise NotAllowed(
            f"this would take you to {held - amount} {currency} (minor units), below your "
            f"limit of -{limit}",
            reason="over_limit",
            balance=held,
            limit=limit,
        )
    cap = policy["max_balance_minor"]
    if cap is not None and balance(state, commons_id, f"credit:{payee}", currency) + amount > cap:
        raise NotAllowed(
            f"this would take {payee} above the circle's cap of {cap}", reason="over_cap"
        )
    lines = [
        Line(f"credit:{payer}", currency, -amount),
        Line(f"credit:{payee}", currency, amount),
    ]
    check_lines(state, commons_id, lines)
    return lines


# --- joining and leaving ---------------------------------------------------------------------


def check_join(state: State, ctx: Context) -> None:
    body: CircleBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    policy_row(state, ctx.commons_id, body.currency)
    held = state.get(credit_members, (ctx.commons_id, body.currency, ctx.author))
    if held is not None and held["status"] == "active":
        raise AlreadyDone(f"you are in the {body.currency} circle already", reason="joined")
    if held is not None and held["status"] == "frozen":
        raise NotAllowed("your account in this circle is frozen", reason="frozen")


def apply_join(state: State, ctx: Context) -> None:
    body: CircleBody = ctx.body
    state.put(
        credit_members,
        {
            "commons_id": ctx.commons_id,
            "currency": body.currency,
            "member": ctx.author,
            "status": "active",
            "joined_at": ctx.entry.recorded_at,
            "left_at": None,
        },
    )


def check_leave(state: State, ctx: Context) -> None:
    body: CircleBody = ctx.body
    _in_circle(state, ctx.commons_id, body.currency, ctx.author)
    held = balance(state, ctx.commons_id, f"credit:{ctx.author}", body.currency)
    if held:
        raise NotAllowed(
            f"you leave the circle with a zero balance; yours is {held} {body.currency} (minor "
            "units): pay or be paid first",
            reason="balance_not_zero",
            balance=held,
        )


def apply_leave(state: State, ctx: Context) -> None:
    body: CircleBody = ctx.body
    row = state.get(credit_members, (ctx.commons_id, body.currency, ctx.author))
    if row is not None:
        state.put(credit_members, {**row, "status": "left", "left_at": ctx.entry.recorded_at})


# --- payments and bills ----------------------------------------------------------------------


def check_pay(state: State, ctx: Context) -> None:
    body: PayBody = ctx.body
    check_key(state, ctx, body.key)
    check_transfer(
        state, ctx.commons_id, ctx.author, body.to, body.currency, body.amount_minor,
        ctx.entry.recorded_at,
    )  # fmt: skip


def apply_pay(state: State, ctx: Context) -> None:
    body: PayBody = ctx.body
    lines = [
        Line(f"credit:{ctx.author}", body.currency, -body.amount_minor),
        Line(f"credit:{body.to}", body.currency, body.amount_minor),
    ]
    post_entry(
        state,
        ctx,
        kind="credit",
        memo=body.memo,
        lines=lines,
        why={"payer": ctx.author, "payee": body.to},
        key=body.key,
    )


def check_bill(state: State, ctx: Context) -> None:
    body: BillBody = ctx.body
    policy_row(state, ctx.commons_id, body.currency)
    if body.payer == ctx.author:
        raise InvalidAction("a bill goes to someone else")
    _in_circle(state, ctx.commons_id, body.currency, ctx.author)
    _in_circle(state, ctx.commons_id, body.currency, body.payer)


def apply_bill(state: State, ctx: Context) -> None:
    body: BillBody = ctx.body
    state.insert(
        credit_bills,
        {
            "commons_id": ctx.commons_id,
            "bill_id": ctx.entry.id,
            "currency": body.currency,
            "payee": ctx.author,
            "payer": body.payer,
            "amount_minor": body.amount_minor,
            "memo": body.memo,
            "status": "open",
            "sent_at": ctx.entry.recorded_at,
            "answered_at": None,
            "txn_id": None,
        },
    )


def _bill(state: State, commons_id: str, bill_id: str) -> Row:
    row = state.get(credit_bills, (commons_id, bill_id))
    if row is None:
        raise NotFound(f"there is no bill {bill_id} in this commons")
    return row


def check_answer_bill(state: State, ctx: Context) -> None:
    body: AnswerBillBody = ctx.body
    row = _bill(state, ctx.commons_id, body.bill)
    if row["payer"] != ctx.author:
        raise NotAllowed("only the member billed answers a bill", reason="not_the_payer")
    if row["status"] != "open":
        raise AlreadyDone(f"this bill is {row['status']} already", reason="answered")
    if body.answer == "accept":
        check_transfer(
            state, ctx.commons_id, row["payer"], row["payee"], row["currency"],
            int(row["amount_minor"]), ctx.entry.recorded_at,
        )  # fmt: skip


def apply_answer_bill(state: State, ctx: Context) -> None:
    body: AnswerBillBody = ctx.body
    row = _bill(state, ctx.commons_id, body.bill)
    answered: dict[str, Any] = {"answered_at": ctx.entry.recorded_at}
    if body.answer == "decline":
        state.put(credit_bills, {**row, **answered, "status": "declined"})
        return
    amount, currency = int(row["amount_minor"]), row["currency"]
    post_entry(
        state,
        ctx,
        kind="credit",
        memo=row["memo"],
        lines=[
            Line(f"credit:{row['payer']}", currency, -amount),
            Line(f"credit:{row['payee']}", currency, amount),
        ],
        why={"payer": row["payer"], "payee": row["payee"], "bill": body.bill},
    )
    state.put(credit_bills, {**row, **answered, "status": "paid", "txn_id": ctx.entry.id})


# --- a member who leaves the commons ---------------------------------------------------------


def after_entry(state: State, ctx: Context) -> None:
    """When a member leaves the commons, apply the charter's rule to each circle balance they
    hold (one read of the circles they are in, only on a leave)."""
    if ctx.entry.type != LEAVE:
        return
    economy = economy_of(orjson.loads(commons_row(state, ctx.commons_id)["charter"]))
    for currency in _circles(state, ctx.commons_id):
        row = state.get(credit_members, (ctx.commons_id, currency, ctx.author))
        if row is None or row["status"] != "active":
            continue
        held = balance(state, ctx.commons_id, f"credit:{ctx.author}", currency)
        gone = {"left_at": ctx.entry.recorded_at}
        if not held:
            state.put(credit_members, {**row, **gone, "status": "left"})
            continue
        if economy.credit_exit == "write_off":
            _write_off(state, ctx, currency, held)
            state.put(credit_members, {**row, **gone, "status": "left"})  # nothing left owed
            continue
        state.put(credit_members, {**row, **gone, "status": "frozen"})


def _circles(state: State, commons_id: str) -> list[str]:
    return [
        row["code"]
        for row in state.scan_commons(currencies, commons_id)
        if row["kind"] == "community"
        and state.get(credit_policies, (commons_id, row["code"])) is not None
    ]


def _write_off(state: State, ctx: Context, currency: str, held: int) -> None:
    """The leaver's balance, shared by the circle's active members (largest remainder)."""
    others = [
        row["member"]
        for row in state.scan(credit_members, (ctx.commons_id, currency))
        if row["status"] == "active" and row["member"] != ctx.author
    ]
    account = f"credit:{ctx.author}"
    if not others:
        lines = [Line(account, currency, -held), Line("circle", currency, held)]
    else:
        shares = largest_remainder(abs(held), [(member, 1) for member in sorted(others)])
        sign = 1 if held > 0 else -1
        lines = [Line(account, currency, -held)] + [
            Line(f"credit:{s.recipient}", currency, sign * s.amount) for s in shares if s.amount
        ]
    post(
        state,
        ctx.commons_id,
        f"{ctx.entry.id}:off_{currency.lower()}",
        seq=ctx.entry.seq,
        at=ctx.entry.recorded_at,
        kind="write_off",
        memo=f"the balance of a member who left the commons, shared by the {currency} circle",
        by="charter",
        lines=lines,
        why={"left": ctx.author, "rule": "write_off"},
    )


def check_offset(state: State, ctx: Context) -> None:
    body: OffsetBody = ctx.body
    check_treasurer(state, ctx)
    check_key(state, ctx, body.key)
    row = state.get(credit_members, (ctx.commons_id, body.currency, body.member))
    if row is None or row["status"] != "frozen":
        raise NotAllowed(f"{body.member} has no frozen balance in {body.currency}")
    if not balance(state, ctx.commons_id, f"credit:{body.member}", body.currency):
        raise AlreadyDone("that balance is settled already", reason="settled")


def apply_offset(state: State, ctx: Context) -> None:
    body: OffsetBody = ctx.body
    account = f"credit:{body.member}"
    held = balance(state, ctx.commons_id, account, body.currency)
    post_entry(
        state,
        ctx,
        kind="offset",
        memo="a departed member's balance, settled by a deposit",
        lines=[Line(account, body.currency, -held), Line("circle", body.currency, held)],
        why={"member": body.member, "reference": body.reference},
        key=body.key,
    )
    row = state.get(credit_members, (ctx.commons_id, body.currency, body.member))
    if row is not None:  # settled: they may join the circle again if they come back
        state.put(credit_members, {**row, "status": "left"})


# --- the policy, by decision -----------------------------------------------------------------


def check_policy(state: State, commons_id: str, effect: PolicyEffect, at: str) -> None:
    held = state.get(currencies, (commons_id, effect.currency))
    if held is None or held["kind"] != "community":
        raise InvalidAction(
            f"{effect.currency} is not a community currency of this commons: a credit circle "
            "is in the commons' own currency (declare it by decision first)"
        )
    if state.get(credit_policies, (commons_id, effect.currency)) is None:
        # A new circle: the currency must not be held anywhere yet (a circle's money is
        # only ever its members' credit). One read of the balances: a decision is rare.
        for row in state.scan_commons(book_balances, commons_id):
            if row["currency"] == effect.currency and int(row["amount_minor"]):
                raise NotAllowed(
                    f"{row['account']} holds {effect.currency} already: a credit circle's "
                    "currency is held by its members' credit accounts only",
                    reason="currency_in_use",
                )


def apply_policy(
    state: State, commons_id: str, effect: PolicyEffect, proposal_id: str, at: str
) -> None:
    state.put(
        credit_policies,
        {
            "commons_id": commons_id,
            "currency": effect.currency,
            "limit_minor": effect.limit_minor,
            "per_point_minor": effect.per_point_minor,
            "max_balance_minor": effect.max_balance_minor,
            "decided_by": proposal_id,
            "decided_at": at,
        },
    )


def _reads_circle(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [
        (credit_policies, (commons_id, body.currency)),
        (credit_members, (commons_id, body.currency, author)),
    ]


ACTIONS = (
    ActionSpec(
        type="economy.credit.join",
        summary="Join a community currency's mutual-credit circle",
        body=CircleBody,
        check=check_join,
        apply=apply_join,
        reads=_reads_circle,
    ),
    ActionSpec(
        type="economy.credit.leave",
        summary="Leave a mutual-credit circle (with a zero balance)",
        body=CircleBody,
        check=check_leave,
        apply=apply_leave,
        reads=_reads_circle,
    ),
    ActionSpec(
        type="economy.credit.pay",
        summary="Pay another member of a mutual-credit circle, within your limit",
        body=PayBody,
        check=check_pay,
        apply=apply_pay,
        reads=_reads_circle,
    ),
    ActionSpec(
        type="economy.credit.bill",
        summary="Bill another member of a mutual-credit circle: they accept (and pay) or decline",
        body=BillBody,
        check=check_bill,
        apply=apply_bill,
        reads=_reads_circle,
    ),
    ActionSpec(
        type="economy.credit.answer",
        summary="Accept (and pay, within your limit) or decline a bill sent to you",
        body=AnswerBillBody,
        check=check_answer_bill,
        apply=apply_answer_bill,
    ),
    ActionSpec(
        type="economy.credit.offset",
        summary="As the treasurer, record that a deposit settled the frozen balance of a member "
        "who left the commons (the circle's own account takes it over)",
        body=OffsetBody,
        check=check_offset,
        apply=apply_offset,
    ),
)
