"""The governance pages: a commons' proposals, one proposal with its live state, and the forms
that propose, take a stance, amend, withdraw, escalate and mark a close.

Anyone may read every proposal and every stance (each is a public signed entry: there are no
secret ballots). A member proposes and takes stances through the same generic door as the API
and the command line (``act_on_page``): the rules decide, a refusal shows the page again with
the rule's words. The stance form is the method's own: a yes/no vote, consent / concern /
objection with a reason, a ranking, approvals, scores or a budget.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from commonwork.errors import BadInput, CommonworkError
from commonwork.services import governance_read, queries
from commonwork.services.catalog import (
    PROPOSAL_AMEND,
    PROPOSAL_CLOSE,
    PROPOSAL_ESCALATE,
    PROPOSAL_MAKE,
    PROPOSAL_SECOND,
    PROPOSAL_WITHDRAW,
    STANCE_TAKE,
)
from commonwork.services.governance_read import ProposalDetail
from commonwork.services.models import JsonObject, JsonValue
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import act_on_page, at_new
from commonwork.web.page_forms import see_other
from commonwork.web.page_views import active_member_of, open_task_count, render

router = APIRouter(include_in_schema=False)

METHODS = (
    ("consent", "Consent: passes unless a member objects, with a reason"),
    ("lazy_consensus", "Lazy consensus: passes at the end unless someone objects"),
    ("majority", "Majority vote"),
    ("supermajority", "Supermajority vote (2/3, quorum 1/2)"),
    ("schulze", "Ranked choice (Schulze)"),
    ("approval", "Approval: approve any number of options"),
    ("score", "Score each option (0 to 5)"),
    ("budget", "Budget: share 100 units among the options"),
)
CHOICE_METHODS = ("schulze", "approval", "score", "budget")


def _base(commons_id: str) -> str:
    return f"/commons/{commons_id}"


def _list_context(request: Request, commons_id: str) -> dict[str, Any]:
    node = node_of(request)
    account = current_account(request)
    return {
        "commons": queries.commons_detail(node, commons_id),
        "proposals": governance_read.list_proposals(node, commons_id, limit=100),
        "is_member": active_member_of(node, commons_id, account),
        "open_tasks": open_task_count(node, commons_id),
        "methods": METHODS,
        "form": {},
    }


def render_list(request: Request, commons_id: str, *, status: int = 200, **extra: Any) -> Response:
    context = _list_context(request, commons_id)
    context.update(extra)
    return render(request, "proposals.html", context, status=status)


def _changes_shown(detail: ProposalDetail, charter: JsonObject | None) -> list[dict[str, Any]]:
    """A charter amendment as a readable diff: each field it sets, as it reads now and after."""
    effect = detail.effect
    changes = effect.get("changes")
    if effect.get("kind") != "amend_charter" or not isinstance(changes, dict):
        return []
    now = charter or {}
    return [
        {"field": name, "before": _pretty(now.get(name)), "after": _pretty(value)}
        for name, value in sorted(changes.items())
    ]


def _pretty(value: JsonValue) -> str:
    if value is None:
        return "(the default)"
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def render_proposal(
    request: Request, commons_id: str, proposal_id: str, *, status: int = 200, **extra: Any
) -> Response:
    node = node_of(request)
    account = current_account(request)
    detail = governance_read.proposal_detail(node, commons_id, proposal_id)
    commons = queries.commons_detail(node, commons_id)
    proposal = detail.proposal
    mine = None
    if account is not None:
        mine = next((s for s in detail.stances if s.member == account.did), None)
    shown_tally = detail.outcome or (
        detail.provisional if (detail.tallies == "live" or proposal.phase == "closing") else None
    )
    context = {
        "commons": commons,
        "detail": detail,
        "p": proposal,
        "is_member": active_member_of(node, commons_id, account),
        "is_proposer": account is not None and account.did == proposal.proposer,
        "mine": mine,
        "tally": shown_tally,
        "recorded": detail.outcome is not None,
        "changes": _changes_shown(detail, commons.charter),
        "open_tasks": open_task_count(node, commons_id),
        "choice": proposal.method in CHOICE_METHODS,
        "form": {},
    }
    context.update(extra)
    return render(request, "proposal.html", context, status=status)


@router.get("/commons/{commons_id}/proposals")
def proposals_page(request: Request, commons_id: str) -> Response:
    return render_list(request, commons_id)


@router.get("/commons/{commons_id}/proposals/{proposal_id}")
def proposal_page(request: Request, commons_id: str, proposal_id: str) -> Response:
    return render_proposal(request, commons_id, proposal_id)


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _options(text: str) -> list[dict[str, JsonValue]] | None:
    """``id: label`` per line (or just a label: its id is made from it)."""
    found: list[dict[str, JsonValue]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        ident, _, label = line.partition(":")
        if not label:
            label, ident = ident, "_".join(ident.lower().split())[:40]
        found.append({"id": ident.strip(), "label": label.strip()})
    return found or None


def _hours(text: str, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise BadInput(f"{name} is a whole number of hours, e.g. 24")
    return int(text)


def proposal_body(form: Any) -> JsonObject:
    """The action's body from the propose form (the rules check the rest)."""
    method = _text(form, "method")
    body: JsonObject = {
        "title": _text(form, "title"),
        "text": _text(form, "text"),
        "method": method,
    }
    if method in CHOICE_METHODS:
        options = _options(_text(form, "options"))
        if options is not None:
            body["options"] = [dict(option) for option in options]
    changes = _text(form, "changes")
    if _text(form, "effect") in ("amend_charter", "grant_role", "recall_role"):
        del body["method"]  # the charter's meta-rule decides how an amendment or a role is decided
    if _text(form, "effect") == "amend_charter":
        try:
            parsed = orjson.loads(changes or "{}")
        except orjson.JSONDecodeError as exc:
            raise BadInput(
                'the charter changes are JSON: the fields you change, e.g. {"purpose": "…"}'
            ) from exc
        body["effect"] = {"kind": "amend_charter", "changes": parsed}
    effect = _text(form, "effect")
    if effect in ("grant_role", "recall_role"):
        body["effect"] = {
            "kind": effect,
            "member": _text(form, "role_member"),
            "role": _text(form, "role"),
        }
    for name, label in (("discussion_hours", "Discussion"), ("voting_hours", "Voting")):
        hours = _hours(_text(form, name), label)
        if hours is not None:
            body[name] = hours
    return body


def ballot_of(method: str, form: Any, options: list[str]) -> JsonValue:
    """The ballot the method reads, from its stance form."""
    if method in ("consent", "lazy_consensus"):
        return {"position": _text(form, "position")}
    if method in ("majority", "supermajority"):
        return _text(form, "vote")
    if method == "schulze":
        return [part.strip() for part in _text(form, "ranking").split(",") if part.strip()]
    if method == "approval":
        return [value for value in form.getlist("approve") if isinstance(value, str)]
    numbers: dict[str, JsonValue] = {}
    for option in options:
        raw = _text(form, f"{method}_{option}")
        if raw:
            if not raw.lstrip("-").isdigit():
                raise BadInput(f"{option}: a whole number, please")
            numbers[option] = int(raw)
    return numbers


async def _act(
    request: Request,
    commons_id: str,
    action_type: str,
    build: Any,
    back: Any,
    again: Any,
) -> Response:
    form = await request.form()
    csrf = _text(form, "csrf")
    try:
        body = build(form)
    except CommonworkError as exc:
        shown: Response = again(exc, form)
        return shown
    return await run_in_threadpool(
        act_on_page, request, csrf, (commons_id, action_type, body), back, partial(again, form=form)
    )


@router.post("/commons/{commons_id}/proposals")
async def propose(request: Request, commons_id: str) -> Response:
    def again(error: CommonworkError, form: Any) -> Response:
        typed = {name: _text(form, name) for name in form}
        return render_list(request, commons_id, status=error.status, error=error.detail, form=typed)

    def to_proposal(appended: Any) -> Response:
        return see_other(f"{_base(commons_id)}/proposals/{appended.entry.id}")

    return await _act(request, commons_id, PROPOSAL_MAKE, proposal_body, to_proposal, again)


def _on_proposal(request: Request, commons_id: str, proposal_id: str) -> Any:
    def again(error: CommonworkError, form: Any) -> Response:
        typed = {name: _text(form, name) for name in form}
        return render_proposal(
            request, commons_id, proposal_id, status=error.status, error=error.detail, form=typed
        )

    return again


@router.post("/commons/{commons_id}/proposals/{proposal_id}/stance")
async def take_stance(request: Request, commons_id: str, proposal_id: str) -> Response:
    node = node_of(request)
    detail = await run_in_threadpool(governance_read.proposal_detail, node, commons_id, proposal_id)
    options = [str(option.get("id")) for option in detail.options]

    def build(form: Any) -> JsonObject:
        version = _text(form, "version")
        return {
            "proposal": proposal_id,
            "version": int(version) if version.isdigit() else 0,
            "ballot": ballot_of(detail.proposal.method, form, options),
            "reason": _text(form, "reason"),
        }

    page = f"{_base(commons_id)}/proposals/{proposal_id}"
    again = _on_proposal(request, commons_id, proposal_id)
    return await _act(request, commons_id, STANCE_TAKE, build, at_new(page, "s"), again)


@router.post("/commons/{commons_id}/proposals/{proposal_id}/amend")
async def amend(request: Request, commons_id: str, proposal_id: str) -> Response:
    def build(form: Any) -> JsonObject:
        body: JsonObject = {"proposal": proposal_id}
        for name in ("title", "text"):
            if _text(form, name):
                body[name] = _text(form, name)
        if _text(form, "changes"):
            try:
                body["effect"] = {
                    "kind": "amend_charter",
                    "changes": orjson.loads(_text(form, "changes")),
                }
            except orjson.JSONDecodeError as exc:
                raise BadInput('the charter changes are JSON, e.g. {"purpose": "…"}') from exc
        return body

    page = f"{_base(commons_id)}/proposals/{proposal_id}"
    again = _on_proposal(request, commons_id, proposal_id)
    return await _act(request, commons_id, PROPOSAL_AMEND, build, page, again)


def _plain(verb: str, action_type: str) -> Any:
    async def act(request: Request, commons_id: str, proposal_id: str) -> Response:
        page = f"{_base(commons_id)}/proposals/{proposal_id}"
        again = _on_proposal(request, commons_id, proposal_id)
        return await _act(
            request, commons_id, action_type, lambda form: {"proposal": proposal_id}, page, again
        )

    act.__name__ = f"proposal_{verb}"
    return act


for _verb, _type in (
    ("withdraw", PROPOSAL_WITHDRAW),
    ("escalate", PROPOSAL_ESCALATE),
    ("close", PROPOSAL_CLOSE),
    ("second", PROPOSAL_SECOND),
):
    router.add_api_route(
        f"/commons/{{commons_id}}/proposals/{{proposal_id}}/{_verb}",
        _plain(_verb, _type),
        methods=["POST"],
        name=f"proposal_{_verb}",
    )
