"""Response shapes of the open books' routes (web/api_economy.py), for the OpenAPI document.

Each mirrors a read model of ``services.books_models``, ``services.books_flows`` or
``services.economy_read`` field for field (the routes answer ``as_json`` of those). Amounts are
given twice: ``amount_minor``, an integer in the currency's minor units (the record), and
``amount``, the same as a decimal string by the currency's exponent (for people).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

AccountKind = Literal[
    "treasury",
    "reserve",
    "outside",
    "circle",
    "escrow",
    "payable",
    "receivable",
    "credit",
    "upstream",
]
MINOR = "The amount in the currency's minor units (cents, yen, fils): an integer."
DECIMAL = "The same amount as a decimal string, by the currency's exponent: '12.50', '500'."


class MoneyOut(BaseModel):
    currency: str = Field(description="An ISO 4217 code, or a community currency's.")
    amount_minor: int = Field(description=MINOR)
    amount: str = Field(description=DECIMAL)


class CurrencyOut(BaseModel):
    code: str
    exponent: int = Field(description="Digits after the decimal point: EUR 2, JPY 0, BHD 3.")
    kind: Literal["iso", "community"]
    name: str


class BalanceOut(BaseModel):
    account: str = Field(
        description="treasury, reserve, outside, circle, escrow:<task>, payable:<did>, "
        "receivable:<did>, credit:<did> or upstream:<commons id>."
    )
    kind: AccountKind
    holder: str | None = Field(
        description="The did of a payable or receivable, an escrow's task, the commons an "
        "upstream account owes."
    )
    holder_name: str = Field(description="The holder's name in this commons, if known.")
    currency: str
    amount_minor: int = Field(description=MINOR)
    amount: str = Field(description=DECIMAL)
    postings: int = Field(description="How many postings made this balance.")
    last_number: int = Field(description="The number of the last transaction that moved it.")


class AccountTotalOut(BaseModel):
    kind: AccountKind
    currency: str
    amount_minor: int = Field(description=MINOR)
    amount: str = Field(description=DECIMAL)
    accounts: int = Field(description="How many accounts of this kind hold this currency.")


class PostingOut(BaseModel):
    line: int
    account: str
    kind: AccountKind
    holder: str | None
    holder_name: str
    currency: str
    amount_minor: int = Field(description=MINOR + " Negative: out of the account.")
    amount: str = Field(description=DECIMAL)


class WhyLinkOut(BaseModel):
    kind: Literal[
        "decision", "contribution", "payer", "payee", "task", "agreement", "reference",
        "receipt", "reverses", "reversed_by",
    ]  # fmt: skip
    value: str = Field(
        description="The proposal's, contribution's or transaction's id, the did, the bank's "
        "reference, the receipt's URL or sha256."
    )
    text: str = Field(description="The link's words (a proposal's title, a person's name…).")
    seq: int | None = Field(description="A contribution's journal entry.")
    organisation: bool = Field(description="A payer or payee that is a declared organisation.")


class TransactionOut(BaseModel):
    txn_id: str = Field(
        description="The id of the entry that made it; a decision's: its id and ':spend' or "
        "':payout'."
    )
    number: int = Field(description="1, 2, … in the order the books recorded them.")
    seq: int = Field(description="The journal entry that made it (a decision's: the proposal).")
    kind: str = Field(
        description="income, payment, reversal, payout, or a spend's purpose (prize, "
        "patronage, expense, grant, reserve)."
    )
    memo: str
    recorded_by: str = Field(description="The treasurer's did, or the deciding proposal's id.")
    recorded_by_name: str
    recorded_at: str
    postings: list[PostingOut] = Field(description="They sum to zero in every currency.")
    why: dict[str, Any] = Field(description="Why it happened, as recorded (canonical JSON).")
    links: list[WhyLinkOut] = Field(description="`why` as links, for people.")
    explanation: str = Field(description="What it did, in a sentence.")
    reverses: str | None
    reversed_by: str | None
    answer: Literal["confirmed", "not_received"] | None = Field(
        description="The other side's answer: the payer countersigned, the payee confirmed or "
        "reported that the payment never arrived."
    )
    answered_by: str | None
    answered_by_name: str
    answered_at: str | None
    answer_note: str | None


class TransactionPageOut(BaseModel):
    items: list[TransactionOut]
    limit: int
    next_before: int | None = Field(
        description="Ask again with `before` set to this for the older ones (null: no more)."
    )


class BooksOut(BaseModel):
    commons_id: str
    name: str
    transactions: int
    postings: int
    currencies: list[CurrencyOut]
    balances: list[BalanceOut] = Field(
        description="treasury, reserve and outside first, then the others by account (at most 200)."
    )
    more_accounts: bool = Field(description="More accounts than listed: read them one by one.")
    totals: list[AccountTotalOut] = Field(
        description="The escrows, payables and receivables summed per currency."
    )
    next_due: str | None = Field(description="When the next large decided spend falls due.")
    flow: MoneyFlowOut | None = Field(
        description="Where the money in the main currency came from and went (null: no money)."
    )


class FlowOut(BaseModel):
    source: str = Field(
        description="An income's source (donation, grant, benefit_sharing, sale, other), "
        "treasury, payables, receivables, escrow."
    )
    target: str = Field(description="treasury, reserve, payables, escrow, receivables or paid.")
    label: str = Field(description="The income's source, the spend's purpose, payout or paid.")
    currency: str
    amount_minor: int = Field(description=MINOR)
    amount: str = Field(description=DECIMAL)


class PlaceBalanceOut(BaseModel):
    place: Literal["treasury", "reserve", "payables"]
    currency: str
    amount_minor: int = Field(description=MINOR)
    amount: str = Field(description=DECIMAL)


class MoneyFlowOut(BaseModel):
    currency: str
    flows: list[FlowOut]
    transactions: int = Field(description="Transactions in the books.")
    counted: int = Field(description="The newest of them summed here (at most 1,000).")
    complete: bool = Field(description="Whether every transaction is summed.")
    balances: list[PlaceBalanceOut] = Field(
        description="The treasury's and the reserve's balances now, and the payables' sum."
    )


class AccountOut(BaseModel):
    account: str
    kind: AccountKind
    holder: str | None
    holder_name: str
    balances: list[MoneyOut]
    items: list[TransactionOut] = Field(description="The transactions that moved it, newest first.")
    limit: int
    next_before: int | None


class OrganisationMoneyOut(BaseModel):
    org: str
    name: str
    form: str
    owed: list[MoneyOut] = Field(description="What the commons owes it.")
    owes: list[MoneyOut] = Field(description="What it owes the commons.")


class BillOut(BaseModel):
    bill_id: str = Field(description="The id of the entry that sent it.")
    currency: str
    payee: str
    payee_name: str
    payer: str
    payer_name: str
    amount: MoneyOut
    memo: str
    status: Literal["open", "paid", "declined"]
    sent_at: str
    answered_at: str | None
    txn_id: str | None = Field(description="The payment, once accepted.")


class MyCircleOut(BaseModel):
    currency: str
    name: str
    status: Literal["active", "left", "frozen"]
    balance: MoneyOut
    limit: MoneyOut = Field(description="How far below zero you may go now.")
    available: MoneyOut = Field(description="What you may still pay: balance + limit.")
    max_balance: MoneyOut | None
    joined_at: str


class WalletOut(BaseModel):
    commons_id: str
    commons_name: str
    member: str
    name: str
    account: str = Field(description="payable:<your did>.")
    owed: list[MoneyOut] = Field(description="What the commons owes you now, per currency.")
    credit: list[MoneyOut] = Field(description="Your balances in its mutual credit circles.")
    history: AccountOut
    unanswered: list[str] = Field(
        description="Payments to you not answered yet: confirm each (economy.txn.answer), or "
        "report that it never arrived."
    )
    represents: list[OrganisationMoneyOut] = Field(description="The organisations you act for.")
    circles: list[MyCircleOut] = Field(
        description="Your mutual-credit circles: balance, limit now, what you may still pay."
    )
    bills_to_answer: list[BillOut] = Field(
        description="Open bills sent to you: accept (and pay) or decline each "
        "(economy.credit.answer)."
    )
    bills_sent: list[BillOut] = Field(description="Open bills you sent, not answered yet.")


class OrganisationOut(BaseModel):
    org: str = Field(description="The organisation's own did (its key declared it).")
    name: str
    form: Literal["association", "worker_coop", "non_profit", "public_body", "company"]
    form_name: str
    purpose: str
    evidence: dict[str, Any] = Field(description="registry_id, statutes_sha256, url (if given).")
    declared_at: str
    updated_at: str
    updated_entry: str
    representatives: int = Field(description="How many people act for it now.")
    claim: Literal["declared", "contested", "upheld", "rejected"] = Field(
        description="What it claims to be (its form): as declared, contested by a member, or "
        "upheld or rejected by the members."
    )
    claim_by: str | None = Field(description="The contest or decision that made it so.")


class UseOut(BaseModel):
    use_id: str = Field(description="The entry that declared it.")
    org: str
    subject: str = Field(description='"commons", or an artifact\'s id.')
    terms: list[str] = Field(description="The licence terms relied on (SPDX expressions).")
    purpose: str
    commercial: bool = Field(
        description="A commercial use: the rules checked it against the licence (a "
        "NonCommercial licence refuses it; the Peer Production License allows it to worker-owned "
        "enterprises, and to others under the licensing mandate with an agreement)."
    )
    declared_by: str
    seq: int
    recorded_at: str


class OrganisationPageOut(BaseModel):
    items: list[OrganisationOut]
    uses: list[UseOut] = Field(description="These organisations' declared uses, newest first.")
    limit: int
    next_after: str | None = Field(description="Ask again with `after` set to this for more.")


class RepresentativeOut(BaseModel):
    member: str
    name: str
    added_by: str
    added_at: str
    removed_by: str | None
    removed_at: str | None


class OrganisationDetailOut(BaseModel):
    organisation: OrganisationOut
    representatives: list[RepresentativeOut] = Field(description="Current ones first.")
    uses: list[UseOut]
    owed: list[MoneyOut] = Field(description="What the commons owes it.")
    owes: list[MoneyOut] = Field(description="What it owes the commons.")


class SpendOut(BaseModel):
    proposal_id: str = Field(description="The decision's id.")
    title: str
    kind: Literal["spend", "payout"]
    purpose: str = Field(description="prize, patronage, expense, grant, reserve, or payout.")
    to: str | None = Field(description='A did, "reserve", or null for a payout.')
    to_name: str
    amount: MoneyOut
    status: Literal["waiting", "done", "failed"]
    large: bool = Field(description="Above the charter's share of the treasury: it waited.")
    decided_at: str
    due_at: str
    executed_at: str | None
    txn_id: str | None = Field(description="Its transaction, once done.")
    detail: str = Field(description="Why it failed, or why it waits.")
    effect: dict[str, Any] = Field(description="The effect as decided.")


class SpendPageOut(BaseModel):
    items: list[SpendOut]
    limit: int
    offset: int


class PayoutLineOut(BaseModel):
    recipient: str = Field(description='A did, or "reserve" (the infrastructure share).')
    name: str
    points_milli: int = Field(description="The value points paid for, in thousandths.")
    points: str
    amount: MoneyOut
    exact: str = Field(description="The exact share in minor units, as the fraction n/d.")
    exact_amount: str = Field(description="The exact share in the currency ('…' when cut).")
    rounded_up: bool = Field(description="Got one minor unit more (a largest remainder).")
    explanation: str = Field(description="The line, in words.")


class PayoutOut(BaseModel):
    spend: SpendOut
    lines: list[PayoutLineOut] = Field(description="A payout's lines: the reserve's first.")
    points_milli: int = Field(description="The value points the payout pays for, in all.")
    transaction: TransactionOut | None


BooksOut.model_rebuild()
