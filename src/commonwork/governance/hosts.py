"""Host change by decision, with a cooperating host (DESIGN §3.2).

A proposal with the effect ``{"kind": "change_host", "host": DID}`` is decided under the
charter's meta-rule for charter amendments. Once it passed, the new host shows that it takes the
commons on by signing, with its host key, a ``governance.host.handover`` entry naming itself and
the decision; the host so far appends it (the entry is still sealed by that host), and every
entry after it must be sealed by the new one (commonwork.journal.chain.follow). The old node is
then a read-only copy of the commons, and the new node, importing the journal, its host. A host
that refuses to hand over is answered by a fork.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, StringConstraints

from commonwork.errors import AlreadyDone, NotAllowed, NotFound
from commonwork.governance.tables import host_changes, proposals
from commonwork.journal.actions import HANDOVER_TYPE
from commonwork.journal.projection import ActionSpec, Context, Key, State

HANDOVER = HANDOVER_TYPE

Did = Annotated[str, StringConstraints(pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$")]
EntryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class HandoverBody(BaseModel):
    """The new host takes the commons on, as the decision asked: signed with its host key."""

    model_config = ConfigDict(extra="forbid")
    proposal: EntryId
    host: Did


def check_handover(state: State, ctx: Context) -> None:
    body: HandoverBody = ctx.body
    row = state.get(proposals, (ctx.commons_id, body.proposal))
    if row is None:
        raise NotFound(f"there is no proposal {body.proposal} in this commons")
    effect = orjson.loads(row["effect"])
    if effect["kind"] != "change_host" or effect["host"] != body.host:
        raise NotAllowed(
            f"proposal {body.proposal} does not move this commons to the host {body.host}",
            reason="not_decided",
        )
    if row["status"] != "passed":
        raise NotAllowed(
            f"the proposal to move this commons to {body.host} is {row['status']}: a host changes "
            "only by a passed decision",
            reason="not_decided",
        )
    if ctx.author != body.host:
        raise NotAllowed(
            "the new host signs the handover with its host key (GET /api/v1/node on that node): "
            "it shows that it takes the commons on",
            reason="not_the_new_host",
        )
    if state.get(host_changes, (ctx.commons_id, body.proposal)) is not None:
        raise AlreadyDone(
            "this decision's handover is in the journal already", reason="handed_over"
        )
    if ctx.entry.host == body.host:
        raise AlreadyDone(f"{body.host} hosts this commons already", reason="handed_over")


def apply_handover(state: State, ctx: Context) -> None:
    body: HandoverBody = ctx.body
    state.insert(
        host_changes,
        {
            "commons_id": ctx.commons_id,
            "proposal_id": body.proposal,
            "seq": ctx.entry.seq,
            "from_host": ctx.entry.host,
            "host": body.host,
            "recorded_at": ctx.entry.recorded_at,
        },
    )


def _reads(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [(proposals, (commons_id, body.proposal)), (host_changes, (commons_id, body.proposal))]


ACTIONS = (
    ActionSpec(
        type=HANDOVER,
        summary="As the new host a passed decision named, take the commons on (signed with the "
        "new host's key, appended by the host so far)",
        body=HandoverBody,
        check=check_handover,
        apply=apply_handover,
        reads=_reads,
    ),
)
