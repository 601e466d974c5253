"""What economy entries tell people (their inbox): a payee hears that a payment to them was
recorded (and may confirm it, or report that it never arrived); a payer named on an income is
asked to countersign it; a member billed in a credit circle hears of the bill, and its sender
of the answer; an organisation's representatives hear of a contest of its claim; the
treasurer hears of a benefit-sharing report. Spends and payouts decided by proposal execute
inside the fold, not as entries: the wallet page shows them."""

from __future__ import annotations

from collections.abc import Sequence

from commonwork.commons.tables import commons
from commonwork.economy.books import is_treasurer
from commonwork.economy.tables import credit_bills, representatives
from commonwork.governance.tables import roles
from commonwork.journal.area import Event
from commonwork.journal.projection import Context, State

KINDS = {
    "economy.payment.record": "recorded a payment to you: confirm it, or say it never arrived",
    "economy.income.record": "recorded money your organisation paid: countersign it",
    "economy.credit.bill": "sent you a bill in a credit circle: accept or decline it",
    "economy.credit.answer": "answered your bill",
    "economy.credit.pay": "paid you in a credit circle",
    "economy.org.contest": "contested what your organisation declared: the members will decide",
    "economy.agreement.report": "reported a period of a benefit-sharing agreement",
}


def events(state: State, ctx: Context) -> Sequence[Event]:
    kind = ctx.entry.type
    body = ctx.body
    if kind == "economy.payment.record":
        return [Event(body.payee, kind, ctx.entry.id)]
    if kind == "economy.income.record" and body.payer is not None and body.payer != ctx.author:
        return [Event(body.payer, kind, ctx.entry.id)]
    if kind == "economy.credit.pay":
        return [Event(body.to, kind, ctx.entry.id)]
    if kind == "economy.credit.bill":
        return [Event(body.payer, kind, ctx.entry.id)]
    if kind == "economy.credit.answer":
        bill = state.get(credit_bills, (ctx.commons_id, body.bill))
        return [] if bill is None else [Event(bill["payee"], kind, body.bill)]
    if kind == "economy.org.contest":
        return [
            Event(row["member"], kind, body.org)
            for row in state.scan(representatives, (ctx.commons_id, body.org))
            if row["removed_at"] is None
        ]
    if kind == "economy.agreement.report":
        return [
            Event(member, kind, body.agreement)
            for member in treasurers(state, ctx.commons_id)
            if member != ctx.author
        ]
    return ()


def treasurers(state: State, commons_id: str) -> list[str]:
    """Who holds the treasurer's powers now: the treasurers by decision, and the founder while
    they hold the founder's role (one read of the roles: for what happens rarely)."""
    found = {
        row["member"]
        for row in state.scan_commons(roles, commons_id)
        if row["role"] == "treasurer" and row["recalled_at"] is None
    }
    founder = state.get(commons, (commons_id,))
    if founder is not None and is_treasurer(state, commons_id, founder["founder"]):
        found.add(founder["founder"])
    return sorted(found)
