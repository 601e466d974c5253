"""Keys the node keeps: its host key, its key-encryption key, and local identities for the CLI.

Files live in the data directory with mode 0600. Custodial keys of web accounts are kept in the
database sealed (XSalsa20-Poly1305, libsodium's SecretBox) under the node's key-encryption key, so
a copy of the database alone reveals no secret key; a person can export their key at any time and
sign for themselves.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nacl.exceptions
import nacl.secret
import nacl.utils
import orjson

from commonwork.errors import BadInput, Conflict, NotFound
from commonwork.journal.actions import now
from commonwork.journal.keys import Keypair, b64url, b64url_decode

IDENTITY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _load_or_create_secret(path: Path) -> bytes:
    if not path.exists():
        # Another process of this node may create it first: then read theirs.
        with contextlib.suppress(FileExistsError):
            _write_private(path, b64url(nacl.utils.random(32)).encode() + b"\n")
    return b64url_decode(path.read_text().strip(), length=32, what=f"the key in {path}")


def load_host_key(data_dir: Path) -> Keypair:
    """The node's host key (created on first start): it countersigns every entry it appends."""
    return Keypair(_load_or_create_secret(data_dir / "host.key"))


class KeyEncryptionKey:
    """Seals and unseals custodial secret keys."""

    def __init__(self, data_dir: Path) -> None:
        self._box = nacl.secret.SecretBox(_load_or_create_secret(data_dir / "kek.key"))

    def seal(self, keypair: Keypair) -> str:
        return b64url(bytes(self._box.encrypt(keypair.seed)))

    def unseal(self, sealed: str) -> Keypair:
        try:
            return Keypair(self._box.decrypt(b64url_decode(sealed, length=72, what="a sealed key")))
        except nacl.exceptions.CryptoError as exc:
            raise BadInput(
                "a custodial key cannot be unsealed: the node's kek.key is not the one it was "
                "sealed with"
            ) from exc


@dataclass(frozen=True)
class Identity:
    name: str
    keypair: Keypair
    created_at: str


class LocalIdentities:
    """Named signing identities kept by this node for the command line (DATA_DIR/identities)."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "identities"

    def _path(self, name: str) -> Path:
        if not IDENTITY_NAME.fullmatch(name):
            raise BadInput(
                f"{name!r} is not a usable identity name: letters, digits, _ . - (up to 64)"
            )
        return self.folder / f"{name}.json"

    def create(self, name: str, keypair: Keypair | None = None) -> Identity:
        path = self._path(name)
        if path.exists():
            raise Conflict(f"an identity named {name!r} exists already; choose another name")
        identity = Identity(name, keypair or Keypair.generate(), now())
        record = {
            "name": name,
            "did": identity.keypair.did,
            "secret": identity.keypair.export_secret(),
            "created_at": identity.created_at,
        }
        _write_private(path, orjson.dumps(record, option=orjson.OPT_INDENT_2))
        return identity

    def load(self, name: str) -> Identity:
        path = self._path(name)
        if not path.exists():
            raise NotFound(
                f"there is no local identity {name!r}; create one with: commonwork id new {name}"
            )
        record = orjson.loads(path.read_bytes())
        return Identity(record["name"], Keypair.from_secret(record["secret"]), record["created_at"])

    def names(self) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(path.stem for path in self.folder.glob("*.json"))
