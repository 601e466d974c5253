"""Read-only views of a commons' proposals, as anyone may read them (holoptism).

What is projected is what the fold recorded: a proposal opens and closes at the first entry at
or after its time. A reader who comes between its deadline and that entry sees the proposal as
``closing`` with the outcome the fold will record (``provisional``: computed here from the same
projected stances by the same function, as of the node's clock), never a figure the journal does
not back. A page's cost is its page of proposals or stances; a tally over every stance of a
proposal is computed once per journal head and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa

from commonwork.commons.charter_governance import governance_of
from commonwork.commons.tables import commons, members
from commonwork.errors import BadInput, NotFound
from commonwork.governance.proposals import tally_of
from commonwork.governance.tables import hidden_texts, proposals, stances
from commonwork.node.node import Node
from commonwork.node.state import DbState, plain_row
from commonwork.services.journals import require_head
from commonwork.services.models import LEFT_OUT_WHEN_NONE, JsonObject, JsonValue
from commonwork.services.queries import page_bounds
from commonwork.services.settled import keep

STATUSES = ("discussion", "voting", "blocked", "passed", "failed", "withdrawn")
#: The stances a proposal's page lists at most (the tally counts them all).
STANCES_SHOWN = 200


@dataclass(frozen=True)
class ProposalRow:
    """A proposal as a list shows it. ``phase`` is its status as of the reader's time: a
    proposal past its deadline whose close the fold has not recorded yet is ``closing``."""

    proposal_id: str
    seq: int
    proposer: str
    proposer_name: str
    title: str
    method: str
    status: str
    phase: str
    version: int
    round: int
    made_at: str
    opens_at: str
    closes_at: str
    stances: int
    objections: int
    closed_at: str | None
    effective_on: str | None
    #: Consent and lazy consensus passed with a review date: the day to look at it again.
    review_on: str | None = None


@dataclass(frozen=True)
class Stance:
    member: str
    name: str
    version: int
    ballot: JsonValue
    reason: str
    seq: int
    recorded_at: str


@dataclass(frozen=True)
class ProposalDetail:
    """One proposal: its text, method and parameters, options, effect, the electorate, every
    current stance (up to STANCES_SHOWN, newest first), and its outcome — recorded, or as the
    fold will record it (``provisional``) — with the tally shown during voting only when the
    charter says ``tallies: live``."""

    proposal: ProposalRow
    text: str
    params: JsonObject
    options: tuple[JsonObject, ...]
    effect: JsonObject
    electorate: int | None
    tallies: str
    stances: tuple[Stance, ...]
    seconded_by: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    outcome: JsonObject | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    provisional: JsonObject | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)


def _phase(row: dict[str, object], now: str) -> str:
    status = str(row["status"])
    if status == "discussion" and now >= str(row["opens_at"]):
        status = "voting"
    if status == "voting" and now >= str(row["closes_at"]):
        return "closing"
    return status


def _names(conn: sa.Connection, commons_id: str, dids: set[str]) -> dict[str, str]:
    if not dids:
        return {}
    query = sa.select(members.c.member, members.c.name).where(
        members.c.commons_id == commons_id, members.c.member.in_(sorted(dids))
    )
    return {row.member: row.name for row in conn.execute(query)}


def _row_of(found: dict[str, object], names: dict[str, str], now: str) -> ProposalRow:
    return ProposalRow(
        proposal_id=str(found["proposal_id"]),
        seq=int(str(found["seq"])),
        proposer=str(found["proposer"]),
        proposer_name=names.get(str(found["proposer"]), ""),
        title=str(found["title"]),
        method=str(found["method"]),
        status=str(found["status"]),
        phase=_phase(found, now),
        version=int(str(found["version"])),
        round=int(str(found["round"])),
        made_at=str(found["made_at"]),
        opens_at=str(found["opens_at"]),
        closes_at=str(found["closes_at"]),
        stances=int(str(found["stances"])),
        objections=int(str(found["objections"])),
        closed_at=None if found["closed_at"] is None else str(found["closed_at"]),
        effective_on=None if found["effective_on"] is None else str(found["effective_on"]),
        review_on=None if found.get("review_on") is None else str(found["review_on"]),
    )


def list_proposals(
    node: Node, commons_id: str, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> list[ProposalRow]:
    """A page of the commons' proposals, newest first; ``status`` filters by recorded status."""
    if status is not None and status not in STATUSES:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    limit, offset = page_bounds(limit, offset)
    now = node.clock()
    with node.reading() as conn:
        require_head(conn, commons_id)
        query = sa.select(proposals).where(proposals.c.commons_id == commons_id)
        if status is not None:
            query = query.where(proposals.c.status == status)
        query = query.order_by(proposals.c.seq.desc()).limit(limit).offset(offset)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        names = _names(conn, commons_id, {str(row["proposer"]) for row in rows})
    return [_row_of(row, names, now) for row in rows]


def proposal_detail(node: Node, commons_id: str, proposal_id: str) -> ProposalDetail:
    now = node.clock()
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        query = sa.select(proposals).where(
            proposals.c.commons_id == commons_id, proposals.c.proposal_id == proposal_id
        )
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"there is no proposal {proposal_id} in this commons")
        row = plain_row(found)
        charter = conn.execute(
            sa.select(commons.c.charter).where(commons.c.commons_id == commons_id)
        ).scalar_one()
        tallies = governance_of(orjson.loads(charter)).tallies
        listed = conn.execute(
            sa.select(stances)
            .where(
                stances.c.commons_id == commons_id,
                stances.c.proposal_id == proposal_id,
                stances.c.version == row["version"],
            )
            .order_by(stances.c.seq.desc())
            .limit(STANCES_SHOWN)
        ).mappings()
        current = [plain_row(stance) for stance in listed]
        dids = {str(row["proposer"])} | {str(stance["member"]) for stance in current}
        names = _names(conn, commons_id, dids)
        shown = _row_of(row, names, now)
        provisional = None
        if shown.phase == "closing" or (shown.phase == "voting" and tallies == "live"):
            provisional = _tally(node, conn, head.id, row)
    outcome = None if row["outcome"] is None else orjson.loads(str(row["outcome"]))
    return ProposalDetail(
        proposal=shown,
        text=str(row["text"]),
        params=orjson.loads(str(row["params"])),
        options=tuple(orjson.loads(str(row["options"] or "[]"))),
        effect=orjson.loads(str(row["effect"])),
        electorate=None if row["electorate"] is None else int(str(row["electorate"])),
        tallies=tallies,
        stances=tuple(
            Stance(
                member=str(stance["member"]),
                name=names.get(str(stance["member"]), ""),
                version=int(str(stance["version"])),
                ballot=orjson.loads(str(stance["ballot"])),
                reason=str(stance["reason"]),
                seq=int(str(stance["seq"])),
                recorded_at=str(stance["recorded_at"]),
            )
            for stance in current
        ),
        seconded_by=None if row["seconded_by"] is None else str(row["seconded_by"]),
        outcome=outcome,
        provisional=provisional,
    )


def _tally(node: Node, conn: sa.Connection, head_id: str, row: dict[str, object]) -> JsonObject:
    """The outcome as the fold would record it now, from the projected stances: kept per head."""
    key = ("proposal-tally", head_id, str(row["proposal_id"]))
    cached = node.figures_cache.get(key)
    if isinstance(cached, dict):
        return cached
    made: JsonObject = tally_of(DbState(conn), row)
    keep(node, key, made)
    return made


def hidden_among(node: Node, commons_id: str, entries: list[str]) -> dict[str, str]:
    """Which of these entries' texts are hidden from the pages now (moderation), with why."""
    if not entries:
        return {}
    query = sa.select(hidden_texts.c.entry, hidden_texts.c.reason).where(
        hidden_texts.c.commons_id == commons_id,
        hidden_texts.c.entry.in_(sorted(set(entries))),
        hidden_texts.c.shown_again_at.is_(None),
    )
    with node.reading() as conn:
        return {row.entry: row.reason for row in conn.execute(query)}
