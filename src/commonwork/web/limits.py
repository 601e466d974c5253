"""Request limits per client: a moving window per limit and key, in the node's memory.

A limit answers 429 ``rate_limited`` with ``Retry-After`` (seconds until the window lets the next
request through). The windows are kept by the ``limits`` library (moving windows in memory: one
web process per node, forgotten on restart, which errs towards letting people in).

The defaults (DEFAULTS, documented in docs/settings.md) suit a community's node on the open
internet: a workshop behind one address can still sign up together; a guesser or a flood cannot.
``COMMONWORK_RATE_LIMITS`` overrides any of them (``sign_in_account=5/minute;expensive=2/second``)
or turns them all ``off``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItem, parse_many, storage, strategies

from commonwork.errors import BadInput, RateLimited
from commonwork.web.clients import client_address

#: name → (limits, what is counted, per what).
DEFAULTS: dict[str, tuple[str, str]] = {
    "expensive": (
        "60/minute",
        "requests to the expensive public reads (a full verification, the value-policy "
        "preview, standing as of a past day, the books' exports), per client address",
    ),
    "sign_in_address": ("30/minute;300/hour", "sign-in attempts per client address"),
    "sign_in_account": (
        "10/15minutes",
        "wrong passwords per account (e-mail address, known or not); when used up, even the "
        "right password waits",
    ),
    "sign_up": ("60/hour", "sign-ups per client address"),
    "fork": (
        "10/hour",
        "forks started per client address (each copies its parent's journal up to the fork)",
    ),
    "password": ("10/15minutes", "password checks per signed-in account (key export)"),
}


@dataclass(frozen=True)
class Limit:
    name: str
    items: tuple[RateLimitItem, ...]


class Limits:
    """The node's request limits; ``hit`` counts one request and refuses it when over."""

    def __init__(self, spec: str) -> None:
        self.enabled = spec.strip().lower() != "off"
        chosen = {name: text for name, (text, _) in DEFAULTS.items()}
        if self.enabled and spec.strip():
            for part in spec.split(";" if "=" in spec else ","):
                name, _, text = part.partition("=")
                if name.strip() in chosen:
                    chosen[name.strip()] = text.strip()
                elif name.strip():
                    raise BadInput(
                        f"COMMONWORK_RATE_LIMITS: unknown limit {name.strip()!r}; the limits "
                        f"are {', '.join(DEFAULTS)}"
                    )
        self.limits = {name: self._parse(name, text) for name, text in chosen.items()}
        self._storage = storage.MemoryStorage()
        self._windows = strategies.MovingWindowRateLimiter(self._storage)

    @staticmethod
    def _parse(name: str, text: str) -> Limit:
        try:
            items = tuple(parse_many(text.replace(",", ";")))
        except ValueError as exc:
            raise BadInput(
                f"COMMONWORK_RATE_LIMITS: {name}={text!r} is not a limit such as 10/minute"
            ) from exc
        return Limit(name, items)

    def check(self, name: str, key: str) -> None:
        """Refuse (429) when ``key`` has used up limit ``name``, without counting."""
        if not self.enabled:
            return
        for item in self.limits[name].items:
            if not self._windows.test(item, name, key):
                self._refuse(name, item, key)

    def hit(self, name: str, key: str) -> None:
        """Count one request of ``key`` against limit ``name``; refuse (429) when over."""
        if not self.enabled:
            return
        for item in self.limits[name].items:
            if not self._windows.hit(item, name, key):
                self._refuse(name, item, key)

    def _refuse(self, name: str, item: RateLimitItem, key: str) -> None:
        reset = self._windows.get_window_stats(item, name, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise RateLimited(
            f"too many requests of this kind ({DEFAULTS[name][1]}: at most {item}); "
            f"try again in {wait} s",
            retry_after=wait,
            limit=name,
        )


def limits_of(request: Request) -> Limits:
    found: Limits = request.app.state.limits
    return found


def limit_client(request: Request, name: str) -> None:
    """Count this request against limit ``name`` for the client's address."""
    limits_of(request).hit(name, client_address(request))
