"""``commonwork resources`` in process over a real node on a data directory: lend a drill, book
it (in UTC and in its own time zone), refuse an overlap naming the holder, the waiting list,
custody with a kept deposit and a dispute, the calendar in local time and UTC, the iCalendar
feed, and every --json output parsed.

Journal time is the real clock here: every time is computed from now (days ahead for bookings,
half an hour ahead for one that is checked out at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.support.cli import Cli

BERLIN = ZoneInfo("Europe/Berlin")
DRILL = (
    "--name", "Cordless drill", "--kind", "tool", "--zone", "Europe/Berlin",
    "--location", "Shelf 3", "--max-hours", "72", "--buffer-minutes", "120",
    "--quota", "6/30", "--deposit", "50.00", "EUR", "--fee", "3.00", "EUR",
)  # fmt: skip


@dataclass
class Space:
    commons: str
    drill: str
    dids: dict[str, str]


@pytest.fixture
def space(run: Cli) -> Space:
    """Ada founds a makerspace; Ben, Cy and Dee join; Ben lends his drill."""
    dids = {name: run.json("id", "new", name)["did"] for name in ("ada", "ben", "cy", "dee")}
    commons = run(
        "commons", "found", "--name", "Makerspace", "--purpose", "Share tools",
        "--licence", "CC-BY-SA-4.0", "--founder-name", "Ada", "--as", "ada",
    ).stdout.strip()  # fmt: skip
    for name in ("ben", "cy", "dee"):
        run("join", commons, "--name", name.title(), "--as", name)
    lent = run.json("resources", "lend", commons, *DRILL, "--as", "ben")
    assert lent["commons"] == commons
    return Space(commons, lent["id"], dids)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def ahead(days: int, hour: int) -> datetime:
    """``hour`` o'clock UTC, ``days`` from today."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hour)


def book(run: Cli, space: Space, who: str, start: str, end: str) -> str:
    made = run.json("resources", "book", space.commons, space.drill, start, end, "--as", who)
    return str(made["id"])


def test_lent_with_its_rules_in_minor_units_and_listed(run: Cli, space: Space) -> None:
    shown = run.json("resources", "show", space.commons, space.drill)
    assert shown["item"]["zone"] == "Europe/Berlin"
    assert shown["item"]["owner"] == space.dids["ben"]
    rules = shown["rules"]
    assert (rules["max_hours"], rules["buffer_minutes"]) == (72, 120)
    assert rules["quota"] == {"days": 6, "per_days": 30}
    assert (rules["deposit"]["amount_minor"], rules["deposit"]["currency"]) == (5000, "EUR")
    assert rules["fee"]["amount_minor"] == 300
    text = run("resources", "show", space.commons, space.drill).stdout
    assert "6 days in any 30" in text
    assert "50.00 EUR" in text
    [item] = run.json("resources", "list", space.commons, "--words", "DRILL")["items"]
    assert item["resource_id"] == space.drill
    assert run.json("resources", "list", space.commons, "--kind", "room")["items"] == []
    assert space.drill in run("resources", "list", space.commons, "--lendable").stdout
    run.refused(
        "resources", "lend", space.commons, "--name", "Saw", "--fee", "3.005", "EUR",
        "--as", "ben", says="decimals", code="bad_input",
    )  # fmt: skip
    run.refused(
        "resources", "lend", space.commons, "--name", "Saw", "--quota", "six", "--as", "ben",
        says="DAYS/PER_DAYS", code="bad_input",
    )  # fmt: skip


def test_update_changes_the_rules_named_and_keeps_the_others(run: Cli, space: Space) -> None:
    run(
        "resources", "update", space.commons, space.drill, "--buffer-minutes", "30", "--no-fee",
        "--who", "trained:drilling", "--condition", "new battery", "--as", "ben",
    )  # fmt: skip
    shown = run.json("resources", "show", space.commons, space.drill)
    rules = shown["rules"]
    assert rules["buffer_minutes"] == 30
    assert "fee" not in rules or rules["fee"] is None
    assert rules["deposit"]["amount_minor"] == 5000
    assert rules["quota"] == {"days": 6, "per_days": 30}
    assert (rules["who"], rules["skill"]) == ("trained", "drilling")
    assert shown["item"]["condition"] == "new battery"
    start, end = utc(ahead(3, 9)), utc(ahead(3, 11))
    run.refused(
        "resources", "book", space.commons, space.drill, start, end, "--as", "cy",
        says="trained in 'drilling'",
    )  # fmt: skip
    run.refused(
        "resources", "update", space.commons, space.drill, "--max-hours", "5", "--as", "cy",
        says="owner or custodian",
    )  # fmt: skip


def test_a_local_time_is_read_in_the_resource_zone_and_shown_in_both(
    run: Cli, space: Space
) -> None:
    day = (datetime.now(BERLIN) + timedelta(days=20)).date()
    booked = book(run, space, "cy", f"{day} 10:00", f"{day} 12:00")
    first = datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN)
    detail = run.json("resources", "booking", space.commons, booked)
    assert detail["slot"]["start"] == utc(first)
    assert detail["slot"]["end"] == utc(first + timedelta(hours=2))
    assert detail["slot"]["held_until"] == utc(first + timedelta(hours=4))  # the buffer
    assert detail["resource"]["zone"] == "Europe/Berlin"
    calendar = run(
        "resources", "calendar", space.commons, space.drill,
        "--from", str(day), "--to", str(day + timedelta(days=1)),
    ).stdout.splitlines()  # fmt: skip
    zone = first.tzname()
    at_utc = first.astimezone(UTC)
    line = (
        f"{first:%a %Y-%m-%d} 10:00-12:00 {zone} "
        f"({at_utc:%H:%M}Z-{at_utc + timedelta(hours=2):%H:%M}Z)  booked by Cy, held until 14:00"
    )
    assert f"{line}  {booked}" in calendar
    assert calendar[0].startswith(f"Cordless drill, Europe/Berlin: {first:%a %Y-%m-%d} 00:00")
    midnight = datetime(day.year, day.month, day.day, tzinfo=BERLIN)  # the day before, in UTC
    assert calendar[1] == f"{first:%a %Y-%m-%d} 00:00-10:00 {zone} " + (
        f"({utc(midnight)} - {utc(first)})  free"
    )
    assert calendar[-1].startswith(f"{first:%a %Y-%m-%d} 14:00")
    assert calendar[-1].endswith("free")
    found = run.json(
        "resources", "calendar", space.commons, space.drill,
        "--from", utc(first), "--to", utc(first + timedelta(days=1)),
    )  # fmt: skip
    assert [slot["booking_id"] for slot in found["slots"]] == [booked]
    assert found["resource"]["zone"] == "Europe/Berlin"


def test_a_time_the_clocks_skip_or_that_is_not_a_time_is_refused(run: Cli, space: Space) -> None:
    march = date(datetime.now(UTC).year + 1, 3, 31)
    last_sunday = march - timedelta(days=(march.weekday() + 1) % 7)
    run.refused(
        "resources", "book", space.commons, space.drill, f"{last_sunday} 02:30",
        f"{last_sunday} 04:00", "--as", "cy", says="the clocks skip it", code="bad_input",
    )  # fmt: skip
    run.refused(
        "resources", "book", space.commons, space.drill, "next friday", "2031-01-01T10:00Z",
        "--as", "cy", says="is not a time", code="bad_input",
    )  # fmt: skip
    run.refused(
        "resources", "book", space.commons, space.drill, utc(ahead(-2, 9)), utc(ahead(-2, 10)),
        "--as", "cy", says="has passed",
    )  # fmt: skip


def test_an_overlap_is_refused_naming_the_holder_then_the_waiting_list_offers_it(
    run: Cli, space: Space
) -> None:
    start, end = utc(ahead(5, 8)), utc(ahead(5, 12))
    held = book(run, space, "cy", start, end)
    # within the two-hour buffer after Cy's booking
    said = run.refused(
        "resources", "book", space.commons, space.drill, utc(ahead(5, 13)), utc(ahead(5, 15)),
        "--as", "dee", says="a booking by Cy (", code="slot_taken",
    )  # fmt: skip
    assert held in said
    assert "waiting list" in said
    after = book(run, space, "dee", utc(ahead(5, 14)), utc(ahead(5, 15)))
    wait = run.json("resources", "wait", space.commons, space.drill, start, end, "--as", "dee")
    assert run.json("resources", "mine", space.commons, "--as", "dee")["waits"][0]["status"] == (
        "waiting"
    )
    run("resources", "cancel", space.commons, held, "--reason", "plans changed", "--as", "cy")
    mine = run.json("resources", "mine", space.commons, "--as", "dee")
    offered = {slot["booking_id"]: slot for slot in mine["slots"]}
    assert offered[wait["id"]]["kind"] == "offer"
    assert offered[wait["id"]]["offer_expires"] is not None
    assert offered[after]["kind"] == "booking"
    text = run("resources", "mine", space.commons, "--as", "dee").stdout
    assert f"offered to Dee, held until {ahead(5, 14).astimezone(BERLIN):%H:%M}" in text
    run.refused(
        "resources", "accept", space.commons, wait["id"], "--as", "cy",
        says="person it was made to",
    )  # fmt: skip
    run("resources", "accept", space.commons, wait["id"], "--as", "dee")
    detail = run.json("resources", "booking", space.commons, wait["id"])
    assert (detail["slot"]["kind"], detail["slot"]["status"]) == ("booking", "booked")
    assert detail["deposit"]["amount_minor"] == 5000
    assert run.json("resources", "booking", space.commons, held)["slot"]["status"] == "cancelled"


def test_checked_out_back_damaged_deposit_kept_and_disputed(run: Cli, space: Space) -> None:
    now = datetime.now(UTC)
    booked = book(run, space, "cy", utc(now + timedelta(minutes=30)), utc(now + timedelta(hours=3)))
    run.refused(
        "resources", "out", space.commons, booked, "--as", "cy", says="the custodian who takes them"
    )  # the deposit is paid in EUR, in cash: Ben, the custodian, records the check-out
    out = run.json(
        "resources", "out", space.commons, booked, "--condition", "as new", "--as", "ben"
    )
    assert out["seq"] > 0
    run.refused(
        "resources", "in", space.commons, booked, "--keep", "60.00", "--damage", "cracked",
        "--as", "ben", says="the deposit held is 5000",
    )  # fmt: skip
    run(
        "resources", "in", space.commons, booked, "--damage", "the chuck is cracked",
        "--keep", "20.00", "--condition", "chuck cracked", "--as", "ben",
    )  # fmt: skip
    detail = run.json("resources", "booking", space.commons, booked)
    assert detail["slot"]["status"] == "returned"
    assert detail["kept"]["amount_minor"] == 2000
    assert detail["deposit_state"] == "held"
    assert detail["back"]["damage"] == "the chuck is cracked"
    block = detail["block"]
    assert run.json("resources", "booking", space.commons, block)["slot"]["kind"] == "block"
    shown = run("resources", "booking", space.commons, booked).stdout.splitlines()
    assert "kept:              20.00 EUR" in shown
    assert "deposit:           50.00 EUR (held)" in shown
    run(
        "resources", "dispute", space.commons, booked, "--reason", "it was cracked before",
        "--as", "cy",
    )  # fmt: skip
    disputed = run.json("resources", "booking", space.commons, booked)
    assert disputed["deposit_state"] == "disputed"
    assert disputed["case_id"] is not None
    run.refused("resources", "dispute", space.commons, booked, "--as", "cy", says="--reason")


def test_the_feed_holds_the_bookings_in_the_resource_zone(
    run: Cli, space: Space, tmp_path: Path
) -> None:
    booked = book(run, space, "cy", utc(ahead(4, 9)), utc(ahead(4, 11)))
    path = tmp_path / "drill.ics"
    summary = run.json("resources", "feed", space.commons, space.drill, "-o", str(path))
    assert (summary["events"], summary["file"]) == (1, str(path))
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booked}@localhost"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART").astimezone(UTC) == ahead(4, 9)
    assert "booked by Cy" in str(event["SUMMARY"])
    printed = run("resources", "feed", space.commons, space.drill, "--host", "node.example")
    assert b"\r\nEND:VCALENDAR\r\n" in printed.stdout_bytes  # as RFC 5545 writes lines
    [again] = Calendar.from_ical(printed.stdout_bytes).walk("VEVENT")
    assert str(again["UID"]) == f"booking-{booked}@node.example"
    mine = run.json("resources", "feed", space.commons, "--as", "cy")
    assert mine["events"] == 1
    assert "BEGIN:VCALENDAR" in mine["ics"]
    assert run.json("resources", "feed", space.commons, "--as", "dee")["events"] == 0
