"""Web accounts: sign up, sign in and out, and the custodial key each account signs with.

Accounts, password hashes and sessions are node-local and never enter the journal. Each account
owns one Ed25519 key kept sealed by the node; the person can export it (after giving the password
again) and from then on sign for themselves with any client.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import argon2
import sqlalchemy as sa

from commonwork.errors import AuthenticationFailed, BadInput, Busy, Conflict
from commonwork.journal.actions import format_time, now
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.tables import accounts, custodial_keys, sessions
from commonwork.services.emails import MAX_EMAIL, valid_email

SESSION_DAYS = 30
_hasher = argon2.PasswordHasher()
#: Password hashes computed at once, at most: each takes the hasher's memory (64 MiB by default),
#: so a flood of sign-ins holds at most HASHING_SLOTS * 64 MiB; the others wait their turn.
HASHING_SLOTS = 2
#: How long a sign-in waits for a hashing slot before the node says it is busy (503).
HASHING_WAIT_SECONDS = 10
_hashing = threading.BoundedSemaphore(HASHING_SLOTS)


#: Checked against when the e-mail address has no account, so that an unknown address costs the
#: same work (and time) as a known one with a wrong password.
@functools.cache
def _no_account_hash() -> str:
    return _hash(secrets.token_urlsafe(16))


MAX_PASSWORD = 1000


@contextmanager
def _hashing_slot() -> Iterator[None]:
    if not _hashing.acquire(timeout=HASHING_WAIT_SECONDS):
        raise Busy(
            "the node is checking many passwords at once; try again in a moment",
            retry_after=5,
        )
    try:
        yield
    finally:
        _hashing.release()


def _hash(password: str) -> str:
    with _hashing_slot():
        hashed: str = _hasher.hash(password)
        return hashed


def _verify(hashed: str, password: str) -> bool:
    with _hashing_slot():
        try:
            return bool(_hasher.verify(hashed, password))
        except argon2.exceptions.VerificationError:
            return False
        except argon2.exceptions.InvalidHashError:
            return False


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
    email = valid_email(email)
    display_name = display_name.strip()
    if not 8 <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"choose a password of at least 8 characters (and at most {MAX_PASSWORD})")
    if not 1 <= len(display_name) <= 100:
        raise BadInput("give a display name of 1 to 100 characters")
    keypair = Keypair.generate()
    password_hash = _hash(password)  # before the write lock: hashing takes a while
    with node.writing() as conn:
        taken = conn.execute(sa.select(accounts.c.account_id).where(accounts.c.email == email))
        if taken.first() is not None:
            raise Conflict(f"an account for {email} exists already; sign in instead")
        account_id = conn.execute(
            sa.insert(accounts)
            .values(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
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


def login_key(email: str) -> str:
    """How sign-in attempts at an address are counted (known or not): its stored form."""
    return email.strip().lower()[:MAX_EMAIL]


def _check_password(node: Node, email: str, password: str) -> Account:
    """The account, if the password is right. An unknown address costs the same hashing work
    as a wrong password, and gets the same answer."""
    row = None
    if len(password) <= MAX_PASSWORD:
        with node.reading() as conn:
            row = (
                conn.execute(sa.select(accounts).where(accounts.c.email == login_key(email)))
                .mappings()
                .first()
            )
    hashed = _no_account_hash() if row is None else row["password_hash"]
    right = _verify(hashed, password[:MAX_PASSWORD])
    if row is None or not right:
        raise AuthenticationFailed(
            "the e-mail address or the password is wrong; check both and try again"
        )
    return _account(row)


def sign_in(node: Node, *, email: str, password: str) -> tuple[Account, str]:
    """Check the password and open a session; returns the account and the session token."""
    account = _check_password(node, email, password)
    return account, open_session(node, account)


def open_session(node: Node, account: Account) -> str:
    """A new session for ``account`` (just signed up, or signed in): its token."""
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
    return token


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
