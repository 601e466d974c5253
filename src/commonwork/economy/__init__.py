"""The economy area: the triarchy's organisations, and the commons' open double-entry books
(income, what is owed and paid, reversals), in integer minor units per currency.

Builds on the commons (members, the charter), production (a money contribution becomes income
when the treasurer's receipt names it), standing (payouts by value points) and governance (the
treasurer's role, spends by decision). A fork never duplicates money: the books start empty in a
fork (agreements too: what they make owed is money); the organisations and what they declared
are carried.
"""

from commonwork.economy import agreements as agreement_actions
from commonwork.economy import books, bounties, credit, decisions, events, guards, organisations
from commonwork.economy.tables import (
    TABLES,
    agreement_reports,
    agreements,
    book_balances,
    book_counts,
    book_marks,
    book_postings,
    book_txns,
    bounty_budget_used,
    bounty_counts,
    bounty_due,
    bounty_work,
    credit_bills,
    credit_members,
    credit_policies,
    currencies,
    decided_spends,
    paid_points,
    payout_clock,
    payout_lines,
    payout_marks,
)
from commonwork.economy.tables import (
    bounties as bounty_table,
)
from commonwork.journal.area import Area, SettleStep

ACTIONS = (
    organisations.ACTIONS
    + agreement_actions.ACTIONS
    + books.ACTIONS
    + bounties.ACTIONS
    + credit.ACTIONS
)

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
    bounty_table,
    bounty_work,
    bounty_due,
    bounty_counts,
    bounty_budget_used,
    # What an organisation owes and paid under an agreement is money too: a fork's businesses
    # sign anew with the fork.
    agreements,
    agreement_reports,
    credit_policies,
    credit_members,
    credit_bills,
    payout_clock,
    payout_marks,
)

AREA = Area(
    name="economy",
    summary="Organisations of the triarchy, and open double-entry books in integer minor units",
    builds_on=("commons", "production", "standing", "governance"),
    actions=ACTIONS,
    tables=TABLES,
    before_entry=decisions.before_entry,
    after_entry=credit.after_entry,
    # Bounties are paid by the day's settlement, after acceptance and points.
    settle=(SettleStep("bounties", bounties.settle_bounties),),
    effects=decisions.EFFECTS + organisations.EFFECTS,
    events=events.events,
    event_kinds=events.KINDS,
    fork={table.name: ("reset" if table in _MONEY else "carry") for table in TABLES},
    # 2: a declared use says whether it is commercial; incomes for an artifact pass upstream.
    projection_version=2,
)

__all__ = ["ACTIONS", "AREA", "TABLES", "guards"]
