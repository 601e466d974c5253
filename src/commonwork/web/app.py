"""The ASGI application: API and pages over one node, with one error handler for both."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonwork.errors import CommonworkError, InvalidAction, MalformedJson, TooLarge
from commonwork.node.node import Node
from commonwork.services.catalog import ACTION_SPECS
from commonwork.services.nodes import StillComputing
from commonwork.services.rebuilding import stale_label, start_rebuild_if_due
from commonwork.services.signing import SIGNING_HEADER, NeedsSignature
from commonwork.web.action_schemas import signed_action_openapi
from commonwork.web.limits import Limits
from commonwork.web.page_views import read_signed_field
from commonwork.web.read_cache import ReadCache

log = logging.getLogger("commonwork.web")
STATIC = Path(__file__).parent / "static"
API_DESCRIPTION = """\
The HTTP API of a commonwork node. Everything is readable by anyone (holoptism); changes are
**actions** signed by their authors and appended by the commons' host to its journal.

* Client-signed: `POST /api/v1/commons` (found) and `POST /api/v1/commons/{id}/actions` take
  `{"action": …, "author_sig": …}` objects, or a batch of them as NDJSON.
* Custodial: with a session (cookie or `Authorization: Bearer TOKEN` from `POST /api/v1/session`),
  the `…/join`, `…/contributions` and `…/validations` routes sign with the account's own key.

Anonymous reads are answered from memory until the database changes (`Commonwork-Cache: hit`),
byte for byte what the node would compute again; see docs/api.md.

Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.
"""


def problem_response(request: Request, error: CommonworkError) -> Response:
    retry_after = error.extra.get("retry_after")
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        response: Response = JSONResponse(
            error.as_problem(instance=request.url.path),
            status_code=error.status,
            media_type="application/problem+json",
        )
    else:
        from commonwork.web.pages import render_problem_page

        problem = error.as_problem(instance=request.url.path)
        response = render_problem_page(request, problem, error.status)
    if isinstance(retry_after, int):
        response.headers["retry-after"] = str(retry_after)
    return response


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI document, with the client-signed routes' request bodies described per
    action type (web/action_schemas.py); made once."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for operations in document["paths"].values():
            for operation in operations.values():
                signed = operation.pop("x-commonwork-signed-actions", None)
                if signed is not None:
                    genesis = signed == "genesis"
                    body, schemas = signed_action_openapi(ACTION_SPECS.values(), genesis=genesis)
                    operation["requestBody"] = body
                    components.update(schemas)
        app.openapi_schema = document
    return app.openapi_schema


def signature_request(request: Request, needed: NeedsSignature) -> Response:
    """A page's form needs the person's browser to sign: the action, for the page's script
    (which said it can sign); without the script, a page that says what is missing."""
    if request.headers.get(SIGNING_HEADER):
        return JSONResponse({"sign": needed.action, "index": needed.index})
    problem = _Problem(
        409,
        "browser_signature_needed",
        "Your browser signs this",
        "your signing key is held in your own browser, and signing there needs JavaScript: "
        "allow this node's script and try again",
    )
    return problem_response(request, problem)


def computing_response(request: Request, pending: StillComputing) -> Response:
    """A heavy read still being computed: 202 with its progress (API), or a page that says so
    and reloads itself; both with ``Retry-After``."""
    job = pending.job.as_json()
    detail = f"{job['label']}: {job['state']}"
    if job["total"]:
        detail += f", {job['done']:,} of {job['total']:,} done"
    detail += f"; ask again in {pending.retry_after} s"
    response: Response
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        body = {
            "status": "computing",
            "detail": detail,
            "retry_after": pending.retry_after,
            "job": job,
        }
        response = JSONResponse(body, status_code=202)
    else:
        from commonwork.web.pages import render_computing_page

        response = render_computing_page(request, detail, job, pending.retry_after)
    response.headers["retry-after"] = str(pending.retry_after)
    return response


class _Problem(CommonworkError):
    """An HTTP-level error (unknown route, wrong method) in the same shape as ours."""

    def __init__(self, status: int, code: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.status, self.code, self.title = status, code, title


#: The methods a 405's Allow header may name.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed(request: Request) -> list[str]:
    """The methods some route at this path takes (for a 405's Allow header): asked of the
    routes themselves, method by method."""
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def _acts(request: Request) -> bool:
    """Whether the request went to a route that signs an action (tagged write or act)."""
    route = request.scope.get("route")
    tags = getattr(route, "tags", None) or []
    return "write" in tags or "act" in tags


def create_app(node: Node) -> FastAPI:
    from commonwork.web import (
        api,
        api_account,
        api_act,
        api_arbitration,
        api_bank_details,
        api_charter,
        api_economy,
        api_economy_boards,
        api_governance,
        api_inbox,
        api_invitations,
        api_property,
        api_resources,
        api_standing,
        feeds,
        pages,
        pages_act,
        pages_arbitration,
        pages_charter,
        pages_contributions,
        pages_economy,
        pages_economy_boards,
        pages_forks,
        pages_governance,
        pages_invitations,
        pages_property,
        pages_resources,
        pages_standing,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        start_rebuild_if_due(node)  # an area's projection changed: rebuild in the background
        node.jobs.warm()  # the heavy reads' worker process, started before anyone waits for it
        # Everything made at start-up (modules, the app, its routes) lives as long as the node:
        # out of the collector's sight, a full collection no longer walks it (a pause every
        # request would wait for).
        gc.freeze()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="commonwork",
        version="1",
        description=API_DESCRIPTION,
        docs_url=None,  # served below from vendored files: offline, under the CSP
        redoc_url=None,
    )
    app.state.node = node
    app.state.limits = Limits(node.settings.rate_limits)
    app.openapi = partial(openapi_document, app)  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
    app.include_router(api.router)
    app.include_router(api_account.router)
    app.include_router(api_act.router)
    app.include_router(api_standing.router)
    app.include_router(api_governance.router)
    app.include_router(api_charter.router)
    app.include_router(api_arbitration.router)
    app.include_router(api_economy.router)
    app.include_router(api_economy_boards.router)
    app.include_router(api_bank_details.router)
    app.include_router(api_property.router)
    app.include_router(api_resources.router)
    signs = [Depends(read_signed_field)]  # a page's form may carry what its browser signed
    app.include_router(pages.router, dependencies=signs)
    app.include_router(pages_standing.router)
    app.include_router(pages_act.router, dependencies=signs)
    app.include_router(pages_contributions.router, dependencies=signs)
    app.include_router(api_invitations.router)
    app.include_router(api_inbox.router)
    app.include_router(api_inbox.pages, dependencies=signs)
    app.include_router(pages_invitations.router, dependencies=signs)
    app.include_router(pages_governance.router, dependencies=signs)
    app.include_router(pages_charter.router)
    app.include_router(pages_forks.router, dependencies=signs)
    app.include_router(pages_arbitration.router, dependencies=signs)
    app.include_router(pages_economy.router)
    app.include_router(pages_economy_boards.router)
    app.include_router(pages_property.router, dependencies=signs)
    app.include_router(pages_resources.router, dependencies=signs)
    app.include_router(feeds.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> Response:
        """The API browser (Swagger UI, vendored in static/vendor) on /openapi.json."""
        return FileResponse(Path(__file__).parent / "templates" / "api_docs.html")

    @app.exception_handler(CommonworkError)
    async def _ours(request: Request, exc: CommonworkError) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(NeedsSignature)
    async def _sign(request: Request, exc: NeedsSignature) -> Response:
        return signature_request(request, exc)

    @app.exception_handler(StillComputing)
    async def _computing(request: Request, exc: StillComputing) -> Response:
        return computing_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem_response(
                request, MalformedJson("the body is not valid JSON; check quotes and commas")
            )
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if _acts(request) and all(e["field"].startswith("body") for e in errors):
            # An action's body refused by its type's schema: the same code as every other door
            # (the pipeline, the command line, the pages) gives for it.
            action = InvalidAction(f"the action's body is invalid: {detail}", errors=errors)
            return problem_response(request, action)
        problem = _Problem(422, "invalid_request", "Invalid request", detail, errors=errors)
        return problem_response(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, TooLarge):  # a chunked body over the limit, met mid-read
            return problem_response(request, exc.__cause__)
        code, title = {
            404: ("not_found", "Not found"),
            405: ("method_not_allowed", "Method not allowed"),
        }.get(exc.status_code, ("http_error", "HTTP error"))
        detail = str(exc.detail)
        if exc.status_code == 404:
            detail = f"there is nothing at {request.url.path}"
            if request.url.path.startswith("/api/"):
                detail += "; /api/docs lists the routes"
        response = problem_response(request, _Problem(exc.status_code, code, title, detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        if exc.status_code == 405:  # every route at the path, not only the first one matched
            response.headers["allow"] = ", ".join(_allowed(request))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        problem = _Problem(
            500,
            "internal_error",
            "Internal error",
            "the node failed unexpectedly; nothing was written. The operator can find the "
            "cause in the node's log",
        )
        return problem_response(request, problem)

    app.add_middleware(BodyLimit, limit=node.settings.max_body_bytes)
    app.add_middleware(SignedRedirects)
    app.add_middleware(StaleLabel, node=node)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ReadCache, node=node)  # outermost: a kept answer skips all of the above
    return app


#: Scripts, styles, images and forms from this node only; no plug-ins, no framing, no <base>.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: The API browser's renderer sets inline styles; its scripts stay this node's own.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeaders:
    """On every answer: a strict Content-Security-Policy (no inline script anywhere), no
    framing, no MIME sniffing, the referrer kept to this origin; and ``Cache-Control:
    no-store`` on every answer to a write and on the account's own pages and routes (they may
    carry a secret: a session token, an exported key, an invitation code)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = str(scope.get("path", "")), str(scope.get("method", "GET"))
        policy = API_DOCS_POLICY if path == "/api/docs" else CONTENT_SECURITY_POLICY
        private = (
            method not in ("GET", "HEAD")
            or path in ("/me", "/api/v1/me")
            or path.startswith(("/me/", "/api/v1/me/"))
        )

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers") or []
                    if not (private and name.lower() == b"cache-control")
                ]
                present = {name.lower() for name, _ in headers}
                headers += [  # a route's own, stricter choice stands (an invitation's referrer)
                    (name, value)
                    for name, value in (
                        (b"content-security-policy", policy.encode()),
                        (b"x-frame-options", b"DENY"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"same-origin"),
                    )
                    if name not in present
                ]
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, guarded)


class SignedRedirects:
    """A page's script that signs in the browser posts its forms with ``fetch``, which cannot
    read where a 303 leads (its anchor included): for such a request a 303 is answered as 200
    ``{"location": …}``, and the script goes there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = SIGNING_HEADER.encode()
        asked = scope["type"] == "http" and any(name == wanted for name, _ in scope["headers"])
        if not asked:
            await self.app(scope, receive, send)
            return
        redirected: list[bytes] = []

        async def answered(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 303:
                location = dict(message.get("headers") or []).get(b"location", b"/")
                redirected.append(location)
                body = b'{"location":' + orjson.dumps(location.decode("latin-1")) + b"}"
                kept = [
                    (name, value)
                    for name, value in message.get("headers") or []
                    if name not in (b"location", b"content-length", b"content-type")
                ]
                kept += [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": kept})
                await send({"type": "http.response.body", "body": body})
                return
            if redirected:
                return  # the 303's own body: replaced above
            await send(message)

        await self.app(scope, receive, answered)


class StaleLabel:
    """While the projections wait for a rebuild, every response says so in the header
    ``Commonwork-Stale`` and pages show it (``request.state.stale``)."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        label = stale_label(self.node) if scope["type"] == "http" else None
        if label is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["stale"] = label

        async def labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"commonwork-stale", label.removeprefix("stale: ").encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, labelled)


class BodyLimit:
    """Refuse request bodies over the limit with a 413 problem before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge(self._detail())
            return message

        await self.app(scope, counted, send)

    def _detail(self) -> str:
        return (
            f"the request body is larger than this node accepts ({self.limit} bytes); "
            "send fewer actions per request"
        )

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = TooLarge(self._detail())
        response = JSONResponse(
            error.as_problem(instance=scope.get("path")),
            status_code=413,
            media_type="application/problem+json",
        )
        await response(scope, receive, send)
