"""did:key for Ed25519, strict base64url, and signatures as libsodium checks them.

The small-order and non-canonical encodings are checked here with a few lines of plain Edwards
curve arithmetic, so the test does not trust the library it is testing to say which points are bad.
"""

from __future__ import annotations

from typing import Any

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonwork.errors import BadKey, BadSignature, InvalidAction
from commonwork.journal.keys import (
    DID_PREFIX,
    Keypair,
    b58decode,
    b58encode,
    b64url,
    b64url_decode,
    did_from_public_key,
    public_key_from_did,
    verify,
)

# --- Ed25519 arithmetic (RFC 8032 §5.1), affine coordinates: slow and simple --------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # order of the prime subgroup
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1)
Point = tuple[int, int]


def decode_point(data: bytes) -> Point | None:
    """The point an encoding names (RFC 8032 §5.1.3), reducing y mod p; None if off the curve."""
    number = int.from_bytes(data, "little")
    sign, y = number >> 255, (number & ((1 << 255) - 1)) % P
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x & 1 != sign:
        x = (P - x) % P
    return x, y


def encode_point(point: Point) -> bytes:
    x, y = point
    return (y | (x & 1) << 255).to_bytes(32, "little")


def add(a: Point, b: Point) -> Point:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return x3, y3


def multiply(point: Point, scalar: int) -> Point:
    result = IDENTITY
    while scalar:
        if scalar & 1:
            result = add(result, point)
        point = add(point, point)
        scalar >>= 1
    return result


#: The eight points of order dividing 8, as published (e.g. in libsodium's blocklist and in
#: "Taming the many EdDSAs", Chalkias et al. 2020). ``test_the_small_order_list_is_right`` checks
#: each of them with the arithmetic above.
SMALL_ORDER_HEX = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity, order 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # (0, -1), order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
]
SMALL_ORDER = [bytes.fromhex(item) for item in SMALL_ORDER_HEX]


def non_canonical_encodings() -> list[bytes]:
    """Encodings whose y is at least p (y = p + k), with either sign bit, and x=0 with sign 1."""
    found = [((P + k) | sign << 255).to_bytes(32, "little") for k in range(19) for sign in (0, 1)]
    found.append(bytes.fromhex("01" + "00" * 30 + "80"))  # the identity with the sign bit set
    found.append(bytes.fromhex("ec" + "ff" * 30 + "ff"))  # (0, -1) with the sign bit set
    return found


def _did_of_raw(raw: bytes) -> str:
    return DID_PREFIX + b58encode(raw)


SEEDS = st.binary(min_size=32, max_size=32)
ZERO_SEED_PUBLIC = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
ZERO_SEED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


# --- did:key ------------------------------------------------------------------------------------


def test_known_vector_the_all_zero_seed() -> None:
    keypair = Keypair(bytes(32))
    assert keypair.did.startswith("did:key:z6Mk")
    assert keypair.did == ZERO_SEED_DID  # the example of the W3C CCG did:key specification
    assert public_key_from_did(keypair.did).hex() == ZERO_SEED_PUBLIC


def test_rfc8032_test_1_public_key() -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    keypair = Keypair(seed)
    assert public_key_from_did(keypair.did).hex() == public
    assert did_from_public_key(bytes.fromhex(public)) == keypair.did


@given(SEEDS)
def test_did_round_trip(seed: bytes) -> None:
    keypair = Keypair(seed)
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    assert keypair.did.startswith("did:key:z6Mk")
    assert did_from_public_key(public) == keypair.did
    assert public_key_from_did(keypair.did) == public
    assert Keypair.from_secret(keypair.export_secret()).did == keypair.did


@given(st.binary(max_size=40))
def test_base58_round_trip_keeps_leading_zeros(data: bytes) -> None:
    text = b58encode(data)
    assert b58decode(text) == data
    assert set(text) <= set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")


def test_the_small_order_list_is_right() -> None:
    decoded = [decode_point(encoding) for encoding in SMALL_ORDER]
    points = [point for point in decoded if point is not None]
    assert len(set(points)) == 8
    for encoding, point in zip(SMALL_ORDER, points, strict=True):
        assert encode_point(point) == encoding  # canonical encodings
        assert multiply(point, 8) == IDENTITY
    orders = sorted(next(n for n in (1, 2, 4, 8) if multiply(p, n) == IDENTITY) for p in points)
    assert orders == [1, 2, 4, 4, 8, 8, 8, 8]


@pytest.mark.parametrize("encoding", SMALL_ORDER, ids=SMALL_ORDER_HEX)
def test_small_order_points_are_refused(encoding: bytes) -> None:
    with pytest.raises(BadKey, match="small-order or non-canonical"):
        public_key_from_did(did_from_public_key(encoding))


@pytest.mark.parametrize("encoding", non_canonical_encodings(), ids=lambda e: e.hex()[:4])
def test_non_canonical_encodings_are_refused(encoding: bytes) -> None:
    with pytest.raises(BadKey):
        public_key_from_did(did_from_public_key(encoding))


def test_some_non_canonical_encodings_name_real_points() -> None:
    """So the refusal above is about the encoding, not only about points off the curve."""
    on_curve = [e for e in non_canonical_encodings() if decode_point(e) is not None]
    assert len(on_curve) >= 4
    for encoding in on_curve:
        point = decode_point(encoding)
        assert point is not None
        assert encode_point(point) != encoding


def test_a_key_with_a_small_order_component_is_refused() -> None:
    public = bytes(nacl.signing.SigningKey(bytes(range(32))).verify_key)
    point, torsion = decode_point(public), decode_point(SMALL_ORDER[4])
    assert point is not None
    assert torsion is not None
    mixed = encode_point(add(point, torsion))
    assert public_key_from_did(did_from_public_key(public)) == public
    with pytest.raises(BadKey):
        public_key_from_did(did_from_public_key(mixed))


def test_off_curve_points_are_refused() -> None:
    for y in range(2, 40):
        encoding = y.to_bytes(32, "little")
        if decode_point(encoding) is None:
            with pytest.raises(BadKey):
                public_key_from_did(did_from_public_key(encoding))


GOOD_PUBLIC = bytes(nacl.signing.SigningKey(bytes([7]) * 32).verify_key)


@pytest.mark.parametrize(
    "did",
    [
        _did_of_raw(b"\xec\x01" + GOOD_PUBLIC),  # X25519
        _did_of_raw(b"\xe7\x01" + b"\x02" + GOOD_PUBLIC),  # secp256k1, 33 bytes
        _did_of_raw(b"\x12\x00" + GOOD_PUBLIC),
        _did_of_raw(b"\xed" + GOOD_PUBLIC),  # multicodec cut short
        _did_of_raw(b"\xed\x01" + GOOD_PUBLIC[:31]),  # 31-byte key
        _did_of_raw(b"\xed\x01" + GOOD_PUBLIC + b"\x00"),  # 33-byte key
        _did_of_raw(b"\x00\xed\x01" + GOOD_PUBLIC),  # a leading zero byte
        _did_of_raw(b"\xed\x01" + GOOD_PUBLIC)[:-1],
        "did:key:z",
        "did:key:",
        "did:key:" + b58encode(b"\xed\x01" + GOOD_PUBLIC),  # no multibase prefix
        "did:key:m" + b64url(b"\xed\x01" + GOOD_PUBLIC),  # another multibase
        "did:web:example.org",
        "DID:KEY:z" + b58encode(b"\xed\x01" + GOOD_PUBLIC),
        "",
        " " + _did_of_raw(b"\xed\x01" + GOOD_PUBLIC),
        _did_of_raw(b"\xed\x01" + GOOD_PUBLIC) + "\n",
    ],
)
def test_wrong_multicodec_length_or_prefix_is_refused(did: str) -> None:
    with pytest.raises(BadKey):
        public_key_from_did(did)


@pytest.mark.parametrize("char", ["0", "O", "I", "l", "+", "/", "=", "-", "_", "\u00e9", "\u0661"])
def test_characters_outside_base58_are_refused(char: str) -> None:
    good = _did_of_raw(b"\xed\x01" + GOOD_PUBLIC)
    assert public_key_from_did(good) == GOOD_PUBLIC
    for position in (len(DID_PREFIX), len(good) // 2, len(good) - 1):
        bad = good[:position] + char + good[position + 1 :]
        with pytest.raises(BadKey):
            public_key_from_did(bad)


@pytest.mark.parametrize("did", [None, 42, b"did:key:z6Mk", ["did:key:z6Mk"], {"did": "x"}])
def test_a_did_that_is_not_a_string_is_refused(did: Any) -> None:
    """The caller may hand in any JSON value (e.g. an action's 'author'): BadKey, never a crash."""
    with pytest.raises(BadKey):
        public_key_from_did(did)


# --- signatures ---------------------------------------------------------------------------------


@given(SEEDS, st.binary(max_size=200))
def test_sign_and_verify(seed: bytes, message: bytes) -> None:
    keypair = Keypair(seed)
    signature = keypair.sign(message)
    verify(keypair.did, message, signature, what="the test signature")
    with pytest.raises(BadSignature):
        verify(keypair.did, message + b"!", signature, what="the test signature")


@given(SEEDS, SEEDS)
def test_a_signature_by_another_key_is_refused(seed: bytes, other_seed: bytes) -> None:
    if seed == other_seed:
        return
    signer, claimed = Keypair(seed), Keypair(other_seed)
    with pytest.raises(BadSignature, match=claimed.did):
        verify(claimed.did, b"message", signer.sign(b"message"), what="the signature")


def test_a_malleated_signature_s_plus_l_is_refused() -> None:
    keypair = Keypair(bytes(range(32)))
    signature = keypair.sign(b"message")
    verify(keypair.did, b"message", signature, what="the original")
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    assert s < L
    malleated = r + (s + L).to_bytes(32, "little")
    # The malleated signature is mathematically valid ([S+L]B = [S]B) but not canonical.
    with pytest.raises(BadSignature):
        verify(keypair.did, b"message", malleated, what="the malleated")


def test_a_signature_with_a_small_order_r_is_refused() -> None:
    keypair = Keypair(bytes(range(32)))
    for r in SMALL_ORDER:
        with pytest.raises(BadSignature):
            verify(keypair.did, b"message", r + bytes(32), what="the forged")


def test_keypair_refuses_seeds_of_the_wrong_length() -> None:
    for size in (0, 31, 33, 64):
        with pytest.raises(BadKey):
            Keypair(bytes(size))


# --- strict base64url ---------------------------------------------------------------------------


@given(st.binary(max_size=80))
def test_b64url_round_trip(data: bytes) -> None:
    text = b64url(data)
    assert "=" not in text
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert b64url_decode(text, length=len(data), what="data") == data


@given(st.text(max_size=30), st.integers(min_value=0, max_value=20))
def test_b64url_decode_accepts_only_the_one_canonical_text(text: str, length: int) -> None:
    try:
        data = b64url_decode(text, length=length, what="data")
    except InvalidAction:
        return
    assert len(data) == length
    assert b64url(data) == text


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("AA==", 1),  # padded
        ("AA=", 1),
        ("AAA=", 2),
        ("AAAAAAAAAAAAAAAAAAAAAA==", 16),
        ("AB", 1),  # trailing bits not zero
        ("AAB", 2),
        ("AAAAAAAAAAAAAAAAAAAAAB", 16),
        ("AAAAAAAAAAAAAAAAAAAAAA", 15),  # wrong length
        ("AAAAAAAAAAAAAAAAAAAAAA", 17),
        ("AAAAAAAAAAAAAAAAAAAAA", 16),
        ("AAAAAAAAAAAAAAAAAAAAAAA", 16),
        ("", 1),
        ("A", 1),
        ("+/+/+/+/+/+/+/+/+/+/+w", 16),  # standard base64 alphabet
        ("AAAAAAAAAA AAAAAAAAAAA", 16),
        ("AAAAAAAAAAAAAAAAAAAAAA\n", 16),
        ("AAAAAAAAAA.AAAAAAAAAAA", 16),
        ("AAAAAAAAAA\u00e9AAAAAAAAAA", 16),
    ],
)
def test_b64url_decode_refuses(text: str, length: int) -> None:
    with pytest.raises(InvalidAction):
        b64url_decode(text, length=length, what="the nonce")


def test_b64url_decode_raises_the_error_asked_for() -> None:
    with pytest.raises(BadSignature, match="'author_sig'"):
        b64url_decode("AA==", length=1, what="'author_sig'", error=BadSignature)
    for value in (None, 1, b"AA", ["AA"]):  # the wrong types on purpose: hence the ignore below
        with pytest.raises(BadSignature):
            b64url_decode(value, length=1, what="'author_sig'", error=BadSignature)  # type: ignore[arg-type]
