"""The session-authenticated part of the API: accounts, sessions, and custodial actions.

A web account owns an Ed25519 key that the node keeps sealed; these routes sign with it, so a
person needs no key handling to take part, and can export the key to sign for themselves later.
The friendly write routes (join, contribute, claim…) are aliases of the generic door
(``web/api_act.py``): each names its action type and puts the body together (``alias``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
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
from commonwork.services.identities import Keypair
from commonwork.services.models import JsonMapping
from commonwork.web import auth
from commonwork.web.api import write_route, written
from commonwork.web.auth import (
    SESSION_COOKIE,
    node_of,
    require_account,
    session_token,
    set_session_cookie,
)
from commonwork.web.schemas import (
    COMPUTING_RESPONSES,
    PROBLEM_RESPONSES,
    CorrectionRequest,
    FoundRequest,
    HoldKey,
    JoinRequest,
    PasswordOnly,
    SignIn,
    SignUp,
    TaskRequest,
    ValidationRequest,
    WithdrawRequest,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
#: What a rate-limited route may answer besides (web/limits.py).
LIMITED: dict[int | str, dict[str, Any]] = {429: COMPUTING_RESPONSES[429]}
BodyOf = Callable[..., JsonMapping]  # (request, commons_id, the route's other parameters) -> body
Route = Callable[..., Response]


def account_json(account: accounts.Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "email": account.email,
        "display_name": account.display_name,
        "did": account.did,
        "key": "held" if account.holds_key else "custodial",
        "key_held_since": account.key_held_since,
    }


@router.post(
    "/accounts",
    summary="Sign up: an account and its own signing key",
    description=(
        "Limited per client address (`sign_up`, 429 with `Retry-After`). An address that has an "
        'account already is answered 409 (docs/api.md, "Sign-in, sign-up and their limits").'
    ),
    tags=["account"],
    status_code=201,
    responses=LIMITED,
)
def sign_up(request: Request, form: SignUp) -> dict[str, Any]:
    account = auth.sign_up(
        request, form.email, form.password, form.display_name, form.held_did, form.held_proof
    )
    return account_json(account)


@router.post(
    "/session",
    summary="Sign in; returns a bearer token and sets a cookie",
    description=(
        "Limited per client address and, for wrong passwords, per e-mail address (429 with "
        "`Retry-After`); an unknown address and a wrong password get the same 401. 503 `busy` "
        "when every password-hashing slot stays in use."
    ),
    tags=["account"],
    responses=LIMITED,
)
def sign_in(request: Request, form: SignIn) -> JSONResponse:
    account, token = auth.sign_in(request, form.email, form.password)
    response = JSONResponse({"token": token, **account_json(account)})
    set_session_cookie(request, response, token)
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
    responses=LIMITED,
    tags=["account"],
)
def export_key(request: Request, form: PasswordOnly) -> dict[str, str]:
    account = require_account(request)
    auth.check_password_limit(request, account)
    return accounts.export_key(node_of(request), account=account, password=form.password)


@router.post(
    "/me/key/hold",
    summary="From now on the person's browser holds the account's key; the node forgets its copy",
    description=(
        "For an account whose key the node keeps: the person exported it (`POST "
        "/api/v1/me/key-export`), keeps it themselves, and proves it by signing "
        '`"commonwork/account-key/v1\\n" + email + "\\n" + did` with it. The node then '
        "deletes its sealed copy and signs for the account no more; the custodial routes "
        "answer 403, and the person signs their actions themselves (`POST …/actions`, or this "
        "node's pages in a browser that holds the key)."
    ),
    tags=["account"],
)
def hold_key(request: Request, form: HoldKey) -> dict[str, Any]:
    account = require_account(request)
    return account_json(accounts.hold_key(node_of(request), account=account, proof=form.proof))


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


def _actor(request: Request) -> tuple[Keypair, accounts.Account]:
    account = require_account(request)
    return accounts.custodial_keypair(node_of(request), account), account


def alias(action_type: str, path: str, summary: str) -> Callable[[BodyOf], Route]:
    """A friendly write route, an alias of the generic door (``POST …/act/{action_type}``):
    the function it decorates names the route and its parameters and puts the action's body
    together from them; the route signs that body with the signed-in account's key, appends it
    and answers what every write answers (the action type's schema checks the body, as on every
    door)."""

    def route(body_of: BodyOf) -> Route:
        @functools.wraps(body_of)  # FastAPI reads the parameters and the name from it
        def signed(request: Request, commons_id: str, **given: Any) -> Response:
            body = body_of(request, commons_id, **given)
            actor, _ = _actor(request)
            node = node_of(request)
            appended = acting.act(
                node, actor=actor, commons_id=commons_id, action_type=action_type, body=body
            )
            return written([appended])

        return write_route(router, path, summary)(signed)

    return route


@write_route(router, "/me/commons", "Found a commons, signed with the account's key")
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


COMMONS = "/commons/{commons_id}"
CONTRIBUTION = COMMONS + "/contributions/{contribution_id}"
TASK = COMMONS + "/tasks/{task_id}"


@alias(JOIN, COMMONS + "/join", "Join a commons (no permission needed)")
def join(request: Request, commons_id: str, form: JoinRequest | None = None) -> JsonMapping:
    return {"name": (form.name if form else None) or require_account(request).display_name}


@alias(LEAVE, COMMONS + "/leave", "Leave a commons")
def leave(request: Request, commons_id: str) -> JsonMapping:
    return {}


@alias(RECORD, COMMONS + "/contributions", "Record a contribution")
def contribute(request: Request, commons_id: str, body: RecordBody) -> JsonMapping:
    """The body is the action type's own (production.contribution.record), as every door's is."""
    return body.model_dump(mode="json", exclude_unset=True)


#: The routes that act on one contribution with the fields sent: (name, path, action type, form).
ON_CONTRIBUTION = (
    ("correct", "corrections", CORRECT, CorrectionRequest),
    ("withdraw", "withdrawal", WITHDRAW, WithdrawRequest),
    ("validate", "validations", VALIDATE, ValidationRequest),
)
SUMMARIES = {
    CORRECT: "Correct your own contribution that is not accepted yet (its validations restart)",
    WITHDRAW: "Withdraw your own contribution while it is pending or held (never once accepted)",
    VALIDATE: "Approve, dispute or adjust another member's contribution (the latter two with a "
    "reason)",
}


def _on_contribution(name: str, form_model: type[BaseModel]) -> BodyOf:
    """The body of an action on a contribution: the contribution named in the path and the
    fields sent (a ``form_model``); ``name`` names the route."""

    def body_of(
        request: Request, commons_id: str, contribution_id: str, form: BaseModel
    ) -> JsonMapping:
        return {"contribution": contribution_id, **form.model_dump(mode="json", exclude_none=True)}

    signature = inspect.signature(body_of)
    typed = signature.parameters["form"].replace(annotation=form_model)
    body_of.__dict__["__signature__"] = signature.replace(
        parameters=[*list(signature.parameters.values())[:-1], typed]
    )
    body_of.__name__ = body_of.__qualname__ = name
    return body_of


def _add_on_contribution() -> None:
    for name, what, action_type, form_model in ON_CONTRIBUTION:
        path = f"{CONTRIBUTION}/{what}"
        alias(action_type, path, SUMMARIES[action_type])(_on_contribution(name, form_model))


_add_on_contribution()


@alias(POST, COMMONS + "/tasks", "Post a task for everyone to see (its id is the entry id)")
def post_task(request: Request, commons_id: str, form: TaskRequest) -> JsonMapping:
    return form.model_dump(mode="json", exclude_none=True)


@alias(CLAIM, TASK + "/claim", "Claim a task for yourself (several members may claim one task)")
def claim_task(request: Request, commons_id: str, task_id: str) -> JsonMapping:
    return {"task": task_id}


@alias(UNCLAIM, TASK + "/unclaim", "Withdraw your own claim on a task")
def unclaim_task(request: Request, commons_id: str, task_id: str) -> JsonMapping:
    return {"task": task_id}
