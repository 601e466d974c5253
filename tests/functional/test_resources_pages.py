"""The pages of shared resources (issue 13, step 5), over real HTTP.

Ada founds a makerspace on the web; Ben, Cy and Dee join. Ada lends a drill through the
inventory's form with every rule (72 hours at most, a two-hour buffer, 6 days in any 30, a
deposit and a fee); anyone reads it, filtered by kind, words and lendability, with its rules
in words and its calendar in Europe/Berlin. Ben books a Saturday morning by local date and
time (signed as UTC); Cy asks for part of it and is told, by name, that Ben holds it, and joins
the waiting list for the same time; Ben cancels and Cy takes the slot offered on "my
bookings". Ben checks a booking out, Ada (the keeper) checks it in with damage and keeps part
of the deposit, and Ben disputes her report. Ada, who keeps the drill, changes it (only what
she changed is signed), retires it and lends it again, blocks a day for maintenance and lifts
the block; the rules of a workbench the commons owns change by decision, and its change form
shows the proposal's effect instead. Nobody else is offered the keeper's forms. Every refusal —
of a form or of a rule — shows the page again with the rule's words, keeps what was typed, and
writes nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from commonwork.node.node import Node
from commonwork.resources.decisions import RulesEffect
from commonwork.services import journals, resources_read
from commonwork.services.dry_run import dry_run
from commonwork.services.models import JsonObject
from commonwork.web.resources_calendar import (
    Frame,
    calendar_range,
    day_segments,
    minutes_at,
    span_text,
    utc_text,
    zoned_of,
    zoned_text,
)
from tests.functional.server import HTML, People
from tests.functional.test_pages import found, head_seq, sign_up, token_on

NOW = "2031-03-03T08:00:00.000Z"  # a Monday, 09:00 in Berlin
BOOKING_URL = re.compile(r"/commons/[0-9a-f]{64}/bookings/([0-9a-f]{64})$")
RESOURCE_URL = re.compile(r"/commons/[0-9a-f]{64}/resources/([0-9a-f]{64})$")
DRILL = {
    "name": "Cordless drill",
    "kind": "tool",
    "description": "18 V, two batteries",
    "location": "Shelf 3, back room",
    "zone": "Europe/Berlin",
    "other_zone": "",
    "owner": "member",
    "max_hours": "72",
    "buffer_minutes": "120",
    "quota_days": "6",
    "quota_per_days": "30",
    "deposit_amount": "50.00",
    "deposit_currency": "EUR",
    "fee_amount": "3",
    "fee_currency": "eur",
    "who": "any",
    "who_named": "",
}


@dataclass
class Space:
    node: Node
    commons: str
    ada: httpx.Client
    ben: httpx.Client
    cy: httpx.Client
    dee: httpx.Client
    drill: str

    @property
    def base(self) -> str:
        return f"/commons/{self.commons}"

    @property
    def drill_page(self) -> str:
        return f"{self.base}/resources/{self.drill}"


def post_form(client: httpx.Client, page: str, action: str, form: dict[str, str]) -> httpx.Response:
    """Post ``form`` to ``action`` with the form token read from ``page``."""
    return client.post(action, data={**form, "csrf": token_on(client, page)})


def lend(client: httpx.Client, commons: str, **changes: str) -> httpx.Response:
    page = f"/commons/{commons}/resources"
    return post_form(client, page, page, {**DRILL, **changes})


def lent(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    matched = RESOURCE_URL.fullmatch(response.headers["location"])
    assert matched is not None, response.headers["location"]
    return matched.group(1)


def booked(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    matched = BOOKING_URL.fullmatch(response.headers["location"])
    assert matched is not None, response.headers["location"]
    return matched.group(1)


def book(
    client: httpx.Client, space: Space, day: str, start: str, end: str, **more: str
) -> httpx.Response:
    form = {"start_date": day, "start_time": start, "end_date": "", "end_time": end, **more}
    return post_form(client, space.drill_page, f"{space.drill_page}/bookings", form)


def alert_of(page: str, testid: str = "form-error") -> str:
    matched = re.search(rf'data-testid="{testid}">([^<]*)</p>', page)
    assert matched is not None, f"no {testid} on the page"
    return matched.group(1).replace("&#39;", "'").replace("&#34;", '"')


@pytest.fixture
def space(node: Node, people: People) -> Space:
    node.clock = lambda: NOW
    ada, ben, cy, dee = people(), people(), people(), people()
    for client, name in ((ada, "Ada"), (ben, "Ben"), (cy, "Cy"), (dee, "Dee")):
        sign_up(client, name, f"{name.lower()}@example.org")
    commons = found(ada, "Makerspace")
    for client in (ben, cy, dee):
        joined = post_form(client, f"/commons/{commons}", f"/commons/{commons}/join", {})
        assert joined.status_code == 303, joined.text
    drill = lent(lend(ada, commons))
    return Space(node, commons, ada, ben, cy, dee, drill)


def cy_did(space: Space) -> str:
    return str(space.cy.get("/api/v1/me").json()["did"])


# --- lending and reading ----------------------------------------------------------------------


def test_a_member_lends_a_drill_with_its_rules_and_anyone_reads_it(space: Space, site: str) -> None:
    detail = resources_read.resource_detail(space.node, space.commons, space.drill)
    assert (detail.item.name, detail.item.kind, detail.item.zone) == (
        "Cordless drill", "tool", "Europe/Berlin",
    )  # fmt: skip
    assert (detail.item.location, detail.description) == (
        "Shelf 3, back room",
        "18 V, two batteries",
    )
    assert detail.item.owner_name == "Ada"
    rules = detail.rules
    assert (rules.max_hours, rules.buffer_minutes, rules.who) == (72, 120, "any")
    assert rules.quota is not None
    assert (rules.quota.days, rules.quota.per_days) == (6, 30)
    assert rules.deposit is not None
    assert rules.fee is not None
    assert (rules.deposit.amount_minor, rules.deposit.currency) == (5000, "EUR")
    assert (rules.fee.amount_minor, rules.fee.currency) == (300, "EUR")  # "eur", "3" as typed

    with httpx.Client(base_url=site, headers=HTML) as anyone:
        inventory = anyone.get(f"{space.base}/resources")
        page = anyone.get(space.drill_page)
        rooms = anyone.get(f"{space.base}/resources", params={"kind": "room"})
        shelf = anyone.get(f"{space.base}/resources", params={"words": "SHELF 3"})
        nothing = anyone.get(f"{space.base}/resources", params={"words": "lathe", "lendable": "1"})
        bad_kind = anyone.get(f"{space.base}/resources", params={"kind": "spaceship"})
    assert inventory.status_code == page.status_code == 200
    assert f'data-resource="{space.drill}"' in inventory.text
    assert 'data-testid="lend-form"' not in inventory.text  # anyone reads; members lend
    assert "Sign in</a> to lend or book" in inventory.text
    assert 'data-testid="nav-resources"' in inventory.text
    assert 'data-testid="no-resources"' in rooms.text
    assert space.drill not in rooms.text
    assert f'data-resource="{space.drill}"' in shelf.text
    assert "Nothing matches these filters." in nothing.text
    assert bad_kind.status_code == 400
    assert "kind is one of tool, machine, vehicle, room, other" in bad_kind.text
    # the resource page: its rules in words, its calendar in its zone, its feed; no form
    assert "A booking lasts at most 72 hours." in page.text
    assert "120 minutes are kept free after each booking" in page.text
    assert "at most 6 days in any 30 days" in page.text
    assert "A deposit of 50.00 EUR is held" in page.text
    assert "The fee is 3.00 EUR" in page.text
    assert "Times in Europe/Berlin; now it is Mon 3 Mar 2031, 09:00 there." in page.text
    feed = f"/api/v1/commons/{space.commons}/resources/{space.drill}/calendar.ics"
    assert f'href="{feed}"' in page.text
    calendar = space.dee.get(feed)  # the link leads to the resource's iCalendar feed
    assert calendar.status_code == 200
    assert calendar.text.startswith("BEGIN:VCALENDAR")
    assert page.text.count('data-testid="calendar-day"') == 7
    assert 'data-date="2031-03-03"' in page.text
    assert 'data-date="2031-03-09"' in page.text
    assert 'data-testid="book-form"' not in page.text
    assert 'data-testid="free-book-link"' not in page.text  # free time is shown, not offered


def test_lending_refusals_show_the_rules_words_keep_what_was_typed_and_write_nothing(
    space: Space, people: People
) -> None:
    before = head_seq(space.node, space.commons)
    cases = [
        ({"zone": "UTC", "other_zone": "Mars/Olympus_Mons"}, "is not an IANA time zone"),
        ({"fee_currency": "USD"}, "Rules: a deposit and a fee are in one currency"),
        ({"quota_days": "40"}, "Quota: a quota's days are at most its window (per_days)"),
        ({"max_hours": "three"}, "Longest booking (hours): a whole number, such as 3"),
        ({"max_hours": "9000"}, "Longest booking (hours): Input should be less than or equal"),
        ({"deposit_currency": ""}, "Deposit currency: name the currency of the deposit"),
        ({"deposit_amount": "50.001"}, "has more decimals than the currency's 2"),
        ({"who": "trained"}, "who may book is 'trained': name the skill"),
        ({"name": "  "}, "Resource name:"),
    ]
    for changes, says in cases:
        refused = lend(space.ben, space.commons, **{**changes, "description": "kept as typed"})
        assert refused.status_code in (400, 422), (changes, refused.text)
        assert says in alert_of(refused.text), (changes, alert_of(refused.text))
        assert "kept as typed</textarea>" in refused.text
        assert 'data-testid="lend-form"' in refused.text
    # the commons owns what its treasurer lends: Ben is none
    theirs = lend(space.ben, space.commons, owner="commons")
    assert theirs.status_code == 403
    assert "registered by its treasurer" in alert_of(theirs.text)
    # an outsider sees no form, and is refused by the rule (a member lends)
    outsider = people()
    sign_up(outsider, "Eve", "eve@example.org")
    page = outsider.get(f"{space.base}/resources")
    assert 'data-testid="members-lend"' in page.text
    assert 'data-testid="lend-form"' not in page.text
    token = token_on(outsider, f"{space.base}/resources")
    refused = outsider.post(f"{space.base}/resources", data={**DRILL, "csrf": token})
    assert refused.status_code == 403
    assert "member" in alert_of(refused.text)
    # a form without its token is refused before anything is read
    forged = space.ben.post(f"{space.base}/resources", data=DRILL)
    assert forged.status_code == 403
    assert head_seq(space.node, space.commons) == before
    # another zone typed by its IANA name wins over the list
    other = lent(lend(space.ben, space.commons, name="Lathe", other_zone="America/Bogota"))
    assert resources_read.resource_detail(space.node, space.commons, other).item.zone == (
        "America/Bogota"
    )


# --- booking on the calendar ------------------------------------------------------------------


def test_a_booking_typed_in_local_time_is_signed_in_utc_and_drawn_with_its_holder(
    space: Space,
) -> None:
    booking = booked(book(space.ben, space, "2031-03-08", "10:00", "13:00", note="for shelves"))
    detail = resources_read.booking_detail(space.node, space.commons, booking)
    # Berlin is an hour ahead of UTC in March (before the clocks go forward on the 30th)
    assert (detail.slot.start, detail.slot.end) == ("2031-03-08T09:00Z", "2031-03-08T12:00Z")
    assert detail.slot.held_until == "2031-03-08T14:00Z"  # the two-hour buffer
    assert (detail.slot.member_name, detail.slot.note) == ("Ben", "for shelves")
    page = space.ben.get(f"{space.base}/bookings/{booking}")
    assert page.status_code == 200
    assert "Sat 8 Mar 2031, 10:00" in page.text
    assert "Sat 8 Mar 2031, 13:00" in page.text
    assert "3.00 EUR" in page.text
    assert "50.00 EUR" in page.text
    assert 'data-testid="cancel-button"' in page.text  # his own booking, not checked out
    assert 'data-testid="check-out-button"' not in page.text  # not yet: it starts on Saturday
    for other in (space.cy, space.ada):  # Cy may not cancel it; Ada keeps the drill: she may
        shown = other.get(f"{space.base}/bookings/{booking}").text
        assert ('data-testid="cancel-button"' in shown) is (other is space.ada)

    week = space.cy.get(space.drill_page, params={"at": "2031-03-08"})
    saturday = week.text.split('data-date="2031-03-08"')[1].split('data-testid="calendar-day"')[0]
    slot = re.search(r'data-kind="booking" data-booking="([0-9a-f]{64})"', saturday)
    assert slot is not None
    assert slot.group(1) == booking
    assert ">Ben</a>" in saturday
    assert '<span class="res-time">10:00\u201313:00</span>' in saturday  # the booking itself
    assert '<small class="res-buffer">buffer to 15:00</small>' in saturday  # held to then
    assert 'data-start="00:00" data-end="10:00"' in saturday
    assert 'data-start="15:00" data-end="24:00"' in saturday
    # a free stretch's link fills the booking form, ending before the next booking's buffer
    link = re.search(r'href="([^"]+)" data-testid="free-book-link"', saturday)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["start_date"] == ["2031-03-08"]
    assert query["start_time"] == ["00:00"]
    assert query["end_time"] == ["08:00"]  # 10:00 less the two-hour buffer
    filled = space.cy.get(space.drill_page, params={k: v[0] for k, v in query.items()})
    assert 'name="start_date" type="date" value="2031-03-08"' in filled.text
    assert 'name="end_time" type="time" value="08:00"' in filled.text
    # the week before shows nothing of it; the week view links to the month
    earlier = space.cy.get(space.drill_page, params={"at": "2031-03-01"})
    assert booking not in earlier.text
    assert 'data-date="2031-02-24"' in earlier.text  # that week starts on Monday the 24th


def test_a_taken_time_names_its_holder_and_offers_the_waiting_list_which_gets_the_slot(
    space: Space,
) -> None:
    ben_booking = booked(book(space.ben, space, "2031-03-08", "10:00", "13:00"))
    before = head_seq(space.node, space.commons)
    taken = book(space.cy, space, "2031-03-08", "12:00", "14:00", note="a bookcase")
    assert taken.status_code == 409
    assert 'data-testid="taken-by">Ben</span> holds it' in taken.text
    assert "Sat 8 Mar 2031, 10:00 to Sat 8 Mar 2031, 13:00, with the buffer until" in taken.text
    said = alert_of(taken.text)
    assert "overlaps a booking by Ben" in said  # the rule's words, the holder by name
    assert "join the waiting list for this one" in said
    assert "did:key:" not in said
    assert 'value="a bookcase"' in taken.text  # what was typed, kept
    assert head_seq(space.node, space.commons) == before  # nothing written
    # the waiting list for the same time, from the hidden fields of the form shown
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', taken.text))
    wait_form = {k: hidden[k] for k in ("start_date", "start_time", "end_date", "end_time")}
    assert wait_form == {
        "start_date": "2031-03-08", "start_time": "12:00", "end_date": "", "end_time": "14:00",
    }  # fmt: skip
    joined = post_form(space.cy, space.drill_page, f"{space.drill_page}/waits", wait_form)
    assert joined.status_code == 303, joined.text
    wait_id = joined.headers["location"].rsplit("#wait-", 1)[1]
    mine = space.cy.get(f"{space.base}/me/bookings")
    assert f'data-wait="{wait_id}" data-status="waiting"' in mine.text
    assert "Sat 8 Mar 2031, 12:00 to Sat 8 Mar 2031, 14:00" in mine.text
    assert 'data-testid="no-offers"' in mine.text
    # waiting for a free time is refused with the rule's words; nothing written
    at = head_seq(space.node, space.commons)
    free = {"start_date": "2031-03-09", "start_time": "10:00", "end_date": "", "end_time": "11:00"}
    refused = post_form(space.dee, space.drill_page, f"{space.drill_page}/waits", free)
    assert refused.status_code == 422
    assert alert_of(refused.text, "wait-error") == "that time is free: book it instead of waiting"
    assert head_seq(space.node, space.commons) == at

    # Ben cancels: the slot is offered to Cy, who sees it, with its expiry, and takes it
    cancel_page = f"{space.base}/bookings/{ben_booking}"
    cancelled = post_form(space.ben, cancel_page, f"{cancel_page}/cancel", {"reason": "ill"})
    assert cancelled.status_code == 303
    assert resources_read.booking_detail(space.node, space.commons, ben_booking).slot.status == (
        "cancelled"
    )
    offers = space.cy.get(f"{space.base}/me/bookings")
    assert f'data-booking="{wait_id}"' in offers.text.split('data-testid="offers"')[1]
    assert "2031-03-04T08:00:00.000Z" in offers.text  # held for 24 hours of journal time
    assert 'data-status="offered"' in offers.text
    # Dee may not take Cy's offer: the offer's page shows her no button
    dee_view = space.dee.get(f"{space.base}/bookings/{wait_id}")
    assert 'data-testid="accept-button"' not in dee_view.text
    taken_by_dee = post_form(
        space.dee, f"{space.base}/bookings/{wait_id}", f"{space.base}/bookings/{wait_id}/accept", {}
    )
    assert taken_by_dee.status_code == 403
    assert "the person it was made to" in alert_of(taken_by_dee.text, "page-error")
    accepted = post_form(
        space.cy, f"{space.base}/me/bookings", f"{space.base}/bookings/{wait_id}/accept", {}
    )
    assert accepted.status_code == 303
    slot = resources_read.booking_detail(space.node, space.commons, wait_id)
    assert (slot.slot.kind, slot.slot.status, slot.slot.member_name) == ("booking", "booked", "Cy")
    assert slot.deposit is not None
    assert slot.deposit.amount_minor == 5000
    mine = space.cy.get(f"{space.base}/me/bookings")
    assert f'data-booking="{wait_id}" data-status="booked"' in mine.text
    feed = re.search(r'href="([^"]+)" data-testid="my-feed"', mine.text)
    assert feed is not None
    assert feed.group(1) == f"/api/v1/commons/{space.commons}/members/{cy_did(space)}/bookings.ics"
    ics = space.cy.get(feed.group(1))
    assert ics.status_code == 200
    assert "BEGIN:VEVENT" in ics.text  # Cy's booking, in her feed


def test_the_month_view_walks_month_by_month(space: Space) -> None:
    booked(book(space.ben, space, "2031-03-08", "10:00", "13:00"))
    month = space.dee.get(space.drill_page, params={"view": "month", "at": "2031-03-20"})
    assert month.status_code == 200
    assert 'data-testid="calendar-month"' in month.text
    assert ">March 2031</h2>" in month.text
    # Monday 24 February to Sunday 6 April: six weeks
    assert month.text.count('data-testid="calendar-day"') == 42
    assert 'data-date="2031-02-24"' in month.text
    assert 'data-date="2031-04-06"' in month.text
    assert 'data-testid="slot-holder">Ben</span>' in month.text
    saturday = month.text.split('data-date="2031-03-08"')[1].split('data-testid="calendar-day"')[0]
    assert 'data-testid="day-free">19 h free<' in saturday  # 10:00 to 15:00 held
    sunday = month.text.split('data-date="2031-03-09"')[1].split('data-testid="calendar-day"')[0]
    assert 'data-testid="day-free">free all day<' in sunday
    monday = month.text.split('data-date="2031-03-03"')[1].split('data-testid="calendar-day"')[0]
    assert 'data-testid="day-free">15 h free<' in monday  # it is 09:00 there
    previous = re.search(r'href="([^"]+)#calendar" rel="prev"', month.text)
    following = re.search(r'href="([^"]+)#calendar" rel="next"', month.text)
    assert previous is not None
    assert following is not None
    assert previous.group(1).endswith("view=month&amp;at=2031-02-01")
    assert following.group(1).endswith("view=month&amp;at=2031-04-01")
    april = space.dee.get(following.group(1).replace("&amp;", "&"))
    assert ">April 2031</h2>" in april.text
    assert "Ben" not in april.text.split('data-testid="calendar-month"')[1]
    wrong = space.dee.get(space.drill_page, params={"view": "year"})
    assert wrong.status_code == 422
    not_a_day = space.dee.get(space.drill_page, params={"at": "2031-02-30"})
    assert not_a_day.status_code == 400
    assert "a date such as 2031-03-08" in not_a_day.text


def test_booking_refusals_show_the_rules_words_and_write_nothing(space: Space) -> None:
    before = head_seq(space.node, space.commons)
    cases = [
        (("2031-03-08", "10:00", "09:00"), 422, "The end comes after the start"),
        (("2031-03-01", "10:00", "11:00"), 422, "has passed (journal time is"),
        (("2031-03-08", "25:00", "26:00"), 400, "Start time: a time such as 09:30"),
        (("8 March", "10:00", "11:00"), 400, "Start date: a date such as 2031-03-08"),
        # the clocks go forward in Berlin at 02:00 on 30 March: 02:30 is no time there
        (("2031-03-30", "02:30", "04:00"), 400, "does not exist in Europe/Berlin"),
    ]
    for (day, start, end), status, says in cases:
        refused = book(space.ben, space, day, start, end, note="kept")
        assert refused.status_code == status, (day, start, refused.text)
        assert says in alert_of(refused.text), alert_of(refused.text)
        assert 'value="kept"' in refused.text
    too_long = post_form(
        space.ben,
        space.drill_page,
        f"{space.drill_page}/bookings",
        {"start_date": "2031-03-10", "start_time": "09:00", "end_date": "2031-03-14",
         "end_time": "09:00"},
    )  # fmt: skip
    assert too_long.status_code == 403
    assert alert_of(too_long.text) == (
        "a booking of this resource lasts at most 72 hours (its rules' max_hours)"
    )
    assert head_seq(space.node, space.commons) == before
    # after the clocks go forward, 10:00 in Berlin is 08:00 UTC
    summer = booked(book(space.ben, space, "2031-03-30", "10:00", "11:00"))
    assert resources_read.booking_detail(space.node, space.commons, summer).slot.start == (
        "2031-03-30T08:00Z"
    )
    # the quota: six days in any thirty per person
    booked(book(space.cy, space, "2031-03-04", "09:00", "09:00", end_date="2031-03-07"))
    booked(book(space.cy, space, "2031-03-12", "09:00", "09:00", end_date="2031-03-15"))
    over = book(space.cy, space, "2031-03-20", "10:00", "11:00")
    assert over.status_code == 403
    assert "its rules allow 6 days (144 h) in any 30 per person" in alert_of(over.text)


def test_check_out_check_in_with_damage_and_a_dispute_by_their_buttons(space: Space) -> None:
    booking = booked(book(space.ben, space, "2031-03-04", "10:00", "18:00"))
    page = f"{space.base}/bookings/{booking}"
    space.node.clock = lambda: "2031-03-04T09:00:00.000Z"  # 10:00 in Berlin: it begins
    # the deposit is paid in EUR, in cash to the custodian (Ada), who records the check-out
    assert 'data-testid="check-out-button"' not in space.ben.get(page).text
    shown = space.ada.get(page).text
    assert 'data-testid="check-out-button"' in shown
    assert 'data-testid="check-in-button"' not in shown
    out = post_form(space.ada, page, f"{page}/check-out", {"condition": "charged, both bits"})
    assert out.status_code == 303, out.text
    held = resources_read.booking_detail(space.node, space.commons, booking)
    assert (held.slot.status, held.deposit_state) == ("out", "held")
    space.node.clock = lambda: "2031-03-04T16:00:00.000Z"
    borrower = space.ben.get(page).text
    assert 'data-testid="check-in-button"' not in borrower  # the keeper's
    # the borrower is told whom to bring it back to, where, by when (in Berlin's time)
    told = borrower.split('data-testid="return-to">')[1].split("</p>")[0]
    assert told.startswith("Bring it back to")
    assert "Tue 4 Mar 2031, 18:00 CET" in told
    # every time of the booking is Berlin's: checked out at 10:00 there (09:00 UTC)
    assert "Tue 4 Mar 2031, 10:00 CET" in borrower.split('data-testid="report-out"')[1]
    # the resource's page says who has it, and its calendar marks the slot as out
    drill = space.cy.get(space.drill_page, params={"at": "2031-03-04"}).text
    assert 'data-testid="resource-state">Out with Ben until Tue 4 Mar 2031, 18:00 CET' in drill
    assert 'data-testid="slot-out"' in drill
    keeper = space.ada.get(page).text
    assert 'data-testid="check-in-button"' in keeper
    assert "charged, both bits" in keeper
    # keeping more than the deposit, or without a cause, is refused in the rule's words
    before = head_seq(space.node, space.commons)
    greedy = post_form(space.ada, page, f"{page}/check-in", {"damage": "a bent bit", "keep": "60"})
    assert greedy.status_code == 422
    assert alert_of(greedy.text) == "the report keeps 6000 minor units; the deposit held is 5000"
    assert 'value="a bent bit"' in greedy.text
    causeless = post_form(space.ada, page, f"{page}/check-in", {"keep": "20.00"})
    assert causeless.status_code == 422
    assert "for damage (say what) or a late return" in alert_of(causeless.text)
    assert head_seq(space.node, space.commons) == before
    back = post_form(
        space.ada,
        page,
        f"{page}/check-in",
        {"condition": "chuck wobbles", "damage": "the chuck is loose", "keep": "20.00"},
    )
    assert back.status_code == 303, back.text
    returned = resources_read.booking_detail(space.node, space.commons, booking)
    assert returned.slot.status == "returned"
    assert returned.kept is not None
    assert returned.kept.amount_minor == 2000
    assert returned.back is not None
    assert returned.back.damage == "the chuck is loose"
    assert returned.block is not None  # the damage blocks the drill for maintenance
    shown = space.ben.get(page).text
    assert 'data-testid="report-damage">Damage: the chuck is loose' in shown
    said = shown.split('data-testid="deposit-state">')[1].split("</small>")[0]
    assert said.startswith("30.00 EUR went back to you; 20.00 EUR kept, held until")
    assert "you may dispute it until" in said
    assert "went back to the borrower" in space.cy.get(page).text
    assert 'data-testid="return-to"' not in shown
    assert 'data-testid="dispute-button"' in shown
    assert 'data-testid="dispute-button"' not in space.ada.get(page).text
    before = head_seq(space.node, space.commons)
    empty = post_form(space.ben, page, f"{page}/dispute", {"reason": "  "})
    assert empty.status_code in (400, 422)
    assert alert_of(empty.text).startswith("Why the report is wrong:")
    assert head_seq(space.node, space.commons) == before
    disputed = post_form(space.ben, page, f"{page}/dispute", {"reason": "it wobbled before"})
    assert disputed.status_code == 303, disputed.text
    after = resources_read.booking_detail(space.node, space.commons, booking)
    assert after.deposit_state == "disputed"
    assert after.case_id is not None
    assert f'/cases/{after.case_id}" data-testid="booking-case"' in space.ben.get(page).text
    week = space.cy.get(space.drill_page, params={"at": "2031-03-04"}).text
    assert 'data-kind="block"' in week
    assert ">Maintenance</a>" in week


def test_my_bookings_needs_an_account_and_unknown_things_are_refused(
    space: Space, site: str
) -> None:
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        mine = anyone.get(f"{space.base}/me/bookings")
        assert mine.status_code == 303
        assert mine.headers["location"].startswith("/signin?next=")
        missing = anyone.get(f"{space.base}/resources/{'0' * 64}")
        assert missing.status_code == 404
        assert "this commons has no resource" in missing.text
        malformed = anyone.get(f"{space.base}/resources/not-an-id")
        assert malformed.status_code == 422
        no_booking = anyone.get(f"{space.base}/bookings/{'0' * 64}")
        assert no_booking.status_code == 404
        assert "this commons has no booking" in no_booking.text
        signed_out = anyone.post(f"{space.drill_page}/bookings", data={"start_date": "2031-03-08"})
        assert signed_out.status_code == 401
    empty = space.dee.get(f"{space.base}/me/bookings")
    assert 'data-testid="no-bookings"' in empty.text
    assert 'data-testid="no-waits"' in empty.text
    before = head_seq(space.node, space.commons)
    gone = post_form(
        space.dee,
        f"{space.base}/me/bookings",
        f"{space.base}/waits/{'0' * 64}/leave",
        {},
    )
    assert gone.status_code == 404
    assert "no waiting-list entry" in alert_of(gone.text, "page-error")
    assert head_seq(space.node, space.commons) == before


# --- the keeper's forms -----------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The fields the form ``data-testid=testid`` of a page posts as the page fills it (its
    token aside): each input's value, each select's chosen option, each textarea's text."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.inside = testid, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "form" and given.get("data-testid") == self.testid:
            self.inside = True
        name = given.get("name") or ""
        if not self.inside:
            return
        if tag == "input" and name and name != "csrf":
            self.fields[name] = given.get("value") or ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select is not None:
            if self.select not in self.fields or "selected" in given:
                self.fields[self.select] = given.get("value") or ""
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea is not None:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str, testid: str) -> dict[str, str]:
    parser = _FormFields(testid)
    parser.feed(page)
    assert parser.fields, f"no {testid} on the page"
    return dict(parser.fields)


def change(
    client: httpx.Client, space: Space, resource: str | None = None, **typed: str
) -> httpx.Response:
    """Post the change form as the keeper's page fills it, with ``typed`` over it."""
    page = f"{space.base}/resources/{resource or space.drill}"
    fields = form_fields(client.get(page).text, "change-form")
    return post_form(client, page, f"{page}/changes", {**fields, **typed})


def last_body(space: Space) -> dict[str, Any]:
    """The body of the action the commons' journal holds last."""
    entry = journals.journal_entry(space.node, space.commons, head_seq(space.node, space.commons))
    body: dict[str, Any] = entry.as_json()["action"]["body"]
    return body


def did_of(client: httpx.Client) -> str:
    return str(client.get("/api/v1/me").json()["did"])


def test_the_keeper_changes_the_drill_and_nobody_else_is_offered_the_forms(
    space: Space, site: str
) -> None:
    keeper = space.ada.get(space.drill_page).text
    for testid in ("change-form", "block-form", "rules-fields"):
        assert f'data-testid="{testid}"' in keeper, testid
    assert 'data-testid="rules-by-decision"' not in keeper  # her own drill: she sets its rules
    shown = form_fields(keeper, "change-form")
    assert {k: shown[k] for k in ("name", "zone", "status", "custodian")} == {
        "name": "Cordless drill", "zone": "Europe/Berlin", "status": "lendable",
        "custodian": did_of(space.ada),
    }  # fmt: skip
    assert (shown["deposit_amount"], shown["fee_amount"], shown["fee_currency"]) == (
        "50.00", "3.00", "EUR",
    )  # fmt: skip
    assert (shown["quota_days"], shown["quota_per_days"], shown["damage_block_days"]) == (
        "6", "30", "7",
    )  # fmt: skip
    assert shown["description"] == "18 V, two batteries"
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        strangers = [anyone.get(space.drill_page).text, space.ben.get(space.drill_page).text]
    for page in strangers:  # a member who keeps nothing of it, and anyone: no form
        assert 'data-testid="change-form"' not in page
        assert 'data-testid="block-form"' not in page

    ben = did_of(space.ben)
    before = head_seq(space.node, space.commons)
    changed = change(
        space.ada, space, name="Cordless drill (new chuck)", condition="chuck replaced",
        custodian=ben, max_hours="48",
    )  # fmt: skip
    assert changed.status_code == 303, changed.text
    assert changed.headers["location"] == space.drill_page
    assert head_seq(space.node, space.commons) == before + 1
    body = last_body(space)  # only what changed is signed
    assert set(body) == {"resource", "name", "condition", "custodian", "rules"}
    assert body["rules"] == {
        "who": {"who": "any"}, "max_hours": 48, "buffer_minutes": 120, "damage_block_days": 7,
        "quota": {"days": 6, "per_days": 30},
        "deposit": {"amount": 5000, "currency": "EUR"}, "fee": {"amount": 300, "currency": "EUR"},
    }  # fmt: skip
    detail = resources_read.resource_detail(space.node, space.commons, space.drill)
    assert (detail.item.name, detail.item.condition, detail.item.custodian_name) == (
        "Cordless drill (new chuck)", "chuck replaced", "Ben",
    )  # fmt: skip
    assert (detail.rules.max_hours, detail.rules.buffer_minutes) == (48, 120)
    page = space.cy.get(space.drill_page).text
    assert "A booking lasts at most 48 hours." in page
    assert 'data-testid="resource-condition">chuck replaced' in page
    assert 'data-testid="change-form"' in space.ben.get(space.drill_page).text  # he keeps it now
    # a form that posts one field changes that field alone
    one = post_form(space.ada, space.drill_page, f"{space.drill_page}/changes", {"location": "4"})
    assert one.status_code == 303, one.text
    assert last_body(space) == {"resource": space.drill, "location": "4"}
    # retired, nobody books it; lent again, members do
    retired = change(space.ada, space, status="retired")
    assert retired.status_code == 303, retired.text
    assert last_body(space) == {"resource": space.drill, "status": "retired"}
    page = space.cy.get(space.drill_page).text
    assert 'data-testid="resource-retired"' in page
    assert 'data-testid="book-form"' not in page
    assert "is retired" in alert_of(book(space.cy, space, "2031-03-08", "10:00", "11:00").text)
    assert change(space.ada, space, status="lendable").status_code == 303
    assert 'data-testid="book-form"' in space.cy.get(space.drill_page).text


def test_change_refusals_show_the_rules_words_keep_what_was_typed_and_write_nothing(
    space: Space,
) -> None:
    before = head_seq(space.node, space.commons)
    nothing = change(space.ada, space)
    assert nothing.status_code == 400
    assert alert_of(nothing.text, "change-error") == (
        "Nothing to change: every field is as the resource stands"
    )
    outsider = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    cases = [
        ({"name": "  "}, 422, "Resource name:"),
        ({"other_zone": "Mars/Olympus_Mons"}, 422, "is not an IANA time zone"),
        ({"fee_currency": "USD"}, 422, "Rules: a deposit and a fee are in one currency"),
        ({"max_hours": "three"}, 400, "Longest booking (hours): a whole number, such as 3"),
        ({"quota_days": "40"}, 422, "Quota: a quota's days are at most its window (per_days)"),
        ({"custodian": outsider}, 403, "not a member"),
    ]
    for typed, status, says in cases:
        refused = change(space.ada, space, description="kept as typed", **typed)
        assert refused.status_code == status, (typed, refused.text)
        assert says in alert_of(refused.text, "change-error"), alert_of(
            refused.text, "change-error"
        )
        assert "kept as typed</textarea>" in refused.text
        assert 'data-testid="change-panel" open' in refused.text  # the form shown open again
    # who keeps nothing of it is refused by the rule, in its words
    theirs = post_form(
        space.ben, space.drill_page, f"{space.drill_page}/changes", {"condition": "oiled"}
    )
    assert theirs.status_code == 403
    assert alert_of(theirs.text, "change-error") == (
        "the resource's owner or custodian (for the commons' own, the treasurer) changes it"
    )
    assert 'value="oiled"' in theirs.text
    forged = space.ada.post(f"{space.drill_page}/changes", data={"condition": "oiled"})
    assert forged.status_code == 403  # no form token
    assert head_seq(space.node, space.commons) == before


def test_the_rules_of_what_the_commons_owns_change_by_decision(space: Space) -> None:
    no_charges = {
        "deposit_amount": "",
        "deposit_currency": "",
        "fee_amount": "",
        "fee_currency": "",
    }
    bench = lent(lend(space.ada, space.commons, name="Workbench", owner="commons", **no_charges))
    page = f"{space.base}/resources/{bench}"
    shown = space.ada.get(page).text  # the founder: the treasurer until one is named
    assert 'data-testid="change-form"' in shown
    assert 'data-testid="rules-by-decision"' in shown
    assert 'data-testid="rules-fields"' not in shown
    assert 'data-testid="change-form"' not in space.ben.get(page).text
    code = re.search(r'data-testid="rules-effect"><code>([^<]*)</code>', shown, re.S)
    assert code is not None
    effect = orjson.loads(html.unescape(code.group(1)))
    assert (effect["kind"], effect["resource"]) == ("resource_rules", bench)
    assert effect["rules"]["max_hours"] == 72
    assert effect["rules"]["quota"] == {"days": 6, "per_days": 30}
    RulesEffect.model_validate(effect)  # the effect as the area reads it
    # the effect shown, its rules edited, is one a member may propose
    edited = {**effect, "rules": {**effect["rules"], "max_hours": 8}}
    proposal: JsonObject = {"title": "Shorter bench bookings", "text": "Share it more"}
    proposal["effect"] = edited
    [verdict] = dry_run(
        space.node, space.commons, did_of(space.ben), [("governance.proposal.make", proposal)]
    )
    assert verdict.allowed, verdict.reason
    # rules posted by hand are refused in the rule's words; nothing written
    before = head_seq(space.node, space.commons)
    refused = change(space.ada, space, resource=bench, max_hours="8")
    assert refused.status_code == 403
    assert "the rules of what the commons owns change by decision" in alert_of(
        refused.text, "change-error"
    )
    assert head_seq(space.node, space.commons) == before
    # the rest its keeper changes by hand
    fixed = change(space.ada, space, resource=bench, condition="a new vice")
    assert fixed.status_code == 303, fixed.text
    assert last_body(space) == {"resource": bench, "condition": "a new vice"}


def test_the_keeper_blocks_a_day_and_lifts_it(space: Space, site: str) -> None:
    bens = booked(book(space.ben, space, "2031-03-05", "10:00", "12:00"))
    day = {"start_date": "2031-03-05", "start_time": "00:00", "end_date": "2031-03-06",
           "end_time": "00:00", "reason": "new brushes"}  # fmt: skip
    made = post_form(space.ada, space.drill_page, f"{space.drill_page}/blocks", day)
    block = booked(made)  # on to the block's own page
    slot = resources_read.booking_detail(space.node, space.commons, block).slot
    assert (slot.kind, slot.status, slot.start, slot.end, slot.note) == (
        "block", "blocked", "2031-03-04T23:00Z", "2031-03-05T23:00Z", "new brushes",
    )  # a day in Berlin  # fmt: skip
    cancelled = resources_read.booking_detail(space.node, space.commons, bens).slot
    assert cancelled.status == "cancelled"  # the booking it covers
    block_page = f"{space.base}/bookings/{block}"
    shown = space.ada.get(block_page).text
    assert "Maintenance of Cordless drill" in shown
    assert "Wed 5 Mar 2031, 00:00" in shown
    assert 'data-testid="lift-button"' in shown
    with httpx.Client(base_url=site, headers=HTML) as anyone:
        strangers = [anyone.get(block_page).text, space.ben.get(block_page).text]
    for page in strangers:
        assert 'data-testid="lift-button"' not in page
    week = space.cy.get(space.drill_page, params={"at": "2031-03-05"}).text
    wednesday = week.split('data-date="2031-03-05"')[1].split('data-testid="calendar-day"')[0]
    assert f'data-kind="block" data-booking="{block}"' in wednesday
    # who keeps nothing of it may not lift it: the rule's words, what was typed, nothing written
    before = head_seq(space.node, space.commons)
    theirs = post_form(space.ben, block_page, f"{block_page}/lift", {"reason": "I need it"})
    assert theirs.status_code == 403
    assert alert_of(theirs.text) == "the resource's keeper lifts a block"
    assert 'value="I need it"' in theirs.text
    assert head_seq(space.node, space.commons) == before
    lifted = post_form(space.ada, block_page, f"{block_page}/lift", {"reason": "done early"})
    assert lifted.status_code == 303, lifted.text
    assert lifted.headers["location"] == block_page
    slot = resources_read.booking_detail(space.node, space.commons, block).slot
    assert (slot.status, slot.note) == ("lifted", "done early")
    shown = space.ada.get(block_page).text
    assert 'data-status="lifted"' in shown
    assert 'data-testid="lift-button"' not in shown
    week = space.cy.get(space.drill_page, params={"at": "2031-03-05"}).text
    assert block not in week
    again = post_form(space.ada, block_page, f"{block_page}/lift", {})
    assert again.status_code == 422
    assert alert_of(again.text) == "that is not a maintenance block in force"
    # a booking is no block: its keeper is offered no lift
    assert 'data-testid="lift-button"' not in space.ada.get(f"{space.base}/bookings/{bens}").text


def test_block_refusals_show_the_rules_words_keep_what_was_typed_and_write_nothing(
    space: Space,
) -> None:
    out = booked(book(space.ben, space, "2031-03-04", "10:00", "18:00"))
    space.node.clock = lambda: "2031-03-04T09:00:00.000Z"  # 10:00 in Berlin: Ben takes it
    page = f"{space.base}/bookings/{out}"
    assert post_form(space.ada, page, f"{page}/check-out", {}).status_code == 303
    before = head_seq(space.node, space.commons)
    cases = [
        (("2031-03-01", "10:00", "", "12:00"), 422, "has passed (journal time is"),
        (("2031-03-10", "12:00", "", "09:00"), 422, "The end comes after the start"),
        (("2031-03-10", "9 am", "", "12:00"), 400, "Start time: a time such as 09:30"),
        (("2031-03-30", "02:30", "", "04:00"), 400, "does not exist in Europe/Berlin"),
        (("2031-03-04", "12:00", "", "14:00"), 409, "start the block after it"),
        (("2031-03-10", "00:00", "2032-03-20", "00:00"), 403, "lasts at most 8784 hours"),
    ]
    for (start_date, start_time, end_date, end_time), status, says in cases:
        form = {"start_date": start_date, "start_time": start_time, "end_date": end_date,
                "end_time": end_time, "reason": "kept as typed"}  # fmt: skip
        refused = post_form(space.ada, space.drill_page, f"{space.drill_page}/blocks", form)
        assert refused.status_code == status, (form, refused.text)
        assert says in alert_of(refused.text, "block-error"), alert_of(refused.text, "block-error")
        assert 'value="kept as typed"' in refused.text
        assert 'data-testid="block-panel" open' in refused.text
    theirs = post_form(
        space.cy,
        space.drill_page,
        f"{space.drill_page}/blocks",
        {"start_date": "2031-03-10", "start_time": "09:00", "end_time": "10:00", "reason": "x"},
    )
    assert theirs.status_code == 403
    assert alert_of(theirs.text, "block-error") == (
        "the resource's keeper (its owner or custodian) blocks it for maintenance"
    )
    assert head_seq(space.node, space.commons) == before


# --- the calendar's arithmetic ----------------------------------------------------------------


def test_local_times_convert_across_daylight_saving_and_days_are_cut_in_the_zone() -> None:
    assert utc_text("2031-10-26", "01:30", "Europe/Berlin", "Start") == "2031-10-25T23:30Z"
    assert utc_text("2031-10-26", "03:00", "Europe/Berlin", "Start") == "2031-10-26T02:00Z"
    assert utc_text("2031-07-04", "09:00", "America/New_York", "Start") == "2031-07-04T13:00Z"
    # the day the clocks go back has 25 hours; the day they go forward 23
    autumn = minutes_at(date.fromisoformat("2031-10-27"), "Europe/Berlin") - minutes_at(
        date.fromisoformat("2031-10-26"), "Europe/Berlin"
    )
    spring = minutes_at(date.fromisoformat("2031-03-31"), "Europe/Berlin") - minutes_at(
        date.fromisoformat("2031-03-30"), "Europe/Berlin"
    )
    assert (autumn, spring) == (25 * 60, 23 * 60)
    lo = minutes_at(date.fromisoformat("2031-10-26"), "Europe/Berlin")
    hi = lo + autumn
    frame = Frame("Europe/Berlin", 0, 72 * 60, lo, "week")
    free = day_segments((), lo, hi, frame)
    assert [(s.kind, s.start, s.end, s.minutes) for s in free] == [("free", "00:00", "24:00", 1500)]
    # from now on, a day's free time is to book; what passed is shown as past, and not offered
    morning = day_segments((), lo, hi, replace(frame, now=lo + 10 * 60))
    assert [(s.start, s.end, s.past, s.fill is None) for s in morning] == [
        ("00:00", "09:00", True, True), ("09:00", "24:00", False, False),
    ]  # fmt: skip
    first, count, previous, following = calendar_range("month", date.fromisoformat("2031-02-14"))
    assert (first.isoformat(), count, previous.isoformat(), following.isoformat()) == (
        "2031-01-27", 35, "2031-01-01", "2031-03-01",
    )  # fmt: skip


def test_a_booking_past_midnight_shows_its_true_start_and_end_and_its_buffer_apart() -> None:
    zone = "Europe/Berlin"
    saturday = minutes_at(date.fromisoformat("2031-03-08"), zone)
    sunday = saturday + 24 * 60
    assert span_text(saturday + 9 * 60, saturday + 13 * 60, zone) == "09:00\u201313:00"
    assert span_text(saturday + 9 * 60, sunday + 18 * 60, zone) == "Sat 09:00 \u2192 Sun 18:00"
    assert span_text(saturday, sunday, zone) == "00:00\u201324:00"  # a whole day
    assert zoned_text(saturday + 9 * 60, zone) == "Sat 8 Mar 2031, 09:00 CET"
    assert zoned_of("2031-03-08T08:00:00.000Z", zone) == "Sat 8 Mar 2031, 09:00 CET"
    assert zoned_of(None, zone) == ""
