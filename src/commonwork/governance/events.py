"""What governance entries tell members (their inbox): a proposer hears of an objection or a
concern to their proposal, of a motion of theirs seconded, and of a close marked in the journal.
Opening and closing at deadlines happen inside the fold, not as entries: the proposals page and
the commons' feed show them."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from commonwork.governance.arbitration import RULE
from commonwork.governance.proposals import CLOSE, SECOND, STANCE
from commonwork.governance.tables import cases, proposals
from commonwork.journal.area import Event
from commonwork.journal.projection import Context, Row, State
from commonwork.production.actions import VALIDATE
from commonwork.production.tables import contribution_status
from commonwork.standing.settle import authors

KINDS = {
    "governance.stance.object": "objected to your proposal",
    "governance.stance.concern": "raised a concern about your proposal",
    "governance.proposal.second": "seconded your motion",
    "governance.proposal.close": "recorded the close of your proposal",
    "governance.case.opened": "disputed your contribution: a panel of peers will arbitrate it",
    "governance.case.panel": "disputed a contribution: you sit on the panel that arbitrates it",
    "governance.case.decided": "gave the panel's majority verdict on a case you are party to",
    # A case about another subject (a derivation in review) opened by an area's entry: that
    # area emits it (governance does not know its action types).
    "governance.case.drawn": "opened an arbitration case: you sit on the panel that decides it",
}


def events(state: State, ctx: Context) -> Sequence[Event]:
    kind = ctx.entry.type
    if kind in (VALIDATE, RULE):
        return _case_events(state, ctx)
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


def _case_events(state: State, ctx: Context) -> Sequence[Event]:
    """A case opened by this dispute: its panel and the work's authors hear of it. A verdict
    given by this ruling: the authors and the disputer hear of it."""
    if ctx.entry.type == VALIDATE:
        case = state.get(cases, (ctx.commons_id, ctx.entry.id))
        if case is None:
            return ()
        said = [
            Event(member, "governance.case.panel", case["case_id"])
            for member in orjson.loads(case["panel"])
        ]
        return said + [
            Event(member, "governance.case.opened", case["case_id"])
            for member in _authors(state, case)
        ]
    case = state.get(cases, (ctx.commons_id, ctx.body.case))
    if case is None or case["status"] != "decided" or case["decided_at"] != ctx.entry.recorded_at:
        return ()
    told = sorted({*_authors(state, case), case["opened_by"]} - {ctx.author})
    return [Event(member, "governance.case.decided", case["case_id"]) for member in told]


def _authors(state: State, case: Row) -> list[str]:
    status = state.get(contribution_status, (case["commons_id"], case["subject_seq"]))
    return [] if status is None else [member for member, _ in authors(status)]
