"""Pictures of the open books: where the money came from and where it went (a money flow, for a
Sankey-like chart), and the treasury's balance day by day.

Both are bounded, whatever the size of the books:

* the **money flow** sums the postings of the last ``FLOW_WINDOW`` transactions (by the
  ``(commons, number)`` index, their postings by primary key) — not a GROUP BY over every
  transaction, which would cost O(transactions) on every anonymous page view. When the books
  hold more, ``complete`` is false and the picture says "the last 1,000 transactions"; the
  balances beside it (book_balances) are always the whole books';
* the **balance over time** walks back from the account's balance now (``book_balances``) over
  its last ``SERIES_POSTINGS`` postings (by the ``(commons, account, number)`` index): each day's
  closing balance, exact, for the days those postings cover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson
import sqlalchemy as sa

from commonwork.economy.tables import book_balances, book_counts, book_postings, book_txns
from commonwork.node.node import Node
from commonwork.services.books_models import account_parts, check_account, exponents, money
from commonwork.services.journals import require_head

#: The newest transactions a money flow sums.
FLOW_WINDOW = 1000
#: The newest postings of an account a balance series walks back over.
SERIES_POSTINGS = 1000
#: The places money flows between, in words (income sources, the accounts, the world).
NODE_NAMES = {
    "donation": "Donations",
    "grant": "Grants",
    "benefit_sharing": "Benefit sharing (businesses)",
    "sale": "Sales",
    "other": "Other income",
    "treasury": "Treasury",
    "reserve": "Infrastructure reserve",
    "payables": "Owed to contributors",
    "receivables": "Owed by organisations",
    "escrow": "Bounties held",
    "paid": "Paid out",
    "accrual": "Pledged by agreements",
    "credit": "Mutual credit",
    "circle": "The circle",
}


@dataclass(frozen=True)
class Flow:
    """Money that went from ``source`` to ``target`` (NODE_NAMES), for ``label`` (an income's
    source, a spend's purpose, ``payout``, ``paid``)."""

    source: str
    target: str
    label: str
    currency: str
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class PlaceBalance:
    """What one place holds now (NODE_NAMES: treasury, reserve, payables summed)."""

    place: str
    currency: str
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class MoneyFlow:
    currency: str
    flows: tuple[Flow, ...]
    transactions: int  # in the books
    counted: int  # of them summed here (the newest)
    complete: bool
    balances: tuple[PlaceBalance, ...]  # treasury, reserve, payables: the whole books'


@dataclass(frozen=True)
class BalancePoint:
    day: str
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class BalanceSeries:
    """An account's closing balance on each day its last postings (at most SERIES_POSTINGS) were
    made; ``complete`` when they are all of its postings in any currency."""

    account: str
    currency: str
    points: tuple[BalancePoint, ...]
    complete: bool


def _node(account: str, label: str, outgoing: bool) -> str:
    kind, _ = account_parts(account)
    if kind == "outside":
        return label if outgoing else "paid"
    return {"payable": "payables", "receivable": "receivables", "upstream": "upstream"}.get(
        kind, kind
    )


def _pairs(lines: Sequence[tuple[str, int]]) -> list[tuple[str, str, int]]:
    """A balanced transaction's postings as (from, to, amount) moves: each negative posting
    feeds the positive ones in order (exact, in integers)."""
    sources = [(account, -amount) for account, amount in lines if amount < 0]
    moves = []
    at, used = 0, 0  # the source being drawn on, and how much of it is drawn already
    for account, amount in lines:
        left = amount
        while left > 0 and at < len(sources):
            source, held = sources[at]
            taken = min(left, held - used)
            moves.append((source, account, taken))
            left -= taken
            used += taken
            if used == held:
                at, used = at + 1, 0
    return moves


def _label(kind: str, why: Mapping[str, object]) -> str:
    if kind == "income":
        return str(why.get("source", "other"))
    if kind == "payment":
        return "paid"
    return kind  # a spend's purpose (prize, patronage, expense, grant, reserve), payout


def money_flow(node: Node, commons_id: str, currency: str) -> MoneyFlow:
    """Where the money in ``currency`` came from and went, over the newest FLOW_WINDOW
    transactions; a reversal takes its flows back from those of the transaction it reverses."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        counts = conn.execute(
            sa.select(book_counts.c.transactions).where(book_counts.c.commons_id == commons_id)
        ).scalar()
        total = int(counts or 0)
        rows = _window(conn, commons_id, total)
        reversed_labels = _reversed(conn, commons_id, rows)
        known = exponents(conn, commons_id)
        balances = _balances(conn, commons_id, currency, known)
    summed: dict[tuple[str, str, str], int] = {}
    for moved in rows:
        sign, label = 1, _label(moved.kind, moved.why)
        if moved.reverses is not None:
            sign, label = -1, reversed_labels.get(moved.reverses, "other")
        mine = [(account, amount * sign) for account, cur, amount in moved.lines if cur == currency]
        for source, target, amount in _pairs(mine):
            key = (_node(source, label, True), _node(target, label, False), label)
            summed[key] = summed.get(key, 0) + amount * sign
    flows = tuple(
        Flow(source, target, label, currency, amount, money(currency, amount, known).amount)
        for (source, target, label), amount in sorted(summed.items())
        if amount > 0
    )
    counted = min(total, FLOW_WINDOW)
    return MoneyFlow(currency, flows, total, counted, counted == total, balances)


@dataclass
class _Moved:
    """One transaction of the window: its kind, why, what it reverses, and its postings."""

    kind: str
    why: dict[str, object]
    reverses: str | None
    lines: list[tuple[str, str, int]]


def _window(conn: sa.Connection, commons_id: str, total: int) -> list[_Moved]:
    """The newest FLOW_WINDOW transactions' postings (numbers run 1, 2, … without gaps)."""
    joined = book_postings.join(
        book_txns,
        sa.and_(
            book_txns.c.commons_id == book_postings.c.commons_id,
            book_txns.c.txn_id == book_postings.c.txn_id,
        ),
    )
    query = (
        sa.select(
            book_txns.c.txn_id,
            book_txns.c.kind,
            book_txns.c.why,
            book_txns.c.reverses,
            book_postings.c.account,
            book_postings.c.currency,
            book_postings.c.amount_minor,
        )
        .select_from(joined)
        .where(book_txns.c.commons_id == commons_id, book_txns.c.number > total - FLOW_WINDOW)
        .order_by(book_txns.c.number, book_postings.c.line)
    )
    by_txn: dict[str, _Moved] = {}
    for row in conn.execute(query):
        if row.txn_id not in by_txn:
            by_txn[row.txn_id] = _Moved(str(row.kind), orjson.loads(row.why), row.reverses, [])
        by_txn[row.txn_id].lines.append((row.account, row.currency, int(row.amount_minor)))
    return list(by_txn.values())


def _reversed(conn: sa.Connection, commons_id: str, rows: Sequence[_Moved]) -> dict[str, str]:
    """The label of each transaction a reversal in the window reverses (by primary key)."""
    wanted = sorted({row.reverses for row in rows if row.reverses is not None})
    if not wanted:
        return {}
    query = sa.select(book_txns.c.txn_id, book_txns.c.kind, book_txns.c.why).where(
        book_txns.c.commons_id == commons_id, book_txns.c.txn_id.in_(wanted)
    )
    return {
        str(row.txn_id): _label(str(row.kind), orjson.loads(row.why)) for row in conn.execute(query)
    }


def _balances(
    conn: sa.Connection, commons_id: str, currency: str, known: Mapping[str, int]
) -> tuple[PlaceBalance, ...]:
    """The treasury's and the reserve's balances and the sum of the payables (by primary key;
    the payables' sum is over one row per person owed)."""
    mine = sa.and_(book_balances.c.commons_id == commons_id, book_balances.c.currency == currency)
    held = dict(
        conn.execute(
            sa.select(book_balances.c.account, book_balances.c.amount_minor).where(
                mine, book_balances.c.account.in_(("treasury", "reserve"))
            )
        ).all()
    )
    owed = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(book_balances.c.amount_minor), 0)).where(
            mine, book_balances.c.account >= "payable:", book_balances.c.account < "payable;"
        )
    ).scalar()
    amounts = {"treasury": held.get("treasury", 0), "reserve": held.get("reserve", 0)}
    amounts["payables"] = owed or 0
    return tuple(
        PlaceBalance(place, currency, int(amount), money(currency, int(amount), known).amount)
        for place, amount in amounts.items()
    )


def balance_series(
    node: Node, commons_id: str, currency: str, account: str = "treasury"
) -> BalanceSeries:
    """The account's closing balance in ``currency`` on each day of its last SERIES_POSTINGS
    postings, oldest first: from its balance now, walking back."""
    check_account(account)
    joined = book_postings.join(
        book_txns,
        sa.and_(
            book_txns.c.commons_id == book_postings.c.commons_id,
            book_txns.c.txn_id == book_postings.c.txn_id,
        ),
    )
    query = (
        sa.select(book_postings.c.currency, book_postings.c.amount_minor, book_txns.c.recorded_at)
        .select_from(joined)
        .where(book_postings.c.commons_id == commons_id, book_postings.c.account == account)
        .order_by(book_postings.c.number.desc())
        .limit(SERIES_POSTINGS)
    )
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = conn.execute(query).all()
        now = conn.execute(
            sa.select(book_balances.c.amount_minor, book_balances.c.postings).where(
                book_balances.c.commons_id == commons_id,
                book_balances.c.account == account,
                book_balances.c.currency == currency,
            )
        ).first()
        known = exponents(conn, commons_id)
    held = 0 if now is None else int(now.amount_minor)
    closing: dict[str, int] = {}
    for row in rows:  # newest first: the first seen of a day is its closing balance
        if row.currency != currency:
            continue
        closing.setdefault(str(row.recorded_at)[:10], held)
        held -= int(row.amount_minor)
    points = tuple(
        BalancePoint(day, amount, money(currency, amount, known).amount)
        for day, amount in sorted(closing.items())
    )
    return BalanceSeries(account, currency, points, len(rows) < SERIES_POSTINGS)


def main_currency(node: Node, commons_id: str) -> str | None:
    """The currency the treasury has moved most often (by its balances' posting counts): what
    the pictures show unless asked for another."""
    query = (
        sa.select(book_balances.c.currency)
        .where(book_balances.c.commons_id == commons_id, book_balances.c.account == "treasury")
        .order_by(book_balances.c.postings.desc(), book_balances.c.currency)
        .limit(1)
    )
    with node.reading() as conn:
        found = conn.execute(query).scalar()
    return None if found is None else str(found)
