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
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import acting
from commonwork.services.acting import Appended
from commonwork.services.identities import Keypair
from commonwork.services.nodes import Node
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_forms import (
    CONTRIBUTION_LABELS,
    TASK_LABELS,
    ContributionForm,
    FormPage,
    FormText,
    PostedContribution,
    TaskForm,
    form_message,
    see_other,
)
from commonwork.web.page_views import (
    TaskFilter,
    TaskState,
    acting_as,
    render,
    task_board_view,
    task_view,
)

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
    context = task_view(node_of(request), commons_id, task_id, current_account(request))
    context.update(
        form=state.form or ContributionForm(), form_error=state.form_error, error=state.error
    )
    return render(request, "task.html", context, status=status)


@router.get("/commons/{commons_id}/tasks")
def task_board(
    request: Request, commons_id: str, status: str = "", skill: str = "", page: int = 1
) -> Response:
    return render_board(request, commons_id, TaskFilter.of(status, skill, page), TaskState())


@router.get("/commons/{commons_id}/tasks/{task_id}")
def task_page(request: Request, commons_id: str, task_id: str) -> Response:
    return render_task(request, commons_id, task_id, TaskState())


@router.post("/commons/{commons_id}/tasks")
def post_task(
    request: Request,
    commons_id: str,
    title: FormText = "",
    description: FormText = "",
    skills: FormText = "",
    estimate: FormText = "",
    csrf: FormText = "",
) -> Response:
    _, keypair = acting_as(request, csrf)
    form = TaskForm(title, description, skills, estimate)
    try:
        appended = acting.post_task(
            node_of(request), actor=keypair, commons_id=commons_id, **form.arguments()
        )
    except CommonworkError as exc:
        state = TaskState(task_form=form, form_error=form_message(exc, TASK_LABELS))
        return render_board(request, commons_id, TaskFilter(), state, status=exc.status)
    return see_other(f"{_base(commons_id)}/tasks#t-{appended.entry.id}")


def _claiming(
    request: Request,
    commons_id: str,
    task_id: str,
    act: Callable[[Node, Keypair], Appended],
    *,
    csrf: str,
    back: Return,
) -> Response:
    """Claim or unclaim, then go back to the board (as it was filtered) or to the task."""
    _, keypair = acting_as(request, csrf)
    try:
        act(node_of(request), keypair)
    except CommonworkError as exc:
        state = TaskState(error=exc.detail)
        if back.view == "task":
            return render_task(request, commons_id, task_id, state, status=exc.status)
        return render_board(request, commons_id, back.board, state, status=exc.status)
    base = _base(commons_id)
    target = f"{base}/tasks/{task_id}" if back.view == "task" else back.board.url(base)
    return see_other(f"{target}#t-{task_id}")


@router.post("/commons/{commons_id}/tasks/{task_id}/claim")
def claim(
    request: Request,
    commons_id: str,
    task_id: str,
    back: PostedReturn,
    csrf: FormText = "",
) -> Response:
    def act(node: Node, keypair: Keypair) -> Appended:
        return acting.claim_task(node, actor=keypair, commons_id=commons_id, task_id=task_id)

    return _claiming(request, commons_id, task_id, act, csrf=csrf, back=back)


@router.post("/commons/{commons_id}/tasks/{task_id}/unclaim")
def unclaim(
    request: Request,
    commons_id: str,
    task_id: str,
    back: PostedReturn,
    csrf: FormText = "",
) -> Response:
    def act(node: Node, keypair: Keypair) -> Appended:
        return acting.unclaim_task(node, actor=keypair, commons_id=commons_id, task_id=task_id)

    return _claiming(request, commons_id, task_id, act, csrf=csrf, back=back)


@router.post("/commons/{commons_id}/tasks/{task_id}/contributions")
def contribute_to_task(
    request: Request,
    commons_id: str,
    task_id: str,
    form: PostedContribution,
    csrf: FormText = "",
) -> Response:
    _, keypair = acting_as(request, csrf)
    try:
        appended = acting.record_contribution(
            node_of(request),
            actor=keypair,
            commons_id=commons_id,
            task=task_id,
            **form.arguments(),
        )
    except CommonworkError as exc:
        state = TaskState(form=form, form_error=form_message(exc, CONTRIBUTION_LABELS))
        return render_task(request, commons_id, task_id, state, status=exc.status)
    return see_other(f"{_base(commons_id)}/tasks/{task_id}#c-{appended.entry.id}")
