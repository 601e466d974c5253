"""The open books: double-entry, per commons, in integer minor units.

A transaction is one journal entry (or one decision's effect) with two or more postings
``(account, currency, amount)``; they sum to zero in every currency, so the sum of every balance
in a currency is always zero (the ``outside`` account is the world money comes from and goes
to). Accounts:

* ``treasury`` — what the commons holds; ``reserve`` — the infrastructure reserve the
  for-benefit association keeps;
* ``escrow:<task id>`` — a bounty held for a task;
* ``payable:<did>`` — what the commons owes a person or organisation (a payout's line, a prize);
* ``receivable:<did>`` — what an organisation owes the commons (benefit-sharing);
* ``upstream:<commons id>`` — what the commons owes a commons it derived an artifact from: the
  share of money received for the artifact that passes upstream (the property area computes it
  over the derivation graph), until the treasurer pays it to that commons;
* ``outside`` — the world.

No account but ``outside`` and a receivable ever goes below zero: the rules refuse a transaction
that would take more than an account holds. Nothing is edited: a mistake is answered by a
reversal, a transaction with every posting negated. An idempotency key makes a retry harmless:
the same key with the same body is refused as done, naming the transaction it made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_economy import CurrencyCode
from commonwork.economy.currencies import MAX_MINOR, iso_exponent
from commonwork.economy.organisations import Did, EntryId, Sha256, Url, acts_for
from commonwork.economy.tables import (
    agreements,
    book_balances,
    book_counts,
    book_marks,
    book_postings,
    book_txns,
    credit_policies,
    currencies,
    organisations,
)
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.governance.clock import text_of
from commonwork.governance.proposals import holds_role
from commonwork.journal.area import installed_upstream
from commonwork.journal.canonical import canon
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.tables import contribution_status, contributions

TxnId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}(:[a-z0-9_]{1,15})?$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Memo = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Amount = Annotated[int, Field(gt=0, le=MAX_MINOR)]

_ACCOUNT = re.compile(
    r"^(treasury|reserve|outside|circle"
    r"|(escrow|upstream):[0-9a-f]{64}"
    r"|(payable|receivable|credit):did:key:z[1-9A-HJ-NP-Za-km-z]{20,60})$"
)
#: Accounts that may go below zero: the world, what organisations owe, and mutual credit
#: (within each member's limit, which commonwork.economy.credit checks; ``circle`` is the
#: commons' own account in a circle, which takes over the balance of a member who left).
_MAY_BE_NEGATIVE = ("outside", "receivable:", "credit:", "circle")


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    currency: str
    amount: int


# --- reading ---------------------------------------------------------------------------------


def balance(state: State, commons_id: str, account: str, currency: str) -> int:
    row = state.get(book_balances, (commons_id, account, currency))
    return 0 if row is None else int(row["amount_minor"])


def exponent_of(state: State, commons_id: str, code: str) -> int:
    """The currency's exponent: an ISO 4217 code's, or a community currency's as declared."""
    held = state.get(currencies, (commons_id, code))
    if held is not None:
        return int(held["exponent"])
    found = iso_exponent(code)
    if found is None:
        raise NotFound(
            f"{code} is neither an ISO 4217 currency nor one of this commons' own (a community "
            "currency is declared by decision first)"
        )
    return found


def is_treasurer(state: State, commons_id: str, member: str) -> bool:
    """The treasurer role by decision; the founder holds it by default (until recalled)."""
    return holds_role(state, commons_id, member, "treasurer") or holds_role(
        state, commons_id, member, "founder"
    )


def check_treasurer(state: State, ctx: Context) -> None:
    commons_row(state, ctx.commons_id)
    if not is_treasurer(state, ctx.commons_id, ctx.author):
        raise NotAllowed(
            "only the treasurer records money in the books (the role is granted by decision; "
            "the founder holds it until then)",
            reason="not_the_treasurer",
        )


def body_hash(ctx: Context) -> str:
    """What a retry repeats: the action's type, author and body (not its nonce or time)."""
    action = ctx.entry.action
    what = {"type": action["type"], "author": action["author"], "body": action["body"]}
    return hashlib.sha256(canon(what)).hexdigest()


def key_mark(author: str, key: str) -> str:
    """An idempotency key is its author's: two people choosing the same key do not collide."""
    return f"key:{author}:{key}"


# --- checking --------------------------------------------------------------------------------


def check_key(state: State, ctx: Context, key: str) -> None:
    """An idempotency key is used once per author and commons: the same body again is refused
    as done (naming its transaction), another body as a mistake."""
    held = state.get(book_marks, (ctx.commons_id, key_mark(ctx.author, key)))
    if held is None:
        return
    if held["body_hash"] == body_hash(ctx):
        raise AlreadyDone(
            f"this was recorded already, as transaction {held['txn_id']} (the same idempotency "
            "key and body): nothing more to do",
            reason="same_key",
            transaction=held["txn_id"],
        )
    raise NotAllowed(
        f"you used the idempotency key {key!r} for another transaction ({held['txn_id']}) "
        "with a different body: choose a new key",
        reason="key_reused",
    )


def check_mark_free(state: State, commons_id: str, mark: str, what: str) -> None:
    held = state.get(book_marks, (commons_id, mark))
    if held is not None and held["released_by"] is None:
        raise AlreadyDone(
            f"{what} is in the books already, as transaction {held['txn_id']}: the same money "
            "is never counted twice (reverse that transaction first if it was wrong)",
            reason="counted_already",
            transaction=held["txn_id"],
        )


def check_lines(state: State, commons_id: str, lines: Sequence[Line]) -> None:
    """Two or more postings on known accounts and currencies, balanced in every currency, that
    leave no account but the world and receivables below zero."""
    if len(lines) < 2:
        raise InvalidAction("a transaction has at least two postings")
    sums: dict[str, int] = {}
    net: dict[tuple[str, str], int] = {}
    circles: dict[str, bool] = {}  # per currency: known, and whether it is a credit circle's
    for line in lines:
        if not _ACCOUNT.match(line.account):
            raise InvalidAction(
                f"{line.account!r} is not an account of the books (treasury, reserve, outside, "
                "circle, escrow:<task>, payable:<did>, receivable:<did>, credit:<did>)"
            )
        if line.amount == 0 or abs(line.amount) > MAX_MINOR:
            raise InvalidAction(f"a posting's amount is between 1 and {MAX_MINOR} minor units")
        in_circle = circles.get(line.currency)
        if in_circle is None:
            exponent_of(state, commons_id, line.currency)
            in_circle = state.get(credit_policies, (commons_id, line.currency)) is not None
            circles[line.currency] = in_circle
        circle_account = line.account.startswith(("credit:", "circle"))
        # A circle's currency may also be held in escrow (a deposit for a borrowed tool): it
        # never goes below zero, so what it holds came from a member's credit account.
        held_in_escrow = in_circle and line.account.startswith("escrow:")
        if in_circle != circle_account and not held_in_escrow:
            raise InvalidAction(
                f"{line.currency} is a mutual-credit currency: it moves between the circle's "
                "credit accounts (and escrow) only, and they hold nothing else"
                if in_circle
                else f"{line.account} is a mutual-credit account: {line.currency} has no circle"
            )
        sums[line.currency] = sums.get(line.currency, 0) + line.amount
        where = (line.account, line.currency)
        net[where] = net.get(where, 0) + line.amount
    for currency, total in sorted(sums.items()):
        if total:
            raise InvalidAction(
                f"the postings do not balance in {currency}: they sum to {total} minor units, "
                "not 0",
                reason="unbalanced",
            )
    for (account, currency), change in sorted(net.items()):
        if change >= 0 or account.startswith(_MAY_BE_NEGATIVE):
            continue
        held = balance(state, commons_id, account, currency)
        if held + change < 0:
            raise NotAllowed(
                f"{account} holds {held} minor units of {currency}, less than the {-change} "
                "this takes: the books never go beyond the funds",
                reason="insufficient_funds",
                account=account,
                currency=currency,
                held=held,
                needed=-change,
            )


# --- writing ---------------------------------------------------------------------------------


def post(
    state: State,
    commons_id: str,
    txn_id: str,
    *,
    seq: int,
    at: str,
    kind: str,
    memo: str,
    by: str,
    lines: Sequence[Line],
    why: dict[str, Any],
    key: str | None = None,
    reverses: str | None = None,
    marks: Iterable[str] = (),
    body_digest: str = "",
) -> int:
    """Write a checked transaction: its postings first, then its row (the database's trigger
    checks them then), the balances, the marks; its number."""
    counts = state.get(book_counts, (commons_id,))
    number = 1 if counts is None else int(counts["transactions"]) + 1
    if len(lines) > 2:  # a payout's thousands of lines: their balances in one read
        state.load_exact(book_balances, {(commons_id, x.account, x.currency) for x in lines})
    for index, line in enumerate(lines, start=1):
        state.insert(
            book_postings,
            {
                "commons_id": commons_id,
                "txn_id": txn_id,
                "line": index,
                "account": line.account,
                "currency": line.currency,
                "amount_minor": line.amount,
                "number": number,
            },
        )
        _move(state, commons_id, line, number)
    for currency in sorted({line.currency for line in lines}):
        _first_use(state, commons_id, currency, txn_id, at)
    state.insert(
        book_txns,
        {
            "commons_id": commons_id,
            "txn_id": txn_id,
            "seq": seq,
            "number": number,
            "kind": kind,
            "memo": memo,
            "recorded_by": by,
            "recorded_at": at,
            "key": key,
            "why": text_of(why),
            "reverses": reverses,
            "reversed_by": None,
            "answer": None,
            "answered_by": None,
            "answered_at": None,
            "answer_note": None,
            "postings": len(lines),
        },
    )
    for mark in ([key_mark(by, key)] if key is not None else []) + list(marks):
        state.put(
            book_marks,
            {
                "commons_id": commons_id,
                "mark": mark,
                "txn_id": txn_id,
                "body_hash": body_digest,
                "released_by": None,
            },
        )
    postings = 0 if counts is None else int(counts["postings"])
    state.put(
        book_counts,
        {"commons_id": commons_id, "transactions": number, "postings": postings + len(lines)},
    )
    return number


def post_entry(
    state: State,
    ctx: Context,
    *,
    kind: str,
    memo: str,
    lines: Sequence[Line],
    why: dict[str, Any],
    key: str | None = None,
    reverses: str | None = None,
    marks: Iterable[str] = (),
) -> int:
    """``post`` the transaction an entry makes: by its id, seq, time and author (a retry of it
    is recognised by its body's hash)."""
    return post(
        state,
        ctx.commons_id,
        ctx.entry.id,
        seq=ctx.entry.seq,
        at=ctx.entry.recorded_at,
        kind=kind,
        memo=memo,
        by=ctx.author,
        lines=lines,
        why=why,
        key=key,
        reverses=reverses,
        marks=marks,
        body_digest=body_hash(ctx),
    )


def _move(state: State, commons_id: str, line: Line, number: int) -> None:
    key = (commons_id, line.account, line.currency)
    held = state.get(book_balances, key)
    if held is None:
        row = {
            "commons_id": commons_id,
            "account": line.account,
            "currency": line.currency,
            "amount_minor": line.amount,
            "postings": 1,
            "last_number": number,
        }
    else:
        row = {
            **held,
            "amount_minor": int(held["amount_minor"]) + line.amount,
            "postings": int(held["postings"]) + 1,
            "last_number": number,
        }
    state.put(book_balances, row)


def _first_use(state: State, commons_id: str, code: str, txn_id: str, at: str) -> None:
    if state.get(currencies, (commons_id, code)) is not None:
        return
    exponent = iso_exponent(code)
    if exponent is None:
        return  # a community currency: declared before its first use
    state.put(
        currencies,
        {
            "commons_id": commons_id,
            "code": code,
            "exponent": exponent,
            "kind": "iso",
            "name": code,
            "declared_by": txn_id,
            "declared_at": at,
        },
    )


# --- income ----------------------------------------------------------------------------------


class Receipt(BaseModel):
    """The receipt (a bank statement line, a donation platform's receipt): its file by sha256,
    and where to find it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: Sha256 | None = None
    url: Url | None = None


class IncomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    source: Literal["donation", "grant", "benefit_sharing", "sale", "other"]
    amount_minor: Amount
    currency: CurrencyCode
    #: Who paid: an organisation that declared itself here, or a person.
    payer: Did | None = None
    #: The bank's or platform's reference of the payment: unique per account.
    reference: Reference
    receipt: Receipt | None = None
    #: A member's money contribution this receipt turns into income (counted once).
    contribution: EntryId | None = None
    #: The benefit-sharing agreement this payment is made under: it settles the paying
    #: organisation's receivable (what its reports made owed) instead of coming from outside.
    agreement: EntryId | None = None
    #: The artifact this money was received for: the charter's upstream share of it passes to
    #: the commons it was derived from (``upstream:<commons id>`` accounts), by the property
    #: area's rule over the derivation graph.
    artifact: EntryId | None = None
    memo: Memo = ""


def check_income(state: State, ctx: Context) -> None:
    body: IncomeBody = ctx.body
    check_treasurer(state, ctx)
    check_key(state, ctx, body.key)
    check_mark_free(
        state, ctx.commons_id, f"ref:treasury:{body.reference}", f"the reference {body.reference!r}"
    )
    if body.contribution is not None:
        _check_contribution(state, ctx.commons_id, body)
    if body.agreement is not None:
        _check_agreement(state, ctx.commons_id, body)
    check_lines(state, ctx.commons_id, _income_lines(state, ctx.commons_id, body))


def _check_agreement(state: State, commons_id: str, body: IncomeBody) -> None:
    found = state.get(agreements, (commons_id, body.agreement))
    if found is None:
        raise NotFound(f"there is no benefit-sharing agreement {body.agreement} in this commons")
    if body.source != "benefit_sharing":
        raise InvalidAction("a payment under an agreement is of the source benefit_sharing")
    if body.currency != found["currency"]:
        raise InvalidAction(f"the agreement is in {found['currency']}, not {body.currency}")
    if body.payer is not None and body.payer != found["org"]:
        raise InvalidAction("the payer of an agreement's payment is its organisation")


def _check_contribution(state: State, commons_id: str, body: IncomeBody) -> None:
    found = state.get(contributions, (commons_id, body.contribution))
    if found is None or found["kind"] != "money":
        raise NotFound(f"there is no money contribution {body.contribution} in this commons")
    status = state.get(contribution_status, (commons_id, int(found["seq"])))
    if status is not None and status["status"] == "rejected":
        raise NotAllowed(
            "that money contribution was rejected: it is not income", reason="rejected"
        )
    if found["quantity"] != str(body.amount_minor):
        raise InvalidAction(
            f"the contribution records {found['quantity']} minor units, the receipt "
            f"{body.amount_minor}: a receipt confirms the money the member gave"
        )
    if body.payer is not None and body.payer != found["contributor"]:
        raise InvalidAction("the payer of a member's money contribution is that member")
    check_mark_free(state, commons_id, f"contribution:{body.contribution}", "that contribution")


def _income_lines(state: State, commons_id: str, body: IncomeBody) -> list[Line]:
    source = "outside"
    if body.agreement is not None:
        found = state.get(agreements, (commons_id, body.agreement))
        if found is not None:
            source = f"receivable:{found['org']}"
    upstream = _upstream(state, commons_id, body)
    kept = body.amount_minor - sum(amount for _, amount in upstream)
    lines = [Line(source, body.currency, -body.amount_minor)]
    if kept:  # (a charter may pass all of it upstream)
        lines.append(Line("treasury", body.currency, kept))
    lines += [
        Line(f"upstream:{other}", body.currency, amount) for other, amount in upstream if amount
    ]
    return lines


def _upstream(state: State, commons_id: str, body: IncomeBody) -> list[tuple[str, int]]:
    """What passes upstream of money received for an artifact (none without one)."""
    if body.artifact is None:
        return []
    hook = installed_upstream()
    if hook is None:
        raise NotFound("no area installed on this node knows artifacts: leave 'artifact' out")
    return hook.split(state, commons_id, body.artifact, body.amount_minor)


def apply_income(state: State, ctx: Context) -> None:
    body: IncomeBody = ctx.body
    marks = [f"ref:treasury:{body.reference}"]
    why: dict[str, Any] = {"source": body.source, "reference": body.reference}
    if body.contribution is not None:
        marks.append(f"contribution:{body.contribution}")
        why["contribution"] = body.contribution
    payer = body.payer
    if body.agreement is not None:
        found = state.get(agreements, (ctx.commons_id, body.agreement))
        if found is not None:
            why["agreement"] = body.agreement
            payer = payer or found["org"]
            paid = int(found["paid_minor"]) + body.amount_minor
            state.put(agreements, {**found, "paid_minor": paid})
    if payer is not None:
        why["payer"] = payer
    if body.receipt is not None:
        why["receipt"] = body.receipt.model_dump(exclude_none=True)
    if body.artifact is not None:
        why["artifact"] = body.artifact
        hook = installed_upstream()
        if hook is not None:  # the rule checked it
            hook.record(
                state,
                ctx.commons_id,
                ctx.entry.id,
                body.artifact,
                body.amount_minor,
                body.currency,
            )
    post_entry(
        state,
        ctx,
        kind="income",
        memo=body.memo,
        lines=_income_lines(state, ctx.commons_id, body),
        why=why,
        key=body.key,
        marks=marks,
    )


# --- payments of what is owed ----------------------------------------------------------------


class PaymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    payee: Did
    amount_minor: Amount
    currency: CurrencyCode
    #: The bank transfer's reference (the payee's bank details stay on the node, never here).
    reference: Reference
    #: Paying what passed upstream to another commons (its ``upstream:<commons id>`` account)
    #: to the payee who receives for it (its association), instead of a payable of the payee.
    upstream: EntryId | None = None
    memo: Memo = ""


def payment_account(body: PaymentBody) -> str:
    """The account a payment settles: the upstream commons', or the payee's payable."""
    return f"upstream:{body.upstream}" if body.upstream else f"payable:{body.payee}"


def _payment_lines(body: PaymentBody) -> list[Line]:
    return [
        Line(payment_account(body), body.currency, -body.amount_minor),
        Line("outside", body.currency, body.amount_minor),
    ]


def check_payment(state: State, ctx: Context) -> None:
    body: PaymentBody = ctx.body
    check_treasurer(state, ctx)
    check_key(state, ctx, body.key)
    account = payment_account(body)
    check_mark_free(
        state,
        ctx.commons_id,
        f"ref:{account}:{body.reference}",
        f"the reference {body.reference!r}",
    )
    check_lines(state, ctx.commons_id, _payment_lines(body))


def apply_payment(state: State, ctx: Context) -> None:
    body: PaymentBody = ctx.body
    why: dict[str, Any] = {"payee": body.payee, "reference": body.reference}
    if body.upstream is not None:
        why["upstream"] = body.upstream
    post_entry(
        state,
        ctx,
        kind="payment",
        memo=body.memo,
        lines=_payment_lines(body),
        why=why,
        key=body.key,
        marks=[f"ref:{payment_account(body)}:{body.reference}"],
    )


# --- answers and reversals -------------------------------------------------------------------


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    txn: TxnId
    answer: Literal["confirmed", "not_received"]
    note: Memo = ""


def txn_row(state: State, commons_id: str, txn_id: str) -> Row:
    row = state.get(book_txns, (commons_id, txn_id))
    if row is None:
        raise NotFound(f"there is no transaction {txn_id} in this commons' books")
    return row


def check_answer(state: State, ctx: Context) -> None:
    """The payer organisation countersigns an income it paid; a payee confirms a payment to
    them, or reports that it never arrived."""
    body: AnswerBody = ctx.body
    row = txn_row(state, ctx.commons_id, body.txn)
    why = _why(row)
    if row["kind"] == "income" and why.get("payer") is not None:
        payer = why["payer"]
        allowed = ctx.author == payer or (
            state.get(organisations, (ctx.commons_id, payer)) is not None
            and acts_for(state, ctx.commons_id, payer, ctx.author)
        )
        if body.answer != "confirmed":
            raise InvalidAction("a payer countersigns what it paid: answer 'confirmed'")
    elif row["kind"] == "payment":
        allowed = ctx.author == why["payee"] or acts_for(
            state, ctx.commons_id, why["payee"], ctx.author
        )
    else:
        raise NotAllowed(
            "only an income with a named payer, or a payment, is answered by the other side",
            reason="nothing_to_answer",
        )
    if not allowed:
        raise NotAllowed(
            "only the payer (or its representatives) countersigns an income, and only the payee "
            "answers a payment",
            reason="not_the_other_side",
        )
    if row["answer"] == body.answer:
        raise AlreadyDone(f"this transaction is {body.answer} already", reason="answered")


def apply_answer(state: State, ctx: Context) -> None:
    body: AnswerBody = ctx.body
    row = txn_row(state, ctx.commons_id, body.txn)
    answered = {
        "answer": body.answer,
        "answered_by": ctx.author,
        "answered_at": ctx.entry.recorded_at,
        "answer_note": body.note,
    }
    state.put(book_txns, {**row, **answered})


class ReverseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey
    txn: TxnId
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _why(row: Row) -> dict[str, Any]:
    found: dict[str, Any] = orjson.loads(row["why"])
    return found


def reversal_lines(state: State, commons_id: str, txn_id: str) -> list[Line]:
    return [
        Line(row["account"], row["currency"], -int(row["amount_minor"]))
        for row in state.scan(book_postings, (commons_id, txn_id))
    ]


def check_reverse(state: State, ctx: Context) -> None:
    body: ReverseBody = ctx.body
    check_treasurer(state, ctx)
    check_key(state, ctx, body.key)
    row = txn_row(state, ctx.commons_id, body.txn)
    if row["reversed_by"] is not None:
        raise AlreadyDone(
            f"transaction {body.txn} was reversed already, by {row['reversed_by']}",
            reason="reversed",
        )
    if row["reverses"] is not None:
        raise NotAllowed(
            "a reversal is not reversed: record the transaction again", reason="a_reversal"
        )
    if row["kind"] not in REVERSIBLE:
        raise NotAllowed(
            f"a {row['kind']} transaction is made by the rules or a decision: it is answered by "
            "another decision, not reversed by the treasurer",
            reason="not_reversible",
        )
    check_lines(state, ctx.commons_id, reversal_lines(state, ctx.commons_id, body.txn))


#: What the treasurer recorded, and so may reverse.
REVERSIBLE = ("income", "payment")


def apply_reverse(state: State, ctx: Context) -> None:
    body: ReverseBody = ctx.body
    row = txn_row(state, ctx.commons_id, body.txn)
    lines = reversal_lines(state, ctx.commons_id, body.txn)
    post_entry(
        state,
        ctx,
        kind="reversal",
        memo=body.reason,
        lines=lines,
        why={"reverses": body.txn, "reason": body.reason},
        key=body.key,
        reverses=body.txn,
    )
    state.put(book_txns, {**row, "reversed_by": ctx.entry.id})
    _release_marks(state, ctx.commons_id, row, ctx.entry.id)
    agreement = _why(row).get("agreement")
    if row["kind"] == "income" and agreement is not None:  # it was not paid after all
        found = state.get(agreements, (ctx.commons_id, agreement))
        if found is not None:
            # What the reversal puts back on the organisation's receivable (the whole payment,
            # also what passed upstream of it).
            owed = sum(
                line.amount for line in lines if line.account == f"receivable:{found['org']}"
            )
            paid = int(found["paid_minor"]) - owed
            state.put(agreements, {**found, "paid_minor": paid})


def _release_marks(state: State, commons_id: str, row: Row, by: str) -> None:
    """The reference and contribution a reversed transaction held are free again."""
    why = _why(row)
    marks = []
    if "reference" in why:
        account = "treasury" if row["kind"] == "income" else f"payable:{why['payee']}"
        if "upstream" in why:
            account = f"upstream:{why['upstream']}"
        marks.append(f"ref:{account}:{why['reference']}")
    if "contribution" in why:
        marks.append(f"contribution:{why['contribution']}")
    for mark in marks:
        held = state.get(book_marks, (commons_id, mark))
        if held is not None and held["txn_id"] == row["txn_id"]:
            state.put(book_marks, {**held, "released_by": by})


# --- reads named ahead -------------------------------------------------------------------------


def _reads_money(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    reads: list[tuple[Any, Key]] = [
        (book_counts, (commons_id,)),
        (book_marks, (commons_id, key_mark(author, body.key))),
        (book_balances, (commons_id, "treasury", body.currency)),
        (book_balances, (commons_id, "outside", body.currency)),
        (currencies, (commons_id, body.currency)),
    ]
    if isinstance(body, PaymentBody):
        reads.append((book_balances, (commons_id, payment_account(body), body.currency)))
    return reads


ACTIONS = (
    ActionSpec(
        type="economy.income.record",
        summary="As the treasurer, record money the commons received (a donation, a grant, a "
        "benefit-sharing payment, a member's money contribution): outside → treasury, with its "
        "reference (counted once) and receipt; money received for an artifact passes the "
        "charter's upstream share to the commons it was derived from",
        body=IncomeBody,
        check=check_income,
        apply=apply_income,
        reads=_reads_money,
    ),
    ActionSpec(
        type="economy.payment.record",
        summary="As the treasurer, record a bank payment of what the commons owes someone "
        "(payable → outside), or what it owes another commons upstream, with its reference; the "
        "payee confirms it or reports that it never arrived",
        body=PaymentBody,
        check=check_payment,
        apply=apply_payment,
        reads=_reads_money,
    ),
    ActionSpec(
        type="economy.txn.answer",
        summary="Countersign an income your organisation paid, or confirm a payment to you (or "
        "report that it never arrived)",
        body=AnswerBody,
        check=check_answer,
        apply=apply_answer,
    ),
    ActionSpec(
        type="economy.txn.reverse",
        summary="As the treasurer, reverse a transaction recorded by mistake: a new transaction "
        "with every posting negated (nothing is edited); its reference is free again",
        body=ReverseBody,
        check=check_reverse,
        apply=apply_reverse,
    ),
)
