"""One booking's page (a booking, a maintenance block, or a slot offered from the waiting
list): its times in the resource's zone, its fee, deposit and custody reports, and the buttons
of what the reader may do with it now — take or decline an offer, check out, check in, dispute
the keeper's report, cancel, lift a block — each shown only when a dry run of its rule allows
it. A refusal shows the page again with the rule's words next to the form, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import resources_read
from commonwork.services.books_acting import minor_units
from commonwork.services.dry_run import dry_run
from commonwork.services.resources_read import BookingDetail
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import posted
from commonwork.web.page_forms import Fields, FormText, Labels, form_message
from commonwork.web.page_views import render
from commonwork.web.pages_resources_forms import (
    DEPOSIT_WORDS,
    ConditionForm,
    NoFields,
    ReasonForm,
    ReturnForm,
    act_form,
    booking_path,
    common,
    mine_path,
    resource_path,
)
from commonwork.web.resources_calendar import local_of, zoned_of, zoned_text

router = APIRouter(include_in_schema=False)

EntryId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]

#: The booking page's buttons: (name, action type, the body's target field, a body for the dry
#: run beyond the target).
BOOKING_ACTIONS: tuple[tuple[str, str, str, Fields], ...] = (
    ("accept", resources_read.ACCEPT, "offer", {}),
    ("decline", resources_read.DECLINE, "offer", {}),
    ("check-out", resources_read.CHECK_OUT, "booking", {}),
    ("check-in", resources_read.CHECK_IN, "booking", {}),
    ("dispute", resources_read.DISPUTE, "booking", {"reason": "a reason"}),
    ("cancel", resources_read.CANCEL, "booking", {}),
    ("lift", resources_read.LIFT, "booking", {}),
)
#: The forms a booking page's button posts, and the words of their fields.
FORMS: dict[str, type[Any]] = {
    "accept": NoFields,
    "decline": NoFields,
    "check-out": ConditionForm,
    "check-in": ReturnForm,
    "dispute": ReasonForm,
    "cancel": ReasonForm,
    "lift": ReasonForm,
}
LABELS: dict[str, Labels] = {
    "check-out": {"condition": "Condition as it leaves"},
    "check-in": {
        "condition": "Condition as it came back",
        "damage": "Damage",
        "keep": "Deposit kept",
    },
    "dispute": {"reason": "Why the report is wrong"},
    "cancel": {"reason": "Why cancel"},
    "lift": {"reason": "Why lift it now"},
}


def may_do(request: Request, commons_id: str, booking_id: str) -> dict[str, bool]:
    """Which of the booking page's buttons the reader may press now, as a dry run of each rule
    says (a stranger: none)."""
    account = current_account(request)
    if account is None:
        return {name: False for name, *_ in BOOKING_ACTIONS}
    candidates = [
        (action_type, {target: booking_id, **more})
        for _, action_type, target, more in BOOKING_ACTIONS
    ]
    verdicts = dry_run(node_of(request), commons_id, account.did, candidates)
    return {
        name: verdict.allowed for (name, *_), verdict in zip(BOOKING_ACTIONS, verdicts, strict=True)
    }


def deposit_said(detail: BookingDetail, reader: str | None) -> str:
    """The deposit's state in words, to the reader: what went back to the borrower after the
    return, what was kept and where it goes, and until when the borrower may dispute it."""
    slot, deposit, kept = detail.slot, detail.deposit, detail.kept
    if deposit is None:
        return ""
    if detail.deposit_state == "none":
        return "taken at check-out" if slot.status == "booked" else DEPOSIT_WORDS["none"]
    if detail.back is None:
        return DEPOSIT_WORDS.get(detail.deposit_state, detail.deposit_state)
    yours = reader is not None and reader == slot.member
    borrower = "you" if yours else "the borrower"
    if kept is None or not kept.amount_minor:
        return f"all of it went back to {borrower}"
    returned = Decimal(deposit.amount) - Decimal(kept.amount)
    said = (
        f"{returned} {deposit.currency} went back to {borrower}; {kept.amount} {kept.currency} kept"
    )
    owner = detail.resource.owner_name
    if detail.deposit_state == "held":
        release = zoned_of(detail.release_at, detail.resource.zone)
        said += f", held until {release} then paid to {owner} unless disputed"
        if yours:
            said += f": you may dispute it until {release}"
    elif detail.deposit_state == "disputed":
        said += ": disputed, an arbitration panel decides"
    else:
        said += f" and paid to {owner}"
    return said


@dataclass(frozen=True)
class BookingShown:
    name: str = ""
    form: Any = None
    error: str = ""


def _booking(
    request: Request,
    commons_id: str,
    booking_id: str,
    shown_: BookingShown | None = None,
    *,
    status: int = 200,
) -> Response:
    detail = resources_read.booking_detail(node_of(request), commons_id, booking_id)
    zone, slot, item = detail.resource.zone, detail.slot, detail.resource
    account = current_account(request)
    reader = account.did if account is not None else None
    context = common(request, commons_id)
    context.update(
        b=detail,
        s=slot,
        item=item,
        yours=reader is not None and reader == slot.member,
        when={
            "start": zoned_text(slot.start_min, zone),
            "end": zoned_text(slot.end_min, zone),
            "held_until": zoned_text(slot.held_until_min, zone),
            "made": zoned_of(detail.made_at, zone),
            "out": zoned_of(detail.out.at if detail.out else None, zone),
            "back": zoned_of(detail.back.at if detail.back else None, zone),
            "release": zoned_of(detail.release_at, zone),
            "offer_expires": zoned_of(slot.offer_expires, zone),
        },
        deposit_said=deposit_said(detail, reader),
        week=f"{resource_path(commons_id, slot.resource)}"
        f"?{urlencode({'at': local_of(slot.start_min, zone).date().isoformat()})}",
        may=may_do(request, commons_id, booking_id),
        shown=shown_ or BookingShown(),
        here=booking_path(commons_id, booking_id),
        mine=account is not None,
    )
    return render(request, "resources_booking.html", context, status=status)


@router.get("/commons/{commons_id}/bookings/{booking_id}")
def booking_page(request: Request, commons_id: str, booking_id: EntryId) -> Response:
    return _booking(request, commons_id, booking_id)


def _keep_minor(request: Request, commons_id: str, detail: BookingDetail, typed: str) -> int:
    """What a return report keeps of the deposit, typed in the deposit's currency."""
    amount = typed.strip()
    if not amount or amount.strip("0.") == "":
        return 0
    if detail.deposit is None:
        raise BadInput("Deposit kept: this booking holds no deposit to keep")
    return minor_units(node_of(request), commons_id, detail.deposit.currency, amount)


def _booking_body(
    request: Request, commons_id: str, name: str, booking_id: str, form: Any
) -> Fields:
    """The body of the booking page's action ``name`` from its form."""
    if name in ("accept", "decline"):
        return {"offer": booking_id}
    body: Fields = {"booking": booking_id}
    if name == "dispute" or (name in ("cancel", "lift") and form.reason.strip()):
        body["reason"] = form.reason.strip()
    elif name == "check-out" and form.condition.strip():
        body["condition"] = form.condition.strip()
    elif name == "check-in":
        detail = resources_read.booking_detail(node_of(request), commons_id, booking_id)
        body.update(condition=form.condition.strip(), damage=form.damage.strip())
        kept = _keep_minor(request, commons_id, detail, form.keep)
        if kept:
            body["keep"] = kept
    return body


def _on_booking(name: str, action_type: str) -> Callable[..., Response]:
    """The route of one of the booking page's forms: back to the booking (a declined offer: to
    my bookings), or the page again with the refusal next to the form."""

    def on_booking(
        request: Request,
        commons_id: str,
        booking_id: EntryId,
        csrf: FormText = "",
        form: Any = Depends(posted(FORMS[name])),  # noqa: B008 (FastAPI's way to read a form)
    ) -> Response:
        def again(error: CommonworkError) -> Response:
            kept = BookingShown(name, form, form_message(error, LABELS.get(name, {})))
            try:
                return _booking(request, commons_id, booking_id, kept, status=error.status)
            except NotFound:  # no such booking to show again: the refusal's own page
                raise error from None

        back = mine_path(commons_id) if name == "decline" else booking_path(commons_id, booking_id)

        def body() -> Fields:
            return _booking_body(request, commons_id, name, booking_id, form)

        return act_form(request, csrf, commons_id, action_type, body, back, again)

    on_booking.__name__ = f"booking_{name.replace('-', '_')}"
    return on_booking


def _add_booking_forms() -> None:
    for name, action_type, _, _ in BOOKING_ACTIONS:
        router.add_api_route(
            f"/commons/{{commons_id}}/bookings/{{booking_id}}/{name}",
            _on_booking(name, action_type),
            methods=["POST"],
            name=f"booking_{name.replace('-', '_')}",
        )


_add_booking_forms()
