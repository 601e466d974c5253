"""The page door of action types that declare one (``ActionSpec.door``): a button on the page of
the thing they act on, posting here. What the button sends is checked by the action type's own
schema and rule, as every door's is; nothing here knows one action type from another."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError, NotFound
from commonwork.services.catalog import Door, spec_for
from commonwork.web import page_acting
from commonwork.web.page_acting import Again, again_on, posted
from commonwork.web.page_forms import FormText
from commonwork.web.page_views import TaskState
from commonwork.web.pages_tasks import render_task

router = APIRouter(include_in_schema=False)


def thing_page(commons_id: str, door: Door, thing: str) -> str:
    """The page of the thing a door acts on (a task's page for the noun "task")."""
    return f"/commons/{commons_id}/{door.noun}s/{thing}"


def _refused(error: CommonworkError) -> Response:
    raise error  # the problem page: only a task's page shows a refusal next to its buttons


def _again(request: Request, commons_id: str, door: Door, thing: str) -> Again:
    if door.noun != "task":
        return _refused
    return again_on(partial(render_task, request, commons_id, thing), TaskState)


@dataclass(frozen=True)
class Pressed:
    """What a door's button posts: the thing it acts on, and a reason if the door asks one."""

    target: str = ""
    reason: str = ""


@router.post("/commons/{commons_id}/act/{action_type}")
def act_on_page(
    request: Request,
    commons_id: str,
    action_type: str,
    pressed: Annotated[Pressed, Depends(posted(Pressed))],
    csrf: FormText = "",
) -> Response:
    door = spec_for(action_type).door
    if door is None:
        raise NotFound(f"{action_type} has no button on the pages; use the API or the CLI")
    target, reason = pressed.target, pressed.reason.strip()
    body = {door.target: target, **({"reason": reason} if door.reason and reason else {})}
    action = (commons_id, action_type, body)
    again = _again(request, commons_id, door, target)
    return page_acting.act_on_page(
        request, csrf, action, thing_page(commons_id, door, target), again
    )
