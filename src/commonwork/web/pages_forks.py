"""The fork button: anyone signed in forks a commons at its last entry (or one they name) into a
new commons hosted by this node, with a reason; the commons page lists the forks this node
knows of, and a fork names where it came from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError
from commonwork.services import forks
from commonwork.services.acting import Appended
from commonwork.web.auth import node_of
from commonwork.web.limits import limit_client
from commonwork.web.page_acting import shown
from commonwork.web.page_forms import see_other
from commonwork.web.page_views import CommonsState, acting_as
from commonwork.web.pages import render_commons

router = APIRouter(include_in_schema=False)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _fork_form(form: Any) -> tuple[int | None, str, str | None]:
    typed = _text(form, "at_seq")
    if typed and not typed.isdigit():
        raise BadInput("the entry to fork at is a number (its seq), e.g. 42")
    return (int(typed) if typed else None), _text(form, "reason"), (_text(form, "name") or None)


@router.post("/commons/{commons_id}/fork")
async def fork(request: Request, commons_id: str) -> Response:
    form = await request.form()

    def again(error: CommonworkError) -> Response:
        state = CommonsState(error=error.detail)
        return render_commons(request, commons_id, state, status=error.status)

    def to_fork(appended: Appended) -> Response:
        return see_other(f"/commons/{appended.commons_id}")

    def run() -> Appended:
        account, keypair = acting_as(request, _text(form, "csrf"))
        at_seq, reason, name = _fork_form(form)
        return forks.fork_commons(
            node_of(request),
            actor=keypair,
            parent_id=commons_id,
            reason=reason,
            at_seq=at_seq,
            name=name,
            founder_name=account.display_name,  # used if they were not a member there
        )

    limit_client(request, "fork")
    return await run_in_threadpool(shown, run, to_fork, again)
