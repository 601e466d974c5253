"""The arbitration pages: a commons' queue of cases, one case with its panel, disputes, rulings
and verdict, and the forms that rule on it (a member of its panel) and appeal it (any member).

Anyone may read every case and every ruling (each is a public signed entry). A panel member
rules, and a member appeals, through the same generic door as the API and the command line
(``act_on_page``): the rules decide, a refusal shows the case again with the rule's words. An
appeal is a proposal with the effect ``arbitrate``: the charter's ``governance.arbitration``
rule decides how the members vote on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from commonwork.errors import CommonworkError
from commonwork.services import arbitration_read, governance_read, queries
from commonwork.services.acting import Appended
from commonwork.services.arbitration_read import CASE_RULE, WAITING, CaseDetail, CaseRow
from commonwork.services.catalog import PROPOSAL_MAKE
from commonwork.services.models import JsonObject
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import act_on_page
from commonwork.web.page_forms import form_message, see_other
from commonwork.web.page_views import active_member_of, open_task_count, render
from commonwork.web.schemas import PageNumber

router = APIRouter(include_in_schema=False)

#: Cases waiting for a verdict shown at most (the oldest deadlines come first to the eye).
WAITING_SHOWN = 100
DECIDED_PER_PAGE = 20
DECIDED = ("decided", "appealed")
#: What each verdict reads as on a form.
VERDICT_CHOICES = (
    ("accept", "Accept the work as claimed"),
    ("reject", "Reject it: it is not what was claimed"),
    ("adjust", "Accept it at another quantity"),
)
#: …on a case about a derivation the licence table could not decide.
DERIVATION_CHOICES = (
    ("accept", "Allow the derivation: the source's licence permits it"),
    ("reject", "Refuse it: the source's licence does not permit it"),
)
#: The forms' fields, as their refusals name them.
RULE_LABELS = {"verdict": "Verdict", "quantity": "Quantity", "reason": "Reason"}
APPEAL_LABELS = {
    "title": "Title",
    "text": "Why the members should decide it",
    "effect.verdict": "Verdict",
    "effect.quantity": "Quantity",
    "effect": "Verdict",
}


def _base(commons_id: str) -> str:
    return f"/commons/{commons_id}"


@router.get("/commons/{commons_id}/cases")
def cases_page(request: Request, commons_id: str, page: PageNumber = 1) -> Response:
    node = node_of(request)
    account = current_account(request)
    listed = arbitration_read.list_cases(
        node,
        commons_id,
        status=DECIDED,
        limit=DECIDED_PER_PAGE + 1,  # one more: whether there is an older page
        offset=(page - 1) * DECIDED_PER_PAGE,
    )
    waiting = arbitration_read.list_cases(node, commons_id, status=WAITING, limit=WAITING_SHOWN)
    decided = listed[:DECIDED_PER_PAGE]
    subjects = [case.subject for case in (*waiting, *decided)]
    context = {
        "commons": queries.commons_detail(node, commons_id),
        "waiting": waiting,
        "decided": decided,
        "hidden": governance_read.hidden_among(node, commons_id, subjects),
        "page": page,
        "more": len(listed) > DECIDED_PER_PAGE,
        "is_member": active_member_of(node, commons_id, account),
        "open_tasks": open_task_count(node, commons_id),
    }
    return render(request, "cases.html", context)


def render_case(
    request: Request, commons_id: str, case_id: str, *, status: int = 200, **extra: object
) -> Response:
    node = node_of(request)
    account = current_account(request)
    detail = arbitration_read.case_detail(node, commons_id, case_id)
    case = detail.case
    is_member = active_member_of(node, commons_id, account)
    panel = {seat.member for seat in case.panel}
    on_panel = account is not None and account.did in panel
    mine = None
    if account is not None:
        mine = next((ruling for ruling in detail.rulings if ruling.member == account.did), None)
    hidden = governance_read.hidden_among(node, commons_id, [case.subject])
    context: dict[str, object] = {
        "commons": queries.commons_detail(node, commons_id),
        "detail": detail,
        "c": case,
        "is_member": is_member,
        "on_panel": on_panel,
        "can_rule": is_member and on_panel and case.status == "open",
        "can_appeal": is_member and detail.appealable,
        "mine": mine,
        "hidden": hidden.get(case.subject),
        "choices": [choice for choice in _choices(case) if choice[0] in detail.verdicts],
        "open_tasks": open_task_count(node, commons_id),
        "appeal_title": _appeal_title(detail),
        "form": {},
        "form_of": "",
    }
    context.update(extra)
    return render(request, "case.html", context, status=status)


def _choices(case: CaseRow) -> tuple[tuple[str, str], ...]:
    return DERIVATION_CHOICES if case.derivation is not None else VERDICT_CHOICES


def _appeal_title(detail: CaseDetail) -> str:
    work, derivation = detail.case.work, detail.case.derivation
    if work is not None:
        what = work.description
    elif derivation is not None:
        what = f"{derivation.derived_title} from {derivation.source_title}"
    else:
        what = detail.case.subject
    what = what if len(what) <= 80 else what[:79] + "…"
    return f"Arbitration by all the members: {what}"


@router.get("/commons/{commons_id}/cases/{case_id}")
def case_page(request: Request, commons_id: str, case_id: str) -> Response:
    return render_case(request, commons_id, case_id)


def _verdict(form: Mapping[str, str]) -> JsonObject:
    """A verdict from a form: the quantity counts only for an adjustment."""
    verdict: JsonObject = {"verdict": form.get("verdict", "")}
    if form.get("verdict") == "adjust":
        verdict["quantity"] = form.get("quantity", "")
    return verdict


def rule_body(case_id: str, form: Mapping[str, str]) -> JsonObject:
    """The body of a ruling, from the panel's form."""
    return {"case": case_id, **_verdict(form), "reason": form.get("reason", "")}


def appeal_body(case_id: str, form: Mapping[str, str]) -> JsonObject:
    """The proposal an appeal makes: the charter's arbitration rule decides how it is voted on,
    so it names no method."""
    return {
        "title": form.get("title", ""),
        "text": form.get("text", ""),
        "effect": {"kind": "arbitrate", "case": case_id, **_verdict(form)},
    }


async def _act(
    request: Request,
    where: tuple[str, str, str],
    build: Callable[[str, Mapping[str, str]], JsonObject],
    back: str | Callable[[Appended], Response],
    labels: dict[str, str],
) -> Response:
    """Sign the action a case's form makes (``where``: commons, case, action type); a refusal
    shows the case again, with the form as typed and the rule's words."""
    commons_id, case_id, action_type = where
    posted = await request.form()
    typed = {name: value.strip() for name, value in posted.items() if isinstance(value, str)}
    csrf = typed.pop("csrf", "")
    form_of = "appeal" if action_type == PROPOSAL_MAKE else "rule"

    def again(error: CommonworkError) -> Response:
        said = form_message(error, labels)
        return render_case(
            request,
            commons_id,
            case_id,
            status=error.status,
            error=said,
            form=typed,
            form_of=form_of,
        )

    body = build(case_id, typed)
    action = (commons_id, action_type, body)
    return await run_in_threadpool(act_on_page, request, csrf, action, back, again)


@router.post("/commons/{commons_id}/cases/{case_id}/rule")
async def rule(request: Request, commons_id: str, case_id: str) -> Response:
    page = f"{_base(commons_id)}/cases/{case_id}"
    where = (commons_id, case_id, CASE_RULE)
    return await _act(request, where, rule_body, f"{page}#rulings", RULE_LABELS)


@router.post("/commons/{commons_id}/cases/{case_id}/appeal")
async def appeal(request: Request, commons_id: str, case_id: str) -> Response:
    def to_proposal(appended: Appended) -> Response:
        return see_other(f"{_base(commons_id)}/proposals/{appended.entry.id}")

    where = (commons_id, case_id, PROPOSAL_MAKE)
    return await _act(request, where, appeal_body, to_proposal, APPEAL_LABELS)
