"""Actions: what an author signs (DESIGN §3.1).

    action = {"v": 1, "commons": ID, "type": "area.thing.verb", "author": DID,
              "nonce": 22 chars, "at": "YYYY-MM-DDTHH:MM:SS.mmmZ", "body": {...}}
    author_sig = Ed25519(author, b"commonwork/action/v1\\n" + canon(action))

``commons`` is left out only in a genesis action (found or fork), whose entry id becomes the id of
the new commons.
"""

from __future__ import annotations

import abc
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from commonwork.errors import BadSignature, InvalidAction, TooLarge
from commonwork.journal import keys
from commonwork.journal.canonical import canon, canon_checked, check_profile

ACTION_DOMAIN = b"commonwork/action/v1\n"
FORMAT_VERSION = 1
MAX_ACTION_BYTES = 64 * 1024
GENESIS_TYPES = frozenset({"commons.commons.found", "commons.commons.fork"})
#: A fork starts a new commons by continuing its parent's journal from one entry: it follows that
#: entry (seq, prev), names it in its body (parent, at_seq, at_hash), and is the new commons' id.
FORK_TYPE = "commons.commons.fork"
#: A host change: the entry, sealed by the host so far and signed by the new host (its consent),
#: names the new host in its body (``host``); the entries after it are sealed by that host.
HANDOVER_TYPE = "governance.host.handover"
TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
TIME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
ID_PATTERN = re.compile(r"[0-9a-f]{64}")
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")  # the canonical spelling of 16 bytes
_REQUIRED = ("v", "type", "author", "nonce", "at", "body")
_ALLOWED = frozenset((*_REQUIRED, "commons"))


def format_time(moment: datetime) -> str:
    """The journal's time format: UTC, milliseconds, a trailing Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    if not isinstance(text, str) or not TIME_PATTERN.fullmatch(text):
        raise InvalidAction(f"{text!r} is not a time of the form 2026-11-21T10:00:00.000Z (UTC)")
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError as exc:
        raise InvalidAction(f"{text!r} is not a real date and time: {exc}") from exc


def now() -> str:
    return format_time(datetime.now(UTC))


def new_nonce() -> str:
    return keys.b64url(os.urandom(16))


@dataclass(frozen=True, slots=True)
class SignedAction:
    """An action with its author's signature, checked for form (and, if ``verified``, signature)."""

    action: dict[str, Any]
    author_sig: str
    canonical: bytes
    verified: bool = True
    signature: bytes = b""  # author_sig decoded (empty until known)

    def signed_message(self) -> bytes:
        """The exact bytes the author signed."""
        return ACTION_DOMAIN + self.canonical

    @property
    def type(self) -> str:
        return str(self.action["type"])

    @property
    def author(self) -> str:
        return str(self.action["author"])

    @property
    def nonce(self) -> str:
        return str(self.action["nonce"])

    @property
    def commons(self) -> str | None:
        value = self.action.get("commons")
        return None if value is None else str(value)

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.action["body"]
        return body

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "author_sig": self.author_sig}


def build_action(
    *,
    type: str,  # "type" is the field's name in the journal format
    author: str,
    body: dict[str, Any],
    commons: str | None = None,
    at: str | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "type": type,
        "author": author,
        "nonce": nonce or new_nonce(),
        "at": at or now(),
        "body": body,
    }
    if commons is not None:
        action["commons"] = commons
    return action


class SignedElsewhere(abc.ABC):
    """An author whose secret key is not here (a person's browser holds it): it has the author's
    signature of the action already, or it asks for one (its own way: an exception the door
    that made it turns into the question)."""

    did: str

    @abc.abstractmethod
    def signed(self, action: dict[str, Any]) -> SignedAction:
        """``action`` as its author signed it elsewhere (its ``nonce`` and ``at`` the signed
        ones), or an exception that asks for the signature."""


#: Who signs an action: a key held here, or an author signing elsewhere.
Signer = keys.Keypair | SignedElsewhere


def sign_action(keypair: Signer, action: dict[str, Any]) -> SignedAction:
    """Sign ``action`` as ``keypair`` (which must be its author) and check the result."""
    if isinstance(keypair, SignedElsewhere):
        return keypair.signed(action)
    canonical = canon(action)
    signature = keys.b64url(keypair.sign(ACTION_DOMAIN + canonical))
    return check_signed({"action": action, "author_sig": signature})


def check_action_form(action: Any) -> None:
    """Raise InvalidAction unless ``action`` has the version-1 form."""
    if not isinstance(action, dict):
        raise InvalidAction("'action' must be a JSON object")
    missing = [name for name in _REQUIRED if name not in action]
    if missing:
        raise InvalidAction(f"the action lacks {', '.join(missing)}")
    extra = sorted(set(action) - _ALLOWED)
    if extra:
        raise InvalidAction(f"the action has unknown fields: {', '.join(extra)}")
    if type(action["v"]) is not int or action["v"] != FORMAT_VERSION:
        raise InvalidAction(f"this node reads action format v1, not v={action['v']!r}")
    kind = action["type"]
    if not isinstance(kind, str) or not TYPE_PATTERN.fullmatch(kind):
        raise InvalidAction(f"'type' must look like area.thing.verb, not {kind!r}")
    if kind in GENESIS_TYPES:
        if "commons" in action:
            raise InvalidAction(f"a {kind} action starts a new commons and carries no 'commons'")
    elif not isinstance(action.get("commons"), str) or not ID_PATTERN.fullmatch(action["commons"]):
        raise InvalidAction("'commons' must be the 64-hex-digit id of the commons")
    keys.public_key_from_did(action["author"])
    if not isinstance(action["nonce"], str) or not NONCE_PATTERN.fullmatch(action["nonce"]):
        raise InvalidAction(
            "'nonce' must be 16 random bytes in unpadded base64url (22 characters of "
            "A-Z a-z 0-9 - _, the last one of A Q g w)"
        )
    parse_time(action["at"])
    if not isinstance(action["body"], dict):
        raise InvalidAction("'body' must be a JSON object")


def check_signed(signed: Any, *, verify_signature: bool = True) -> SignedAction:
    """Check a submitted ``{"action": …, "author_sig": …}``: form, size and signature.

    With ``verify_signature=False`` the signature's form is checked but not the signature itself:
    the result is marked unverified and the append pipeline verifies it before committing.
    """
    if not isinstance(signed, dict) or set(signed) != {"action", "author_sig"}:
        raise InvalidAction("send an object with exactly two fields: 'action' and 'author_sig'")
    action = signed["action"]
    check_profile(action, "$.action")
    check_action_form(action)
    canonical = canon_checked(action)
    if len(canonical) > MAX_ACTION_BYTES:
        raise TooLarge(
            f"the action is {len(canonical)} bytes in canonical form; the limit is "
            f"{MAX_ACTION_BYTES} (64 KiB). Reference large things by sha256 and URL instead"
        )
    signature = keys.b64url_decode(
        signed["author_sig"], length=64, what="'author_sig'", error=BadSignature
    )
    if verify_signature:
        keys.verify(action["author"], ACTION_DOMAIN + canonical, signature, what="'author_sig'")
    return SignedAction(
        action, signed["author_sig"], canonical, verified=verify_signature, signature=signature
    )
