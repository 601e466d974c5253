"""The task board pages: read a commons' tasks, post one, claim or unclaim it for oneself, and
record a contribution for it.

Anyone may read the board and every task (holoptism). A signed-in member posts tasks and claims
them for themselves only: there is no way to claim for, or assign work to, anyone else. Like the
other pages, every form carries the session's ``csrf`` token, a success redirects (303) back to
what changed and a refusal shows the page again with the reason and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from commonwork.services import bounties_read
from commonwork.services.catalog import CLAIM, POST, RECORD, UNCLAIM
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import PostedContribution, PostedTask, act_on_page, again_on, at_new
from commonwork.web.page_forms import (
    CONTRIBUTION_LABELS,
    TASK_LABELS,
    ContributionForm,
    FormPage,
    FormText,
    TaskForm,
)
from commonwork.web.page_views import TaskFilter, TaskState, render, task_board_view, task_view
from commonwork.web.schemas import PageNumber

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Return:
    """Where a claim or unclaim goes back to: the task page, or the board as it was filtered."""

    view: str
    board: TaskFilter


def return_fields(
    view: FormText = "board", status: FormText = "", skill: FormText = "", page: FormPage = 1
) -> Return:
    return Return(view, TaskFilter.of(status, skill, page))


PostedReturn = Annotated[Return, Depends(return_fields)]


def _base(commons_id: str) -> str:
    return f"/commons/{commons_id}"


def render_board(
    request: Request, commons_id: str, flt: TaskFilter, state: TaskState, *, status: int = 200
) -> Response:
    context = task_board_view(node_of(request), commons_id, current_account(request), flt)
    context.update(
        task_form=state.task_form or TaskForm(), form_error=state.form_error, error=state.error
    )
    return render(request, "tasks.html", context, status=status)


def render_task(
    request: Request, commons_id: str, task_id: str, state: TaskState, *, status: int = 200
) -> Response:
    node = node_of(request)
    context = task_view(node, commons_id, task_id, current_account(request))
    context.update(
        form=state.form or ContributionForm(),
        form_error=state.form_error,
        error=state.error,
        bounty=bounties_read.bounty_line(node, commons_id, task_id),
    )
    return render(request, "task.html", context, status=status)


@router.get("/commons/{commons_id}/tasks")
def task_board(
    request: Request, commons_id: str, status: str = "", skill: str = "", page: PageNumber = 1
) -> Response:
    return render_board(request, commons_id, TaskFilter.of(status, skill, page), TaskState())


@router.get("/commons/{commons_id}/tasks/{task_id}")
def task_page(request: Request, commons_id: str, task_id: str) -> Response:
    return render_task(request, commons_id, task_id, TaskState())


@router.post("/commons/{commons_id}/tasks")
def post_task(request: Request, commons_id: str, form: PostedTask, csrf: FormText = "") -> Response:
    board = partial(render_board, request, commons_id, TaskFilter())
    again = again_on(board, TaskState, TASK_LABELS, task_form=form)
    back = at_new(f"{_base(commons_id)}/tasks", "t")
    return act_on_page(request, csrf, (commons_id, POST, form.body()), back, again)


def _claiming(action_type: str) -> Callable[..., Response]:
    """Claim or unclaim, then go back to the board (as it was filtered) or to the task; a
    refusal is shown there."""

    def claiming(
        request: Request, commons_id: str, task_id: str, back: PostedReturn, csrf: FormText = ""
    ) -> Response:
        base, on_task = _base(commons_id), back.view == "task"
        target = f"{base}/tasks/{task_id}" if on_task else back.board.url(base)
        there = (
            partial(render_task, request, commons_id, task_id)
            if on_task
            else partial(render_board, request, commons_id, back.board)
        )
        action = (commons_id, action_type, {"task": task_id})
        return act_on_page(
            request, csrf, action, f"{target}#t-{task_id}", again_on(there, TaskState)
        )

    return claiming


def _add_claiming() -> None:
    for verb, claim_type in (("claim", CLAIM), ("unclaim", UNCLAIM)):
        path = f"/commons/{{commons_id}}/tasks/{{task_id}}/{verb}"
        router.add_api_route(path, _claiming(claim_type), methods=["POST"], name=verb)


_add_claiming()


@router.post("/commons/{commons_id}/tasks/{task_id}/contributions")
def contribute_to_task(
    request: Request, commons_id: str, task_id: str, form: PostedContribution, csrf: FormText = ""
) -> Response:
    task = partial(render_task, request, commons_id, task_id)
    again = again_on(task, TaskState, CONTRIBUTION_LABELS, form=form)
    back = at_new(f"{_base(commons_id)}/tasks/{task_id}", "c")
    return act_on_page(request, csrf, (commons_id, RECORD, form.body(task_id)), back, again)
