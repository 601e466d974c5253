"""Booking a resource: half-open intervals of journal time, with the buffer after each, that no
two active rows of one resource overlap; fair-use quotas; who may book; maintenance blocks that
cancel what they cover; and a waiting list whose freed slots are offered in turn, each offer
held for the charter's ``resources.offer_hours`` of journal time.

Times in bodies are UTC minutes written ``2026-12-05T09:30Z``; the fold keeps minutes since
the epoch. A booking holds [start, end + buffer): the buffer after it belongs to it (cleaning,
charging, the walk back), so two bookings need ``buffer`` minutes between them.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from commonwork.commons.actions import active_member, commons_row
from commonwork.commons.charter_resources import resources_of
from commonwork.commons.tables import members
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound, SlotTaken
from commonwork.governance.clock import later, reschedule
from commonwork.governance.proposals import holds_role
from commonwork.journal.area import Event
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.tables import contribution_status, contributions
from commonwork.resources import spans
from commonwork.resources.inventory import (
    MAX_BLOCK_DAYS,
    EntryId,
    Rules,
    may_manage,
    minutes_of,
    minutes_text,
    now_minutes,
    resource_row,
    rules_of,
)
from commonwork.resources.tables import bookings, resources, waits
from commonwork.standing.settle import policies_in_force, standing_at

When = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

#: How far ahead of journal time a booking, a block or a wait may start.
HORIZON_DAYS = 731
#: What a clock item of this area is called on governance's clock (``what``).
OFFER_DUE = "offer"


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    resource: EntryId
    start: When
    end: When

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if minutes_of(self.end) <= minutes_of(self.start):
            raise ValueError("the end comes after the start")
        return self


class MakeBody(Interval):
    #: For a resource only trained members may book: the member's accepted contribution of the
    #: named skill (their training record).
    training: EntryId | None = None
    note: Note = ""


class BlockBody(Interval):
    reason: Note


class TargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    booking: EntryId
    reason: Note = ""


class WaitBody(Interval):
    training: EntryId | None = None


class WaitTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    wait: EntryId


# --- reading ---------------------------------------------------------------------------------


def booking_row(state: State, commons_id: str, booking_id: str) -> Row:
    row = state.get(bookings, (commons_id, booking_id))
    if row is None:
        raise NotFound(f"this commons has no booking {booking_id}")
    return row


def _lendable(state: State, commons_id: str, resource_id: str) -> Row:
    row = resource_row(state, commons_id, resource_id)
    if row["status"] != "lendable":
        raise NotAllowed(f"{row['name']} is retired: it is not lent any more", reason="retired")
    return row


def check_conflicts(
    state: State, commons_id: str, resource_id: str, start: int, end: int, buffer: int
) -> None:
    """SlotTaken naming the active row that holds part of [start, end + buffer), if one does:
    whose it is (by the name they joined with) and its times."""
    found = spans.overlapping(state, commons_id, resource_id, start, end + buffer)
    if not found:
        return
    first = booking_row(state, commons_id, found[0][2])
    person = state.get(members, (commons_id, first["member"]))
    name = str(first["member"]) if person is None else str(person["name"])
    what = {
        "block": "a maintenance block",
        "offer": f"a slot offered to {name} from the waiting list",
    }
    holder = what.get(first["kind"], f"a booking by {name}")
    after = f" and the {buffer} minutes kept free after it" if buffer else ""
    raise SlotTaken(
        f"{minutes_text(start)} to {minutes_text(end)}{after} overlaps {holder} "
        f"({minutes_text(first['start_min'])} to {minutes_text(first['end_min'])}, kept until "
        f"{minutes_text(first['hi'])}): booking {first['booking_id']}. Choose another time, or "
        "join the waiting list for this one",
        reason="overlap",
        booking=first["booking_id"],
        holder=first["member"],
        holder_name=name,
        kind=first["kind"],
        start=minutes_text(first["start_min"]),
        end=minutes_text(first["end_min"]),
        held_until=minutes_text(first["hi"]),
    )


def check_quota(
    state: State, commons_id: str, rules: Rules, resource_id: str, member: str, lo: int, hi: int
) -> None:
    """NotAllowed when [lo, hi) would take the member past the resource's quota."""
    if rules.quota is None:
        return
    window, most = rules.quota.per_days * spans.DAY, rules.quota.days * spans.DAY
    held = spans.used_around(state, commons_id, resource_id, member, lo - window, hi + window)
    total = spans.most_in_window([*held, (lo, hi)], window)
    if total > most:
        raise NotAllowed(
            f"this would give you {_hours(total)} of this resource within {rules.quota.per_days} "
            f"days; its rules allow {rules.quota.days} days ({_hours(most)}) in any "
            f"{rules.quota.per_days} per person",
            reason="over_quota",
            minutes=total,
            allowed=most,
        )


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"


def check_may_book(
    state: State, ctx: Context, rules: Rules, member: str, training: str | None
) -> None:
    """NotAllowed unless the member is among those the rules let book."""
    who, commons_id = rules.who, ctx.commons_id
    if who.who == "role" and who.role is not None:
        if not holds_role(state, commons_id, member, who.role):
            raise NotAllowed(
                f"only holders of the role {who.role!r} (granted by decision) book this",
                reason="needs_role",
            )
    elif who.who == "privilege" and who.privilege is not None:
        policies = policies_in_force(state, commons_id)
        needed = None if policies is None else policies.standing.privileges.get(who.privilege)
        held = (
            0
            if policies is None
            else standing_at(
                state,
                commons_id,
                member,
                ctx.entry.recorded_at[:10],
                policies.standing.half_life_days,
            )
        )
        if needed is None or held < needed * 1000:
            raise NotAllowed(
                f"only members whose standing unlocks {who.privilege!r} book this",
                reason="needs_privilege",
            )
    elif who.who == "trained" and who.skill is not None:
        _check_training(state, commons_id, member, who.skill, training)


def _check_training(
    state: State, commons_id: str, member: str, skill: str, training: str | None
) -> None:
    refusal = (
        f"only members trained in {skill!r} book this: name your training record (an accepted "
        f"contribution of the skill {skill!r}) as 'training'"
    )
    if training is None:
        raise NotAllowed(refusal, reason="needs_training")
    record = state.get(contributions, (commons_id, training))
    status = None if record is None else state.get(contribution_status, (commons_id, record["seq"]))
    if (
        record is None
        or status is None
        or record["skill"] != skill
        or status["status"] != "accepted"
        or member not in _authors(record)
    ):
        raise NotAllowed(
            refusal + f"; {training} is not one of yours, of that skill, accepted",
            reason="needs_training",
        )


def _authors(record: Row) -> set[str]:
    found = {str(record["contributor"])}
    if record["co_authors"]:
        found.update(str(item["member"]) for item in orjson.loads(record["co_authors"]))
    return found


def _check_interval(
    body: Interval, rules: Rules | None, at: str, most_minutes: int
) -> tuple[int, int]:
    start, end = minutes_of(body.start), minutes_of(body.end)
    if start > now_minutes(at) + HORIZON_DAYS * spans.DAY:
        raise InvalidAction(
            f"{body.start} is more than {HORIZON_DAYS} days ahead: book nearer the time",
            reason="too_far",
        )
    if start < now_minutes(at):
        raise InvalidAction(
            f"{body.start} has passed (journal time is {at[:16]}Z): book from now on",
            reason="in_the_past",
        )
    if end - start > most_minutes:
        limit = f"{most_minutes // 60} hours" + (" (its rules' max_hours)" if rules else "")
        raise NotAllowed(f"a booking of this resource lasts at most {limit}", reason="too_long")
    return start, end


# --- booking ---------------------------------------------------------------------------------


def check_make(state: State, ctx: Context) -> None:
    body: MakeBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = _lendable(state, ctx.commons_id, body.resource)
    rules = rules_of(row)
    start, end = _check_interval(body, rules, ctx.entry.recorded_at, rules.max_hours * 60)
    check_may_book(state, ctx, rules, ctx.author, body.training)
    check_conflicts(state, ctx.commons_id, body.resource, start, end, rules.buffer_minutes)
    check_quota(state, ctx.commons_id, rules, body.resource, ctx.author, start, end)


def _fresh(commons_id: str, booking_id: str, seq: int, at: str) -> Row:
    """A row of ``bookings`` made at ``at``: active, nothing paid or reported yet (the caller
    says what it holds)."""
    return {
        "commons_id": commons_id,
        "booking_id": booking_id,
        "active": 1,
        "seq": seq,
        "made_at": at,
        "changed_at": at,
        "note": "",
        "offer_expires": None,
        "currency": None,
        "fee_minor": 0,
        "deposit_minor": 0,
        "out_at": None,
        "out_report": None,
        "in_at": None,
        "in_report": None,
        "late": 0,
        "kept_minor": 0,
        "paid_from": None,
        "kept_to": None,
        "in_by": None,
        "deposit_state": "none",
        "release_at": None,
        "case_id": None,
        "block": None,
        "contribution": None,
    }


def _new_row(
    ctx: Context, resource: str, member: str, kind: str, start: int, end: int, hi: int, status: str
) -> Row:
    made = _fresh(ctx.commons_id, ctx.entry.id, ctx.entry.seq, ctx.entry.recorded_at)
    held = {"resource": resource, "member": member, "kind": kind, "status": status}
    return {**made, **held, "start_min": start, "end_min": end, "lo": start, "hi": hi}


def _charges(row: Row, rules: Rules) -> Row:
    """The fee and deposit a booking owes, as its resource's rules are when it is made."""
    return {
        **row,
        "currency": rules.currency,
        "fee_minor": 0 if rules.fee is None else rules.fee.amount,
        "deposit_minor": 0 if rules.deposit is None else rules.deposit.amount,
    }


def _count_booking(state: State, commons_id: str, resource_id: str) -> None:
    row = dict(resource_row(state, commons_id, resource_id))
    row["bookings"] = int(row["bookings"]) + 1
    state.put(resources, row)


def apply_make(state: State, ctx: Context) -> None:
    body: MakeBody = ctx.body
    rules = rules_of(resource_row(state, ctx.commons_id, body.resource))
    start, end = minutes_of(body.start), minutes_of(body.end)
    hi = end + rules.buffer_minutes
    row = _new_row(ctx, body.resource, ctx.author, "booking", start, end, hi, "booked")
    row = _charges({**row, "note": body.note}, rules)
    state.insert(bookings, row)
    spans.hold(state, ctx.commons_id, body.resource, (start, hi, ctx.entry.id))
    spans.count_use(
        state, ctx.commons_id, body.resource, ctx.author, (start, end, ctx.entry.id), True
    )
    _count_booking(state, ctx.commons_id, body.resource)


def check_cancel(state: State, ctx: Context) -> None:
    body: TargetBody = ctx.body
    row = booking_row(state, ctx.commons_id, body.booking)
    if row["kind"] != "booking":
        raise InvalidAction(
            "that is not a booking (a block is lifted; an offer is declined)", reason="not_booking"
        )
    if row["status"] != "booked":
        raise InvalidAction(
            f"this booking is {row['status']}: only a booking not yet checked out is cancelled",
            reason=f"booking_{row['status']}",
        )
    resource = resource_row(state, ctx.commons_id, row["resource"])
    if ctx.author != row["member"] and not may_manage(state, ctx.commons_id, resource, ctx.author):
        raise NotAllowed(
            "a booking is cancelled by whoever made it, or by the resource's keeper",
            reason="not_yours",
        )


def release(state: State, commons_id: str, row: Row, status: str, at: str, note: str = "") -> None:
    """Take an active row off its time (cancelled, declined, expired, lifted) and offer what it
    freed to the waiting list."""
    done = {**row, "active": 0, "status": status, "changed_at": at}
    if note:
        done["note"] = note
    state.put(bookings, done)
    spans.free(state, commons_id, row["resource"], (row["lo"], row["hi"], row["booking_id"]))
    if row["kind"] == "booking":
        span = (row["start_min"], row["end_min"], row["booking_id"])
        spans.count_use(state, commons_id, row["resource"], row["member"], span, False)
    offer_freed(state, commons_id, row["resource"], row["lo"], row["hi"], at)


def apply_cancel(state: State, ctx: Context) -> None:
    body: TargetBody = ctx.body
    row = booking_row(state, ctx.commons_id, body.booking)
    release(state, ctx.commons_id, row, "cancelled", ctx.entry.recorded_at, body.reason)


# --- maintenance blocks ---------------------------------------------------------------------


def check_block(state: State, ctx: Context) -> None:
    body: BlockBody = ctx.body
    row = resource_row(state, ctx.commons_id, body.resource)
    if not may_manage(state, ctx.commons_id, row, ctx.author):
        raise NotAllowed(
            "the resource's keeper (its owner or custodian) blocks it for maintenance",
            reason="not_keeper",
        )
    start, end = _check_interval(body, None, ctx.entry.recorded_at, MAX_BLOCK_DAYS * spans.DAY)
    for _, _, ident in spans.overlapping(state, ctx.commons_id, body.resource, start, end):
        held = booking_row(state, ctx.commons_id, ident)
        if held["status"] not in ("booked", "offered"):
            raise SlotTaken(
                f"{held['status']} booking {ident} holds {row['name']} until "
                f"{minutes_text(held['hi'])}: start the block after it",
                reason="in_use",
                booking=ident,
            )


def block_start(state: State, commons_id: str, resource_id: str, start: int, length: int) -> int:
    """Where a block of ``length`` minutes wanted from ``start`` may begin: after every row that
    is checked out or back (their time is not the keeper's to take), moving on until none is in
    the way."""
    while True:
        in_use = [
            hi
            for _, hi, ident in spans.overlapping(
                state, commons_id, resource_id, start, start + length
            )
            if booking_row(state, commons_id, ident)["status"] not in ("booked", "offered")
        ]
        if not in_use:
            return start
        start = max(in_use)


def place_block(
    state: State, ctx: Context, resource_id: str, start: int, end: int, reason: str
) -> str:
    """Cancel the bookings and offers the block covers (their people are told; a waiting
    person's entry goes back on the waiting list), then hold its time: the block's id (the
    entry's). Nothing checked out or back may be in its way (``block_start``)."""
    at = ctx.entry.recorded_at
    for _, _, ident in spans.overlapping(state, ctx.commons_id, resource_id, start, end):
        held = booking_row(state, ctx.commons_id, ident)
        _unhold(state, ctx.commons_id, held, "cancelled", at, f"maintenance: {reason}")
    row = _new_row(ctx, resource_id, ctx.author, "block", start, end, end, "blocked")
    state.insert(bookings, {**row, "note": reason})
    spans.hold(state, ctx.commons_id, resource_id, (start, end, ctx.entry.id))
    return ctx.entry.id


def tell(state: State, member: str, kind: str, subject: str) -> None:
    """Note an event for the inbox, told with the entry being applied (or, for what fell due
    before it, the entry whose time made it fall due): commonwork.resources.events."""
    state.memo.setdefault(TOLD, []).append(Event(member, kind, subject))


#: Where ``tell`` keeps what the next events hook hands to the inbox.
TOLD = ("resources", "told")


def _unhold(state: State, commons_id: str, row: Row, status: str, at: str, note: str) -> None:
    """Take a row off its time without offering it (a block takes it); its person is told."""
    if row["kind"] == "booking":
        tell(state, row["member"], "resources.block.make", row["booking_id"])
    state.put(bookings, {**row, "active": 0, "status": status, "changed_at": at, "note": note})
    spans.free(state, commons_id, row["resource"], (row["lo"], row["hi"], row["booking_id"]))
    if row["kind"] == "booking":
        span = (row["start_min"], row["end_min"], row["booking_id"])
        spans.count_use(state, commons_id, row["resource"], row["member"], span, False)
    if row["kind"] == "offer":  # back on the waiting list, for when the block is lifted
        tell(state, row["member"], "resources.block.make", row["booking_id"])
        wait = wait_row(state, commons_id, row["booking_id"])
        state.put(waits, {**wait, "status": "waiting", "changed_at": at})
        reschedule(state, commons_id, row["booking_id"], [])


def apply_block(state: State, ctx: Context) -> None:
    body: BlockBody = ctx.body
    start, end = minutes_of(body.start), minutes_of(body.end)
    place_block(state, ctx, body.resource, start, end, body.reason)


def check_lift(state: State, ctx: Context) -> None:
    body: TargetBody = ctx.body
    row = booking_row(state, ctx.commons_id, body.booking)
    if row["kind"] != "block" or row["status"] != "blocked":
        raise InvalidAction("that is not a maintenance block in force", reason="not_block")
    resource = resource_row(state, ctx.commons_id, row["resource"])
    if not may_manage(state, ctx.commons_id, resource, ctx.author):
        raise NotAllowed("the resource's keeper lifts a block", reason="not_keeper")


def apply_lift(state: State, ctx: Context) -> None:
    body: TargetBody = ctx.body
    row = booking_row(state, ctx.commons_id, body.booking)
    release(state, ctx.commons_id, row, "lifted", ctx.entry.recorded_at, body.reason or row["note"])


# --- the waiting list -------------------------------------------------------------------------


def check_join(state: State, ctx: Context) -> None:
    body: WaitBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = _lendable(state, ctx.commons_id, body.resource)
    rules = rules_of(row)
    start, end = _check_interval(body, rules, ctx.entry.recorded_at, rules.max_hours * 60)
    check_may_book(state, ctx, rules, ctx.author, body.training)
    held = spans.overlapping(
        state, ctx.commons_id, body.resource, start, end + rules.buffer_minutes
    )
    if not held:
        raise InvalidAction("that time is free: book it instead of waiting", reason="free")
    holders = {booking_row(state, ctx.commons_id, ident)["member"] for _, _, ident in held}
    if holders == {ctx.author}:
        raise InvalidAction("you hold that time already", reason="yours")
    for ident in spans.waiting_within(state, ctx.commons_id, body.resource, start, end):
        wait = wait_row(state, ctx.commons_id, ident)
        if wait["member"] == ctx.author and wait["status"] in ("waiting", "offered"):
            raise AlreadyDone(
                f"you are on the waiting list for part of that time already: {ident}",
                reason="waiting",
                wait=ident,
            )


def apply_join(state: State, ctx: Context) -> None:
    body: WaitBody = ctx.body
    start, end = minutes_of(body.start), minutes_of(body.end)
    at = ctx.entry.recorded_at
    state.insert(
        waits,
        {
            "commons_id": ctx.commons_id,
            "wait_id": ctx.entry.id,
            "resource": body.resource,
            "member": ctx.author,
            "start_min": start,
            "end_min": end,
            "seq": ctx.entry.seq,
            "joined_at": at,
            "status": "waiting",
            "changed_at": at,
        },
    )
    spans.add_wait(state, ctx.commons_id, body.resource, (start, end, ctx.entry.id))


def wait_row(state: State, commons_id: str, wait_id: str) -> Row:
    row = state.get(waits, (commons_id, wait_id))
    if row is None:
        raise NotFound(f"this commons has no waiting-list entry {wait_id}")
    return row


def _end_wait(state: State, commons_id: str, wait_id: str, status: str, at: str) -> None:
    row = wait_row(state, commons_id, wait_id)
    state.put(waits, {**row, "status": status, "changed_at": at})
    span = (row["start_min"], row["end_min"], wait_id)
    spans.drop_wait(state, commons_id, row["resource"], span)
    reschedule(state, commons_id, wait_id, [])


def check_leave(state: State, ctx: Context) -> None:
    body: WaitTarget = ctx.body
    row = wait_row(state, ctx.commons_id, body.wait)
    if row["member"] != ctx.author:
        raise NotAllowed("only the person waiting leaves the waiting list", reason="not_yours")
    if row["status"] != "waiting":
        raise InvalidAction(
            f"this waiting-list entry is {row['status']}"
            + (": decline the offer instead" if row["status"] == "offered" else ""),
            reason=f"wait_{row['status']}",
        )


def apply_leave(state: State, ctx: Context) -> None:
    _end_wait(state, ctx.commons_id, ctx.body.wait, "left", ctx.entry.recorded_at)


def offer_freed(state: State, commons_id: str, resource_id: str, lo: int, hi: int, at: str) -> None:
    """Offer a freed [lo, hi) to the waiting list: each entry whose wanted time overlaps it, in
    the order they joined, that now fits (free, within the person's quota, not begun) is held
    for its person until ``offer_hours`` of journal time have passed."""
    resource = resource_row(state, commons_id, resource_id)
    if resource["status"] != "lendable":
        return
    rules = rules_of(resource)
    # a wanted time ending up to a buffer before the freed time was held back by it too
    wanted = spans.waiting_within(state, commons_id, resource_id, lo - rules.buffer_minutes, hi)
    found = [wait_row(state, commons_id, ident) for ident in wanted]
    now = now_minutes(at)
    hours = resources_of(orjson.loads(commons_row(state, commons_id)["charter"])).offer_hours
    for wait in sorted(found, key=lambda row: int(row["seq"])):
        if wait["status"] != "waiting":
            continue
        start, end = int(wait["start_min"]), int(wait["end_min"])
        if start < now:
            _end_wait(state, commons_id, wait["wait_id"], "expired", at)
            continue
        if not _is_member(state, commons_id, wait["member"]):
            _end_wait(state, commons_id, wait["wait_id"], "left", at)
            continue
        if spans.overlapping(state, commons_id, resource_id, start, end + rules.buffer_minutes):
            continue
        if _over_quota(state, commons_id, rules, resource_id, wait["member"], start, end):
            continue
        _offer(state, commons_id, wait, rules, at, later(at, hours))


def _is_member(state: State, commons_id: str, member: str) -> bool:
    row = state.get(members, (commons_id, member))
    return row is not None and row["status"] == "active"


def _over_quota(
    state: State, commons_id: str, rules: Rules, resource_id: str, member: str, start: int, end: int
) -> bool:
    try:
        check_quota(state, commons_id, rules, resource_id, member, start, end)
    except NotAllowed:
        return True
    return False


def _offer(state: State, commons_id: str, wait: Row, rules: Rules, at: str, expires: str) -> None:
    start, end = int(wait["start_min"]), int(wait["end_min"])
    hi = end + rules.buffer_minutes
    row = {
        **_fresh(commons_id, wait["wait_id"], int(wait["seq"]), at),
        "resource": wait["resource"],
        "member": wait["member"],
        "kind": "offer",
        "status": "offered",
        "start_min": start,
        "end_min": end,
        "lo": start,
        "hi": hi,
        "offer_expires": expires,
    }
    state.put(bookings, row)
    spans.hold(state, commons_id, wait["resource"], (start, hi, wait["wait_id"]))
    state.put(waits, {**wait, "status": "offered", "changed_at": at})
    reschedule(state, commons_id, wait["wait_id"], [[expires, OFFER_DUE]])
    tell(state, wait["member"], "resources.offer.made", wait["wait_id"])


def offer_due(state: State, commons_id: str, wait_id: str, at: str) -> None:
    """An offer nobody took in time: it lapses, and what it held goes to the next in line."""
    row = state.get(bookings, (commons_id, wait_id))
    if row is None or row["status"] != "offered":
        return
    wait = wait_row(state, commons_id, wait_id)
    state.put(waits, {**wait, "status": "expired", "changed_at": at})
    spans.drop_wait(
        state, commons_id, wait["resource"], (wait["start_min"], wait["end_min"], wait_id)
    )
    release(state, commons_id, row, "expired", at)


class OfferTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    offer: EntryId


def _offer_row(state: State, ctx: Context) -> Row:
    row = state.get(bookings, (ctx.commons_id, ctx.body.offer))
    if row is None or row["kind"] != "offer":
        raise NotFound(f"there is no slot offered as {ctx.body.offer}")
    if row["member"] != ctx.author:
        raise NotAllowed(
            "an offer is taken or declined by the person it was made to", reason="not_yours"
        )
    if row["status"] != "offered":
        raise InvalidAction(f"this offer is {row['status']}", reason=f"offer_{row['status']}")
    return row


def check_accept(state: State, ctx: Context) -> None:
    row = _offer_row(state, ctx)
    active_member(state, ctx.commons_id, ctx.author)
    resource = _lendable(state, ctx.commons_id, row["resource"])
    rules = rules_of(resource)
    check_may_book(state, ctx, rules, ctx.author, getattr(ctx.body, "training", None))
    check_quota(
        state, ctx.commons_id, rules, row["resource"], ctx.author, row["start_min"], row["end_min"]
    )


class AcceptBody(OfferTarget):
    training: EntryId | None = None


def apply_accept(state: State, ctx: Context) -> None:
    row = booking_row(state, ctx.commons_id, ctx.body.offer)
    at = ctx.entry.recorded_at
    rules = rules_of(resource_row(state, ctx.commons_id, row["resource"]))
    booked = _charges(
        {**row, "kind": "booking", "status": "booked", "changed_at": at, "offer_expires": None},
        rules,
    )
    state.put(bookings, booked)
    span = (row["start_min"], row["end_min"], row["booking_id"])
    spans.count_use(state, ctx.commons_id, row["resource"], row["member"], span, True)
    wait = wait_row(state, ctx.commons_id, row["booking_id"])
    state.put(waits, {**wait, "status": "booked", "changed_at": at})
    spans.drop_wait(
        state,
        ctx.commons_id,
        wait["resource"],
        (wait["start_min"], wait["end_min"], wait["wait_id"]),
    )
    reschedule(state, ctx.commons_id, row["booking_id"], [])
    _count_booking(state, ctx.commons_id, row["resource"])


def check_decline(state: State, ctx: Context) -> None:
    _offer_row(state, ctx)


def apply_decline(state: State, ctx: Context) -> None:
    row = booking_row(state, ctx.commons_id, ctx.body.offer)
    at = ctx.entry.recorded_at
    wait = wait_row(state, ctx.commons_id, row["booking_id"])
    state.put(waits, {**wait, "status": "declined", "changed_at": at})
    spans.drop_wait(
        state,
        ctx.commons_id,
        wait["resource"],
        (wait["start_min"], wait["end_min"], wait["wait_id"]),
    )
    reschedule(state, ctx.commons_id, row["booking_id"], [])
    release(state, ctx.commons_id, row, "declined", at)


# --- what the rules read, and what people are told ------------------------------------------


def _reads_interval(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [(members, (commons_id, author)), (resources, (commons_id, body.resource))]


def _reads_target(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [(bookings, (commons_id, body.booking))]


ACTIONS = (
    ActionSpec(
        type="resources.booking.make",
        summary="Book a resource for a time (refused, naming the booking, when another holds "
        "part of it)",
        body=MakeBody,
        check=check_make,
        apply=apply_make,
        reads=_reads_interval,
    ),
    ActionSpec(
        type="resources.booking.cancel",
        summary="Cancel a booking not yet checked out (its slot goes to the waiting list)",
        body=TargetBody,
        check=check_cancel,
        apply=apply_cancel,
        reads=_reads_target,
    ),
    ActionSpec(
        type="resources.block.make",
        summary="Block a resource for maintenance (the bookings it covers are cancelled)",
        body=BlockBody,
        check=check_block,
        apply=apply_block,
        reads=_reads_interval,
    ),
    ActionSpec(
        type="resources.block.lift",
        summary="Lift a maintenance block (its time goes to the waiting list)",
        body=TargetBody,
        check=check_lift,
        apply=apply_lift,
        reads=_reads_target,
    ),
    ActionSpec(
        type="resources.wait.join",
        summary="Join the waiting list for a time that is taken",
        body=WaitBody,
        check=check_join,
        apply=apply_join,
        reads=_reads_interval,
    ),
    ActionSpec(
        type="resources.wait.leave",
        summary="Leave the waiting list",
        body=WaitTarget,
        check=check_leave,
        apply=apply_leave,
    ),
    ActionSpec(
        type="resources.offer.accept",
        summary="Take a slot offered from the waiting list (before the offer lapses)",
        body=AcceptBody,
        check=check_accept,
        apply=apply_accept,
    ),
    ActionSpec(
        type="resources.offer.decline",
        summary="Decline a slot offered from the waiting list (it goes to the next in line)",
        body=OfferTarget,
        check=check_decline,
        apply=apply_decline,
    ),
)
