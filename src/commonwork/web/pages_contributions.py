"""The contributor's own pages actions on a contribution that is not accepted: withdraw it, or
correct its quantity or description.

Only the member who recorded a contribution may do either, and only while it is pending or held
for arbitration (the rules refuse anything else, with the reason). Like the other pages, each
form carries the session's ``csrf`` token; a success goes back (303) to the page the form was on,
a refusal shows the commons page again with the reason and writes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import acting
from commonwork.web.auth import node_of
from commonwork.web.page_forms import FormText, form_message, safe_next, see_other
from commonwork.web.page_views import CommonsState, acting_as
from commonwork.web.pages import NextField, render_commons

router = APIRouter(include_in_schema=False)
CORRECTION_LABELS = {
    "quantity": "Corrected quantity",
    "description": "Corrected description",
    "reason": "Why correct it",
    "contribution": "Contribution",
}


def _back(commons_id: str, contribution_id: str, next_: str) -> Response:
    """To the page the form was on (the commons page unless it was another local page), at the
    contribution."""
    page = safe_next(next_, default=f"/commons/{commons_id}").split("#")[0]
    return see_other(f"{page}#c-{contribution_id}")


@router.post("/commons/{commons_id}/contributions/{contribution_id}/withdrawal")
def withdraw(
    request: Request,
    commons_id: str,
    contribution_id: str,
    reason: FormText = "",
    next_: NextField = "",
    csrf: FormText = "",
) -> Response:
    _, keypair = acting_as(request, csrf)
    try:
        acting.withdraw_contribution(
            node_of(request),
            actor=keypair,
            commons_id=commons_id,
            contribution_id=contribution_id,
            reason=reason.strip(),
        )
    except CommonworkError as exc:
        state = CommonsState(error=form_message(exc, {"reason": "Why withdraw it"}))
        return render_commons(request, commons_id, state, status=exc.status)
    return _back(commons_id, contribution_id, next_)


@router.post("/commons/{commons_id}/contributions/{contribution_id}/corrections")
def correct(
    request: Request,
    commons_id: str,
    contribution_id: str,
    quantity: FormText = "",
    description: FormText = "",
    reason: FormText = "",
    next_: NextField = "",
    csrf: FormText = "",
) -> Response:
    """Correct the fields the person filled in; those left blank stay as they were."""
    _, keypair = acting_as(request, csrf)
    changes = {"quantity": quantity.strip() or None, "description": description.strip() or None}
    try:
        acting.correct_contribution(
            node_of(request),
            actor=keypair,
            commons_id=commons_id,
            contribution_id=contribution_id,
            reason=reason.strip(),
            changes=changes,
        )
    except CommonworkError as exc:
        state = CommonsState(error=form_message(exc, CORRECTION_LABELS))
        return render_commons(request, commons_id, state, status=exc.status)
    return _back(commons_id, contribution_id, next_)
