"""The pages of a commons' bounty board, its benefit-sharing agreements (the list and one with
its reports) and a mutual-credit circle (its members, balances, limits and policy).

Anyone may read them (holoptism); each is read by index, a page at a time. There are no forms:
the treasurer offers bounties, organisations sign and report agreements, and members pay and
bill each other in a circle with signed actions through the API or the command line
(docs/economy.md); the inbox links an agreement's page for its reports and reminders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from commonwork.services import agreements_read, bounties_read, credit_read
from commonwork.web.auth import node_of
from commonwork.web.page_views import render
from commonwork.web.pages_economy import common_context

router = APIRouter(include_in_schema=False)

BOUNTIES_PER_PAGE = 25
AGREEMENTS_PER_PAGE = 50
REPORTS_PER_PAGE = 24
MEMBERS_PER_PAGE = 100
After = Annotated[str | None, Query(max_length=300)]
Hex = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Code = Annotated[str, Path(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]


@router.get("/commons/{commons_id}/bounties")
def bounties_page(
    request: Request,
    commons_id: str,
    status: Annotated[str | None, Query(pattern="^(open|paid|refunded)$")] = None,
    after: After = None,
) -> Response:
    page = bounties_read.list_bounties(
        node_of(request), commons_id, status=status, after=after, limit=BOUNTIES_PER_PAGE
    )
    context = common_context(request, commons_id)
    context.update(page=page, status=status, after=after)
    return render(request, "bounties.html", context)


@router.get("/commons/{commons_id}/agreements")
def agreements_page(request: Request, commons_id: str, after: After = None) -> Response:
    page = agreements_read.list_agreements(
        node_of(request), commons_id, after=after, limit=AGREEMENTS_PER_PAGE
    )
    context = common_context(request, commons_id)
    context.update(page=page, after=after)
    return render(request, "agreements.html", context)


@router.get("/commons/{commons_id}/agreements/{agreement_id}")
def agreement_page(
    request: Request,
    commons_id: str,
    agreement_id: Hex,
    before: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    detail = agreements_read.agreement_detail(
        node_of(request), commons_id, agreement_id, before=before, limit=REPORTS_PER_PAGE
    )
    context = common_context(request, commons_id)
    context.update(detail=detail, a=detail.agreement, before=before)
    return render(request, "agreement.html", context)


@router.get("/commons/{commons_id}/credit/{currency}")
def circle_page(
    request: Request,
    commons_id: str,
    currency: Code,
    after: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    found = credit_read.circle(
        node_of(request), commons_id, currency, after=after, limit=MEMBERS_PER_PAGE
    )
    context = common_context(request, commons_id)
    context.update(circle=found, after=after)
    return render(request, "circle.html", context)
