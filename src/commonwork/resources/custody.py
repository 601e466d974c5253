"""Custody: a resource checked out and back in, with a report on its condition each time; a
late return (checked in after its end and buffer, in journal time); a damage report that opens
a maintenance block; the fee and deposit, the deposit held in escrow and released or kept by
the custodian's report; a disputed report decided by arbitration; and the lender credited with
a ``resource_use`` contribution that the check-in is the evidence for.

Money moves in the resource's currency. A mutual-credit currency moves between members' credit
accounts (the borrower's limit applies) and the escrow; a currency of the world comes from and
goes back to ``outside`` (the custodian took and returns it), and what is kept is owed to the
owner (``payable:``), or the treasury's for the commons' own.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_resources import resources_of
from commonwork.economy.books import Line, balance, check_lines, post
from commonwork.economy.credit import limit_of, policy_row
from commonwork.economy.currencies import MAX_MINOR
from commonwork.economy.tables import credit_members, credit_policies
from commonwork.errors import InvalidAction, NotAllowed, RuleViolation
from commonwork.governance.arbitration import open_case
from commonwork.governance.clock import later, reschedule, text_of
from commonwork.journal.area import CaseSubject
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.contributions import new_status
from commonwork.production.tables import contribution_status, contributions, settle_agenda
from commonwork.resources import spans
from commonwork.resources.bookings import block_start, booking_row, offer_freed, place_block
from commonwork.resources.inventory import (
    EntryId,
    Photo,
    may_manage,
    minutes_text,
    now_minutes,
    resource_row,
    rules_of,
)
from commonwork.resources.tables import bookings, resources
from commonwork.standing.settle import milli_text, policies_in_force

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]

#: What a deposit's kept part waiting out the dispute window is called on governance's clock.
RELEASE_DUE = "release"
#: The kind of an arbitration case about a custodian's report.
CASE_KIND = "custody"
#: How long before its start a booking may be checked out (minutes).
EARLY_MINUTES = 60


class OutBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    booking: EntryId
    condition: Text = ""
    photos: list[Photo] = Field(default_factory=list, max_length=20)


class InBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    booking: EntryId
    condition: Text = ""
    photos: list[Photo] = Field(default_factory=list, max_length=20)
    #: What is broken or missing: opens a maintenance block (the resource's damage_block_days).
    damage: Text = ""
    #: Of the deposit, what the report keeps (minor units), for damage or a late return.
    keep: int = Field(default=0, ge=0, le=MAX_MINOR)


class DisputeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    booking: EntryId
    reason: Reason


# --- accounts --------------------------------------------------------------------------------


def _in_circle(state: State, commons_id: str, currency: str) -> bool:
    return state.get(credit_policies, (commons_id, currency)) is not None


def borrower_account(state: State, commons_id: str, currency: str, member: str) -> str:
    return f"credit:{member}" if _in_circle(state, commons_id, currency) else "outside"


def owner_account(state: State, commons_id: str, currency: str, resource: Row) -> str:
    """Where a fee and a kept deposit go: in a circle the owner's credit account if they are
    in it (else the circle's own), else what the commons owes them (the treasury for its own)."""
    if _in_circle(state, commons_id, currency):
        owner = resource["owner"]
        joined = None if owner is None else state.get(credit_members, (commons_id, currency, owner))
        in_it = joined is not None and joined["status"] == "active"
        return f"credit:{owner}" if in_it else "circle"
    if resource["owner_kind"] == "commons":
        return "treasury"
    return f"payable:{resource['owner']}"


def escrow_account(booking_id: str) -> str:
    return f"escrow:{booking_id}"


def _owes_nothing(booking: Row, resource: Row) -> bool:
    """A member booking their own tool pays no fee and leaves no deposit."""
    return bool(resource["owner_kind"] == "member" and booking["member"] == resource["owner"])


def _out_lines(state: State, commons_id: str, booking: Row, resource: Row) -> list[Line]:
    currency, fee, deposit = (
        booking["currency"],
        int(booking["fee_minor"]),
        int(booking["deposit_minor"]),
    )
    if currency is None or _owes_nothing(booking, resource) or fee + deposit == 0:
        return []
    payer = borrower_account(state, commons_id, currency, booking["member"])
    lines = [Line(payer, currency, -(fee + deposit))]
    if fee:
        lines.append(Line(owner_account(state, commons_id, currency, resource), currency, fee))
    if deposit:
        lines.append(Line(escrow_account(booking["booking_id"]), currency, deposit))
    return lines


def _check_borrower(state: State, ctx: Context, booking: Row, lines: list[Line]) -> None:
    """The borrower may pay: in a circle, a member of it within their limit."""
    if not lines or not lines[0].account.startswith("credit:"):
        return
    currency, member, amount = lines[0].currency, booking["member"], -lines[0].amount
    joined = state.get(credit_members, (ctx.commons_id, currency, member))
    if joined is None or joined["status"] != "active":
        raise NotAllowed(
            f"this resource's fee and deposit are in {currency}: join its circle first "
            "(economy.circle.join)",
            reason="not_in_circle",
        )
    policy = policy_row(state, ctx.commons_id, currency)
    held = balance(state, ctx.commons_id, f"credit:{member}", currency)
    limit = limit_of(state, ctx.commons_id, member, policy, ctx.entry.recorded_at)
    if held - amount < -limit:
        raise NotAllowed(
            f"the fee and deposit ({amount} minor units of {currency}) would take you to "
            f"{held - amount}, below your limit of -{limit}",
            reason="over_limit",
        )


def _post(
    state: State, ctx: Context, txn: str, kind: str, lines: list[Line], why: dict[str, Any]
) -> None:
    if not lines:
        return
    post(
        state,
        ctx.commons_id,
        txn,
        seq=ctx.entry.seq,
        at=ctx.entry.recorded_at,
        kind=kind,
        memo="",
        by=ctx.author,
        lines=lines,
        why=why,
    )


# --- check-out -------------------------------------------------------------------------------


def check_out(state: State, ctx: Context) -> None:
    body: OutBody = ctx.body
    booking = booking_row(state, ctx.commons_id, body.booking)
    resource = resource_row(state, ctx.commons_id, booking["resource"])
    if booking["kind"] != "booking" or booking["status"] != "booked":
        what = {"offer": "a slot offered, not yet taken", "block": "a maintenance block"}
        raise InvalidAction(
            f"this is {what.get(booking['kind'], 'a booking ' + booking['status'])}: only a "
            "booking not yet checked out is checked out",
            reason=f"booking_{booking['status']}",
        )
    keeper = may_manage(state, ctx.commons_id, resource, ctx.author)
    if ctx.author != booking["member"] and not keeper:
        raise NotAllowed(
            "the borrower or the resource's custodian records the check-out", reason="not_yours"
        )
    now = now_minutes(ctx.entry.recorded_at)
    if now < int(booking["start_min"]) - EARLY_MINUTES or now >= int(booking["end_min"]):
        raise InvalidAction(
            f"this booking runs {minutes_text(booking['start_min'])} to "
            f"{minutes_text(booking['end_min'])}: it is checked out from {EARLY_MINUTES} minutes "
            "before its start until its end",
            reason="not_now",
        )
    lines = _out_lines(state, ctx.commons_id, booking, resource)
    if lines and lines[0].account.startswith("credit:") and ctx.author != booking["member"]:
        raise NotAllowed(
            "the fee and deposit come from the borrower's credit account: the borrower signs "
            "the check-out",
            reason="borrower_signs",
        )
    if lines and lines[0].account == "outside" and not keeper:
        raise NotAllowed(
            f"the fee and deposit are paid in {lines[0].currency}, to the resource's custodian: "
            "the custodian who takes them signs the check-out",
            reason="custodian_signs",
        )
    _check_borrower(state, ctx, booking, lines)
    if lines:
        check_lines(state, ctx.commons_id, lines)


def apply_out(state: State, ctx: Context) -> None:
    body: OutBody = ctx.body
    booking = booking_row(state, ctx.commons_id, body.booking)
    resource = resource_row(state, ctx.commons_id, booking["resource"])
    lines = _out_lines(state, ctx.commons_id, booking, resource)
    why = {
        "booking": booking["booking_id"],
        "resource": booking["resource"],
        "member": booking["member"],
    }
    _post(state, ctx, ctx.entry.id, "deposit", lines, why)
    report = {
        "condition": body.condition,
        "photos": [p.model_dump(exclude_none=True) for p in body.photos],
    }
    state.put(
        bookings,
        {
            **booking,
            "status": "out",
            "changed_at": ctx.entry.recorded_at,
            "out_at": ctx.entry.recorded_at,
            "out_report": text_of(report),
            "paid_from": lines[0].account if lines else None,
            "kept_to": None
            if not lines
            else owner_account(state, ctx.commons_id, lines[0].currency, resource),
            "deposit_state": "held"
            if any(line.account.startswith("escrow:") for line in lines)
            else "none",
        },
    )


# --- check-in --------------------------------------------------------------------------------


def check_in(state: State, ctx: Context) -> None:
    body: InBody = ctx.body
    booking = booking_row(state, ctx.commons_id, body.booking)
    resource = resource_row(state, ctx.commons_id, booking["resource"])
    if booking["status"] != "out":
        raise InvalidAction(
            f"this booking is {booking['status']}: only a booking checked out is checked in",
            reason=f"booking_{booking['status']}",
        )
    if not may_manage(state, ctx.commons_id, resource, ctx.author):
        raise NotAllowed(
            "the resource's custodian (or its owner) checks it in and reports on it",
            reason="not_keeper",
        )
    if ctx.author == booking["member"] and not _owes_nothing(booking, resource):
        raise NotAllowed(
            "a borrower does not report on their own return: the resource's custodian does",
            reason="own_return",
        )
    held = int(booking["deposit_minor"]) if booking["deposit_state"] == "held" else 0
    if body.keep > held:
        raise InvalidAction(
            f"the report keeps {body.keep} minor units; the deposit held is {held}",
            reason="keeps_too_much",
        )
    late = now_minutes(ctx.entry.recorded_at) >= int(booking["hi"])
    if body.keep and not body.damage and not late:
        raise InvalidAction(
            "a report keeps part of a deposit for damage (say what) or a late return",
            reason="keep_without_cause",
        )


def apply_in(state: State, ctx: Context) -> None:
    body: InBody = ctx.body
    commons_id, at = ctx.commons_id, ctx.entry.recorded_at
    booking = dict(booking_row(state, commons_id, body.booking))
    resource = dict(resource_row(state, commons_id, booking["resource"]))
    rules = rules_of(resource)
    charter = resources_of(orjson.loads(commons_row(state, commons_id)["charter"]))
    now = now_minutes(at)
    booking.update(
        status="returned",
        changed_at=at,
        in_at=at,
        late=1 if now >= int(booking["hi"]) else 0,
        in_report=text_of(
            {
                "condition": body.condition,
                "photos": [p.model_dump(exclude_none=True) for p in body.photos],
                "damage": body.damage,
            }
        ),
        kept_minor=body.keep,
        release_at=later(at, 24 * charter.dispute_days),
    )
    booking["in_by"] = ctx.author
    _settle_deposit(state, ctx, booking, resource, body.keep, charter.dispute_days)
    booking["contribution"] = _credit_use(state, ctx, booking, resource, charter.credit_to)
    held = (int(booking["lo"]), int(booking["hi"]), str(booking["booking_id"]))
    # the buffer after a return gives way to a damage block, which starts at the return
    back_early = max(held[0] + 1, now + (0 if body.damage else rules.buffer_minutes))
    if back_early < held[1]:  # back early: the rest of its time is free again
        spans.free(state, commons_id, booking["resource"], held)
        booking["hi"] = back_early
        spans.hold(state, commons_id, booking["resource"], (held[0], back_early, held[2]))
    state.put(bookings, booking)
    if body.damage:  # blocked first: the waiting list is offered only what the block leaves
        length = rules.damage_block_days * spans.DAY
        wanted = max(now, min(back_early, held[1]))
        start = block_start(state, commons_id, booking["resource"], wanted, length)
        booking["block"] = place_block(
            state, ctx, booking["resource"], start, start + length, f"damage: {body.damage}"
        )
        state.put(bookings, booking)
    if back_early < held[1]:
        offer_freed(state, commons_id, booking["resource"], back_early, held[1], at)
    resource.update(completed=int(resource["completed"]) + 1, updated_at=at)
    if body.condition:
        resource["condition"] = body.condition
    state.put(resources, resource)


def _settle_deposit(
    state: State, ctx: Context, booking: dict[str, Any], resource: Row, keep: int, dispute_days: int
) -> None:
    """Release the deposit but what the report keeps; the kept part waits out the dispute
    window in escrow (moved at once when the charter allows no disputes)."""
    if booking["deposit_state"] != "held":
        return
    currency, deposit = str(booking["currency"]), int(booking["deposit_minor"])
    escrow = escrow_account(booking["booking_id"])
    back = str(booking["paid_from"])
    why = {
        "booking": booking["booking_id"],
        "resource": booking["resource"],
        "member": booking["member"],
    }
    if deposit - keep:
        _post(
            state,
            ctx,
            ctx.entry.id,
            "deposit_back",
            [Line(escrow, currency, -(deposit - keep)), Line(back, currency, deposit - keep)],
            why,
        )
    if not keep:
        booking["deposit_state"] = "settled"
        return
    if dispute_days == 0:
        _move_kept(
            state,
            ctx.commons_id,
            booking,
            resource,
            "owner",
            ctx.entry.id + ":kept",
            ctx.entry.seq,
            ctx.entry.recorded_at,
            ctx.author,
        )
        booking["deposit_state"] = "settled"
        return
    reschedule(state, ctx.commons_id, booking["booking_id"], [[booking["release_at"], RELEASE_DUE]])


def _move_kept(
    state: State,
    commons_id: str,
    booking: dict[str, Any],
    resource: Row,
    to: str,
    txn: str,
    seq: int,
    at: str,
    by: str,
) -> None:
    """Move the kept part of the deposit out of escrow, to the owner or back to the borrower."""
    currency, kept = str(booking["currency"]), int(booking["kept_minor"])
    escrow = escrow_account(booking["booking_id"])
    target = str(booking["kept_to"] if to == "owner" else booking["paid_from"])
    lines = [Line(escrow, currency, -kept), Line(target, currency, kept)]
    why = {
        "booking": booking["booking_id"],
        "resource": booking["resource"],
        "member": booking["member"],
        "to": to,
    }
    post(
        state,
        commons_id,
        txn,
        seq=seq,
        at=at,
        kind="deposit_kept" if to == "owner" else "deposit_back",
        memo="",
        by=by,
        lines=lines,
        why=why,
    )


def release_due(state: State, commons_id: str, booking_id: str, at: str) -> None:
    """The dispute window of a report that keeps part of a deposit ended undisputed: the kept
    part goes to the owner."""
    booking = state.get(bookings, (commons_id, booking_id))
    if booking is None or booking["deposit_state"] != "held":
        return
    resource = resource_row(state, commons_id, booking["resource"])
    row = dict(booking)
    _move_kept(
        state,
        commons_id,
        row,
        resource,
        "owner",
        f"{booking_id}:kept",
        int(booking["seq"]),
        at,
        str(resource["custodian"]),
    )
    state.put(bookings, {**row, "deposit_state": "settled"})
    reschedule(state, commons_id, booking_id, [])


# --- use credited ----------------------------------------------------------------------------


def _lender(resource: Row, credit_to: str) -> str | None:
    if resource["owner_kind"] == "member":
        return str(resource["owner"])
    return str(resource["custodian"]) if credit_to == "custodian" else None


def _credit_use(
    state: State, ctx: Context, booking: dict[str, Any], resource: Row, credit_to: str
) -> str | None:
    """The lender's ``resource_use`` contribution for the booked hours, recorded by the check-in
    and accepted at the settlement of its day on the check-in's evidence (no approvals needed);
    none for a member's use of their own tool, or without a settlement engine."""
    lender = _lender(resource, credit_to)
    if lender is None or lender == booking["member"]:
        return None
    if policies_in_force(state, ctx.commons_id) is None:
        return None
    # the time it was held — from the check-out to the return, at most the time booked — and
    # not the time booked: an early return earns what it used
    booked = int(booking["end_min"]) - int(booking["start_min"])
    minutes = min(booked, now_minutes(ctx.entry.recorded_at) - now_minutes(str(booking["out_at"])))
    if minutes <= 0:
        return None
    record = {
        "commons_id": ctx.commons_id,
        "contribution_id": ctx.entry.id,
        "seq": ctx.entry.seq,
        "contributor": lender,
        "kind": "resource_use",
        "quantity": milli_text(minutes * 1000 // 60),
        "unit": "hours",
        "description": f"{resource['name']} lent for booking {booking['booking_id']} "
        f"({minutes_text(booking['start_min'])} to {minutes_text(booking['end_min'])})",
        "recorded_at": ctx.entry.recorded_at,
        "task": None,
        "happened_at": None,
        "artifact": None,
        "resource": resource["resource_id"],
        "co_authors": None,
        "corrections": 0,
        "corrected_at": None,
        "skill": None,
        "source": f"booking:{booking['booking_id']}",
    }
    state.insert(contributions, record)
    state.insert(contribution_status, new_status(record))
    day = ctx.entry.recorded_at[:10]
    state.put(
        settle_agenda,
        {"commons_id": ctx.commons_id, "day": day, "seq": ctx.entry.seq, "why": "evidence"},
    )
    return ctx.entry.id


# --- disputes --------------------------------------------------------------------------------


def check_dispute(state: State, ctx: Context) -> None:
    body: DisputeBody = ctx.body
    booking = booking_row(state, ctx.commons_id, body.booking)
    if booking["member"] != ctx.author:
        raise NotAllowed("the borrower disputes the report on their return", reason="not_yours")
    if booking["status"] != "returned":
        raise InvalidAction(
            "only the report on a return is disputed", reason=f"booking_{booking['status']}"
        )
    if booking["case_id"] is not None:
        raise InvalidAction(
            f"this report is disputed already: case {booking['case_id']}", reason="disputed"
        )
    if ctx.entry.recorded_at >= str(booking["release_at"]):
        raise InvalidAction(
            f"the time to dispute this report ended at {booking['release_at']} (the charter's "
            "resources.dispute_days after the check-in)",
            reason="too_late",
        )


def apply_dispute(state: State, ctx: Context) -> None:
    body: DisputeBody = ctx.body
    booking = booking_row(state, ctx.commons_id, body.booking)
    held = booking["deposit_state"] == "held"
    state.put(
        bookings,
        {
            **booking,
            "case_id": ctx.entry.id,
            "deposit_state": "disputed" if held else booking["deposit_state"],
        },
    )
    if held:
        reschedule(state, ctx.commons_id, body.booking, [])
    open_case(state, ctx, CASE_KIND, body.booking, int(booking["seq"]))


def _excluded(state: State, commons_id: str, case: Row) -> set[str]:
    """The borrower, the custodian who reported and the owner do not sit on the panel."""
    booking = state.get(bookings, (commons_id, case["subject"]))
    if booking is None:
        return set()
    resource = state.get(resources, (commons_id, booking["resource"]))
    out = {str(booking["member"])} | ({str(booking["in_by"])} if booking["in_by"] else set())
    if resource is not None:
        out |= {str(resource["custodian"])} | (
            {str(resource["owner"])} if resource["owner"] else set()
        )
    return out


def _apply_verdict(state: State, commons_id: str, case: Row, verdict: str, at: str) -> None:
    """``accept``: the report stands, the kept part goes to the owner; ``reject``: it goes back
    to the borrower. An appeal that turns a verdict moves it between them if it can."""
    booking = state.get(bookings, (commons_id, case["subject"]))
    if booking is None or not int(booking["kept_minor"]):
        return
    resource = resource_row(state, commons_id, booking["resource"])
    to = "owner" if verdict == "accept" else "borrower"
    row = dict(booking)
    txn = f"{case['case_id']}:{verdict}"[:80]
    if booking["deposit_state"] == "disputed":
        _move_kept(
            state, commons_id, row, resource, to, txn, int(case["seq"]), at, str(case["opened_by"])
        )
        state.put(bookings, {**row, "deposit_state": "settled", "note": f"kept part to the {to}"})
        return
    if booking["note"] == f"kept part to the {to}":
        return
    currency, kept = str(booking["currency"]), int(booking["kept_minor"])
    owner, borrower = str(booking["kept_to"]), str(booking["paid_from"])
    source, target = (borrower, owner) if to == "owner" else (owner, borrower)
    lines = [Line(source, currency, -kept), Line(target, currency, kept)]
    try:
        check_lines(state, commons_id, lines)
    except RuleViolation:
        state.put(bookings, {**row, "note": f"kept part owed to the {to} (could not move)"})
        return
    post(
        state,
        commons_id,
        txn,
        seq=int(case["seq"]),
        at=at,
        kind="deposit_back" if to == "borrower" else "deposit_kept",
        memo="",
        by=str(case["opened_by"]),
        lines=lines,
        why={"booking": booking["booking_id"], "to": to},
    )
    state.put(bookings, {**row, "note": f"kept part to the {to}"})


CASE_SUBJECTS = (
    CaseSubject(
        kind=CASE_KIND,
        summary="A custodian's report on a return that the borrower disputes: accept (the "
        "report stands, the kept deposit goes to the owner) or reject (it goes back)",
        verdicts=("accept", "reject"),
        excluded=_excluded,
        apply=_apply_verdict,
    ),
)


def _reads_booking(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [(bookings, (commons_id, body.booking))]


ACTIONS = (
    ActionSpec(
        type="resources.custody.out",
        summary="Check a booked resource out, with a report on its condition (the fee is paid "
        "and the deposit held in escrow)",
        body=OutBody,
        check=check_out,
        apply=apply_out,
        reads=_reads_booking,
    ),
    ActionSpec(
        type="resources.custody.in",
        summary="Check a resource back in with the custodian's report: condition, damage (a "
        "maintenance block), and what of the deposit is kept",
        body=InBody,
        check=check_in,
        apply=apply_in,
        reads=_reads_booking,
    ),
    ActionSpec(
        type="resources.custody.dispute",
        summary="Dispute the custodian's report on your return: an arbitration case decides it",
        body=DisputeBody,
        check=check_dispute,
        apply=apply_dispute,
        reads=_reads_booking,
    ),
)
