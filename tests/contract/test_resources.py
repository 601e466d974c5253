"""Shared physical resources (issue 13), on SQLite and PostgreSQL: an inventory with usage
rules; bookings that never overlap (the rules refuse, naming the booking that holds the time,
and the database refuses a raw insert that bypasses them); quotas; a waiting list whose freed
slot is offered in turn and lapses after the charter's hours; custody with a late return, a
damage report that blocks the resource, a deposit kept by the report, disputed and decided by
arbitration; the lender credited with resource_use value points; all of it the same under
verify and rebuild."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from commonwork.errors import SlotTaken
from commonwork.governance.tables import cases
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended
from commonwork.production.tables import contribution_status, contributions
from commonwork.resources.tables import bookings, resources, waits
from commonwork.services import forks, journals, queries
from tests.contract.test_books import balances
from tests.contract.test_credit import decide
from tests.contract.test_credit import moment as credit_moment
from tests.contract.test_economy_races import at_once, verified
from tests.contract.test_governance import act, at, propose, refused, stance
from tests.contract.test_standing import charter
from tests.support.builders import found, join, signed

DRILL_RULES = {
    "max_hours": 72,
    "buffer_minutes": 120,
    "quota": {"days": 6, "per_days": 30},
    "deposit": {"amount": 5000, "currency": "EUR"},
    "fee": {"amount": 300, "currency": "EUR"},
}


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee", "eve")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    at(any_node, "2031-03-01T09:00:00.000Z")
    terms = charter(people["ada"])
    seeded = [{"member": people[n].did, "standing": 200} for n in ("ada", "dee", "eve")]
    terms["standing_policy"] = {**terms["standing_policy"], "founders": seeded}
    commons_id = found(any_node, people["ada"], terms)
    for name in ("ben", "cy", "dee", "eve"):
        join(any_node, commons_id, people[name], name.title())
    return commons_id


def lend(node: Node, commons_id: str, who: Keypair, name: str = "Drill", **rules: Any) -> str:
    body = {"name": name, "kind": "tool", "zone": "Europe/Berlin", "rules": rules or DRILL_RULES}
    return str(act(node, commons_id, who, "resources.resource.register", body).entry.id)


def book(node: Node, commons_id: str, who: Keypair, resource: str, start: str, end: str) -> str:
    body = {"resource": resource, "start": start, "end": end}
    return str(act(node, commons_id, who, "resources.booking.make", body).entry.id)


def row_of(node: Node, table: sa.Table, commons_id: str, column: str, key: str) -> dict[str, Any]:
    with node.reading() as conn:
        found_row = (
            conn.execute(
                sa.select(table).where(
                    (table.c.commons_id == commons_id) & (table.c[column] == key)
                )
            )
            .mappings()
            .one()
        )
        return dict(found_row)


def assert_replays(node: Node, commons_id: str) -> None:
    """verify replays the journal to the host's digest; a rebuild gives the same digest."""
    digest = queries.commons_detail(node, commons_id).digest
    report = journals.verify_commons(node, commons_id)
    assert report.ok, report
    assert report.digest == digest
    journals.rebuild_projections(node)
    assert queries.commons_detail(node, commons_id).digest == digest


def booking(node: Node, commons_id: str, booking_id: str) -> dict[str, Any]:
    return row_of(node, bookings, commons_id, "booking_id", booking_id)


def test_an_overlapping_booking_is_refused_naming_the_booking_that_holds_the_time(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    drill = lend(any_node, commons_id, people["ben"])
    first = book(
        any_node, commons_id, people["cy"], drill, "2031-03-07T09:00Z", "2031-03-07T17:00Z"
    )
    body = {"resource": drill, "start": "2031-03-07T18:00Z", "end": "2031-03-07T20:00Z"}
    taken = refused(any_node, commons_id, people["dee"], "resources.booking.make", body)
    assert isinstance(taken, SlotTaken)
    assert taken.status == 409
    assert taken.extra["booking"] == first
    assert taken.extra["holder"] == people["cy"].did
    assert first in taken.detail
    assert "waiting list" in taken.detail
    # the buffer of two hours after the first booking ends at 19:00
    book(any_node, commons_id, people["dee"], drill, "2031-03-07T19:00Z", "2031-03-07T20:00Z")
    # before the first: its end leaves the buffer before 09:00
    early = {"resource": drill, "start": "2031-03-07T06:00Z", "end": "2031-03-07T07:30Z"}
    assert (
        refused(any_node, commons_id, people["eve"], "resources.booking.make", early).extra[
            "booking"
        ]
        == first
    )
    book(any_node, commons_id, people["eve"], drill, "2031-03-07T06:00Z", "2031-03-07T07:00Z")
    too_long = {"resource": drill, "start": "2031-03-10T09:00Z", "end": "2031-03-13T10:00Z"}
    assert (
        refused(any_node, commons_id, people["eve"], "resources.booking.make", too_long).extra[
            "reason"
        ]
        == "too_long"
    )
    past = {"resource": drill, "start": "2031-03-01T08:00Z", "end": "2031-03-01T10:00Z"}
    assert (
        refused(any_node, commons_id, people["eve"], "resources.booking.make", past).extra["reason"]
        == "in_the_past"
    )


def test_the_database_refuses_an_overlapping_insert_that_bypasses_the_rules(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    drill = lend(any_node, commons_id, people["ben"])
    first = book(
        any_node, commons_id, people["cy"], drill, "2031-03-07T09:00Z", "2031-03-07T17:00Z"
    )
    held = booking(any_node, commons_id, first)
    forged = {**held, "booking_id": "f" * 64, "lo": held["lo"] + 60, "hi": held["hi"] + 60}
    with pytest.raises(sa.exc.DBAPIError), any_node.engine.begin() as conn:
        conn.execute(bookings.insert().values(**forged))
    # an inactive row, or one after the held time, goes in
    with any_node.engine.begin() as conn:
        conn.execute(bookings.insert().values(**{**forged, "active": 0}))
        after = {**held, "booking_id": "e" * 64, "lo": held["hi"], "hi": held["hi"] + 60}
        conn.execute(bookings.insert().values(**after))
        # reactivating the cancelled overlapping row is refused as well
    with pytest.raises(sa.exc.DBAPIError), any_node.engine.begin() as conn:
        conn.execute(
            bookings.update()
            .where((bookings.c.commons_id == commons_id) & (bookings.c.booking_id == "f" * 64))
            .values(active=1)
        )


def test_quota_cancellation_and_the_waiting_list(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben, cy, dee, eve = (people[n] for n in ("ben", "cy", "dee", "eve"))
    drill = lend(any_node, commons_id, ben)
    # Cy books 3 days, then 3 more within 30 days: 6 days in 30 is the quota
    first = book(any_node, commons_id, cy, drill, "2031-03-02T08:00Z", "2031-03-05T08:00Z")
    book(any_node, commons_id, cy, drill, "2031-03-10T08:00Z", "2031-03-13T08:00Z")
    over = {"resource": drill, "start": "2031-03-20T08:00Z", "end": "2031-03-20T09:00Z"}
    quota = refused(any_node, commons_id, cy, "resources.booking.make", over)
    assert quota.extra["reason"] == "over_quota"
    # Dee and Eve wait for Cy's first slot, in that order
    wanted = {"resource": drill, "start": "2031-03-03T08:00Z", "end": "2031-03-04T08:00Z"}
    dee_wait = str(act(any_node, commons_id, dee, "resources.wait.join", wanted).entry.id)
    eve_wait = str(act(any_node, commons_id, eve, "resources.wait.join", wanted).entry.id)
    free = {"resource": drill, "start": "2031-03-25T08:00Z", "end": "2031-03-25T09:00Z"}
    assert refused(any_node, commons_id, eve, "resources.wait.join", free).extra["reason"] == "free"
    at(any_node, "2031-03-01T12:00:00.000Z")
    act(any_node, commons_id, cy, "resources.booking.cancel", {"booking": first})
    assert booking(any_node, commons_id, first)["status"] == "cancelled"
    offered = booking(any_node, commons_id, dee_wait)
    assert (offered["kind"], offered["status"], offered["member"]) == ("offer", "offered", dee.did)
    assert offered["offer_expires"] == "2031-03-02T12:00:00.000Z"
    # Eve cannot book it meanwhile: it is held for Dee
    taken = refused(any_node, commons_id, eve, "resources.booking.make", wanted)
    assert taken.extra["booking"] == dee_wait
    assert taken.extra["kind"] == "offer"
    # The cancelled quota is free again: Cy books another day
    book(any_node, commons_id, cy, drill, "2031-03-20T08:00Z", "2031-03-21T08:00Z")
    # Dee lets the offer lapse: at the next entry after 24 hours, it goes to Eve
    at(any_node, "2031-03-02T12:30:00.000Z")
    act(
        any_node,
        commons_id,
        ben,
        "resources.resource.update",
        {"resource": drill, "condition": "fine"},
    )
    assert booking(any_node, commons_id, dee_wait)["status"] == "expired"
    assert row_of(any_node, waits, commons_id, "wait_id", dee_wait)["status"] == "expired"
    assert booking(any_node, commons_id, eve_wait)["status"] == "offered"
    act(any_node, commons_id, eve, "resources.offer.accept", {"offer": eve_wait})
    accepted = booking(any_node, commons_id, eve_wait)
    assert (accepted["kind"], accepted["status"], accepted["deposit_minor"]) == (
        "booking",
        "booked",
        5000,
    )
    lapsed = refused(any_node, commons_id, dee, "resources.offer.accept", {"offer": dee_wait})
    assert lapsed.extra["reason"] in ("offer_expired", "not_yours")
    assert_replays(any_node, commons_id)


def test_the_drill_comes_back_late_and_damaged_and_the_kept_deposit_is_arbitrated(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy, dee, eve = (people[n] for n in ("ada", "ben", "cy", "dee", "eve"))
    drill = lend(any_node, commons_id, ben)
    lent = book(any_node, commons_id, cy, drill, "2031-03-02T08:00Z", "2031-03-03T08:00Z")
    after = book(any_node, commons_id, dee, drill, "2031-03-04T08:00Z", "2031-03-04T12:00Z")
    at(any_node, "2031-03-02T07:30:00.000Z")
    act(
        any_node, commons_id, ben, "resources.custody.out", {"booking": lent, "condition": "as new"}
    )
    held = balances(any_node, commons_id)
    assert held[(f"escrow:{lent}", "EUR")] == 5000
    assert held[(f"payable:{ben.did}", "EUR")] == 300
    assert held[("outside", "EUR")] == -5300
    # back late (after the end and the two-hour buffer), with a cracked chuck
    at(any_node, "2031-03-03T11:00:00.000Z")
    refused_own = refused(any_node, commons_id, cy, "resources.custody.in", {"booking": lent})
    assert refused_own.extra["reason"] == "not_keeper"
    act(
        any_node,
        commons_id,
        ben,
        "resources.custody.in",
        {
            "booking": lent,
            "condition": "chuck cracked",
            "damage": "the chuck is cracked",
            "keep": 2000,
        },
    )
    back = booking(any_node, commons_id, lent)
    assert (back["status"], back["late"], back["kept_minor"], back["deposit_state"]) == (
        "returned",
        1,
        2000,
        "held",
    )
    assert booking(any_node, commons_id, after)["status"] == "cancelled"  # the block covers it
    block = booking(any_node, commons_id, str(back["block"]))
    assert block["kind"] == "block"
    assert block["status"] == "blocked"
    held = balances(any_node, commons_id)
    assert held[(f"escrow:{lent}", "EUR")] == 2000
    assert held[("outside", "EUR")] == -2300
    # Cy disputes; a panel (Ada has standing to arbitrate; nobody else does) decides
    at(any_node, "2031-03-04T09:00:00.000Z")
    act(
        any_node,
        commons_id,
        cy,
        "resources.custody.dispute",
        {"booking": lent, "reason": "it was cracked before"},
    )
    case_id = str(booking(any_node, commons_id, lent)["case_id"])
    assert booking(any_node, commons_id, lent)["deposit_state"] == "disputed"
    at(
        any_node, "2031-03-12T09:00:00.000Z"
    )  # past the dispute window: nothing moved while disputed
    act(
        any_node,
        commons_id,
        ben,
        "resources.resource.update",
        {"resource": drill, "condition": "repaired"},
    )
    assert balances(any_node, commons_id)[(f"escrow:{lent}", "EUR")] == 2000
    case = row_of(any_node, cases, commons_id, "case_id", case_id)
    assert case["subject_kind"] == "custody"
    panel = orjson.loads(case["panel"])
    everyone = {p.did: p for p in people.values()}
    assert cy.did not in panel
    assert ben.did not in panel
    for member in panel:
        ruling = {"case": case_id, "verdict": "accept", "reason": "photos show a new crack"}
        act(any_node, commons_id, everyone[member], "governance.case.rule", ruling)
        if booking(any_node, commons_id, lent)["deposit_state"] == "settled":
            break
    held = balances(any_node, commons_id)
    assert held.get((f"escrow:{lent}", "EUR"), 0) == 0
    assert held[(f"payable:{ben.did}", "EUR")] == 2300
    # the lender's use is credited: accepted at the settlement of the check-in day
    contribution = str(back["contribution"])
    record = row_of(any_node, contributions, commons_id, "contribution_id", contribution)
    assert (record["contributor"], record["kind"], record["quantity"]) == (
        ben.did,
        "resource_use",
        "24",
    )
    status = row_of(any_node, contribution_status, commons_id, "contribution_id", contribution)
    assert status["status"] == "accepted"
    assert status["accepted_on"] == "2031-03-03"
    assert_replays(any_node, commons_id)
    assert row_of(any_node, resources, commons_id, "resource_id", drill)["completed"] == 1
    del ada, eve


def test_members_racing_for_one_saturday_slot_leave_exactly_one_winner(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben = people["ben"]
    cutter = lend(any_node, commons_id, ben, "Laser cutter", max_hours=8, buffer_minutes=30)
    racers = [people[name] for name in ("ada", "cy", "dee", "eve")] + [
        Keypair.generate() for _ in range(4)
    ]
    for index, racer in enumerate(racers[4:]):
        join(any_node, commons_id, racer, f"Racer {index}")
    # each wants a slightly different part of the same Saturday morning: all overlap
    actions = [
        signed(
            racer,
            "resources.booking.make",
            {
                "resource": cutter,
                "start": f"2031-03-08T{9 + index % 2:02d}:00Z",
                "end": f"2031-03-08T{12 + index % 3:02d}:00Z",
            },
            commons_id,
        )
        for index, racer in enumerate(racers)
    ]
    outcomes = at_once(any_node, commons_id, actions)
    won = [outcome for outcome in outcomes if isinstance(outcome, Appended)]
    lost = [outcome for outcome in outcomes if not isinstance(outcome, Appended)]
    assert len(won) == 1
    winner = str(won[0].entry.id)
    assert len(lost) == len(racers) - 1
    for refusal in lost:
        assert isinstance(refusal, SlotTaken)
        assert refusal.status == 409
        assert refusal.extra["booking"] == winner
        assert winner in refusal.detail
    with any_node.reading() as conn:
        active = conn.execute(
            sa.select(sa.func.count())
            .select_from(bookings)
            .where((bookings.c.commons_id == commons_id) & (bookings.c.active == 1))
        ).scalar_one()
    assert active == 1
    verified(any_node, commons_id)


def hours_circle(node: Node, people: dict[str, Keypair], **resources: Any) -> str:
    """A commons with standing (Ada, Dee and Eve may arbitrate) whose HOURS circle everyone
    joined, with a limit of 100.00 hours each."""
    at(node, credit_moment(0))
    terms = charter(people["ada"])
    seeded = [{"member": people[n].did, "standing": 200} for n in ("ada", "dee", "eve")]
    terms["standing_policy"] = {**terms["standing_policy"], "founders": seeded}
    if resources:
        terms["resources"] = resources
    commons_id = found(node, people["ada"], terms)
    for name in ("ben", "cy", "dee", "eve"):
        join(node, commons_id, people[name], name.title())
    currency = {"kind": "currency", "code": "HOURS", "exponent": 2, "name": "Hours"}
    decide(node, commons_id, people, currency, 0)
    policy = {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 10000}
    decide(node, commons_id, people, policy, 5)
    for person in people.values():
        act(node, commons_id, person, "economy.credit.join", {"currency": "HOURS"})
    return commons_id


@pytest.mark.parametrize(
    ("keep", "outcome", "dispute_days"),
    [
        (0, "released", 7),
        (1500, "undisputed", 7),
        (1500, "at_once", 0),
        (1500, "accept", 7),
        (1500, "reject", 7),
    ],
)
def test_a_deposit_in_mutual_credit_is_held_released_or_kept_and_never_made_or_lost(
    any_node: Node, people: dict[str, Keypair], keep: int, outcome: str, dispute_days: int
) -> None:
    ben, cy = people["ben"], people["cy"]
    commons_id = hours_circle(any_node, people, dispute_days=dispute_days)
    rules = {
        "max_hours": 48,
        "deposit": {"amount": 4000, "currency": "HOURS"},
        "fee": {"amount": 250, "currency": "HOURS"},
    }
    drill = lend(any_node, commons_id, ben, "Cargo bike", **rules)
    lent = book(any_node, commons_id, cy, drill, "2031-03-12T08:00Z", "2031-03-13T08:00Z")
    at(any_node, "2031-03-12T08:00:00.000Z")
    by_custodian = refused(any_node, commons_id, ben, "resources.custody.out", {"booking": lent})
    assert by_custodian.extra["reason"] == "borrower_signs"
    act(any_node, commons_id, cy, "resources.custody.out", {"booking": lent})

    def hours() -> dict[str, int]:
        held = balances(any_node, commons_id)
        assert sum(v for (_, c), v in held.items() if c == "HOURS") == 0  # zero-sum, always
        return {account: v for (account, c), v in held.items() if c == "HOURS"}

    assert hours()[f"escrow:{lent}"] == 4000
    assert hours()[f"credit:{cy.did}"] == -4250
    at(any_node, "2031-03-13T07:00:00.000Z")
    report: dict[str, Any] = {"booking": lent, "condition": "fine"}
    if keep:
        report.update(damage="a bent wheel", keep=keep)
    act(any_node, commons_id, ben, "resources.custody.in", report)
    if outcome in ("accept", "reject"):
        at(any_node, "2031-03-14T09:00:00.000Z")
        dispute = {"booking": lent, "reason": "the wheel was bent already"}
        act(any_node, commons_id, cy, "resources.custody.dispute", dispute)
        case_id = str(booking(any_node, commons_id, lent)["case_id"])
        panel = orjson.loads(row_of(any_node, cases, commons_id, "case_id", case_id)["panel"])
        everyone = {p.did: p for p in people.values()}
        for member in panel:
            ruling = {"case": case_id, "verdict": outcome, "reason": "as the photos show"}
            act(any_node, commons_id, everyone[member], "governance.case.rule", ruling)
            if booking(any_node, commons_id, lent)["deposit_state"] == "settled":
                break
    else:
        at(any_node, "2031-03-21T09:00:00.000Z")  # past the dispute window
        act(any_node, commons_id, ben, "resources.resource.update", {"resource": drill})
    kept = 0 if outcome == "reject" else keep
    assert booking(any_node, commons_id, lent)["deposit_state"] == (
        "settled" if keep or outcome == "released" else "none"
    )
    held = hours()
    assert held.get(f"escrow:{lent}", 0) == 0
    assert held[f"credit:{cy.did}"] == -(250 + kept)
    assert held[f"credit:{ben.did}"] == 250 + kept
    assert_replays(any_node, commons_id)


def test_the_rules_of_what_the_commons_owns_change_by_decision_and_a_fork_keeps_only_the_inventory(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = hours_circle(any_node, people)
    body = {
        "name": "Laser cutter",
        "kind": "machine",
        "owner": "commons",
        "rules": {"max_hours": 4},
    }
    by_member = refused(any_node, commons_id, ben, "resources.resource.register", body)
    assert by_member.extra["reason"] == "not_treasurer"
    cutter = str(act(any_node, commons_id, ada, "resources.resource.register", body).entry.id)
    change = {"resource": cutter, "rules": {"max_hours": 8}}
    direct = refused(any_node, commons_id, ada, "resources.resource.update", change)
    assert direct.extra["reason"] == "by_decision"
    effect = {"kind": "resource_rules", "resource": cutter, "rules": {"max_hours": 8}}
    decide(any_node, commons_id, people, effect, 10)
    detail = row_of(any_node, resources, commons_id, "resource_id", cutter)
    assert orjson.loads(detail["rules"])["max_hours"] == 8
    booked = book(any_node, commons_id, cy, cutter, "2031-03-20T08:00Z", "2031-03-20T15:00Z")
    seq = queries.commons_detail(any_node, commons_id).head_seq
    at(any_node, "2031-03-16T09:00:00.000Z")
    made = forks.fork_commons(
        any_node, actor=ben, parent_id=commons_id, at_seq=seq, reason="another space", name="Fork"
    )
    fork_id = made.commons_id
    assert row_of(any_node, resources, fork_id, "resource_id", cutter)["name"] == "Laser cutter"
    with any_node.reading() as conn:
        held = conn.execute(
            sa.select(sa.func.count()).select_from(bookings).where(bookings.c.commons_id == fork_id)
        ).scalar_one()
    assert held == 0
    assert booking(any_node, commons_id, booked)["status"] == "booked"  # the parent goes on
    # in the fork (its members carried), the same slot is free to book again
    book(any_node, fork_id, cy, cutter, "2031-03-20T08:00Z", "2031-03-20T15:00Z")
    assert_replays(any_node, fork_id)


def test_the_waiting_list_skips_who_left_and_refuses_waiting_twice_or_for_ones_own_time(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben, cy, dee, eve = (people[n] for n in ("ben", "cy", "dee", "eve"))
    drill = lend(any_node, commons_id, ben)
    held = book(any_node, commons_id, cy, drill, "2031-03-02T08:00Z", "2031-03-02T18:00Z")
    wanted = {"resource": drill, "start": "2031-03-02T09:00Z", "end": "2031-03-02T12:00Z"}
    own = refused(any_node, commons_id, cy, "resources.wait.join", wanted)
    assert own.extra["reason"] == "yours"
    dee_wait = str(act(any_node, commons_id, dee, "resources.wait.join", wanted).entry.id)
    twice = refused(any_node, commons_id, dee, "resources.wait.join", wanted)
    assert twice.extra["wait"] == dee_wait
    eve_wait = str(act(any_node, commons_id, eve, "resources.wait.join", wanted).entry.id)
    act(any_node, commons_id, dee, "commons.member.leave", {})
    act(any_node, commons_id, cy, "resources.booking.cancel", {"booking": held})
    assert row_of(any_node, waits, commons_id, "wait_id", dee_wait)["status"] == "left"
    assert booking(any_node, commons_id, eve_wait)["status"] == "offered"
    # a keeper who left keeps nothing: Ben leaves, and may no longer block his drill
    act(any_node, commons_id, ben, "commons.member.leave", {})
    block = {
        "resource": drill,
        "start": "2031-03-05T08:00Z",
        "end": "2031-03-06T08:00Z",
        "reason": "x",
    }
    assert (
        refused(any_node, commons_id, ben, "resources.block.make", block).extra["reason"]
        == "not_keeper"
    )
    assert_replays(any_node, commons_id)


# --- what a review found -----------------------------------------------------------------------


def test_a_damaged_return_while_the_next_booking_is_out_blocks_after_it(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben, cy, dee = people["ben"], people["cy"], people["dee"]
    drill = lend(any_node, commons_id, ben, max_hours=72, damage_block_days=1)
    first = book(any_node, commons_id, cy, drill, "2031-03-02T08:00Z", "2031-03-02T10:00Z")
    second = book(any_node, commons_id, dee, drill, "2031-03-02T10:00Z", "2031-03-05T10:00Z")
    at(any_node, "2031-03-02T08:00:00.000Z")
    act(any_node, commons_id, cy, "resources.custody.out", {"booking": first})
    at(any_node, "2031-03-02T09:30:00.000Z")
    act(any_node, commons_id, dee, "resources.custody.out", {"booking": second})
    at(any_node, "2031-03-02T09:45:00.000Z")
    act(any_node, commons_id, ben, "resources.custody.in", {"booking": first, "damage": "bent bit"})
    block = booking(any_node, commons_id, str(booking(any_node, commons_id, first)["block"]))
    assert block["lo"] == booking(any_node, commons_id, second)["hi"]  # after Dee's, not inside
    assert booking(any_node, commons_id, second)["status"] == "out"
    assert_replays(any_node, commons_id)


def test_an_early_damaged_return_keeps_the_waiting_person_in_line_and_credits_the_time_held(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben, cy, dee = people["ben"], people["cy"], people["dee"]
    drill = lend(any_node, commons_id, ben, max_hours=72)
    held = book(any_node, commons_id, cy, drill, "2031-03-02T10:00Z", "2031-03-02T18:00Z")
    wanted = {"resource": drill, "start": "2031-03-02T14:00Z", "end": "2031-03-02T15:00Z"}
    waiting = str(act(any_node, commons_id, dee, "resources.wait.join", wanted).entry.id)
    at(any_node, "2031-03-02T09:00:00.000Z")
    act(any_node, commons_id, cy, "resources.custody.out", {"booking": held})
    at(any_node, "2031-03-02T12:00:00.000Z")
    act(any_node, commons_id, ben, "resources.custody.in", {"booking": held, "damage": "cracked"})
    assert row_of(any_node, waits, commons_id, "wait_id", waiting)["status"] == "waiting"
    with any_node.reading() as conn:
        offered = conn.execute(
            sa.select(bookings.c.status).where(
                (bookings.c.commons_id == commons_id) & (bookings.c.booking_id == waiting)
            )
        ).scalar_one_or_none()
    assert offered is None  # the block took the freed time: nothing was offered
    contribution = str(booking(any_node, commons_id, held)["contribution"])
    record = row_of(any_node, contributions, commons_id, "contribution_id", contribution)
    assert record["quantity"] == "3"  # held from 09:00 to 12:00, not the 8 hours booked
    assert_replays(any_node, commons_id)


def test_a_corrected_use_waits_for_approvals_and_the_reporter_sits_on_no_panel(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    van = lend(any_node, commons_id, ben, max_hours=72, deposit={"amount": 100, "currency": "EUR"})
    act(
        any_node,
        commons_id,
        ben,
        "resources.resource.update",
        {"resource": van, "custodian": ada.did},
    )
    lent = book(any_node, commons_id, cy, van, "2031-03-02T08:00Z", "2031-03-02T10:00Z")
    at(any_node, "2031-03-02T08:00:00.000Z")
    act(any_node, commons_id, ada, "resources.custody.out", {"booking": lent})
    at(any_node, "2031-03-02T09:00:00.000Z")
    body = {"booking": lent, "damage": "dent", "keep": 50}
    act(any_node, commons_id, ada, "resources.custody.in", body)
    contribution = str(booking(any_node, commons_id, lent)["contribution"])
    fixed = {"contribution": contribution, "quantity": "5000", "reason": "it was a long day"}
    act(any_node, commons_id, ben, "production.contribution.correct", fixed)
    act(any_node, commons_id, cy, "resources.custody.dispute", {"booking": lent, "reason": "old"})
    at(any_node, "2031-03-03T09:00:00.000Z")
    act(any_node, commons_id, ben, "resources.resource.update", {"resource": van})
    status = row_of(any_node, contribution_status, commons_id, "contribution_id", contribution)
    assert status["status"] == "pending"  # the lender's word, not the check-in's
    case = row_of(
        any_node, cases, commons_id, "case_id", str(booking(any_node, commons_id, lent)["case_id"])
    )
    assert ada.did not in orjson.loads(case["panel"])  # she reported on the return


def test_far_times_and_unknown_zones_are_refused(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    drill = lend(any_node, commons_id, people["ben"])
    far = {"resource": drill, "start": "9999-12-31T20:00Z", "end": "9999-12-31T23:00Z"}
    assert (
        refused(any_node, commons_id, people["cy"], "resources.booking.make", far).extra["reason"]
        == "too_far"
    )
    for zone in ("localtime", "posixrules", "Mars/Olympus_Mons"):
        body = {"name": "Saw", "kind": "tool", "zone": zone}
        assert (
            "IANA"
            in refused(
                any_node, commons_id, people["ben"], "resources.resource.register", body
            ).detail
        )


def test_a_deposit_goes_back_to_where_it_came_from_when_a_circle_begins_meanwhile(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ben, cy = people["ben"], people["cy"]
    at(any_node, credit_moment(0))
    commons_id = found(any_node, people["ada"], charter(people["ada"]))
    for name in ("ben", "cy", "dee", "eve"):
        join(any_node, commons_id, people[name], name.title())
    currency = {"kind": "currency", "code": "HOURS", "exponent": 2, "name": "Hours"}
    decide(any_node, commons_id, people, currency, 0)
    bike = lend(any_node, commons_id, ben, "Bike", deposit={"amount": 4000, "currency": "HOURS"})
    lent = book(any_node, commons_id, cy, bike, "2031-03-07T12:00Z", "2031-03-09T08:00Z")
    # the circle is proposed while nothing holds HOURS; the bike goes out during the vote
    at(any_node, credit_moment(6))
    policy = {"kind": "credit_policy", "currency": "HOURS", "limit_minor": 10000}
    pid = propose(any_node, commons_id, people["ada"], effect=policy)
    at(any_node, "2031-03-07T12:00:00.000Z")
    act(any_node, commons_id, ben, "resources.custody.out", {"booking": lent})  # cash, to Ben
    at(any_node, credit_moment(7, 10))
    for person in people.values():
        stance(any_node, commons_id, person, pid, "for")
    at(any_node, credit_moment(10, 12))
    act(any_node, commons_id, ben, "resources.resource.update", {"resource": bike})
    at(any_node, "2031-03-12T09:00:00.000Z")
    act(any_node, commons_id, ben, "resources.custody.in", {"booking": lent})
    held = {k: v for (k, c), v in balances(any_node, commons_id).items() if c == "HOURS"}
    assert held.get(f"credit:{cy.did}", 0) == 0
    assert held.get("outside", 0) == 0
    assert_replays(any_node, commons_id)
