"""The pages' way to act, shared by every form that signs an action, and the reading of forms.

A form posts the session's ``csrf`` token and what the person typed. Its handler puts the
action's body together and hands it to ``act_on_page``: the body is signed with the account's
custodial key through the generic door (``acting.act``, as the API's ``/act/{type}`` and its
friendly routes and the command line do), so the action type's own schema and rule decide; a
success goes and looks (303) at what changed; a refusal shows the page again, with the reason in
the words of the form and what was typed, and writes nothing.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import acting
from commonwork.services.acting import Appended
from commonwork.services.charters import DEFAULT_PRESET
from commonwork.services.models import JsonMapping
from commonwork.web.auth import node_of
from commonwork.web.page_forms import (
    POLICY_FIELDS,
    CharterForm,
    ContributionForm,
    Fields,
    Labels,
    PolicyForm,
    TaskForm,
    form_message,
    see_other,
    verdict_body,
)
from commonwork.web.page_views import acting_as, render

T = TypeVar("T")
#: Shows the page again with a refusal, at the refusal's status.
Again = Callable[[CommonworkError], Response]
#: Where a success goes: a page, or the answer made from the new entry.
Back = str | Callable[[Appended], Response]
#: An action as a page signs it: (commons id, action type, body).
Action = tuple[str, str, JsonMapping]


def shown(run: Callable[[], T], then: str | Callable[[T], Response], again: Again) -> Response:
    """The answer to a form that calls a use case (``run``): ``then`` — a page to go and look
    at (303), or the answer made from what ``run`` returned — or, refused, the page ``again``
    with the reason."""
    try:
        done = run()
    except CommonworkError as exc:
        return again(exc)
    return see_other(then) if isinstance(then, str) else then(done)


def act_on_page(request: Request, csrf: str, action: Action, back: Back, again: Again) -> Response:
    """Sign ``action`` as the signed-in account (once the form's token checks out) and go
    ``back``; a refusal is shown by ``again``."""
    _, keypair = acting_as(request, csrf)
    commons_id, action_type, body = action

    def sign() -> Appended:
        node = node_of(request)
        return acting.act(
            node, actor=keypair, commons_id=commons_id, action_type=action_type, body=body
        )

    return shown(sign, back, again)


def at_new(page: str, anchor: str) -> Callable[[Appended], Response]:
    """Back to ``page`` at the entry just appended: ``page#ANCHOR-ENTRY_ID``."""
    return lambda appended: see_other(f"{page}#{anchor}-{appended.entry.id}")


def _said(error: CommonworkError, labels: Labels | None) -> str:
    """A refusal as the page says it: in the words of its form when it has ``labels``."""
    return error.detail if labels is None else form_message(error, labels)


def again_on(
    draw: Callable[..., Response],
    state: Callable[..., object],
    labels: Labels | None = None,
    **kept: object,
) -> Again:
    """Show a refusal on the page ``draw`` renders from a ``state`` (``CommonsState``,
    ``TaskState``): next to the form ``kept`` as typed, in the words of its ``labels``; with no
    form kept, at the top of the page."""

    def again(error: CommonworkError) -> Response:
        said = _said(error, labels)
        page_state = state(**kept, form_error=said) if kept else state(error=said)
        return draw(page_state, status=error.status)

    return again


def page_again(
    request: Request, template: str, *, labels: Labels | None = None, **context: Any
) -> Again:
    """The page ``template`` again with ``context`` (what was typed) and the refusal as its
    ``error``, in the words of the form's ``labels``."""

    def again(error: CommonworkError) -> Response:
        shown = {**context, "error": _said(error, labels)}
        return render(request, template, shown, status=error.status)

    return again


def form_reader(build: Callable[..., T], fields: Mapping[str, tuple[Any, Any]]) -> Callable[..., T]:
    """A FastAPI dependency that reads ``fields`` (name: (type, default)) from the posted form
    and builds what the handler takes from them: the fields are declared once, where ``build``
    is."""

    def read(**posted: Any) -> T:
        return build(**posted)

    read.__dict__["__signature__"] = inspect.Signature(
        [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[kind, Form()],
            )
            for name, (kind, default) in fields.items()
        ]
    )
    return read


def posted(build: Callable[..., T], **defaults: Any) -> Callable[..., T]:
    """``form_reader`` of a form dataclass or a function of the form's fields: each of its
    parameters is a form field of its type, with its default unless ``defaults`` names
    another."""
    hints = typing.get_type_hints(build)
    parameters = inspect.signature(build).parameters.values()
    fields = {
        item.name: (hints[item.name], defaults.get(item.name, item.default)) for item in parameters
    }
    return form_reader(build, fields)


def _policy_form(preset: str, prefill: str, **numbers: str) -> PolicyForm:
    return PolicyForm(preset, prefill, numbers)


_POLICY_FORM = {
    "preset": (str, DEFAULT_PRESET),
    "prefill": (str, DEFAULT_PRESET),
    **{item.name: (str, "") for item in POLICY_FIELDS},
}
PostedPolicies = Annotated[PolicyForm, Depends(form_reader(_policy_form, _POLICY_FORM))]
PostedCharter = Annotated[CharterForm, Depends(posted(CharterForm, licence=""))]
PostedContribution = Annotated[ContributionForm, Depends(posted(ContributionForm))]
PostedTask = Annotated[TaskForm, Depends(posted(TaskForm))]
PostedVerdict = Annotated[Fields, Depends(posted(verdict_body))]
