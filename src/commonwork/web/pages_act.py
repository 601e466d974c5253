"""The page door of action types that declare one (``ActionSpec.door``): a button on the page of
the thing they act on, posting here. What the button sends is checked by the action type's own
schema and rule, as every door's is; nothing here knows one action type from another."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError, NotFound
from commonwork.services import acting
from commonwork.services.catalog import Door, spec_for
from commonwork.web.auth import node_of
from commonwork.web.page_forms import FormText, see_other
from commonwork.web.page_views import TaskState, acting_as
from commonwork.web.pages_tasks import render_task

router = APIRouter(include_in_schema=False)


def thing_page(commons_id: str, door: Door, thing: str) -> str:
    """The page of the thing a door acts on (a task's page for the noun "task")."""
    return f"/commons/{commons_id}/{door.noun}s/{thing}"


@router.post("/commons/{commons_id}/act/{action_type}")
def act_on_page(
    request: Request,
    commons_id: str,
    action_type: str,
    csrf: FormText = "",
    target: FormText = "",
    reason: FormText = "",
) -> Response:
    door = spec_for(action_type).door
    if door is None:
        raise NotFound(f"{action_type} has no button on the pages; use the API or the CLI")
    _, keypair = acting_as(request, csrf)
    body = {door.target: target}
    if door.reason and reason.strip():
        body["reason"] = reason.strip()
    try:
        acting.act(
            node_of(request),
            actor=keypair,
            commons_id=commons_id,
            action_type=action_type,
            body=body,
        )
    except CommonworkError as exc:
        if door.noun != "task":
            raise
        state = TaskState(error=exc.detail)
        return render_task(request, commons_id, target, state, status=exc.status)
    return see_other(thing_page(commons_id, door, target))
