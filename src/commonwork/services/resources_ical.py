"""The bookings of shared resources as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

The module is pure: it takes the events already read and returns the bytes of one VCALENDAR. Each
booking is a VEVENT with a stable UID (``booking-<id>@<node>``), so a subscribed calendar updates
an event in place rather than adding it again; SEQUENCE, LAST-MODIFIED and DTSTAMP tell it which
copy is newer. DTSTAMP is the booking's last change: a feed has no METHOD, and RFC 5545 (3.8.7.2)
then asks DTSTAMP to say when the information was last revised, not when the file was written.

Start and end are the resource's own wall-clock times with ``TZID=<zone>``, so "10:00 in Berlin"
stays 10:00 across a change of daylight-saving time; only a time in the hour the clocks go back
through a second time is written in UTC, since a local time that occurs twice means the first of
them. Each zone in use gets a VTIMEZONE that icalendar builds from the zoneinfo database, covering
the whole years of the events in that zone.
Zones that icalendar takes for UTC (``UTC``, ``Etc/UTC``, and zones it finds equivalent, such as
``Atlantic/Reykjavik``) are written as plain UTC times ending in Z and need no VTIMEZONE.

Times come in as whole minutes since the epoch (UTC) and journal times; the only arithmetic on a
float is the conversion of minutes to a datetime.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from commonwork.journal.actions import parse_time

PRODID = "-//commonwork//resources//EN"
STATUSES = frozenset({"CONFIRMED", "TENTATIVE"})
_BOOKING_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FeedEvent:
    """One booking (or offered slot) of one resource, as the feed shows it."""

    uid_id: str  # the booking's id (64 hex); the UID is f"booking-{uid_id}@{node}"
    resource_name: str  # e.g. "Laser cutter"
    zone: str  # IANA zone of the resource, e.g. "Europe/Berlin"
    start_min: int  # minutes since 1970-01-01T00:00Z (UTC)
    end_min: int  # minutes since the epoch, UTC, > start_min
    summary: str  # e.g. "Laser cutter: booked by Ada" or "Laser cutter: maintenance"
    description: str  # free text, may be ""
    location: str  # may be ""
    status: str  # "CONFIRMED" or "TENTATIVE" (an offered slot)
    made_at: str  # journal time "2026-12-01T10:00:00.000Z" -> CREATED
    changed_at: str  # journal time -> LAST-MODIFIED and DTSTAMP
    sequence: int  # SEQUENCE, >= 0


def feed(name: str, node: str, events: list[FeedEvent]) -> bytes:
    """A VCALENDAR named ``name`` with one VEVENT per event, sorted by start and then by id.

    Each zone whose times carry a TZID gets one VTIMEZONE, placed before the events. The same
    events give the same bytes. Raises ValueError for an event that is not well formed (an id that
    is not 64 lowercase hex digits, an end not after the start, an unknown status, a negative
    sequence) and zoneinfo's ZoneInfoNotFoundError for an unknown zone.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.calendar_name = name
    years: dict[str, set[int]] = {}
    for item in sorted(events, key=lambda e: (e.start_min, e.uid_id)):
        vevent, start, end = _vevent(node, item)
        calendar.add_component(vevent)
        years.setdefault(item.zone, set()).update((start.year, end.year))
    calendar.subcomponents[:0] = [
        Timezone.from_tzid(
            tzid,
            first_date=date(min(years[tzid]), 1, 1),
            last_date=date(max(years[tzid]) + 1, 1, 1),
        )
        for tzid in sorted(calendar.get_used_tzids())
    ]
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return ical


def _vevent(node: str, item: FeedEvent) -> tuple[Event, datetime, datetime]:
    """The VEVENT of one event, with the start and end it was given (see ``_local``)."""
    if not _BOOKING_ID.fullmatch(item.uid_id):
        raise ValueError(f"{item.uid_id!r} is not a booking id (64 lowercase hex digits)")
    if item.end_min <= item.start_min:
        raise ValueError(f"booking {item.uid_id} ends at or before its start")
    if item.status not in STATUSES:
        raise ValueError(
            f"booking {item.uid_id} has status {item.status!r}, not one of {sorted(STATUSES)}"
        )
    if item.sequence < 0:
        raise ValueError(f"booking {item.uid_id} has a negative sequence {item.sequence}")
    zone = ZoneInfo(item.zone)
    start = _local(item.start_min, zone)
    end = _local(item.end_min, zone)
    changed = _utc_seconds(item.changed_at)
    vevent = Event()
    vevent.add("uid", f"booking-{item.uid_id}@{node}")
    vevent.add("dtstamp", changed)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", item.summary)
    if item.description:
        vevent.add("description", item.description)
    if item.location:
        vevent.add("location", item.location)
    vevent.add("status", item.status)
    vevent.add("sequence", item.sequence)
    vevent.add("created", _utc_seconds(item.made_at))
    vevent.add("last-modified", changed)
    return vevent, start, end


def _local(minutes: int, zone: ZoneInfo) -> datetime:
    """The wall-clock time in ``zone`` of a whole minute since the epoch, or the time in UTC when
    the wall clock shows it twice and this is the second time.

    When the clocks go back, RFC 5545 (3.3.5) reads a local time that occurs twice as the first
    of them, so the second could only be written in UTC.
    """
    local = datetime.fromtimestamp(minutes * 60, tz=UTC).astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return local.astimezone(UTC)
    return local


def _utc_seconds(journal_time: str) -> datetime:
    """A journal time in UTC without its milliseconds, which iCalendar cannot write."""
    return parse_time(journal_time).replace(microsecond=0)
