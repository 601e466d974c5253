"""Who is on the other end of a request: the client's address (for rate limits) and whether the
request came over HTTPS (for Secure cookies).

Both come from the socket. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only when
the socket's peer is one of ``COMMONWORK_TRUSTED_PROXIES``: anyone else could write them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request

from commonwork.services.nodes import IPNetwork, Node


def node_of(request: Request) -> Node:
    """The node the app serves (``web.auth`` gives it to the routes)."""
    node: Node = request.app.state.node
    return node


def from_here(origin: str, request: Request) -> bool:
    """Whether ``origin`` (an Origin header) is this node's own, as the request reached it."""
    return origin.split("://", 1)[-1] == request.url.netloc


def _trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def _peer(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def client_address(request: Request) -> str:
    """The client's address: the socket's peer, or, when that peer is a trusted proxy, the
    nearest address in ``X-Forwarded-For`` that is not one of the trusted proxies."""
    peer = _peer(request)
    proxies = node_of(request).settings.trusted_proxies
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = [
        part.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    for address in reversed(forwarded):  # each proxy appends the address it saw
        if not _trusted(address, proxies):
            return address
    return forwarded[0] if forwarded else peer


def came_over_https(request: Request) -> bool:
    """Whether the request reached us over HTTPS: the socket's scheme, or a trusted proxy's
    ``X-Forwarded-Proto`` (the last one, added by the nearest proxy)."""
    if request.url.scheme == "https":
        return True
    proxies = node_of(request).settings.trusted_proxies
    if not proxies or not _trusted(_peer(request), proxies):
        return False
    said = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return said == "https"


def secure_cookies(request: Request) -> bool:
    """Mark cookies Secure: as COMMONWORK_SECURE_COOKIES says, or (auto) when over HTTPS."""
    chosen = node_of(request).settings.secure_cookies
    return came_over_https(request) if chosen is None else chosen
