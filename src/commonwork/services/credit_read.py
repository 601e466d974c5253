"""Mutual-credit circles as people read them: a circle's members with their balances and the
limits in force now, its policy and its sum (zero: every payment moves credit from one member to
another); a person's circles, the bills they are asked to answer and the bills they sent.

A member's limit is the economy's own rule (``commonwork.economy.credit.limit_of``: the policy's
base plus an amount per point of settled standing, decayed to the reader's clock's day), read
through a ``DbState`` over the read's connection — the very function the rules check payments
with, never a copy of it. It is the limit as the books stand: a payment made now is judged after
the days not yet settled are, which may move a per-point limit.

Reads are by index, a page at a time: a circle's members by the primary key of
``credit_members``, their balances and standing by primary keys (one query each for the page),
the sum by a range of ``book_balances``' primary key (the credit accounts); the bills a person
is asked to answer by ``ix_credit_bills_payer``; the open bills they sent through that same index
for each member of the circle (the circle's members and its open bills, never its history).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.economy.credit import limit_of
from commonwork.economy.tables import (
    book_balances,
    credit_bills,
    credit_members,
    credit_policies,
    currencies,
)
from commonwork.errors import NotFound
from commonwork.node.node import Node
from commonwork.node.state import DbState, plain_row
from commonwork.services.books_models import (
    Bill,
    CreditOfMember,
    Money,
    MyCircle,
    commons_name,
    exponents,
    money,
    names_of,
)
from commonwork.services.books_models import page_limit as books_page_limit
from commonwork.standing.tables import member_standing

#: Bills a wallet lists at most, each way.
BILLS_SHOWN = 50
#: Circles a wallet lists at most.
CIRCLES_SHOWN = 20


@dataclass(frozen=True)
class CirclePolicy:
    """The circle's policy as decided: a member may go ``limit`` below zero, plus
    ``per_point`` for each point of settled standing; no balance above ``max_balance``."""

    limit: Money
    per_point: Money
    max_balance: Money | None
    decided_by: str  # the proposal
    decided_at: str


@dataclass(frozen=True)
class CircleMember:
    """A member of a circle: ``active``, ``left`` (with a zero balance) or ``frozen`` (left the
    commons with a balance the charter keeps). ``limit``: how far below zero they may go now;
    ``available``: what they may still pay (balance + limit; 0 unless active)."""

    member: str
    name: str
    status: str
    balance: Money
    limit: Money
    available: Money
    joined_at: str
    left_at: str | None


@dataclass(frozen=True)
class Circle:
    """A community currency's circle: its policy, a page of its members (by did; ``next_after``
    asks for more), and its sum over every account of the circle — members' and the commons'
    own ``circle`` account — which is zero."""

    commons_id: str
    commons_name: str
    currency: str
    name: str
    exponent: int
    policy: CirclePolicy
    members: tuple[CircleMember, ...]
    circle_account: Money
    total: Money
    accounts: int
    limit: int
    next_after: str | None


def _policy(row: dict[str, object], known: dict[str, int]) -> CirclePolicy:
    currency = str(row["currency"])
    cap = row["max_balance_minor"]
    return CirclePolicy(
        limit=money(currency, int(str(row["limit_minor"])), known),
        per_point=money(currency, int(str(row["per_point_minor"])), known),
        max_balance=None if cap is None else money(currency, int(str(cap)), known),
        decided_by=str(row["decided_by"]),
        decided_at=str(row["decided_at"]),
    )


def _policy_row(conn: sa.Connection, commons_id: str, currency: str) -> dict[str, object]:
    found = (
        conn.execute(
            sa.select(credit_policies).where(
                credit_policies.c.commons_id == commons_id, credit_policies.c.currency == currency
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        raise NotFound(
            f"{currency} has no mutual-credit circle in this commons (a decision makes a "
            "community currency a circle: the effect credit_policy)"
        )
    return plain_row(found)


def _balances(
    conn: sa.Connection, commons_id: str, currency: str, dids: list[str]
) -> dict[str, int]:
    if not dids:
        return {}
    accounts = [f"credit:{did}" for did in dids]
    query = sa.select(book_balances.c.account, book_balances.c.amount_minor).where(
        book_balances.c.commons_id == commons_id,
        book_balances.c.currency == currency,
        book_balances.c.account.in_(accounts),
    )
    return {str(row.account)[7:]: int(row.amount_minor) for row in conn.execute(query)}


def _limits(
    conn: sa.Connection, commons_id: str, policy: dict[str, object], dids: list[str], at: str
) -> dict[str, int]:
    """Each member's limit now, by the economy's own rule (their standing in one query)."""
    state = DbState(conn)
    state.load_exact(member_standing, {(commons_id, did) for did in dids})
    return {did: limit_of(state, commons_id, did, policy, at) for did in dids}


def _member(
    row: dict[str, object], names: dict[str, str], held: dict[str, int], limits: dict[str, int],
    known: dict[str, int],
) -> CircleMember:  # fmt: skip
    did, currency = str(row["member"]), str(row["currency"])
    balance, limit = held.get(did, 0), limits.get(did, 0)
    active = row["status"] == "active"
    return CircleMember(
        member=did,
        name=names.get(did, ""),
        status=str(row["status"]),
        balance=money(currency, balance, known),
        limit=money(currency, limit, known),
        available=money(currency, balance + limit if active else 0, known),
        joined_at=str(row["joined_at"]),
        left_at=None if row["left_at"] is None else str(row["left_at"]),
    )


def _currency_name(conn: sa.Connection, commons_id: str, currency: str) -> str:
    query = sa.select(currencies.c.name).where(
        currencies.c.commons_id == commons_id, currencies.c.code == currency
    )
    return str(conn.execute(query).scalar() or currency)


def circle(
    node: Node, commons_id: str, currency: str, *, after: str | None = None, limit: int = 50
) -> Circle:
    """A circle: its policy, a page of its members (by did, after ``after``) with their
    balances and limits now, and its sum."""
    limit = books_page_limit(limit)
    at = node.clock()
    listed = sa.select(credit_members).where(
        credit_members.c.commons_id == commons_id, credit_members.c.currency == currency
    )
    if after is not None:
        listed = listed.where(credit_members.c.member > after)
    listed = listed.order_by(credit_members.c.member).limit(limit + 1)
    in_circle = sa.or_(
        sa.and_(book_balances.c.account >= "credit:", book_balances.c.account < "credit;"),
        book_balances.c.account == "circle",
    )
    summed = sa.select(
        sa.func.coalesce(sa.func.sum(book_balances.c.amount_minor), 0),
        sa.func.count(),
    ).where(
        book_balances.c.commons_id == commons_id, book_balances.c.currency == currency, in_circle
    )
    own = sa.select(book_balances.c.amount_minor).where(
        book_balances.c.commons_id == commons_id,
        book_balances.c.account == "circle",
        book_balances.c.currency == currency,
    )
    with node.reading() as conn:
        name = commons_name(conn, commons_id)
        policy = _policy_row(conn, commons_id, currency)
        known = exponents(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(listed).mappings()]
        page = rows[:limit]
        dids = [str(row["member"]) for row in page]
        held = _balances(conn, commons_id, currency, dids)
        limits = _limits(conn, commons_id, policy, dids, at)
        names = names_of(conn, commons_id, dids)
        total, accounts = conn.execute(summed).one()
        circle_account = int(conn.execute(own).scalar() or 0)
        label = _currency_name(conn, commons_id, currency)
    members = tuple(_member(row, names, held, limits, known) for row in page)
    more = len(rows) > limit and members
    return Circle(
        commons_id=commons_id,
        commons_name=name,
        currency=currency,
        name=label,
        exponent=known.get(currency, 0),
        policy=_policy(policy, known),
        members=members,
        circle_account=money(currency, circle_account, known),
        total=money(currency, int(total), known),
        accounts=int(accounts),
        limit=limit,
        next_after=members[-1].member if more else None,
    )


def _bills(conn: sa.Connection, commons_id: str, rows: list[dict[str, object]],
           known: dict[str, int]) -> tuple[Bill, ...]:  # fmt: skip
    names = names_of(conn, commons_id, (str(r[k]) for r in rows for k in ("payer", "payee")))
    return tuple(
        Bill(
            bill_id=str(row["bill_id"]),
            currency=str(row["currency"]),
            payee=str(row["payee"]),
            payee_name=names.get(str(row["payee"]), ""),
            payer=str(row["payer"]),
            payer_name=names.get(str(row["payer"]), ""),
            amount=money(str(row["currency"]), int(str(row["amount_minor"])), known),
            memo=str(row["memo"]),
            status=str(row["status"]),
            sent_at=str(row["sent_at"]),
            answered_at=None if row["answered_at"] is None else str(row["answered_at"]),
            txn_id=None if row["txn_id"] is None else str(row["txn_id"]),
        )
        for row in sorted(rows, key=lambda row: (str(row["sent_at"]), str(row["bill_id"])))
    )


def credit_of(conn: sa.Connection, node: Node, commons_id: str, did: str) -> CreditOfMember:
    """``did``'s circles in the commons (balance, limit now, what they may pay), the open bills
    sent to them and those they sent."""
    known = exponents(conn, commons_id)
    policies = [
        plain_row(row)
        for row in conn.execute(
            sa.select(credit_policies)
            .where(credit_policies.c.commons_id == commons_id)
            .order_by(credit_policies.c.currency)
            .limit(CIRCLES_SHOWN)
        ).mappings()
    ]
    codes = [str(row["currency"]) for row in policies]
    mine: dict[str, dict[str, object]] = {}
    if codes:
        query = sa.select(credit_members).where(
            credit_members.c.commons_id == commons_id,
            credit_members.c.currency.in_(codes),
            credit_members.c.member == did,
        )
        mine = {str(row["currency"]): plain_row(row) for row in conn.execute(query).mappings()}
    held = {}
    if mine:
        query = sa.select(book_balances.c.currency, book_balances.c.amount_minor).where(
            book_balances.c.commons_id == commons_id,
            book_balances.c.account == f"credit:{did}",
        )
        held = {str(row.currency): int(row.amount_minor) for row in conn.execute(query)}
    labels = {}
    if mine:
        query = sa.select(currencies.c.code, currencies.c.name).where(
            currencies.c.commons_id == commons_id, currencies.c.code.in_(sorted(mine))
        )
        labels = {str(row.code): str(row.name) for row in conn.execute(query)}
    state = DbState(conn)
    at = node.clock()
    circles = []
    for policy in policies:
        code = str(policy["currency"])
        member = mine.get(code)
        if member is None:
            continue
        balance = held.get(code, 0)
        limit = limit_of(state, commons_id, did, policy, at)
        active = member["status"] == "active"
        cap = policy["max_balance_minor"]
        circles.append(
            MyCircle(
                currency=code,
                name=labels.get(code, code),
                status=str(member["status"]),
                balance=money(code, balance, known),
                limit=money(code, limit, known),
                available=money(code, balance + limit if active else 0, known),
                max_balance=None if cap is None else money(code, int(str(cap)), known),
                joined_at=str(member["joined_at"]),
            )
        )
    to_answer = _open_bills(conn, commons_id, [did])[:BILLS_SHOWN]
    payers = _payers(conn, commons_id, [code for code in codes if code in mine])
    sent = [row for row in _open_bills(conn, commons_id, payers) if row["payee"] == did]
    return CreditOfMember(
        circles=tuple(circles),
        bills_to_answer=_bills(conn, commons_id, to_answer, known),
        bills_sent=_bills(conn, commons_id, sent[:BILLS_SHOWN], known),
    )


def _payers(conn: sa.Connection, commons_id: str, codes: list[str]) -> list[str]:
    """Everyone in these circles (each may have been billed): their primary keys."""
    if not codes:
        return []
    query = (
        sa.select(credit_members.c.member)
        .where(credit_members.c.commons_id == commons_id, credit_members.c.currency.in_(codes))
        .distinct()
    )
    return sorted(str(member) for member in conn.execute(query).scalars())


def _open_bills(conn: sa.Connection, commons_id: str, payers: list[str]) -> list[dict[str, object]]:
    """The open bills sent to ``payers``, oldest first: their ids from
    ``ix_credit_bills_payer`` alone (SQLite's planner passes over an index a query must leave
    for the table), then the rows by primary key — the payers' open bills, never the history."""
    ids: list[str] = []
    for start in range(0, len(payers), 400):
        query = sa.select(credit_bills.c.bill_id).where(
            credit_bills.c.commons_id == commons_id,
            credit_bills.c.payer.in_(payers[start : start + 400]),
            credit_bills.c.status == "open",
        )
        ids += [str(bill) for bill in conn.execute(query).scalars()]
    rows: list[dict[str, object]] = []
    for start in range(0, len(ids), 400):
        query = sa.select(credit_bills).where(
            credit_bills.c.commons_id == commons_id,
            credit_bills.c.bill_id.in_(ids[start : start + 400]),
        )
        rows += [plain_row(row) for row in conn.execute(query).mappings()]
    rows.sort(key=lambda row: (str(row["sent_at"]), str(row["bill_id"])))
    return rows


def circles_of(node: Node, commons_id: str) -> tuple[str, ...]:
    """The community currencies of the commons that are mutual-credit circles (a handful of
    rows: each is a decision)."""
    query = (
        sa.select(credit_policies.c.currency)
        .where(credit_policies.c.commons_id == commons_id)
        .order_by(credit_policies.c.currency)
        .limit(CIRCLES_SHOWN)
    )
    with node.reading() as conn:
        return tuple(str(code) for code in conn.execute(query).scalars())
