"""The API's reads of a commons' open books, organisations and payouts, and a person's wallet.

The writes are the economy's action types, signed like every other: through ``…/actions``
(client-signed) or ``…/act/{type}`` (custodial) — ``economy.income.record``,
``economy.payment.record``, ``economy.txn.answer``, ``economy.txn.reverse``,
``economy.org.declare``, ``economy.org.represent``, ``economy.org.contest``,
``economy.use.declare``; spends, payouts and community currencies are decided by proposal
(docs/economy.md). Bounties, agreements and mutual-credit circles are read through
web/api_economy_boards.py, bank details through web/api_bank_details.py. Everything here but
the wallet is public and kept by the read cache; every read is by index, a page at a time, and
the exports stream the books a chunk at a time (counted against the client's ``expensive``
limit).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from commonwork.services import books_export, books_flows, books_models, books_read, economy_read
from commonwork.services.models import as_json
from commonwork.web.api import Offset, answer
from commonwork.web.auth import node_of, require_account
from commonwork.web.economy_schemas import (
    AccountOut,
    BooksOut,
    OrganisationDetailOut,
    OrganisationPageOut,
    PayoutOut,
    SpendPageOut,
    TransactionOut,
    TransactionPageOut,
    WalletOut,
)
from commonwork.web.limits import limit_client
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import COMPUTING_RESPONSES, MAX_SEQ, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["books"])

Limit = Annotated[
    int,
    Query(ge=1, le=books_models.MAX_LIMIT, description="How many items at most (1 to 500)."),
]
Before = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_SEQ,
        description="Only transactions numbered below this: the `next_before` of the page "
        "before (leave out for the newest).",
    ),
]
CurrencyCode = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Z][A-Z0-9]{2,11}$",
        description="The currency the money flow shows (default: the one the treasury moved "
        "most often).",
    ),
]
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {429: COMPUTING_RESPONSES[429]}


@router.get(
    "/commons/{commons_id}/books",
    summary="The open books: balances, totals, currencies and the money flow",
    description=(
        "Every account's balance per currency (treasury, reserve and outside first; at most "
        "200 accounts), the escrows', payables' and receivables' totals, the currencies used "
        "with their exponents, how many transactions, and where the money in one currency came "
        "from and went (`flow`: summed over the newest 1,000 transactions, `complete` when "
        "that is all of them)."
    ),
    response_model=BooksOut,
)
@cacheable()
def get_books(request: Request, commons_id: str, currency: CurrencyCode = None) -> Response:
    node = node_of(request)
    summary = books_read.books_summary(node, commons_id)
    shown = currency or books_flows.main_currency(node, commons_id)
    flow = None if shown is None else as_json(books_flows.money_flow(node, commons_id, shown))
    return answer({**as_json(summary), "flow": flow})


@router.get(
    "/commons/{commons_id}/books/transactions",
    summary="The books' transactions, newest first, with postings and why-links",
    description=(
        "A page of transactions, newest first, each with its postings (summing to zero in "
        "every currency), its `why` (the decision, the contribution, the bank's reference, the "
        "receipt, the payer or payee, the transaction it reverses) as `links`, a sentence "
        "saying what it did, and the other side's `answer`. Page with `before`."
    ),
    response_model=TransactionPageOut,
)
@cacheable()
def get_transactions(
    request: Request, commons_id: str, before: Before = None, limit: Limit = 50
) -> Response:
    page = books_read.list_transactions(node_of(request), commons_id, before=before, limit=limit)
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/books/transactions/{txn_id}",
    summary="One transaction of the books",
    response_model=TransactionOut,
)
@cacheable()
def get_transaction(request: Request, commons_id: str, txn_id: str) -> Response:
    return answer(as_json(books_read.transaction_detail(node_of(request), commons_id, txn_id)))


@router.get(
    "/commons/{commons_id}/books/accounts/{account}",
    summary="One account: its balances and the transactions that moved it, newest first",
    description=(
        "`account` is `treasury`, `reserve`, `outside`, `circle`, `escrow:<task id>`, "
        "`payable:<did>`, `receivable:<did>`, `credit:<did>` or `upstream:<commons id>`. "
        "Page with `before`."
    ),
    response_model=AccountOut,
)
@cacheable()
def get_account(
    request: Request, commons_id: str, account: str, before: Before = None, limit: Limit = 50
) -> Response:
    history = books_read.account_history(
        node_of(request), commons_id, account, before=before, limit=limit
    )
    return answer(as_json(history))


def _download(chunks: Any, media_type: str, name: str) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/commons/{commons_id}/books/export.csv",
    summary="The books as CSV: one row per posting, oldest first",
    description=(
        "Columns: " + ", ".join(books_export.CSV_COLUMNS) + ". `amount_minor` is the integer "
        "record, `amount` the decimal by the currency's exponent. Streamed; counts against the "
        "client's `expensive` limit."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **EXPORT_RESPONSES},
)
def get_export_csv(request: Request, commons_id: str) -> StreamingResponse:
    limit_client(request, "expensive")
    chunks = books_export.export_csv(node_of(request), commons_id)
    return _download(chunks, "text/csv; charset=utf-8", f"books-{commons_id[:12]}.csv")


@router.get(
    "/commons/{commons_id}/books/export.beancount",
    summary="The books as a beancount ledger (bean-check accepts it)",
    description=(
        "Each account opened and each currency declared on its first day; one transaction per "
        "book transaction, its id and why as metadata; amounts as decimals by the currency's "
        "exponent, with the books' own signs. Accounts: Assets:Treasury, Assets:Reserve, "
        "Assets:Escrow:T<task>, Assets:Receivable:<did key>, Liabilities:Payable:<did key>, "
        "Equity:Outside. Streamed; counts against the client's `expensive` limit."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/plain": {}}}, **EXPORT_RESPONSES},
)
def get_export_beancount(request: Request, commons_id: str) -> StreamingResponse:
    limit_client(request, "expensive")
    chunks = books_export.export_beancount(node_of(request), commons_id)
    name = f"books-{commons_id[:12]}.beancount"
    return _download(chunks, "text/plain; charset=utf-8", name)


@router.get(
    "/commons/{commons_id}/organisations",
    summary="The organisations declared in a commons, with their form and declared uses",
    description=(
        "By did, a page at a time (`after`: the `next_after` of the page before). Each "
        "declared itself with its own key; a worker cooperative with its evidence (registry "
        "id, statutes by sha256)."
    ),
    response_model=OrganisationPageOut,
)
@cacheable()
def get_organisations(
    request: Request,
    commons_id: str,
    after: Annotated[
        str | None, Query(max_length=100, description="Organisations after this did.")
    ] = None,
    limit: Limit = 50,
) -> Response:
    page = economy_read.list_organisations(node_of(request), commons_id, after=after, limit=limit)
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/organisations/{org}",
    summary="One organisation: its declaration, representatives, uses and money",
    response_model=OrganisationDetailOut,
)
@cacheable()
def get_organisation(request: Request, commons_id: str, org: str) -> Response:
    return answer(as_json(economy_read.organisation_detail(node_of(request), commons_id, org)))


@router.get(
    "/commons/{commons_id}/payouts",
    summary="What decisions did with money: spends and payouts, newest first",
    description=(
        "Each passed decision with a `spend` or `payout` effect: `waiting` (a large one, "
        "until `due_at`), `done` (its transaction) or `failed` (`detail` says why; nothing "
        "moved)."
    ),
    response_model=SpendPageOut,
)
@cacheable()
def get_payouts(
    request: Request, commons_id: str, limit: Limit = 50, offset: Offset = 0
) -> Response:
    page = economy_read.list_spends(node_of(request), commons_id, limit=limit, offset=offset)
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/payouts/{proposal_id}",
    summary="One decided spend or payout, with its transaction and (a payout's) lines",
    description=(
        "A payout's lines, the reserve's first: each with the value points it pays for, the "
        "exact share (`exact`, n/d minor units), whether it was rounded up, and a sentence "
        "explaining it."
    ),
    response_model=PayoutOut,
)
@cacheable()
def get_payout(request: Request, commons_id: str, proposal_id: str) -> Response:
    detail = economy_read.payout_detail(node_of(request), commons_id, proposal_id)
    return answer(as_json(detail))


@router.get(
    "/me/wallet",
    summary="Your wallet in a commons: what is owed to you, and what you were paid",
    description=(
        "For the signed-in account's key: what the commons owes you now (`owed`), every "
        "transaction of your payable account, newest first (page with `before`), the payments "
        "you have not answered, the organisations you act for, your mutual-credit circles "
        "(balance, limit in force now, what you may still pay) and the open bills sent to you "
        "(`bills_to_answer`) and by you (`bills_sent`)."
    ),
    response_model=WalletOut,
    tags=["account"],
)
def get_wallet(
    request: Request,
    commons: Annotated[str, Query(max_length=64, description="The commons' id.")],
    before: Before = None,
    limit: Limit = 50,
) -> Response:
    account = require_account(request)
    held = books_read.wallet(node_of(request), commons, account.did, before=before, limit=limit)
    return answer(as_json(held))
