"""The economy area: the triarchy's organisations, and the commons' open double-entry books
(income, what is owed and paid, reversals), in integer minor units per currency.

Builds on the commons (members, the charter), production (a money contribution becomes income
when the treasurer's receipt names it), standing (payouts by value points) and governance (the
treasurer's role, spends by decision). A fork never duplicates money: the books start empty in a
fork; the organisations and what they declared are carried.
"""

from commonwork.economy import books, decisions, guards, organisations
from commonwork.economy.tables import (
    TABLES,
    book_balances,
    book_counts,
    book_marks,
    book_postings,
    book_txns,
    currencies,
    decided_spends,
    paid_points,
    payout_lines,
)
from commonwork.journal.area import Area

ACTIONS = organisations.ACTIONS + books.ACTIONS

_MONEY = (
    book_txns,
    book_postings,
    book_balances,
    book_marks,
    book_counts,
    currencies,
    decided_spends,
    payout_lines,
    paid_points,
)

AREA = Area(
    name="economy",
    summary="Organisations of the triarchy, and open double-entry books in integer minor units",
    builds_on=("commons", "production", "standing", "governance"),
    actions=ACTIONS,
    tables=TABLES,
    before_entry=decisions.before_entry,
    effects=decisions.EFFECTS,
    fork={table.name: ("reset" if table in _MONEY else "carry") for table in TABLES},
)

__all__ = ["ACTIONS", "AREA", "TABLES", "guards"]
