"""The iCalendar feed of resource bookings: it parses back, keeps its UIDs, and keeps local times
right across a change of daylight-saving time, by zoneinfo and by the VTIMEZONE it carries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from commonwork.services.resources_ical import FeedEvent, feed

NODE = "node.example"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def minutes(moment: datetime) -> int:
    """Whole minutes since the epoch, by integer arithmetic."""
    return (moment - EPOCH) // timedelta(minutes=1)


def booking(n: int, **changes: Any) -> FeedEvent:
    start = minutes(datetime(2026, 11, 2, 9, tzinfo=UTC)) + 60 * n
    made = FeedEvent(
        uid_id=f"{n:064x}",
        resource_name="Laser cutter",
        zone="Europe/Berlin",
        start_min=start,
        end_min=start + 90,
        summary="Laser cutter: booked by Ada",
        description="",
        location="",
        status="CONFIRMED",
        made_at="2026-10-01T10:00:00.000Z",
        changed_at="2026-10-02T11:30:00.250Z",
        sequence=0,
    )
    return replace(made, **changes)


def parsed(events: list[FeedEvent], name: str = "Workshop") -> Calendar:
    return Calendar.from_ical(feed(name, NODE, events))


def by_uid(calendar: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in calendar.events}


def observances(calendar: Calendar, tzid: str) -> list[str]:
    (vtimezone,) = [tz for tz in calendar.timezones if tz.tz_name == tzid]
    return [part.name for part in vtimezone.subcomponents]


def test_events_parse_back_with_stable_uids() -> None:
    events = [booking(2), booking(0), booking(1)]
    first = feed("Workshop", NODE, events)
    calendar = Calendar.from_ical(first)

    assert str(calendar["PRODID"]) == "-//commonwork//resources//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Workshop"
    uids = [str(event["UID"]) for event in calendar.events]
    assert uids == [f"booking-{n:064x}@{NODE}" for n in (0, 1, 2)]  # sorted by start
    again = Calendar.from_ical(feed("Workshop", NODE, list(reversed(events))))
    assert [str(event["UID"]) for event in again.events] == uids
    assert feed("Workshop", NODE, events) == first  # the same events give the same bytes


def test_event_fields_round_trip() -> None:
    made = booking(0, sequence=3, location="Hall 2", description="Bring your own plywood.")
    (event,) = parsed([made]).events

    assert event.decoded("DTSTART").astimezone(UTC) == EPOCH + timedelta(minutes=made.start_min)
    assert event.decoded("DTEND").astimezone(UTC) == EPOCH + timedelta(minutes=made.end_min)
    assert event.decoded("DTSTAMP") == datetime(2026, 10, 2, 11, 30, tzinfo=UTC)
    assert event["DTSTAMP"].to_ical() == b"20261002T113000Z"
    assert event.decoded("CREATED") == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert event.decoded("LAST-MODIFIED") == datetime(2026, 10, 2, 11, 30, tzinfo=UTC)
    assert event.decoded("SEQUENCE") == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Laser cutter: booked by Ada"
    assert str(event["LOCATION"]) == "Hall 2"
    assert str(event["DESCRIPTION"]) == "Bring your own plywood."


def test_empty_text_is_left_out() -> None:
    (event,) = parsed([booking(0)]).events

    assert "DESCRIPTION" not in event
    assert "LOCATION" not in event


def test_booking_across_the_change_to_winter_time_keeps_wall_clock_times() -> None:
    # Clocks go back on Sunday 2026-10-25 in Berlin: 10:00 is 08:00Z before and 09:00Z after.
    start = minutes(datetime(2026, 10, 24, 8, tzinfo=UTC))
    end = minutes(datetime(2026, 10, 26, 9, tzinfo=UTC))
    raw = feed("Workshop", NODE, [booking(0, start_min=start, end_min=end)])
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.events

    assert b"DTSTART;TZID=Europe/Berlin:20261024T100000" in raw
    assert b"DTEND;TZID=Europe/Berlin:20261026T100000" in raw
    for prop, expected in (("DTSTART", start), ("DTEND", end)):
        assert event[prop].params["TZID"] == "Europe/Berlin"
        moment = event.decoded(prop)
        assert (moment.hour, moment.minute) == (10, 0)
        assert moment.astimezone(UTC) == EPOCH + timedelta(minutes=expected)
    assert set(observances(calendar, "Europe/Berlin")) == {"STANDARD", "DAYLIGHT"}

    # The VTIMEZONE on its own (not zoneinfo's Berlin) gives the same instants.
    (vtimezone,) = calendar.timezones
    own = vtimezone.to_tz(lookup_tzid=False)
    assert datetime(2026, 10, 24, 10, tzinfo=own).astimezone(UTC) == datetime(
        2026, 10, 24, 8, tzinfo=UTC
    )
    assert datetime(2026, 10, 26, 10, tzinfo=own).astimezone(UTC) == datetime(
        2026, 10, 26, 9, tzinfo=UTC
    )


def test_vtimezone_covers_every_year_of_the_events() -> None:
    later = minutes(datetime(2027, 7, 1, 8, tzinfo=UTC))
    calendar = parsed([booking(0), booking(1, start_min=later, end_min=later + 60)])
    (vtimezone,) = calendar.timezones
    own = vtimezone.to_tz(lookup_tzid=False)

    assert min(part.decoded("DTSTART") for part in vtimezone.subcomponents) <= datetime(2026, 1, 1)
    assert datetime(2026, 1, 1, 0, 30, tzinfo=own).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 7, 1, 10, tzinfo=own).utcoffset() == timedelta(hours=2)  # summer 2027
    assert datetime(2027, 12, 31, 23, tzinfo=own).utcoffset() == timedelta(hours=1)


def test_booking_right_after_the_clocks_go_forward() -> None:
    # 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST at 01:00Z.
    start = minutes(datetime(2026, 3, 29, 1, tzinfo=UTC))
    raw = feed("Workshop", NODE, [booking(0, start_min=start, end_min=start + 60)])
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.events
    own = calendar.timezones[0].to_tz(lookup_tzid=False)

    assert b"DTSTART;TZID=Europe/Berlin:20260329T030000" in raw
    wall = event.decoded("DTSTART").replace(tzinfo=None)
    assert wall.replace(tzinfo=own).astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_second_pass_through_the_repeated_hour_is_written_in_utc() -> None:
    # 2026-10-25 in Berlin: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    first = minutes(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    second = first + 60
    raw = feed(
        "Workshop",
        NODE,
        [
            booking(0, start_min=first, end_min=first + 30),
            booking(1, start_min=second, end_min=second + 30),
        ],
    )
    events = by_uid(Calendar.from_ical(raw))
    early = events[f"booking-{0:064x}@{NODE}"]
    late = events[f"booking-{1:064x}@{NODE}"]

    assert early["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert b"DTSTART;TZID=Europe/Berlin:20261025T023000" in raw
    assert b"DTSTART:20261025T013000Z" in raw
    assert early.decoded("DTSTART").astimezone(UTC) == EPOCH + timedelta(minutes=first)
    assert late.decoded("DTSTART").astimezone(UTC) == EPOCH + timedelta(minutes=second)
    assert late["DTEND"].params["TZID"] == "Europe/Berlin"  # 03:00 CET happens once


def test_empty_feed_is_a_valid_calendar_without_events() -> None:
    raw = feed("Nothing booked", NODE, [])
    calendar = Calendar.from_ical(raw)

    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert calendar.events == []
    assert calendar.timezones == []
    assert b"VEVENT" not in raw
    assert str(calendar["X-WR-CALNAME"]) == "Nothing booked"


def test_two_zones_give_two_vtimezones_and_tentative_is_kept() -> None:
    tokyo = booking(1, zone="Asia/Tokyo", resource_name="Kiln", status="TENTATIVE")
    calendar = parsed([booking(0), tokyo])

    assert sorted(str(tz.tz_name) for tz in calendar.timezones) == ["Asia/Tokyo", "Europe/Berlin"]
    events = by_uid(calendar)
    kiln = events[f"booking-{1:064x}@{NODE}"]
    assert str(kiln["STATUS"]) == "TENTATIVE"
    assert kiln["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert kiln.decoded("DTSTART").hour == (9 + 1 + 9) % 24  # 10:00Z in Tokyo, UTC+9
    assert str(events[f"booking-{0:064x}@{NODE}"]["STATUS"]) == "CONFIRMED"


def test_utc_zone_is_written_with_z_and_needs_no_vtimezone() -> None:
    made = booking(0, zone="UTC")
    raw = feed("Workshop", NODE, [made])
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.events

    assert b"DTSTART:20261102T090000Z" in raw
    assert calendar.timezones == []
    assert event.decoded("DTSTART") == EPOCH + timedelta(minutes=made.start_min)


def test_text_with_commas_semicolons_and_newlines_round_trips() -> None:
    summary = "Laser cutter: booked by Ada, Bob; and Cy"
    description = "Line one, with a comma;\nline two; with a semicolon\\ and a backslash\n\nlast"
    location = "Hall 2, bench 3; by the door"
    name = "Workshop, east; wing"
    made = booking(0, summary=summary, description=description, location=location)
    raw = feed(name, NODE, [made])
    (event,) = Calendar.from_ical(raw).events

    assert b"Ada\\, Bob\\; and Cy" in raw  # escaped as RFC 5545 says
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == location
    assert str(Calendar.from_ical(raw)["X-WR-CALNAME"]) == name


def test_long_lines_are_folded_at_75_octets() -> None:
    raw = feed("Workshop", NODE, [booking(0, description="ä" * 200)])

    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    (event,) = Calendar.from_ical(raw).events
    assert str(event["DESCRIPTION"]) == "ä" * 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uid_id": "abc"}, "not a booking id"),
        ({"uid_id": "A" * 64}, "not a booking id"),
        ({"end_min": minutes(datetime(2026, 11, 2, 9, tzinfo=UTC))}, "ends at or before"),
        ({"status": "CANCELLED"}, "status"),
        ({"sequence": -1}, "negative sequence"),
    ],
)
def test_malformed_events_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        feed("Workshop", NODE, [booking(0, **changes)])
