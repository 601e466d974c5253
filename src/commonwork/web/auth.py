"""Who is asking: the session cookie (pages) or a bearer token (API clients), and CSRF tokens."""

from __future__ import annotations

import contextlib
import hashlib
import hmac

from fastapi import Request, Response

from commonwork.errors import AuthenticationFailed, AuthenticationRequired, NotAllowed, RateLimited
from commonwork.services import accounts
from commonwork.services.accounts import SESSION_DAYS, Account, account_for_session
from commonwork.web.clients import from_here, secure_cookies
from commonwork.web.clients import node_of as node_of  # the routes name it from here
from commonwork.web.limits import limit_client, limits_of

SESSION_COOKIE = "commonwork_session"


def session_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def current_account(request: Request) -> Account | None:
    """The signed-in account, looked up once per request."""
    if not hasattr(request.state, "account"):
        request.state.account = account_for_session(node_of(request), session_token(request))
    account: Account | None = request.state.account
    return account


def require_account(request: Request) -> Account:
    account = current_account(request)
    if account is None:
        raise AuthenticationRequired(
            "this needs a signed-in account: sign in (POST /api/v1/session) and send the "
            "session cookie or 'Authorization: Bearer TOKEN'"
        )
    check_cookie_write(request)
    return account


#: Methods that change nothing.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: What an API write's body may be.
JSON_TYPES = ("application/json", "application/x-ndjson")


def check_cookie_write(request: Request) -> None:
    """An API write that carries the session cookie (a browser's, sent by any site that makes
    the browser post) must come from this node's own pages: the browser says so in ``Origin``
    or ``Sec-Fetch-Site``, and the body is JSON (which another site cannot send without asking
    first; a route whose body is a JSON model refuses another type before it gets here). Checked
    wherever the session's authority is used (require_account): a bearer token is never sent
    by a browser on its own, and sign-up, sign-in and client-signed actions use no session."""
    if request.method in SAFE_METHODS or not request.url.path.startswith("/api/"):
        return
    if SESSION_COOKIE not in request.cookies:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    same_origin = origin is not None and from_here(origin, request)
    if not same_origin and fetch_site != "same-origin":
        raise NotAllowed(
            "a write signed in by the session cookie must come from this node's own pages "
            "(Origin or Sec-Fetch-Site); other clients send 'Authorization: Bearer TOKEN'"
        )
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind and kind not in JSON_TYPES:
        raise NotAllowed(f"an API write's body is JSON (application/json), not {kind!r}")


def sign_in(request: Request, email: str, password: str) -> tuple[Account, str]:
    """Sign in under the limits: attempts per client address, and wrong passwords per address
    signed in to (known or not; when used up, even the right password waits its turn)."""
    limit_client(request, "sign_in_address")
    limits = limits_of(request)
    key = accounts.login_key(email)
    limits.check("sign_in_account", key)
    try:
        return accounts.sign_in(node_of(request), email=email, password=password)
    except AuthenticationFailed:
        with contextlib.suppress(RateLimited):  # answered as wrong; the next one waits
            limits.hit("sign_in_account", key)
        raise


def sign_up(
    request: Request,
    email: str,
    password: str,
    display_name: str,
    held_did: str | None = None,
    held_proof: str | None = None,
) -> Account:
    """Sign up under the limit of sign-ups per client address; with ``held_did`` and its proof,
    with a key the person's browser made and holds."""
    limit_client(request, "sign_up")
    return accounts.sign_up(
        node_of(request),
        email=email,
        password=password,
        display_name=display_name,
        held_did=held_did or None,
        held_proof=held_proof or None,
    )


def check_password_limit(request: Request, account: Account) -> None:
    """Count a password check of a signed-in account (key export) against its limit."""
    limits_of(request).hit("password", str(account.account_id))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS (clients.secure_cookies)."""
    secure = secure_cookies(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def csrf_token(request: Request) -> str:
    """A token for forms, bound to the session: a cross-site page cannot know it."""
    token = session_token(request) or ""
    return hashlib.sha256(b"commonwork/csrf\n" + token.encode()).hexdigest()


def check_same_origin(request: Request) -> None:
    """Refuse a form posted from another site (browsers send Origin on cross-site POSTs).

    Guards the forms used before there is a session to bind a CSRF token to (sign in, sign up).
    """
    origin = request.headers.get("origin")
    foreign = origin and origin != "null" and not from_here(origin, request)
    if foreign or request.headers.get("sec-fetch-site") == "cross-site":
        raise NotAllowed("this form was posted from another site; open the page here and retry")


def check_csrf(request: Request, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, csrf_token(request)):
        raise NotAllowed("the form has expired or came from another site; reload the page")
