"""The one error tree of commonwork.

Every error a person can meet carries a stable ``code`` (part of the public API: clients may switch
on it), the HTTP ``status`` the API answers with, a short ``title`` and a ``detail`` sentence that
says what to do about it. The HTTP API renders them as RFC 9457 problem details; the CLI prints the
detail and exits non-zero.

    CommonworkError
    ├── BadInput                      400  the request cannot be read at all
    │   ├── MalformedJson             400  not JSON, or not UTF-8
    │   ├── NonCanonical              400  outside the canonical profile (floats, big ints, keys)
    │   └── TooLarge                  413  over a size limit
    ├── InvalidAction                 422  well-formed JSON that is not a valid action
    │   ├── UnknownActionType         422
    │   ├── BadSignature              422  a signature that does not verify
    │   ├── BadKey                    422  a did:key that is not a usable Ed25519 key
    │   ├── WrongCommons              422  signed for another commons than the one addressed
    │   └── ClockSkew                 422  the author's clock is too far ahead of the host's
    ├── RuleViolation                 422  a valid action the commons' rules refuse
    │   ├── NotAMember                403
    │   ├── NotAllowed                403
    │   ├── AlreadyDone               409
    │   └── SlotTaken                 409  a booking overlaps one that holds the time already
    ├── NonceReused                   409  same (author, nonce), different content
    ├── NotFound                      404
    ├── AuthenticationRequired        401
    ├── AuthenticationFailed          401
    ├── Conflict                      409
    ├── RateLimited                   429  too many requests of one kind: wait Retry-After
    ├── ChainBroken                   422  an imported or verified journal fails a check
    ├── StorageUnavailable            503
    ├── Busy                          503  every slot of a bounded kind of work is in use
    ├── NotSettledYet                 503  an upgraded node has not settled a journal yet
    ├── Rebuilding                    503  projections being rebuilt, or due: try again later
    └── WrongHost                     422  a founding not addressed to the host that appends it
"""

from __future__ import annotations

from typing import Any


class CommonworkError(Exception):
    """Base of every error commonwork raises on purpose."""

    code = "error"
    status = 500
    title = "Something went wrong"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = extra

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem-details object for this error."""
        problem: dict[str, Any] = {
            "type": f"https://commonwork.example/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance is not None:
            problem["instance"] = instance
        problem.update(self.extra)
        return problem


class BadInput(CommonworkError):
    code = "bad_input"
    status = 400
    title = "The request cannot be read"


class MalformedJson(BadInput):
    code = "malformed_json"
    title = "Malformed JSON"


class NonCanonical(BadInput):
    code = "non_canonical_json"
    title = "JSON outside the canonical profile"


class TooLarge(BadInput):
    code = "too_large"
    status = 413
    title = "Too large"


class InvalidAction(CommonworkError):
    code = "invalid_action"
    status = 422
    title = "Invalid action"


class UnknownActionType(InvalidAction):
    code = "unknown_action_type"
    title = "Unknown action type"


class BadSignature(InvalidAction):
    code = "bad_signature"
    title = "Signature does not verify"


class BadKey(InvalidAction):
    code = "bad_key"
    title = "Unusable public key"


class WrongCommons(InvalidAction):
    code = "wrong_commons"
    title = "Action signed for another commons"


class ClockSkew(InvalidAction):
    code = "clock_skew"
    title = "Author's clock is ahead of the host's"


class RuleViolation(CommonworkError):
    code = "rule_violation"
    status = 422
    title = "Refused by the commons' rules"


class NotAMember(RuleViolation):
    code = "not_a_member"
    status = 403
    title = "Not a member of this commons"


class NotAllowed(RuleViolation):
    code = "not_allowed"
    status = 403
    title = "Not allowed"


class AlreadyDone(RuleViolation):
    code = "already_done"
    status = 409
    title = "Already done"


class SlotTaken(RuleViolation):
    code = "slot_taken"
    status = 409
    title = "That time is taken"


class NonceReused(CommonworkError):
    code = "nonce_reused"
    status = 409
    title = "Nonce already used for another action"


class NotFound(CommonworkError):
    code = "not_found"
    status = 404
    title = "Not found"


class AuthenticationRequired(CommonworkError):
    code = "authentication_required"
    status = 401
    title = "Sign in first"


class AuthenticationFailed(CommonworkError):
    code = "authentication_failed"
    status = 401
    title = "Wrong e-mail or password"


class Conflict(CommonworkError):
    code = "conflict"
    status = 409
    title = "Conflict"


class RateLimited(CommonworkError):
    """Too many requests of one kind from one client (or at one account) in a window; the HTTP
    API answers with ``Retry-After`` (``retry_after`` seconds, in the problem too)."""

    code = "rate_limited"
    status = 429
    title = "Too many requests: wait a little"


class ChainBroken(CommonworkError):
    code = "chain_broken"
    status = 422
    title = "The journal fails verification"


class StorageUnavailable(CommonworkError):
    code = "storage_unavailable"
    status = 503
    title = "The database is unavailable"


class Busy(CommonworkError):
    """A bounded kind of work (password hashing, a heavy job) has every slot in use; the HTTP
    API answers with ``Retry-After``."""

    code = "busy"
    status = 503
    title = "The node is busy: try again in a moment"


class NotSettledYet(CommonworkError):
    code = "not_settled_yet"
    status = 503
    title = "The figures are not settled on this node yet"


class Rebuilding(CommonworkError):
    """Writes wait while the node rebuilds its projections (an area's projection version
    changed); the HTTP API answers with ``Retry-After``."""

    code = "rebuilding"
    status = 503
    title = "The node's projections are being rebuilt (or wait for a rebuild)"
    retry_after = 30  # seconds


class WrongHost(CommonworkError):
    """A founding names the host it is addressed to: another node refuses it as a new founding,
    and a journal whose genesis was countersigned by another host than it names fails
    verification. A new founding that names no host is refused too."""

    code = "wrong_host"
    status = 422
    title = "Founding addressed to another host"


def all_error_classes() -> list[type[CommonworkError]]:
    """Every error class, for documentation and the tests that check it."""
    seen: list[type[CommonworkError]] = []
    stack: list[type[CommonworkError]] = [CommonworkError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
