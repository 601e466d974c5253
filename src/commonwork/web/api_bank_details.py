"""Bank details stay node-local: where a person asks a commons to pay them, over HTTP.

``PUT``/``GET /api/v1/me/bank-details?commons=ID`` keep and read the signed-in person's own;
``GET /api/v1/commons/{id}/payees/{did}/bank-details`` is for the commons' treasurers, who pay
(403 for anyone else). Nothing here enters a journal (services/bank_details.py); no answer is
kept by the read cache (each needs a session).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from commonwork.services import bank_details
from commonwork.services.models import as_json
from commonwork.web.api import answer
from commonwork.web.auth import node_of, require_account
from commonwork.web.economy_board_schemas import BankDetailsIn, BankDetailsOut
from commonwork.web.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["account"])

CommonsQuery = Annotated[
    str, Query(pattern=r"^[0-9a-f]{64}$", description="The commons that pays you (its id).")
]
NODE_LOCAL = (
    "Kept on this node only, never in a journal (the books record a payment's reference, never "
    "where it went): only you and the commons' treasurers read them."
)


@router.put(
    "/me/bank-details",
    summary="Keep the bank details a commons pays you at (node-local)",
    description=(
        "Free text: an IBAN, the account's name… " + NODE_LOCAL + " An empty `details` forgets "
        "them. Writes to no journal."
    ),
    response_model=BankDetailsOut,
)
def put_bank_details(request: Request, commons: CommonsQuery, form: BankDetailsIn) -> Response:
    account = require_account(request)
    kept = bank_details.set_bank_details(
        node_of(request), did=account.did, commons_id=commons, details=form.details
    )
    return answer(as_json(kept))


@router.get(
    "/me/bank-details",
    summary="The bank details you keep for a commons (node-local)",
    description=NODE_LOCAL + " `details` is empty when you keep none.",
    response_model=BankDetailsOut,
)
def get_bank_details(request: Request, commons: CommonsQuery) -> Response:
    account = require_account(request)
    kept = bank_details.own_bank_details(node_of(request), did=account.did, commons_id=commons)
    return answer(as_json(kept))


@router.get(
    "/commons/{commons_id}/payees/{did}/bank-details",
    summary="Where the commons pays a person: their bank details, for a treasurer",
    description=(
        "For the commons' treasurers (the role by decision, not recalled; the founder while "
        "founder) and the person themselves: 403 for anyone else, 404 when they keep none. "
        + NODE_LOCAL
    ),
    response_model=BankDetailsOut,
    tags=["books"],
)
def get_payee_bank_details(
    request: Request,
    commons_id: str,
    did: Annotated[str, Path(max_length=100, description="The payee's did.")],
) -> Response:
    account = require_account(request)
    kept = bank_details.payee_bank_details(
        node_of(request), commons_id=commons_id, reader=account.did, payee=did
    )
    return answer(as_json(kept))
