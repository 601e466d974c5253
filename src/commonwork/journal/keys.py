"""Ed25519 keys as ``did:key`` identifiers, signing and verification with libsodium (PyNaCl).

A did:key for Ed25519 is ``did:key:z`` + base58btc(0xED 0x01 + 32-byte public key). Public keys
that are not canonical encodings of a point, or that are of small order, are refused: libsodium
would refuse their signatures anyway, and refusing the key up front gives a clearer error.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from functools import lru_cache

import nacl.bindings
import nacl.exceptions
import nacl.signing

from commonwork.errors import BadKey, BadSignature, CommonworkError, InvalidAction

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}
_ED25519_MULTICODEC = b"\xed\x01"
DID_PREFIX = "did:key:z"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_B58_ALPHABET[rest])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + _B58_INDEX[char]
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(
    text: str, *, length: int, what: str, error: type[CommonworkError] = InvalidAction
) -> bytes:
    """Decode strict base64url without padding into exactly ``length`` bytes."""
    if not isinstance(text, str) or not _b64url_shape(length).fullmatch(text):
        chars = (length * 4 + 2) // 3
        raise error(
            f"{what} must be {length} bytes in unpadded base64url: {chars} characters of "
            "A-Z a-z 0-9 - _, in canonical form"
        )
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=16)
def _b64url_shape(length: int) -> re.Pattern[str]:
    """The one canonical unpadded base64url spelling of ``length`` bytes, as a pattern.

    The last character carries 2 (or 4) meaningful bits; the rest must be zero, so it is one of a
    few letters, or two strings would decode to the same bytes.
    """
    full, rest = divmod(length, 3)
    last = {0: "", 1: "[A-Za-z0-9_-][AQgw]", 2: "[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]"}[rest]
    return re.compile(f"[A-Za-z0-9_-]{{{4 * full}}}{last}")


def did_from_public_key(public_key: bytes) -> str:
    return DID_PREFIX + b58encode(_ED25519_MULTICODEC + public_key)


def public_key_from_did(did: str) -> bytes:
    """The 32-byte Ed25519 public key inside ``did``; BadKey if it is not a usable key."""
    if not isinstance(did, str):
        raise BadKey(f"a did:key is a string, not {type(did).__name__}")
    return _public_key_from_did(did)


@lru_cache(maxsize=65536)
def _public_key_from_did(did: str) -> bytes:
    if not did.startswith(DID_PREFIX):
        raise BadKey(f"{did!r} is not a did:key (it must start with {DID_PREFIX!r})")
    try:
        raw = b58decode(did[len(DID_PREFIX) :])
    except ValueError as exc:
        raise BadKey(f"{did!r} is not valid base58btc: {exc}") from exc
    if len(raw) != 34 or raw[:2] != _ED25519_MULTICODEC:
        raise BadKey(f"{did!r} is not an Ed25519 did:key (multicodec 0xed01 + 32 bytes)")
    public_key = raw[2:]
    if did_from_public_key(public_key) != did:
        raise BadKey(f"{did!r} is not the canonical encoding of its key")
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(public_key):
        raise BadKey(f"{did!r} is a small-order or non-canonical Ed25519 point")
    return public_key


@lru_cache(maxsize=65536)
def _verify_key(did: str) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(public_key_from_did(did))


def verify(did: str, message: bytes, signature: bytes, *, what: str) -> None:
    """Raise BadSignature unless ``signature`` is ``did``'s signature over ``message``."""
    try:
        _verify_key(did).verify(message, signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise BadSignature(f"{what} does not verify against {did}") from exc


@dataclass(frozen=True)
class Keypair:
    """An Ed25519 signing key and its did:key."""

    seed: bytes = field(repr=False)
    did: str = field(init=False)
    _signing: nacl.signing.SigningKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise BadKey("an Ed25519 seed is exactly 32 bytes")
        signing = nacl.signing.SigningKey(self.seed)
        object.__setattr__(self, "_signing", signing)
        object.__setattr__(self, "did", did_from_public_key(bytes(signing.verify_key)))

    @classmethod
    def generate(cls) -> Keypair:
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @classmethod
    def from_secret(cls, text: str) -> Keypair:
        """From the exported form: the seed in unpadded base64url."""
        return cls(b64url_decode(text.strip(), length=32, what="the secret key"))

    def export_secret(self) -> str:
        return b64url(self.seed)

    def sign(self, message: bytes) -> bytes:
        return self._signing.sign(message).signature
