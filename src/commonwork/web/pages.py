"""The server-rendered pages: read any commons and its journal, sign up, found, join, contribute,
validate.

Everything is readable without an account (holoptism). Every form a signed-in person posts carries
the ``csrf`` token of their session. Handlers stay thin: they read the form, call one service and
redirect (303) back to what changed; a form with a mistake is shown again with the person's input
and the reason. Other errors reach ``render_problem_page`` through the app's one error handler.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import accounts, acting, emails, journals
from commonwork.services.charters import DEFAULT_PRESET
from commonwork.web import pages_tasks
from commonwork.web.auth import (
    SESSION_COOKIE,
    check_csrf,
    check_same_origin,
    current_account,
    node_of,
    require_account,
    session_token,
    set_session_cookie,
)
from commonwork.web.page_forms import (
    CHARTER_LABELS,
    CONTRIBUTION_LABELS,
    CharterForm,
    ContributionForm,
    FormText,
    PolicyForm,
    PostedContribution,
    PostedPolicies,
    form_message,
    safe_next,
    see_other,
)
from commonwork.web.page_views import (
    CommonsState,
    acting_as,
    commons_view,
    found_choices,
    index_view,
    journal_view,
    render,
)

router = APIRouter(include_in_schema=False)
router.include_router(pages_tasks.router)  # the task board's pages
NextField = Annotated[str, Form(alias="next")]  # where to go after signing in
NextQuery = Annotated[str, Query(alias="next")]


def render_problem_page(request: Request, problem: dict[str, Any], status: int) -> Response:
    """An error as a page: what went wrong, in the words of the error, and where to go next."""
    return render(request, "problem.html", {"problem": problem}, status=status)


def _signed_in(request: Request, token: str, target: str) -> Response:
    response = see_other(safe_next(target))
    set_session_cookie(response, token, secure=node_of(request).settings.secure_cookies)
    return response


def _sign_in_first(request: Request) -> Response:
    return see_other(f"/signin?next={quote(request.url.path)}")


# --- reading ---------------------------------------------------------------------------------


@router.get("/")
def index(request: Request, page: int = 1) -> Response:
    return render(request, "index.html", index_view(node_of(request), page))


def render_commons(
    request: Request, commons_id: str, state: CommonsState, *, status: int = 200, page: int = 1
) -> Response:
    account = current_account(request)
    context = commons_view(node_of(request), commons_id, account, page)
    context["form"] = state.form or ContributionForm()
    context["form_error"] = state.form_error
    context["error"] = state.error
    return render(request, "commons.html", context, status=status)


@router.get("/commons/{commons_id}")
def commons_page(request: Request, commons_id: str, page: int = 1) -> Response:
    return render_commons(request, commons_id, CommonsState(), page=page)


@router.get("/commons/{commons_id}/journal")
def journal_explorer(request: Request, commons_id: str, after: int = -1) -> Response:
    return render(request, "journal.html", journal_view(node_of(request), commons_id, after))


@router.post("/commons/{commons_id}/journal/verify")
def reverify_journal(request: Request, commons_id: str, csrf: FormText = "") -> Response:
    """Re-verify the whole journal (once per head: a kept result is shown again)."""
    explorer = f"/commons/{commons_id}/journal"
    if current_account(request) is None:
        return see_other(f"/signin?next={quote(explorer)}")
    check_csrf(request, csrf)
    journals.reverify(node_of(request), commons_id)
    return see_other(f"{explorer}#verification")


# --- accounts --------------------------------------------------------------------------------


@router.get("/signup")
def signup_form(request: Request, next_: NextQuery = "/") -> Response:
    return render(request, "signup.html", {"next": safe_next(next_), "email": "", "name": ""})


@router.post("/signup")
def signup(
    request: Request,
    email: FormText = "",
    password: FormText = "",
    display_name: FormText = "",
    next_: NextField = "/",
) -> Response:
    node = node_of(request)
    try:
        check_same_origin(request)
        accounts.sign_up(node, email=email, password=password, display_name=display_name)
        _, token = accounts.sign_in(node, email=email, password=password)
    except CommonworkError as exc:
        context = {
            "error": exc.detail,
            "email": email,
            "name": display_name,
            "next": safe_next(next_),
        }
        return render(request, "signup.html", context, status=exc.status)
    return _signed_in(request, token, next_)


@router.get("/signin")
def signin_form(request: Request, next_: NextQuery = "/") -> Response:
    return render(request, "signin.html", {"next": safe_next(next_), "email": ""})


@router.post("/signin")
def signin(
    request: Request,
    email: FormText = "",
    password: FormText = "",
    next_: NextField = "/",
) -> Response:
    try:
        check_same_origin(request)
        _, token = accounts.sign_in(node_of(request), email=email, password=password)
    except CommonworkError as exc:
        context = {"error": exc.detail, "email": email, "next": safe_next(next_)}
        return render(request, "signin.html", context, status=exc.status)
    return _signed_in(request, token, next_)


@router.post("/signout")
def signout(request: Request, csrf: FormText = "") -> Response:
    token = session_token(request)
    if token is not None:
        check_csrf(request, csrf)
        accounts.sign_out(node_of(request), token)
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _me_page(
    request: Request,
    account: accounts.Account,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The account page, with the e-mail addresses the account claims."""
    claims = emails.list_claims(node_of(request), account.did)
    context = {"emails": claims, **(context or {})}
    return render(request, "me.html", context, status=status, headers=headers)


@router.get("/me")
def me(request: Request) -> Response:
    account = current_account(request)
    if account is None:
        return _sign_in_first(request)
    return _me_page(request, account)


@router.post("/me/key")
def export_key(request: Request, password: FormText = "", csrf: FormText = "") -> Response:
    account = require_account(request)
    check_csrf(request, csrf)
    no_store = {"Cache-Control": "no-store"}
    try:
        exported = accounts.export_key(node_of(request), account=account, password=password)
    except CommonworkError as exc:
        return _me_page(request, account, {"error": exc.detail}, status=exc.status)
    return _me_page(request, account, {"exported": exported}, headers=no_store)


@router.post("/me/emails")
def claim_email(request: Request, email: FormText = "", csrf: FormText = "") -> Response:
    """Claim an address for git imports; the form comes back with the reason if refused."""
    account = require_account(request)
    check_csrf(request, csrf)
    try:
        emails.claim_email(node_of(request), did=account.did, email=email)
    except CommonworkError as exc:
        context = {"email_error": exc.detail, "email": email}
        return _me_page(request, account, context, status=exc.status)
    return see_other("/me#emails")


@router.post("/me/emails/release")
def release_email(request: Request, email: FormText = "", csrf: FormText = "") -> Response:
    account = require_account(request)
    check_csrf(request, csrf)
    try:
        emails.release_email(node_of(request), did=account.did, email=email)
    except CommonworkError as exc:
        return _me_page(request, account, {"email_error": exc.detail}, status=exc.status)
    return see_other("/me#emails")


# --- acting ----------------------------------------------------------------------------------


@router.get("/found")
def found_form(request: Request, preset: str = DEFAULT_PRESET) -> Response:
    if current_account(request) is None:
        return _sign_in_first(request)
    context = {"form": CharterForm(), "policy_form": PolicyForm.of(preset), **found_choices()}
    return render(request, "found.html", context)


@router.post("/found")
def found(
    request: Request,
    policy_form: PostedPolicies,
    name: FormText = "",
    purpose: FormText = "",
    aims: FormText = "",
    metrics: FormText = "",
    licence: FormText = "",
    join_policy: FormText = "open",
    csrf: FormText = "",
) -> Response:
    """Found a commons with the chosen preset's policies and the numbers the person changed;
    a refusal (a bad number, policies that cannot work) writes nothing and says what to
    change."""
    account, keypair = acting_as(request, csrf)
    form = CharterForm(name, purpose, aims, metrics, licence, join_policy)
    try:
        charter = {**form.charter(), **policy_form.policies(keypair.did)}
        appended = acting.found_commons(
            node_of(request),
            actor=keypair,
            charter=charter,
            founder_name=account.display_name,
            preset=policy_form.preset,
        )
    except CommonworkError as exc:
        context = {
            "form": form,
            "policy_form": policy_form,
            "error": form_message(exc, CHARTER_LABELS),
            **found_choices(),
        }
        return render(request, "found.html", context, status=exc.status)
    return see_other(f"/commons/{appended.commons_id}")


@router.post("/commons/{commons_id}/join")
def join(request: Request, commons_id: str, csrf: FormText = "") -> Response:
    account, keypair = acting_as(request, csrf)
    try:
        acting.join_commons(
            node_of(request), actor=keypair, commons_id=commons_id, name=account.display_name
        )
    except CommonworkError as exc:
        return render_commons(
            request, commons_id, CommonsState(error=exc.detail), status=exc.status
        )
    return see_other(f"/commons/{commons_id}")


@router.post("/commons/{commons_id}/contributions")
def contribute(
    request: Request,
    commons_id: str,
    form: PostedContribution,
    csrf: FormText = "",
) -> Response:
    _, keypair = acting_as(request, csrf)
    try:
        appended = acting.record_contribution(
            node_of(request), actor=keypair, commons_id=commons_id, **form.arguments()
        )
    except CommonworkError as exc:
        state = CommonsState(form=form, form_error=form_message(exc, CONTRIBUTION_LABELS))
        return render_commons(request, commons_id, state, status=exc.status)
    return see_other(f"/commons/{commons_id}#c-{appended.entry.id}")


@router.post("/commons/{commons_id}/validations")
def validate(
    request: Request,
    commons_id: str,
    contribution: FormText = "",
    verdict: FormText = "",
    reason: FormText = "",
    quantity: FormText = "",
    csrf: FormText = "",
) -> Response:
    _, keypair = acting_as(request, csrf)
    try:
        acting.validate_contribution(
            node_of(request),
            actor=keypair,
            commons_id=commons_id,
            contribution_id=contribution,
            verdict=verdict,
            reason=reason.strip(),
            quantity=quantity.strip() if verdict == "adjust" else None,
        )
    except CommonworkError as exc:
        labels = {"reason": "Reason", "quantity": "Quantity you find right"}
        state = CommonsState(error=form_message(exc, labels))
        return render_commons(request, commons_id, state, status=exc.status)
    return see_other(f"/commons/{commons_id}#c-{contribution}")
