"""The open books' pages: a commons' books (balances, where the money came from and went, the
treasury over time, the transactions newest first with their reasons), one transaction, one
account, the organisations, one decided spend or payout with its lines, and a person's wallet
(with their mutual-credit circles and bills, and the form that keeps their bank details on this
node).

Anyone may read the books (holoptism), and every page is read by index, a page at a time. The
one form here keeps node-local bank details: the treasurer records money, and organisations
declare themselves, with signed actions through the API or the command line (docs/economy.md);
spends and payouts are decided by proposal on the Decisions pages. A payable account's page
shows its holder's bank details to them and to the commons' treasurers only.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from commonwork.errors import CommonworkError
from commonwork.services import (
    bank_details,
    books_flows,
    books_read,
    credit_read,
    economy_read,
    queries,
)
from commonwork.services.books_flows import NODE_NAMES, MoneyFlow
from commonwork.web.auth import current_account, node_of
from commonwork.web.charts import flow_chart, line_chart
from commonwork.web.page_forms import FormText, see_other
from commonwork.web.page_views import open_task_count, render, signed_in
from commonwork.web.schemas import MAX_SEQ

router = APIRouter(include_in_schema=False)

TRANSACTIONS_PER_PAGE = 25
SPENDS_SHOWN = 20
ORGANISATIONS_PER_PAGE = 50
Before = Annotated[int | None, Query(ge=1, le=MAX_SEQ)]
Currency = Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]
#: A flow's label in words (an income's source, a spend's purpose).
FLOW_WORDS = {
    "donation": "Donations",
    "grant": "Grants",
    "benefit_sharing": "Benefit sharing",
    "sale": "Sales",
    "other": "Other income",
    "prize": "Prizes",
    "patronage": "Patronage",
    "expense": "Expenses",
    "reserve": "To the reserve",
    "payout": "Payouts by value points",
    "paid": "Paid out",
    "accrual": "Pledged by agreements",
    "bounty": "Bounties",
    "bounty_paid": "Bounties paid",
    "bounty_refunded": "Bounties refunded",
    "credit": "Mutual credit",
    "write_off": "Written off",
    "offset": "Settled by a deposit",
}
#: An account's kind in words (the balances table).
ACCOUNT_WORDS = {
    "treasury": "Treasury",
    "reserve": "Infrastructure reserve",
    "outside": "The world (outside)",
    "escrow": "Bounty held for a task",
    "payable": "Owed to",
    "receivable": "Owed by",
    "upstream": "Owed upstream to the commons",
    "credit": "Mutual credit of",
    "circle": "The mutual credit circle",
}


def _base(commons_id: str) -> str:
    return f"/commons/{commons_id}"


def common_context(request: Request, commons_id: str) -> dict[str, Any]:
    """What every page of the books shows: the commons, its open tasks, the words."""
    node = node_of(request)
    return {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "account_words": ACCOUNT_WORDS,
        "flow_words": FLOW_WORDS,
    }


def flow_svg(flow: MoneyFlow) -> Markup:
    """The money flow as a Sankey-like chart, described in words for screen readers."""
    edges = [
        (
            item.source,
            item.target,
            float(item.amount),  # for drawing only: the amounts stay exact in the table
            f"{FLOW_WORDS.get(item.label, item.label)}: {item.amount} {item.currency}",
        )
        for item in flow.flows
    ]
    window = "all transactions" if flow.complete else f"the last {flow.counted:,} transactions"
    words = "; ".join(text for _, _, _, text in edges) or "no money has moved yet"
    description = f"Money in {flow.currency} over {window}: {words}."
    chart = flow_chart(edges, names=NODE_NAMES, description=description)
    return Markup(chart)  # noqa: S704 - the chart escapes every text it draws


def series_svg(node: Any, commons_id: str, currency: str) -> tuple[Markup, bool]:
    series = books_flows.balance_series(node, commons_id, currency)
    points = [(point.day, float(point.amount)) for point in series.points]  # drawing only
    last = series.points[-1].amount if series.points else "0"
    chart = line_chart(
        points,
        title=f"Treasury in {currency}, day by day",
        description=f"The treasury's closing balance in {currency} each day it moved; now {last}.",
        chart_id="treasury-chart",
        empty_message=f"The treasury has held no {currency} yet",
    )
    return Markup(chart), series.complete  # noqa: S704 - the chart escapes every text it draws


@router.get("/commons/{commons_id}/books")
def books_page(
    request: Request, commons_id: str, before: Before = None, currency: Currency = None
) -> Response:
    node = node_of(request)
    summary = books_read.books_summary(node, commons_id)
    page = books_read.list_transactions(
        node, commons_id, before=before, limit=TRANSACTIONS_PER_PAGE
    )
    shown = currency or books_flows.main_currency(node, commons_id)
    context = common_context(request, commons_id)
    circles = credit_read.circles_of(node, commons_id)
    context.update(summary=summary, page=page, before=before, currency=shown, circles=circles)
    if shown is not None:
        flow = books_flows.money_flow(node, commons_id, shown)
        series, complete = series_svg(node, commons_id, shown)
        context.update(flow=flow, flow_svg=flow_svg(flow), series_svg=series, complete=complete)
    if before is None:
        spends = economy_read.list_spends(node, commons_id, limit=SPENDS_SHOWN)
        context["spends"] = spends.items
    return render(request, "books.html", context)


@router.get("/commons/{commons_id}/books/transactions/{txn_id}")
def transaction_page(request: Request, commons_id: str, txn_id: str) -> Response:
    detail = books_read.transaction_detail(node_of(request), commons_id, txn_id)
    context = common_context(request, commons_id)
    context.update(t=detail)
    return render(request, "transaction.html", context)


@router.get("/commons/{commons_id}/books/accounts/{account}")
def account_page(
    request: Request, commons_id: str, account: str, before: Before = None
) -> Response:
    history = books_read.account_history(
        node_of(request), commons_id, account, before=before, limit=TRANSACTIONS_PER_PAGE
    )
    context = common_context(request, commons_id)
    context.update(history=history, before=before)
    if history.kind == "payable" and history.holder is not None:
        reader = current_account(request)
        context["bank"] = bank_details.readable_bank_details(
            node_of(request),
            commons_id=commons_id,
            reader=None if reader is None else reader.did,
            payee=history.holder,
        )
    return render(request, "account.html", context)


@router.get("/commons/{commons_id}/organisations")
def organisations_page(
    request: Request,
    commons_id: str,
    after: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    page = economy_read.list_organisations(
        node_of(request), commons_id, after=after, limit=ORGANISATIONS_PER_PAGE
    )
    uses: dict[str, list[Any]] = {}
    for use in page.uses:
        uses.setdefault(use.org, []).append(use)
    context = common_context(request, commons_id)
    context.update(page=page, uses=uses, after=after)
    return render(request, "organisations.html", context)


@router.get("/commons/{commons_id}/organisations/{org}")
def organisation_page(request: Request, commons_id: str, org: str) -> Response:
    detail = economy_read.organisation_detail(node_of(request), commons_id, org)
    context = common_context(request, commons_id)
    context.update(detail=detail, o=detail.organisation)
    return render(request, "organisation.html", context)


@router.get("/commons/{commons_id}/payouts/{proposal_id}")
def payout_page(request: Request, commons_id: str, proposal_id: str) -> Response:
    detail = economy_read.payout_detail(node_of(request), commons_id, proposal_id)
    context = common_context(request, commons_id)
    context.update(detail=detail, s=detail.spend)
    return render(request, "payout.html", context)


@router.get("/me/wallet")
def wallet_page(
    request: Request,
    commons: Annotated[str | None, Query(max_length=64)] = None,
    before: Before = None,
) -> Response:
    account = current_account(request)
    if account is None:
        where = "/me/wallet" + (f"?commons={commons}" if commons else "")
        return see_other(f"/signin?next={quote(where)}")
    if not commons:
        return render(request, "wallet.html", {"wallet": None})
    return _wallet(request, commons, account.did, before)


def _wallet(
    request: Request,
    commons_id: str,
    did: str,
    before: int | None = None,
    *,
    error: str = "",
    typed: str | None = None,
    status: int = 200,
) -> Response:
    node = node_of(request)
    held = books_read.wallet(node, commons_id, did, before=before, limit=TRANSACTIONS_PER_PAGE)
    kept = bank_details.own_bank_details(node, did=did, commons_id=commons_id)
    context = common_context(request, commons_id)
    context.update(
        wallet=held,
        before=before,
        bank=kept,
        bank_text=kept.details if typed is None else typed,
        bank_error=error,
    )
    return render(request, "wallet.html", context, status=status)


@router.post("/me/bank-details")
def keep_bank_details(
    request: Request, commons: FormText = "", details: FormText = "", csrf: FormText = ""
) -> Response:
    """Keep (or, emptied, forget) the signed-in person's bank details for a commons, on this
    node only; the wallet again with the reason if refused."""
    account = signed_in(request, csrf)
    node = node_of(request)
    try:
        bank_details.set_bank_details(node, did=account.did, commons_id=commons, details=details)
    except CommonworkError as refused:
        if refused.status == 404:
            raise
        return _wallet(
            request, commons, account.did, error=refused.detail, typed=details,
            status=refused.status,
        )  # fmt: skip
    return see_other(f"/me/wallet?commons={quote(commons)}#bank-details")
