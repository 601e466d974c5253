"""A page of the books' transactions as people read them: each with its postings, its "why" as
links (the decision, the contribution, the payer or payee, the reference, the receipt, the
transaction it reverses) and a sentence saying what it did. What a page names is looked up
once for the page, by primary keys: a page costs its size, never the books'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson
import sqlalchemy as sa

from commonwork.economy.tables import book_postings, book_txns
from commonwork.governance.tables import proposals
from commonwork.node.state import plain_row
from commonwork.production.tables import contributions
from commonwork.services.books_models import (
    Posting,
    Transaction,
    WhyLink,
    account_parts,
    exponents,
    money,
    names_of,
    organisations_among,
)
from commonwork.services.models import JsonObject

#: An income's source, in words.
SOURCE_WORDS = {
    "donation": "a donation",
    "grant": "a grant",
    "benefit_sharing": "benefit sharing",
    "sale": "a sale",
    "other": "other income",
}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class _Lookups:
    """What a page of transactions names, looked up once for the page (by primary keys)."""

    names: dict[str, str]
    orgs: set[str]
    titles: dict[str, str]  # proposals
    contribution_seqs: dict[str, int]
    numbers: dict[str, int]  # transactions reversed / reversing
    known: dict[str, int]


def _lookups(conn: sa.Connection, commons_id: str, rows: Sequence[dict[str, object]],
             postings: Mapping[str, list[dict[str, object]]]) -> _Lookups:  # fmt: skip
    whys = [orjson.loads(str(row["why"])) for row in rows]
    dids: set[str] = set()
    decisions: set[str] = set()
    works: set[str] = set()
    txns: set[str] = set()
    for row, why in zip(rows, whys, strict=True):
        dids |= {_text(row["recorded_by"]), _text(row["answered_by"])}
        dids |= {str(why[key]) for key in ("payer", "payee") if key in why}
        dids |= {
            account_parts(str(p["account"]))[1] or "" for p in postings.get(str(row["txn_id"]), [])
        }
        if "decision" in why:
            decisions.add(str(why["decision"]))
        if "contribution" in why:
            works.add(str(why["contribution"]))
        txns |= {str(v) for v in (row["reverses"], row["reversed_by"]) if v is not None}
    titles: dict[str, str] = {}
    if decisions:
        query = sa.select(proposals.c.proposal_id, proposals.c.title).where(
            proposals.c.commons_id == commons_id, proposals.c.proposal_id.in_(sorted(decisions))
        )
        titles = {str(r.proposal_id): str(r.title) for r in conn.execute(query)}
    seqs: dict[str, int] = {}
    if works:
        query = sa.select(contributions.c.contribution_id, contributions.c.seq).where(
            contributions.c.commons_id == commons_id,
            contributions.c.contribution_id.in_(sorted(works)),
        )
        seqs = {str(r.contribution_id): int(r.seq) for r in conn.execute(query)}
    numbers: dict[str, int] = {}
    if txns:
        query = sa.select(book_txns.c.txn_id, book_txns.c.number).where(
            book_txns.c.commons_id == commons_id, book_txns.c.txn_id.in_(sorted(txns))
        )
        numbers = {str(r.txn_id): int(r.number) for r in conn.execute(query)}
    dids.discard("")
    return _Lookups(
        names=names_of(conn, commons_id, dids),
        orgs=organisations_among(conn, commons_id, (d for d in dids if d.startswith("did:"))),
        titles=titles,
        contribution_seqs=seqs,
        numbers=numbers,
        known=exponents(conn, commons_id),
    )


def _postings_of(
    conn: sa.Connection, commons_id: str, txn_ids: Sequence[str]
) -> dict[str, list[dict[str, object]]]:
    """The postings of these transactions, by the primary key (commons, txn, line)."""
    found: dict[str, list[dict[str, object]]] = {txn: [] for txn in txn_ids}
    if not txn_ids:
        return found
    query = (
        sa.select(book_postings)
        .where(book_postings.c.commons_id == commons_id, book_postings.c.txn_id.in_(list(txn_ids)))
        .order_by(book_postings.c.txn_id, book_postings.c.line)
    )
    for row in conn.execute(query).mappings():
        found[str(row["txn_id"])].append(plain_row(row))
    return found


def _who(did: str, seen: _Lookups) -> str:
    return seen.names.get(did) or (did[:16] + "…" if len(did) > 16 else did)


def _links(row: Mapping[str, object], why: JsonObject, seen: _Lookups) -> list[WhyLink]:
    links = []
    if "decision" in why:
        pid = str(why["decision"])
        links.append(WhyLink("decision", pid, seen.titles.get(pid, "the decision")))
    if "contribution" in why:
        work = str(why["contribution"])
        links.append(
            WhyLink(
                "contribution", work, "the money contribution", seen.contribution_seqs.get(work)
            )
        )
    for key in ("payer", "payee"):
        if key in why:
            did = str(why[key])
            links.append(WhyLink(key, did, _who(did, seen), organisation=did in seen.orgs))
    if "task" in why:
        links.append(WhyLink("task", str(why["task"]), "the task"))
    if "agreement" in why:
        links.append(WhyLink("agreement", str(why["agreement"]), "the benefit-sharing agreement"))
    if "reference" in why:
        links.append(WhyLink("reference", str(why["reference"]), str(why["reference"])))
    receipt = why.get("receipt")
    if isinstance(receipt, dict):
        for key in ("url", "sha256"):
            if key in receipt:
                links.append(WhyLink("receipt", str(receipt[key]), f"receipt ({key})"))
    for key in ("reverses", "reversed_by"):
        txn = row[key]
        if txn is not None:
            number = seen.numbers.get(str(txn))
            text = f"transaction #{number}" if number is not None else str(txn)
            links.append(WhyLink(key, str(txn), text))
    return links


def _sum_of(postings: Sequence[Posting], known: Mapping[str, int]) -> str:
    """The money a transaction moved (its positive postings per currency), as words."""
    moved: dict[str, int] = {}
    for posting in postings:
        if posting.amount_minor > 0:
            moved[posting.currency] = moved.get(posting.currency, 0) + posting.amount_minor
    shown = [money(currency, total, known) for currency, total in moved.items()]
    return " and ".join(f"{item.amount} {item.currency}" for item in shown) or "nothing"


def _credit(kind: str, amount: str, why: JsonObject, seen: _Lookups) -> str:
    if kind == "credit":
        payer, payee = _who(str(why.get("payer", "")), seen), _who(str(why.get("payee", "")), seen)
        billed = " (a bill they accepted)" if "bill" in why else ""
        return f"Mutual credit: {payer} paid {payee} {amount}{billed}."
    if kind == "write_off":
        left = _who(str(why.get("left", "")), seen)
        return f"Mutual credit: the balance of {left}, who left, shared by the circle ({amount})."
    return f"Mutual credit: the frozen balance of {_who(str(why.get('member', '')), seen)} " + (
        f"settled by a deposit ({amount})."
    )


#: What a transaction of each of these kinds did, in a sentence ({amount}: what it moved; the
#: other names: its why's).
SENTENCES = {
    "reversal": "Reversal ({amount} put back): {reason}",
    "payout": "Payout of {amount} by value points ({policy} policy, up to {end}): the "
    "infrastructure share to the reserve, the rest owed to each contributor by their points.",
    "accrual": "Owed under a benefit-sharing agreement for {period}: {amount}, now receivable "
    "from the organisation.",
    "bounty_paid": "A task's bounty of {amount} paid to the authors of its accepted work, by "
    "value points.",
    "bounty_refunded": "A task's bounty of {amount} back to the treasury: no work was accepted "
    "by its expiry.",
    "reserve": "{amount} to the infrastructure reserve, decided by the members.",
}


def _income(amount: str, why: JsonObject, seen: _Lookups) -> str:
    text = f"Income: {amount}, {SOURCE_WORDS.get(str(why.get('source')), 'other income')}"
    if "payer" in why:
        text += f" from {_who(str(why['payer']), seen)}"
    if "agreement" in why:
        text += " under its benefit-sharing agreement"
    if "contribution" in why:
        text += " (a member's money contribution, counted once)"
    return text + f"; bank reference {why.get('reference', '')}."


def explain(kind: str, why: JsonObject, postings: Sequence[Posting], seen: _Lookups) -> str:
    """What a transaction did, in a sentence."""
    amount = _sum_of(postings, seen.known)
    if kind == "income":
        return _income(amount, why, seen)
    if kind == "payment":
        payee = _who(str(why.get("payee", "")), seen)
        reference = why.get("reference", "")
        return f"Paid {amount} to {payee} of what the commons owed; bank reference {reference}."
    if kind in SENTENCES:
        words = {"reason": "", "policy": "", "end": "", "period": ""}
        words.update({key: str(value) for key, value in why.items()})
        words["policy"] = words["policy"].replace("_", " ")
        return SENTENCES[kind].format_map({**words, "amount": amount})
    if kind in ("credit", "write_off", "offset"):
        return _credit(kind, amount, why, seen)
    if kind == "bounty":
        how = "decided by the members" if "decision" in why else "within the bounty budget"
        return f"A bounty of {amount} held in escrow for a task, {how}."
    holder = next((p for p in postings if p.amount_minor > 0 and p.holder), None)
    to = f" to {holder.holder_name or holder.holder}" if holder is not None else ""
    return f"A {kind} of {amount}{to}, decided by the members: now owed{to}."


def _maker(by: str) -> str:
    """Who made a transaction no person signed: a decision (its id), the day's settlement, or
    a rule of the charter."""
    return {"settlement": "the day's settlement", "charter": "a rule of the charter"}.get(
        by, "a decision"
    )


def _transaction(
    row: dict[str, object], lines: list[dict[str, object]], seen: _Lookups
) -> Transaction:
    why: JsonObject = orjson.loads(str(row["why"]))
    postings = []
    for line in lines:
        kind, holder = account_parts(str(line["account"]))
        shown = money(str(line["currency"]), int(str(line["amount_minor"])), seen.known)
        postings.append(
            Posting(
                line=int(str(line["line"])),
                account=str(line["account"]),
                kind=kind,
                holder=holder,
                holder_name=seen.names.get(holder or "", ""),
                currency=shown.currency,
                amount_minor=shown.amount_minor,
                amount=shown.amount,
            )
        )
    by = str(row["recorded_by"])
    answered = _optional(row["answered_by"])
    return Transaction(
        txn_id=str(row["txn_id"]),
        number=int(str(row["number"])),
        seq=int(str(row["seq"])),
        kind=str(row["kind"]),
        memo=str(row["memo"]),
        recorded_by=by,
        recorded_by_name=seen.names.get(by, "") if by.startswith("did:") else _maker(by),
        recorded_at=str(row["recorded_at"]),
        postings=tuple(postings),
        why=why,
        links=tuple(_links(row, why, seen)),
        explanation=explain(str(row["kind"]), why, postings, seen),
        reverses=_optional(row["reverses"]),
        reversed_by=_optional(row["reversed_by"]),
        answer=_optional(row["answer"]),
        answered_by=answered,
        answered_by_name="" if answered is None else seen.names.get(answered, ""),
        answered_at=_optional(row["answered_at"]),
        answer_note=_optional(row["answer_note"]),
    )


def transactions_of(
    conn: sa.Connection, commons_id: str, rows: list[dict[str, object]]
) -> list[Transaction]:
    """These transaction rows with their postings and why-links (a page's worth of lookups)."""
    postings = _postings_of(conn, commons_id, [str(row["txn_id"]) for row in rows])
    seen = _lookups(conn, commons_id, rows, postings)
    return [_transaction(row, postings[str(row["txn_id"])], seen) for row in rows]
