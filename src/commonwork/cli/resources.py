"""``commonwork resources``: shared tools, machines, vehicles and rooms — the inventory, one
resource with its rules, its calendar (in its own time zone and in UTC), a booking with its
custody reports and deposit, your bookings and waiting list, and iCalendar feeds.

The reads are public and the same as the API's (services/resources_read.py); the acting
commands (lend, update, book, cancel, block, lift, wait, leave, accept, decline, out, in,
dispute) are in :mod:`commonwork.cli.resources_acting`.
"""

from __future__ import annotations

from pathlib import Path

import click

from commonwork.cli import resources_acting
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, fields, note
from commonwork.cli.resources_input import TIME_HELP, local_time, minutes_in
from commonwork.services import resources_read
from commonwork.services.books_models import Money
from commonwork.services.models import as_json as json_of
from commonwork.services.resources_read import Report, ResourceItem, Slot

#: The days a calendar shows when --to is left out.
CALENDAR_DEFAULT_DAYS = 7


@click.group("resources")
def resources_group() -> None:
    """Lend, book and check out shared tools, machines, vehicles and rooms; read the
    inventory, calendars and iCalendar feeds."""


for command in resources_acting.COMMANDS:
    resources_group.add_command(command)


def _money(value: Money | None) -> str:
    return "none" if value is None else f"{value.amount} {value.currency}"


def when(start: int, end: int, zone: str) -> str:
    """``Sat 2026-12-05 10:30-12:00 CET (09:30Z-11:00Z)``: local first, then UTC."""
    first, last = local_time(start, zone), local_time(end, zone)
    utc_first, utc_last = resources_read.minutes_text(start), resources_read.minutes_text(end)
    if first.date() == last.date() and first.tzname() == last.tzname():
        local = f"{first:%a %Y-%m-%d %H:%M}-{last:%H:%M} {last.tzname()}"
    else:
        local = (
            f"{first:%a %Y-%m-%d %H:%M} {first.tzname()} - {last:%a %Y-%m-%d %H:%M} {last.tzname()}"
        )
    if utc_first[:10] == utc_last[:10]:
        utc = f"{utc_first[11:]}-{utc_last[11:]}"
    else:
        utc = f"{utc_first} - {utc_last}"
    return f"{local} ({utc})"


def _slot_line(slot: Slot, zone: str) -> str:
    who = {"block": "maintenance", "offer": f"offered to {slot.member_name}"}.get(
        slot.kind, f"{slot.status} by {slot.member_name}"
    )
    held = ""
    if slot.held_until_min > slot.end_min:
        until, end = local_time(slot.held_until_min, zone), local_time(slot.end_min, zone)
        held = (
            f", held until {until:%H:%M}"
            if until.date() == end.date()
            else f", held until {until:%a %H:%M}"
        )
    return f"{when(slot.start_min, slot.end_min, zone)}  {who}{held}  {slot.booking_id}"


def _item_line(item: ResourceItem) -> str:
    where = f" @ {item.location}" if item.location else ""
    charges = f"  deposit {_money(item.deposit)}" if item.deposit else ""
    charges += f"  fee {_money(item.fee)}" if item.fee else ""
    retired = "  [retired]" if item.status != "lendable" else ""
    return (
        f"{item.resource_id}  {item.kind:<7}  {item.name}{where} ({item.zone}), "
        f"{item.owner_name}{charges}{retired}"
    )


@resources_group.command("list")
@commons_argument
@click.option("--kind", type=click.Choice(resources_read.KINDS), help="Only of this kind.")
@click.option("--words", help="Only those with these words in their name or location.")
@click.option("--lendable", is_flag=True, help="Only those lent now (not retired).")
@click.option("--before", type=click.IntRange(min=1), help="The next page: the cursor printed.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True,
              help="Rows to show.")  # fmt: skip
@json_option
@pass_state
def list_(
    state: CliState, commons_id: str, kind: str | None, words: str | None, lendable: bool,
    before: int | None, limit: int, as_json: bool,
) -> None:  # fmt: skip
    """List the shared resources of commons ID, newest first: id, kind, name, where, time
    zone, owner, deposit and fee.

    \b
    Example:
      commonwork resources list $C --kind tool --words drill
    """
    page = resources_read.list_resources(
        state.node(), commons_id, kind=kind, words=words, lendable_only=lendable, before=before,
        limit=limit,
    )  # fmt: skip
    if as_json:
        emit_json(json_of(page))
        return
    for item in page.items:
        emit(_item_line(item))
    if page.next_before is not None:
        note(f"older: --before {page.next_before}")


@resources_group.command("show")
@commons_argument
@click.argument("resource")
@json_option
@pass_state
def show(state: CliState, commons_id: str, resource: str, as_json: bool) -> None:
    """Show RESOURCE of commons ID: what it is, who owns and keeps it, and its usage rules.

    \b
    Example:
      commonwork resources show $C $DRILL
    """
    detail = resources_read.resource_detail(state.node(), commons_id, resource)
    if as_json:
        emit_json(json_of(detail))
        return
    item, rules = detail.item, detail.rules
    quota = (
        "none" if rules.quota is None else f"{rules.quota.days} days in any {rules.quota.per_days}"
    )
    who = rules.privilege or rules.skill or rules.role
    fields(
        [
            ("name", item.name),
            ("kind", item.kind),
            ("status", item.status),
            ("location", item.location or "-"),
            ("time zone", item.zone),
            ("owner", item.owner_name),
            ("custodian", item.custodian_name),
            ("condition", item.condition or "-"),
            ("longest booking", f"{rules.max_hours} hours"),
            ("buffer after", f"{rules.buffer_minutes} minutes"),
            ("quota", quota),
            ("who may book", rules.who + (f": {who}" if who else "")),
            ("deposit", _money(rules.deposit)),
            ("fee", _money(rules.fee)),
            ("damage blocks", f"{rules.damage_block_days} days"),
            ("bookings", f"{item.bookings} ({item.completed} completed)"),
        ]
    )
    if detail.description:
        emit(detail.description)
    for photo in detail.photos:
        emit(f"  photo {photo.sha256}" + (f"  {photo.url}" if photo.url else ""))


@resources_group.command("calendar")
@commons_argument
@click.argument("resource")
@click.option("--from", "from_", metavar="WHEN",
              help=f"From when: {TIME_HELP}, or a day (default: today, there).")  # fmt: skip
@click.option("--to", metavar="WHEN",
              help=f"Until when (default: {CALENDAR_DEFAULT_DAYS} days on; at most "
              f"{resources_read.CALENDAR_DAYS}).")  # fmt: skip
@json_option
@pass_state
def calendar(
    state: CliState, commons_id: str, resource: str, from_: str | None, to: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Show what holds the time of RESOURCE of commons ID — bookings, maintenance blocks,
    slots offered from the waiting list — and the free time between, in the resource's own
    time zone and in UTC.

    \b
    Example:
      commonwork resources calendar $C $DRILL --from 2026-12-01 --to 2026-12-08
    """
    node = state.node()
    detail = resources_read.resource_detail(node, commons_id, resource)
    zone, now = detail.item.zone, resources_read.minutes_of(node.clock())
    start = minutes_in(from_ or f"{local_time(now, zone):%Y-%m-%d}", zone)
    end = start + CALENDAR_DEFAULT_DAYS * 1440 if to is None else minutes_in(to, zone)
    found = resources_read.calendar(node, commons_id, resource, start, end)
    if as_json:
        emit_json(json_of(found))
        return
    buffer = detail.rules.buffer_minutes
    emit(f"{detail.item.name}, {zone}: {when(start, end, zone)}")
    note(f"times in {zone}, then UTC; each booking keeps {buffer} minutes free after it")
    free_from = max(start, now)  # what has passed is not free to book
    for slot in found.slots:
        if slot.start_min > free_from:
            emit(f"{when(free_from, slot.start_min, zone)}  free")
        emit(_slot_line(slot, zone))
        free_from = max(free_from, slot.held_until_min)
    if end > free_from:
        emit(f"{when(free_from, end, zone)}  free")


def _report(label: str, found: Report | None) -> tuple[str, str]:
    if found is None:
        return label, "-"
    said = found.condition or "no remarks"
    damage = f"; damage: {found.damage}" if found.damage else ""
    return label, f"{found.at[:16]}Z: {said}{damage}"


@resources_group.command("booking")
@commons_argument
@click.argument("booking")
@json_option
@pass_state
def booking(state: CliState, commons_id: str, booking: str, as_json: bool) -> None:
    """Show BOOKING of commons ID (a booking, a maintenance block or an offered slot): its
    time, custody reports, fee and deposit.

    \b
    Example:
      commonwork resources booking $C $BOOKING
    """
    detail = resources_read.booking_detail(state.node(), commons_id, booking)
    if as_json:
        emit_json(json_of(detail))
        return
    slot, zone = detail.slot, detail.resource.zone
    pairs = [
        ("resource", f"{detail.resource.name} ({slot.resource})"),
        ("kind", slot.kind),
        ("status", slot.status + (" (late)" if detail.late else "")),
        ("who", slot.member_name),
        ("when", when(slot.start_min, slot.end_min, zone)),
        (
            "held until",
            f"{local_time(slot.held_until_min, detail.resource.zone):%Y-%m-%d %H:%M %Z}",
        ),
        ("fee", _money(detail.fee)),
        ("deposit", f"{_money(detail.deposit)} ({detail.deposit_state})"),
        ("kept", _money(detail.kept)),
        _report("out", detail.out),
        _report("back", detail.back),
    ]
    extra = [
        ("offer lapses", slot.offer_expires),
        ("dispute until", detail.release_at),
        ("case", detail.case_id),
        ("maintenance block", detail.block),
        ("lender credited", detail.contribution),
        ("note", slot.note or None),
    ]
    fields(pairs + [(label, value) for label, value in extra if value])


@resources_group.command("mine")
@commons_argument
@click.option("--from", "from_", metavar="WHEN",
              help=f"Those that end after: {TIME_HELP[:23]} (default: now).")  # fmt: skip
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True,
              help="Rows to show.")  # fmt: skip
@as_option
@json_option
@pass_state
def mine(
    state: CliState, commons_id: str, from_: str | None, limit: int, identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Show your bookings, blocks and offers in commons ID that end from now on (each in its
    resource's time zone and in UTC), and your waiting list.

    \b
    Example:
      commonwork resources mine $C --as cy
    """
    node = state.node()
    member = state.keypair(identity).did
    start = resources_read.minutes_of(node.clock() if from_ is None else from_)
    found = resources_read.my_bookings(node, commons_id, member, from_min=start, limit=limit)
    if as_json:
        emit_json(json_of(found))
        return
    for slot in found.slots:  # each carries its resource's name and zone
        emit(f"{slot.resource_name}: {_slot_line(slot, slot.zone)}")
    for entry in found.waits:
        span = when(
            resources_read.minutes_of(entry.start),
            resources_read.minutes_of(entry.end),
            entry.zone,
        )
        emit(f"{entry.resource_name}: {span}  waiting list: {entry.status}  {entry.wait_id}")


@resources_group.command("feed")
@commons_argument
@click.argument("resource", required=False)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the .ics to FILE (default: stdout).",
)  # fmt: skip
@click.option("--host", default="localhost", show_default=True,
              help="This node's public host name, for the events' stable UIDs.")  # fmt: skip
@as_option
@json_option
@pass_state
def feed(
    state: CliState, commons_id: str, resource: str | None, output: Path | None, host: str,
    identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Write the iCalendar feed (.ics) of RESOURCE of commons ID — its bookings, blocks and
    offers from a month ago on, in its own time zone — or without RESOURCE, of your own
    bookings (--as), for a calendar app to import or subscribe to.

    \b
    Example:
      commonwork resources feed $C $DRILL -o drill.ics
    """
    node = state.node()
    if resource is None:
        member = state.keypair(identity).did
        ics = resources_read.member_feed(node, commons_id, member, host)
    else:
        ics = resources_read.resource_feed(node, commons_id, resource, host)
    if output is not None:
        output.write_bytes(ics)
    if as_json:
        made = {
            "commons": commons_id,
            "resource": resource,
            "events": ics.count(b"BEGIN:VEVENT"),
            "bytes": len(ics),
            "file": None if output is None else str(output),
        }
        emit_json(made if output is not None else {**made, "ics": ics.decode("utf-8")})
    elif output is None:
        click.echo(ics, nl=False)  # bytes: the CRLF line ends RFC 5545 asks for
    else:
        note(f"{ics.count(b'BEGIN:VEVENT')} events written to {output}")
