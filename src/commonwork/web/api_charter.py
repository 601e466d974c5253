"""The API's reads of a commons' charter over time: every version, and the diff between two.

Both are functions of the database alone (the projection's versions and the decisions that set
them), so anonymous answers are kept by the read cache until the database changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from commonwork.services import charter_history
from commonwork.services.models import as_json
from commonwork.web.api import Limit, Offset, answer
from commonwork.web.auth import node_of
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import MAX_SEQ, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["charter"])

VersionNumber = Annotated[int, Field(ge=0, description="0 is the genesis charter.")]


class CharterChange(BaseModel):
    path: str = Field(description="Where, e.g. `validation_policy.threshold` or `aims[1]`.")
    kind: Literal["added", "removed", "changed"]
    before: Any = Field(default=None, description="The value before (null when added).")
    after: Any = Field(default=None, description="The value after (null when removed).")


class CharterPassedBy(BaseModel):
    proposal_id: str = Field(description="The proposal (the id of the entry that made it).")
    title: str
    proposer: str
    closed_at: str | None = Field(description="When the fold closed it (journal time).")
    close_entry: int | None = Field(
        description="The seq of a `governance.proposal.close` entry, if one marked the close."
    )


class CharterVersionItem(BaseModel):
    version: VersionNumber
    seq: int = Field(description="The entry that set it: the founding (0) or the proposal's.")
    recorded_at: str = Field(description="When it was set (the proposal's close).")
    effective_on: str = Field(description="The first day (UTC) it governs.")
    status: Literal["in_force", "pending", "past", "replaced"]
    changes: list[CharterChange] = Field(description="Against the version before (none for 0).")
    charter: dict[str, Any] = Field(description="The whole charter of this version.")
    proposal: CharterPassedBy | None = Field(
        default=None, description="The decision that passed it (left out for the genesis)."
    )


class CharterVersionsPage(BaseModel):
    items: list[CharterVersionItem]
    total: int = Field(description="How many versions the charter has.")
    in_force: VersionNumber = Field(description="The version the rules read now.")
    limit: int
    offset: int


class CharterDiffAnswer(BaseModel):
    commons_id: str
    from_version: VersionNumber
    to_version: VersionNumber
    changes: list[CharterChange]
    unified: str = Field(description="A unified diff of the two charters, pretty-printed.")


FromVersion = Annotated[
    int | None,
    Query(
        alias="from",
        ge=0,
        le=MAX_SEQ,
        description="The version to compare from (default: the one before `to`).",
    ),
]
ToVersion = Annotated[
    int | None,
    Query(ge=0, le=MAX_SEQ, description="The version to compare to (default: the latest)."),
]


@router.get(
    "/commons/{commons_id}/charter/versions",
    summary="Every version of a commons' charter, oldest first, with what changed in each",
    description=(
        "Version 0 is the genesis charter; each later one was set by a passed `amend_charter` "
        "decision (`proposal`), in the order the fold closed them. Each version carries its "
        "`status` (`in_force`, `pending`: it governs from `effective_on`, `past`, or "
        "`replaced` by a decision of the same day before it governed), the whole `charter`, "
        "and `changes` against the version before, one per JSON path."
    ),
    response_model=CharterVersionsPage,
)
@cacheable()
def get_versions(
    request: Request, commons_id: str, limit: Limit = 50, offset: Offset = 0
) -> Response:
    history = charter_history.list_charter_versions(node_of(request), commons_id)
    return answer(
        {
            "items": [as_json(version) for version in history.page(limit, offset)],
            "total": len(history.versions),
            "in_force": history.in_force,
            "limit": limit,
            "offset": offset,
        }
    )


@router.get(
    "/commons/{commons_id}/charter/diff",
    summary="What changed in a commons' charter between two versions, by path and as text",
    description=(
        "`changes` lists each JSON path that differs (`added`, `removed` or `changed`, with "
        "the value `before` and `after`); `unified` is a unified diff of the two charters "
        "pretty-printed. Without `from` and `to`: the latest version against the one before. "
        "A version the charter does not have is refused with 400 `bad_input` "
        "(`reason: unknown_version`)."
    ),
    response_model=CharterDiffAnswer,
)
@cacheable()
def get_diff(
    request: Request,
    commons_id: str,
    from_version: FromVersion = None,
    to: ToVersion = None,
) -> Response:
    diff = charter_history.diff_charter_versions(
        node_of(request), commons_id, from_version=from_version, to_version=to
    )
    return answer(as_json(diff))
