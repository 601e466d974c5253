"""The API's reads of a commons' bounty board, benefit-sharing agreements and mutual-credit
circles, and a person's reminders.

The writes are the economy's action types, signed like every other through ``…/actions`` or
``…/act/{type}``: ``economy.bounty.offer`` (the treasurer, within the charter's monthly budget;
beyond it, a decision with the effect ``bounty``), ``economy.agreement.sign``, ``…report`` and
``…end`` (an organisation's key or representatives), ``economy.credit.join``, ``…leave``,
``…pay``, ``…bill`` and ``…answer`` (the members of a circle). Everything here but the reminders
is public and kept by the read cache; every read is by index, a page at a time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from commonwork.services import agreements_read, books_models, bounties_read, credit_read, inbox
from commonwork.services.models import as_json
from commonwork.web.api import answer
from commonwork.web.auth import node_of, require_account
from commonwork.web.economy_board_schemas import (
    AgreementDetailOut,
    AgreementPageOut,
    BountyOut,
    BountyPageOut,
    CircleOut,
    RemindersOut,
)
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["books"])

Limit = Annotated[
    int,
    Query(ge=1, le=books_models.MAX_LIMIT, description="How many items at most (1 to 500)."),
]
After = Annotated[
    str | None,
    Query(max_length=300, description="The `next_after` of the page before (leave out at first)."),
]
TaskId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The task's id.")]
AgreementId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="The agreement's id (its signing entry).")
]
CurrencyCode = Annotated[
    str, Path(pattern=r"^[A-Z][A-Z0-9]{2,11}$", description="The circle's community currency.")
]
BountyStatus = Annotated[
    str | None,
    Query(pattern="^(open|paid|refunded)$", description="Only the bounties in this state."),
]


@router.get(
    "/commons/{commons_id}/bounties",
    summary="The bounty board: bounties open first, then those paid or refunded",
    description=(
        "Each task's bounty with its amount, expiry, the work noted for it (accepted work on "
        "the task, paid once its dispute window passed, split by value points), the day it "
        "falls due, and the transactions that escrowed and paid or refunded it. Open ones "
        "first, newest offer first; page with `after`."
    ),
    response_model=BountyPageOut,
)
@cacheable()
def get_bounties(
    request: Request,
    commons_id: str,
    status: BountyStatus = None,
    after: After = None,
    limit: Limit = 50,
) -> Response:
    page = bounties_read.list_bounties(
        node_of(request), commons_id, status=status, after=after, limit=limit
    )
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/bounties/{task_id}",
    summary="One task's bounty, with its work and transactions",
    response_model=BountyOut,
)
@cacheable()
def get_bounty(request: Request, commons_id: str, task_id: TaskId) -> Response:
    return answer(as_json(bounties_read.bounty_detail(node_of(request), commons_id, task_id)))


@router.get(
    "/commons/{commons_id}/agreements",
    summary="Benefit-sharing agreements: owed, paid, in arrears, the next report expected",
    description=(
        "Each agreement an organisation signed, by organisation: its terms, what its reports "
        "made owed, what was paid under it and the arrears (owed - paid), and the period whose "
        "report is expected next with the day it is due from (`due`: that day has come). "
        "`org` lists one organisation's; page with `after`."
    ),
    response_model=AgreementPageOut,
)
@cacheable()
def get_agreements(
    request: Request,
    commons_id: str,
    org: Annotated[
        str | None, Query(max_length=100, description="Only this organisation's (a did).")
    ] = None,
    after: After = None,
    limit: Limit = 50,
) -> Response:
    page = agreements_read.list_agreements(
        node_of(request), commons_id, org=org, after=after, limit=limit
    )
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/agreements/{agreement_id}",
    summary="One benefit-sharing agreement with its reports, newest period first",
    description=(
        "The agreement's figures (as in the list) and the periods reported, each with what it "
        "made owed; `before` pages to older periods. `receivable` is what the organisation owes "
        "the commons now, all its agreements together."
    ),
    response_model=AgreementDetailOut,
)
@cacheable()
def get_agreement(
    request: Request,
    commons_id: str,
    agreement_id: AgreementId,
    before: Annotated[
        str | None,
        Query(max_length=7, description="Only the periods before this (a `next_before`)."),
    ] = None,
    limit: Limit = 50,
) -> Response:
    detail = agreements_read.agreement_detail(
        node_of(request), commons_id, agreement_id, before=before, limit=limit
    )
    return answer(as_json(detail))


@router.get(
    "/commons/{commons_id}/credit/{currency}",
    summary="A mutual-credit circle: its policy, members, balances and limits, its sum (zero)",
    description=(
        "The circle of a community currency: the policy decided for it, a page of its members "
        "by did (`after`) with their balance, the limit in force now (the base plus the amount "
        "per point of settled standing) and what they may still pay, and the sum of every "
        "account of the circle, which is zero."
    ),
    response_model=CircleOut,
)
@cacheable()
def get_circle(
    request: Request,
    commons_id: str,
    currency: CurrencyCode,
    after: Annotated[
        str | None, Query(max_length=100, description="Members after this did.")
    ] = None,
    limit: Limit = 50,
) -> Response:
    found = credit_read.circle(node_of(request), commons_id, currency, after=after, limit=limit)
    return answer(as_json(found))


@router.get(
    "/me/reminders",
    summary="What money asks of you: reports due and agreements in arrears",
    description=(
        "Across the commons on this node, for the signed-in account's key: the benefit-sharing "
        "reports due of the organisations you act for (the period ended: `due_from` says since "
        "when) and their agreements in arrears; and, in the commons you are a treasurer of, "
        "every agreement in arrears. Read from the books as they stand (nothing recorded); at "
        "most 60."
    ),
    response_model=RemindersOut,
    tags=["account"],
)
def get_reminders(request: Request) -> Response:
    account = require_account(request)
    return answer(as_json(inbox.reminders_for(node_of(request), account.did)))
