"""A person's inbox: what the entries of every commons on this node told them (the commons
area's projected ``inbox`` rows; every area declares the events its entries emit). Read newest
first, a page at a time, by an index on (member, recorded_at): the cost of a page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.commons.tables import commons, inbox, members
from commonwork.errors import BadInput
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
    return f"/commons/{commons_id}#c-{subject}"
