"""Bank details stay node-local: where a person asks a commons to pay them.

The books record that the treasurer paid someone, with the bank's reference (``economy.payment.
record``), never where the money went: an IBAN in a public, forkable journal would be there for
ever. So a person keeps the details to be paid at (free text: an IBAN, the account's name, a
payment address) on this node, per commons, in the node-local table ``bank_details``; they
never enter a journal, a mirror or a fork, and a node that hosts the commons elsewhere does not
have them.

Who reads them: the person, and the commons' treasurers (``commonwork.economy.books.
is_treasurer``: the treasurer role granted by decision and not recalled, or the founder while
they hold the founder's role) — the people who pay. Everyone else is refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.economy.books import is_treasurer
from commonwork.errors import BadInput, NotAllowed, NotFound
from commonwork.node.node import Node
from commonwork.node.state import DbState
from commonwork.node.tables import bank_details
from commonwork.services.journals import require_head

#: The longest bank details kept (characters).
MAX_DETAILS = 2000


@dataclass(frozen=True)
class BankDetails:
    """What ``did`` asked ``commons_id`` to pay them at (empty: nothing kept)."""

    commons_id: str
    did: str
    details: str
    updated_at: str | None


def _clean(details: str) -> str:
    text = "\n".join(line.rstrip() for line in details.strip().splitlines())
    if len(text) > MAX_DETAILS:
        raise BadInput(f"bank details are at most {MAX_DETAILS} characters, not {len(text)}")
    if any(ord(char) < 32 and char not in "\n\t" for char in text):
        raise BadInput("bank details are text: no control characters")
    return text


def _read(conn: sa.Connection, commons_id: str, did: str) -> BankDetails:
    query = sa.select(bank_details.c.details, bank_details.c.updated_at).where(
        bank_details.c.did == did, bank_details.c.commons_id == commons_id
    )
    found = conn.execute(query).first()
    if found is None:
        return BankDetails(commons_id, did, "", None)
    return BankDetails(commons_id, did, str(found.details), str(found.updated_at))


def set_bank_details(node: Node, *, did: str, commons_id: str, details: str) -> BankDetails:
    """Keep (or, with empty ``details``, forget) the bank details ``did`` is to be paid at by
    ``commons_id``, on this node only."""
    text = _clean(details)
    with node.reading() as conn:
        require_head(conn, commons_id)
    at = node.clock()
    with node.writing() as conn:
        conn.execute(
            sa.delete(bank_details).where(
                bank_details.c.did == did, bank_details.c.commons_id == commons_id
            )
        )
        if not text:
            return BankDetails(commons_id, did, "", None)
        conn.execute(
            sa.insert(bank_details).values(
                did=did, commons_id=commons_id, details=text, updated_at=at
            )
        )
    return BankDetails(commons_id, did, text, at)


def own_bank_details(node: Node, *, did: str, commons_id: str) -> BankDetails:
    """The bank details ``did`` keeps for ``commons_id`` (empty when none)."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        return _read(conn, commons_id, did)


def may_read(conn: sa.Connection, commons_id: str, reader: str, payee: str) -> bool:
    """Whether ``reader`` may read ``payee``'s bank details: their own, or a treasurer's."""
    return reader == payee or is_treasurer(DbState(conn), commons_id, reader)


def payee_bank_details(node: Node, *, commons_id: str, reader: str, payee: str) -> BankDetails:
    """``payee``'s bank details for ``commons_id``, for a treasurer of it (or the payee):
    NotAllowed for anyone else, NotFound when the payee keeps none."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        if not may_read(conn, commons_id, reader, payee):
            raise NotAllowed(
                "only the commons' treasurers (and the person themselves) read where a person "
                "is paid: bank details stay on this node, out of the public books",
                reason="not_the_treasurer",
            )
        found = _read(conn, commons_id, payee)
    if found.updated_at is None:
        raise NotFound(f"{payee} keeps no bank details for this commons on this node")
    return found


def readable_bank_details(
    node: Node, *, commons_id: str, reader: str | None, payee: str
) -> BankDetails | None:
    """``payee``'s bank details if ``reader`` may read them and some are kept, else None (for
    a page that shows them to the treasurer only)."""
    if reader is None:
        return None
    with node.reading() as conn:
        if not may_read(conn, commons_id, reader, payee):
            return None
        found = _read(conn, commons_id, payee)
    return found if found.updated_at is not None else None
