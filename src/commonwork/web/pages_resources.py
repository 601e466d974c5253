"""The pages of shared physical resources (issue 13): a commons' inventory with its filters and
the form that lends a tool; one resource with its rules and its calendar, drawn in the
resource's own time zone (a week, or a month), where anyone sees what is free and who holds
what, a member books a time, and its keeper changes it or blocks it for maintenance; one
booking with its fee, deposit and custody reports; and a person's own bookings, offers and
waiting list, with their calendar feed.

Anyone reads every page but a person's own (holoptism); each costs what it shows (the reads of
services/resources_read.py are bounded). Every form signs through the generic door
(``acting.act``, as the API and the command line do), so the resources area's own rules decide;
a refusal shows the page again with the rule's words next to the form and what was typed, and
writes nothing. A button or a keeper's form is shown only when a dry run of its rule says the
reader may use it now.

This module is the area's one router (web/app.py registers it); it serves the inventory and a
person's bookings, and includes the routers of one resource's page
(web/pages_resources_resource.py, with the keeper's forms of web/pages_resources_keeper.py)
and of one booking's page (web/pages_resources_booking.py). What the forms share is
web/pages_resources_forms.py; times in a resource's zone and the calendar's arithmetic,
web/resources_calendar.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import resources_read
from commonwork.services.acting import Appended
from commonwork.services.resources_read import Slot
from commonwork.web import pages_resources_booking, pages_resources_resource
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import posted
from commonwork.web.page_forms import Fields, FormText, form_message, see_other
from commonwork.web.page_views import active_member_of, render
from commonwork.web.pages_resources_forms import (
    COMMON_ZONES,
    LEND_LABELS,
    OWNER_WORDS,
    WAIT_WORDS,
    WHO_WORDS,
    LendForm,
    act_form,
    common,
    mine_path,
    now_minutes,
    resource_path,
    resources_path,
)
from commonwork.web.resources_calendar import local_text, zoned_of
from commonwork.web.schemas import MAX_SEQ

router = APIRouter(include_in_schema=False)

RESOURCES_PER_PAGE = 25
#: How far back "my bookings" reaches (days): a recent return may still be disputed.
MINE_PAST_DAYS = resources_read.FEED_PAST_DAYS
Before = Annotated[int | None, Query(ge=1, le=MAX_SEQ)]
EntryId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


# --- the inventory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    words: str = ""
    lendable: bool = False

    def query(self, **more: object) -> str:
        kept = {"kind": self.kind, "words": self.words, "lendable": "1" if self.lendable else ""}
        kept.update({name: str(value) for name, value in more.items() if value is not None})
        given = {name: value for name, value in kept.items() if value}
        return f"?{urlencode(given)}" if given else ""


def _inventory(
    request: Request,
    commons_id: str,
    filters: Filters,
    before: int | None = None,
    *,
    form: LendForm | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    node = node_of(request)
    page = resources_read.list_resources(
        node,
        commons_id,
        kind=filters.kind or None,
        words=filters.words or None,
        lendable_only=filters.lendable,
        before=before,
        limit=RESOURCES_PER_PAGE,
    )
    account = current_account(request)
    context = common(request, commons_id)
    context.update(
        page=page,
        before=before,
        filters=filters,
        is_member=active_member_of(node, commons_id, account),
        form=form or LendForm(),
        error=error,
        zones=COMMON_ZONES,
        who_words=WHO_WORDS,
        owner_words=OWNER_WORDS,
        older=resources_path(commons_id) + filters.query(before=page.next_before)
        if page.next_before
        else None,
        newest=resources_path(commons_id) + filters.query() if before else None,
    )
    return render(request, "resources_inventory.html", context, status=status)


@router.get("/commons/{commons_id}/resources")
def inventory_page(
    request: Request,
    commons_id: str,
    kind: Annotated[str, Query(max_length=20)] = "",
    words: Annotated[str, Query(max_length=100)] = "",
    lendable: bool = False,
    before: Before = None,
) -> Response:
    return _inventory(request, commons_id, Filters(kind, words.strip(), lendable), before)


@router.post("/commons/{commons_id}/resources")
def lend_resource(
    request: Request,
    commons_id: str,
    form: Annotated[LendForm, Depends(posted(LendForm))],
    csrf: FormText = "",
) -> Response:
    def again(error: CommonworkError) -> Response:
        said = form_message(error, LEND_LABELS)
        return _inventory(
            request, commons_id, Filters(), form=form, error=said, status=error.status
        )

    def to_resource(appended: Appended) -> Response:
        return see_other(resource_path(commons_id, appended.entry.id))

    def body() -> Fields:
        return form.body(node_of(request), commons_id)

    return act_form(request, csrf, commons_id, resources_read.REGISTER, body, to_resource, again)


# --- my bookings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MineRow:
    """One of my bookings, offers or blocks, with its resource's name and local times."""

    slot: Slot
    resource_name: str
    zone: str
    start: str
    end: str
    offer_expires: str = ""


def _mine(request: Request, commons_id: str, *, error: str = "", status: int = 200) -> Response:
    account = current_account(request)
    if account is None:
        return see_other(f"/signin?next={mine_path(commons_id)}")
    now = now_minutes(request)
    node = node_of(request)
    mine = resources_read.my_bookings(
        node, commons_id, account.did, from_min=now - MINE_PAST_DAYS * 1440
    )
    rows = []
    for slot in mine.slots:  # each carries its resource's name and zone
        name, zone = slot.resource_name or slot.resource[:12], slot.zone
        start, end = local_text(slot.start_min, zone), local_text(slot.end_min, zone)
        expires = zoned_of(slot.offer_expires, zone)
        rows.append(MineRow(slot, name, zone, start, end, expires))
    waits = []
    for wait in mine.waits:
        zone = wait.zone
        start = local_text(resources_read.minutes_of(wait.start), zone)
        end = local_text(resources_read.minutes_of(wait.end), zone)
        waits.append((wait, start, end, zone, zoned_of(wait.joined_at, zone)))
    context = common(request, commons_id)
    context.update(
        offers=[row for row in rows if row.slot.kind == "offer" and row.slot.status == "offered"],
        bookings=[row for row in rows if row.slot.kind == "booking"],
        blocks=[row for row in rows if row.slot.kind == "block"],
        waits=waits,
        wait_words=WAIT_WORDS,
        is_member=active_member_of(node, commons_id, account),
        feed=f"/api/v1/commons/{commons_id}/members/{account.did}/bookings.ics",
        error=error,
    )
    return render(request, "resources_mine.html", context, status=status)


@router.get("/commons/{commons_id}/me/bookings")
def my_bookings_page(request: Request, commons_id: str) -> Response:
    return _mine(request, commons_id)


@router.post("/commons/{commons_id}/waits/{wait_id}/leave")
def leave_waiting_list(
    request: Request, commons_id: str, wait_id: EntryId, csrf: FormText = ""
) -> Response:
    def again(error: CommonworkError) -> Response:
        return _mine(request, commons_id, error=error.detail, status=error.status)

    def body() -> Fields:
        return {"wait": wait_id}

    back = mine_path(commons_id)
    return act_form(request, csrf, commons_id, resources_read.LEAVE, body, back, again)


router.include_router(pages_resources_resource.router)
router.include_router(pages_resources_booking.router)
