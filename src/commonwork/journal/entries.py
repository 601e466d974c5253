"""Entries: what the host appends to a commons' journal, and their wire form (DESIGN §3.1).

entry = {"seq": N, "prev": id of entry N-1 (null for the genesis), "recorded_at": host time,
         "host": DID, "action": {...}, "author_sig": "..."}
host_sig = Ed25519(host, b"commonwork/entry/v1\\n" + canon(entry))
line     = canon(entry + {"host_sig": ...})     # one NDJSON line of the wire form
entry id = hex sha256(line)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from commonwork.errors import BadSignature, InvalidAction, TooLarge
from commonwork.journal import keys
from commonwork.journal.actions import (
    ACTION_DOMAIN,
    FORK_TYPE,
    GENESIS_TYPES,
    ID_PATTERN,
    MAX_ACTION_BYTES,
    SignedAction,
    check_action_form,
    parse_time,
)
from commonwork.journal.canonical import canon_checked, check_profile, parse_json

ENTRY_DOMAIN = b"commonwork/entry/v1\n"
_ENTRY_FIELDS = frozenset(
    {"seq", "prev", "recorded_at", "host", "action", "author_sig", "host_sig"}
)


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    prev: str | None
    recorded_at: str
    host: str
    action: dict[str, Any]
    author_sig: str
    host_sig: str
    line: bytes
    id: str

    @property
    def type(self) -> str:
        return str(self.action["type"])

    @property
    def author(self) -> str:
        return str(self.action["author"])

    @property
    def nonce(self) -> str:
        return str(self.action["nonce"])

    @property
    def is_genesis(self) -> bool:
        return self.type in GENESIS_TYPES

    @property
    def is_fork(self) -> bool:
        """A fork's first entry: it continues the parent's journal (DESIGN §3.2)."""
        return self.type == FORK_TYPE

    def body_json(self) -> dict[str, Any]:
        body: dict[str, Any] = self.action["body"]
        return body

    def commons_id(self) -> str:
        """The commons this entry belongs to: its own id for a genesis entry."""
        return self.id if self.is_genesis else str(self.action["commons"])

    def as_json(self) -> dict[str, Any]:
        value: dict[str, Any] = parse_json(self.line)
        return value


def seal_entry(
    host: keys.Keypair, *, seq: int, prev: str | None, recorded_at: str, signed: SignedAction
) -> Entry:
    """Countersign ``signed`` as entry ``seq`` after ``prev``."""
    unsigned = {
        "seq": seq,
        "prev": prev,
        "recorded_at": recorded_at,
        "host": host.did,
        "action": signed.action,
        "author_sig": signed.author_sig,
    }
    host_sig = keys.b64url(host.sign(ENTRY_DOMAIN + canon_checked(unsigned)))
    unsigned["host_sig"] = host_sig
    line = canon_checked(unsigned)
    return Entry(
        seq=seq,
        prev=prev,
        recorded_at=recorded_at,
        host=host.did,
        action=signed.action,
        author_sig=signed.author_sig,
        host_sig=host_sig,
        line=line,
        id=hashlib.sha256(line).hexdigest(),
    )


def parse_entry(line: bytes) -> Entry:
    """Read one wire line into an Entry, checking its form (not yet its signatures)."""
    value = parse_json(line)
    check_profile(value)
    if not isinstance(value, dict) or set(value) != _ENTRY_FIELDS:
        raise InvalidAction(f"an entry has exactly the fields {', '.join(sorted(_ENTRY_FIELDS))}")
    seq, prev = value["seq"], value["prev"]
    if type(seq) is not int or seq < 0:
        raise InvalidAction("'seq' must be a non-negative integer")
    if (seq == 0) != (prev is None) or (
        prev is not None and not (isinstance(prev, str) and ID_PATTERN.fullmatch(prev))
    ):
        raise InvalidAction("'prev' is null exactly for seq 0, else the 64-hex id of entry seq-1")
    parse_time(value["recorded_at"])
    check_action_form(value["action"])
    action_size = len(canon_checked(value["action"]))
    if action_size > MAX_ACTION_BYTES:
        raise TooLarge(f"the action of entry {seq} is {action_size} bytes; the limit is 64 KiB")
    keys.public_key_from_did(value["host"])
    canonical_line = canon_checked(value)
    if canonical_line != line.rstrip(b"\r\n"):
        raise InvalidAction("the entry is not in canonical form")
    return Entry(
        seq=seq,
        prev=prev,
        recorded_at=value["recorded_at"],
        host=value["host"],
        action=value["action"],
        author_sig=value["author_sig"],
        host_sig=value["host_sig"],
        line=canonical_line,
        id=hashlib.sha256(canonical_line).hexdigest(),
    )


def check_entry_signatures(entry: Entry) -> None:
    """Raise BadSignature unless both the author's and the host's signatures verify."""
    author_sig = keys.b64url_decode(
        entry.author_sig, length=64, what="'author_sig'", error=BadSignature
    )
    keys.verify(
        entry.author, ACTION_DOMAIN + canon_checked(entry.action), author_sig, what="'author_sig'"
    )
    host_sig = keys.b64url_decode(entry.host_sig, length=64, what="'host_sig'", error=BadSignature)
    unsigned = {
        "seq": entry.seq,
        "prev": entry.prev,
        "recorded_at": entry.recorded_at,
        "host": entry.host,
        "action": entry.action,
        "author_sig": entry.author_sig,
    }
    keys.verify(entry.host, ENTRY_DOMAIN + canon_checked(unsigned), host_sig, what="'host_sig'")


def signed_action_of(entry: Entry) -> SignedAction:
    return SignedAction(
        action=entry.action,
        author_sig=entry.author_sig,
        canonical=canon_checked(entry.action),
    )
