"""Shared resources as anyone may read them: the inventory (filtered by kind and by words in a
name or location), one resource with its rules, a calendar range of what holds its time, one
booking with its custody reports and deposit, a person's bookings, offers and waiting list, and
iCalendar feeds of a resource's or a person's bookings.

Every read costs what its page holds, never the journal: the inventory newest first by
``ix_resources_seq`` (keyset on the registering entry's seq); a calendar range by
``ix_bookings_resource`` from the range's start less the longest a row may last (a block: 366
days), since active rows of one resource never overlap; a person's bookings by
``ix_bookings_member`` and their waiting list by ``ix_resource_waits_member``; a feed, the rows
of a bounded window (from 31 days ago, at most ``FEED_MAX`` rows). The read models are
services/resources_models.py's, exported from here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import sqlalchemy as sa

from commonwork.errors import BadInput, NotFound
from commonwork.journal.projection import Row
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.resources import inventory as inventory_rules
from commonwork.resources.tables import bookings, resources, waits
from commonwork.services.books_models import Money, exponents, money, names_of, page_limit
from commonwork.services.journals import require_head
from commonwork.services.resources_ical import FeedEvent, feed
from commonwork.services.resources_models import (
    BookingDetail,
    Calendar,
    InventoryPage,
    MyBookings,
    Photo,
    Quota,
    Report,
    ResourceDetail,
    ResourceItem,
    Rules,
    Slot,
    WaitItem,
)

# The action types the doors sign (the doors never import the area).
REGISTER = "resources.resource.register"
UPDATE = "resources.resource.update"
BOOK = "resources.booking.make"
CANCEL = "resources.booking.cancel"
BLOCK = "resources.block.make"
LIFT = "resources.block.lift"
WAIT = "resources.wait.join"
LEAVE = "resources.wait.leave"
ACCEPT = "resources.offer.accept"
DECLINE = "resources.offer.decline"
CHECK_OUT = "resources.custody.out"
CHECK_IN = "resources.custody.in"
DISPUTE = "resources.custody.dispute"
KINDS = inventory_rules.KINDS
#: The longest a calendar range may be (days), and a feed's window and size.
CALENDAR_DAYS = 62
FEED_PAST_DAYS = 31
FEED_MAX = 1000
#: What a person's booking may span, in minutes (their bookings of several resources may
#: overlap: their list reads back this far).
_LONGEST_BOOKING = inventory_rules.MAX_BOOKING_HOURS * 60
#: Beyond any time a row may reach (bookings start within two years of journal time), and the
#: last time a calendar may show (a year of four digits, with room to spare).
_FAR = 2**53
_LAST = 3_786_834_240  # 9170-01-01T00:00Z in minutes

__all__ = [
    "ACCEPT",
    "BLOCK",
    "BOOK",
    "CALENDAR_DAYS",
    "CANCEL",
    "CHECK_IN",
    "CHECK_OUT",
    "DECLINE",
    "DISPUTE",
    "FEED_MAX",
    "FEED_PAST_DAYS",
    "KINDS",
    "LEAVE",
    "LIFT",
    "REGISTER",
    "UPDATE",
    "WAIT",
    "BookingDetail",
    "Calendar",
    "InventoryPage",
    "MyBookings",
    "Photo",
    "Quota",
    "Report",
    "ResourceDetail",
    "ResourceItem",
    "Rules",
    "Slot",
    "WaitItem",
    "booking_detail",
    "calendar",
    "from_wall_clock",
    "list_resources",
    "member_feed",
    "minutes_of",
    "minutes_text",
    "my_bookings",
    "resource_detail",
    "resource_feed",
    "wall_clock",
]  # fmt: skip


def minutes_text(minutes: int) -> str:
    """Minutes since the epoch as ``2026-12-05T09:30Z``."""
    return inventory_rules.minutes_text(minutes)


def minutes_of(text: str) -> int:
    """``2026-12-05T09:30Z`` (or a journal time; without a zone: UTC) as minutes since the
    epoch."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"{text!r} is not a time such as 2026-12-05T09:30Z") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) // 60


def wall_clock(minutes: int, zone: str) -> datetime:
    """Minutes since the epoch as the wall-clock time in ``zone`` (a resource's)."""
    return datetime.fromtimestamp(minutes * 60, UTC).astimezone(ZoneInfo(zone))


def from_wall_clock(local: datetime, zone: str) -> int | None:
    """A wall-clock time in ``zone`` (without a zone of its own) as minutes since the epoch;
    None for a time the clocks skip there (summer time begins). A time they show twice is the
    first of them."""
    placed = local.replace(tzinfo=ZoneInfo(zone))
    moment = placed.astimezone(UTC)
    if moment.astimezone(placed.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return int(moment.timestamp()) // 60


def _charge(value: object, known: dict[str, int]) -> Money | None:
    if not isinstance(value, dict):
        return None
    return money(str(value["currency"]), int(value["amount"]), known)


def _item(row: Row, names: dict[str, str], known: dict[str, int]) -> ResourceItem:
    rules = orjson.loads(row["rules"])
    owner = row["owner"]
    owner_name = "the commons" if owner is None else names.get(str(owner), str(owner))
    return ResourceItem(
        resource_id=str(row["resource_id"]),
        name=str(row["name"]),
        kind=str(row["kind"]),
        location=str(row["location"]),
        zone=str(row["zone"]),
        owner_kind=str(row["owner_kind"]),
        owner=None if owner is None else str(owner),
        owner_name=owner_name,
        custodian=str(row["custodian"]),
        custodian_name=names.get(str(row["custodian"]), str(row["custodian"])),
        condition=str(row["condition"]),
        status=str(row["status"]),
        registered_seq=int(row["registered_seq"]),
        registered_at=str(row["registered_at"]),
        bookings=int(row["bookings"]),
        completed=int(row["completed"]),
        deposit=_charge(rules.get("deposit"), known),
        fee=_charge(rules.get("fee"), known),
    )


def _people(row: Row) -> list[str]:
    return [str(row["custodian"])] + ([str(row["owner"])] if row["owner"] else [])


def list_resources(
    node: Node,
    commons_id: str,
    *,
    kind: str | None = None,
    words: str | None = None,
    lendable_only: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> InventoryPage:
    """A page of the inventory, newest first (registered before entry ``before``), of one kind,
    with ``words`` in its name or location (case-insensitive), lendable ones only if asked."""
    if kind is not None and kind not in KINDS:
        raise BadInput(f"kind is one of {', '.join(KINDS)}")
    limit = page_limit(limit)
    query = sa.select(resources).where(resources.c.commons_id == commons_id)
    if before is not None:
        query = query.where(resources.c.registered_seq < before)
    if kind is not None:
        query = query.where(resources.c.kind == kind)
    if lendable_only:
        query = query.where(resources.c.status == "lendable")
    if words:
        pattern = "%" + words.strip().lower().replace("%", "").replace("_", "") + "%"
        query = query.where(
            sa.or_(
                sa.func.lower(resources.c.name).like(pattern),
                sa.func.lower(resources.c.location).like(pattern),
            )
        )
    query = query.order_by(resources.c.registered_seq.desc()).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        names = names_of(conn, commons_id, (did for row in rows[:limit] for did in _people(row)))
        known = exponents(conn, commons_id)
    items = tuple(_item(row, names, known) for row in rows[:limit])
    more = len(rows) > limit
    return InventoryPage(items, limit, items[-1].registered_seq if more else None)


def _resource_row(conn: sa.Connection, commons_id: str, resource_id: str) -> Row:
    require_head(conn, commons_id)
    found = (
        conn.execute(
            sa.select(resources).where(
                resources.c.commons_id == commons_id, resources.c.resource_id == resource_id
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        raise NotFound(f"this commons has no resource {resource_id}")
    return plain_row(found)


def _photos(text: str) -> tuple[Photo, ...]:
    return tuple(Photo(str(p["sha256"]), p.get("url")) for p in orjson.loads(text))


def resource_detail(node: Node, commons_id: str, resource_id: str) -> ResourceDetail:
    """One resource, its description, photos and rules."""
    with node.reading() as conn:
        row = _resource_row(conn, commons_id, resource_id)
        names = names_of(conn, commons_id, _people(row))
        known = exponents(conn, commons_id)
    rules = inventory_rules.Rules.model_validate(orjson.loads(row["rules"]))
    quota = None if rules.quota is None else Quota(rules.quota.days, rules.quota.per_days)
    item = _item(row, names, known)
    shown = Rules(
        max_hours=rules.max_hours,
        buffer_minutes=rules.buffer_minutes,
        quota=quota,
        who=rules.who.who,
        privilege=rules.who.privilege,
        skill=rules.who.skill,
        role=rules.who.role,
        deposit=item.deposit,
        fee=item.fee,
        damage_block_days=rules.damage_block_days,
    )
    return ResourceDetail(
        item, str(row["description"]), _photos(row["photos"]), shown, str(row["updated_at"])
    )


def _slot(row: Row, names: dict[str, str], where: dict[str, tuple[str, str]]) -> Slot:
    name, zone = where.get(str(row["resource"]), ("", "UTC"))
    return Slot(
        booking_id=str(row["booking_id"]),
        resource=str(row["resource"]),
        resource_name=name,
        zone=zone,
        kind=str(row["kind"]),
        status=str(row["status"]),
        member=str(row["member"]),
        member_name=names.get(str(row["member"]), str(row["member"])),
        start_min=int(row["start_min"]),
        end_min=int(row["end_min"]),
        held_until_min=int(row["hi"]),
        start=minutes_text(int(row["start_min"])),
        end=minutes_text(int(row["end_min"])),
        held_until=minutes_text(int(row["hi"])),
        note=str(row["note"]),
        offer_expires=row["offer_expires"],
    )


def _active_between(
    conn: sa.Connection, commons_id: str, resource_id: str, lo: int, hi: int, most: int
) -> list[Row]:
    """The resource's active rows that hold part of [lo, hi), by start: those starting in it
    (the partial index ``ix_bookings_active``), and the one starting last before it if it
    reaches in — active rows of one resource never overlap, so no other can."""
    mine = (
        bookings.c.commons_id == commons_id,
        bookings.c.resource == resource_id,
        bookings.c.active == 1,
    )
    before = (
        sa.select(bookings).where(*mine, bookings.c.lo < lo).order_by(bookings.c.lo.desc()).limit(1)
    )
    within = (
        sa.select(bookings)
        .where(*mine, bookings.c.lo >= lo, bookings.c.lo < hi)
        .order_by(bookings.c.lo)
        .limit(most)
    )
    first = [plain_row(row) for row in conn.execute(before).mappings() if int(row["hi"]) > lo]
    return first + [plain_row(row) for row in conn.execute(within).mappings()]


def calendar(node: Node, commons_id: str, resource_id: str, from_min: int, to_min: int) -> Calendar:
    """What holds the resource's time within [from, to) — at most CALENDAR_DAYS days — by start."""
    if to_min <= from_min:
        raise BadInput("a calendar's range ends after it starts")
    if from_min < 0 or to_min > _LAST:
        raise BadInput("a calendar shows times from 1970 to the year 9169")
    if to_min - from_min > CALENDAR_DAYS * 1440:
        raise BadInput(f"a calendar shows at most {CALENDAR_DAYS} days at a time")
    with node.reading() as conn:
        row = _resource_row(conn, commons_id, resource_id)
        rows = _active_between(conn, commons_id, resource_id, from_min, to_min, 10_000)
        names = names_of(conn, commons_id, [*_people(row), *(str(r["member"]) for r in rows)])
        known = exponents(conn, commons_id)
    return Calendar(
        _item(row, names, known),
        from_min,
        to_min,
        tuple(_slot(r, names, {resource_id: (str(row["name"]), str(row["zone"]))}) for r in rows),
    )


def _report(at: object, text: object) -> Report | None:
    if at is None or text is None:
        return None
    held = orjson.loads(str(text))
    photos = tuple(Photo(str(p["sha256"]), p.get("url")) for p in held.get("photos", []))
    return Report(str(at), str(held.get("condition", "")), photos, str(held.get("damage", "")))


def booking_detail(node: Node, commons_id: str, booking_id: str) -> BookingDetail:
    """One booking (or block, or offer): its time, custody reports, fee and deposit."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        found = (
            conn.execute(
                sa.select(bookings).where(
                    bookings.c.commons_id == commons_id, bookings.c.booking_id == booking_id
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            raise NotFound(f"this commons has no booking {booking_id}")
        row = plain_row(found)
        resource = _resource_row(conn, commons_id, str(row["resource"]))
        names = names_of(conn, commons_id, [str(row["member"]), *_people(resource)])
        known = exponents(conn, commons_id)
    currency = row["currency"]

    def charge(amount: int) -> Money | None:
        return None if currency is None or not amount else money(str(currency), amount, known)

    return BookingDetail(
        slot=_slot(
            row,
            names,
            {str(resource["resource_id"]): (str(resource["name"]), str(resource["zone"]))},
        ),
        resource=_item(resource, names, known),
        made_at=str(row["made_at"]),
        changed_at=str(row["changed_at"]),
        fee=charge(int(row["fee_minor"])),
        deposit=charge(int(row["deposit_minor"])),
        kept=charge(int(row["kept_minor"])),
        deposit_state=str(row["deposit_state"]),
        release_at=row["release_at"],
        late=bool(row["late"]),
        out=_report(row["out_at"], row["out_report"]),
        back=_report(row["in_at"], row["in_report"]),
        case_id=row["case_id"],
        block=row["block"],
        contribution=row["contribution"],
    )


def my_bookings(
    node: Node, commons_id: str, member: str, *, from_min: int, limit: int = 100
) -> MyBookings:
    """A person's bookings, blocks and offers that end after ``from`` (by start; at most
    ``limit``), and their latest waiting-list entries."""
    limit = page_limit(limit)
    query = (
        sa.select(bookings)
        .where(
            bookings.c.commons_id == commons_id,
            bookings.c.member == member,
            bookings.c.lo >= from_min - _LONGEST_BOOKING,
            bookings.c.hi > from_min,
        )
        .order_by(bookings.c.lo)
        .limit(limit)
    )
    waiting = (
        sa.select(waits)
        .where(waits.c.commons_id == commons_id, waits.c.member == member)
        .order_by(waits.c.seq.desc())
        .limit(limit)
    )
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        wait_rows = [plain_row(row) for row in conn.execute(waiting).mappings()]
        titles = _names_of_resources(
            conn, commons_id, [str(r["resource"]) for r in [*wait_rows, *rows]]
        )
        names = names_of(conn, commons_id, [member])
    wait_items = tuple(
        WaitItem(
            wait_id=str(r["wait_id"]),
            resource=str(r["resource"]),
            resource_name=titles.get(str(r["resource"]), ("", "UTC"))[0],
            zone=titles.get(str(r["resource"]), ("", "UTC"))[1],
            start=minutes_text(int(r["start_min"])),
            end=minutes_text(int(r["end_min"])),
            joined_at=str(r["joined_at"]),
            status=str(r["status"]),
        )
        for r in wait_rows
    )
    return MyBookings(member, tuple(_slot(r, names, titles) for r in rows), wait_items)


def _names_of_resources(
    conn: sa.Connection, commons_id: str, ids: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """Per resource id: its name and time zone."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = sa.select(resources.c.resource_id, resources.c.name, resources.c.zone).where(
        resources.c.commons_id == commons_id, resources.c.resource_id.in_(wanted)
    )
    return {row.resource_id: (row.name, row.zone) for row in conn.execute(query)}


def _feed_rows(conn: sa.Connection, query: sa.Select[tuple[object, ...]]) -> list[Row]:
    return [
        plain_row(row)
        for row in conn.execute(query.order_by(bookings.c.lo).limit(FEED_MAX)).mappings()
    ]


def _events(conn: sa.Connection, commons_id: str, rows: list[Row]) -> list[FeedEvent]:
    ids = sorted({str(r["resource"]) for r in rows})
    shown = {}
    if ids:
        query = sa.select(resources).where(
            resources.c.commons_id == commons_id, resources.c.resource_id.in_(ids)
        )
        shown = {row["resource_id"]: plain_row(row) for row in conn.execute(query).mappings()}
    names = names_of(conn, commons_id, (str(r["member"]) for r in rows))
    found = []
    for row in rows:
        resource = shown[str(row["resource"])]
        who = names.get(str(row["member"]), "a member")
        summary = {
            "block": f"{resource['name']}: maintenance",
            "offer": f"{resource['name']}: offered to {who}",
        }.get(str(row["kind"]), f"{resource['name']}: booked by {who}")
        found.append(
            FeedEvent(
                uid_id=str(row["booking_id"]),
                resource_name=str(resource["name"]),
                zone=str(resource["zone"]),
                start_min=int(row["start_min"]),
                end_min=int(row["end_min"]),
                summary=summary,
                description=str(row["note"]),
                location=str(resource["location"]),
                status="TENTATIVE" if row["kind"] == "offer" else "CONFIRMED",
                made_at=str(row["made_at"]),
                changed_at=str(row["changed_at"]),
                sequence=0 if row["changed_at"] == row["made_at"] else 1,
            )
        )
    return found


def _since(node: Node) -> int:
    """The feed's window starts FEED_PAST_DAYS before today (UTC): by the day, as the read cache
    keeps a feed for the day."""
    return minutes_of(node.clock()[:10] + "T00:00Z") - FEED_PAST_DAYS * 1440


def resource_feed(node: Node, commons_id: str, resource_id: str, host: str) -> bytes:
    """The iCalendar feed of what holds a resource's time (its active rows) from
    FEED_PAST_DAYS days ago on, at most FEED_MAX rows."""
    since = _since(node)
    with node.reading() as conn:
        row = _resource_row(conn, commons_id, resource_id)
        rows = _active_between(conn, commons_id, resource_id, since, _FAR, FEED_MAX)
        events = _events(conn, commons_id, rows)
    return feed(str(row["name"]), host, events)


def member_feed(node: Node, commons_id: str, member: str, host: str) -> bytes:
    """The iCalendar feed of a person's active bookings and offers from FEED_PAST_DAYS days ago
    on, at most FEED_MAX rows."""
    since = _since(node)
    with node.reading() as conn:
        require_head(conn, commons_id)
        query = sa.select(bookings).where(
            bookings.c.commons_id == commons_id,
            bookings.c.member == member,
            bookings.c.lo >= since - _LONGEST_BOOKING,
            bookings.c.hi > since,
            bookings.c.active == 1,
            bookings.c.kind != "block",
        )
        events = _events(conn, commons_id, _feed_rows(conn, query))
        names = names_of(conn, commons_id, [member])
    return feed(f"Bookings of {names.get(member, member)}", host, events)
