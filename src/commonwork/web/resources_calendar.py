"""Times in a resource's own zone and the arithmetic of its calendar: pure functions of what the
pages of shared resources (web/pages_resources*.py) read, with no request and no node.

A time is typed as a local date and time in the resource's zone and signed as UTC
``2026-12-05T09:30Z`` (zoneinfo converts it); a local time the clocks skip is refused. The
calendar is a week (from its Monday) or a month (from the Monday of its first week to the Sunday
of its last), each day cut in the zone into free and held stretches: a day the clocks go back
has 25 hours, one they go forward 23.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from commonwork.errors import BadInput
from commonwork.services import resources_read
from commonwork.services.resources_read import Slot, minutes_of

#: Where a free slot's booking link starts it: the next quarter hour from now.
ROUND_MINUTES = 15


# --- times in a resource's zone --------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


#: Minutes since the epoch (UTC) as the wall-clock time in a zone.
local_of = resources_read.wall_clock


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
    found = resources_read.from_wall_clock(datetime.combine(day, clock), zone)
    if found is None:
        raise BadInput(
            f"{label}: {day.isoformat()} {clock:%H:%M} does not exist in {zone} (the clocks "
            "go forward then): choose a later time"
        )
    return resources_read.minutes_text(found)


def local_text(minutes: int, zone: str) -> str:
    """Minutes since the epoch as a person in ``zone`` reads them: ``Sat 8 Mar 2031, 09:00``."""
    moment = local_of(minutes, zone)
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"


def zoned_text(minutes: int, zone: str) -> str:
    """``local_text`` with the zone's abbreviation then: ``Sat 8 Mar 2031, 09:00 CET``."""
    return f"{local_text(minutes, zone)} {local_of(minutes, zone):%Z}"


def zoned_of(text: str | None, zone: str) -> str:
    """A journal time (UTC text) as ``zoned_text`` shows it; empty for none."""
    return zoned_text(minutes_of(text), zone) if text else ""


def span_text(start: int, end: int, zone: str) -> str:
    """A stretch as its clock times, naming the day of an end on another day than its start:
    ``09:00 to 13:00`` (an en dash between; ``24:00`` for an end at the next midnight), or
    ``Sat 09:00 → Sun 18:00``."""
    first, last = local_of(start, zone), local_of(end, zone)
    if first.date() == last.date():
        return f"{first:%H:%M}\u2013{last:%H:%M}"
    if last.date() == first.date() + timedelta(days=1) and last.time() == time(0):
        return f"{first:%H:%M}\u201324:00"
    return f"{first:%a %H:%M} \u2192 {last:%a %H:%M}"


def state_now(slots: tuple[Slot, ...], now: int, zone: str) -> str:
    """What holds the resource now, of the rows read: out with someone (until the end of their
    booking), or in maintenance; empty when neither."""
    for slot in slots:
        if slot.status == "out" and slot.start_min <= now:
            return f"Out with {slot.member_name} until {zoned_text(slot.end_min, zone)}"
    for slot in slots:
        if (
            slot.kind == "block"
            and slot.status == "blocked"
            and slot.start_min <= now < slot.end_min
        ):
            return f"In maintenance until {zoned_text(slot.end_min, zone)}"
    return ""


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def shown_day(text: str) -> str | None:
    """The date a refused form typed, to show its week again (none when it is no date)."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


# --- the calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of one day: free, or held by a booking, a maintenance block or an offer.
    ``start``/``end`` are the local times it covers (``24:00`` at the day's end); a held one
    names its ``slot``, the booked time's own end within the day (``until``), where its
    buffer truly ends (``buffer``, with the day when another) and the booked time itself
    (``span``, as ``span_text`` says it: with the days when it crosses midnight); a free one
    not yet past fills the booking form (``fill``)."""

    kind: str
    start: str
    end: str
    minutes: int
    slot: Slot | None = None
    until: str | None = None
    buffer: str | None = None
    past: bool = False
    fill: str | None = None
    span: str = ""


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
        end_day = local_of(slot.end_min, frame.zone).date()
        freed = local_of(slot.held_until_min, frame.zone)
        buffer = f"{freed:%H:%M}" if freed.date() == end_day else f"{freed:%a %H:%M}"
    return Segment(
        kind=slot.kind,
        start=_clock_text(start, hi, frame.zone),
        end=_clock_text(end, hi, frame.zone),
        minutes=end - start,
        slot=slot,
        until=until,
        buffer=buffer,
        past=end <= frame.now,
        span=span_text(slot.start_min, slot.end_min, frame.zone),
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


def calendar_bounds(view: str, at: date, zone: str) -> list[int]:
    """Where each day the view draws begins in ``zone``, and where the last ends (minutes)."""
    first, count, _, _ = calendar_range(view, at)
    return [minutes_at(day, zone) for day in _days(first, count + 1)]


def calendar_of(slots: tuple[Slot, ...], frame: Frame, at: date, here: str) -> dict[str, Any]:
    """What the calendar shows of what holds the resource's time (``slots``, read over
    ``calendar_bounds``): the days of the view, each cut into free and held stretches in the
    resource's zone, and the links (from the page ``here``) to the previous and next week or
    month, today, and the other view."""
    view, zone = frame.view, frame.zone
    first, count, previous, following = calendar_range(view, at)
    bounds = calendar_bounds(view, at, zone)
    today = local_of(frame.now, zone).date()
    days = []
    for index, day in enumerate(_days(first, count)):
        segments = day_segments(slots, bounds[index], bounds[index + 1], frame)
        free = sum(s.minutes for s in segments if s.kind == "free" and not s.past)
        outside = view == "month" and day.month != at.month
        days.append(Day(day, day_label(day), day == today, outside, tuple(segments), free))

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
        "state": state_now(slots, frame.now, zone),
    }
