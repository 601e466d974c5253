"""The generic write door: one operation per action type, generated from its declaration.

``POST /api/v1/commons/{commons_id}/act/{type}`` (and ``POST /api/v1/act/commons.commons.found``,
which names no commons yet) signs the body with the signed-in account's key and appends it, like
the friendly routes do; each operation's request schema is the action type's own body schema, so
the OpenAPI document describes every action type the node knows, and a new action type gets its
operation without a line here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from commonwork.services import accounts, acting
from commonwork.services.catalog import ACTION_SPECS, FORK, FOUND, ActionSpec
from commonwork.web.api import written
from commonwork.web.auth import node_of, require_account
from commonwork.web.limits import limit_client
from commonwork.web.schemas import PROBLEM_RESPONSES, WriteResult

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def act_path(action_type: str) -> str:
    """The path of an action type's operation."""
    if action_type == FOUND:
        return f"/api/v1/act/{action_type}"
    return f"/api/v1/commons/{{commons_id}}/act/{action_type}"


def _operation(spec: ActionSpec) -> Callable[..., JSONResponse]:
    founding = spec.type == FOUND

    def handler(request: Request, body: BaseModel, commons_id: str | None = None) -> JSONResponse:
        account = require_account(request)
        if spec.type == FORK:
            limit_client(request, "fork")  # a fork copies its parent's journal: counted apart
        node = node_of(request)
        appended = acting.act(
            node,
            actor=accounts.custodial_keypair(node, account),
            commons_id=commons_id,
            action_type=spec.type,
            body=body.model_dump(mode="json", exclude_unset=True),
        )
        return written([appended])

    # FastAPI reads the request schema from the signature: the action type's own body model.
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=spec.body),
    ]
    if not founding:
        parameters.append(
            inspect.Parameter("commons_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
        )
    handler.__dict__["__signature__"] = inspect.Signature(parameters)  # what inspect reads
    handler.__name__ = "act_" + spec.type.replace(".", "_")
    return handler


def _register(specs: dict[str, ActionSpec]) -> None:
    for action_type, spec in sorted(specs.items()):
        router.add_api_route(
            act_path(action_type)[len("/api/v1") :],
            _operation(spec),
            methods=["POST"],
            summary=f"{action_type}: {spec.summary}",
            description=(
                f"Sign a `{action_type}` action with the signed-in account's key and append "
                "it. The body is the action type's own schema, exactly as it is signed into "
                "the journal (docs/journal.md); the friendly routes are shorthands for some of "
                "these."
            ),
            tags=["act"],
            status_code=201,
            response_model=WriteResult,
            operation_id="act_" + action_type.replace(".", "_"),
        )


_register(ACTION_SPECS)

__all__ = ["act_path", "router"]
