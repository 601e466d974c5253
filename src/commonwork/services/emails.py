"""E-mail addresses members claim on this node, so that ``import-git`` can credit their commits.

An address is private (DESIGN §3.1): it lives in the node-local table ``email_claims`` and never
enters a journal. Claiming an address is consent: the claimant lets imports on this node sign,
with the claimant's own key, the commits and reviews made under that address. So only a member
whose key this node holds may claim one — a web account (its custodial key) or a local identity
of the command line — and each address belongs to one member at most.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import email_validator
import sqlalchemy as sa

from commonwork.commons.tables import members
from commonwork.errors import BadInput, Conflict, NotAllowed, NotFound
from commonwork.journal.actions import now
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.tables import custodial_keys, email_claims
from commonwork.services.journals import require_head

MAX_EMAIL = 254
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")


@dataclass(frozen=True)
class EmailClaim:
    email: str
    did: str
    claimed_at: str

    def as_json(self) -> dict[str, str]:
        return {"email": self.email, "did": self.did, "claimed_at": self.claimed_at}


def valid_email(text: str) -> str:
    """``text`` as a checked e-mail address, in lower case: the syntax of RFC 5321/5322 as the
    ``email-validator`` library reads it (no control or bidirectional characters, a domain with
    a dot that is not a special-use name such as .test or .local). Deliverability is not
    checked: a node need not reach the network. BadInput, saying what is wrong, otherwise."""
    email = text.strip()
    shown = email if len(email) <= 80 else email[:77] + "..."
    if len(email) > MAX_EMAIL:
        raise BadInput(f"{shown!r} is too long for an e-mail address (at most {MAX_EMAIL})")
    try:
        checked = email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise BadInput(
            f"{shown!r} is not an e-mail address ({exc}); write it as name@example.org"
        ) from exc
    normal: str = checked.normalized.lower()
    return normal


def stored_email(text: str) -> str:
    """An address as claims are kept (lower case), to find a claim made under older, looser
    checks too; BadInput for what cannot be an address at all."""
    email = text.strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        shown = email if len(email) <= 80 else email[:77] + "..."
        raise BadInput(f"{shown!r} is not an e-mail address: write it as name@example.org")
    return email


def held_keypairs(node: Node, dids: Iterable[str]) -> dict[str, Keypair]:
    """The keys of ``dids`` that this node holds: web accounts' custodial keys and local
    identities' keys (a did whose key is elsewhere is left out)."""
    wanted = set(dids)
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(custodial_keys.c.did, custodial_keys.c.sealed_seed).where(
                custodial_keys.c.did.in_(sorted(wanted))
            )
        ).all()
    held = {row.did: node.kek.unseal(row.sealed_seed) for row in rows}
    for name in node.identities.names():
        if not wanted - held.keys():
            break
        keypair = node.identities.load(name).keypair
        if keypair.did in wanted:
            held.setdefault(keypair.did, keypair)
    return held


def _claim(row: sa.RowMapping) -> EmailClaim:
    return EmailClaim(row["email"], row["did"], row["claimed_at"])


def _taken(email: str) -> Conflict:
    return Conflict(
        f"{email} is claimed by another member on this node; if it is yours, ask them to "
        "release it (or the node's operator to remove the claim)"
    )


def claim_email(node: Node, *, did: str, email: str) -> tuple[EmailClaim, bool]:
    """Claim ``email`` for ``did``; returns the claim and whether it is new (claiming an address
    one holds already changes nothing). Conflict if another member holds it."""
    email = valid_email(email)
    if did not in held_keypairs(node, [did]):
        raise NotAllowed(
            f"this node holds no key of {did}: only a web account of this node or a local "
            "identity (commonwork id) may claim an address, because imports sign with its key"
        )
    try:
        with node.writing() as conn:
            row = conn.execute(sa.select(email_claims).where(email_claims.c.email == email))
            found = row.mappings().first()
            if found is not None:
                if found["did"] != did:
                    raise _taken(email)
                return _claim(found), False
            claim = EmailClaim(email, did, now())
            conn.execute(sa.insert(email_claims).values(**claim.as_json()))
    except sa.exc.IntegrityError as exc:  # claimed by someone else at the same moment
        raise _taken(email) from exc
    return claim, True


def release_email(node: Node, *, did: str, email: str) -> None:
    """Give up ``did``'s claim on ``email``: later imports no longer sign for that address (what
    they signed before stays in the journals)."""
    email = stored_email(email)
    with node.writing() as conn:
        deleted = conn.execute(
            sa.delete(email_claims).where(email_claims.c.email == email, email_claims.c.did == did)
        )
        if deleted.rowcount == 0:
            raise NotFound(f"you have no claim on {email}; list yours to see what you claimed")


def list_claims(node: Node, did: str) -> list[EmailClaim]:
    """The addresses ``did`` has claimed, in alphabetical order."""
    query = sa.select(email_claims).where(email_claims.c.did == did).order_by(email_claims.c.email)
    with node.reading() as conn:
        return [_claim(row) for row in conn.execute(query).mappings()]


def claimants(node: Node, emails: Iterable[str] | None = None) -> dict[str, str]:
    """``{email: did}`` of the claimed addresses (of ``emails`` only, if given: lower case)."""
    query = sa.select(email_claims.c.email, email_claims.c.did)
    with node.reading() as conn:
        if emails is None:
            return {row.email: row.did for row in conn.execute(query)}
        wanted = sorted(set(emails))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = conn.execute(query.where(email_claims.c.email.in_(chunk)))
            found.update({row.email: row.did for row in rows})
        return found


def signers_in(node: Node, commons_id: str) -> tuple[dict[str, str], dict[str, Keypair]]:
    """Whom an import into ``commons_id`` may sign for: ``{address: did}`` of the addresses
    claimed by its active members whose key this node holds, and those keys."""
    claims = claimants(node)
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        if head.host != node.host_key.did:
            raise NotAllowed(
                f"this node holds a copy of commons {commons_id}; import on its host, {head.host}"
            )
        active = conn.execute(
            sa.select(members.c.member).where(
                members.c.commons_id == commons_id,
                members.c.status == "active",
                members.c.member.in_(sorted(set(claims.values()))),
            )
        )
        dids = {row.member for row in active}
    keys = held_keypairs(node, dids)
    return {address: did for address, did in claims.items() if did in keys}, keys
