"""Shared physical resources (issue 13) over real HTTP, every action signed by its author's own
key and posted to ``…/actions``.

A tool library founds its commons with a value policy that values the use of a lent tool, and
decides an HOURS mutual-credit circle that everyone joins. Ben lends his drill (72 hours at
most, two hours' buffer, 6 days in any 30 per person, a deposit of 40.00 and a fee of 2.50
HOURS). Cy books it; Dee's overlapping attempt is refused (409 ``slot_taken``, naming Cy's
booking), and she books the day after and across the change to winter time. Cy checks the drill
out, brings it back late and cracked: Ben's report keeps 15.00 of the deposit, and the
maintenance block it opens cancels Dee's booking the day after. Cy disputes; the panel drawn
from those who may arbitrate accepts the report, and the kept part goes to Ben. Once the day of
the return is settled, Ben's ``resource_use`` contribution is accepted and credited. The
calendar, the booking, a person's bookings and both iCalendar feeds show it, the wall clock of
10:00 in Berlin kept across the change of time.

And a race: eight members, each with a client of their own, book overlapping times of one
machine at once: exactly one is booked, the seven others are refused naming it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_governance import at
from tests.contract.test_standing import VALIDATION, VALUE
from tests.functional.test_api import host_of, post_action, signed_json
from tests.support.builders import CHARTER

#: Day 0 of the scenario: a Thursday, three weeks and a half before the clocks go back in Berlin.
START = datetime(2026, 10, 1, tzinfo=UTC)
DRILL_RULES = {
    "max_hours": 72,
    "buffer_minutes": 120,
    "quota": {"days": 6, "per_days": 30},
    "deposit": {"amount": 4000, "currency": "HOURS"},
    "fee": {"amount": 250, "currency": "HOURS"},
    "damage_block_days": 2,
}


def moment(days: float) -> str:
    """A journal time ``days`` (may be fractional) after day 0, midnight UTC."""
    return (START + timedelta(hours=round(days * 24))).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def charter_of(founders: list[str]) -> dict[str, Any]:
    """Days settle (a value policy, in which an hour of a lent tool's use is worth half a
    point); ``founders`` are seeded with the standing to arbitrate."""
    standing = {
        "half_life_days": 180,
        "founders": [{"member": did, "standing": 200} for did in founders],
        "privileges": {"arbitrate": 150, "bounty_tasks": 80},
    }
    kinds = dict(cast(dict[str, str], VALUE["kinds"]))
    value = {**VALUE, "kinds": {**kinds, "resource_use": "0.5"}}
    return {
        **CHARTER,
        "name": "Tool library",
        "purpose": "Lend tools instead of buying them",
        "engine": 1,
        "validation_policy": VALIDATION,
        "value_policy": value,
        "standing_policy": standing,
    }


class Library:
    """The commons and its people, each signing with a key of their own."""

    def __init__(self, api: httpx.Client, node: Node, names: tuple[str, ...]) -> None:
        self.api, self.node = api, node
        self.keys = {name: Keypair.generate() for name in names}
        arbiters = [self.did(name) for name in ("ada", "eve", "fay")]
        body = {"charter": charter_of(arbiters), "founder_name": "Ada", "host": host_of(api)}
        founding = signed_json(self.keys["ada"], "commons.commons.found", body, at=node.clock())
        founded = api.post("/api/v1/commons", json=founding)
        assert founded.status_code == 201, founded.text
        self.commons = str(founded.json()["items"][0]["commons"])
        self.base = f"/api/v1/commons/{self.commons}"
        for name in names[1:]:
            self.act(name, "commons.member.join", {"name": name.title()})

    def did(self, name: str) -> str:
        return self.keys[name].did

    def post(self, name: str, action_type: str, body: dict[str, Any]) -> httpx.Response:
        item = signed_json(self.keys[name], action_type, body, self.commons, at=self.node.clock())
        return post_action(self.api, self.commons, item)

    def act(self, name: str, action_type: str, body: dict[str, Any]) -> str:
        made = self.post(name, action_type, body)
        assert made.status_code == 201, made.text
        return str(made.json()["items"][0]["id"])

    def get(self, path: str, **params: Any) -> Any:
        answer = self.api.get(self.base + path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def decide(self, effect: dict[str, Any], start: float) -> None:
        """A majority decision with ``effect``, proposed at ``start``, voted by everyone a day
        and a half later, and closed at the first entry after its close."""
        at(self.node, moment(start))
        proposal = self.act(
            "ada",
            "governance.proposal.make",
            {"title": effect["kind"], "text": "So.", "method": "majority", "effect": effect},
        )
        at(self.node, moment(start + 1.5))
        ballot = {"proposal": proposal, "version": 1, "ballot": "for"}
        for name in self.keys:
            self.act(name, "governance.stance.take", ballot)
        at(self.node, moment(start + 4.5))
        self.act("ada", "production.task.post", {"title": "Tick", "description": "closes it"})

    def hours(self) -> dict[str, int]:
        """The books' HOURS balances by account; they sum to zero."""
        books = self.get("/books")
        held = {
            row["account"]: int(row["amount_minor"])
            for row in books["balances"]
            if row["currency"] == "HOURS"
        }
        assert sum(held.values()) == 0, held
        return held


def hours(minor: int) -> dict[str, Any]:
    return {
        "currency": "HOURS",
        "amount_minor": minor,
        "amount": f"{minor // 100}.{minor % 100:02d}",
    }


def feed_events(text: bytes) -> dict[str, Any]:
    """The VEVENTs of an iCalendar feed by UID, as icalendar parses it."""
    calendar = Calendar.from_ical(text)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_a_drill_lent_booked_returned_late_disputed_and_credited_over_http(
    node: Node, site: str, api: httpx.Client
) -> None:
    at(node, moment(0.25))
    lib = Library(api, node, ("ada", "ben", "cy", "dee", "eve", "fay"))
    lib.decide({"kind": "currency", "code": "HOURS", "exponent": 2, "name": "Hours"}, 0.375)
    lib.decide({"kind": "credit_policy", "currency": "HOURS", "limit_minor": 10_000}, 5.375)
    at(node, moment(10.375))
    for name in lib.keys:
        lib.act(name, "economy.credit.join", {"currency": "HOURS"})

    # Ben lends his drill; Cy books a day; Dee's overlapping attempt names Cy's booking.
    at(node, moment(11.375))
    drill = lib.act(
        "ben",
        "resources.resource.register",
        {
            "name": "Cordless drill",
            "kind": "tool",
            "location": "Shed 2",
            "zone": "Europe/Berlin",
            "condition": "as new",
            "rules": DRILL_RULES,
        },
    )
    lib.act("ada", "resources.resource.register", {"name": "Meeting room", "kind": "room"})
    cy_booking = lib.act(
        "cy",
        "resources.booking.make",
        {"resource": drill, "start": "2026-10-14T08:00Z", "end": "2026-10-15T08:00Z"},
    )
    overlapping = {"resource": drill, "start": "2026-10-15T09:00Z", "end": "2026-10-15T12:00Z"}
    taken = lib.post("dee", "resources.booking.make", overlapping)
    assert taken.status_code == 409, taken.text
    problem = taken.json()
    assert taken.headers["content-type"].startswith("application/problem+json")
    assert (problem["code"], problem["booking"], problem["holder"]) == (
        "slot_taken",
        cy_booking,
        lib.did("cy"),
    )
    assert cy_booking in problem["detail"]
    assert "until 2026-10-15T10:00Z" in problem["detail"]  # the buffer of two hours
    dee_next_day = lib.act(
        "dee",
        "resources.booking.make",
        {"resource": drill, "start": "2026-10-16T08:00Z", "end": "2026-10-16T12:00Z"},
    )
    # 10:00 in Berlin on Saturday (summer time) to 10:00 on Monday (winter time): 49 hours.
    dee_dst = lib.act(
        "dee",
        "resources.booking.make",
        {"resource": drill, "start": "2026-10-24T08:00Z", "end": "2026-10-26T09:00Z"},
    )

    tools = lib.get("/resources", kind="tool", q="DRILL", lendable="true")
    assert [item["resource_id"] for item in tools["items"]] == [drill]
    shown = tools["items"][0]
    assert (shown["owner"], shown["owner_name"], shown["custodian"]) == (
        lib.did("ben"),
        "Ben",
        lib.did("ben"),
    )
    assert (shown["bookings"], shown["deposit"], shown["fee"]) == (3, hours(4000), hours(250))
    assert lib.get("/resources", kind="vehicle")["items"] == []
    everything = lib.get("/resources", limit=1)
    assert len(everything["items"]) == 1
    older = lib.get("/resources", before=everything["next_before"])
    assert [item["name"] for item in everything["items"] + older["items"]] == [
        "Meeting room",
        "Cordless drill",
    ]
    detail = lib.get(f"/resources/{drill}")
    assert detail["rules"]["quota"] == {"days": 6, "per_days": 30}
    assert (detail["rules"]["max_hours"], detail["rules"]["buffer_minutes"]) == (72, 120)
    assert (detail["item"]["zone"], detail["item"]["location"]) == ("Europe/Berlin", "Shed 2")

    # Cy takes it half an hour early; the fee goes to Ben, the deposit into escrow.
    at(node, "2026-10-14T07:30:00.000Z")
    lib.act("cy", "resources.custody.out", {"booking": cy_booking, "condition": "as new"})
    out = lib.get(f"/bookings/{cy_booking}")
    assert (out["slot"]["status"], out["deposit_state"]) == ("out", "held")
    assert (out["fee"], out["deposit"], out["out"]["condition"]) == (
        hours(250),
        hours(4000),
        "as new",
    )
    held = lib.hours()
    assert held[f"escrow:{cy_booking}"] == 4000
    assert held[f"credit:{lib.did('cy')}"] == -4250
    assert held[f"credit:{lib.did('ben')}"] == 250

    # Back at 11:00, after the end (08:00) and the buffer (10:00): late, with a cracked chuck.
    at(node, "2026-10-15T11:00:00.000Z")
    report = {
        "booking": cy_booking,
        "condition": "chuck cracked",
        "damage": "the chuck is cracked",
        "keep": 1500,
    }
    own = lib.post("cy", "resources.custody.in", report)
    assert (own.status_code, own.json()["reason"]) == (403, "not_keeper")
    lib.act("ben", "resources.custody.in", report)
    back = lib.get(f"/bookings/{cy_booking}")
    assert (back["slot"]["status"], back["late"], back["deposit_state"]) == (
        "returned",
        True,
        "held",
    )
    assert (back["kept"], back["back"]["damage"]) == (hours(1500), "the chuck is cracked")
    block = str(back["block"])
    cancelled = lib.get(f"/bookings/{dee_next_day}")["slot"]
    assert (cancelled["status"], cancelled["note"]) == (
        "cancelled",
        "maintenance: damage: the chuck is cracked",
    )
    held = lib.hours()
    assert held[f"escrow:{cy_booking}"] == 1500
    assert held[f"credit:{lib.did('cy')}"] == -1750

    calendar = lib.get(f"/resources/{drill}/calendar", **{"from": "2026-10-14", "to": "2026-10-17"})
    assert (calendar["from_min"], calendar["to_min"]) == (
        int(datetime(2026, 10, 14, tzinfo=UTC).timestamp()) // 60,
        int(datetime(2026, 10, 17, tzinfo=UTC).timestamp()) // 60,
    )
    assert [
        (slot["booking_id"], slot["kind"], slot["status"], slot["start"], slot["held_until"])
        for slot in calendar["slots"]
    ] == [
        (cy_booking, "booking", "returned", "2026-10-14T08:00Z", "2026-10-15T10:00Z"),
        (block, "block", "blocked", "2026-10-15T11:00Z", "2026-10-17T11:00Z"),
    ]
    # one time and a week from it, and this week by the node's clock (Monday the 12th)
    week = lib.get(f"/resources/{drill}/calendar", **{"from": "2026-10-15T09:30Z"})
    assert week["to_min"] - week["from_min"] == 7 * 1440
    assert [slot["booking_id"] for slot in week["slots"]] == [cy_booking, block]
    this_week = lib.get(f"/resources/{drill}/calendar")
    assert this_week["from_min"] == int(datetime(2026, 10, 12, tzinfo=UTC).timestamp()) // 60
    assert [slot["booking_id"] for slot in this_week["slots"]] == [cy_booking, block]
    for bad in ({"from": "next tuesday"}, {"from": "2026-10-01", "to": "2026-12-31"}):
        refused = api.get(f"{lib.base}/resources/{drill}/calendar", params=bad)
        assert (refused.status_code, refused.json()["code"]) == (400, "bad_input"), refused.text
    dees = lib.get(f"/members/{lib.did('dee')}/bookings", **{"from": "2026-10-15"})
    assert [(slot["booking_id"], slot["status"]) for slot in dees["slots"]] == [
        (dee_next_day, "cancelled"),
        (dee_dst, "booked"),
    ]

    # Cy disputes the next day (its first entry settles the day of the return).
    at(node, "2026-10-16T09:00:00.000Z")
    lib.act(
        "cy",
        "resources.custody.dispute",
        {"booking": cy_booking, "reason": "the chuck was cracked before"},
    )
    disputed = lib.get(f"/bookings/{cy_booking}")
    assert disputed["deposit_state"] == "disputed"
    case_id = str(disputed["case_id"])
    case = lib.get(f"/cases/{case_id}")
    panel = [seat["member"] for seat in case["case"]["panel"]]
    # Drawn from those who may arbitrate: never the borrower, nor the lender.
    assert sorted(panel) == sorted(lib.did(name) for name in ("ada", "eve", "fay"))
    at(node, "2026-10-16T10:00:00.000Z")
    by_did = {lib.did(name): name for name in lib.keys}
    ruling = {"case": case_id, "verdict": "accept", "reason": "the photos show a new crack"}
    for member in panel[:2]:  # a majority of three
        lib.act(by_did[member], "governance.case.rule", ruling)
    settled = lib.get(f"/bookings/{cy_booking}")
    assert settled["deposit_state"] == "settled"
    held = lib.hours()
    assert held.get(f"escrow:{cy_booking}", 0) == 0
    assert held[f"credit:{lib.did('ben')}"] == 250 + 1500
    assert held[f"credit:{lib.did('cy')}"] == -(250 + 1500)

    # The day of the return is settled: Ben's use of the drill is accepted and credited.
    contribution = str(settled["contribution"])
    credited = lib.get(f"/contributions/{contribution}")
    assert (credited["kind"], credited["contributor"], credited["quantity"]) == (
        "resource_use",
        lib.did("ben"),
        "24",
    )
    assert credited["status"] == "accepted"
    standing = lib.get(f"/members/{lib.did('ben')}/standing")
    assert standing["value_points"] == "12"  # 24 hours at half a point
    assert standing["standing_milli"] > 0
    assert standing["contributions_accepted"] == 1
    [term] = [term for term in standing["why"] if term["kind"] == "contribution"]
    assert (term["contribution"], term["accepted_on"], term["points"]) == (
        contribution,
        "2026-10-15",
        "12",
    )
    assert (term["provisional"], term["approvals"]) == (False, [])  # the check-in is evidence

    # The feeds: exactly what holds the drill's time, and Dee's active bookings.
    host = urlsplit(site).hostname
    feed = api.get(f"{lib.base}/resources/{drill}/calendar.ics")
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = feed_events(feed.content)
    assert set(events) == {f"booking-{ident}@{host}" for ident in (cy_booking, block, dee_dst)}
    assert str(events[f"booking-{block}@{host}"]["summary"]) == "Cordless drill: maintenance"
    assert str(events[f"booking-{dee_dst}@{host}"]["summary"]) == "Cordless drill: booked by Dee"
    assert events[f"booking-{dee_dst}@{host}"].decoded("dtstart").hour == 10
    mine = api.get(f"{lib.base}/members/{lib.did('dee')}/bookings.ics")
    assert mine.status_code == 200, mine.text
    assert mine.headers["content-type"] == "text/calendar; charset=utf-8"
    dee_events = feed_events(mine.content)
    assert set(dee_events) == {f"booking-{dee_dst}@{host}"}
    across = dee_events[f"booking-{dee_dst}@{host}"]
    start, end = across.decoded("dtstart"), across.decoded("dtend")
    assert across["dtstart"].params["TZID"] == across["dtend"].params["TZID"] == "Europe/Berlin"
    assert (start.hour, start.minute, end.hour, end.minute) == (10, 0, 10, 0)
    assert (start.utcoffset(), end.utcoffset()) == (timedelta(hours=2), timedelta(hours=1))
    assert start.astimezone(UTC) == datetime(2026, 10, 24, 8, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Berlin:20261024T100000" in mine.content
    assert b"DTEND;TZID=Europe/Berlin:20261026T100000" in mine.content
    assert b"BEGIN:VTIMEZONE" in mine.content


def test_eight_members_racing_for_one_slot_leave_exactly_one_booked(
    node: Node, site: str, api: httpx.Client
) -> None:
    names = ("ada", "ben", "cy", "dee", "eve", "fay", "gus", "hal", "ivy")
    lib = Library(api, node, names)
    cutter = lib.act(
        "ada",
        "resources.resource.register",
        {
            "name": "Laser cutter",
            "kind": "machine",
            "rules": {"max_hours": 8, "buffer_minutes": 30},
        },
    )
    racers = names[1:]
    day = (datetime.fromisoformat(node.clock()[:10]) + timedelta(days=10)).strftime("%Y-%m-%d")
    # Each wants a slightly different part of one morning: every two of them overlap.
    actions = {
        name: signed_json(
            lib.keys[name],
            "resources.booking.make",
            {
                "resource": cutter,
                "start": f"{day}T{9 + index % 2:02d}:00Z",
                "end": f"{day}T{12 + index % 3:02d}:00Z",
            },
            lib.commons,
        )
        for index, name in enumerate(racers)
    }
    ready = threading.Barrier(len(racers))
    answers: dict[str, httpx.Response] = {}

    def race(name: str) -> None:
        with httpx.Client(base_url=site, timeout=60) as own:
            ready.wait()
            answers[name] = post_action(own, lib.commons, actions[name])

    threads = [threading.Thread(target=race, args=(name,)) for name in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == sorted(racers)
    won = {name: answer for name, answer in answers.items() if answer.is_success}
    assert len(won) == 1, {name: answer.text for name, answer in answers.items()}
    [(winner_name, winning)] = won.items()
    assert winning.status_code == 201
    winner = str(winning.json()["items"][0]["id"])
    for name, answer in answers.items():
        if name == winner_name:
            continue
        problem = answer.json()
        assert answer.status_code == 409, answer.text
        assert (problem["code"], problem["booking"], problem["holder"]) == (
            "slot_taken",
            winner,
            lib.did(winner_name),
        )
        assert winner in problem["detail"]
    calendar = lib.get(f"/resources/{cutter}/calendar", **{"from": day})
    assert [(slot["booking_id"], slot["member"]) for slot in calendar["slots"]] == [
        (winner, lib.did(winner_name))
    ]
    mine = lib.get(f"/members/{lib.did(winner_name)}/bookings")
    assert [slot["booking_id"] for slot in mine["slots"]] == [winner]
