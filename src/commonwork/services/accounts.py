"""Web accounts: sign up, sign in and out, and the custodial key each account signs with.

Accounts, password hashes and sessions are node-local and never enter the journal. Each account
owns one Ed25519 key kept sealed by the node; the person can export it (after giving the password
again) and from then on sign for themselves with any client.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import argon2
import sqlalchemy as sa

from commonwork.errors import AuthenticationFailed, BadInput, Conflict
from commonwork.journal.actions import format_time, now
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.tables import accounts, custodial_keys, sessions

SESSION_DAYS = 30
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")
_hasher = argon2.PasswordHasher()


@dataclass(frozen=True)
class Account:
    account_id: int
    email: str
    display_name: str
    did: str


def _account(row: sa.RowMapping) -> Account:
    return Account(row["account_id"], row["email"], row["display_name"], row["did"])


def sign_up(node: Node, *, email: str, password: str, display_name: str) -> Account:
    """Create an account and its custodial signing key."""
    email = email.strip().lower()
    display_name = display_name.strip()
    if not _EMAIL.fullmatch(email):
        raise BadInput(f"{email!r} does not look like an e-mail address")
    if len(password) < 8:
        raise BadInput("choose a password of at least 8 characters")
    if not 1 <= len(display_name) <= 100:
        raise BadInput("give a display name of 1 to 100 characters")
    keypair = Keypair.generate()
    with node.writing() as conn:
        taken = conn.execute(sa.select(accounts.c.account_id).where(accounts.c.email == email))
        if taken.first() is not None:
            raise Conflict(f"an account for {email} exists already; sign in instead")
        account_id = conn.execute(
            sa.insert(accounts)
            .values(
                email=email,
                display_name=display_name,
                password_hash=_hasher.hash(password),
                did=keypair.did,
                created_at=now(),
            )
            .returning(accounts.c.account_id)
        ).scalar_one()
        conn.execute(
            sa.insert(custodial_keys).values(
                did=keypair.did, account_id=account_id, sealed_seed=node.kek.seal(keypair)
            )
        )
    return Account(account_id, email, display_name, keypair.did)


def _check_password(node: Node, email: str, password: str) -> Account:
    with node.reading() as conn:
        row = (
            conn.execute(sa.select(accounts).where(accounts.c.email == email.strip().lower()))
            .mappings()
            .first()
        )
    try:
        if row is None:
            raise argon2.exceptions.VerificationError
        _hasher.verify(row["password_hash"], password)
    except argon2.exceptions.VerificationError as exc:
        raise AuthenticationFailed(
            "the e-mail address or the password is wrong; check both and try again"
        ) from exc
    return _account(row)


def sign_in(node: Node, *, email: str, password: str) -> tuple[Account, str]:
    """Check the password and open a session; returns the account and the session token."""
    account = _check_password(node, email, password)
    token = secrets.token_urlsafe(32)
    expires = format_time(datetime.now(UTC) + timedelta(days=SESSION_DAYS))
    with node.writing() as conn:
        conn.execute(
            sa.insert(sessions).values(
                token_hash=_token_hash(token),
                account_id=account.account_id,
                created_at=now(),
                expires_at=expires,
            )
        )
    return account, token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_for_session(node: Node, token: str | None) -> Account | None:
    if not token:
        return None
    query = (
        sa.select(accounts)
        .join(sessions, sessions.c.account_id == accounts.c.account_id)
        .where(sessions.c.token_hash == _token_hash(token), sessions.c.expires_at > now())
    )
    with node.reading() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else _account(row)


def sign_out(node: Node, token: str) -> None:
    with node.writing() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def custodial_keypair(node: Node, account: Account) -> Keypair:
    with node.reading() as conn:
        sealed = conn.execute(
            sa.select(custodial_keys.c.sealed_seed).where(custodial_keys.c.did == account.did)
        ).scalar_one()
    return node.kek.unseal(sealed)


def export_key(node: Node, *, account: Account, password: str) -> dict[str, str]:
    """The account's secret key, for the person to sign with elsewhere (password required)."""
    _check_password(node, account.email, password)
    keypair = custodial_keypair(node, account)
    return {"did": keypair.did, "secret": keypair.export_secret()}
