"""Invitations over HTTP: a member makes an invitation code to an invitation-only commons, and a
signed-in person redeems one (the inviter's invite naming their key, then their join).

Codes are node-local and kept only as a sha256: the code and its link are in the answer that makes
them and nowhere else (docs/invitations.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from commonwork.services import accounts, invitations
from commonwork.web.api import written
from commonwork.web.auth import node_of, require_account
from commonwork.web.schemas import PROBLEM_RESPONSES, JoinRequest, WriteResult

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["invitations"])
NO_STORE = {"Cache-Control": "no-store"}


class InvitationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Annotated[
        int,
        Field(
            ge=1,
            le=invitations.MAX_INVITATION_DAYS,
            description="How many days the code stays valid.",
        ),
    ] = invitations.INVITATION_DAYS


def invitation_json(invitation: invitations.Invitation, status: str) -> dict[str, Any]:
    return {
        "commons": invitation.commons_id,
        "inviter": invitation.inviter,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "status": status,
        "redeemed_by": invitation.redeemed_by,
        "redeemed_at": invitation.redeemed_at,
    }


@router.post(
    "/commons/{commons_id}/invitations",
    summary="Make an invitation code to an invitation-only commons (shown this once)",
    description=(
        "For an active member of a commons hosted here whose `join_policy` is `invitation`. "
        "Answers the code and its link (`/invitations/{code}`); the node keeps only the code's "
        "sha256, so it cannot show it again. The code admits one person once, until "
        "`expires_at`."
    ),
    status_code=201,
)
def create(
    request: Request, commons_id: str, form: InvitationRequest | None = None
) -> JSONResponse:
    node = node_of(request)
    inviter = accounts.custodial_keypair(node, require_account(request))
    days = form.days if form is not None else invitations.INVITATION_DAYS
    new = invitations.create_invitation(node, inviter=inviter, commons_id=commons_id, days=days)
    body = {
        "code": new.code,
        "link": new.link(str(request.base_url)),
        **invitation_json(new.invitation, "open"),
    }
    return JSONResponse(body, status_code=201, headers=NO_STORE)


@router.get(
    "/invitations/{code}",
    summary="What an invitation code invites to, by whom, and whether it is still open",
)
def describe(request: Request, code: str) -> dict[str, Any]:
    view = invitations.describe_invitation(node_of(request), code)
    return {
        **invitation_json(view.invitation, view.status),
        "commons_name": view.commons_name,
        "inviter_name": view.inviter_name,
    }


@router.post(
    "/invitations/{code}/redeem",
    summary="Redeem an invitation code: the inviter's invite naming your key, then your join",
    description=(
        "Appends, in one batch, `commons.member.invite` signed with the inviter's key (which "
        "this node holds) naming the signed-in account's key, and the account's "
        "`commons.member.join`. A used or expired code answers 409, an unknown one 404; "
        "nothing is written then."
    ),
    status_code=201,
    response_model=WriteResult,
)
def redeem(request: Request, code: str, form: JoinRequest | None = None) -> JSONResponse:
    node = node_of(request)
    account = require_account(request)
    invitee = accounts.custodial_keypair(node, account)
    name = (form.name if form else None) or account.display_name
    redeemed = invitations.redeem_invitation(node, code=code, invitee=invitee, name=name)
    return written([redeemed.invite, redeemed.join])
