"""A person's inbox: what the entries of every commons on this node told them (the commons
area's projected ``inbox`` rows; every area declares the events its entries emit). Read newest
first, a page at a time, by an index on (member, recorded_at): the cost of a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from commonwork.commons.tables import commons, inbox, members
from commonwork.errors import BadInput
from commonwork.governance.tables import proposals, stances
from commonwork.journal.actions import format_time, parse_time
from commonwork.node.node import Node
from commonwork.node.registry import EVENT_KINDS

#: At most this many items in one page.
MAX_LIMIT = 200


@dataclass(frozen=True)
class InboxItem:
    """One thing an entry told the member."""

    commons_id: str
    commons_name: str
    seq: int  # the entry that said it
    kind: str  # stable, dotted, area first: production.contribution.approve
    says: str  # in plain words, after the actor's name: "approved your contribution"
    subject: str  # what it is about: a contribution's or a task's id
    link: str  # the page that shows it
    actor: str  # the entry's author
    actor_name: str
    recorded_at: str

    @property
    def cursor(self) -> str:
        """Where the next page starts (``before``): the items older than this one."""
        return f"{self.recorded_at},{self.seq},{self.commons_id}"


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox, newest first, and the cursor of the next (None: the last page)."""

    items: tuple[InboxItem, ...]
    next: str | None


def inbox_of(node: Node, member: str, *, limit: int = 50, before: str | None = None) -> InboxPage:
    """The newest items of ``member``'s inbox across the commons on this node (``before``: an
    item's ``cursor``, for the page of the items older than it)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    query = (
        sa.select(inbox, commons.c.name.label("commons_name"), members.c.name.label("actor_name"))
        .join(commons, commons.c.commons_id == inbox.c.commons_id)
        .outerjoin(
            members,
            sa.and_(members.c.commons_id == inbox.c.commons_id, members.c.member == inbox.c.actor),
        )
        .where(inbox.c.member == member)
        .order_by(
            inbox.c.recorded_at.desc(), inbox.c.seq.desc(), inbox.c.commons_id.desc(), inbox.c.n
        )
        .limit(limit)
    )
    if before is not None:
        query = query.where(_older_than(before))
    with node.reading() as conn:
        rows = conn.execute(query).mappings().all()
    items = tuple(
        InboxItem(
            commons_id=row["commons_id"],
            commons_name=row["commons_name"],
            seq=int(row["seq"]),
            kind=row["kind"],
            says=EVENT_KINDS.get(row["kind"], row["kind"]),
            subject=row["subject"],
            link=_link(row["commons_id"], row["kind"], row["subject"]),
            actor=row["actor"],
            actor_name=row["actor_name"] or row["actor"],
            recorded_at=row["recorded_at"],
        )
        for row in rows
    )
    return InboxPage(items, items[-1].cursor if len(items) == limit else None)


#: What the inbox lists of decisions: at most this many open ones and recent outcomes.
DECISIONS_SHOWN = 30
#: A proposal closes "soon" within this many hours of the reader's clock (a page's hint only).
SOON_HOURS = 24
#: Outcomes are listed for this many days after the close.
OUTCOME_DAYS = 7


@dataclass(frozen=True)
class Decision:
    """A proposal of a commons the member is active in: voting now (``voted``: whether they
    took a stance on its current version; ``soon``: it closes within SOON_HOURS), or closed in
    the last OUTCOME_DAYS (its status is the outcome)."""

    commons_id: str
    commons_name: str
    proposal_id: str
    title: str
    method: str
    status: str
    closes_at: str
    closed_at: str | None
    voted: bool
    soon: bool
    link: str


@dataclass(frozen=True)
class Decisions:
    open: tuple[Decision, ...]
    outcomes: tuple[Decision, ...]


def decisions_for(node: Node, member: str) -> Decisions:
    """The decisions waiting for ``member`` across the commons they are active in, soonest
    deadline first, and the recent outcomes, newest first: indexed queries, each bounded by
    DECISIONS_SHOWN (the reader's clock says what is "soon" and "recent"; nothing recorded)."""
    now = node.clock()
    since = format_time(parse_time(now) - timedelta(days=OUTCOME_DAYS))
    mine = sa.and_(
        members.c.commons_id == proposals.c.commons_id,
        members.c.member == member,
        members.c.status == "active",
    )
    base = (
        sa.select(proposals, commons.c.name.label("commons_name"))
        .join(members, mine)
        .join(commons, commons.c.commons_id == proposals.c.commons_id)
    )
    voting = base.where(proposals.c.status == "voting").order_by(proposals.c.closes_at)
    closed = base.where(
        proposals.c.closed_at >= since,
        proposals.c.status.in_(("passed", "failed", "blocked")),
    ).order_by(proposals.c.closed_at.desc())
    with node.reading() as conn:
        open_rows = conn.execute(voting.limit(DECISIONS_SHOWN)).mappings().all()
        closed_rows = conn.execute(closed.limit(DECISIONS_SHOWN)).mappings().all()
        keys = [(row["commons_id"], row["proposal_id"]) for row in open_rows]
        taken = _stances_of(conn, member, keys)
    soon = format_time(parse_time(now) + timedelta(hours=SOON_HOURS))

    def decision(row: sa.RowMapping, voted: bool) -> Decision:
        return Decision(
            commons_id=row["commons_id"],
            commons_name=row["commons_name"],
            proposal_id=row["proposal_id"],
            title=row["title"],
            method=row["method"],
            status=row["status"],
            closes_at=row["closes_at"],
            closed_at=row["closed_at"],
            voted=voted,
            soon=row["status"] == "voting" and row["closes_at"] <= soon,
            link=f"/commons/{row['commons_id']}/proposals/{row['proposal_id']}",
        )

    return Decisions(
        open=tuple(
            decision(row, taken.get((row["commons_id"], row["proposal_id"])) == row["version"])
            for row in open_rows
        ),
        outcomes=tuple(decision(row, False) for row in closed_rows),
    )


def _stances_of(
    conn: sa.Connection, member: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The version of the member's stance on each of these proposals (by primary key)."""
    if not keys:
        return {}
    query = sa.select(stances.c.commons_id, stances.c.proposal_id, stances.c.version).where(
        stances.c.member == member,
        sa.tuple_(stances.c.commons_id, stances.c.proposal_id).in_(keys),
    )
    return {(row.commons_id, row.proposal_id): int(row.version) for row in conn.execute(query)}


def _older_than(cursor: str) -> sa.ColumnElement[bool]:
    try:
        recorded_at, seq_text, commons_id = cursor.split(",")
        seq = int(seq_text)
    except ValueError as exc:
        raise BadInput(
            f"before must be an item's cursor (time,seq,commons), not {cursor!r}"
        ) from exc
    same_time = sa.and_(
        inbox.c.recorded_at == recorded_at,
        sa.or_(inbox.c.seq < seq, sa.and_(inbox.c.seq == seq, inbox.c.commons_id < commons_id)),
    )
    return sa.or_(inbox.c.recorded_at < recorded_at, same_time)


def _link(commons_id: str, kind: str, subject: str) -> str:
    if kind.startswith("governance.case."):
        return f"/commons/{commons_id}/cases/{subject}"
    if kind.startswith("governance."):
        return f"/commons/{commons_id}/proposals/{subject}"
    if ".task." in kind:
        return f"/commons/{commons_id}/tasks/{subject}"
    if kind.startswith("economy.org."):
        return f"/commons/{commons_id}/organisations/{subject}"
    if kind.startswith("economy.credit.bill") or kind.startswith("economy.credit.answer"):
        return f"/commons/{commons_id}/wallet"
    if kind.startswith("economy.agreement."):
        return f"/commons/{commons_id}/agreements/{subject}"
    if kind.startswith("economy."):
        return f"/commons/{commons_id}/books/transactions/{subject}"
    return f"/commons/{commons_id}#c-{subject}"
