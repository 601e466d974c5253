"""The contributor's own pages actions on a contribution that is not accepted: withdraw it, or
correct its quantity or description.

Only the member who recorded a contribution may do either, and only while it is pending or held
for arbitration (the rules refuse anything else, with the reason). Like the other pages, each
form carries the session's ``csrf`` token; a success goes back (303) to the page the form was on,
a refusal shows the commons page again with the reason and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from commonwork.services.catalog import CORRECT, WITHDRAW
from commonwork.web.page_acting import act_on_page, posted
from commonwork.web.page_forms import (
    CORRECTION_LABELS,
    Fields,
    FormText,
    Labels,
    correction_fields,
    safe_next,
    withdrawal_fields,
)
from commonwork.web.pages import NextField, commons_again

router = APIRouter(include_in_schema=False)


def _back(commons_id: str, contribution_id: str, next_: str) -> str:
    """To the page the form was on (the commons page unless it was another local page), at the
    contribution."""
    page = safe_next(next_, default=f"/commons/{commons_id}").split("#")[0]
    return f"{page}#c-{contribution_id}"


def _on_own(
    action_type: str, fields: Callable[..., Fields], labels: Labels
) -> Callable[..., Response]:
    """Withdraw or correct one's own contribution with the ``fields`` of the form (a refusal in
    the words of its ``labels``), then go back to the page the form was on."""

    def on_own(
        request: Request,
        commons_id: str,
        contribution_id: str,
        next_: NextField = "",
        csrf: FormText = "",
        form: Fields = Depends(posted(fields)),  # noqa: B008 (FastAPI's way to read a form)
    ) -> Response:
        action = (commons_id, action_type, {"contribution": contribution_id, **form})
        back = _back(commons_id, contribution_id, next_)
        return act_on_page(request, csrf, action, back, commons_again(request, commons_id, labels))

    return on_own


_ON_OWN = (  # (route name, the path after the contribution's, action type, form fields, labels)
    ("withdraw", "withdrawal", WITHDRAW, withdrawal_fields, {"reason": "Why withdraw it"}),
    ("correct", "corrections", CORRECT, correction_fields, CORRECTION_LABELS),
)


def _add_on_own() -> None:
    for name, what, action_type, fields, labels in _ON_OWN:
        path = f"/commons/{{commons_id}}/contributions/{{contribution_id}}/{what}"
        route = _on_own(action_type, fields, labels)
        router.add_api_route(path, route, methods=["POST"], name=name)


_add_on_own()
