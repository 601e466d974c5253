"""Standing and value points over HTTP: everyone's figures with the distribution, one member's
with "why this number", and the preview of a candidate value policy (which writes nothing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from commonwork.services import standing_read, standing_views
from commonwork.services.models import as_json
from commonwork.services.settled import HEAVY_WAIT
from commonwork.web.auth import node_of
from commonwork.web.limits import limit_client
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import COMPUTING_RESPONSES, PROBLEM_RESPONSES, PreviewRequest

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["standing"])

AsOf = Annotated[
    str | None,
    Query(
        description="Journal time to compute as of, e.g. 2026-11-21T10:00:00.000Z (default: now)."
    ),
]


@router.get(
    "/commons/{commons_id}/standing",
    summary="Every member's standing, value points and privileges; Gini and Lorenz curve",
    description=(
        "Computed from the journal under the charter's policies, as of `as_of`: standing "
        "(decaying, never transferable), lifetime and this month's value points, the privileges "
        "standing unlocks, the distribution of value points (Gini coefficient, Lorenz curve) and "
        "a digest of the figures that a rebuild leaves unchanged. Members come highest standing "
        "first, `limit` of them from `offset` (`total_members` says how many there are); the "
        "distribution and the digest cover all of them. 404 when the charter sets no policy. "
        "As of a day already settled the table is read from the standing history: a heavy "
        "read, made by a job outside the request (202 `computing` with `Retry-After` until it "
        "is ready); any `as_of` counts against the client's `expensive` limit (429)."
    ),
    responses=COMPUTING_RESPONSES,
)
@cacheable(unless=("as_of",))
def get_standing(
    request: Request,
    commons_id: str,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Members at most.")] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Members to skip.")] = 0,
) -> dict[str, Any]:
    if as_of is not None:
        limit_client(request, "expensive")
    table = standing_read.standing_table(
        node_of(request), commons_id, as_of=as_of, limit=limit, offset=offset, wait=HEAVY_WAIT
    )
    return as_json(table)


@router.get(
    "/commons/{commons_id}/members/{member}/standing",
    summary="One member's standing and value points, and why (each term linked to its entry)",
    description=(
        "`why` lists the founder's seed and every accepted contribution behind the standing, "
        "each with its journal entry, the approvals that accepted it (their entries and "
        "weights), its points and the decay applied; the terms sum to `standing`. `series` is "
        "standing over time, for a chart."
    ),
)
@cacheable(unless=("as_of",))
def get_member_standing(
    request: Request, commons_id: str, member: str, as_of: AsOf = None
) -> dict[str, Any]:
    return as_json(standing_read.member_standing(node_of(request), commons_id, member, as_of=as_of))


@router.post(
    "/commons/{commons_id}/value-policy/preview",
    summary="Preview a candidate value policy: everyone's value points and share, live and new",
    description=(
        "Runs the engine with the candidate value policy in place of the charter's and returns "
        "each member's live and candidate value points, shares and standing. Nothing is written "
        "and the live figures stay as they are. A policy with an unknown kind, a float or a "
        "negative weight is refused with 422. A heavy read, made by a job outside the request "
        "and kept by (head, as-of, candidate): 202 `computing` with `Retry-After` until it is "
        "ready. Counts against the client's `expensive` limit (429)."
    ),
    responses=COMPUTING_RESPONSES,
)
def preview(request: Request, commons_id: str, form: PreviewRequest) -> dict[str, Any]:
    limit_client(request, "expensive")
    preview = standing_views.preview_value_policy(
        node_of(request), commons_id, form.value_policy, as_of=form.as_of, wait=HEAVY_WAIT
    )
    return as_json(preview)
