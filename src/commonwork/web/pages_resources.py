"""The pages of shared physical resources (issue 13): a commons' inventory with its filters and
the form that lends a tool; one resource with its rules and its calendar, drawn in the
resource's own time zone (a week, or a month), where anyone sees what is free and who holds
what, and a member books a time; one booking with its fee, deposit and custody reports; and a
person's own bookings, offers and waiting list, with their calendar feed.

Anyone reads every page but a person's own (holoptism); each costs what it shows (the reads of
services/resources_read.py are bounded). Every form signs through the generic door
(``acting.act``, as the API and the command line do), so the resources area's own rules decide;
a refusal shows the page again with the rule's words next to the form and what was typed, and
writes nothing. A time that is taken shows who holds it and offers the waiting list for the same
time. The booking page shows a button only when a dry run of its rule says the reader may press
it now.

Times are typed as a local date and time in the resource's zone and signed as UTC
``2026-12-05T09:30Z`` (zoneinfo converts them); a local time the clocks skip is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import acting, queries, resources_read
from commonwork.services.acting import Appended
from commonwork.services.books_acting import minor_units
from commonwork.services.dry_run import dry_run
from commonwork.services.resources_read import BookingDetail, ResourceDetail, Rules, Slot
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import Again, Back, posted, shown
from commonwork.web.page_forms import Fields, FormText, Labels, form_message, see_other
from commonwork.web.page_views import acting_as, active_member_of, open_task_count, render
from commonwork.web.schemas import MAX_SEQ

router = APIRouter(include_in_schema=False)

RESOURCES_PER_PAGE = 25
#: How far back "my bookings" reaches (days): a recent return may still be disputed.
MINE_PAST_DAYS = resources_read.FEED_PAST_DAYS
#: Where a free slot's booking link starts it: the next quarter hour from now.
ROUND_MINUTES = 15
Before = Annotated[int | None, Query(ge=1, le=MAX_SEQ)]
EntryId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
DayText = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Typed = Annotated[str, Query(max_length=20)]

KIND_WORDS = {
    "tool": "Tool",
    "machine": "Machine",
    "vehicle": "Vehicle",
    "room": "Room",
    "other": "Other",
}
WHO_WORDS = {
    "any": "Any member",
    "privilege": "Members whose standing unlocks a privilege",
    "trained": "Members trained in a skill",
    "role": "Holders of a role granted by decision",
}
OWNER_WORDS = {"member": "Me: it is my own", "commons": "The commons (its treasurer lends it)"}
STATUS_WORDS = {
    "booked": "booked",
    "out": "checked out",
    "returned": "returned",
    "cancelled": "cancelled",
    "offered": "offered from the waiting list",
    "expired": "lapsed",
    "declined": "declined",
    "blocked": "maintenance",
    "lifted": "maintenance lifted",
}
WAIT_WORDS = {
    "waiting": "waiting",
    "offered": "offered: take it or decline it",
    "booked": "booked",
    "left": "left the list",
    "declined": "declined",
    "expired": "lapsed",
}
DEPOSIT_WORDS = {
    "none": "not held",
    "held": "held in escrow",
    "disputed": "disputed: an arbitration panel decides",
    "settled": "settled",
}
#: The zones the lending form offers (any other IANA name may be typed).
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
    "Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome",
    "Europe/Vienna", "Europe/Prague", "Europe/Warsaw", "Europe/Stockholm", "Europe/Helsinki",
    "Europe/Athens", "Europe/Istanbul", "Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg",
    "Asia/Kolkata", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
    "America/Mexico_City", "America/Toronto", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles",
)  # fmt: skip
LEND_LABELS: Labels = {
    "name": "Resource name",
    "kind": "Kind of resource",
    "description": "Description",
    "location": "Where it is kept",
    "zone": "Time zone",
    "owner": "Owned by",
    "rules.max_hours": "Longest booking (hours)",
    "rules.buffer_minutes": "Buffer between bookings (minutes)",
    "rules.quota.days": "Quota: days per person",
    "rules.quota.per_days": "Quota window (days)",
    "rules.quota": "Quota",
    "rules.deposit": "Deposit",
    "rules.fee": "Fee",
    "rules.who": "Who may book",
    "rules": "Rules",
}
BOOK_LABELS: Labels = {
    "start": "Start",
    "end": "End",
    "note": "Note for the keeper",
    "training": "Training record",
}


# --- times in a resource's zone --------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_of(minutes: int, zone: str) -> datetime:
    """Minutes since the epoch (UTC) as the wall-clock time in ``zone``."""
    return datetime.fromtimestamp(minutes * 60, UTC).astimezone(_zone(zone))


def minutes_at(day: date, zone: str, clock: time = time(0)) -> int:
    """The first minute of ``clock`` on ``day`` in ``zone``, as minutes since the epoch."""
    return int(datetime.combine(day, clock, tzinfo=_zone(zone)).timestamp()) // 60


def utc_text(day_text: str, clock_text: str, zone: str, label: str) -> str:
    """A local date and time typed in ``zone`` as the UTC time an action names
    (``2026-12-05T09:30Z``); BadInput, in the form's words, for anything else or for a time the
    clocks skip there."""
    try:
        day = date.fromisoformat(day_text.strip())
    except ValueError:
        raise BadInput(f"{label} date: a date such as 2031-03-08, not {day_text!r}") from None
    try:
        clock = time.fromisoformat(clock_text.strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise BadInput(f"{label} time: a time such as 09:30, not {clock_text!r}") from None
    local = datetime.combine(day, clock, tzinfo=_zone(zone))
    moment = local.astimezone(UTC)
    if moment.astimezone(_zone(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadInput(
            f"{label}: {day.isoformat()} {clock:%H:%M} does not exist in {zone} (the clocks "
            "go forward then): choose a later time"
        )
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def local_text(minutes: int, zone: str) -> str:
    """Minutes since the epoch as a person in ``zone`` reads them: ``Sat 8 Mar 2031, 09:00``."""
    moment = local_of(minutes, zone)
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def now_minutes(request: Request) -> int:
    return resources_read.minutes_of(node_of(request).clock())


def _whole(label: str, text: str) -> int | None:
    """A whole number typed in a field, or None when left blank."""
    typed = text.strip()
    if not typed:
        return None
    if not typed.isdigit():
        raise BadInput(f"{label}: a whole number, such as 3, not {typed!r}")
    return int(typed)


# --- the forms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LendForm:
    """What the form that lends a resource holds, kept as typed."""

    name: str = ""
    kind: str = "tool"
    description: str = ""
    location: str = ""
    zone: str = "UTC"
    other_zone: str = ""
    owner: str = "member"
    max_hours: str = "72"
    buffer_minutes: str = "0"
    quota_days: str = ""
    quota_per_days: str = ""
    deposit_amount: str = ""
    deposit_currency: str = ""
    fee_amount: str = ""
    fee_currency: str = ""
    who: str = "any"
    who_named: str = ""

    def chosen_zone(self) -> str:
        return self.other_zone.strip() or self.zone

    def _charge(self, request: Request, commons_id: str, what: str) -> Fields | None:
        amount = getattr(self, f"{what}_amount").strip()
        currency = getattr(self, f"{what}_currency").strip().upper()
        if not amount:
            return None
        if not currency:
            raise BadInput(f"{what.title()} currency: name the currency of the {what}, e.g. EUR")
        minor = minor_units(node_of(request), commons_id, currency, amount)
        return {"amount": minor, "currency": currency}

    def _who(self) -> Fields:
        named = self.who_named.strip()
        key = {"privilege": "privilege", "trained": "skill", "role": "role"}.get(self.who)
        return {"who": self.who, **({key: named} if key and named else {})}

    def rules(self, request: Request, commons_id: str) -> Fields:
        rules: Fields = {"who": self._who()}
        for name, label in (
            ("max_hours", LEND_LABELS["rules.max_hours"]),
            ("buffer_minutes", LEND_LABELS["rules.buffer_minutes"]),
        ):
            number = _whole(label, getattr(self, name))
            if number is not None:
                rules[name] = number
        days = _whole(LEND_LABELS["rules.quota.days"], self.quota_days)
        per_days = _whole(LEND_LABELS["rules.quota.per_days"], self.quota_per_days)
        if days is not None or per_days is not None:
            quota = {"days": days, "per_days": per_days}
            rules["quota"] = {key: value for key, value in quota.items() if value is not None}
        for what in ("deposit", "fee"):
            charge = self._charge(request, commons_id, what)
            if charge is not None:
                rules[what] = charge
        return rules

    def body(self, request: Request, commons_id: str) -> Fields:
        body: Fields = {
            "name": self.name.strip(),
            "kind": self.kind,
            "description": self.description.strip(),
            "location": self.location.strip(),
            "zone": self.chosen_zone(),
            "owner": self.owner,
        }
        return {**body, "rules": self.rules(request, commons_id)}


@dataclass(frozen=True)
class BookingForm:
    """A time typed as local dates and times in the resource's zone (the end's date, left
    blank, is the start's), a note and, for a resource only trained members book, the
    training record."""

    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    note: str = ""
    training: str = ""

    def interval(self, resource_id: str, zone: str) -> Fields:
        start = utc_text(self.start_date, self.start_time, zone, "Start")
        end = utc_text(self.end_date or self.start_date, self.end_time, zone, "End")
        body: Fields = {"resource": resource_id, "start": start, "end": end}
        if self.training.strip():
            body["training"] = self.training.strip()
        return body

    def body(self, resource_id: str, zone: str) -> Fields:
        body = self.interval(resource_id, zone)
        return {**body, "note": self.note.strip()} if self.note.strip() else body


@dataclass(frozen=True)
class ReasonForm:
    reason: str = ""


@dataclass(frozen=True)
class ConditionForm:
    condition: str = ""


@dataclass(frozen=True)
class ReturnForm:
    condition: str = ""
    damage: str = ""
    keep: str = ""


@dataclass(frozen=True)
class NoFields:
    pass


# --- acting through a form ---------------------------------------------------------------------


def _act(
    request: Request,
    csrf: str,
    commons_id: str,
    action_type: str,
    body: Callable[[], Fields],
    back: Back,
    again: Again,
) -> Response:
    """Sign the action whose body ``body`` puts together (once the form's token checks out)
    and go ``back``; a refusal — of the form or of the rules — is shown by ``again``."""
    _, signer = acting_as(request, csrf)

    def sign() -> Appended:
        return acting.act(
            node_of(request),
            actor=signer,
            commons_id=commons_id,
            action_type=action_type,
            body=body(),
        )

    return shown(sign, back, again)


def resources_path(commons_id: str) -> str:
    return f"/commons/{commons_id}/resources"


def resource_path(commons_id: str, resource_id: str) -> str:
    return f"/commons/{commons_id}/resources/{resource_id}"


def booking_path(commons_id: str, booking_id: str) -> str:
    return f"/commons/{commons_id}/bookings/{booking_id}"


def mine_path(commons_id: str) -> str:
    return f"/commons/{commons_id}/me/bookings"


def _common(request: Request, commons_id: str) -> dict[str, Any]:
    node = node_of(request)
    return {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "kind_words": KIND_WORDS,
        "status_words": STATUS_WORDS,
    }


def rules_words(rules: Rules) -> list[str]:
    """A resource's rules in plain words, one sentence each."""
    said = [f"A booking lasts at most {rules.max_hours} hours."]
    if rules.buffer_minutes:
        said.append(
            f"{rules.buffer_minutes} minutes are kept free after each booking (cleaning, "
            "charging, the walk back)."
        )
    if rules.quota is not None:
        said.append(
            f"Each person books it at most {rules.quota.days} days in any "
            f"{rules.quota.per_days} days."
        )
    if rules.fee is not None:
        said.append(f"The fee is {rules.fee.amount} {rules.fee.currency}, paid at check-out.")
    if rules.deposit is not None:
        said.append(
            f"A deposit of {rules.deposit.amount} {rules.deposit.currency} is held from "
            "check-out until the keeper's report on its return."
        )
    who = {
        "any": "Any member may book it.",
        "privilege": f"Members whose standing unlocks {rules.privilege!r} may book it.",
        "trained": f"Members trained in {rules.skill!r} may book it (name your training record).",
        "role": f"Holders of the role {rules.role!r} may book it.",
    }
    said.append(who.get(rules.who, rules.who))
    return said


# --- the inventory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    words: str = ""
    lendable: bool = False

    def query(self, **more: object) -> str:
        kept = {"kind": self.kind, "words": self.words, "lendable": "1" if self.lendable else ""}
        kept.update({name: str(value) for name, value in more.items() if value is not None})
        given = {name: value for name, value in kept.items() if value}
        return f"?{urlencode(given)}" if given else ""


def _inventory(
    request: Request,
    commons_id: str,
    filters: Filters,
    before: int | None = None,
    *,
    form: LendForm | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    node = node_of(request)
    page = resources_read.list_resources(
        node,
        commons_id,
        kind=filters.kind or None,
        words=filters.words or None,
        lendable_only=filters.lendable,
        before=before,
        limit=RESOURCES_PER_PAGE,
    )
    account = current_account(request)
    context = _common(request, commons_id)
    context.update(
        page=page,
        before=before,
        filters=filters,
        is_member=active_member_of(node, commons_id, account),
        form=form or LendForm(),
        error=error,
        zones=COMMON_ZONES,
        who_words=WHO_WORDS,
        owner_words=OWNER_WORDS,
        older=resources_path(commons_id) + filters.query(before=page.next_before)
        if page.next_before
        else None,
        newest=resources_path(commons_id) + filters.query() if before else None,
    )
    return render(request, "resources_inventory.html", context, status=status)


@router.get("/commons/{commons_id}/resources")
def inventory_page(
    request: Request,
    commons_id: str,
    kind: Annotated[str, Query(max_length=20)] = "",
    words: Annotated[str, Query(max_length=100)] = "",
    lendable: bool = False,
    before: Before = None,
) -> Response:
    return _inventory(request, commons_id, Filters(kind, words.strip(), lendable), before)


@router.post("/commons/{commons_id}/resources")
def lend_resource(
    request: Request,
    commons_id: str,
    form: Annotated[LendForm, Depends(posted(LendForm))],
    csrf: FormText = "",
) -> Response:
    def again(error: CommonworkError) -> Response:
        said = form_message(error, LEND_LABELS)
        return _inventory(
            request, commons_id, Filters(), form=form, error=said, status=error.status
        )

    def to_resource(appended: Appended) -> Response:
        return see_other(resource_path(commons_id, appended.entry.id))

    def body() -> Fields:
        return form.body(request, commons_id)

    return _act(request, csrf, commons_id, resources_read.REGISTER, body, to_resource, again)


# --- the calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of one day: free, or held by a booking, a maintenance block or an offer.
    ``start``/``end`` are the local times it covers (``24:00`` at the day's end); a held one
    names its ``slot``, the booked time's own end within the day (``until``) and where its
    buffer ends (``buffer``); a free one not yet past fills the booking form (``fill``)."""

    kind: str
    start: str
    end: str
    minutes: int
    slot: Slot | None = None
    until: str | None = None
    buffer: str | None = None
    past: bool = False
    fill: str | None = None


@dataclass(frozen=True)
class Day:
    day: date
    label: str
    today: bool
    outside: bool  # of another month than the month shown
    segments: tuple[Segment, ...]
    free_minutes: int

    @property
    def free_words(self) -> str:
        """How much of the day is still free to book, in words."""
        if len(self.segments) == 1 and self.segments[0].kind == "free" and self.free_minutes:
            return "free all day"
        hours, minutes = divmod(self.free_minutes, 60)
        return f"{hours} h {minutes:02d} min free" if minutes else f"{hours} h free"


@dataclass(frozen=True)
class Frame:
    """What the calendar is drawn in: the resource's zone and rules, now, and the view."""

    zone: str
    buffer: int
    most: int  # the longest booking, in minutes
    now: int
    view: str


def _clock_text(minutes: int, day_end: int, zone: str) -> str:
    return "24:00" if minutes >= day_end else f"{local_of(minutes, zone):%H:%M}"


def _fill(frame: Frame, lo: int, hi: int, next_held: int | None) -> str | None:
    """The query that fills the booking form with a free stretch [lo, hi): from the later of
    its start and the next quarter hour, for as long as the rules and the next held time (less
    the buffer) allow; None when nothing fits."""
    start = max(lo, -(-frame.now // ROUND_MINUTES) * ROUND_MINUTES)
    end = min(hi, start + frame.most)
    if next_held is not None:
        end = min(end, next_held - frame.buffer)
    if end <= start:
        return None
    first, last = local_of(start, frame.zone), local_of(end, frame.zone)
    fields = {
        "view": frame.view,
        "at": first.date().isoformat(),
        "start_date": first.date().isoformat(),
        "start_time": f"{first:%H:%M}",
        "end_date": last.date().isoformat(),
        "end_time": f"{last:%H:%M}",
    }
    return f"?{urlencode(fields)}#book"


def _held(slot: Slot, lo: int, hi: int, frame: Frame) -> Segment:
    start, end = max(slot.start_min, lo), min(slot.held_until_min, hi)
    until = _clock_text(slot.end_min, hi, frame.zone) if lo < slot.end_min else None
    buffer = None
    if slot.held_until_min > slot.end_min and slot.held_until_min > lo:
        buffer = _clock_text(slot.held_until_min, hi, frame.zone)
    return Segment(
        kind=slot.kind,
        start=_clock_text(start, hi, frame.zone),
        end=_clock_text(end, hi, frame.zone),
        minutes=end - start,
        slot=slot,
        until=until,
        buffer=buffer,
        past=end <= frame.now,
    )


def _free(lo: int, hi: int, day_end: int, frame: Frame, next_held: int | None) -> list[Segment]:
    """A free stretch [lo, hi): what of it has passed, and what is still to book."""
    if lo < frame.now < hi:
        passed = _free(lo, frame.now, day_end, frame, next_held)
        return passed + _free(frame.now, hi, day_end, frame, next_held)
    past = hi <= frame.now
    shown = Segment(
        kind="free",
        start=_clock_text(lo, day_end, frame.zone),
        end=_clock_text(hi, day_end, frame.zone),
        minutes=hi - lo,
        past=past,
        fill=None if past else _fill(frame, lo, hi, next_held),
    )
    return [shown]


def day_segments(slots: tuple[Slot, ...], lo: int, hi: int, frame: Frame) -> list[Segment]:
    """The day [lo, hi) cut into free and held stretches, in order (held rows never overlap:
    the rules and the database see to it)."""
    found: list[Segment] = []
    cursor = lo
    for slot in slots:
        if slot.held_until_min <= lo or slot.start_min >= hi:
            continue
        start = max(slot.start_min, lo)
        if start > cursor:
            found += _free(cursor, start, hi, frame, slot.start_min)
        found.append(_held(slot, lo, hi, frame))
        cursor = max(cursor, min(slot.held_until_min, hi))
    if cursor < hi:
        later = [slot.start_min for slot in slots if slot.start_min >= hi]
        found += _free(cursor, hi, hi, frame, min(later) if later else None)
    return found


def _days(first: date, count: int) -> Iterator[date]:
    for offset in range(count):
        yield first + timedelta(days=offset)


def calendar_range(view: str, at: date) -> tuple[date, int, date, date]:
    """The first day drawn, how many days, and the previous and next pages' dates: a week from
    its Monday, or a month from the Monday of its first week to the Sunday of its last."""
    if view == "month":
        first_of_month = at.replace(day=1)
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        last = next_month - timedelta(days=1)
        last += timedelta(days=6 - last.weekday())
        previous = (first_of_month - timedelta(days=1)).replace(day=1)
        return first, (last - first).days + 1, previous, next_month
    first = at - timedelta(days=at.weekday())
    return first, 7, first - timedelta(days=7), first + timedelta(days=7)


def calendar_view(
    request: Request, commons_id: str, detail: ResourceDetail, view: str, at: date
) -> dict[str, Any]:
    """What the calendar shows: the days of the view, each cut into free and held stretches in
    the resource's zone, and the links to the previous and next week or month."""
    zone, rules = detail.item.zone, detail.rules
    first, count, previous, following = calendar_range(view, at)
    bounds = [minutes_at(day, zone) for day in _days(first, count + 1)]
    drawn = resources_read.calendar(
        node_of(request), commons_id, detail.item.resource_id, bounds[0], bounds[-1]
    )
    now = now_minutes(request)
    frame = Frame(zone, rules.buffer_minutes, rules.max_hours * 60, now, view)
    today = local_of(now, zone).date()
    days = []
    for index, day in enumerate(_days(first, count)):
        segments = day_segments(drawn.slots, bounds[index], bounds[index + 1], frame)
        free = sum(s.minutes for s in segments if s.kind == "free" and not s.past)
        outside = view == "month" and day.month != at.month
        days.append(Day(day, day_label(day), day == today, outside, tuple(segments), free))
    here = resource_path(commons_id, detail.item.resource_id)

    def page(shown: str, day: date) -> str:
        return f"{here}?{urlencode({'view': shown, 'at': day.isoformat()})}"

    if view == "month":
        title = f"{at:%B %Y}"
    else:
        last = first + timedelta(days=6)
        title = f"{day_label(first)} to {day_label(last)} {last.year}"
    return {
        "view": view,
        "at": at,
        "days": days,
        "title": title,
        "previous": page(view, previous),
        "following": page(view, following),
        "today_link": page(view, today),
        "other_view": page("week" if view == "month" else "month", at),
    }


# --- one resource -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Taken:
    """Who holds the time a booking asked for: the holder's name, what holds it (a booking, a
    block, an offer) and its local times."""

    booking_id: str
    kind: str
    holder: str
    start: str
    end: str
    held_until: str


@dataclass(frozen=True)
class ResourceShown:
    form: BookingForm = field(default_factory=BookingForm)
    error: str = ""
    taken: Taken | None = None
    wait_error: str = ""


def _at_of(text: str | None, detail: ResourceDetail, now: int) -> date:
    if not text:
        return local_of(now, detail.item.zone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"at: a date such as 2031-03-08, not {text!r}") from None


def _shown_day(text: str) -> str | None:
    """The date a refused form typed, to show its week again (none when it is no date)."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


def _resource(
    request: Request,
    commons_id: str,
    resource_id: str,
    view: str = "week",
    at: str | None = None,
    shown_: ResourceShown | None = None,
    *,
    status: int = 200,
) -> Response:
    node = node_of(request)
    detail = resources_read.resource_detail(node, commons_id, resource_id)
    account = current_account(request)
    now = now_minutes(request)
    context = _common(request, commons_id)
    context.update(
        detail=detail,
        r=detail.item,
        rules_said=rules_words(detail.rules),
        who_words=WHO_WORDS,
        is_member=active_member_of(node, commons_id, account),
        shown=shown_ or ResourceShown(),
        cal=calendar_view(request, commons_id, detail, view, _at_of(at, detail, now)),
        feed=f"/api/v1/commons/{commons_id}/resources/{resource_id}/calendar.ics",
        here=resource_path(commons_id, resource_id),
        now_text=local_text(now, detail.item.zone),
    )
    return render(request, "resources_resource.html", context, status=status)


@router.get("/commons/{commons_id}/resources/{resource_id}")
def resource_page(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    view: Literal["week", "month"] = "week",
    at: DayText = None,
    start_date: Typed = "",
    start_time: Typed = "",
    end_date: Typed = "",
    end_time: Typed = "",
) -> Response:
    """The resource and its calendar; a free slot's link fills the booking form."""
    form = BookingForm(start_date, start_time, end_date, end_time)
    return _resource(request, commons_id, resource_id, view, at, ResourceShown(form=form))


def _taken(request: Request, commons_id: str, error: CommonworkError, zone: str) -> Taken | None:
    """Who holds the time a refused booking asked for (a 409 names the row that holds it)."""
    held = error.extra.get("booking")
    if error.status != 409 or not isinstance(held, str):
        return None
    try:
        slot = resources_read.booking_detail(node_of(request), commons_id, held).slot
    except NotFound:
        return None
    return Taken(
        booking_id=slot.booking_id,
        kind=slot.kind,
        holder=slot.member_name,
        start=local_text(slot.start_min, zone),
        end=local_text(slot.end_min, zone),
        held_until=local_text(slot.held_until_min, zone),
    )


def _in_words(error: CommonworkError, labels: Labels, taken: Taken | None) -> str:
    """A refusal in the words of the form, naming a holder by name rather than by key."""
    said = form_message(error, labels)
    holder = error.extra.get("holder")
    if taken is not None and isinstance(holder, str) and holder:
        said = said.replace(holder, taken.holder)
    return said


@router.post("/commons/{commons_id}/resources/{resource_id}/bookings")
def book_resource(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[BookingForm, Depends(posted(BookingForm))],
    csrf: FormText = "",
) -> Response:
    """Book the time typed; refused because it is taken, the page says who holds it and offers
    the waiting list for the same time."""
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    zone = detail.item.zone

    def again(error: CommonworkError) -> Response:
        taken = _taken(request, commons_id, error, zone)
        said = _in_words(error, BOOK_LABELS, taken)
        kept = ResourceShown(form=form, error=said, taken=taken)
        return _resource(
            request, commons_id, resource_id, "week", _shown_day(form.start_date), kept,
            status=error.status,
        )  # fmt: skip

    def to_booking(appended: Appended) -> Response:
        return see_other(booking_path(commons_id, appended.entry.id))

    def body() -> Fields:
        return form.body(resource_id, zone)

    return _act(request, csrf, commons_id, resources_read.BOOK, body, to_booking, again)


@router.post("/commons/{commons_id}/resources/{resource_id}/waits")
def join_waiting_list(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[BookingForm, Depends(posted(BookingForm))],
    csrf: FormText = "",
) -> Response:
    """Join the waiting list for the time typed (as the booking form held it)."""
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    zone = detail.item.zone

    def again(error: CommonworkError) -> Response:
        kept = ResourceShown(form=form, wait_error=form_message(error, BOOK_LABELS))
        return _resource(
            request, commons_id, resource_id, "week", _shown_day(form.start_date), kept,
            status=error.status,
        )  # fmt: skip

    def to_mine(appended: Appended) -> Response:
        return see_other(f"{mine_path(commons_id)}#wait-{appended.entry.id}")

    def body() -> Fields:
        return replace(form, note="").interval(resource_id, zone)

    return _act(request, csrf, commons_id, resources_read.WAIT, body, to_mine, again)


# --- one booking ------------------------------------------------------------------------------

#: The booking page's buttons: (name, action type, the body's target field, a body for the dry
#: run beyond the target).
BOOKING_ACTIONS: tuple[tuple[str, str, str, Fields], ...] = (
    ("accept", resources_read.ACCEPT, "offer", {}),
    ("decline", resources_read.DECLINE, "offer", {}),
    ("check-out", resources_read.CHECK_OUT, "booking", {}),
    ("check-in", resources_read.CHECK_IN, "booking", {}),
    ("dispute", resources_read.DISPUTE, "booking", {"reason": "a reason"}),
    ("cancel", resources_read.CANCEL, "booking", {}),
)
CHECK_IN_LABELS: Labels = {
    "condition": "Condition as it came back",
    "damage": "Damage",
    "keep": "Deposit kept",
}


def may_do(request: Request, commons_id: str, booking_id: str) -> dict[str, bool]:
    """Which of the booking page's buttons the reader may press now, as a dry run of each rule
    says (a stranger: none)."""
    account = current_account(request)
    if account is None:
        return {name: False for name, *_ in BOOKING_ACTIONS}
    candidates = [
        (action_type, {target: booking_id, **more})
        for _, action_type, target, more in BOOKING_ACTIONS
    ]
    verdicts = dry_run(node_of(request), commons_id, account.did, candidates)
    return {
        name: verdict.allowed for (name, *_), verdict in zip(BOOKING_ACTIONS, verdicts, strict=True)
    }


@dataclass(frozen=True)
class BookingShown:
    name: str = ""
    form: Any = None
    error: str = ""


def _booking(
    request: Request,
    commons_id: str,
    booking_id: str,
    shown_: BookingShown | None = None,
    *,
    status: int = 200,
) -> Response:
    detail = resources_read.booking_detail(node_of(request), commons_id, booking_id)
    zone, slot = detail.zone, detail.slot
    context = _common(request, commons_id)
    context.update(
        b=detail,
        s=slot,
        when={
            "start": local_text(slot.start_min, zone),
            "end": local_text(slot.end_min, zone),
            "held_until": local_text(slot.held_until_min, zone),
        },
        week=f"{resource_path(commons_id, slot.resource)}"
        f"?{urlencode({'at': local_of(slot.start_min, zone).date().isoformat()})}",
        deposit_words=DEPOSIT_WORDS,
        may=may_do(request, commons_id, booking_id),
        shown=shown_ or BookingShown(),
        here=booking_path(commons_id, booking_id),
        mine=current_account(request) is not None,
    )
    return render(request, "resources_booking.html", context, status=status)


@router.get("/commons/{commons_id}/bookings/{booking_id}")
def booking_page(request: Request, commons_id: str, booking_id: EntryId) -> Response:
    return _booking(request, commons_id, booking_id)


def _keep_minor(request: Request, commons_id: str, detail: BookingDetail, typed: str) -> int:
    """What a return report keeps of the deposit, typed in the deposit's currency."""
    amount = typed.strip()
    if not amount or amount.strip("0.") == "":
        return 0
    if detail.deposit is None:
        raise BadInput("Deposit kept: this booking holds no deposit to keep")
    return minor_units(node_of(request), commons_id, detail.deposit.currency, amount)


def _booking_body(
    request: Request, commons_id: str, name: str, booking_id: str, form: Any
) -> Fields:
    """The body of the booking page's action ``name`` from its form."""
    if name in ("accept", "decline"):
        return {"offer": booking_id}
    body: Fields = {"booking": booking_id}
    if name == "dispute" or (name == "cancel" and form.reason.strip()):
        body["reason"] = form.reason.strip()
    elif name == "check-out" and form.condition.strip():
        body["condition"] = form.condition.strip()
    elif name == "check-in":
        detail = resources_read.booking_detail(node_of(request), commons_id, booking_id)
        body.update(condition=form.condition.strip(), damage=form.damage.strip())
        kept = _keep_minor(request, commons_id, detail, form.keep)
        if kept:
            body["keep"] = kept
    return body


FORMS: dict[str, type[Any]] = {
    "accept": NoFields,
    "decline": NoFields,
    "check-out": ConditionForm,
    "check-in": ReturnForm,
    "dispute": ReasonForm,
    "cancel": ReasonForm,
}
LABELS: dict[str, Labels] = {
    "check-out": {"condition": "Condition as it leaves"},
    "check-in": CHECK_IN_LABELS,
    "dispute": {"reason": "Why the report is wrong"},
    "cancel": {"reason": "Why cancel"},
}


def _on_booking(name: str, action_type: str) -> Callable[..., Response]:
    """The route of one of the booking page's forms: back to the booking (a declined offer: to
    my bookings), or the page again with the refusal next to the form."""

    def on_booking(
        request: Request,
        commons_id: str,
        booking_id: EntryId,
        csrf: FormText = "",
        form: Any = Depends(posted(FORMS[name])),  # noqa: B008 (FastAPI's way to read a form)
    ) -> Response:
        def again(error: CommonworkError) -> Response:
            kept = BookingShown(name, form, form_message(error, LABELS.get(name, {})))
            try:
                return _booking(request, commons_id, booking_id, kept, status=error.status)
            except NotFound:  # no such booking to show again: the refusal's own page
                raise error from None

        back = mine_path(commons_id) if name == "decline" else booking_path(commons_id, booking_id)

        def body() -> Fields:
            return _booking_body(request, commons_id, name, booking_id, form)

        return _act(request, csrf, commons_id, action_type, body, back, again)

    on_booking.__name__ = f"booking_{name.replace('-', '_')}"
    return on_booking


def _add_booking_forms() -> None:
    for name, action_type, _, _ in BOOKING_ACTIONS:
        router.add_api_route(
            f"/commons/{{commons_id}}/bookings/{{booking_id}}/{name}",
            _on_booking(name, action_type),
            methods=["POST"],
            name=f"booking_{name.replace('-', '_')}",
        )


_add_booking_forms()


# --- my bookings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MineRow:
    """One of my bookings, offers or blocks, with its resource's name and local times."""

    slot: Slot
    resource_name: str
    zone: str
    start: str
    end: str


def _resource_names(request: Request, commons_id: str, ids: set[str]) -> dict[str, tuple[str, str]]:
    """The name and zone of each resource named (one read each: a person's page lists few)."""
    found = {}
    for resource_id in sorted(ids):
        try:
            detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
        except NotFound:
            continue
        found[resource_id] = (detail.item.name, detail.item.zone)
    return found


def _mine(request: Request, commons_id: str, *, error: str = "", status: int = 200) -> Response:
    account = current_account(request)
    if account is None:
        return see_other(f"/signin?next={mine_path(commons_id)}")
    now = now_minutes(request)
    node = node_of(request)
    mine = resources_read.my_bookings(
        node, commons_id, account.did, from_min=now - MINE_PAST_DAYS * 1440
    )
    titles = _resource_names(
        request, commons_id, {s.resource for s in mine.slots} | {w.resource for w in mine.waits}
    )
    rows = []
    for slot in mine.slots:
        name, zone = titles.get(slot.resource, (slot.resource[:12], "UTC"))
        start, end = local_text(slot.start_min, zone), local_text(slot.end_min, zone)
        rows.append(MineRow(slot, name, zone, start, end))
    waits = []
    for wait in mine.waits:
        zone = titles.get(wait.resource, ("", "UTC"))[1]
        start = local_text(resources_read.minutes_of(wait.start), zone)
        waits.append((wait, start, local_text(resources_read.minutes_of(wait.end), zone), zone))
    context = _common(request, commons_id)
    context.update(
        offers=[row for row in rows if row.slot.kind == "offer" and row.slot.status == "offered"],
        bookings=[row for row in rows if row.slot.kind == "booking"],
        blocks=[row for row in rows if row.slot.kind == "block"],
        waits=waits,
        wait_words=WAIT_WORDS,
        is_member=active_member_of(node, commons_id, account),
        feed=f"/api/v1/commons/{commons_id}/members/{account.did}/bookings.ics",
        error=error,
    )
    return render(request, "resources_mine.html", context, status=status)


@router.get("/commons/{commons_id}/me/bookings")
def my_bookings_page(request: Request, commons_id: str) -> Response:
    return _mine(request, commons_id)


@router.post("/commons/{commons_id}/waits/{wait_id}/leave")
def leave_waiting_list(
    request: Request, commons_id: str, wait_id: EntryId, csrf: FormText = ""
) -> Response:
    def again(error: CommonworkError) -> Response:
        return _mine(request, commons_id, error=error.detail, status=error.status)

    def body() -> Fields:
        return {"wait": wait_id}

    back = mine_path(commons_id)
    return _act(request, csrf, commons_id, resources_read.LEAVE, body, back, again)
