"""Reading what people type into ``commonwork resources``: times as ``2026-12-05T09:30Z`` (UTC)
or as the resource's own wall-clock time (``2026-12-05 09:30``), amounts as ``50.00`` by the
currency's exponent, rules as ``--quota 6/30`` and ``--who trained:laser``, photos hashed here
(only their sha256 and where to get them enter the journal), and the options the lend and
update commands share."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from commonwork.cli.context import CliState
from commonwork.errors import BadInput
from commonwork.services import books_acting, resources_read
from commonwork.services.models import JsonObject, JsonValue
from commonwork.services.resources_read import Rules

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 1 << 20
WHO = {"privilege": "privilege", "trained": "skill", "role": "role"}
TIME_HELP = "2026-12-05T09:30Z (UTC), or 2026-12-05 09:30 in the resource's own time zone"


# --- reading what people type ----------------------------------------------------------------


def minutes_in(text: str, zone: str | Callable[[], str]) -> int:
    """A time as people write it, in minutes since the epoch (UTC): ``2026-12-05T09:30Z`` or
    with an offset (``+01:00``) as written; ``2026-12-05 09:30`` (or a date alone: its
    midnight) as the wall-clock time of ``zone`` (a name, or what reads it when needed). A
    wall-clock time the clocks skip is refused; one they show twice is the first of them."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput(f"{text!r} is not a time: write {TIME_HELP}") from exc
    if moment.second or moment.microsecond:
        raise BadInput(f"{text}: times are whole minutes")
    if moment.tzinfo is not None:
        return (moment - EPOCH) // timedelta(minutes=1)
    name = zone if isinstance(zone, str) else zone()
    found = resources_read.from_wall_clock(moment, name)
    if found is None:
        raise BadInput(f"{text} is not a time in {name}: the clocks skip it (summer time)")
    return found


#: Minutes since the epoch as the wall-clock time of a zone.
local_time = resources_read.wall_clock


def interval(
    state: CliState, commons_id: str, resource: str, start: str, end: str
) -> tuple[str, str]:
    """START and END as a body names them (``2026-12-05T09:30Z``), read in the resource's zone
    when they are wall-clock times."""
    zone: list[str] = []

    def zone_of() -> str:
        if not zone:
            zone.append(
                resources_read.resource_detail(state.node(), commons_id, resource).item.zone
            )
        return zone[0]

    return (
        resources_read.minutes_text(minutes_in(start, zone_of)),
        resources_read.minutes_text(minutes_in(end, zone_of)),
    )


def charge(state: CliState, commons_id: str, given: tuple[str, str] | None) -> JsonObject | None:
    """``--deposit 50.00 EUR`` as the rules hold it: minor units by the currency's exponent."""
    if given is None:
        return None
    amount, currency = given
    minor = books_acting.minor_units(state.node(), commons_id, currency, amount)
    return {"amount": minor, "currency": currency}


def quota_of(text: str) -> JsonObject:
    """``6/30``: at most 6 days of bookings in any 30 days, per person."""
    days, _, per_days = text.partition("/")
    if not (days.strip().isdigit() and per_days.strip().isdigit()):
        raise BadInput(f"--quota {text!r}: write DAYS/PER_DAYS, e.g. 6/30 (6 days in any 30)")
    return {"days": int(days), "per_days": int(per_days)}


def who_of(text: str) -> JsonObject:
    """``any``, ``privilege:NAME``, ``trained:SKILL`` or ``role:NAME``."""
    kind, _, name = text.partition(":")
    if kind == "any" and not name:
        return {"who": "any"}
    if kind not in WHO or not name:
        raise BadInput(f"--who {text!r}: write any, privilege:NAME, trained:SKILL or role:NAME")
    return {"who": kind, WHO[kind]: name}


def photos_of(specs: tuple[str, ...]) -> list[JsonValue]:
    """``--photo FILE`` (hashed here) or ``--photo SHA256``, each maybe ``@https://…`` where
    to see it."""
    found: list[JsonValue] = []
    for spec in specs:
        what, at, rest = spec.partition("@http")
        photo: JsonObject = {"sha256": what.lower()}
        path = Path(what)
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
            photo["sha256"] = digest.hexdigest()
        if at:
            photo["url"] = "http" + rest
        found.append(photo)
    return found


def rules_now(rules: Rules) -> JsonObject:
    """A resource's rules as they stand, as a body names them (for an update to change)."""
    who: JsonObject = {"who": rules.who}
    for field in ("privilege", "skill", "role"):
        if getattr(rules, field) is not None:
            who[field] = getattr(rules, field)
    found: JsonObject = {
        "max_hours": rules.max_hours,
        "buffer_minutes": rules.buffer_minutes,
        "who": who,
        "damage_block_days": rules.damage_block_days,
    }
    if rules.quota is not None:
        found["quota"] = {"days": rules.quota.days, "per_days": rules.quota.per_days}
    for name, money in (("deposit", rules.deposit), ("fee", rules.fee)):
        if money is not None:
            found[name] = {"amount": money.amount_minor, "currency": money.currency}
    return found


def rules_given(state: CliState, commons_id: str, given: dict[str, object]) -> JsonObject:
    """The rules the options set (those left out are not in it)."""
    found: JsonObject = {}
    for name in ("max_hours", "buffer_minutes", "damage_block_days"):
        number = given.get(name)
        if isinstance(number, int):
            found[name] = number
    if isinstance(given.get("quota"), str):
        found["quota"] = quota_of(str(given["quota"]))
    if isinstance(given.get("who"), str):
        found["who"] = who_of(str(given["who"]))
    for name in ("deposit", "fee"):
        value = given.get(name)
        if isinstance(value, tuple):
            found[name] = charge(state, commons_id, (str(value[0]), str(value[1])))
    return found


# --- options ---------------------------------------------------------------------------------

TRAINING = click.option(
    "--training", metavar="CONTRIBUTION",
    help="Your training record (an accepted contribution of the skill), for what only "
    "trained members book.",
)  # fmt: skip

PHOTO = click.option(
    "--photo", "photos", multiple=True, metavar="FILE|SHA256[@URL]",
    help="A photo: a file (hashed here) or its sha256, with @https://… where to see it "
    "(repeatable).",
)  # fmt: skip


def rules_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options that set a resource's usage rules."""
    for decorator in reversed(
        (
            click.option("--max-hours", type=click.IntRange(min=1),
                         help="The longest a booking may last, in hours (default 72)."),
            click.option("--buffer-minutes", type=click.IntRange(min=0),
                         help="Time kept free after each booking (cleaning, charging)."),
            click.option("--quota", metavar="DAYS/PER",
                         help="At most DAYS days of bookings in any PER days per person: 6/30."),
            click.option("--who", metavar="WHO",
                         help="Who may book: any, privilege:NAME (a standing privilege), "
                         "trained:SKILL (an accepted contribution of the skill) or role:NAME."),
            click.option("--deposit", nargs=2, metavar="AMOUNT CURRENCY",
                         help="Held from check-out to check-in: 50.00 EUR (or a community "
                         "currency's code)."),
            click.option("--fee", nargs=2, metavar="AMOUNT CURRENCY",
                         help="Paid to the owner at check-out: 3.00 EUR."),
            click.option("--damage-block-days", type=click.IntRange(min=1),
                         help="How long a damage report blocks it (default 7)."),
        )
    ):  # fmt: skip
        function = decorator(function)
    return function


# --- the inventory ---------------------------------------------------------------------------
