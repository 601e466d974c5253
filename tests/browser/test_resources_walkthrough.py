"""A makerspace's drill on the web (SCENARIOS.md, scenario 3), in a real browser.

Ada founds a tool library and lends her cordless drill through the Resources tab's form, with
its rules: 72 hours at most, a two-hour buffer, 6 days in any 30, a deposit and a fee, in
Europe/Berlin. Ben and Cy join. Ben picks a free Saturday stretch on the drill's calendar,
which fills the booking form, sets the morning he wants and books it. Cy asks for part of that
morning: the page says Ben holds it, and Cy joins the waiting list for the same time. Ben
cancels; Cy finds the slot offered on "my bookings", with when the offer lapses, and takes it.
The calendar is walked week by week and in the month view (Cy keeps nothing of the drill: she is
offered none of its keeper's forms). Ada, who keeps the drill, blocks a Wednesday for
maintenance from its page, finds the day held on its calendar, and lifts the block from the
block's own page. All of it runs twice: on a desktop
and at a phone's width (390 by 844), where no page is wider than the screen and the booking form
is used as it is. The node is served in this process so that its clock stands still;
screenshots are left in the test's temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from commonwork.node.node import Node
from commonwork.services import resources_read
from commonwork.web.app import create_app
from tests.browser.test_pages_walkthrough import found_commons, sign_up
from tests.functional.server import serve_app

pytestmark = pytest.mark.browser
NOW = "2031-03-03T08:00:00.000Z"  # a Monday, 09:00 in Berlin
SCREENS = {"desktop": (1200, 900), "phone": (390, 844)}
RESOURCE_URL = re.compile(r"/commons/[0-9a-f]{64}/resources/([0-9a-f]{64})$")
BOOKING_URL = re.compile(r"/commons/[0-9a-f]{64}/bookings/([0-9a-f]{64})$")


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    """The node served in this process, its clock standing still on a Monday morning."""
    node.clock = lambda: NOW
    with serve_app(create_app(node)) as base_url:
        yield base_url


def person(chromium: Browser, screen: str, complaints: list[str]) -> tuple[BrowserContext, Page]:
    """A browser of the screen's size whose console complaints (a refused style or script
    under the node's Content-Security-Policy) are kept in ``complaints``."""
    width, height = SCREENS[screen]
    context = chromium.new_context(
        viewport={"width": width, "height": height}, is_mobile=screen == "phone"
    )
    page = context.new_page()

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", console)
    return context, page


def fits(page: Page) -> None:
    """The page is no wider than the screen: nothing scrolls sideways."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
        " document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[2], (page.url, widths)
    assert widths[1] <= widths[2], (page.url, widths)


def lend_the_drill(page: Page) -> str:
    page.get_by_test_id("nav-resources").click()
    expect(page.get_by_test_id("no-resources")).to_be_visible()
    fits(page)
    form = page.get_by_test_id("lend-form")
    expect(form).to_be_visible()  # open while nothing is lent
    form.get_by_label("Resource name").fill("Cordless drill")
    form.get_by_label("Kind of resource").select_option("tool")
    form.get_by_label("Description").fill("18 V, two batteries, a box of bits")
    form.get_by_label("Where it is kept").fill("Shelf 3")
    form.get_by_label("Time zone").select_option("Europe/Berlin")
    form.get_by_label("Longest booking (hours)").fill("72")
    form.get_by_label("Buffer between bookings (minutes)").fill("120")
    form.get_by_label("Quota: days per person").fill("6")
    form.get_by_label("Quota window (days)").fill("30")
    form.get_by_label("Deposit amount").fill("50.00")
    form.get_by_label("Deposit currency").fill("EUR")
    form.get_by_label("Fee amount").fill("3.00")
    form.get_by_label("Fee currency").fill("EUR")
    form.get_by_label("Who may book").select_option("any")
    form.get_by_test_id("lend-button").click()
    page.wait_for_url(RESOURCE_URL)
    expect(page.get_by_test_id("resource-title")).to_have_text("Cordless drill")
    expect(page.get_by_test_id("resource-zone")).to_have_text("Europe/Berlin")
    rules = page.get_by_test_id("resource-rules")
    expect(rules).to_contain_text("A booking lasts at most 72 hours.")
    expect(rules).to_contain_text("at most 6 days in any 30 days")
    expect(rules).to_contain_text("A deposit of 50.00 EUR")
    matched = RESOURCE_URL.search(page.url)
    assert matched is not None
    return matched.group(1)


def book_a_saturday_morning(page: Page, drill_url: str) -> str:
    """Ben opens the drill from the inventory, picks Saturday's free time on the calendar (its
    link fills the booking form) and sets the morning he wants."""
    page.goto(drill_url.rsplit("/", 1)[0])
    page.get_by_test_id("resource-link").filter(has_text="Cordless drill").click()
    page.wait_for_url(RESOURCE_URL)
    expect(page.get_by_test_id("calendar-title")).to_have_text("Mon 3 Mar to Sun 9 Mar 2031")
    day = page.locator('[data-testid="calendar-day"][data-date="2031-03-08"]')
    expect(day.get_by_test_id("calendar-free")).to_have_count(1)
    expect(day.get_by_test_id("calendar-free")).to_have_attribute("data-end", "24:00")
    fits(page)
    day.get_by_test_id("free-book-link").click()
    form = page.get_by_test_id("book-form")
    expect(form.get_by_label("Start date")).to_have_value("2031-03-08")
    expect(form.get_by_label("Start time")).to_have_value("00:00")
    form.get_by_label("Start time").fill("10:00")
    form.get_by_label("End date").fill("2031-03-08")
    form.get_by_label("End time").fill("13:00")
    form.get_by_label("Note for the keeper").fill("for the new shelves")
    form.get_by_test_id("book-button").click()
    page.wait_for_url(BOOKING_URL)
    expect(page.get_by_test_id("booking-status")).to_have_text("booked")
    expect(page.get_by_test_id("booking-start")).to_have_text("Sat 8 Mar 2031, 10:00 CET")
    expect(page.get_by_test_id("booking-end")).to_have_text("Sat 8 Mar 2031, 13:00 CET")
    expect(page.get_by_test_id("booking-fee")).to_have_text("3.00 EUR")
    fits(page)
    page.get_by_test_id("booking-resource").click()
    held = page.locator('[data-testid="calendar-day"][data-date="2031-03-08"]').get_by_test_id(
        "calendar-slot"
    )
    expect(held).to_have_count(1)
    expect(held.get_by_test_id("slot-holder")).to_have_text("Ben")
    expect(held).to_contain_text("10:00\u201313:00")  # the booking itself
    expect(held).to_contain_text("buffer to 15:00")  # and, apart, its buffer
    matched = BOOKING_URL.search(str(held.get_by_test_id("slot-holder").get_attribute("href")))
    assert matched is not None
    return matched.group(1)


def race_and_wait(page: Page, drill_url: str, shots: Path) -> None:
    """Cy wants part of Ben's morning: told who holds it, Cy joins the waiting list."""
    page.goto(drill_url)
    form = page.get_by_test_id("book-form")
    form.get_by_label("Start date").fill("2031-03-08")
    form.get_by_label("Start time").fill("11:00")
    form.get_by_label("End time").fill("12:30")
    fits(page)
    form.get_by_test_id("book-button").click()
    taken = page.get_by_test_id("taken")
    expect(taken).to_be_visible()
    expect(taken.get_by_test_id("taken-by")).to_have_text("Ben")
    expect(taken).to_contain_text("Sat 8 Mar 2031, 10:00 to Sat 8 Mar 2031, 13:00")
    expect(page.get_by_test_id("form-error")).to_contain_text("overlaps a booking by Ben")
    expect(page.get_by_test_id("book-form").get_by_label("Start time")).to_have_value("11:00")
    fits(page)
    page.locator("#book").screenshot(path=str(shots / "taken.png"))
    page.get_by_test_id("wait-button").click()
    page.wait_for_url(re.compile(r"/me/bookings#wait-[0-9a-f]{64}$"))
    wait = page.get_by_test_id("wait")
    expect(wait).to_have_count(1)
    expect(wait.get_by_test_id("wait-status")).to_have_text("waiting")
    expect(wait).to_contain_text("Sat 8 Mar 2031, 11:00 to Sat 8 Mar 2031, 12:30")
    expect(page.get_by_test_id("no-offers")).to_be_visible()


def cancel(page: Page, site: str, commons: str, booking: str) -> None:
    page.goto(f"{site}/commons/{commons}/bookings/{booking}")
    page.get_by_label("Why cancel").fill("I am away that weekend")
    page.get_by_test_id("cancel-button").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("cancelled")
    expect(page.get_by_test_id("cancel-button")).to_have_count(0)


def take_the_offer(page: Page, shots: Path) -> None:
    page.reload()
    offer = page.get_by_test_id("offer")
    expect(offer).to_have_count(1)
    expect(offer.get_by_test_id("offer-link")).to_have_text("Cordless drill")
    expect(offer.get_by_test_id("offer-expires")).to_contain_text("Tue 4 Mar 2031, 09:00 CET")
    expect(page.get_by_test_id("wait").get_by_test_id("wait-status")).to_contain_text("offered")
    fits(page)
    page.screenshot(path=str(shots / "offer.png"), full_page=True)
    offer.get_by_test_id("offer-accept").click()
    page.wait_for_url(BOOKING_URL)
    expect(page.get_by_test_id("booking-status")).to_have_text("booked")
    expect(page.get_by_test_id("booking-holder")).to_have_text("Cy")
    expect(page.get_by_test_id("booking-deposit")).to_have_text("50.00 EUR")
    fits(page)
    page.screenshot(path=str(shots / "booking.png"), full_page=True)
    page.get_by_test_id("my-bookings-link").click()
    expect(page.get_by_test_id("my-booking")).to_have_attribute("data-status", "booked")
    expect(page.get_by_test_id("no-offers")).to_be_visible()
    feed = str(page.get_by_test_id("my-feed").get_attribute("href"))
    assert feed.startswith("/api/v1/commons/")
    assert feed.endswith("/bookings.ics")


def walk_the_calendar(page: Page, drill_url: str, shots: Path, screen: str) -> None:
    """Week by week, then the month: Cy's Saturday shows in both."""
    page.goto(drill_url)
    expect(page.locator("#keep")).to_have_count(0)  # the keeper's forms are Ada's, not Cy's
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("Mon 10 Mar to Sun 16 Mar 2031")
    expect(page.get_by_test_id("calendar-slot")).to_have_count(0)
    page.get_by_test_id("calendar-previous").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("Mon 3 Mar to Sun 9 Mar 2031")
    held = page.get_by_test_id("calendar-slot")
    expect(held.get_by_test_id("slot-holder")).to_have_text("Cy")
    fits(page)
    page.screenshot(path=str(shots / f"week-{screen}.png"), full_page=True)
    page.get_by_test_id("calendar-switch").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("March 2031")
    month = page.get_by_test_id("calendar-month")
    expect(month).to_be_visible()
    expect(month.get_by_test_id("slot-holder")).to_have_text("Cy")
    fits(page)
    page.screenshot(path=str(shots / f"month-{screen}.png"), full_page=True)
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("April 2031")
    expect(page.get_by_test_id("calendar-month").get_by_test_id("calendar-slot")).to_have_count(0)
    page.get_by_test_id("calendar-previous").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("March 2031")
    day = page.locator('[data-testid="calendar-day"][data-date="2031-03-12"]')
    day.get_by_test_id("day-link").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("Mon 10 Mar to Sun 16 Mar 2031")
    expect(page.locator("#calendar")).to_have_attribute("data-view", "week")


def block_a_day_and_lift_it(page: Page, drill_url: str, shots: Path, screen: str) -> str:
    """Ada blocks Wednesday 12 March (a whole day in Berlin) for maintenance from the drill's
    page, sees the day held on its calendar, and lifts the block from the block's page."""
    page.goto(drill_url)
    expect(page.get_by_test_id("block-form")).to_be_hidden()  # folded until she opens it
    page.get_by_test_id("block-summary").click()
    form = page.get_by_test_id("block-form")
    form.get_by_label("Block from date").fill("2031-03-12")
    form.get_by_label("Block from time").fill("00:00")
    form.get_by_label("Block until date").fill("2031-03-13")
    form.get_by_label("Block until time").fill("00:00")
    form.get_by_label("Why it is blocked").fill("New carbon brushes")
    fits(page)
    page.locator("#keep").screenshot(path=str(shots / f"block-form-{screen}.png"))
    form.get_by_test_id("block-button").click()
    page.wait_for_url(BOOKING_URL)
    expect(page.get_by_test_id("booking-title")).to_have_text("Maintenance of Cordless drill")
    expect(page.get_by_test_id("booking-status")).to_have_text("maintenance")
    expect(page.get_by_test_id("booking-start")).to_have_text("Wed 12 Mar 2031, 00:00 CET")
    expect(page.get_by_test_id("booking-end")).to_have_text("Thu 13 Mar 2031, 00:00 CET")
    expect(page.get_by_test_id("booking-note")).to_contain_text("New carbon brushes")
    block_url = page.url
    fits(page)
    page.get_by_test_id("booking-resource").click()
    expect(page.get_by_test_id("calendar-title")).to_have_text("Mon 10 Mar to Sun 16 Mar 2031")
    day = page.locator('[data-testid="calendar-day"][data-date="2031-03-12"]')
    held = day.get_by_test_id("calendar-slot")
    expect(held).to_have_attribute("data-kind", "block")
    expect(held.get_by_test_id("slot-holder")).to_have_text("Maintenance")
    expect(held).to_contain_text("00:00\u201324:00")
    expect(day.get_by_test_id("calendar-free")).to_have_count(0)
    fits(page)
    page.screenshot(path=str(shots / f"blocked-{screen}.png"), full_page=True)
    held.get_by_test_id("slot-holder").click()
    page.wait_for_url(block_url)
    page.get_by_label("Why lift it now").fill("The brushes came early")
    page.get_by_test_id("lift-button").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("maintenance lifted")
    expect(page.get_by_test_id("lift-button")).to_have_count(0)
    expect(page.get_by_test_id("booking-note")).to_contain_text("The brushes came early")
    fits(page)
    page.get_by_test_id("booking-resource").click()
    day = page.locator('[data-testid="calendar-day"][data-date="2031-03-12"]')
    expect(day.get_by_test_id("calendar-slot")).to_have_count(0)
    expect(day.get_by_test_id("calendar-free")).to_have_attribute("data-end", "24:00")
    matched = BOOKING_URL.search(block_url)
    assert matched is not None
    return matched.group(1)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_lend_book_race_wait_cancel_and_take_the_offer(
    node: Node, site: str, chromium: Browser, tmp_path: Path, screen: str
) -> None:
    complaints: list[str] = []
    (ada_context, ada), (ben_context, ben), (cy_context, cy) = (
        person(chromium, screen, complaints) for _ in range(3)
    )
    sign_up(ada, site, "Ada", "ada@example.org")
    ada.goto(site)
    commons_url = found_commons(ada)
    commons = commons_url.rsplit("/", 1)[1]
    drill = lend_the_drill(ada)
    drill_url = ada.url
    ada.screenshot(path=str(tmp_path / f"drill-{screen}.png"), full_page=True)
    for page, name in ((ben, "Ben"), (cy, "Cy")):
        sign_up(page, site, name, f"{name.lower()}@example.org")
        page.goto(commons_url)
        page.get_by_test_id("join-button").click()
        expect(page.get_by_test_id("member-badge")).to_be_visible()

    booking = book_a_saturday_morning(ben, drill_url)
    race_and_wait(cy, drill_url, tmp_path)
    cancel(ben, site, commons, booking)
    take_the_offer(cy, tmp_path)
    walk_the_calendar(cy, drill_url, tmp_path, screen)
    block = block_a_day_and_lift_it(ada, drill_url, tmp_path, screen)

    # the record agrees with what the pages showed
    day = [resources_read.minutes_of(t) for t in ("2031-03-08T00:00Z", "2031-03-09T00:00Z")]
    shown = resources_read.calendar(node, commons, drill, day[0], day[1])
    assert [(s.member_name, s.kind, s.start, s.end) for s in shown.slots] == [
        ("Cy", "booking", "2031-03-08T10:00Z", "2031-03-08T11:30Z")
    ]
    assert resources_read.booking_detail(node, commons, booking).slot.status == "cancelled"
    lifted = resources_read.booking_detail(node, commons, block).slot
    assert (lifted.kind, lifted.status, lifted.start, lifted.end) == (
        "block", "lifted", "2031-03-11T23:00Z", "2031-03-12T23:00Z",
    )  # fmt: skip
    assert complaints == []  # nothing the pages drew was refused under the policy
    for context in (ada_context, ben_context, cy_context):
        context.close()
