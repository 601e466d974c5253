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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import argon2
import sqlalchemy as sa

from commonwork.errors import (
    AuthenticationFailed,
    BadInput,
    Busy,
    CommonworkError,
    Conflict,
    NotAllowed,
)
from commonwork.journal.actions import format_time, now
from commonwork.journal.keys import Keypair, b64url_decode, public_key_from_did, verify
from commonwork.node.node import Node
from commonwork.node.tables import accounts, custodial_keys, entries, sessions
from commonwork.services.emails import MAX_EMAIL, valid_email

SESSION_DAYS = 30
_hasher = argon2.PasswordHasher()
#: Password hashes computed at once, at most: each takes the hasher's memory (64 MiB by default),
#: so a flood of sign-ins holds at most HASHING_SLOTS * 64 MiB and one core; the others wait
#: their turn (measured: with two slots, twenty guessing addresses kept both cores hashing).
HASHING_SLOTS = 1
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
    #: When the key moved into the person's own browser; None while the node keeps it.
    key_held_since: str | None = None

    @property
    def holds_key(self) -> bool:
        """Whether the person's browser holds the key (the node has no secret of theirs)."""
        return self.key_held_since is not None


def _account(row: sa.RowMapping) -> Account:
    return Account(
        row["account_id"], row["email"], row["display_name"], row["did"], row["key_held_since"]
    )


#: What a browser signs with a key it generated, to show it holds the key it names.
ACCOUNT_KEY_DOMAIN = "commonwork/account-key/v1"


def key_proof_message(email: str, did: str) -> bytes:
    """The statement a person's browser signs with their own key at sign-up, or when their key
    moves from the node into the browser: this key is the key of this account."""
    return f"{ACCOUNT_KEY_DOMAIN}\n{email}\n{did}".encode()


def _check_key_proof(email: str, did: str, proof: str) -> None:
    try:
        public_key_from_did(did)
        signature = b64url_decode(proof, length=64, what="the key's proof")
        verify(did, key_proof_message(email, did), signature, what="the key's proof")
    except CommonworkError as exc:
        raise BadInput(
            f"the key your browser made could not be checked ({exc.detail}); reload the page "
            "and sign up again"
        ) from exc


def sign_up(
    node: Node,
    *,
    email: str,
    password: str,
    display_name: str,
    held_did: str | None = None,
    held_proof: str | None = None,
) -> Account:
    """Create an account: with a custodial signing key the node keeps sealed, or, given
    ``held_did`` and its ``held_proof`` (``key_proof_message`` signed by that key), with the
    key the person's browser made and holds, of which the node keeps no secret."""
    email = valid_email(email)
    display_name = display_name.strip()
    if not 8 <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"choose a password of at least 8 characters (and at most {MAX_PASSWORD})")
    if not 1 <= len(display_name) <= 100:
        raise BadInput("give a display name of 1 to 100 characters")
    keypair = Keypair.generate() if held_did is None else None
    if held_did is not None:
        _check_key_proof(email, held_did, held_proof or "")
    did = keypair.did if keypair is not None else str(held_did)
    created = now()
    held_since = None if keypair is not None else created
    password_hash = _hash(password)  # before the write lock: hashing takes a while
    with node.writing() as conn:
        taken = conn.execute(
            sa.select(accounts.c.email).where(
                sa.or_(accounts.c.email == email, accounts.c.did == did)
            )
        ).first()
        if taken is not None:
            if taken.email == email:
                raise Conflict(f"an account for {email} exists already; sign in instead")
            raise Conflict("that key belongs to another account already; make a new one")
        account_id = conn.execute(
            sa.insert(accounts)
            .values(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                did=did,
                created_at=created,
                key_held_since=held_since,
            )
            .returning(accounts.c.account_id)
        ).scalar_one()
        if keypair is not None:
            conn.execute(
                sa.insert(custodial_keys).values(
                    did=did, account_id=account_id, sealed_seed=node.kek.seal(keypair)
                )
            )
    return Account(account_id, email, display_name, did, held_since)


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
    """The account's key as the node keeps it, to sign for the person; NotAllowed when the
    person's browser holds the key (the node cannot sign for them)."""
    with node.reading() as conn:
        sealed = conn.execute(
            sa.select(custodial_keys.c.sealed_seed).where(custodial_keys.c.did == account.did)
        ).scalar()
    if sealed is None:
        raise NotAllowed(
            "your signing key is held in your own browser, so this node cannot sign for you: "
            "act on this node's pages in a browser that holds it (or import your backup file "
            "there), or sign the action yourself and send it to POST …/actions"
        )
    return node.kek.unseal(sealed)


def hold_key(node: Node, *, account: Account, proof: str) -> Account:
    """The person's browser now holds the account's key (it showed so by signing
    ``key_proof_message``): the node forgets its sealed copy and signs for them no more."""
    if account.holds_key:
        raise Conflict("your browser holds your key already; the node keeps no copy of it")
    _check_key_proof(account.email, account.did, proof)
    since = now()
    with node.writing() as conn:
        conn.execute(sa.delete(custodial_keys).where(custodial_keys.c.did == account.did))
        conn.execute(
            sa.update(accounts)
            .where(accounts.c.account_id == account.account_id)
            .values(key_held_since=since)
        )
    return replace(account, key_held_since=since)


def signers_since(node: Node, dids: Iterable[str]) -> dict[str, str]:
    """For the accounts among ``dids`` whose key their browser holds: since when (entries
    their key signed before that were signed by this node on their behalf)."""
    wanted = list(dids)
    if not wanted:
        return {}
    with node.reading() as conn:
        found = conn.execute(
            sa.select(accounts.c.did, accounts.c.key_held_since).where(
                accounts.c.did.in_(wanted), accounts.c.key_held_since.is_not(None)
            )
        )
        return {row.did: row.key_held_since for row in found}


def custodial_dids(node: Node, dids: Iterable[str]) -> set[str]:
    """Which of ``dids`` are keys this node keeps for an account (and signs with)."""
    wanted = list(dids)
    if not wanted:
        return set()
    with node.reading() as conn:
        found = conn.execute(
            sa.select(custodial_keys.c.did).where(custodial_keys.c.did.in_(wanted))
        )
        return {row.did for row in found}


def export_key(node: Node, *, account: Account, password: str) -> dict[str, str]:
    """The account's secret key, for the person to sign with elsewhere (password required)."""
    _check_password(node, account.email, password)
    keypair = custodial_keypair(node, account)
    return {"did": keypair.did, "secret": keypair.export_secret()}


#: Who signed an entry, as the pages say it.
SIGNED_BY_NODE = "this node, for them (a key it kept)"
SIGNED_IN_BROWSER = "their own key, in their browser"
SIGNED_ELSEWHERE = "their own key (not kept by this node)"


@dataclass(frozen=True)
class KeyKinds:
    """How a member's key is kept on this node, and which kind of key signed their entries."""

    summary: str
    by_seq: dict[int, str]


def key_kinds(node: Node, commons_id: str, did: str, seqs: Iterable[int]) -> KeyKinds:
    """Which kind of key signed the entries ``seqs`` of ``did`` in ``commons_id``: this node
    (an account's custodial key, or the account's key before it moved into the browser), the
    person's browser (after), or a key this node never held (not an account here). O(seqs)."""
    wanted = sorted(set(seqs))
    with node.reading() as conn:
        account = conn.execute(
            sa.select(accounts.c.key_held_since).where(accounts.c.did == did)
        ).first()
        times = dict(
            conn.execute(
                sa.select(entries.c.seq, entries.c.recorded_at).where(
                    entries.c.commons_id == commons_id, entries.c.seq.in_(wanted)
                )
            ).all()
        )
    if account is None:
        summary = "Their key is their own: this node never held it, and never signed for them."
        return KeyKinds(summary, dict.fromkeys(times, SIGNED_ELSEWHERE))
    since = account.key_held_since
    if since is None:
        summary = "This node keeps their key (custodial) and signs what they do on its pages."
        return KeyKinds(summary, dict.fromkeys(times, SIGNED_BY_NODE))
    summary = (
        f"Their browser holds their key since {since[:10]}: this node keeps no copy and cannot "
        "sign for them. Entries before that were signed by this node on their behalf."
    )
    kinds = {seq: SIGNED_BY_NODE if at < since else SIGNED_IN_BROWSER for seq, at in times.items()}
    return KeyKinds(summary, kinds)
