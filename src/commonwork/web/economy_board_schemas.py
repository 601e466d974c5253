"""Response shapes of the bounty board, the benefit-sharing agreements, the mutual-credit
circles, the reminders and the node-local bank details (web/api_economy_boards.py,
web/api_bank_details.py), for the OpenAPI document.

Each mirrors a read model of ``services.bounties_read``, ``services.agreements_read``,
``services.credit_read``, ``services.inbox`` or ``services.bank_details`` field for field (the
routes answer ``as_json`` of those); a person's circles and bills are the wallet's
(web/economy_schemas.py). Amounts are given twice, as everywhere in the books: ``amount_minor``
(the record) and ``amount``, a decimal string by the currency's exponent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from commonwork.web.economy_schemas import MoneyOut

DAY = "A day, like 2031-06-30."


class BountyWorkOut(BaseModel):
    seq: int = Field(description="The contribution's record entry.")
    contribution_id: str
    contributor: str
    contributor_name: str
    status: str = Field(description="The contribution's status now (accepted, unless revoked).")
    accepted_on: str = Field(description="The day it settled as accepted.")
    points: str = Field(description="The value points it carried ('' when none).")


class BountyShareOut(BaseModel):
    recipient: str = Field(description="An author's did: their payable account got it.")
    name: str
    amount: MoneyOut


class BountyOut(BaseModel):
    task: str = Field(description="The task's id: one bounty per task at a time.")
    task_title: str
    task_status: str = Field(description="open, closed or withdrawn ('' if unknown).")
    amount: MoneyOut
    status: Literal["open", "paid", "refunded"]
    offered_by: str = Field(description="The treasurer's did, or the deciding proposal's id.")
    offered_by_name: str = Field(description="Their name, or the proposal's title.")
    by_decision: bool
    offer_txn: str = Field(description="The transaction that escrowed it (treasury → escrow).")
    offered_at: str
    expires_on: str = Field(description=DAY + " Unpaid then, it goes back to the treasury.")
    due_on: str | None = Field(
        description="The day it is paid: the noted work's dispute window ends then."
    )
    closed_at: str | None
    close_txn: str | None = Field(description="The transaction that paid or refunded it.")
    work: list[BountyWorkOut] = Field(description="The task's work noted for it (at most 100).")
    shares: list[BountyShareOut] = Field(description="A paid bounty's lines, by author.")


class BountyPageOut(BaseModel):
    items: list[BountyOut] = Field(description="Open bounties first, newest offer first.")
    open: int = Field(description="How many bounties are open in all.")
    limit: int
    next_after: str | None = Field(description="Ask again with `after` set to this for more.")


class AgreementOut(BaseModel):
    agreement_id: str = Field(description="The id of the entry that signed it.")
    org: str
    org_name: str
    basis: Literal["revenue_share", "fixed", "per_unit"]
    terms: str = Field(description="The pledge, in words.")
    share_bp: int | None = Field(description="A revenue share, in basis points (250 = 2.5%).")
    amount: MoneyOut | None = Field(description="Fixed: per period; per unit: per unit.")
    unit: str | None
    currency: str
    period: Literal["month", "quarter", "year"]
    starts: str = Field(description="The first period: 2031-04, 2031-Q2 or 2031.")
    last: str | None = Field(description="The last period it covers, once its end is set.")
    status: Literal["active", "ended"]
    owed: MoneyOut = Field(description="What its reports made owed, in all.")
    paid: MoneyOut = Field(description="What the treasurer received under it, in all.")
    arrears: MoneyOut = Field(description="owed - paid (below zero: paid ahead).")
    reports: int
    next_period: str | None = Field(description="The period whose report is expected next.")
    due_from: str | None = Field(description="The day that report is due from (its period ended).")
    due: bool = Field(description="Whether that day has come, by the node's clock.")
    signed_by: str
    signed_by_name: str
    signed_at: str
    memo: str


class AgreementPageOut(BaseModel):
    items: list[AgreementOut] = Field(description="By organisation, then agreement.")
    limit: int
    next_after: str | None = Field(description="Ask again with `after` set to this for more.")


class AgreementReportOut(BaseModel):
    period: str
    revenue: MoneyOut | None = Field(description="A revenue share's reported revenue.")
    units: int | None = Field(description="A per-unit agreement's units sold.")
    owed: MoneyOut = Field(description="What the report made owed (a share rounds down).")
    reported_by: str
    reported_by_name: str
    entry: str = Field(description="The report's journal entry.")
    recorded_at: str


class AgreementDetailOut(BaseModel):
    agreement: AgreementOut
    reports: list[AgreementReportOut] = Field(description="Newest period first.")
    limit: int
    next_before: str | None = Field(
        description="Ask again with `before` set to this for the older periods."
    )
    receivable: list[MoneyOut] = Field(
        description="What the organisation owes the commons now, every agreement together."
    )


class CirclePolicyOut(BaseModel):
    limit: MoneyOut = Field(description="How far below zero any member may go.")
    per_point: MoneyOut = Field(description="More, per point of settled standing.")
    max_balance: MoneyOut | None = Field(description="No balance rises above it.")
    decided_by: str = Field(description="The proposal that set it.")
    decided_at: str


class CircleMemberOut(BaseModel):
    member: str
    name: str
    status: Literal["active", "left", "frozen"]
    balance: MoneyOut
    limit: MoneyOut = Field(description="How far below zero they may go now.")
    available: MoneyOut = Field(description="What they may still pay: balance + limit.")
    joined_at: str
    left_at: str | None


class CircleOut(BaseModel):
    commons_id: str
    commons_name: str
    currency: str
    name: str
    exponent: int
    policy: CirclePolicyOut
    members: list[CircleMemberOut] = Field(description="A page of its members, by did.")
    circle_account: MoneyOut = Field(
        description="The commons' own account in the circle (balances it took over)."
    )
    total: MoneyOut = Field(description="The sum of every account of the circle: zero.")
    accounts: int = Field(description="How many accounts hold the currency.")
    limit: int
    next_after: str | None = Field(description="Ask again with `after` set to this for more.")


class ReminderOut(BaseModel):
    commons_id: str
    commons_name: str
    kind: Literal["report_due", "arrears"]
    role: Literal["representative", "treasurer"] = Field(
        description="Why you hear of it: you act for the organisation, or you are a treasurer."
    )
    agreement_id: str
    org: str
    org_name: str
    period: str | None = Field(description="The period whose report is due.")
    due_from: str | None = Field(description="Since when it is due (the period ended).")
    arrears: MoneyOut | None = Field(description="Reported and not paid.")
    says: str
    link: str = Field(description="The agreement's page.")


class RemindersOut(BaseModel):
    items: list[ReminderOut] = Field(description="Reports due first, the longest due first.")


class BankDetailsOut(BaseModel):
    commons_id: str
    did: str = Field(description="Whose bank details these are.")
    details: str = Field(description="As they wrote them ('' when none are kept).")
    updated_at: str | None = Field(description="When they were last changed (null: none kept).")


class BankDetailsIn(BaseModel):
    details: str = Field(
        max_length=2000,
        description="Where to pay you: an IBAN, the account's name… Free text, kept on this "
        "node only. Empty: forget them.",
    )
