"""The JSON HTTP API under /api/v1: public reads, client-signed actions, custodial actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from commonwork.services import acting, journals, queries, tasks_read
from commonwork.services.acting import Appended
from commonwork.services.models import JsonValue, as_json
from commonwork.services.settled import HEAVY_WAIT
from commonwork.web.auth import node_of
from commonwork.web.limits import limit_client
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import (
    COMPUTING_RESPONSES,
    MAX_OFFSET,
    MAX_SEQ,
    PROBLEM_RESPONSES,
    SIGNED_ACTION_BODY,
    SIGNED_GENESIS_BODY,
    AfterSeq,
    Page,
    WriteResult,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Limit = Annotated[int, Query(ge=1, le=500, description="How many items at most (1 to 500).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many items to skip.")]
ByStatus = "Filter by status."
ContributionStatus = Annotated[
    str | None, Query(pattern="^(pending|accepted|disputed|rejected)$", description=ByStatus)
]
TaskStatus = Annotated[str | None, Query(pattern="^(open|closed|withdrawn)$", description=ByStatus)]
Skill = Annotated[
    str | None, Query(pattern="^[a-z0-9-]{1,50}$", description="Only tasks needing this skill.")
]


def answer(data: Any) -> Response:
    """A JSON answer made with orjson, handed to the server as it is: a read route that returns
    plain JSON data skips FastAPI's re-encoding of it (a fifth of a small read's time)."""
    return Response(orjson.dumps(data), media_type="application/json")


def listing(items: Sequence[Any], limit: int, offset: int) -> dict[str, Any]:
    """One page of a list, as every list answers it."""
    return {"items": [as_json(item) for item in items], "limit": limit, "offset": offset}


def write_result(appended: Appended) -> dict[str, Any]:
    return {
        "commons": appended.commons_id,
        "id": appended.entry.id,
        "seq": appended.entry.seq,
        "type": appended.entry.type,
        "recorded_at": appended.entry.recorded_at,
        "created": appended.created,
    }


def written(results: list[Appended]) -> JSONResponse:
    """201 when anything new was appended; 200 when every action was a resubmission."""
    status = 201 if any(item.created for item in results) else 200
    items = [write_result(item) for item in results]
    head = items[-1]["id"] if items else None
    return JSONResponse({"items": items, "head": head}, status_code=status)


def write_route(
    on: APIRouter, path: str, summary: str, **details: Any
) -> Callable[[Endpoint], Endpoint]:
    """A route that appends to a journal: ``POST``, tagged "write", answering ``written``'s
    ``WriteResult`` (201; 200 when every action was a resubmission)."""
    return on.post(
        path,
        summary=summary,
        tags=["write"],
        status_code=201,
        response_model=WriteResult,
        **details,
    )


async def signed_batch(request: Request) -> list[JsonValue]:
    """The signed actions in the body: one JSON object, a JSON array, or NDJSON lines."""
    ndjson = "ndjson" in request.headers.get("content-type", "")
    return acting.signed_batch(await request.body(), ndjson=ndjson)


@router.get("/node", summary="This node: its host key and what it holds", tags=["node"])
@cacheable()
def node_info(request: Request) -> dict[str, Any]:
    node = node_of(request)
    return {
        "host": node.host_key.did,
        "commons": queries.count_commons(node),
        "journal_format": 1,
    }


@router.get("/commons", summary="List the commons on this node", tags=["read"], response_model=Page)
@cacheable()
def list_commons(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    node = node_of(request)
    listed = queries.list_commons(node, limit=limit, offset=offset)
    items = [{**as_json(item), "id": item.commons_id} for item in listed]
    total = queries.count_commons(node)
    return answer({"items": items, "total": total, "limit": limit, "offset": offset})


@write_route(
    router,
    "/commons",
    "Found a commons with a client-signed commons.commons.found action",
    openapi_extra=SIGNED_GENESIS_BODY,
)
async def found_signed(request: Request) -> JSONResponse:
    batch = await signed_batch(request)
    return written(acting.submit_signed(node_of(request), None, batch))


@router.get("/commons/{commons_id}", summary="A commons: charter, head, digest", tags=["read"])
@cacheable()
def get_commons(request: Request, commons_id: str) -> Response:
    return answer(as_json(queries.commons_detail(node_of(request), commons_id)))


@router.get("/commons/{commons_id}/members", summary="Members of a commons", tags=["read"])
@cacheable()
def get_members(
    request: Request, commons_id: str, limit: Limit = 100, offset: Offset = 0
) -> Response:
    listed = queries.list_members(node_of(request), commons_id, limit=limit, offset=offset)
    return answer(listing(listed, limit, offset))


@router.get(
    "/commons/{commons_id}/contributions",
    summary="Contributions of a commons with their validations, newest first",
    tags=["read"],
)
@cacheable()
def get_contributions(
    request: Request,
    commons_id: str,
    limit: Limit = 50,
    offset: Offset = 0,
    status: ContributionStatus = None,
) -> Response:
    node = node_of(request)
    listed = queries.list_contributions(node, commons_id, limit=limit, offset=offset, status=status)
    return answer(listing(listed, limit, offset))


@router.get(
    "/commons/{commons_id}/contributions/{contribution_id}",
    summary="One contribution: its authors' shares, every validation (superseded too), corrections",
    tags=["read"],
)
@cacheable()
def get_contribution(request: Request, commons_id: str, contribution_id: str) -> Response:
    return answer(
        as_json(queries.contribution_detail(node_of(request), commons_id, contribution_id))
    )


@router.get(
    "/commons/{commons_id}/tasks",
    summary="Tasks of a commons, newest first, with their live claimants",
    tags=["read"],
)
@cacheable()
def get_tasks(
    request: Request,
    commons_id: str,
    limit: Limit = 50,
    offset: Offset = 0,
    status: TaskStatus = None,
    skill: Skill = None,
) -> Response:
    listed = tasks_read.list_tasks(
        node_of(request), commons_id, status=status, skill=skill, limit=limit, offset=offset
    )
    return answer(listing(listed, limit, offset))


@router.get(
    "/commons/{commons_id}/tasks/{task_id}",
    summary="One task: live claimants, every claim made, linked contributions",
    tags=["read"],
)
@cacheable()
def get_task(request: Request, commons_id: str, task_id: str) -> Response:
    return answer(as_json(tasks_read.task_detail(node_of(request), commons_id, task_id)))


JOURNAL_PAGE = 1000  # the most entries one request of the journal returns


@router.get(
    "/commons/{commons_id}/journal",
    summary="The journal as NDJSON wire lines (for mirrors, exports and forks)",
    description=(
        f"At most {JOURNAL_PAGE:,} entries per request, streamed from the database in order. "
        "Mirrors and exports page with `after`: ask again with `after` set to the last `seq` "
        "received until it reaches `X-Commonwork-Head-Seq` (the head when the request began; "
        "a page never goes past it)."
    ),
    tags=["journal"],
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
@cacheable()
def get_journal(
    request: Request,
    commons_id: str,
    after: AfterSeq = -1,
    limit: Annotated[
        int, Query(ge=1, le=JOURNAL_PAGE, description=f"Entries at most (1 to {JOURNAL_PAGE}).")
    ] = JOURNAL_PAGE,
) -> StreamingResponse:
    head, chunks = journals.stream_journal(node_of(request), commons_id, after=after, limit=limit)
    return StreamingResponse(
        chunks,
        media_type="application/x-ndjson",
        headers={"X-Commonwork-Head": head.id, "X-Commonwork-Head-Seq": str(head.seq)},
    )


@router.get("/commons/{commons_id}/entries/{seq}", summary="One journal entry", tags=["journal"])
@cacheable()
def get_entry(
    request: Request, commons_id: str, seq: Annotated[int, Path(ge=0, le=MAX_SEQ)]
) -> dict[str, Any]:
    entry = journals.journal_entry(node_of(request), commons_id, seq)
    return {"id": entry.id, "entry": entry.as_json()}


@router.get(
    "/commons/{commons_id}/verify",
    summary="What this node knows of the journal's verification (cheap: never re-checks it)",
    description=(
        "Every entry was checked when this node appended or imported it "
        "(`checked_on_append_up_to`). If a full re-verification of the current head is kept "
        "(`current: true`), this is its report (`ok`, `entries`, `first_bad`, `digest`, "
        "`projections_match`, `checked_at`); otherwise `ok` is null and `last` is the last one "
        "kept, for an older head, or null. `POST` re-verifies."
    ),
    tags=["journal"],
)
def verify_state(request: Request, commons_id: str) -> dict[str, Any]:
    return journals.verification_state(node_of(request), commons_id).as_json()


@router.post(
    "/commons/{commons_id}/verify",
    summary="Re-check every signature, link and rule of the journal; name the first bad entry",
    description=(
        "A full re-verification of the current head, kept by head: if one is kept already it is "
        "returned without running again (`cached: true`). It runs as a job outside the request, "
        "one heavy read at a time: if it is not done within a second the answer is 202 "
        "`computing` with its progress and `Retry-After`, and `GET` shows it `running` until "
        "its report is kept. Limited per client address (`expensive`, 429). The answer is the "
        "same as `GET`'s."
    ),
    tags=["journal"],
    responses=COMPUTING_RESPONSES,
)
def verify(request: Request, commons_id: str) -> dict[str, Any]:
    limit_client(request, "expensive")
    state, cached = journals.reverify(node_of(request), commons_id, wait=HEAVY_WAIT, paced=True)
    return {**state.as_json(), "cached": cached}


@write_route(
    router,
    "/commons/{commons_id}/actions",
    "Append client-signed actions (one object, a JSON array, or NDJSON)",
    description=(
        'Each item is `{"action": …, "author_sig": …}` signed by its author (DESIGN §3.1). '
        "A batch is all or nothing: the first refused action is named by its `index` and "
        "nothing is written. Resubmitting an action already appended returns its entry "
        "(`created: false`)."
    ),
    openapi_extra=SIGNED_ACTION_BODY,
)
async def post_actions(request: Request, commons_id: str) -> JSONResponse:
    batch = await signed_batch(request)
    if any(acting.is_fork(item) for item in batch):
        limit_client(request, "fork")  # a fork copies its parent's journal: counted apart
    return written(acting.submit_signed(node_of(request), commons_id, batch))
