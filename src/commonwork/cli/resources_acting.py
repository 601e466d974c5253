"""The acting commands of ``commonwork resources``: lend a resource and change it, book it and
cancel, block it for maintenance and lift the block, wait for a taken time and answer the offer
that frees it, check it out and back in, and dispute the report on a return.

Each signs one action as a local identity (``--as``) through the generic door
(:mod:`commonwork.cli.signing`); the resources area's rules decide. Reading what people type
(local times, amounts, rules, photos) is :mod:`commonwork.cli.resources_input`'s.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.resources_input import (
    PHOTO,
    TRAINING,
    interval,
    photos_of,
    rules_given,
    rules_now,
    rules_options,
)
from commonwork.cli.signing import report, sign, sign_and_report
from commonwork.errors import BadInput
from commonwork.services import books_acting, resources_read
from commonwork.services.models import JsonObject


@click.command("lend")
@commons_argument
@click.option("--name", required=True, help="What it is called: Cordless drill.")
@click.option("--kind", type=click.Choice(resources_read.KINDS), default="tool",
              show_default=True, help="What it is.")  # fmt: skip
@click.option("--description", default="", help="What it is and how to use it.")
@click.option("--location", default="", help="Where it is kept.")
@click.option("--zone", default="UTC", show_default=True,
              help="Its IANA time zone (Europe/Berlin): calendars show it.")  # fmt: skip
@click.option("--owner", type=click.Choice(("member", "commons")), default="member",
              show_default=True,
              help="member: yours; commons: the commons' own (lent by its treasurer).")  # fmt: skip
@click.option("--organisation", metavar="DID",
              help="Owned by this organisation, which you act for.")  # fmt: skip
@click.option("--custodian", metavar="DID",
              help="Who hands it over and reports on returns (default: you).")  # fmt: skip
@click.option("--condition", default="", help="Its condition now.")
@PHOTO
@rules_options
@as_option
@json_option
@pass_state
def lend(
    state: CliState, /, commons_id: str, name: str, kind: str, description: str, location: str,
    zone: str, owner: str, organisation: str | None, custodian: str | None, condition: str,
    photos: tuple[str, ...], identity: str, as_json: bool, **given: object,
) -> None:  # fmt: skip
    """Lend a tool, machine, vehicle or room to commons ID with its usage rules; print its id.

    \b
    Example:
      commonwork resources lend $C --name "Cordless drill" --zone Europe/Berlin \\
        --max-hours 72 --buffer-minutes 120 --quota 6/30 --deposit 50.00 EUR --fee 3.00 EUR
    """
    body: JsonObject = {
        "name": name,
        "kind": kind,
        "description": description,
        "location": location,
        "zone": zone,
        "owner": "organisation" if organisation else owner,
        "condition": condition,
        "photos": photos_of(photos),
        "rules": rules_given(state, commons_id, given),
    }
    for field, value in (("organisation", organisation), ("custodian", custodian)):
        if value is not None:
            body[field] = value
    sign_and_report(state, identity, (commons_id, resources_read.REGISTER, body), as_json, "lent")


@click.command("update")
@commons_argument
@click.argument("resource")
@click.option("--name", help="A new name.")
@click.option("--description", help="A new description.")
@click.option("--location", help="Where it is kept now.")
@click.option("--zone", help="Its IANA time zone.")
@click.option("--custodian", metavar="DID", help="Who keeps it now.")
@click.option("--condition", help="Its condition now.")
@PHOTO
@rules_options
@click.option("--no-quota", is_flag=True, help="Take the quota away.")
@click.option("--no-deposit", is_flag=True, help="Ask no deposit any more.")
@click.option("--no-fee", is_flag=True, help="Ask no fee any more.")
@click.option("--retire/--lendable", "retire", default=None,
              help="Stop lending it (or lend it again).")  # fmt: skip
@as_option
@json_option
@pass_state
def update(
    state: CliState, /, commons_id: str, resource: str, photos: tuple[str, ...], no_quota: bool,
    no_deposit: bool, no_fee: bool, retire: bool | None, identity: str, as_json: bool,
    **given: object,
) -> None:  # fmt: skip
    """Change RESOURCE of commons ID (its owner or custodian): what the options say; the rules
    not named stay as they are.

    \b
    Example:
      commonwork resources update $C $DRILL --condition "new battery" --buffer-minutes 60
    """
    body: JsonObject = {"resource": resource}
    for field in ("name", "description", "location", "zone", "custodian", "condition"):
        value = given.pop(field, None)
        if value is not None:
            body[field] = str(value)
    if photos:
        body["photos"] = photos_of(photos)
    changed = rules_given(state, commons_id, given)
    if changed or no_quota or no_deposit or no_fee:
        detail = resources_read.resource_detail(state.node(), commons_id, resource)
        rules = rules_now(detail.rules) | changed
        for flag, field in ((no_quota, "quota"), (no_deposit, "deposit"), (no_fee, "fee")):
            if flag:
                rules.pop(field, None)
        body["rules"] = rules
    if retire is not None:
        body["status"] = "retired" if retire else "lendable"
    sign_and_report(state, identity, (commons_id, resources_read.UPDATE, body), as_json, "updated")


# --- bookings, blocks and the waiting list ---------------------------------------------------


@click.command("book")
@commons_argument
@click.argument("resource")
@click.argument("start")
@click.argument("end")
@TRAINING
@click.option("--note", default="", help="A note for the keeper.")
@as_option
@json_option
@pass_state
def book(
    state: CliState, commons_id: str, resource: str, start: str, end: str,
    training: str | None, note: str, identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Book RESOURCE of commons ID from START to END (each 2026-12-05T09:30Z in UTC, or
    '2026-12-05 09:30' in the resource's own time zone); print the booking's id. Refused,
    naming the booking and its holder, when another holds part of that time (with the buffer
    after each booking).

    \b
    Example:
      commonwork resources book $C $DRILL "2026-12-05 09:00" "2026-12-05 17:00" --as cy
    """
    first, last = interval(state, commons_id, resource, start, end)
    body: JsonObject = {"resource": resource, "start": first, "end": last, "note": note}
    if training is not None:
        body["training"] = training
    appended = sign(state, identity, commons_id, resources_read.BOOK, body)
    report(state, appended, as_json, f"booked {first} to {last}")


@click.command("block")
@commons_argument
@click.argument("resource")
@click.argument("start")
@click.argument("end")
@click.option("--reason", required=True, help="Why: servicing, repair…")
@as_option
@json_option
@pass_state
def block(
    state: CliState, commons_id: str, resource: str, start: str, end: str, reason: str,
    identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Block RESOURCE of commons ID for maintenance from START to END (its keeper): the
    bookings it covers are cancelled and their people told; print the block's id.

    \b
    Example:
      commonwork resources block $C $DRILL 2026-12-08 2026-12-09 --reason "new chuck"
    """
    first, last = interval(state, commons_id, resource, start, end)
    body: JsonObject = {"resource": resource, "start": first, "end": last, "reason": reason}
    sign_and_report(state, identity, (commons_id, resources_read.BLOCK, body), as_json, "blocked")


@click.command("wait")
@commons_argument
@click.argument("resource")
@click.argument("start")
@click.argument("end")
@TRAINING
@as_option
@json_option
@pass_state
def wait(
    state: CliState, commons_id: str, resource: str, start: str, end: str,
    training: str | None, identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Join the waiting list of RESOURCE of commons ID for a taken time, START to END; print
    the entry's id. When the time frees, it is offered to the first in line who fits, under
    that same id (accept or decline it).

    \b
    Example:
      commonwork resources wait $C $DRILL 2026-12-05T08:00Z 2026-12-05T16:00Z --as dee
    """
    first, last = interval(state, commons_id, resource, start, end)
    body: JsonObject = {"resource": resource, "start": first, "end": last}
    if training is not None:
        body["training"] = training
    sign_and_report(state, identity, (commons_id, resources_read.WAIT, body), as_json, "waiting")


def _targeted(
    name: str, action_type: str, field: str, done: str, help_text: str, reason: str | None
) -> click.Command:
    """A command that names one booking, block, offer or waiting-list entry (and maybe a
    reason)."""

    def command(
        state: CliState, commons_id: str, target: str, identity: str, as_json: bool,
        **given: str,
    ) -> None:  # fmt: skip
        body: JsonObject = {field: target, **given}
        sign_and_report(state, identity, (commons_id, action_type, body), as_json, done)

    made: Callable[..., None] = pass_state(command)
    made = json_option(as_option(made))
    if reason is not None:  # a dispute says why; a cancel or a lift may
        why = {"required": True} if name == "dispute" else {"default": ""}
        made = click.option("--reason", help=reason, **why)(made)
    made = click.argument("target", metavar=field.upper())(made)
    return click.command(name, help=help_text)(commons_argument(made))


cancel = _targeted(
    "cancel", resources_read.CANCEL, "booking", "cancelled",
    "Cancel BOOKING of commons ID, not yet checked out (whoever made it, or the resource's "
    "keeper): its time goes to the waiting list.\n\n\b\nExample:\n"
    "  commonwork resources cancel $C $BOOKING --as cy",
    "Why (kept with the booking).",
)  # fmt: skip
lift = _targeted(
    "lift", resources_read.LIFT, "booking", "lifted",
    "Lift maintenance block BOOKING of commons ID (the resource's keeper): its time goes to "
    "the waiting list.\n\n\b\nExample:\n"
    "  commonwork resources lift $C $BLOCK --reason \"repaired\" --as ben",
    "What was done.",
)  # fmt: skip
leave = _targeted(
    "leave", resources_read.LEAVE, "wait", "left the waiting list",
    "Leave the waiting list of commons ID: WAIT is the id `resources wait` printed.\n\n"
    "\b\nExample:\n  commonwork resources leave $C $WAIT --as dee",
    None,
)  # fmt: skip
decline = _targeted(
    "decline", resources_read.DECLINE, "offer", "declined",
    "Decline OFFER of commons ID, a slot offered to you from the waiting list (its id is the "
    "one `resources wait` printed): it goes to the next in line.\n\n\b\nExample:\n"
    "  commonwork resources decline $C $WAIT --as dee",
    None,
)  # fmt: skip
dispute = _targeted(
    "dispute", resources_read.DISPUTE, "booking", "disputed",
    "Dispute the custodian's report on your return of BOOKING of commons ID, within the "
    "charter's resources.dispute_days of the check-in: an arbitration case decides what "
    "becomes of the deposit the report keeps.\n\n\b\nExample:\n"
    "  commonwork resources dispute $C $BOOKING --reason \"it was cracked before\" --as cy",
    "Why the report is wrong.",
)  # fmt: skip


@click.command("accept")
@commons_argument
@click.argument("offer")
@TRAINING
@as_option
@json_option
@pass_state
def accept(
    state: CliState, commons_id: str, offer: str, training: str | None, identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Take OFFER of commons ID, a slot offered to you from the waiting list, before it lapses
    (the charter's resources.offer_hours): it becomes your booking, with the same id.

    \b
    Example:
      commonwork resources accept $C $WAIT --as dee
    """
    body: JsonObject = {"offer": offer}
    if training is not None:
        body["training"] = training
    action = (commons_id, resources_read.ACCEPT, body)
    sign_and_report(state, identity, action, as_json, "booked")


# --- custody ---------------------------------------------------------------------------------


@click.command("out")
@commons_argument
@click.argument("booking")
@click.option("--condition", default="", help="Its condition as it leaves.")
@PHOTO
@as_option
@json_option
@pass_state
def check_out(
    state: CliState, commons_id: str, booking: str, condition: str, photos: tuple[str, ...],
    identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Check BOOKING of commons ID out (the borrower, from an hour before its start): the fee
    is paid and the deposit held until it is back.

    \b
    Example:
      commonwork resources out $C $BOOKING --condition "as new" --as cy
    """
    body: JsonObject = {"booking": booking, "condition": condition, "photos": photos_of(photos)}
    action = (commons_id, resources_read.CHECK_OUT, body)
    sign_and_report(state, identity, action, as_json, "checked out")


@click.command("in")
@commons_argument
@click.argument("booking")
@click.option("--condition", default="", help="Its condition as it comes back.")
@PHOTO
@click.option("--damage", default="", help="What is broken or missing: blocks it for repair.")
@click.option("--keep", metavar="AMOUNT",
              help="What the report keeps of the deposit (damage, lateness): 20.00.")  # fmt: skip
@as_option
@json_option
@pass_state
def check_in(
    state: CliState, commons_id: str, booking: str, condition: str, photos: tuple[str, ...],
    damage: str, keep: str | None, identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Check BOOKING of commons ID back in with the custodian's report (the resource's
    keeper): its condition, any damage, and what of the deposit is kept; the rest goes back.

    \b
    Example:
      commonwork resources in $C $BOOKING --damage "chuck cracked" --keep 20.00 --as ben
    """
    body: JsonObject = {
        "booking": booking,
        "condition": condition,
        "photos": photos_of(photos),
        "damage": damage,
    }
    if keep is not None:
        held = resources_read.booking_detail(state.node(), commons_id, booking).deposit
        if held is None:
            raise BadInput("this booking holds no deposit: there is nothing to --keep")
        body["keep"] = books_acting.minor_units(state.node(), commons_id, held.currency, keep)
    action = (commons_id, resources_read.CHECK_IN, body)
    sign_and_report(state, identity, action, as_json, "checked in")


COMMANDS = (
    lend, update, book, cancel, block, lift, wait, leave, accept, decline, check_out, check_in,
    dispute,
)  # fmt: skip
