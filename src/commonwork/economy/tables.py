"""The economy area's read model: the organisations of the triarchy, and the open books.

Every figure here is a fold of the journal prefix and ``recorded_at`` (covered by the state
digest): amounts are integers in a currency's minor units (a cent, a yen, a fils), never floats.
The books are double-entry: a transaction is one entry with two or more postings whose amounts
sum to zero per currency, and an account's balance is the sum of its postings. The database
guards that too (commonwork.economy.guards): a raw insert cannot unbalance the books.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: An organisation of the triarchy (a for-benefit association, a worker cooperative, a
#: non-profit, a public body, a company), by its own did: what it declared last (the journal
#: keeps every declaration).
organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("form", sa.String(20), nullable=False),
    # canonical JSON {registry_id, statutes_sha256, url}
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("declared_seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("declared_at", sa.String(24), nullable=False),
    sa.Column("updated_entry", sa.String(64), nullable=False),  # the latest declaration
    sa.Column("updated_at", sa.String(24), nullable=False),
    sa.Column("representatives", sa.Integer, nullable=False),  # how many act for it now
    # Its claim (its form: worker-owned, non-profit…): declared | contested | upheld | rejected,
    # and the contest or decision that made it so.
    sa.Column("claim", sa.String(10), nullable=False),
    sa.Column("claim_by", sa.String(64), nullable=True),
    sqlite_with_rowid=False,
)

#: Who acts for an organisation: added and removed by its key or its current representatives.
representatives = sa.Table(
    "representatives",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(100), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("added_by", sa.String(100), nullable=False),
    sa.Column("added_entry", sa.String(64), nullable=False),
    sa.Column("added_at", sa.String(24), nullable=False),
    sa.Column("removed_by", sa.String(100), nullable=True),
    sa.Column("removed_at", sa.String(24), nullable=True),
    sa.Index("ix_representatives_member", "commons_id", "member"),
    sqlite_with_rowid=False,
)

#: What an organisation declared it uses (the commons, or one of its artifacts), and the licence
#: terms it relies on: by the id of the entry that declared it.
org_uses = sa.Table(
    "org_uses",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("use_id", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),  # "commons" or an artifact's id
    sa.Column("terms", sa.Text, nullable=False),  # canonical JSON: licence expressions
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("commercial", sa.Integer, nullable=False),  # 1: a commercial use
    sa.Column("declared_by", sa.String(100), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Index("ix_org_uses_org", "commons_id", "org"),
    sqlite_with_rowid=False,
)

#: The currencies the books have used: ISO 4217 codes with their exponent, and the community's
#: own currencies (declared by decision).
currencies = sa.Table(
    "currencies",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("exponent", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # iso | community
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("declared_by", sa.String(64), nullable=False),  # the entry that first used it
    sa.Column("declared_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: One row per transaction, by the id of the entry that made it (or, for one a decision made,
#: the decision's id and a suffix).
book_txns = sa.Table(
    "book_txns",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("txn_id", sa.String(80), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("number", sa.BigInteger, nullable=False, info={"fixed": True}),  # 1, 2, … per commons
    sa.Column("kind", sa.String(20), nullable=False, info={"fixed": True}),
    sa.Column("memo", sa.Text, nullable=False, info={"fixed": True}),
    sa.Column("recorded_by", sa.String(100), nullable=False, info={"fixed": True}),
    sa.Column("recorded_at", sa.String(24), nullable=False, info={"fixed": True}),
    sa.Column("key", sa.String(100), nullable=True, info={"fixed": True}),  # idempotency key
    # canonical JSON: why it happened (the contribution, decision, organisation, reference,
    # receipt, the transaction it reverses) — the open books' "why" links
    sa.Column("why", sa.Text, nullable=False, info={"fixed": True}),
    sa.Column("reverses", sa.String(80), nullable=True, info={"fixed": True}),
    sa.Column("reversed_by", sa.String(80), nullable=True),
    # The other side's answer: the payer organisation countersigns an income ("confirmed"), a
    # payee confirms a payment or reports that it never arrived ("not_received").
    sa.Column("answer", sa.String(20), nullable=True),
    sa.Column("answered_by", sa.String(100), nullable=True),
    sa.Column("answered_at", sa.String(24), nullable=True),
    sa.Column("answer_note", sa.Text, nullable=True),
    sa.Column("postings", sa.Integer, nullable=False, info={"fixed": True}),
    sa.Index("ix_book_txns_number", "commons_id", "number"),  # newest first, a page at a time
    sqlite_with_rowid=False,
)

#: A transaction's postings: (account, currency, signed amount in minor units). Written before
#: their transaction row, never changed (commonwork.economy.guards).
book_postings = sa.Table(
    "book_postings",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("txn_id", sa.String(80), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("account", sa.String(120), nullable=False),
    sa.Column("currency", sa.String(12), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),  # the transaction's number
    sa.ForeignKeyConstraint(
        ["commons_id", "txn_id"],
        ["book_txns.commons_id", "book_txns.txn_id"],
        # Checked at commit: postings go in before their transaction row (the row's trigger
        # checks that they balance), and a posting without a transaction is refused.
        deferrable=True,
        initially="DEFERRED",
    ),
    # An account's history, newest first, a page at a time.
    sa.Index("ix_book_postings_account", "commons_id", "account", "number"),
    sqlite_with_rowid=False,
    info={"flush_first": True},  # before book_txns, whose insert checks them
)

#: Each account's balance per currency: the sum of its postings, kept with each one.
book_balances = sa.Table(
    "book_balances",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(120), primary_key=True),
    sa.Column("currency", sa.String(12), primary_key=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("postings", sa.BigInteger, nullable=False),
    sa.Column("last_number", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

#: What identifies a transaction outside the journal, unique per commons: an idempotency key
#: (``key:<author>:…``: each author's own), an external reference on an account
#: (``ref:<account>:…``: a bank transfer's id, counted once), a contribution received as income
#: (``contribution:<id>``).
book_marks = sa.Table(
    "book_marks",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("mark", sa.String(300), primary_key=True),
    sa.Column("txn_id", sa.String(80), nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),  # of the body that made it
    # A reference or contribution is free again once its transaction is reversed (recorded
    # anew, rightly); an idempotency key never is.
    sa.Column("released_by", sa.String(80), nullable=True),
    sqlite_with_rowid=False,
)

#: The books' running figures per commons: how many transactions (the next number), postings.
book_counts = sa.Table(
    "book_counts",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("transactions", sa.BigInteger, nullable=False),
    sa.Column("postings", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

#: What decisions did with money, by the proposal's id: a spend (a prize, patronage, an expense),
#: waiting out its grace window, done (its transaction) or failed (why: the funds were gone).
decided_spends = sa.Table(
    "decided_spends",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("effect", sa.Text, nullable=False),  # canonical JSON, as decided
    sa.Column("status", sa.String(10), nullable=False),  # waiting | done | failed
    sa.Column("large", sa.Integer, nullable=False),  # 1: large (no booleans: a digest reads 0/1)
    sa.Column("decided_at", sa.String(24), nullable=False),
    sa.Column("due_at", sa.String(24), nullable=False),
    sa.Column("executed_at", sa.String(24), nullable=True),
    sa.Column("txn_id", sa.String(80), nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

#: Each line of a payout by value points, derived by the fold from (period, amount, policy):
#: the points it pays for, the share, and how it was rounded (its explanation).
payout_lines = sa.Table(
    "payout_lines",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("payout_id", sa.String(64), primary_key=True),  # the decision's id
    sa.Column("recipient", sa.String(100), primary_key=True),  # a did, or "reserve"
    sa.Column("points_milli", sa.BigInteger, nullable=False),  # 0 for the reserve's line
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    # the exact share "n/d" in minor units (n = rest * points, d = the points in all)
    sa.Column("exact", sa.String(80), nullable=False),
    sa.Column("rounded_up", sa.Integer, nullable=False),  # 1: got one unit more
    sqlite_with_rowid=False,
)

#: The value points each member has been paid for so far, by every payout: a catch-up payout
#: pays for lifetime points less these.
paid_points = sa.Table(
    "paid_points",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("points_milli", sa.BigInteger, nullable=False),
    sa.Column("last_payout", sa.String(64), nullable=False),
    sqlite_with_rowid=False,
)

#: A task's bounty (the latest offered for it): escrowed, then paid or refunded.
bounties = sa.Table(
    "bounties",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("task", sa.String(64), primary_key=True),
    sa.Column("currency", sa.String(12), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("offered_by", sa.String(100), nullable=False),  # the treasurer, or the decision
    sa.Column("offer_txn", sa.String(80), nullable=False),
    sa.Column("offered_at", sa.String(24), nullable=False),
    sa.Column("expires_on", sa.String(10), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | paid | refunded
    sa.Column("due_on", sa.String(10), nullable=True),  # the day accepted work's window ends
    sa.Column("closed_at", sa.String(24), nullable=True),
    sa.Column("close_txn", sa.String(80), nullable=True),
    sqlite_with_rowid=False,
)

#: Work linked to a task with an open bounty, noted on the day it settled as accepted.
bounty_work = sa.Table(
    "bounty_work",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("task", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the contribution's record entry
    sa.Column("accepted_on", sa.String(10), nullable=False),
    sa.Column("offer_txn", sa.String(80), nullable=False),  # the bounty it was noted for
    sqlite_with_rowid=False,
)

#: What the bounties phase of a day looks at: a bounty's payment (its work's dispute window
#: ended) or its expiry, by day.
bounty_due = sa.Table(
    "bounty_due",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("task", sa.String(64), primary_key=True),
    sa.Column("why", sa.String(10), primary_key=True),  # payment | expiry
    sa.Column("noted_on", sa.String(10), nullable=False),  # the day it was written for
    sqlite_with_rowid=False,
)

#: Per commons: how many bounties are open (none: the phase costs one lookup a day).
bounty_counts = sa.Table(
    "bounty_counts",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("open", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

#: What the treasurer escrowed for bounties in a calendar month, per currency (the budget).
bounty_budget_used = sa.Table(
    "bounty_budget_used",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("currency", sa.String(12), primary_key=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

#: A benefit-sharing agreement an organisation signed, by the signing entry's id, with its
#: running figures: owed (by its reports), paid (by the treasurer's receipts naming it).
agreements = sa.Table(
    "agreements",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("agreement_id", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(100), nullable=False, info={"fixed": True}),
    sa.Column("basis", sa.String(20), nullable=False, info={"fixed": True}),
    sa.Column("share_bp", sa.Integer, nullable=True, info={"fixed": True}),
    sa.Column("amount_minor", sa.BigInteger, nullable=True, info={"fixed": True}),
    sa.Column("unit", sa.String(50), nullable=True, info={"fixed": True}),
    sa.Column("currency", sa.String(12), nullable=False, info={"fixed": True}),
    sa.Column("period", sa.String(10), nullable=False, info={"fixed": True}),  # month|quarter|year
    sa.Column("starts", sa.String(7), nullable=False, info={"fixed": True}),
    sa.Column("last", sa.String(7), nullable=True),  # the last period, once it is ended
    sa.Column("next_period", sa.String(7), nullable=False),  # the report expected next
    sa.Column("status", sa.String(10), nullable=False),  # active | ended
    sa.Column("owed_minor", sa.BigInteger, nullable=False),
    sa.Column("paid_minor", sa.BigInteger, nullable=False),
    sa.Column("reports", sa.Integer, nullable=False),
    sa.Column("signed_by", sa.String(100), nullable=False),
    sa.Column("signed_at", sa.String(24), nullable=False),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Index("ix_agreements_org", "commons_id", "org"),
    sqlite_with_rowid=False,
)

#: Each period an agreement's organisation reported, and what it made owed.
agreement_reports = sa.Table(
    "agreement_reports",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("agreement_id", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("revenue_minor", sa.BigInteger, nullable=True),
    sa.Column("units", sa.BigInteger, nullable=True),
    sa.Column("owed_minor", sa.BigInteger, nullable=False),
    sa.Column("reported_by", sa.String(100), nullable=False),
    sa.Column("entry", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: A community currency's credit circle policy, set by decision: each member's limit (how far
#: below zero they may go) is ``limit_minor`` plus ``per_point_minor`` for each point of
#: settled standing; a balance may not rise above ``max_balance_minor`` (if set). A change
#: governs later payments only: history is never re-judged.
credit_policies = sa.Table(
    "credit_policies",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("currency", sa.String(12), primary_key=True),
    sa.Column("limit_minor", sa.BigInteger, nullable=False),
    sa.Column("per_point_minor", sa.BigInteger, nullable=False),
    sa.Column("max_balance_minor", sa.BigInteger, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("decided_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: Who is in a credit circle: active, left (with a zero balance), or frozen (left the commons
#: with a balance the charter keeps frozen).
credit_members = sa.Table(
    "credit_members",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("currency", sa.String(12), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # active | left | frozen
    sa.Column("joined_at", sa.String(24), nullable=False),
    sa.Column("left_at", sa.String(24), nullable=True),
    sqlite_with_rowid=False,
)

#: A bill a payee sent in a credit circle, by the entry's id: the payer accepts (it is paid then,
#: within the payer's limit at that moment) or declines it.
credit_bills = sa.Table(
    "credit_bills",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("bill_id", sa.String(64), primary_key=True),
    sa.Column("currency", sa.String(12), nullable=False),
    sa.Column("payee", sa.String(100), nullable=False),
    sa.Column("payer", sa.String(100), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | paid | declined
    sa.Column("sent_at", sa.String(24), nullable=False),
    sa.Column("answered_at", sa.String(24), nullable=True),
    sa.Column("txn_id", sa.String(80), nullable=True),
    sa.Index("ix_credit_bills_payer", "commons_id", "payer", "status"),
    sqlite_with_rowid=False,
)

#: The charter's standing payout rule: the next month whose first entry pays the month before.
payout_clock = sa.Table(
    "payout_clock",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("next_month", sa.String(7), nullable=False),
    sa.Column("rule", sa.Text, nullable=True),  # canonical JSON of the rule it runs (None: gone)
    sqlite_with_rowid=False,
)

#: Per commons: the last day any payout paid points up to (a catch-up ends on it or later).
payout_marks = sa.Table(
    "payout_marks",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("paid_through", sa.String(10), nullable=False),
    sqlite_with_rowid=False,
)

TABLES = (
    organisations,
    representatives,
    org_uses,
    currencies,
    book_txns,
    book_postings,
    book_balances,
    book_marks,
    book_counts,
    decided_spends,
    payout_lines,
    paid_points,
    bounties,
    bounty_work,
    bounty_due,
    bounty_counts,
    bounty_budget_used,
    agreements,
    agreement_reports,
    credit_policies,
    credit_members,
    credit_bills,
    payout_clock,
    payout_marks,
)
