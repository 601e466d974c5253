"""What governance entries tell members (their inbox): a proposer hears of an objection or a
concern to their proposal, of a motion of theirs seconded, and of a close marked in the journal.
Opening and closing at deadlines happen inside the fold, not as entries: the proposals page and
the commons' feed show them."""

from __future__ import annotations

from collections.abc import Sequence

from commonwork.governance.proposals import CLOSE, SECOND, STANCE
from commonwork.governance.tables import proposals
from commonwork.journal.area import Event
from commonwork.journal.projection import Context, State

KINDS = {
    "governance.stance.object": "objected to your proposal",
    "governance.stance.concern": "raised a concern about your proposal",
    "governance.proposal.second": "seconded your motion",
    "governance.proposal.close": "recorded the close of your proposal",
}


def events(state: State, ctx: Context) -> Sequence[Event]:
    kind = ctx.entry.type
    if kind not in (STANCE, SECOND, CLOSE):
        return ()
    row = state.get(proposals, (ctx.commons_id, ctx.body.proposal))
    if row is None or row["proposer"] == ctx.author:
        return ()
    if kind == STANCE:
        ballot = ctx.body.ballot
        position = ballot.get("position") if isinstance(ballot, dict) else None
        if position not in ("object", "concern"):
            return ()
        return [Event(row["proposer"], f"governance.stance.{position}", row["proposal_id"])]
    return [Event(row["proposer"], kind, row["proposal_id"])]
