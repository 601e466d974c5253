"""Read-only views of a commons' open books, as anyone may read them (holoptism).

The books are the economy area's projection (commonwork.economy.books): double-entry
transactions in integer minor units, each with its postings and the reasons it happened (its
"why": the decision, the contribution, the bank's reference, the receipt, the payer, the
transaction it reverses). Every read here is by an index, a page at a time: transactions newest
first by their ``number`` (``ix_book_txns_number``), an account's history by
``ix_book_postings_account``, balances by the primary key of ``book_balances``. Amounts are
shown twice: as integers in minor units (the record) and formatted by the currency's exponent
(for people); nothing here is a float.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from commonwork.economy.tables import (
    book_balances,
    book_counts,
    book_postings,
    book_txns,
    currencies,
    decided_spends,
    organisations,
    representatives,
)
from commonwork.errors import NotFound
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.services.books_models import (
    ACCOUNTS_SHOWN,
    MAIN_ACCOUNTS,
    TXN_ID,
    AccountHistory,
    AccountTotal,
    Balance,
    BooksSummary,
    Currency,
    Money,
    OrganisationMoney,
    Transaction,
    TransactionPage,
    Wallet,
    account_parts,
    check_account,
    commons_name,
    exponents,
    money,
    names_of,
    page_limit,
)
from commonwork.services.books_txns import transactions_of
from commonwork.services.credit_read import credit_of
from commonwork.services.journals import require_head

# --- the summary -----------------------------------------------------------------------------


def _balance(
    row: Mapping[str, object], names: Mapping[str, str], known: Mapping[str, int]
) -> Balance:
    account, currency = str(row["account"]), str(row["currency"])
    kind, holder = account_parts(account)
    shown = money(currency, int(str(row["amount_minor"])), known)
    return Balance(
        account=account,
        kind=kind,
        holder=holder,
        holder_name=names.get(holder or "", ""),
        currency=currency,
        amount_minor=shown.amount_minor,
        amount=shown.amount,
        postings=int(str(row["postings"])),
        last_number=int(str(row["last_number"])),
    )


def _totals(conn: sa.Connection, commons_id: str, known: Mapping[str, int]) -> list[AccountTotal]:
    """Each kind of account that has many (payables, receivables, escrows) summed per currency:
    a GROUP BY over ``book_balances`` — one row per account and currency, so its cost grows with
    the people paid, never with the transactions."""
    totals = []
    for kind in ("credit", "escrow", "payable", "receivable", "upstream"):
        query = (
            sa.select(
                book_balances.c.currency,
                sa.func.sum(book_balances.c.amount_minor).label("total"),
                sa.func.count().label("accounts"),
            )
            .where(
                book_balances.c.commons_id == commons_id,
                book_balances.c.account >= f"{kind}:",
                book_balances.c.account < f"{kind};",  # ';' follows ':'
            )
            .group_by(book_balances.c.currency)
            .order_by(book_balances.c.currency)
        )
        for row in conn.execute(query):
            shown = money(str(row.currency), int(row.total), known)
            totals.append(
                AccountTotal(kind, shown.currency, shown.amount_minor, shown.amount, row.accounts)
            )
    return totals


def books_summary(node: Node, commons_id: str) -> BooksSummary:
    """The open books' balances, totals and currencies."""
    with node.reading() as conn:
        name = commons_name(conn, commons_id)
        known = exponents(conn, commons_id)
        listed = sa.select(currencies).where(currencies.c.commons_id == commons_id)
        used = tuple(
            Currency(str(row.code), int(row.exponent), str(row.kind), str(row.name))
            for row in conn.execute(listed.order_by(currencies.c.code))
        )
        mine = book_balances.c.commons_id == commons_id
        main = conn.execute(
            sa.select(book_balances)
            .where(mine, book_balances.c.account.in_(MAIN_ACCOUNTS))
            .order_by(book_balances.c.account.desc(), book_balances.c.currency)
        ).mappings()
        rows = [plain_row(row) for row in main]
        others = conn.execute(
            sa.select(book_balances)
            .where(mine, book_balances.c.account.notin_(MAIN_ACCOUNTS))
            .order_by(book_balances.c.account, book_balances.c.currency)
            .limit(ACCOUNTS_SHOWN + 1)
        ).mappings()
        more = [plain_row(row) for row in others]
        room = ACCOUNTS_SHOWN - len(rows)
        rows += more[:room]
        names = names_of(
            conn, commons_id, (account_parts(str(r["account"]))[1] or "" for r in rows)
        )
        totals = _totals(conn, commons_id, known)
        counts = conn.execute(
            sa.select(book_counts).where(book_counts.c.commons_id == commons_id)
        ).first()
        # The next large spend to run after its grace window: among the commons' money
        # decisions (as many as it made, not the journal's length).
        next_due = conn.execute(
            sa.select(sa.func.min(decided_spends.c.due_at)).where(
                (decided_spends.c.commons_id == commons_id) & (decided_spends.c.status == "waiting")
            )
        ).scalar()
    return BooksSummary(
        commons_id=commons_id,
        name=name,
        transactions=0 if counts is None else int(counts.transactions),
        postings=0 if counts is None else int(counts.postings),
        currencies=used,
        balances=tuple(_balance(row, names, known) for row in rows),
        more_accounts=len(more) > room,
        totals=tuple(totals),
        next_due=next_due,
    )


# --- transactions ----------------------------------------------------------------------------


def list_transactions(
    node: Node, commons_id: str, *, before: int | None = None, limit: int = 50
) -> TransactionPage:
    """A page of transactions, newest first: those numbered below ``before`` (all when None)."""
    limit = page_limit(limit)
    query = sa.select(book_txns).where(book_txns.c.commons_id == commons_id)
    if before is not None:
        query = query.where(book_txns.c.number < before)
    query = query.order_by(book_txns.c.number.desc()).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = transactions_of(conn, commons_id, rows[:limit])
    more = len(rows) > limit
    return TransactionPage(tuple(items), limit, items[-1].number if more and items else None)


def transaction_detail(node: Node, commons_id: str, txn_id: str) -> Transaction:
    if not TXN_ID.match(txn_id):
        raise NotFound(f"there is no transaction {txn_id} in this commons' books")
    query = sa.select(book_txns).where(
        book_txns.c.commons_id == commons_id, book_txns.c.txn_id == txn_id
    )
    with node.reading() as conn:
        require_head(conn, commons_id)
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"there is no transaction {txn_id} in this commons' books")
        return transactions_of(conn, commons_id, [plain_row(found)])[0]


def account_balances(conn: sa.Connection, commons_id: str, account: str) -> tuple[Money, ...]:
    known = exponents(conn, commons_id)
    query = (
        sa.select(book_balances.c.currency, book_balances.c.amount_minor)
        .where(book_balances.c.commons_id == commons_id, book_balances.c.account == account)
        .order_by(book_balances.c.currency)
    )
    return tuple(money(str(r.currency), int(r.amount_minor), known) for r in conn.execute(query))


def account_history(
    node: Node, commons_id: str, account: str, *, before: int | None = None, limit: int = 50
) -> AccountHistory:
    """An account's balances and the transactions that touched it, newest first, a page at a
    time: by the account index (commons, account, number)."""
    check_account(account)
    limit = page_limit(limit)
    numbers = (
        sa.select(book_postings.c.number)
        .distinct()
        .where(book_postings.c.commons_id == commons_id, book_postings.c.account == account)
    )
    if before is not None:
        numbers = numbers.where(book_postings.c.number < before)
    numbers = numbers.order_by(book_postings.c.number.desc()).limit(limit + 1)
    kind, holder = account_parts(account)
    with node.reading() as conn:
        require_head(conn, commons_id)
        wanted = [int(n) for n in conn.execute(numbers).scalars()]
        rows = []
        if wanted:
            query = (
                sa.select(book_txns)
                .where(book_txns.c.commons_id == commons_id, book_txns.c.number.in_(wanted[:limit]))
                .order_by(book_txns.c.number.desc())
            )
            rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = transactions_of(conn, commons_id, rows)
        balances = account_balances(conn, commons_id, account)
        name = names_of(conn, commons_id, [holder or ""]).get(holder or "", "")
    more = len(wanted) > limit
    return AccountHistory(
        account=account,
        kind=kind,
        holder=holder,
        holder_name=name,
        balances=balances,
        items=tuple(items),
        limit=limit,
        next_before=items[-1].number if more and items else None,
    )


#: Organisations a wallet lists at most (those the person acts for).
ORGANISATIONS_SHOWN = 50


def _represented(conn: sa.Connection, commons_id: str, did: str) -> list[OrganisationMoney]:
    """The organisations ``did`` acts for now (by the representatives' member index), with
    their payable and receivable balances (by primary key)."""
    query = (
        sa.select(organisations.c.org, organisations.c.name, organisations.c.form)
        .select_from(
            representatives.join(
                organisations,
                sa.and_(
                    organisations.c.commons_id == representatives.c.commons_id,
                    organisations.c.org == representatives.c.org,
                ),
            )
        )
        .where(
            representatives.c.commons_id == commons_id,
            representatives.c.member == did,
            representatives.c.removed_at.is_(None),
        )
        .order_by(organisations.c.name)
        .limit(ORGANISATIONS_SHOWN)
    )
    return [
        OrganisationMoney(
            org=str(row.org),
            name=str(row.name),
            form=str(row.form),
            owed=account_balances(conn, commons_id, f"payable:{row.org}"),
            owes=account_balances(conn, commons_id, f"receivable:{row.org}"),
        )
        for row in conn.execute(query).all()
    ]


def wallet(
    node: Node, commons_id: str, did: str, *, before: int | None = None, limit: int = 50
) -> Wallet:
    """``did``'s wallet in the commons: what is owed to them, the transactions that touched
    their payable account (a page, newest first), the payments to them they have not answered,
    the organisations they act for, and their mutual-credit circles and open bills."""
    account = check_account(f"payable:{did}")
    history = account_history(node, commons_id, account, before=before, limit=limit)
    with node.reading() as conn:
        name = commons_name(conn, commons_id)
        represents = _represented(conn, commons_id, did)
        person = names_of(conn, commons_id, [did]).get(did, "")
        credit = account_balances(conn, commons_id, f"credit:{did}")
        circles = credit_of(conn, node, commons_id, did)
    unanswered = tuple(
        item.txn_id
        for item in history.items
        if item.kind == "payment" and item.answer is None and item.reversed_by is None
    )
    return Wallet(
        commons_id=commons_id,
        commons_name=name,
        member=did,
        name=person,
        account=account,
        owed=history.balances,
        credit=credit,
        history=history,
        unanswered=unanswered,
        represents=tuple(represents),
        circles=circles.circles,
        bills_to_answer=circles.bills_to_answer,
        bills_sent=circles.bills_sent,
    )
