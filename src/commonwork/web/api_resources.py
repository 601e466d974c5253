"""The API's reads of shared physical resources: a commons' inventory (by kind, by words in a
name or location, lendable ones only), one resource with its usage rules, a calendar range of
what holds its time, one booking with its custody reports and deposit, a person's bookings,
offers and waiting list, and iCalendar feeds of a resource's or a person's bookings.

The writes are the resources area's action types, signed like every other: through
``…/actions`` (client-signed) or ``…/act/{type}`` (custodial) — ``resources.resource.register``,
``resources.resource.update``, ``resources.booking.make``, ``resources.booking.cancel``,
``resources.block.make``, ``resources.block.lift``, ``resources.wait.join``,
``resources.wait.leave``, ``resources.offer.accept``, ``resources.offer.decline``,
``resources.custody.out``, ``resources.custody.in``, ``resources.custody.dispute``. A booking
that overlaps another is refused with 409 ``slot_taken`` naming the ``booking`` that holds the
time. The reads are public and kept by the read cache; each costs what its page holds, never
the journal (services/resources_read.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from commonwork.services import resources_read
from commonwork.services.models import as_json
from commonwork.web.api import answer
from commonwork.web.auth import node_of
from commonwork.web.economy_schemas import MoneyOut
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import MAX_SEQ, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["resources"])

ResourceId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}$",
        description="The resource: the id of the entry that registered it (64 hex).",
    ),
]
BookingId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}$",
        description="The booking, block or offered slot: the id of the entry that made it "
        "(an offer's: the waiting-list entry's).",
    ),
]
Did = Annotated[
    str,
    Path(
        pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$",
        description="A person's did (did:key:…).",
    ),
]
MOMENT = (
    "A time in UTC such as 2026-12-05T09:30Z, or a date such as 2026-12-05 (its midnight, UTC)."
)
DID = "A person's did (did:key:…)."
TIME = "UTC, to the minute: '2026-12-05T09:30Z'."
MINUTES = "Minutes since 1970-01-01T00:00Z (UTC), as the record holds it."
CALENDAR_MEDIA = "text/calendar; charset=utf-8"
ICALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}
}
WEEK_DAYS = 7


# --- response shapes (each mirrors a read model of services/resources_models.py) --------------


class PhotoOut(BaseModel):
    sha256: str = Field(description="The photo's sha256 (the file lives at `url`).")
    url: str | None


class QuotaOut(BaseModel):
    days: int = Field(description="At most this many days of bookings per person…")
    per_days: int = Field(description="…in any window of this many days.")


class RulesOut(BaseModel):
    max_hours: int = Field(description="The longest one booking may last, in hours.")
    buffer_minutes: int = Field(
        description="Held after each booking (cleaning, charging, the walk back): the next may "
        "begin this many minutes after its end."
    )
    quota: QuotaOut | None = Field(description="Fair use per person (null: none).")
    who: Literal["any", "privilege", "trained", "role"] = Field(
        description="Who may book: any member, members whose standing unlocks `privilege`, "
        "members with an accepted contribution of `skill`, or holders of `role`."
    )
    privilege: str | None
    skill: str | None
    role: str | None
    deposit: MoneyOut | None = Field(
        description="Held in escrow from check-out until the custodian's report on the return."
    )
    fee: MoneyOut | None = Field(description="Paid to the owner at check-out.")
    damage_block_days: int = Field(
        description="How long a maintenance block a damage report opens lasts, in days."
    )


class ResourceItemOut(BaseModel):
    resource_id: str = Field(description="The id of the entry that registered it.")
    name: str
    kind: Literal["tool", "machine", "vehicle", "room", "other"]
    location: str
    zone: str = Field(description="Its IANA time zone: calendars and feeds draw in it.")
    owner_kind: Literal["member", "commons", "organisation"]
    owner: str | None = Field(description="A member's or organisation's did (null: the commons).")
    owner_name: str
    custodian: str = Field(description="Who hands it over and reports on its return: " + DID)
    custodian_name: str
    condition: str = Field(description="As its latest report or update says.")
    status: Literal["lendable", "retired"]
    registered_seq: int = Field(description="The journal entry that registered it.")
    registered_at: str
    bookings: int = Field(description="Bookings made of it.")
    completed: int = Field(description="Bookings checked back in.")
    deposit: MoneyOut | None
    fee: MoneyOut | None


class InventoryPageOut(BaseModel):
    items: list[ResourceItemOut] = Field(description="Newest first.")
    limit: int
    next_before: int | None = Field(
        description="Ask again with `before` set to this for the older ones (null: no more)."
    )


class ResourceDetailOut(BaseModel):
    item: ResourceItemOut
    description: str
    photos: list[PhotoOut]
    rules: RulesOut = Field(description="Its usage rules as they stand.")
    updated_at: str


SlotStatus = Literal[
    "booked",
    "out",
    "returned",
    "cancelled",
    "blocked",
    "lifted",
    "offered",
    "expired",
    "declined",
]


class SlotOut(BaseModel):
    booking_id: str = Field(description="The id of the entry that made it.")
    resource: str
    resource_name: str
    zone: str = Field(description="The resource's IANA time zone, to show its times in.")
    kind: Literal["booking", "block", "offer"] = Field(
        description="A booking, a maintenance block, or a slot offered from the waiting list."
    )
    status: SlotStatus
    member: str = Field(description="Whose it is (a block's: who blocked it): " + DID)
    member_name: str
    start_min: int = Field(description=MINUTES)
    end_min: int = Field(description=MINUTES)
    held_until_min: int = Field(description="The end plus the buffer. " + MINUTES)
    start: str = Field(description=TIME)
    end: str = Field(description=TIME)
    held_until: str = Field(description="The end plus the buffer: the next may begin then.")
    note: str = Field(description="A booking's note, a block's reason, or why it was cancelled.")
    offer_expires: str | None = Field(description="An offer lapses at this journal time.")


class CalendarOut(BaseModel):
    resource: ResourceItemOut
    from_min: int = Field(description="The range's start. " + MINUTES)
    to_min: int = Field(description="The range's end (not included). " + MINUTES)
    slots: list[SlotOut] = Field(
        description="What holds the resource's time within the range (active rows), by start: "
        "any time no slot holds up to its `held_until` is free."
    )


class ReportOut(BaseModel):
    at: str = Field(description="The journal time of the check-out or check-in.")
    condition: str
    photos: list[PhotoOut]
    damage: str = Field(description="What is broken or missing ('' at check-out, or none).")


class BookingDetailOut(BaseModel):
    slot: SlotOut
    resource: ResourceItemOut = Field(
        description="The resource: its owner, keeper, place and zone."
    )
    made_at: str
    changed_at: str
    fee: MoneyOut | None
    deposit: MoneyOut | None
    kept: MoneyOut | None = Field(description="What the report on the return kept of the deposit.")
    deposit_state: Literal["none", "held", "disputed", "settled"]
    release_at: str | None = Field(
        description="Until then the borrower may dispute the report; what it keeps moves then."
    )
    late: bool = Field(description="Checked in after its end and buffer (journal time).")
    out: ReportOut | None = Field(description="The report at check-out.")
    back: ReportOut | None = Field(description="The custodian's report at check-in.")
    case_id: str | None = Field(description="The arbitration case of a disputed report.")
    block: str | None = Field(description="The maintenance block a damage report opened.")
    contribution: str | None = Field(
        description="The lender's resource_use contribution the check-in recorded."
    )


class WaitItemOut(BaseModel):
    wait_id: str = Field(description="The id of the entry that joined the waiting list.")
    resource: str
    resource_name: str
    zone: str = Field(description="The resource's IANA time zone, to show its times in.")
    start: str = Field(description=TIME)
    end: str = Field(description=TIME)
    joined_at: str
    status: Literal["waiting", "offered", "booked", "left", "declined", "expired"]


class MyBookingsOut(BaseModel):
    member: str = Field(description=DID)
    slots: list[SlotOut] = Field(
        description="Their bookings, blocks and offers ending after `from`, by start (cancelled "
        "ones too, with their status)."
    )
    waits: list[WaitItemOut] = Field(description="Their waiting-list entries, newest first.")


# --- times ------------------------------------------------------------------------------------


def _range(request: Request, start: str | None, end: str | None) -> tuple[int, int]:
    """[from, to) in minutes: as given, a week from the one given, or this week (Monday to
    Monday, UTC, by the node's clock)."""
    if start is not None and end is not None:
        return resources_read.minutes_of(start), resources_read.minutes_of(end)
    week = WEEK_DAYS * 1440
    if start is not None:
        first = resources_read.minutes_of(start)
        return first, first + week
    if end is not None:
        last = resources_read.minutes_of(end)
        return last - week, last
    today = _today(request)
    monday = today - timedelta(days=today.weekday())
    first = int(monday.timestamp()) // 60
    return first, first + week


def _today(request: Request) -> datetime:
    """Midnight (UTC) of the node's day: what a read kept by the cache may depend on."""
    day = node_of(request).clock()[:10]
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _host(request: Request) -> str:
    """The host name the request was addressed to: the UIDs' ``@<node>``."""
    return request.url.hostname or "localhost"


# --- the routes -------------------------------------------------------------------------------


@router.get(
    "/commons/{commons_id}/resources",
    summary="The commons' shared resources, newest first",
    description=(
        "Tools, machines, vehicles and rooms lent to the commons, each with its owner, "
        "custodian, condition, status, deposit and fee and how often it was booked. Filter by "
        "`kind`, by words `q` in its name or location, or to `lendable` ones; page with "
        "`before`."
    ),
    response_model=InventoryPageOut,
)
@cacheable()
def get_resources(
    request: Request,
    commons_id: str,
    kind: Annotated[
        Literal["tool", "machine", "vehicle", "room", "other"] | None,
        Query(description="Only resources of this kind."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words in the name or location (any case)."),
    ] = None,
    lendable: Annotated[
        bool, Query(description="Only resources that are lent now (not retired).")
    ] = False,
    before: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_SEQ,
            description="Only resources registered before this entry: the `next_before` of the "
            "page before (leave out for the newest).",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=500, description="How many items at most (1 to 500).")
    ] = 50,
) -> Response:
    page = resources_read.list_resources(
        node_of(request),
        commons_id,
        kind=kind,
        words=q,
        lendable_only=lendable,
        before=before,
        limit=limit,
    )
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/resources/{resource_id}",
    summary="One shared resource: its description, photos and usage rules",
    description=(
        "Who owns and keeps it, where it is and in which time zone, its condition, and its "
        "rules: the longest booking, the buffer after each, the quota per person, who may book, "
        "the deposit and fee, and how long a damage report blocks it."
    ),
    response_model=ResourceDetailOut,
)
@cacheable()
def get_resource(request: Request, commons_id: str, resource_id: ResourceId) -> Response:
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    return answer(as_json(detail))


@router.get(
    "/commons/{commons_id}/resources/{resource_id}/calendar",
    summary="What holds a resource's time within a range: bookings, blocks and offers",
    description=(
        "The active bookings, maintenance blocks and slots offered from the waiting list that "
        "hold part of [`from`, `to`), by start, each until its end plus the buffer "
        "(`held_until`): any other time is free. `from` and `to` are UTC times such as "
        "2026-12-05T09:30Z or dates (their midnight, UTC); without them, this week (Monday to "
        f"Monday, UTC); with one of them, a week from it. At most "
        f"{resources_read.CALENDAR_DAYS} days at a time (400 `bad_input` beyond)."
    ),
    response_model=CalendarOut,
)
@cacheable()
def get_calendar(
    request: Request,
    commons_id: str,
    resource_id: ResourceId,
    start: Annotated[str | None, Query(alias="from", max_length=40, description=MOMENT)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40, description=MOMENT)] = None,
) -> Response:
    first, last = _range(request, start, end)
    found = resources_read.calendar(node_of(request), commons_id, resource_id, first, last)
    return answer(as_json(found))


@router.get(
    "/commons/{commons_id}/resources/{resource_id}/calendar.ics",
    summary="A resource's bookings as an iCalendar feed to subscribe to",
    description=(
        "Its active bookings, maintenance blocks and offered slots (TENTATIVE) from "
        f"{resources_read.FEED_PAST_DAYS} days ago on, at most {resources_read.FEED_MAX}, as "
        "one VCALENDAR (RFC 5545). Times are the resource's wall-clock times with its TZID and "
        "a VTIMEZONE, so 10:00 stays 10:00 across a change of daylight-saving time; each event's "
        "UID is `booking-<id>@<host>` (the host this was asked of), stable across changes."
    ),
    response_class=Response,
    responses=ICALENDAR,
)
@cacheable()
def get_resource_feed(request: Request, commons_id: str, resource_id: ResourceId) -> Response:
    body = resources_read.resource_feed(node_of(request), commons_id, resource_id, _host(request))
    return Response(body, media_type=CALENDAR_MEDIA)


@router.get(
    "/commons/{commons_id}/bookings/{booking_id}",
    summary="One booking: its time, custody reports, fee, deposit and what became of it",
    description=(
        "A booking (or maintenance block, or offered slot) with its status; the reports at "
        "check-out and check-in (condition, photos, damage); whether it came back late; the "
        "fee, the deposit, what the report kept of it and where the deposit stands (held in "
        "escrow, disputed, settled); the arbitration case of a dispute, the block a damage "
        "report opened, and the lender's resource_use contribution."
    ),
    response_model=BookingDetailOut,
)
@cacheable()
def get_booking(request: Request, commons_id: str, booking_id: BookingId) -> Response:
    detail = resources_read.booking_detail(node_of(request), commons_id, booking_id)
    return answer(as_json(detail))


@router.get(
    "/commons/{commons_id}/members/{did}/bookings",
    summary="A person's bookings, offers and waiting list in a commons",
    description=(
        "Their bookings, blocks and offered slots that end after `from` (a UTC time such as "
        "2026-12-05T09:30Z or a date; default: the start of today, UTC), by start, at most "
        "`limit`, cancelled ones with their status; and their latest waiting-list entries."
    ),
    response_model=MyBookingsOut,
)
@cacheable()
def get_member_bookings(
    request: Request,
    commons_id: str,
    did: Did,
    start: Annotated[str | None, Query(alias="from", max_length=40, description=MOMENT)] = None,
    limit: Annotated[
        int, Query(ge=1, le=500, description="How many bookings at most (1 to 500).")
    ] = 100,
) -> Response:
    if start is None:
        first = int(_today(request).timestamp()) // 60
    else:
        first = resources_read.minutes_of(start)
    found = resources_read.my_bookings(
        node_of(request), commons_id, did, from_min=first, limit=limit
    )
    return answer(as_json(found))


@router.get(
    "/commons/{commons_id}/members/{did}/bookings.ics",
    summary="A person's bookings as an iCalendar feed to subscribe to",
    description=(
        "Their active bookings and offered slots (TENTATIVE) of every resource of the commons "
        f"from {resources_read.FEED_PAST_DAYS} days ago on, at most {resources_read.FEED_MAX}, "
        "each in its resource's wall-clock time with its TZID, UID `booking-<id>@<host>`."
    ),
    response_class=Response,
    responses=ICALENDAR,
)
@cacheable()
def get_member_feed(request: Request, commons_id: str, did: Did) -> Response:
    body = resources_read.member_feed(node_of(request), commons_id, did, _host(request))
    return Response(body, media_type=CALENDAR_MEDIA)
