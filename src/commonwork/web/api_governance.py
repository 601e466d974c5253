"""The API's reads of a commons' proposals (the writes are the governance action types, through
``…/actions`` and ``…/act/{type}``). Not kept by the read cache: a proposal's ``phase`` reads
the clock (``closing`` once its deadline passed, before the fold records its close)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from commonwork.services import governance_read
from commonwork.services.models import as_json
from commonwork.web.api import Limit, Offset, answer
from commonwork.web.auth import node_of
from commonwork.web.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["governance"])

ProposalStatus = Annotated[
    str | None,
    Query(
        description="Only proposals of this recorded status: "
        + ", ".join(governance_read.STATUSES),
        pattern="^(" + "|".join(governance_read.STATUSES) + ")$",
    ),
]


@router.get(
    "/commons/{commons_id}/proposals",
    summary="Proposals of a commons, newest first, each with its phase as of now",
)
def get_proposals(
    request: Request,
    commons_id: str,
    limit: Limit = 50,
    offset: Offset = 0,
    status: ProposalStatus = None,
) -> Response:
    listed = governance_read.list_proposals(
        node_of(request), commons_id, status=status, limit=limit, offset=offset
    )
    return answer({"items": [as_json(item) for item in listed], "limit": limit, "offset": offset})


@router.get(
    "/commons/{commons_id}/proposals/{proposal_id}",
    summary="One proposal: text, method and parameters, options, effect, stances and outcome",
    description=(
        "`outcome` is the tally the fold recorded at the close. While voting (when the charter "
        "shows tallies live) and after the deadline until the next entry records the close "
        "(`phase: closing`), `provisional` is the outcome as the fold will record it, from the "
        "same stances. `stances` lists the current version's, newest first (at most 200)."
    ),
)
def get_proposal(request: Request, commons_id: str, proposal_id: str) -> Response:
    return answer(
        as_json(governance_read.proposal_detail(node_of(request), commons_id, proposal_id))
    )
