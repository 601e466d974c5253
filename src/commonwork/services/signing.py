"""Signing in the person's browser: the pages act for an account whose key only its browser holds.

The page posts its form as always. Where the use case would sign an action, a ``BrowserSigner``
stands in for the key: the first time it has no signature, so it stops the request with
``NeedsSignature``, carrying the action exactly as it would be signed (its nonce and time
included); the page's script signs that action with the key in the browser (WebCrypto Ed25519)
and posts the same form again with the signed action. The second time the signer hands over the
browser's signed action, once it checks that it is the action the use case asks for (the same
type, commons, author and body; its own nonce and time) and that the signature verifies. A use
case that signs two actions asks twice. The node never sees the secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from commonwork.errors import BadInput, CommonworkError
from commonwork.journal.actions import SignedAction, SignedElsewhere, check_signed

#: The form field in which a page posts the actions its browser signed (a JSON array).
SIGNED_FIELD = "commonwork_signed"
#: The header a page's script sends: it can sign in the browser.
SIGNING_HEADER = "x-commonwork-sign"
_FIXED = ("v", "type", "author", "commons", "body")  # what the browser may not change


class NeedsSignature(Exception):
    """The use case needs the browser to sign ``action`` (the ``index``-th of this request)."""

    def __init__(self, action: dict[str, Any], index: int) -> None:
        super().__init__(f"the browser is asked to sign {action['type']}")
        self.action = action
        self.index = index


class BrowserSigner(SignedElsewhere):
    """The key of ``did``, held by the person's browser; ``provided``: what it signed so far."""

    def __init__(self, did: str, provided: Sequence[SignedAction]) -> None:
        self.did = did
        self._provided = list(provided)
        self._used = 0

    def signed(self, action: dict[str, Any]) -> SignedAction:
        if self._used >= len(self._provided):
            raise NeedsSignature(action, self._used)
        given = self._provided[self._used]
        wanted = {key: action.get(key) for key in _FIXED}
        if {key: given.action.get(key) for key in _FIXED} != wanted:
            raise BadInput(
                "the action your browser signed is not the one this form makes (it changed in "
                "between): reload the page and try again"
            )
        self._used += 1
        return given


def browser_signer(did: str, posted: str | None) -> BrowserSigner:
    """The signer of ``did`` with the actions a page posted in ``SIGNED_FIELD``, each checked
    (its form, and its signature by ``did``)."""
    provided: list[SignedAction] = []
    if posted:
        try:
            items = orjson.loads(posted)
        except orjson.JSONDecodeError as exc:
            raise BadInput(f"the signed actions the page posted are not JSON: {exc}") from exc
        if not isinstance(items, list) or len(items) > 8:
            raise BadInput("the page posts its signed actions as a JSON array (8 at most)")
        for item in items:
            try:
                signed = check_signed(item, verify_signature=True)
            except CommonworkError as exc:
                raise BadInput(f"an action your browser signed was refused: {exc.detail}") from exc
            if signed.action.get("author") != did:
                raise BadInput("an action your browser signed names another author than you")
            provided.append(signed)
    return BrowserSigner(did, provided)
