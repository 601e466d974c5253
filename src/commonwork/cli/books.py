"""``commonwork books``: read a commons' open books, export them, and — as its treasurer —
record the money it receives and pays.

The reads are public: balances, transactions newest first with why each happened, an account's
history, a wallet, the organisations, decided spends and payouts with their lines. The money
commands sign one action as a local identity (``--as``), through the same generic door as every
other command; the economy's rules decide (only the treasurer records money — the founder until
a decision names another). Amounts are written as people write them (``12.50``) and turned
into the currency's smallest units by its exponent (EUR 2, JPY 0, BHD 3, a community
currency's as decided). Without ``--key``, the idempotency key is made from the command's
own arguments: the same command run twice records one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_rows, fields, note
from commonwork.cli.signing import sign_and_report
from commonwork.errors import BadInput
from commonwork.services import (
    bank_details,
    books_acting,
    books_export,
    books_flows,
    books_read,
    economy_read,
)
from commonwork.services.books_models import Money, Transaction
from commonwork.services.models import as_json as json_of

LIMIT = click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Rows to show."
)
BEFORE = click.option(
    "--before",
    type=click.IntRange(min=1),
    help="Only transactions numbered below this (the next page: the last number shown).",
)
KEY = click.option(
    "--key",
    help="The idempotency key (default: made from the arguments, so a retry is harmless).",
)


@click.group("books")
def books_group() -> None:
    """Read the open books; as the treasurer, record income, payments and reversals; keep the
    bank details you are paid at (node-local)."""


def _money(items: tuple[Money, ...]) -> str:
    return ", ".join(f"{item.amount} {item.currency}" for item in items) or "nothing"


def _txn_line(txn: Transaction) -> str:
    moved = "  ".join(f"{p.account}:{p.amount}{p.currency}" for p in txn.postings)
    flags = " [reversed]" if txn.reversed_by else ""
    flags += f" [{txn.answer}]" if txn.answer else ""
    return f"#{txn.number:<5} {txn.recorded_at[:10]}  {txn.explanation}{flags}\n       {moved}"


@books_group.command("show")
@commons_argument
@click.option("--currency", help="The money flow's currency (default: the treasury's main one).")
@json_option
@pass_state
def show(state: CliState, commons_id: str, currency: str | None, as_json: bool) -> None:
    """Show the open books of commons ID: every balance, the totals, and where the money came
    from and went (over the newest 1,000 transactions)."""
    node = state.node()
    summary = books_read.books_summary(node, commons_id)
    shown = currency or books_flows.main_currency(node, commons_id)
    flow = None if shown is None else books_flows.money_flow(node, commons_id, shown)
    if as_json:
        emit_json({**json_of(summary), "flow": None if flow is None else json_of(flow)})
        return
    emit(f"{summary.name}: {summary.transactions} transactions, {summary.postings} postings")
    emit(
        "currencies: "
        + (", ".join(f"{c.code} ({c.exponent})" for c in summary.currencies) or "none")
    )
    for row in summary.balances:
        holder = f" ({row.holder_name})" if row.holder_name else ""
        emit(f"  {row.account}{holder}  {row.amount} {row.currency}")
    for total in summary.totals:
        emit(f"  all {total.kind} ({total.accounts})  {total.amount} {total.currency}")
    if flow is not None:
        window = "all" if flow.complete else f"the last {flow.counted}"
        emit(f"money flow in {flow.currency} ({window} transactions):")
        for item in flow.flows:
            emit(f"  {item.source} -> {item.target} ({item.label})  {item.amount} {item.currency}")


@books_group.command("transactions")
@commons_argument
@BEFORE
@LIMIT
@json_option
@pass_state
def transactions(
    state: CliState, commons_id: str, before: int | None, limit: int, as_json: bool
) -> None:
    """List the transactions of commons ID, newest first, each with its postings and why."""
    page = books_read.list_transactions(state.node(), commons_id, before=before, limit=limit)
    emit_rows(page.items, as_json, json_of, _txn_line)
    if page.next_before is not None and not as_json:
        note(f"older: --before {page.next_before}")


@books_group.command("transaction")
@commons_argument
@click.argument("txn_id")
@json_option
@pass_state
def transaction(state: CliState, commons_id: str, txn_id: str, as_json: bool) -> None:
    """Show transaction TXN_ID of commons ID: its postings, why it happened, its answer."""
    txn = books_read.transaction_detail(state.node(), commons_id, txn_id)
    if as_json:
        emit_json(json_of(txn))
        return
    emit(_txn_line(txn))
    for link in txn.links:
        emit(f"  {link.kind}: {link.text} ({link.value})")


@books_group.command("account")
@commons_argument
@click.argument("account")
@BEFORE
@LIMIT
@json_option
@pass_state
def account(
    state: CliState, commons_id: str, account: str, before: int | None, limit: int, as_json: bool
) -> None:
    """Show ACCOUNT of commons ID (treasury, reserve, outside, escrow:<task>, payable:<did>,
    receivable:<did>): its balances and the transactions that moved it, newest first."""
    history = books_read.account_history(
        state.node(), commons_id, account, before=before, limit=limit
    )
    if as_json:
        emit_json(json_of(history))
        return
    emit(f"{history.account}: {_money(history.balances)}")
    for txn in history.items:
        emit(_txn_line(txn))


def _streamed(chunks: Iterator[bytes], output: Path | None) -> int:
    """Write the export to stdout, or to ``output`` whole (a .partial file renamed at the end);
    how many bytes."""
    written = 0
    if output is None:
        with click.open_file("-", "wb") as stdout:
            for chunk in chunks:
                stdout.write(chunk)
                written += len(chunk)
        return written
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                written += len(chunk)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return written


@books_group.command("export")
@commons_argument
@click.option(
    "--format", "kind", type=click.Choice(["csv", "beancount"]), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE (default: stdout).",
)
@json_option
@pass_state
def export(state: CliState, commons_id: str, kind: str, output: Path | None, as_json: bool) -> None:
    """Export the books of commons ID: CSV (one row per posting) or a beancount ledger that
    bean-check accepts. With -o, a summary is printed instead (as JSON with --json)."""
    if as_json and output is None:
        raise BadInput("--json prints a summary of the file written: give -o FILE too")
    node = state.node()
    made = (
        books_export.export_csv(node, commons_id)
        if kind == "csv"
        else books_export.export_beancount(node, commons_id)
    )
    size = _streamed(made, output)
    if output is None:
        return
    summary = {"commons": commons_id, "format": kind, "file": str(output), "bytes": size}
    if as_json:
        emit_json(summary)
    else:
        fields(list(summary.items()))


@books_group.command("wallet")
@commons_argument
@click.option("--did", help="Whose wallet (default: the identity of --as).")
@as_option
@BEFORE
@LIMIT
@json_option
@pass_state
def wallet(
    state: CliState,
    commons_id: str,
    did: str | None,
    identity: str,
    before: int | None,
    limit: int,
    as_json: bool,
) -> None:
    """Show a wallet in commons ID: what the commons owes you (or --did), what it paid you,
    the payments you have not answered, the organisations you act for, your mutual-credit
    circles (balance, limit now) and the open bills to answer or sent."""
    whose = did or state.keypair(identity).did
    held = books_read.wallet(state.node(), commons_id, whose, before=before, limit=limit)
    if as_json:
        emit_json(json_of(held))
        return
    emit(f"owed to {held.name or held.member}: {_money(held.owed)}")
    if held.credit:
        emit(f"mutual credit: {_money(held.credit)}")
    for txn in held.history.items:
        emit(_txn_line(txn))
    for txn_id in held.unanswered:
        note(f"not confirmed yet: commonwork books answer {commons_id} {txn_id} --confirmed")
    for org in held.represents:
        emit(f"acting for {org.name}: owed {_money(org.owed)}; owes {_money(org.owes)}")
    for circle in held.circles:
        emit(f"{circle.currency} circle [{circle.status}]: balance {circle.balance.amount}, "
             f"limit -{circle.limit.amount}, may pay {circle.available.amount}")  # fmt: skip
    for bill in held.bills_to_answer:
        note(f"bill to answer: {bill.amount.amount} {bill.currency} from "
             f"{bill.payee_name or bill.payee}: commonwork credit accept {commons_id} "
             f"{bill.bill_id}")  # fmt: skip


@books_group.command("orgs")
@commons_argument
@click.option("--after", help="Only organisations after this did (the next page).")
@LIMIT
@json_option
@pass_state
def orgs(state: CliState, commons_id: str, after: str | None, limit: int, as_json: bool) -> None:
    """List the organisations declared in commons ID, with their form and declared uses."""
    page = economy_read.list_organisations(state.node(), commons_id, after=after, limit=limit)
    if as_json:
        emit_json(json_of(page))
        return
    for org in page.items:
        emit(f"{org.org}  {org.name}  [{org.form_name}]  {org.representatives} representatives")
        for use in page.uses:
            if use.org == org.org:
                emit(f"  uses {use.subject} under {', '.join(use.terms)}: {use.purpose}")


@books_group.command("payouts")
@commons_argument
@LIMIT
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Rows to skip.")
@json_option
@pass_state
def payouts(state: CliState, commons_id: str, limit: int, offset: int, as_json: bool) -> None:
    """List what decisions of commons ID did with money (spends, payouts), newest first."""
    page = economy_read.list_spends(state.node(), commons_id, limit=limit, offset=offset)

    def line(spend: economy_read.Spend) -> str:
        to = spend.to_name or spend.to or "by value points"
        return (
            f"{spend.proposal_id}  {spend.status:<7}  {spend.purpose:<9}  "
            f"{spend.amount.amount} {spend.amount.currency}  to {to}  {spend.title}"
        )

    emit_rows(page.items, as_json, json_of, line)


@books_group.command("payout")
@commons_argument
@click.argument("proposal_id")
@json_option
@pass_state
def payout(state: CliState, commons_id: str, proposal_id: str, as_json: bool) -> None:
    """Show the spend or payout decided by PROPOSAL_ID in commons ID, each line explained."""
    detail = economy_read.payout_detail(state.node(), commons_id, proposal_id)
    if as_json:
        emit_json(json_of(detail))
        return
    spend = detail.spend
    emit(f"{spend.title}: {spend.purpose} of {spend.amount.amount} {spend.amount.currency}")
    emit(f"status: {spend.status}" + (f" ({spend.detail})" if spend.detail else ""))
    for item in detail.lines:
        emit(f"  {item.name or item.recipient}  {item.amount.amount}  {item.explanation}")
    if detail.transaction is not None:
        emit(_txn_line(detail.transaction))


# --- the treasurer's money actions --------------------------------------------------------


@books_group.command("income")
@commons_argument
@click.option("--amount", required=True, help="As people write it: 12.50 (EUR), 500 (JPY).")
@click.option("--currency", required=True, help="An ISO 4217 code, or a community currency's.")
@click.option(
    "--source", type=click.Choice(books_acting.SOURCES), default="donation", show_default=True
)
@click.option(
    "--reference", required=True, help="The bank's or platform's reference: counted once."
)
@click.option("--payer", help="Who paid: an organisation declared here, or a person (a did).")
@click.option("--contribution", help="The member's money contribution this receipt confirms.")
@click.option("--agreement", help="The benefit-sharing agreement this payment settles.")
@click.option(
    "--artifact",
    help="The artifact the money was received for: the charter's upstream share of it passes "
    "to the commons it was derived from (docs/property.md).",
)
@click.option("--receipt-url", help="Where to read the receipt.")
@click.option("--receipt-sha256", help="The receipt file's sha256.")
@click.option("--memo", default="", help="A note for the books.")
@KEY
@as_option
@json_option
@pass_state
def income(
    state: CliState,
    commons_id: str,
    amount: str,
    currency: str,
    source: str,
    reference: str,
    payer: str | None,
    contribution: str | None,
    agreement: str | None,
    artifact: str | None,
    receipt_url: str | None,
    receipt_sha256: str | None,
    memo: str,
    key: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """As the treasurer, record money commons ID received (outside → treasury); print the
    transaction's id (the entry id)."""
    body = books_acting.income_body(
        state.node(), commons_id, amount=amount, currency=currency, source=source,
        reference=reference, key=key, payer=payer, contribution=contribution, agreement=agreement,
        receipt_url=receipt_url, receipt_sha256=receipt_sha256, memo=memo, artifact=artifact,
    )  # fmt: skip
    action = (commons_id, books_acting.INCOME, body)
    sign_and_report(state, identity, action, as_json, "income recorded")


@books_group.command("pay")
@commons_argument
@click.option("--payee", required=True, help="The did the commons owes (its payable account).")
@click.option("--amount", required=True, help="As people write it: 12.50.")
@click.option("--currency", required=True)
@click.option("--reference", required=True, help="The bank transfer's reference.")
@click.option(
    "--upstream",
    help="Pay what passed upstream to this commons (its id; from its upstream:<id> account) to "
    "PAYEE, who receives for it, instead of PAYEE's payable.",
)
@click.option("--memo", default="", help="A note for the books.")
@KEY
@as_option
@json_option
@pass_state
def pay(
    state: CliState,
    commons_id: str,
    payee: str,
    amount: str,
    currency: str,
    reference: str,
    upstream: str | None,
    memo: str,
    key: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """As the treasurer, record a bank payment of what commons ID owes PAYEE (payable →
    outside), or what it owes upstream (--upstream); print the transaction's id. The payee
    then confirms it."""
    body = books_acting.payment_body(
        state.node(), commons_id, payee=payee, amount=amount, currency=currency,
        reference=reference, key=key, memo=memo, upstream=upstream,
    )  # fmt: skip
    action = (commons_id, books_acting.PAYMENT, body)
    sign_and_report(state, identity, action, as_json, "payment recorded")


@books_group.command("reverse")
@commons_argument
@click.argument("txn_id")
@click.option("--reason", required=True, help="Why it was a mistake (kept in the journal).")
@KEY
@as_option
@json_option
@pass_state
def reverse(
    state: CliState,
    commons_id: str,
    txn_id: str,
    reason: str,
    key: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """As the treasurer, reverse transaction TXN_ID of commons ID (an income or a payment
    recorded by mistake): a new transaction with every posting negated."""
    body = books_acting.reverse_body(txn_id, reason, key)
    sign_and_report(state, identity, (commons_id, books_acting.REVERSE, body), as_json, "reversed")


@books_group.command("answer")
@commons_argument
@click.argument("txn_id")
@click.option("--confirmed", "answer", flag_value="confirmed", help="It arrived (or: we paid it).")
@click.option("--not-received", "answer", flag_value="not_received", help="It never arrived.")
@click.option("--note", default="", help="A note for the books.")
@as_option
@json_option
@pass_state
def answer(
    state: CliState,
    commons_id: str,
    txn_id: str,
    answer: str | None,
    note: str,
    identity: str,
    as_json: bool,
) -> None:
    """Answer transaction TXN_ID of commons ID as the other side: a payee confirms a payment
    (or reports that it never arrived); a payer organisation countersigns an income."""
    if answer is None:
        raise BadInput("say --confirmed or --not-received")
    body = {"txn": txn_id, "answer": answer, "note": note}
    sign_and_report(state, identity, (commons_id, books_acting.ANSWER, body), as_json, "answered")


@books_group.command("bank-details")
@commons_argument
@click.option("--set", "details", help="Keep these as where commons ID pays you ('' forgets).")
@click.option("--payee", help="As a treasurer: read where this did is paid.")
@as_option
@json_option
@pass_state
def bank_details_command(
    state: CliState,
    commons_id: str,
    details: str | None,
    payee: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Keep or read the bank details commons ID pays you at (free text: an IBAN, the account's
    name). They stay on this node, never in the journal; a treasurer of the commons reads a
    payee's with --payee."""
    node, did = state.node(), state.keypair(identity).did
    if details is not None and payee is not None:
        raise BadInput("either --set your own, or read a --payee's")
    if details is not None:
        kept = bank_details.set_bank_details(node, did=did, commons_id=commons_id, details=details)
    elif payee is not None:
        kept = bank_details.payee_bank_details(node, commons_id=commons_id, reader=did, payee=payee)
    else:
        kept = bank_details.own_bank_details(node, did=did, commons_id=commons_id)
    if as_json:
        emit_json(json_of(kept))
    elif kept.details:
        emit(kept.details)
    else:
        note("no bank details kept for this commons")
