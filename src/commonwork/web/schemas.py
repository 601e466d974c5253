"""Request and response shapes of the HTTP API, for validation and the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

#: Bounds of the integers a route takes, so that none reaches the database out of its range
#: (an integer over 2^63 made SQLite's driver raise OverflowError: a 500, not a 4xx).
MAX_SEQ = 2**53 - 1  # the canonical profile's integers
MAX_OFFSET = 10**9
MAX_PAGE = 10**7
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="The page, from 1.")]
AfterSeq = Annotated[
    int, Query(ge=-1, le=MAX_SEQ, description="Entries with seq greater than this.")
]


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable and safe to switch on.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong and what to do about it."},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "index": {"type": "integer", "description": "Which action of a batch was refused."},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }
    for status, text in {
        400: "Malformed or non-canonical JSON",
        401: "Sign in first",
        403: "Not a member, or not allowed by the commons' rules",
        404: "No such commons, contribution or entry",
        409: "Already done, or a nonce reused for another action",
        413: "Body or action too large",
        422: "Invalid action, bad signature, or refused by the rules",
        503: "The database is unavailable",
    }.items()
}

#: A heavy read's job, while it is queued or running (202 `computing`).
COMPUTING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["computing"]},
        "detail": {"type": "string", "description": "What is being computed; ask again later."},
        "retry_after": {"type": "integer", "description": "Seconds to wait before asking again."},
        "job": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "state": {"type": "string", "enum": ["queued", "running", "done"]},
                "done": {"type": "integer"},
                "total": {"type": ["integer", "null"]},
                "seconds": {"type": "number"},
            },
        },
    },
    "required": ["status", "detail", "retry_after", "job"],
}

#: What a route answering a heavy read may answer besides its result (see node/jobs.py).
COMPUTING_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Being computed outside the request: ask again after `Retry-After`",
        "content": {"application/json": {"schema": COMPUTING_SCHEMA}},
    },
    429: {
        "description": "Too many requests of this kind from this client: wait `Retry-After`",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    },
}

#: Marks a client-signed route: its request body is described per action type when the app
#: builds its OpenAPI document (web/action_schemas.py), from the areas' declarations.
SIGNED_ACTION_BODY: dict[str, Any] = {"x-commonwork-signed-actions": "in a commons"}
#: The same for the route that takes a founding (a genesis action, which names no commons).
SIGNED_GENESIS_BODY: dict[str, Any] = {"x-commonwork-signed-actions": "genesis"}


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class WrittenEntry(BaseModel):
    commons: str = Field(description="The commons the entry belongs to.")
    id: str = Field(description="The entry id (hex sha256 of its wire line).")
    seq: int
    type: str
    recorded_at: str
    created: bool = Field(description="False when the action had been appended before.")


class WriteResult(BaseModel):
    items: list[WrittenEntry]
    head: str | None = Field(description="The id of the last entry written by this request.")


Text = Annotated[str, Field(min_length=1, max_length=4000)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(min_length=8, max_length=1000)]
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    held_did: Annotated[
        str | None,
        Field(
            max_length=100,
            description=(
                "A key the person holds (did:key): the node keeps no secret and cannot sign for "
                "them. Give it with `held_proof`; leave both out for a key the node keeps."
            ),
        ),
    ] = None
    held_proof: Annotated[
        str | None,
        Field(
            max_length=100,
            description=(
                "Ed25519 signature (base64url) by `held_did` of "
                '`"commonwork/account-key/v1\\n" + email + "\\n" + held_did`.'
            ),
        ),
    ] = None


class HoldKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proof: Annotated[
        str,
        Field(
            max_length=100,
            description=(
                "Ed25519 signature (base64url) by the account's key of "
                '`"commonwork/account-key/v1\\n" + email + "\\n" + did`.'
            ),
        ),
    ]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1000)]


class PasswordOnly(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(max_length=1000)]


class FoundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    charter: dict[str, Any] = Field(
        description="name, purpose, aims, metrics, licence (SPDX), join_policy (open|invitation); "
        "optionally validation_policy, value_policy and standing_policy (docs/standing.md). What "
        "it leaves out of the policies comes from `preset`, and the founder is seeded."
    )
    founder_name: Annotated[str, Field(max_length=100)] | None = None
    preset: Literal["small-group", "open"] = Field(
        default="small-group",
        description="small-group: a small group that trusts each other (a lone founder accepts "
        "work with one approval); open: open to anyone, resistant to fake accounts.",
    )


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(max_length=4000, description="Why, optionally.")] = ""


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=100)] | None = None


class ArtifactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: Annotated[str, Field(description="64 lowercase hex digits.")]
    url: Annotated[str, Field(description="Where to get it: http(s), up to 2000 characters.")]
    size: Annotated[int, Field(description="Bytes.")]
    media_type: str | None = None


class CoAuthorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: Annotated[str, Field(description="The co-author's did:key (an active member).")]
    share: Annotated[str, Field(description="A decimal string above 0 and below 1: '0.25'.")]


CO_AUTHORS = (
    "Up to 50 co-authors with shares; your own share is what theirs leave of 1, so theirs must "
    "sum to less than 1. Do not list yourself."
)
HAPPENED_AT = (
    "When the work happened, by your own account (shown as such): 2026-11-21T10:00:00.000Z."
)


class CorrectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(description="Why: 1 to 4000 characters.")]
    quantity: str | None = None
    description: str | None = None
    happened_at: Annotated[str, Field(description=HAPPENED_AT)] | None = None
    artifact: ArtifactRequest | None = None
    resource: str | None = None
    co_authors: (
        Annotated[list[CoAuthorRequest], Field(description=CO_AUTHORS + " Replaces the list.")]
        | None
    ) = None


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(description="1 to 200 characters.")]
    description: Annotated[str, Field(description="1 to 4000 characters.")]
    skills: list[str] = Field(
        default_factory=list,
        description="Up to 20 skills, each of lowercase letters, digits and '-' (1 to 50).",
    )
    estimate: Annotated[str, Field(description="Hours, a decimal string: '3.5'.")] | None = None


class ValidationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Annotated[
        Literal["approve", "dispute", "adjust"],
        Field(description="approve; dispute (with a reason); adjust (with a reason and quantity)."),
    ]
    reason: Annotated[str, Field(max_length=4000)] = ""
    quantity: (
        Annotated[str, Field(description="adjust only: the quantity you find right, e.g. '3'.")]
        | None
    ) = None


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value_policy: Annotated[
        dict[str, Any],
        Field(
            description="The candidate value policy: {version, kinds: {kind: weight}, skills: "
            "{skill: multiplier}, cap_per_contribution, caps: {per_member_per_month}}, weights "
            "as decimal strings."
        ),
    ]
    as_of: Annotated[str, Field(description="Journal time to compute as of (default: now).")] | (
        None
    ) = None
