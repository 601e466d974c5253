"""The open books, exported: CSV (one row per posting) and a beancount ledger.

Both are streamed: the transactions there were when the export began, oldest first,
``EXPORT_CHUNK`` at a time, each chunk in its own short read (by the ``(commons, number)``
index and the postings' primary key), so an export holds one chunk in memory however big the
books are. Amounts are exact decimals by the currency's exponent (EUR 12.50, JPY 500, BHD
1.005), never floats.

The beancount ledger maps the books' accounts onto beancount's five roots — ``treasury`` →
``Assets:Treasury``, ``reserve`` → ``Assets:Reserve``, ``escrow:<task>`` →
``Assets:Escrow:T<task>``, ``receivable:<did>`` → ``Assets:Receivable:<did>``,
``payable:<did>`` → ``Liabilities:Payable:<did>``, ``credit:<did>`` → ``Assets:Credit:<did>``
(mutual credit), ``upstream:<commons>`` → ``Liabilities:Upstream:C<commons>``, ``circle`` →
``Equity:Circle``, ``outside`` → ``Equity:Outside`` — with a
did's key (``did:key:z6Mk…`` → ``Z6Mk…``) as the last component. Amounts keep the books' own
signs (a payable's positive balance is what is owed), so each transaction balances exactly as
it does in the books. Each account is opened, and each currency declared, on the day it was
first used; each transaction carries its id and its "why" as metadata.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence

import orjson
import sqlalchemy as sa

from commonwork.economy.currencies import format_minor, iso_exponent
from commonwork.economy.tables import book_counts, book_postings, book_txns, currencies
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.services.books_models import account_parts, commons_name, exponents

#: Transactions one chunk of an export reads.
EXPORT_CHUNK = 500
CSV_COLUMNS = (
    "number",
    "txn_id",
    "recorded_at",
    "kind",
    "memo",
    "recorded_by",
    "line",
    "account",
    "currency",
    "amount_minor",
    "amount",
    "reverses",
    "reversed_by",
    "answer",
    "why",
)
_ROOTS = {
    "treasury": "Assets:Treasury",
    "reserve": "Assets:Reserve",
    "outside": "Equity:Outside",
    "escrow": "Assets:Escrow",
    "payable": "Liabilities:Payable",
    "receivable": "Assets:Receivable",
    "upstream": "Liabilities:Upstream",
    "credit": "Assets:Credit",
    "circle": "Equity:Circle",
}
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9-]")

Chunk = list[tuple[dict[str, object], list[dict[str, object]]]]


def _count(node: Node, commons_id: str) -> int:
    with node.reading() as conn:
        commons_name(conn, commons_id)  # NotFound for an unknown commons, before streaming
        found = conn.execute(
            sa.select(book_counts.c.transactions).where(book_counts.c.commons_id == commons_id)
        ).scalar()
    return int(found or 0)


def _chunks(node: Node, commons_id: str, last: int) -> Iterator[Chunk]:
    """The transactions numbered 1 to ``last`` with their postings, EXPORT_CHUNK at a time."""
    done = 0
    while done < last:
        upto = min(last, done + EXPORT_CHUNK)
        with node.reading() as conn:
            rows = [
                plain_row(row)
                for row in conn.execute(
                    sa.select(book_txns)
                    .where(
                        book_txns.c.commons_id == commons_id,
                        book_txns.c.number > done,
                        book_txns.c.number <= upto,
                    )
                    .order_by(book_txns.c.number)
                ).mappings()
            ]
            postings: dict[str, list[dict[str, object]]] = {str(r["txn_id"]): [] for r in rows}
            if rows:
                query = (
                    sa.select(book_postings)
                    .where(
                        book_postings.c.commons_id == commons_id,
                        book_postings.c.txn_id.in_(sorted(postings)),
                    )
                    .order_by(book_postings.c.txn_id, book_postings.c.line)
                )
                for line in conn.execute(query).mappings():
                    postings[str(line["txn_id"])].append(plain_row(line))
        yield [(row, postings[str(row["txn_id"])]) for row in rows]
        done = upto


def _exponents(node: Node, commons_id: str) -> dict[str, int]:
    with node.reading() as conn:
        return exponents(conn, commons_id)


def _amount(currency: str, amount: int, known: Mapping[str, int]) -> str:
    return format_minor(amount, known.get(currency, iso_exponent(currency) or 0))


# --- CSV ---------------------------------------------------------------------------------------


def export_csv(node: Node, commons_id: str) -> Iterator[bytes]:
    """The books as CSV (UTF-8, a header line, one row per posting), streamed."""
    last = _count(node, commons_id)
    known = _exponents(node, commons_id)
    return _csv(node, commons_id, last, known)


def _csv(node: Node, commons_id: str, last: int, known: Mapping[str, int]) -> Iterator[bytes]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield text.getvalue().encode()
    for chunk in _chunks(node, commons_id, last):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for row, lines in chunk:
            for line in lines:
                currency, amount = str(line["currency"]), int(str(line["amount_minor"]))
                writer.writerow(
                    (
                        row["number"],
                        row["txn_id"],
                        row["recorded_at"],
                        row["kind"],
                        row["memo"],
                        row["recorded_by"],
                        line["line"],
                        line["account"],
                        currency,
                        amount,
                        _amount(currency, amount, known),
                        row["reverses"] or "",
                        row["reversed_by"] or "",
                        row["answer"] or "",
                        row["why"],
                    )
                )
        yield text.getvalue().encode()


# --- beancount ---------------------------------------------------------------------------------


def beancount_account(account: str) -> str:
    """A books account as a beancount account name (see the module's docstring)."""
    kind, holder = account_parts(account)
    root = _ROOTS[kind]
    if holder is None:
        return root
    if kind == "escrow":
        return f"{root}:T{holder}"
    if kind == "upstream":
        return f"{root}:C{holder}"
    key = holder.removeprefix("did:key:")
    return f"{root}:{_NOT_IN_NAME.sub('-', key[:1].upper() + key[1:])}"


def _string(text: object) -> str:
    """A beancount string literal: one line, quotes and backslashes escaped."""
    flat = " ".join(str(text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _metadata(row: Mapping[str, object]) -> list[str]:
    lines = [f"  txn: {_string(row['txn_id'])}", f"  number: {_string(row['number'])}"]
    why = orjson.loads(str(row["why"]))
    for key, value in sorted(why.items()):
        shown = value if isinstance(value, str | int) else orjson.dumps(value).decode()
        lines.append(f"  {key}: {_string(shown)}")
    if row["answer"] is not None:
        lines.append(f"  answer: {_string(row['answer'])}")
    return lines


def _currency_lines(node: Node, commons_id: str) -> dict[str, tuple[int, str, str]]:
    """Each currency's exponent, kind and name (for its commodity directive)."""
    with node.reading() as conn:
        query = sa.select(currencies).where(currencies.c.commons_id == commons_id)
        return {
            str(r.code): (int(r.exponent), str(r.kind), str(r.name)) for r in conn.execute(query)
        }


def export_beancount(node: Node, commons_id: str) -> Iterator[bytes]:
    """The books as a beancount ledger, streamed: ``bean-check`` accepts it as it is."""
    last = _count(node, commons_id)
    with node.reading() as conn:
        name = commons_name(conn, commons_id)
    described = _currency_lines(node, commons_id)
    return _beancount(node, commons_id, last, name, described)


def _beancount(node: Node, commons_id: str, last: int, name: str,
               described: Mapping[str, tuple[int, str, str]]) -> Iterator[bytes]:  # fmt: skip
    known = {code: exponent for code, (exponent, _, _) in described.items()}
    yield (
        f"; The open books of {' '.join(name.split())}, commons {commons_id}\n"
        f"; {last} transactions, exported by commonwork. Amounts keep the books' signs.\n"
        f'option "title" {_string(name)}\n\n'
    ).encode()
    opened: set[str] = set()
    declared: set[str] = set()
    for chunk in _chunks(node, commons_id, last):
        out: list[str] = []
        for row, lines in chunk:
            day = str(row["recorded_at"])[:10]
            out += _firsts(day, lines, opened, declared, described)
            out += _transaction(day, row, lines, known)
        yield "".join(line + "\n" for line in out).encode()


Described = Mapping[str, tuple[int, str, str]]  # currency: (exponent, kind, name)


def _firsts(day: str, lines: Sequence[Mapping[str, object]], opened: set[str],
            declared: set[str], described: Described) -> list[str]:  # fmt: skip
    """The commodity and open directives a transaction needs first, on its day."""
    out = []
    for line in lines:
        currency = str(line["currency"])
        if currency not in declared:
            declared.add(currency)
            exponent, kind, title = described.get(currency, (2, "iso", currency))
            out += [
                f"{day} commodity {currency}",
                f"  name: {_string(title)}",
                f"  kind: {_string(kind)}",
                f'  exponent: "{exponent}"',
                "",
            ]
        account = beancount_account(str(line["account"]))
        if account not in opened:
            opened.add(account)
            out += [f"{day} open {account}", f"  books: {_string(line['account'])}", ""]
    return out


def _transaction(day: str, row: Mapping[str, object], lines: Sequence[Mapping[str, object]],
                 known: Mapping[str, int]) -> list[str]:  # fmt: skip
    memo = str(row["memo"]) or str(row["kind"])
    tags = " #reversed" if row["reversed_by"] is not None else ""
    out = [f"{day} * {_string(row['kind'])} {_string(memo)}{tags}", *_metadata(row)]
    for line in lines:
        currency, amount = str(line["currency"]), int(str(line["amount_minor"]))
        account = beancount_account(str(line["account"]))
        out.append(f"  {account}  {_amount(currency, amount, known)} {currency}")
    out.append("")
    return out
