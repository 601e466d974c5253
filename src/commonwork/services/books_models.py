"""The open books' read models (frozen dataclasses, as the API and ``--json`` give them) and the
small helpers every read of the books shares: accounts, currencies' exponents, names.

Amounts are shown twice: as integers in minor units (the record) and formatted by the currency's
exponent (for people: ``Money.amount``); nothing here is a float.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.commons.tables import commons, members
from commonwork.economy.currencies import format_minor, iso_exponent
from commonwork.economy.tables import (
    currencies,
    organisations,
)
from commonwork.errors import BadInput
from commonwork.services.journals import require_head
from commonwork.services.models import JsonObject

#: Transactions one page lists at most.
MAX_LIMIT = 500
#: Accounts the summary lists at most (treasury, reserve and outside always come first).
ACCOUNTS_SHOWN = 200
#: The accounts every commons' books may have, and the pattern of the others.
MAIN_ACCOUNTS = ("treasury", "reserve", "outside")
#: (The economy area's own pattern of its accounts, which it keeps private: the same.)
ACCOUNT = re.compile(
    r"^(treasury|reserve|outside|circle|(escrow|upstream):[0-9a-f]{64}"
    r"|(payable|receivable|credit):did:key:z[1-9A-HJ-NP-Za-km-z]{20,60})$"
)
TXN_ID = re.compile(r"^[0-9a-f]{64}(:[a-z0-9_]{1,15})?$")
#: What each kind of account is, in words.
ACCOUNT_KINDS = {
    "treasury": "what the commons holds",
    "reserve": "the infrastructure reserve the for-benefit association keeps",
    "outside": "the world money comes from and goes to",
    "escrow": "a bounty held for a task",
    "payable": "what the commons owes a person or organisation",
    "receivable": "what an organisation owes the commons",
    "upstream": "what passes upstream to a commons an artifact was derived from, until paid",
    "credit": "a member's balance in a mutual credit circle",
    "circle": "the commons' own account in a mutual credit circle",
}


@dataclass(frozen=True)
class Money:
    """An amount: integer minor units (the record) and as people write it (``amount``)."""

    currency: str
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    kind: str  # iso | community
    name: str


@dataclass(frozen=True)
class Balance:
    """One account's balance in one currency. ``holder``: the did of a payable or receivable,
    the task of an escrow; ``holder_name`` their name in this commons, if known."""

    account: str
    kind: str
    holder: str | None
    holder_name: str
    currency: str
    amount_minor: int
    amount: str
    postings: int
    last_number: int


@dataclass(frozen=True)
class AccountTotal:
    """The sum of one kind of account (every payable, every receivable…) in one currency."""

    kind: str
    currency: str
    amount_minor: int
    amount: str
    accounts: int


@dataclass(frozen=True)
class BooksSummary:
    """The open books at a glance: every currency used, the balances (the main accounts
    first, at most ACCOUNTS_SHOWN), the totals per kind of account, how many transactions."""

    commons_id: str
    name: str
    transactions: int
    postings: int
    currencies: tuple[Currency, ...]
    balances: tuple[Balance, ...]
    more_accounts: bool
    totals: tuple[AccountTotal, ...]
    next_due: str | None  # when the next large decided spend falls due


@dataclass(frozen=True)
class Posting:
    line: int
    account: str
    kind: str
    holder: str | None
    holder_name: str
    currency: str
    amount_minor: int
    amount: str


@dataclass(frozen=True)
class WhyLink:
    """One reason a transaction happened, as a link where there is something to link to:
    ``decision`` (a proposal), ``contribution`` (its journal entry: ``seq``), ``payer`` and
    ``payee`` (a person or organisation), ``reverses`` and ``reversed_by`` (transactions),
    ``receipt`` (a URL or a file's sha256), ``reference`` (the bank's, as text)."""

    kind: str
    value: str
    text: str
    seq: int | None = None
    organisation: bool = False


@dataclass(frozen=True)
class Transaction:
    txn_id: str
    number: int
    seq: int  # the journal entry that made it (a decision's: the proposal's)
    kind: str
    memo: str
    recorded_by: str  # a did, or the id of the decision that made it
    recorded_by_name: str
    recorded_at: str
    postings: tuple[Posting, ...]
    why: JsonObject
    links: tuple[WhyLink, ...]
    explanation: str
    reverses: str | None
    reversed_by: str | None
    answer: str | None  # confirmed | not_received
    answered_by: str | None
    answered_by_name: str
    answered_at: str | None
    answer_note: str | None


@dataclass(frozen=True)
class TransactionPage:
    """Transactions newest first; ``next_before``: ask again with ``before`` set to it for the
    older ones (null on the last page)."""

    items: tuple[Transaction, ...]
    limit: int
    next_before: int | None


@dataclass(frozen=True)
class AccountHistory:
    """An account's balances and its transactions, newest first, a page at a time; each
    transaction's ``postings`` include the one on this account."""

    account: str
    kind: str
    holder: str | None
    holder_name: str
    balances: tuple[Money, ...]
    items: tuple[Transaction, ...]
    limit: int
    next_before: int | None


# --- small helpers -------------------------------------------------------------------------


def account_parts(account: str) -> tuple[str, str | None]:
    """An account's kind and holder: ``payable:did:key:z…`` → ("payable", "did:key:z…")."""
    kind, _, holder = account.partition(":")
    return kind, holder or None


def check_account(account: str) -> str:
    if not ACCOUNT.match(account):
        raise BadInput(
            f"{account!r} is not an account of the books: treasury, reserve, outside, circle, "
            "escrow:<task id>, payable:<did>, receivable:<did>, credit:<did> or "
            "upstream:<commons id>"
        )
    return account


def exponents(conn: sa.Connection, commons_id: str) -> dict[str, int]:
    """The exponent of every currency the commons' books know (a handful of rows)."""
    query = sa.select(currencies.c.code, currencies.c.exponent).where(
        currencies.c.commons_id == commons_id
    )
    return {row.code: int(row.exponent) for row in conn.execute(query)}


def money(currency: str, amount: int, known: Mapping[str, int]) -> Money:
    exponent = known.get(currency, iso_exponent(currency) or 0)
    return Money(currency, amount, format_minor(amount, exponent))


def names_of(conn: sa.Connection, commons_id: str, dids: Iterable[str]) -> dict[str, str]:
    """The names of these people (members) and organisations in this commons, by did: two
    queries by primary key."""
    wanted = sorted({did for did in dids if did.startswith("did:")})
    if not wanted:
        return {}
    found = {
        row.org: row.name
        for row in conn.execute(
            sa.select(organisations.c.org, organisations.c.name).where(
                organisations.c.commons_id == commons_id, organisations.c.org.in_(wanted)
            )
        )
    }
    people = sa.select(members.c.member, members.c.name).where(
        members.c.commons_id == commons_id, members.c.member.in_(wanted)
    )
    found.update({row.member: row.name for row in conn.execute(people)})
    return found


def organisations_among(conn: sa.Connection, commons_id: str, dids: Iterable[str]) -> set[str]:
    wanted = sorted(set(dids))
    if not wanted:
        return set()
    query = sa.select(organisations.c.org).where(
        organisations.c.commons_id == commons_id, organisations.c.org.in_(wanted)
    )
    return {str(row.org) for row in conn.execute(query)}


def commons_name(conn: sa.Connection, commons_id: str) -> str:
    require_head(conn, commons_id)
    query = sa.select(commons.c.name).where(commons.c.commons_id == commons_id)
    return str(conn.execute(query).scalar() or commons_id)


def page_limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


@dataclass(frozen=True)
class OrganisationMoney:
    """What the commons owes an organisation a person acts for, and what it owes the commons."""

    org: str
    name: str
    form: str
    owed: tuple[Money, ...]
    owes: tuple[Money, ...]


@dataclass(frozen=True)
class Bill:
    """A bill in a circle: sent by the payee, accepted (``paid``, its transaction ``txn_id``)
    or ``declined`` by the payer, or still ``open``."""

    bill_id: str
    currency: str
    payee: str
    payee_name: str
    payer: str
    payer_name: str
    amount: Money
    memo: str
    status: str
    sent_at: str
    answered_at: str | None
    txn_id: str | None


@dataclass(frozen=True)
class MyCircle:
    """One of a person's circles: their status, balance and limit now, and what they may pay."""

    currency: str
    name: str
    status: str
    balance: Money
    limit: Money
    available: Money
    max_balance: Money | None
    joined_at: str


@dataclass(frozen=True)
class CreditOfMember:
    """A person's mutual credit in one commons."""

    circles: tuple[MyCircle, ...]
    bills_to_answer: tuple[Bill, ...]  # open bills sent to them, oldest first
    bills_sent: tuple[Bill, ...]  # open bills they sent, oldest first


@dataclass(frozen=True)
class Wallet:
    """A person's money in one commons: what the commons owes them now (``owed``, their payable
    account per currency), their mutual credit balances (``credit``), every transaction that
    touched their payable account, newest first — what was decided
    for them, what was paid to them — with the payments they have not answered yet
    (``unanswered``: confirm them, or report that one never arrived), and the same for the
    organisations they act for; their mutual-credit circles and the open bills they are asked
    to answer or sent."""

    commons_id: str
    commons_name: str
    member: str
    name: str
    account: str
    owed: tuple[Money, ...]
    credit: tuple[Money, ...]  # their balances in the commons' mutual credit circles
    history: AccountHistory
    unanswered: tuple[str, ...]
    represents: tuple[OrganisationMoney, ...]
    #: Their circles (balance, limit now, what they may pay) and the open bills either way.
    circles: tuple[MyCircle, ...]
    bills_to_answer: tuple[Bill, ...]
    bills_sent: tuple[Bill, ...]
