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


@pages.get("/me/inbox")
def inbox_page(request: Request, before: str | None = None) -> Response:
    account = current_account(request)
    if account is None:
        return see_other("/signin?next=/me/inbox")
    page = inbox.inbox_of(node_of(request), account.did, before=before)
    return render(request, "inbox.html", {"items": page.items, "next": page.next})
