"""The server-rendered pages: read any commons and its journal, sign up, found, join, contribute,
validate.

Everything is readable without an account (holoptism). Every form a signed-in person posts carries
the ``csrf`` token of their session. Handlers stay thin: they read the form, call one service and
redirect (303) back to what changed; a form with a mistake is shown again with the person's input
and the reason. Other errors reach ``render_problem_page`` through the app's one error handler.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from commonwork.errors import CommonworkError
from commonwork.services import accounts, acting, emails, journals
from commonwork.services.acting import Appended
from commonwork.services.catalog import JOIN, RECORD, VALIDATE
from commonwork.services.charters import DEFAULT_PRESET
from commonwork.services.nodes import StillComputing
from commonwork.services.settled import HEAVY_WAIT
from commonwork.web import auth, pages_tasks
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
from commonwork.web.limits import limit_client
from commonwork.web.page_acting import (
    Again,
    PostedCharter,
    PostedContribution,
    PostedPolicies,
    PostedVerdict,
    act_on_page,
    again_on,
    at_new,
    page_again,
    shown,
)
from commonwork.web.page_forms import (
    CHARTER_LABELS,
    CONTRIBUTION_LABELS,
    VALIDATION_LABELS,
    CharterForm,
    ContributionForm,
    FormText,
    Labels,
    PolicyForm,
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
    signed_in,
)
from commonwork.web.schemas import AfterSeq, PageNumber

router = APIRouter(include_in_schema=False)
router.include_router(pages_tasks.router)  # the task board's pages
NextField = Annotated[str, Form(alias="next")]  # where to go after signing in
NextQuery = Annotated[str, Query(alias="next")]


def render_problem_page(request: Request, problem: dict[str, Any], status: int) -> Response:
    """An error as a page: what went wrong, in the words of the error, and where to go next."""
    return render(request, "problem.html", {"problem": problem}, status=status)


def render_computing_page(
    request: Request, detail: str, job: dict[str, Any], retry_after: int
) -> Response:
    """A heavy read under way: what it is and how far it got; the page reloads itself."""
    context = {"detail": detail, "job": job, "retry_after": retry_after}
    return render(request, "computing.html", context, status=202)


def _signed_in(request: Request, token: str, *, target: str) -> Response:
    response = see_other(safe_next(target))
    set_session_cookie(request, response, token)
    return response


def _sign_in_first(request: Request) -> Response:
    return see_other(f"/signin?next={quote(request.url.path)}")


# --- reading ---------------------------------------------------------------------------------


@router.get("/")
def index(request: Request, page: PageNumber = 1) -> Response:
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
def commons_page(request: Request, commons_id: str, page: PageNumber = 1) -> Response:
    return render_commons(request, commons_id, CommonsState(), page=page)


@router.get("/commons/{commons_id}/journal")
def journal_explorer(request: Request, commons_id: str, after: AfterSeq = -1) -> Response:
    return render(request, "journal.html", journal_view(node_of(request), commons_id, after))


@router.post("/commons/{commons_id}/journal/verify")
def reverify_journal(request: Request, commons_id: str, csrf: FormText = "") -> Response:
    """Re-verify the whole journal (once per head: a kept result is shown again)."""
    explorer = f"/commons/{commons_id}/journal"
    if current_account(request) is None:
        return see_other(f"/signin?next={quote(explorer)}")
    check_csrf(request, csrf)
    limit_client(request, "expensive")
    with contextlib.suppress(StillComputing):  # the explorer shows how far it got
        journals.reverify(node_of(request), commons_id, wait=HEAVY_WAIT, paced=True)
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
    held_did: FormText = "",
    held_proof: FormText = "",
) -> Response:
    def sign_up() -> str:
        check_same_origin(request)
        account = auth.sign_up(request, email, password, display_name, held_did, held_proof)
        return accounts.open_session(node_of(request), account)

    again = page_again(
        request, "signup.html", email=email, name=display_name, next=safe_next(next_)
    )
    return shown(sign_up, partial(_signed_in, request, target=next_), again)


@router.get("/signin")
def signin_form(request: Request, next_: NextQuery = "/") -> Response:
    return render(request, "signin.html", {"next": safe_next(next_), "email": ""})


@router.post("/signin")
def signin(
    request: Request, email: FormText = "", password: FormText = "", next_: NextField = "/"
) -> Response:
    def sign_in() -> str:
        check_same_origin(request)
        return auth.sign_in(request, email, password)[1]

    again = page_again(request, "signin.html", email=email, next=safe_next(next_))
    return shown(sign_in, partial(_signed_in, request, target=next_), again)


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


def _me_again(request: Request, account: accounts.Account, said: str, **kept: str) -> Again:
    """The account page again with a refusal (``said`` names where it is shown)."""

    def again(error: CommonworkError) -> Response:
        return _me_page(request, account, {said: error.detail, **kept}, status=error.status)

    return again


@router.post("/me/key")
def export_key(request: Request, password: FormText = "", csrf: FormText = "") -> Response:
    account = signed_in(request, csrf)
    node, no_store = node_of(request), {"Cache-Control": "no-store"}

    def exported(key: dict[str, str]) -> Response:
        return _me_page(request, account, {"exported": key}, headers=no_store)

    def export() -> dict[str, str]:
        auth.check_password_limit(request, account)
        return accounts.export_key(node, account=account, password=password)

    return shown(export, exported, _me_again(request, account, "error"))


@router.post("/me/emails")
def claim_email(request: Request, email: FormText = "", csrf: FormText = "") -> Response:
    """Claim an address for git imports; the form comes back with the reason if refused."""
    account = signed_in(request, csrf)
    claim = partial(emails.claim_email, node_of(request), did=account.did, email=email)
    return shown(claim, "/me#emails", _me_again(request, account, "email_error", email=email))


@router.post("/me/emails/release")
def release_email(request: Request, email: FormText = "", csrf: FormText = "") -> Response:
    account = signed_in(request, csrf)
    release = partial(emails.release_email, node_of(request), did=account.did, email=email)
    return shown(release, "/me#emails", _me_again(request, account, "email_error"))


# --- acting ----------------------------------------------------------------------------------


@router.get("/found")
def found_form(request: Request, preset: str = DEFAULT_PRESET) -> Response:
    if current_account(request) is None:
        return _sign_in_first(request)
    context = {"form": CharterForm(), "policy_form": PolicyForm.of(preset), **found_choices()}
    return render(request, "found.html", context)


@router.post("/found")
def found(
    request: Request, form: PostedCharter, policy_form: PostedPolicies, csrf: FormText = ""
) -> Response:
    """Found a commons with the chosen preset's policies and the numbers the person changed;
    a refusal (a bad number, policies that cannot work) writes nothing and says what to
    change."""
    account, keypair = acting_as(request, csrf)

    def found_it() -> Appended:
        charter = {**form.charter(), **policy_form.policies(keypair.did)}
        return acting.found_commons(
            node_of(request),
            actor=keypair,
            charter=charter,
            founder_name=account.display_name,
            preset=policy_form.preset,
        )

    typed = {"form": form, "policy_form": policy_form, **found_choices()}
    again = page_again(request, "found.html", labels=CHARTER_LABELS, **typed)
    return shown(found_it, lambda founded: see_other(f"/commons/{founded.commons_id}"), again)


def commons_again(
    request: Request, commons_id: str, labels: Labels | None = None, **kept: Any
) -> Again:
    """The commons page again with a refusal: next to the form ``kept`` as typed, if any."""
    return again_on(partial(render_commons, request, commons_id), CommonsState, labels, **kept)


@router.post("/commons/{commons_id}/join")
def join(request: Request, commons_id: str, csrf: FormText = "") -> Response:
    action = (commons_id, JOIN, {"name": require_account(request).display_name})
    again = commons_again(request, commons_id)
    return act_on_page(request, csrf, action, f"/commons/{commons_id}", again)


@router.post("/commons/{commons_id}/contributions")
def contribute(
    request: Request, commons_id: str, form: PostedContribution, csrf: FormText = ""
) -> Response:
    again = commons_again(request, commons_id, CONTRIBUTION_LABELS, form=form)
    back = at_new(f"/commons/{commons_id}", "c")
    return act_on_page(request, csrf, (commons_id, RECORD, form.body()), back, again)


@router.post("/commons/{commons_id}/validations")
def validate(
    request: Request, commons_id: str, form: PostedVerdict, csrf: FormText = ""
) -> Response:
    again = commons_again(request, commons_id, VALIDATION_LABELS)
    back = f"/commons/{commons_id}#c-{form['contribution']}"
    return act_on_page(request, csrf, (commons_id, VALIDATE, form), back, again)
