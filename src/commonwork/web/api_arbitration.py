"""The API's reads of a commons' arbitration cases (the writes are action types: a panel member
rules with ``governance.case.rule``, through ``…/actions`` or ``…/act/governance.case.rule``; an
appeal is a ``governance.proposal.make`` with the effect ``arbitrate``). Not kept by the read
cache: a case's ``overdue`` and ``appealable`` read the clock."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from commonwork.services import arbitration_read
from commonwork.services.models import as_json
from commonwork.web.api import Limit, Offset, answer
from commonwork.web.auth import node_of
from commonwork.web.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["arbitration"])

CaseStatusName = Literal["open", "no_panel", "decided", "appealed"]
VerdictName = Literal["accept", "reject", "adjust"]
CaseStatus = Annotated[
    str | None,
    Query(
        description="Only cases of this recorded status: " + ", ".join(arbitration_read.STATUSES),
        pattern="^(" + "|".join(arbitration_read.STATUSES) + ")$",
    ),
]


class PanelSeat(BaseModel):
    member: str
    name: str
    ruled: bool = Field(description="Whether they ruled in the current round.")


class CaseVerdict(BaseModel):
    verdict: VerdictName
    quantity: str | None = Field(
        default=None, description="The quantity found right (an `adjust` verdict only)."
    )


class DisputedWork(BaseModel):
    contribution_id: str
    contributor: str
    contributor_name: str
    kind: str
    quantity: str
    unit: str
    description: str
    recorded_at: str


class DerivationCase(BaseModel):
    derivation_id: str
    derived: str = Field(description="The derived artifact of this commons.")
    derived_title: str
    derived_licence: str
    kind: Literal["adaptation", "collection", "use", "copy"]
    source_commons: str
    source: str = Field(description="The source artifact (of `source_commons`).")
    source_title: str
    source_licence: str
    evidence: Literal["local", "proved", "unproved"]
    status: Literal["allowed", "needs_review", "refused"]
    notes: list[str] = Field(description="The licence table's notes on the pair.")
    recorded_by: str
    recorded_by_name: str
    recorded_at: str


class CaseItem(BaseModel):
    case_id: str = Field(
        description="The id of the entry that opened it: a dispute, or the derivation's record."
    )
    seq: int
    subject_kind: Literal["contribution", "derivation", "custody"]
    subject: str = Field(description="The disputed contribution's id, or the derivation's.")
    work: DisputedWork | None = Field(
        default=None, description="The disputed work (a case about a contribution)."
    )
    opened_by: str = Field(description="Who disputed the work, or recorded the derivation.")
    opened_by_name: str
    opened_at: str
    round: int = Field(description="1, then one more each time the panel is redrawn.")
    panel: list[PanelSeat] = Field(description="The current round's panel, in the draw's order.")
    due_at: str | None = Field(description="The panel rules until then (exclusive).")
    status: CaseStatusName
    overdue: bool = Field(description="Open past `due_at`: the next entry draws a new panel.")
    verdict: CaseVerdict | None
    decided_at: str | None
    decided_by: str | None = Field(description='"panel", or the id of the appeal that decided.')
    appeal: str | None = Field(description="The proposal that appealed it.")
    derivation: DerivationCase | None = Field(
        default=None,
        description="The derivation in review (a case about a derivation): `accept` allows it, "
        "`reject` refuses it, at once.",
    )


class CasesPage(BaseModel):
    items: list[CaseItem]
    limit: int
    offset: int


class AuthorShare(BaseModel):
    member: str
    name: str
    share: str


class Dispute(BaseModel):
    commons_id: str
    contribution_id: str
    validator: str
    version: int
    seq: int
    verdict: Literal["dispute"]
    quantity: str | None
    reason: str
    recorded_at: str
    provisional: bool | None = None
    weight: str | None = Field(description="What it weighed when it was recorded.")
    validator_name: str
    superseded: bool = Field(description="Of a version before the latest correction.")


class MajorityReason(BaseModel):
    member: str
    name: str
    reason: str


class Ruling(BaseModel):
    member: str
    name: str
    verdict: VerdictName
    quantity: str | None
    reason: str
    seq: int
    recorded_at: str


class AppealProposal(BaseModel):
    proposal_id: str
    title: str
    status: str


class CaseAnswer(BaseModel):
    case: CaseItem
    work_status: str = Field(
        description="The work's status as of now (a derivation's, for a case about one)."
    )
    work_provisional: bool = Field(description="Changed by a day not settled yet.")
    accepted_quantity: str | None
    task: str | None
    authors: list[AuthorShare]
    disputes: list[Dispute] = Field(description="Every validation of the work that disputes it.")
    reasons: list[MajorityReason] = Field(description="The reasons of the panel's majority.")
    rulings: list[Ruling] = Field(description="The current round's rulings, newest first.")
    verdicts: list[VerdictName] = Field(description="The verdicts this case may reach.")
    appealable: bool = Field(description="Whether a member may appeal it now.")
    appeal_until: str | None = Field(
        default=None, description="A panel's verdict may be appealed until then."
    )
    appeal_proposal: AppealProposal | None = Field(
        default=None, description="The proposal that appealed it."
    )


@router.get(
    "/commons/{commons_id}/cases",
    summary="Arbitration cases of a commons, newest first, with their panel and verdict",
    description=(
        "A case opens with the first weighted dispute of pending work (`case_id` is that "
        "dispute's entry id), or with a derivation recorded `needs_review` (`case_id` is the "
        "derivation's id; `subject_kind` is `derivation`), or with a borrower's dispute of a "
        "custodian's report on a return (`subject_kind` `custody`, the subject the booking's "
        "id). `status` is `open` (its panel "
        "rules until `due_at`), `no_panel` (nobody may sit: the members decide it by a "
        "proposal), `decided` (by the panel's majority) or `appealed` (decided by the "
        "members' appeal)."
    ),
    response_model=CasesPage,
)
def get_cases(
    request: Request,
    commons_id: str,
    limit: Limit = 50,
    offset: Offset = 0,
    status: CaseStatus = None,
) -> Response:
    listed = arbitration_read.list_cases(
        node_of(request), commons_id, status=status, limit=limit, offset=offset
    )
    return answer({"items": [as_json(item) for item in listed], "limit": limit, "offset": offset})


@router.get(
    "/commons/{commons_id}/cases/{case_id}",
    summary="One arbitration case: the work, its disputes, the panel, rulings and verdict",
    description=(
        "`rulings` are the current round's (each member's latest), newest first; `reasons` "
        "are the panel majority's, once decided. `appealable` says whether a member may "
        "appeal it now (a proposal with the effect `arbitrate`): a panel's verdict until "
        "`appeal_until`, a case with no panel at any time, once. `work_status` is the work's "
        "status as of now: a verdict is applied when its day is settled."
    ),
    response_model=CaseAnswer,
)
def get_case(request: Request, commons_id: str, case_id: str) -> Response:
    return answer(as_json(arbitration_read.case_detail(node_of(request), commons_id, case_id)))
