"""The request schema of the client-signed routes, from the areas' declarations: one signed
envelope per action type, its ``body`` that type's own schema (DESIGN §3.1), so the OpenAPI
document is as strict as the pipeline's form checks (``journal.actions``) and every action type
the node knows is described; a new action type is described without a line here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import models_json_schema

from commonwork.services.catalog import ActionSpec

REF = "#/components/schemas/{model}"
GENESIS = ("commons.commons.found", "commons.commons.fork")

Id = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="The commons' id (hex)")]
Did = Annotated[str, Field(pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]+$", description="did:key")]
Nonce = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_-]{21}[AQgw]$", description="16 random bytes, base64url"),
]
Time = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$",
        description="The author's clock, UTC with milliseconds",
    ),
]
Signature = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_-]{86}$", description="Ed25519 signature, base64url")
]


def _model_name(action_type: str) -> str:
    return "".join(part.capitalize() for part in action_type.replace("_", ".").split("."))


def _envelope(spec: ActionSpec) -> type[BaseModel]:
    name = _model_name(spec.type)
    strict = ConfigDict(extra="forbid")
    fields: dict[str, Any] = {
        "v": (Literal[1], ...),
        "type": (Literal[spec.type], ...),
        "author": (Did, ...),
        "nonce": (Nonce, ...),
        "at": (Time, ...),
        "body": (spec.body, ...),
    }
    if spec.type not in GENESIS:  # a genesis action names no commons: its entry's id becomes it
        fields["commons"] = (Id, ...)
    action: type[BaseModel] = create_model(f"{name}Action", __config__=strict, **fields)
    signed: type[BaseModel] = create_model(
        f"Signed{name}",
        __config__=strict,
        action=(action, ...),
        author_sig=(Signature, ...),
    )
    signed.__doc__ = f"A {spec.type} action ({spec.summary}) and its author's signature."
    return signed


def signed_action_openapi(
    specs: Iterable[ActionSpec], *, genesis: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body of a client-signed route and the component schemas it refers to: for
    ``genesis`` the founding and fork actions, otherwise every other action type."""
    chosen = [spec for spec in specs if (spec.type in GENESIS) == genesis]
    models = [_envelope(spec) for spec in sorted(chosen, key=lambda spec: spec.type)]
    top, found = models_json_schema([(model, "validation") for model in models], ref_template=REF)
    one = {"oneOf": [top[(model, "validation")] for model in models]}
    many = {"type": "array", "minItems": 1, "items": one}
    body = {
        "required": True,
        "description": (
            'A signed action `{"action": {v, commons, type, author, nonce, at, body}, '
            '"author_sig": base64url}`, a JSON array of them (a batch: all or nothing), or NDJSON '
            "(`Content-Type: application/x-ndjson`). The signature is Ed25519 by the author over "
            '`b"commonwork/action/v1\\n" + canonical JSON of the action` (RFC 8785 profile). '
            "Each action type's body is described by its own schema."
        ),
        "content": {
            "application/json": {"schema": {"oneOf": [one, many]}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
    return body, found.get("$defs", {})
