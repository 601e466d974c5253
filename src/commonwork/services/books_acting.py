"""What the doors need to act on the books: the economy's action types by name, amounts as
people write them ("12.50") in the currency's minor units, and the bodies of the treasurer's
and the organisations' actions.

The actions themselves go through the one generic door (``acting.act``), checked by the
economy area's own schemas and rules: nothing here decides what is allowed.
"""

from __future__ import annotations

import hashlib

import orjson

from commonwork.economy.books import exponent_of
from commonwork.economy.currencies import to_minor
from commonwork.errors import BadInput
from commonwork.node.node import Node
from commonwork.node.state import DbState
from commonwork.services.journals import require_head
from commonwork.services.models import JsonObject

INCOME = "economy.income.record"
PAYMENT = "economy.payment.record"
ANSWER = "economy.txn.answer"
REVERSE = "economy.txn.reverse"
ORG_DECLARE = "economy.org.declare"
ORG_REPRESENT = "economy.org.represent"
USE_DECLARE = "economy.use.declare"
ORG_CONTEST = "economy.org.contest"
BOUNTY_OFFER = "economy.bounty.offer"
AGREEMENT_SIGN = "economy.agreement.sign"
AGREEMENT_REPORT = "economy.agreement.report"
AGREEMENT_END = "economy.agreement.end"
CREDIT_JOIN = "economy.credit.join"
CREDIT_LEAVE = "economy.credit.leave"
CREDIT_PAY = "economy.credit.pay"
CREDIT_BILL = "economy.credit.bill"
CREDIT_ANSWER = "economy.credit.answer"
#: Where income comes from (the body's ``source``).
SOURCES = ("donation", "grant", "benefit_sharing", "sale", "other")
#: An organisation's form (the body's ``form``).
FORMS = ("association", "worker_coop", "non_profit", "public_body", "company")
ANSWERS = ("confirmed", "not_received")
#: What a benefit-sharing agreement pledges (``basis``), and per what (``period``).
BASES = ("revenue_share", "fixed", "per_unit")
PERIODS = ("month", "quarter", "year")


def exponent_in(node: Node, commons_id: str, currency: str) -> int:
    """The currency's exponent in this commons, as the books' rule reads it (an ISO 4217
    code's, or a community currency's as its decision declared it)."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        return exponent_of(DbState(conn), commons_id, currency)


def minor_units(node: Node, commons_id: str, currency: str, amount: str) -> int:
    """``amount`` as people write it ("12.50") in ``currency``'s minor units (1250 for EUR)."""
    exponent = exponent_in(node, commons_id, currency)
    try:
        minor = to_minor(amount, exponent)
    except ValueError as exc:
        raise BadInput(f"{currency}: {exc}") from exc
    if minor <= 0:
        raise BadInput(f"an amount is above zero, not {amount!r}")
    return minor


def default_key(action_type: str, body: JsonObject) -> str:
    """An idempotency key made from the body itself: the same command run twice is one
    transaction (the second is refused as done, naming it)."""
    digest = hashlib.sha256(orjson.dumps([action_type, body], option=orjson.OPT_SORT_KEYS))
    return f"cli-{digest.hexdigest()[:32]}"


def with_key(action_type: str, body: JsonObject, key: str | None) -> JsonObject:
    return {"key": key or default_key(action_type, body), **body}


def income_body(
    node: Node,
    commons_id: str,
    *,
    amount: str,
    currency: str,
    source: str,
    reference: str,
    key: str | None = None,
    payer: str | None = None,
    contribution: str | None = None,
    agreement: str | None = None,
    receipt_url: str | None = None,
    receipt_sha256: str | None = None,
    memo: str = "",
    artifact: str | None = None,
) -> JsonObject:
    """The body of ``economy.income.record`` (the treasurer's record of money received);
    ``artifact``: the artifact it was received for (its upstream share passes on)."""
    body: JsonObject = {
        "source": source,
        "amount_minor": minor_units(node, commons_id, currency, amount),
        "currency": currency,
        "reference": reference,
        "memo": memo,
    }
    if payer is not None:
        body["payer"] = payer
    if contribution is not None:
        body["contribution"] = contribution
    if agreement is not None:
        body["agreement"] = agreement
    if artifact is not None:
        body["artifact"] = artifact
    receipt: JsonObject = {}
    if receipt_url is not None:
        receipt["url"] = receipt_url
    if receipt_sha256 is not None:
        receipt["sha256"] = receipt_sha256
    if receipt:
        body["receipt"] = receipt
    return with_key(INCOME, body, key)


def payment_body(
    node: Node,
    commons_id: str,
    *,
    payee: str,
    amount: str,
    currency: str,
    reference: str,
    key: str | None = None,
    memo: str = "",
    upstream: str | None = None,
) -> JsonObject:
    """The body of ``economy.payment.record`` (a bank payment of what the commons owes);
    ``upstream``: paying what passed upstream to that commons, to ``payee`` who receives for
    it."""
    body: JsonObject = {
        "payee": payee,
        "amount_minor": minor_units(node, commons_id, currency, amount),
        "currency": currency,
        "reference": reference,
        "memo": memo,
    }
    if upstream is not None:
        body["upstream"] = upstream
    return with_key(PAYMENT, body, key)


def reverse_body(txn: str, reason: str, key: str | None = None) -> JsonObject:
    return with_key(REVERSE, {"txn": txn, "reason": reason}, key)


def bounty_body(
    node: Node,
    commons_id: str,
    *,
    task: str,
    amount: str,
    currency: str,
    expires_on: str,
    key: str | None = None,
    memo: str = "",
) -> JsonObject:
    """The body of ``economy.bounty.offer`` (the treasurer escrows a bounty for a task)."""
    body: JsonObject = {
        "task": task,
        "amount_minor": minor_units(node, commons_id, currency, amount),
        "currency": currency,
        "expires_on": expires_on,
        "memo": memo,
    }
    return with_key(BOUNTY_OFFER, body, key)


def share_bp(percent: str) -> int:
    """A revenue share as people write it ("2.5", per cent) in basis points (250)."""
    try:
        return to_minor(percent.strip().removesuffix("%"), 2)
    except ValueError as exc:
        raise BadInput(f"a share is a percentage with at most two decimals: {exc}") from exc


def agreement_body(
    node: Node,
    commons_id: str,
    *,
    org: str,
    basis: str,
    currency: str,
    period: str,
    starts: str,
    share: str | None = None,
    amount: str | None = None,
    unit: str | None = None,
    memo: str = "",
) -> JsonObject:
    """The body of ``economy.agreement.sign``: ``share`` a percentage of revenue
    (revenue_share), ``amount`` a decimal per period (fixed) or per ``unit`` (per_unit)."""
    body: JsonObject = {
        "org": org,
        "basis": basis,
        "currency": currency,
        "period": period,
        "starts": starts,
        "memo": memo,
    }
    if share is not None:
        body["share_bp"] = share_bp(share)
    if amount is not None:
        body["amount_minor"] = minor_units(node, commons_id, currency, amount)
    if unit is not None:
        body["unit"] = unit
    return body


def report_body(
    node: Node,
    commons_id: str,
    *,
    agreement: str,
    currency: str,
    period: str,
    revenue: str | None = None,
    units: int | None = None,
    memo: str = "",
) -> JsonObject:
    """The body of ``economy.agreement.report``: the period's ``revenue`` as a decimal in the
    agreement's ``currency`` (a revenue share), or the ``units`` sold (per unit)."""
    body: JsonObject = {"agreement": agreement, "period": period, "memo": memo}
    if revenue is not None:
        exponent = exponent_in(node, commons_id, currency)
        try:
            body["revenue_minor"] = to_minor(revenue, exponent)
        except ValueError as exc:
            raise BadInput(f"{currency}: {exc}") from exc
    if units is not None:
        body["units"] = units
    return body


def credit_pay_body(
    node: Node,
    commons_id: str,
    *,
    to: str,
    amount: str,
    currency: str,
    key: str | None = None,
    memo: str = "",
) -> JsonObject:
    """The body of ``economy.credit.pay`` (a payment in a mutual-credit circle)."""
    body: JsonObject = {
        "to": to,
        "amount_minor": minor_units(node, commons_id, currency, amount),
        "currency": currency,
        "memo": memo,
    }
    return with_key(CREDIT_PAY, body, key)


def credit_bill_body(
    node: Node, commons_id: str, *, payer: str, amount: str, currency: str, memo: str = ""
) -> JsonObject:
    """The body of ``economy.credit.bill`` (a bill the payer accepts or declines)."""
    return {
        "payer": payer,
        "amount_minor": minor_units(node, commons_id, currency, amount),
        "currency": currency,
        "memo": memo,
    }
