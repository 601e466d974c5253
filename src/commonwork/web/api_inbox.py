"""A person's inbox over HTTP (the signed-in account's) and as a page: what the entries of every
commons on this node told them, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from commonwork.services import inbox
from commonwork.services.models import as_json
from commonwork.web.auth import current_account, node_of, require_account
from commonwork.web.page_forms import see_other
from commonwork.web.page_views import render
from commonwork.web.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["account"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=inbox.MAX_LIMIT, description="Items at most.")]
Before = Annotated[
    str | None,
    Query(
        max_length=200,
        description="The `next` cursor of the page before: the items older than it.",
    ),
]


@router.get(
    "/me/inbox",
    summary="Your inbox: what entries told you, newest first",
    description=(
        "What the entries of every commons on this node told the signed-in account's key: a "
        "validation of your work, a claim on your task, work recorded on it. Each item names "
        "the commons, the entry (`seq`), its author, what it says and a `link` to the page "
        "that shows it. `next` is the cursor of the following page (null on the last)."
    ),
)
def get_inbox(request: Request, limit: Limit = 50, before: Before = None) -> dict[str, Any]:
    account = require_account(request)
    page = inbox.inbox_of(node_of(request), account.did, limit=limit, before=before)
    return as_json(page)


@router.get(
    "/me/decisions",
    summary="The decisions waiting for you, and the latest outcomes",
    description=(
        "Across the commons the signed-in account is an active member of: the proposals voting "
        "now, soonest deadline first, each saying whether you took a stance on its current "
        "version (`voted`) and whether it closes within 24 hours (`soon`); and the proposals "
        "closed in the last 7 days, newest first, with their outcome (`status`). At most 30 "
        "of each."
    ),
)
def get_decisions(request: Request) -> dict[str, Any]:
    account = require_account(request)
    return as_json(inbox.decisions_for(node_of(request), account.did))


@pages.get("/me/inbox")
def inbox_page(request: Request, before: str | None = None) -> Response:
    account = current_account(request)
    if account is None:
        return see_other("/signin?next=/me/inbox")
    node = node_of(request)
    page = inbox.inbox_of(node, account.did, before=before)
    decisions = inbox.decisions_for(node, account.did) if before is None else None
    reminders = inbox.reminders_for(node, account.did) if before is None else None
    context = {
        "items": page.items,
        "next": page.next,
        "decisions": decisions,
        "reminders": reminders,
    }
    return render(request, "inbox.html", context)
