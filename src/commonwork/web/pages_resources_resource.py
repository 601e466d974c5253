"""One resource's page: its rules, its calendar drawn in its own zone (a week or a month), the
form a member books with and the waiting list for a time that is taken, and, for its keeper,
the forms that change it and block it for maintenance (web/pages_resources_keeper.py).

Every form signs through the generic door (``act_form``); a refusal shows the page again with
the rule's words next to its form and what was typed, and writes nothing. A refused booking
whose time is taken says who holds it and offers the waiting list for the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import resources_read
from commonwork.services.acting import Appended
from commonwork.services.resources_read import ResourceDetail
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import posted
from commonwork.web.page_forms import Fields, FormText, Labels, form_message, see_other
from commonwork.web.page_views import active_member_of, render
from commonwork.web.pages_resources_forms import (
    BOOK_LABELS,
    COMMON_ZONES,
    WHO_WORDS,
    BookingForm,
    act_form,
    booking_path,
    common,
    mine_path,
    now_minutes,
    resource_path,
    rules_words,
)
from commonwork.web.pages_resources_keeper import (
    BLOCK_LABELS,
    CHANGE_LABELS,
    STATUS_CHOICES,
    BlockForm,
    ChangeForm,
    KeeperMay,
    keeper_may,
    keepers,
    rules_effect,
)
from commonwork.web.resources_calendar import (
    Frame,
    calendar_bounds,
    calendar_of,
    local_of,
    local_text,
    shown_day,
)

router = APIRouter(include_in_schema=False)

EntryId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
DayText = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Typed = Annotated[str, Query(max_length=20)]


@dataclass(frozen=True)
class Taken:
    """Who holds the time a booking asked for: the holder's name, what holds it (a booking, a
    block, an offer) and its local times."""

    booking_id: str
    kind: str
    holder: str
    start: str
    end: str
    held_until: str


@dataclass(frozen=True)
class ResourceShown:
    """What the page shows again of a refused form: the booking form (and who holds the time
    it asked for), the change form, or the block form, each with the refusal in its words."""

    form: BookingForm = field(default_factory=BookingForm)
    error: str = ""
    taken: Taken | None = None
    wait_error: str = ""
    change: ChangeForm = field(default_factory=ChangeForm)
    change_error: str = ""
    block: BlockForm = field(default_factory=BlockForm)
    block_error: str = ""


def calendar_view(
    request: Request, commons_id: str, detail: ResourceDetail, view: str, at: date
) -> dict[str, object]:
    """The calendar of the view around ``at``: what holds the resource's time over its days."""
    zone, rules = detail.item.zone, detail.rules
    bounds = calendar_bounds(view, at, zone)
    drawn = resources_read.calendar(
        node_of(request), commons_id, detail.item.resource_id, bounds[0], bounds[-1]
    )
    frame = Frame(zone, rules.buffer_minutes, rules.max_hours * 60, now_minutes(request), view)
    return calendar_of(drawn.slots, frame, at, resource_path(commons_id, detail.item.resource_id))


def _at_of(text: str | None, detail: ResourceDetail, now: int) -> date:
    if not text:
        return local_of(now, detail.item.zone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"at: a date such as 2031-03-08, not {text!r}") from None


def _keeper(request: Request, commons_id: str, detail: ResourceDetail, member: bool) -> KeeperMay:
    account = current_account(request)
    if account is None or not member:  # the rules keep nothing for who is no member
        return KeeperMay()
    return keeper_may(node_of(request), commons_id, account.did, detail)


def _resource(
    request: Request,
    commons_id: str,
    resource_id: str,
    view: str = "week",
    at: str | None = None,
    shown_: ResourceShown | None = None,
    *,
    status: int = 200,
) -> Response:
    node = node_of(request)
    detail = resources_read.resource_detail(node, commons_id, resource_id)
    is_member = active_member_of(node, commons_id, current_account(request))
    now = now_minutes(request)
    shown = shown_ or ResourceShown()
    may = _keeper(request, commons_id, detail, is_member)
    changing = may.change or bool(shown.change_error)
    # the rules of what the commons owns change by decision: as the rule says to its keeper
    by_decision = not may.rules if may.change else detail.item.owner_kind == "commons"
    context = common(request, commons_id)
    context.update(
        detail=detail,
        r=detail.item,
        rules_said=rules_words(detail.rules),
        who_words=WHO_WORDS,
        is_member=is_member,
        shown=shown,
        cal=calendar_view(request, commons_id, detail, view, _at_of(at, detail, now)),
        feed=f"/api/v1/commons/{commons_id}/resources/{resource_id}/calendar.ics",
        here=resource_path(commons_id, resource_id),
        now_text=local_text(now, detail.item.zone),
        keeper=may,
        changing=changing,
        blocking=may.block or bool(shown.block_error),
        change=shown.change.over(ChangeForm.of(detail)),
        keepers=keepers(node, commons_id) if changing else [],
        effect=rules_effect(detail) if changing and by_decision else "",
        zones=COMMON_ZONES,
        status_choices=STATUS_CHOICES,
    )
    return render(request, "resources_resource.html", context, status=status)


@router.get("/commons/{commons_id}/resources/{resource_id}")
def resource_page(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    view: Literal["week", "month"] = "week",
    at: DayText = None,
    start_date: Typed = "",
    start_time: Typed = "",
    end_date: Typed = "",
    end_time: Typed = "",
) -> Response:
    """The resource and its calendar; a free slot's link fills the booking form."""
    form = BookingForm(start_date, start_time, end_date, end_time)
    return _resource(request, commons_id, resource_id, view, at, ResourceShown(form=form))


def _taken(request: Request, commons_id: str, error: CommonworkError, zone: str) -> Taken | None:
    """Who holds the time a refused booking asked for (a 409 names the row that holds it)."""
    held = error.extra.get("booking")
    if error.status != 409 or not isinstance(held, str):
        return None
    try:
        slot = resources_read.booking_detail(node_of(request), commons_id, held).slot
    except NotFound:
        return None
    return Taken(
        booking_id=slot.booking_id,
        kind=slot.kind,
        holder=slot.member_name,
        start=local_text(slot.start_min, zone),
        end=local_text(slot.end_min, zone),
        held_until=local_text(slot.held_until_min, zone),
    )


def _in_words(error: CommonworkError, labels: Labels, taken: Taken | None) -> str:
    """A refusal in the words of the form, naming a holder by name rather than by key."""
    said = form_message(error, labels)
    holder = error.extra.get("holder")
    if taken is not None and isinstance(holder, str) and holder:
        said = said.replace(holder, taken.holder)
    return said


@router.post("/commons/{commons_id}/resources/{resource_id}/bookings")
def book_resource(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[BookingForm, Depends(posted(BookingForm))],
    csrf: FormText = "",
) -> Response:
    """Book the time typed; refused because it is taken, the page says who holds it and offers
    the waiting list for the same time."""
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    zone = detail.item.zone

    def again(error: CommonworkError) -> Response:
        taken = _taken(request, commons_id, error, zone)
        said = _in_words(error, BOOK_LABELS, taken)
        kept = ResourceShown(form=form, error=said, taken=taken)
        return _resource(
            request, commons_id, resource_id, "week", shown_day(form.start_date), kept,
            status=error.status,
        )  # fmt: skip

    def to_booking(appended: Appended) -> Response:
        return see_other(booking_path(commons_id, appended.entry.id))

    def body() -> Fields:
        return form.body(resource_id, zone)

    return act_form(request, csrf, commons_id, resources_read.BOOK, body, to_booking, again)


@router.post("/commons/{commons_id}/resources/{resource_id}/waits")
def join_waiting_list(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[BookingForm, Depends(posted(BookingForm))],
    csrf: FormText = "",
) -> Response:
    """Join the waiting list for the time typed (as the booking form held it)."""
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    zone = detail.item.zone

    def again(error: CommonworkError) -> Response:
        kept = ResourceShown(form=form, wait_error=form_message(error, BOOK_LABELS))
        return _resource(
            request, commons_id, resource_id, "week", shown_day(form.start_date), kept,
            status=error.status,
        )  # fmt: skip

    def to_mine(appended: Appended) -> Response:
        return see_other(f"{mine_path(commons_id)}#wait-{appended.entry.id}")

    def body() -> Fields:
        return replace(form, note="").interval(resource_id, zone)

    return act_form(request, csrf, commons_id, resources_read.WAIT, body, to_mine, again)


# --- the keeper's forms -----------------------------------------------------------------------


@router.post("/commons/{commons_id}/resources/{resource_id}/changes")
def change_resource(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[ChangeForm, Depends(posted(ChangeForm))],
    csrf: FormText = "",
) -> Response:
    """Change what the form changed of the resource (its keeper); back to its page."""
    node = node_of(request)
    detail = resources_read.resource_detail(node, commons_id, resource_id)

    def again(error: CommonworkError) -> Response:
        kept = ResourceShown(change=form, change_error=form_message(error, CHANGE_LABELS))
        return _resource(request, commons_id, resource_id, shown_=kept, status=error.status)

    def body() -> Fields:
        return form.body(node, commons_id, detail)

    back = resource_path(commons_id, resource_id)
    return act_form(request, csrf, commons_id, resources_read.UPDATE, body, back, again)


@router.post("/commons/{commons_id}/resources/{resource_id}/blocks")
def block_resource(
    request: Request,
    commons_id: str,
    resource_id: EntryId,
    form: Annotated[BlockForm, Depends(posted(BlockForm))],
    csrf: FormText = "",
) -> Response:
    """Block the time typed for maintenance (its keeper): the bookings it covers are cancelled;
    on to the block's own page, where it is lifted."""
    detail = resources_read.resource_detail(node_of(request), commons_id, resource_id)
    zone = detail.item.zone

    def again(error: CommonworkError) -> Response:
        kept = ResourceShown(block=form, block_error=form_message(error, BLOCK_LABELS))
        return _resource(
            request, commons_id, resource_id, "week", shown_day(form.start_date), kept,
            status=error.status,
        )  # fmt: skip

    def to_block(appended: Appended) -> Response:
        return see_other(booking_path(commons_id, appended.entry.id))

    def body() -> Fields:
        return form.body(resource_id, zone)

    return act_form(request, csrf, commons_id, resources_read.BLOCK, body, to_block, again)
