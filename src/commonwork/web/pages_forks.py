"""The fork button: anyone signed in forks a commons at its last entry (or one they name) into a
new commons hosted by this node, with a reason; the commons page lists the forks this node
knows of, and a fork names where it came from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError
from commonwork.services import journals
from commonwork.services.acting import Appended
from commonwork.services.catalog import FORK
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import act_on_page
from commonwork.web.page_forms import see_other
from commonwork.web.page_views import CommonsState
from commonwork.web.pages import render_commons

router = APIRouter()


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def fork_body(request: Request, commons_id: str, form: Any) -> dict[str, Any]:
    """The fork's body: at the entry named (default: the last), with its hash, on this node."""
    node = node_of(request)
    typed = _text(form, "at_seq")
    if typed and not typed.isdigit():
        raise BadInput("the entry to fork at is a number (its seq), e.g. 42")
    head = journals.journal_page(node, commons_id, after=-1, limit=1)[0]
    at_seq = int(typed) if typed else head.seq
    entry = journals.journal_entry(node, commons_id, at_seq)
    body: dict[str, Any] = {
        "parent": commons_id,
        "at_seq": at_seq,
        "at_hash": entry.id,
        "reason": _text(form, "reason"),
        "host": node.host_key.did,
    }
    if _text(form, "name"):
        body["name"] = _text(form, "name")
    account = current_account(request)
    if account is not None:  # used if they were not a member at that entry
        body["founder_name"] = account.display_name
    return body


@router.post("/commons/{commons_id}/fork")
async def fork(request: Request, commons_id: str) -> Response:
    form = await request.form()

    def again(error: CommonworkError) -> Response:
        return render_commons(
            request, commons_id, CommonsState(error=error.detail), status=error.status
        )

    def to_fork(appended: Appended) -> Response:
        return see_other(f"/commons/{appended.commons_id}")

    try:
        body = fork_body(request, commons_id, form)
    except CommonworkError as exc:
        return again(exc)
    return await run_in_threadpool(
        act_on_page, request, _text(form, "csrf"), (commons_id, FORK, body), to_fork, again
    )
