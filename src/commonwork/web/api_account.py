"""The session-authenticated part of the API: accounts, sessions, and custodial actions.

A web account owns an Ed25519 key that the node keeps sealed; these routes sign with it, so a
person needs no key handling to take part, and can export the key to sign for themselves later.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from commonwork.services import accounts, acting, emails
from commonwork.services.catalog import (
    CLAIM,
    CORRECT,
    JOIN,
    LEAVE,
    POST,
    RECORD,
    UNCLAIM,
    VALIDATE,
    WITHDRAW,
    RecordBody,
)
from commonwork.web.api import written
from commonwork.web.auth import (
    SESSION_COOKIE,
    node_of,
    require_account,
    session_token,
    set_session_cookie,
)
from commonwork.web.schemas import (
    PROBLEM_RESPONSES,
    CorrectionRequest,
    FoundRequest,
    JoinRequest,
    PasswordOnly,
    SignIn,
    SignUp,
    TaskRequest,
    ValidationRequest,
    WithdrawRequest,
    WriteResult,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def account_json(account: accounts.Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "email": account.email,
        "display_name": account.display_name,
        "did": account.did,
    }


@router.post(
    "/accounts",
    summary="Sign up: an account and its own signing key",
    tags=["account"],
    status_code=201,
)
def sign_up(request: Request, form: SignUp) -> dict[str, Any]:
    account = accounts.sign_up(
        node_of(request), email=form.email, password=form.password, display_name=form.display_name
    )
    return account_json(account)


@router.post(
    "/session", summary="Sign in; returns a bearer token and sets a cookie", tags=["account"]
)
def sign_in(request: Request, form: SignIn) -> JSONResponse:
    node = node_of(request)
    account, token = accounts.sign_in(node, email=form.email, password=form.password)
    response = JSONResponse({"token": token, **account_json(account)})
    set_session_cookie(response, token, secure=node.settings.secure_cookies)
    return response


@router.delete("/session", summary="Sign out", tags=["account"], status_code=204)
def sign_out(request: Request) -> Response:
    token = session_token(request)
    if token:
        accounts.sign_out(node_of(request), token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="The signed-in account", tags=["account"])
def me(request: Request) -> dict[str, Any]:
    return account_json(require_account(request))


@router.post(
    "/me/key-export",
    summary="Export the account's secret key (password required)",
    tags=["account"],
)
def export_key(request: Request, form: PasswordOnly) -> dict[str, str]:
    account = require_account(request)
    return accounts.export_key(node_of(request), account=account, password=form.password)


class EmailClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=1000, description="The address, e.g. ada@example.org")]


EMAILS_DESCRIPTION = (
    "Addresses you commit under. `commonwork import-git` on this node signs, with your key, "
    "the commits and reviews made under an address you claim: claiming is your consent to it. "
    "Addresses stay on this node (never in a journal); each belongs to one account or identity."
)


def _claim_json(claim: emails.EmailClaim) -> dict[str, str]:
    return {"email": claim.email, "claimed_at": claim.claimed_at}


@router.get(
    "/me/emails",
    summary="The e-mail addresses the account claims",
    description=EMAILS_DESCRIPTION,
    tags=["account"],
)
def my_emails(request: Request) -> dict[str, Any]:
    account = require_account(request)
    claims = emails.list_claims(node_of(request), account.did)
    return {"items": [_claim_json(claim) for claim in claims]}


@router.post(
    "/me/emails",
    summary="Claim an e-mail address, so that git imports credit its commits to you",
    description=EMAILS_DESCRIPTION
    + " Answers 201 for a new claim, 200 if you had claimed it already, 409 if someone else has.",
    tags=["account"],
    status_code=201,
)
def claim_email(request: Request, form: EmailClaimRequest) -> JSONResponse:
    account = require_account(request)
    claim, created = emails.claim_email(node_of(request), did=account.did, email=form.email)
    return JSONResponse(_claim_json(claim), status_code=201 if created else 200)


@router.delete(
    "/me/emails/{email}",
    summary="Release an e-mail address you claimed",
    description="Later git imports no longer sign for it; what they signed before stays.",
    tags=["account"],
    status_code=204,
)
def release_email(request: Request, email: str) -> Response:
    account = require_account(request)
    emails.release_email(node_of(request), did=account.did, email=email)
    return Response(status_code=204)


def _actor(request: Request) -> tuple[Any, accounts.Account]:
    account = require_account(request)
    return accounts.custodial_keypair(node_of(request), account), account


def _signed(
    request: Request, commons_id: str, action_type: str, body: dict[str, Any]
) -> JSONResponse:
    """Sign ``body`` as an action of ``action_type`` with the signed-in account's key and
    append it: every friendly write route is this, with its body put together from the path and
    the form (the action type's schema checks it, as on every door)."""
    actor, _ = _actor(request)
    node = node_of(request)
    appended = acting.act(
        node, actor=actor, commons_id=commons_id, action_type=action_type, body=body
    )
    return written([appended])


@router.post(
    "/me/commons",
    summary="Found a commons, signed with the account's key",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def found(request: Request, form: FoundRequest) -> JSONResponse:
    actor, account = _actor(request)
    appended = acting.found_commons(
        node_of(request),
        actor=actor,
        charter=form.charter,
        founder_name=form.founder_name or account.display_name,
        preset=form.preset,
    )
    return written([appended])


@router.post(
    "/commons/{commons_id}/join",
    summary="Join a commons (no permission needed)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def join(request: Request, commons_id: str, form: JoinRequest | None = None) -> JSONResponse:
    name = (form.name if form else None) or require_account(request).display_name
    return _signed(request, commons_id, JOIN, {"name": name})


@router.post(
    "/commons/{commons_id}/leave",
    summary="Leave a commons",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def leave(request: Request, commons_id: str) -> JSONResponse:
    return _signed(request, commons_id, LEAVE, {})


@router.post(
    "/commons/{commons_id}/contributions",
    summary="Record a contribution",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def contribute(request: Request, commons_id: str, body: RecordBody) -> JSONResponse:
    """The body is the action type's own (production.contribution.record), as every door's is."""
    return _signed(request, commons_id, RECORD, body.model_dump(mode="json", exclude_unset=True))


@router.post(
    "/commons/{commons_id}/contributions/{contribution_id}/corrections",
    summary="Correct your own contribution that is not accepted yet (its validations restart)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def correct(
    request: Request, commons_id: str, contribution_id: str, form: CorrectionRequest
) -> JSONResponse:
    body = {"contribution": contribution_id, **form.model_dump(mode="json", exclude_none=True)}
    return _signed(request, commons_id, CORRECT, body)


@router.post(
    "/commons/{commons_id}/contributions/{contribution_id}/withdrawal",
    summary="Withdraw your own contribution while it is pending or held (never once accepted)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def withdraw(
    request: Request, commons_id: str, contribution_id: str, form: WithdrawRequest
) -> JSONResponse:
    body = {"contribution": contribution_id, "reason": form.reason}
    return _signed(request, commons_id, WITHDRAW, body)


@router.post(
    "/commons/{commons_id}/contributions/{contribution_id}/validations",
    summary="Approve, dispute or adjust another member's contribution (the latter two with a "
    "reason)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def validate(
    request: Request, commons_id: str, contribution_id: str, form: ValidationRequest
) -> JSONResponse:
    body = {"contribution": contribution_id, **form.model_dump(mode="json", exclude_none=True)}
    return _signed(request, commons_id, VALIDATE, body)


@router.post(
    "/commons/{commons_id}/tasks",
    summary="Post a task for everyone to see (its id is the entry id)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def post_task(request: Request, commons_id: str, form: TaskRequest) -> JSONResponse:
    return _signed(request, commons_id, POST, form.model_dump(mode="json", exclude_none=True))


@router.post(
    "/commons/{commons_id}/tasks/{task_id}/claim",
    summary="Claim a task for yourself (several members may claim one task)",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def claim_task(request: Request, commons_id: str, task_id: str) -> JSONResponse:
    return _signed(request, commons_id, CLAIM, {"task": task_id})


@router.post(
    "/commons/{commons_id}/tasks/{task_id}/unclaim",
    summary="Withdraw your own claim on a task",
    tags=["write"],
    status_code=201,
    response_model=WriteResult,
)
def unclaim_task(request: Request, commons_id: str, task_id: str) -> JSONResponse:
    return _signed(request, commons_id, UNCLAIM, {"task": task_id})
