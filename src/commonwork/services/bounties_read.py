"""The bounty board: money escrowed for tasks (commonwork.economy.bounties), open ones first.

A bounty is escrowed by the treasurer within the charter's monthly budget, or by a decision; the
day's settlement pays it to the task's accepted work once the work's dispute window has passed
(split by value points), or gives it back to the treasury at its expiry. The board shows each
with its amount, its task, its expiry, the work noted for it, and the transactions that escrowed
and paid or refunded it.

Reads are by index, a page at a time: the bounties of a commons by the primary key of
``bounties`` (one row per task that ever had one: each was escrowed by the treasurer within a
budget or by a decision, so sorting them costs the bounties, never the journal's length), the
work noted by ``bounty_work``'s primary key, the contributions and transactions they name by
theirs — one query each for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from commonwork.economy.tables import book_postings, bounties, bounty_counts, bounty_work
from commonwork.errors import BadInput, NotFound
from commonwork.governance.tables import proposals
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.production.tables import contribution_status, tasks
from commonwork.services.books_models import Money, exponents, money, names_of, page_limit
from commonwork.services.journals import require_head

#: Work a bounty lists at most (the work noted for its task).
WORK_SHOWN = 100
STATUSES = ("open", "paid", "refunded")


@dataclass(frozen=True)
class BountyWork:
    """A contribution linked to the bounty's task, noted on the day it settled as accepted:
    paid from the bounty once its dispute window passed, if still accepted then."""

    seq: int  # its record entry
    contribution_id: str
    contributor: str
    contributor_name: str
    status: str  # as it stands now: accepted, or revoked by a verdict since
    accepted_on: str
    points: str  # the value points it carried ("" when none)


@dataclass(frozen=True)
class BountyShare:
    """What a paid bounty gave one author (a line of its payment transaction)."""

    recipient: str
    name: str
    amount: Money


@dataclass(frozen=True)
class Bounty:
    """A task's bounty: ``open`` (escrowed; ``due_on``: the day it is paid, once accepted work
    is noted), ``paid`` to the work's authors (``shares``) or ``refunded`` to the treasury at
    its expiry; ``offer_txn`` escrowed it, ``close_txn`` paid or refunded it."""

    task: str
    task_title: str
    task_status: str
    amount: Money
    status: str
    offered_by: str  # the treasurer's did, or the deciding proposal's id
    offered_by_name: str  # their name, or the proposal's title
    by_decision: bool
    offer_txn: str
    offered_at: str
    expires_on: str
    due_on: str | None
    closed_at: str | None
    close_txn: str | None
    work: tuple[BountyWork, ...]
    shares: tuple[BountyShare, ...]


@dataclass(frozen=True)
class BountyPage:
    """Open bounties first (newest offer first), then the paid and refunded ones; ``open``:
    how many are open in all; ``next_after``: ask again with ``after`` set to it for more."""

    items: tuple[Bounty, ...]
    open: int
    limit: int
    next_after: str | None


def _rank() -> sa.ColumnElement[int]:
    return sa.case((bounties.c.status == "open", 0), else_=1)


def _after(cursor: str) -> sa.ColumnElement[bool]:
    """The bounties after the one whose cursor (rank|offered_at|task) is given."""
    try:
        rank_text, offered_at, task = cursor.split("|")
        rank = int(rank_text)
    except ValueError as exc:
        raise BadInput(f"after must be a page's next_after, not {cursor!r}") from exc
    rank_of = _rank()
    return sa.or_(
        rank_of > rank,
        sa.and_(rank_of == rank, bounties.c.offered_at < offered_at),
        sa.and_(rank_of == rank, bounties.c.offered_at == offered_at, bounties.c.task > task),
    )


def _cursor(item: Bounty) -> str:
    return f"{0 if item.status == 'open' else 1}|{item.offered_at}|{item.task}"


def _work(conn: sa.Connection, commons_id: str, wanted: list[str]) -> dict[str, list[BountyWork]]:
    if not wanted:
        return {}
    noted = [
        plain_row(row)
        for row in conn.execute(
            sa.select(bounty_work)
            .where(bounty_work.c.commons_id == commons_id, bounty_work.c.task.in_(wanted))
            .order_by(bounty_work.c.task, bounty_work.c.seq)
        ).mappings()
    ]
    seqs = sorted({int(str(row["seq"])) for row in noted})
    status: dict[int, dict[str, object]] = {}
    if seqs:
        query = sa.select(contribution_status).where(
            contribution_status.c.commons_id == commons_id, contribution_status.c.seq.in_(seqs)
        )
        status = {int(row["seq"]): plain_row(row) for row in conn.execute(query).mappings()}
    names = names_of(conn, commons_id, (str(row.get("contributor", "")) for row in status.values()))
    found: dict[str, list[BountyWork]] = {}
    for row in noted:
        seq = int(str(row["seq"]))
        held = status.get(seq, {})
        contributor = str(held.get("contributor", ""))
        points = held.get("points_milli")
        shown = "" if points is None else str(Decimal(int(str(points))).scaleb(-3))
        item = BountyWork(
            seq=seq,
            contribution_id=str(held.get("contribution_id", "")),
            contributor=contributor,
            contributor_name=names.get(contributor, ""),
            status=str(held.get("status", "")),
            accepted_on=str(row["accepted_on"]),
            points=shown,
        )
        bucket = found.setdefault(str(row["task"]), [])
        if len(bucket) < WORK_SHOWN:
            bucket.append(item)
    return found


def _shares(
    conn: sa.Connection, commons_id: str, txns: list[str], known: dict[str, int]
) -> dict[str, list[BountyShare]]:
    """The payable lines of the paid bounties' transactions, by transaction."""
    if not txns:
        return {}
    query = (
        sa.select(book_postings)
        .where(book_postings.c.commons_id == commons_id, book_postings.c.txn_id.in_(txns))
        .order_by(book_postings.c.txn_id, book_postings.c.line)
    )
    rows = [plain_row(row) for row in conn.execute(query).mappings()]
    paid = [row for row in rows if str(row["account"]).startswith("payable:")]
    names = names_of(conn, commons_id, (str(row["account"])[8:] for row in paid))
    found: dict[str, list[BountyShare]] = {}
    for row in paid:
        did = str(row["account"])[8:]
        amount = money(str(row["currency"]), int(str(row["amount_minor"])), known)
        found.setdefault(str(row["txn_id"]), []).append(
            BountyShare(did, names.get(did, ""), amount)
        )
    return found


def _bounties(conn: sa.Connection, commons_id: str, rows: list[dict[str, object]]) -> list[Bounty]:
    known = exponents(conn, commons_id)
    wanted = sorted(str(row["task"]) for row in rows)
    titles: dict[str, tuple[str, str]] = {}
    if wanted:
        query = sa.select(tasks.c.task_id, tasks.c.title, tasks.c.status).where(
            tasks.c.commons_id == commons_id, tasks.c.task_id.in_(wanted)
        )
        titles = {str(r.task_id): (str(r.title), str(r.status)) for r in conn.execute(query)}
    offerers = {str(row["offered_by"]) for row in rows}
    names = names_of(conn, commons_id, offerers)
    decided = sorted(who for who in offerers if not who.startswith("did:"))
    if decided:
        query = sa.select(proposals.c.proposal_id, proposals.c.title).where(
            proposals.c.commons_id == commons_id, proposals.c.proposal_id.in_(decided)
        )
        names.update({str(r.proposal_id): str(r.title) for r in conn.execute(query)})
    work = _work(conn, commons_id, wanted)
    closes = [str(row["close_txn"]) for row in rows if row["status"] == "paid"]
    shares = _shares(conn, commons_id, closes, known)
    made = []
    for row in rows:
        task, by = str(row["task"]), str(row["offered_by"])
        title, task_status = titles.get(task, ("", ""))
        close = None if row["close_txn"] is None else str(row["close_txn"])
        made.append(
            Bounty(
                task=task,
                task_title=title,
                task_status=task_status,
                amount=money(str(row["currency"]), int(str(row["amount_minor"])), known),
                status=str(row["status"]),
                offered_by=by,
                offered_by_name=names.get(by, ""),
                by_decision=not by.startswith("did:"),
                offer_txn=str(row["offer_txn"]),
                offered_at=str(row["offered_at"]),
                expires_on=str(row["expires_on"]),
                due_on=None if row["due_on"] is None else str(row["due_on"]),
                closed_at=None if row["closed_at"] is None else str(row["closed_at"]),
                close_txn=close,
                work=tuple(work.get(task, ())),
                shares=tuple(shares.get(close or "", ())),
            )
        )
    return made


def list_bounties(
    node: Node,
    commons_id: str,
    *,
    status: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> BountyPage:
    """A page of the commons' bounties: open first, newest offer first (``status``: only
    those open, paid or refunded; ``after``: a page's ``next_after``)."""
    if status is not None and status not in STATUSES:
        raise BadInput(f"status is one of {', '.join(STATUSES)}, not {status!r}")
    limit = page_limit(limit)
    query = sa.select(bounties).where(bounties.c.commons_id == commons_id)
    if status is not None:
        query = query.where(bounties.c.status == status)
    if after is not None:
        query = query.where(_after(after))
    query = query.order_by(_rank(), bounties.c.offered_at.desc(), bounties.c.task).limit(limit + 1)
    counted = sa.select(bounty_counts.c.open).where(bounty_counts.c.commons_id == commons_id)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = _bounties(conn, commons_id, rows[:limit])
        opened = int(conn.execute(counted).scalar() or 0)
    more = len(rows) > limit
    return BountyPage(tuple(items), opened, limit, _cursor(items[-1]) if more and items else None)


def bounty_detail(node: Node, commons_id: str, task: str) -> Bounty:
    """The bounty of one task (the latest offered for it), with its work and transactions."""
    query = sa.select(bounties).where(bounties.c.commons_id == commons_id, bounties.c.task == task)
    with node.reading() as conn:
        require_head(conn, commons_id)
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"task {task} has no bounty in this commons")
        return _bounties(conn, commons_id, [plain_row(found)])[0]


@dataclass(frozen=True)
class BountyLine:
    """What a task's page says of its bounty (one lookup by primary key)."""

    status: str
    amount: Money
    expires_on: str
    due_on: str | None


def bounty_line(node: Node, commons_id: str, task: str) -> BountyLine | None:
    """The task's bounty in a line, or None when it never had one."""
    query = sa.select(bounties).where(bounties.c.commons_id == commons_id, bounties.c.task == task)
    with node.reading() as conn:
        found = conn.execute(query).mappings().first()
        if found is None:
            return None
        known = exponents(conn, commons_id)
    amount = money(str(found["currency"]), int(found["amount_minor"]), known)
    due = None if found["due_on"] is None else str(found["due_on"])
    return BountyLine(str(found["status"]), amount, str(found["expires_on"]), due)
