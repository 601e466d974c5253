"""A person's inbox: what the entries of every commons on this node told them (the commons
area's projected ``inbox`` rows; every area declares the events its entries emit). Read newest
first, a page at a time, by an index on (member, recorded_at): the cost of a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from commonwork.commons.tables import commons, inbox, members
from commonwork.economy.tables import agreements, organisations, representatives
from commonwork.errors import BadInput
from commonwork.governance.tables import proposals, roles, stances
from commonwork.journal.actions import format_time, parse_time
from commonwork.node.node import Node
from commonwork.node.registry import EVENT_KINDS
from commonwork.node.state import plain_row
from commonwork.node.tables import heads
from commonwork.services.agreements_read import next_report
from commonwork.services.books_models import Money, exponents, money

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
    if kind.startswith(("economy.credit.bill", "economy.credit.answer")):
        return f"/me/wallet?commons={commons_id}#bills"
    if kind.startswith("economy.agreement."):
        return f"/commons/{commons_id}/agreements/{subject}"
    if kind.startswith("economy."):
        return f"/commons/{commons_id}/books/transactions/{subject}"
    return f"/commons/{commons_id}#c-{subject}"


# --- reminders -------------------------------------------------------------------------------

#: Reminders listed at most, each kind.
REMINDERS_SHOWN = 30


@dataclass(frozen=True)
class Reminder:
    """Something money asks of the reader, from the books as they stand (nothing recorded):

    * ``report_due`` — an agreement of an organisation they act for (as a representative, or
      its own key) expects the report of ``period``, due since ``due_from`` (the period ended);
    * ``arrears`` — an agreement whose reports made owed more than was paid (``arrears``):
      told to the organisation's representatives, and to the commons' treasurers."""

    commons_id: str
    commons_name: str
    kind: str  # report_due | arrears
    role: str  # representative | treasurer
    agreement_id: str
    org: str
    org_name: str
    period: str | None
    due_from: str | None
    arrears: Money | None
    says: str
    link: str


@dataclass(frozen=True)
class Reminders:
    items: tuple[Reminder, ...]


#: Bound values per statement (SQLite's old limit is 999).
CHUNK = 400


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)] or [[]]


def _by_keys(
    conn: sa.Connection, commons_ids: list[str], key: sa.Column[str], wanted: dict[str, set[str]]
) -> list[dict[str, object]]:
    """Rows of ``key``'s table by primary key (commons, ``key``): a query per commons."""
    table = key.table
    rows: list[dict[str, object]] = []
    for commons_id in commons_ids:
        keys = sorted(wanted.get(commons_id, ()))
        if keys:
            query = sa.select(table).where(table.c.commons_id == commons_id, key.in_(keys))
            rows += [plain_row(row) for row in conn.execute(query).mappings()]
    return rows


def _acting_for(conn: sa.Connection, did: str, here: list[str]) -> list[dict[str, object]]:
    """The agreements of the organisations ``did`` acts for (as a current representative, or
    as the organisation's own key) in the commons ``here``: who they represent by
    ``ix_representatives_member`` and the organisations' agreements by ``ix_agreements_org`` —
    each read from the index alone (SQLite's planner passes over an index a query must leave for
    the table), then the rows by primary key."""
    acting: dict[str, set[str]] = {}
    for part in _chunks(here):
        query = sa.select(representatives.c.commons_id, representatives.c.org).where(
            representatives.c.commons_id.in_(part), representatives.c.member == did
        )
        for row in conn.execute(query):
            acting.setdefault(str(row.commons_id), set()).add(str(row.org))
    current: dict[str, set[str]] = {}
    for held in _by_keys(conn, sorted(acting), representatives.c.org, acting):
        if held["member"] == did and held["removed_at"] is None:
            current.setdefault(str(held["commons_id"]), set()).add(str(held["org"]))
    signed: dict[str, set[str]] = {}
    for part in _chunks(here):  # its own key acts for an organisation too
        orgs = sorted({did, *(org for key in part for org in current.get(key, ()))})
        query = sa.select(agreements.c.commons_id, agreements.c.agreement_id).where(
            agreements.c.commons_id.in_(part), agreements.c.org.in_(orgs)
        )
        for row in conn.execute(query):
            signed.setdefault(str(row.commons_id), set()).add(str(row.agreement_id))
    rows = _by_keys(conn, sorted(signed), agreements.c.agreement_id, signed)
    return [
        row
        for row in rows
        if (row["org"] == did or str(row["org"]) in current.get(str(row["commons_id"]), ()))
        and (row["status"] == "active" or int(str(row["owed_minor"])) > int(str(row["paid_minor"])))
    ]


def _treasurer_of(conn: sa.Connection, did: str, here: list[str]) -> list[str]:
    """The commons of ``here`` that ``did`` is a treasurer of (the role by decision, not
    recalled, or the founder while they hold the founder's role): by primary keys."""
    found: set[str] = set()
    for part in _chunks(here):
        granted = sa.select(roles.c.commons_id).where(
            roles.c.commons_id.in_(part),
            roles.c.member == did,
            roles.c.role == "treasurer",
            roles.c.recalled_at.is_(None),
        )
        founded = sa.select(members.c.commons_id).where(
            members.c.commons_id.in_(part), members.c.member == did, members.c.role == "founder"
        )
        found |= {str(commons_id) for commons_id in conn.execute(granted).scalars()}
        found |= {str(commons_id) for commons_id in conn.execute(founded).scalars()}
    return sorted(found)


def reminders_for(node: Node, did: str) -> Reminders:
    """What money asks of ``did`` across the commons on this node: the reports due and the
    arrears of the agreements of the organisations they act for, and, in the commons they are a
    treasurer of, the agreements in arrears. Index reads: a lookup per commons on this node by
    primary key or index, then the agreements concerned (a treasurer's: their commons'
    agreements, one signed per organisation and pledge — never the books)."""
    today = node.clock()[:10]
    with node.reading() as conn:
        here = sorted(
            str(commons_id) for commons_id in conn.execute(sa.select(heads.c.commons_id)).scalars()
        )
        acting = _acting_for(conn, did, here)
        treasured = _treasurer_of(conn, did, here)
        owing: list[dict[str, object]] = []
        for commons_id in treasured:
            query = (
                sa.select(agreements)
                .where(
                    agreements.c.commons_id == commons_id,
                    agreements.c.owed_minor > agreements.c.paid_minor,
                )
                .limit(REMINDERS_SHOWN)
            )
            owing += [plain_row(row) for row in conn.execute(query).mappings()]
        rows = acting + owing
        wanted: dict[str, set[str]] = {}
        for row in rows:
            wanted.setdefault(str(row["commons_id"]), set()).add(str(row["org"]))
        orgs = {
            (str(row["commons_id"]), str(row["org"])): str(row["name"])
            for row in _by_keys(conn, sorted(wanted), organisations.c.org, wanted)
        }
        commons_names = _commons_names(conn, sorted(wanted))
        known = {key: exponents(conn, key) for key in commons_names}
    items: list[Reminder] = []
    seen: set[tuple[str, str, str]] = set()
    for role, found in (("representative", acting), ("treasurer", owing)):
        for row in found:
            for item in _reminders_of(row, role, today, orgs, commons_names, known):
                key = (item.commons_id, item.agreement_id, item.kind)
                if key in seen or (role == "treasurer" and item.kind != "arrears"):
                    continue  # a treasurer who represents the organisation hears it once
                seen.add(key)
                items.append(item)
    items.sort(key=lambda item: (item.kind != "report_due", item.due_from or "", item.commons_id))
    return Reminders(tuple(items[: REMINDERS_SHOWN * 2]))


def _commons_names(conn: sa.Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    query = sa.select(commons.c.commons_id, commons.c.name).where(commons.c.commons_id.in_(ids))
    return {str(r.commons_id): str(r.name) for r in conn.execute(query)}


def _reminders_of(
    row: dict[str, object],
    role: str,
    today: str,
    orgs: dict[tuple[str, str], str],
    names: dict[str, str],
    known: dict[str, dict[str, int]],
) -> list[Reminder]:
    commons_id, org = str(row["commons_id"]), str(row["org"])
    org_name = orgs.get((commons_id, org), org)
    link = f"/commons/{commons_id}/agreements/{row['agreement_id']}"
    base = {
        "commons_id": commons_id,
        "commons_name": names.get(commons_id, commons_id),
        "role": role,
        "agreement_id": str(row["agreement_id"]),
        "org": org,
        "org_name": org_name,
        "link": link,
    }
    made = []
    period, due_from, due = next_report(row, today)
    if due and period is not None:
        says = f"{org_name}: the report of {period} is due since {due_from}"
        made.append(
            Reminder(
                **base, kind="report_due", period=period, due_from=due_from, arrears=None, says=says
            )
        )
    owed = int(str(row["owed_minor"])) - int(str(row["paid_minor"]))
    if owed > 0:
        shown = money(str(row["currency"]), owed, known.get(commons_id, {}))
        says = f"{org_name} is in arrears: {shown.amount} {shown.currency} reported and not paid"
        made.append(
            Reminder(**base, kind="arrears", period=None, due_from=None, arrears=shown, says=says)
        )
    return made
