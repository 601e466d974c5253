"""Answers to anonymous reads kept until the database changes: the same bytes, without the work.

Everything a commons holds is public, and the most asked reads (a commons, its lists, a journal
page) are the same for every anonymous client until an entry is written. The web node keeps the
answer to such a read — status 200 of a route marked ``@cacheable``, asked with ``GET`` by a
client with no cookie, no ``Authorization`` and no browser-signing header — and answers the next
identical request from it, byte for byte the same body and headers, with
``Commonwork-Cache: hit`` (``miss`` when it was made).

What it was made from is named by a *generation*: the database's change token
(commonwork.node.changes: it moves with every commit, by this process or another) and the day of
the node's clock (the figures "as of now" read the clock's day; nothing a cached route answers
reads a finer time). A request in a new generation empties the cache first. While the
projections wait for a rebuild, or the token is unknown, nothing is kept or answered from it.

A kept answer is at most ``ENTRY_SHARE`` of the budget (``COMMONWORK_READ_CACHE_BYTES``, 0 turns
the cache off); the least recently used go first when the budget is full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonwork.services.nodes import Node

#: The header that says whether an answer came from the cache.
CACHE_HEADER = b"commonwork-cache"
#: Request headers that make a request private: never answered from the cache, never kept.
PRIVATE = frozenset({b"cookie", b"authorization", b"x-commonwork-sign"})
#: A request that asks for a fresh answer (``Cache-Control: no-cache``, or ``no-store``: nor keep
#: it) is made afresh, as HTTP caches do.
FRESH = b"cache-control"
#: Request headers an answer may depend on (content negotiation, links made from the origin).
VARIES = (b"accept", b"host", b"x-forwarded-proto", b"x-forwarded-host")
#: The largest share of the budget one answer may take.
ENTRY_SHARE = 8
#: What keeping an answer costs beyond its body and headers (the key, the entry), roughly.
OVERHEAD = 256

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def cacheable(*, unless: tuple[str, ...] = ()) -> Callable[[Endpoint], Endpoint]:
    """Mark a read route whose 200 answer is a function of the database, the request's path,
    query and ``VARIES`` headers, and the clock's day only; ``unless``: query parameters that
    make it something else (``as_of``: a limited heavy read, each one counted)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.__dict__["commonwork_cacheable"] = frozenset(unless)
        return endpoint

    return mark


@dataclass(frozen=True, slots=True)
class Kept:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    size: int


class ReadCache:
    """Pure ASGI middleware, outermost: a kept answer skips everything inside it."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node
        self.budget = node.settings.read_cache_bytes
        self.entry_limit = self.budget // ENTRY_SHARE
        self.entries: OrderedDict[tuple[bytes, ...], Kept] = OrderedDict()
        self.size = 0
        self.generation: tuple[Any, ...] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.budget or scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        key, fresh, keep = _key(scope)
        generation = self._generation() if key is not None else None
        if key is None or generation is None:
            await self.app(scope, receive, send)
            return
        if generation != self.generation:
            self.entries.clear()
            self.size = 0
            self.generation = generation
        kept = None if fresh else self.entries.get(key)
        if kept is not None:
            self.entries.move_to_end(key)
            await _replay(kept, send)
            return
        if not keep:
            await self.app(scope, receive, send)
            return
        await self._answer_and_keep(scope, receive, send, key, generation)

    def _generation(self) -> tuple[Any, ...] | None:
        node = self.node
        if node.due or node.changes is None:
            return None  # stale projections (a rebuild is due or under way): never kept
        token = node.changes.token()
        if token is None:
            return None
        return (token, node.clock()[:10])

    async def _answer_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[bytes, ...],
        generation: tuple[Any, ...],
    ) -> None:
        started: dict[str, Any] = {}
        body: list[bytes] = []
        size = 0
        keeping = False

        async def capture(message: Message) -> None:
            nonlocal keeping, size
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                keeping = message["status"] == 200 and _keepable(scope, headers)
                if keeping:
                    headers.append((CACHE_HEADER, b"miss"))
                    started.update(status=message["status"], headers=headers[:-1])
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and keeping:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.entry_limit:
                    keeping = False
                    body.clear()
                else:
                    body.append(chunk)
                    if not message.get("more_body", False):
                        self._keep(key, generation, started, b"".join(body))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(
        self,
        key: tuple[bytes, ...],
        generation: tuple[Any, ...],
        started: dict[str, Any],
        body: bytes,
    ) -> None:
        if generation != self.generation:
            return  # made before a change another request has seen: it may already be out of date
        headers = tuple(started["headers"])
        size = len(body) + sum(len(k) + len(v) for k, v in headers) + OVERHEAD
        size += sum(len(part) for part in key)
        self.entries[key] = Kept(started["status"], headers, body, size)
        self.size += size
        while self.size > self.budget and self.entries:
            _, dropped = self.entries.popitem(last=False)
            self.size -= dropped.size


def _key(scope: Scope) -> tuple[tuple[bytes, ...] | None, bool, bool]:
    """What names an answer — path, query and the headers it may vary by (None: a private
    request) —, whether the request asks for a fresh answer, and whether it may be kept."""
    varies: dict[bytes, bytes] = {}
    fresh, keep = False, True
    for name, value in scope["headers"]:
        if name in PRIVATE:
            return None, True, False
        if name in VARIES:
            varies[name] = value
        elif name == FRESH:
            directives = value.lower()
            fresh = fresh or b"no-cache" in directives or b"no-store" in directives
            keep = keep and b"no-store" not in directives
    path = scope.get("raw_path") or str(scope.get("path", "")).encode()
    key = (path, scope.get("query_string", b""), *(varies.get(name, b"") for name in VARIES))
    return key, fresh, keep


def _keepable(scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
    route = scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    unless = getattr(endpoint, "commonwork_cacheable", None)
    if unless is None:
        return False
    if any(name.lower() == b"set-cookie" for name, _ in headers):
        return False
    if unless:
        asked = {
            name
            for name, _ in parse_qsl(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            )
        }
        if asked & unless:
            return False
    return True


async def _replay(kept: Kept, send: Send) -> None:
    headers = [*kept.headers, (CACHE_HEADER, b"hit")]
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body})
