"""Canonical JSON: orjson with sorted keys equals RFC 8785 (the ``rfc8785`` package) byte for byte
inside the profile, and everything outside the profile is refused with an error naming where."""

from __future__ import annotations

import decimal
import json
import re
from typing import Any, Literal

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from commonwork.errors import MalformedJson, NonCanonical
from commonwork.journal.canonical import MAX_SAFE_INTEGER, canon, check_profile, parse, parse_json

SAFE_INTEGERS = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
UNSAFE_INTEGERS = st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(
    max_value=-MAX_SAFE_INTEGER - 1
)
NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
TEXT = st.text(alphabet=st.characters(blacklist_categories=NO_SURROGATES))
KEYS = st.from_regex(r"[a-z0-9_]+", fullmatch=True)
SCALARS = st.none() | st.booleans() | SAFE_INTEGERS | TEXT
PROFILE_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=30,
)

#: Strings whose escaping is where encoders most often disagree.
SPECIAL_STRINGS = [
    "",
    "\x00",
    "\x01\x02\x03\x04\x05\x06\x07",
    "\b\t\n\x0b\f\r",
    "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
    "\x7f",
    "\x80\x9f\xa0\xad",
    '"',
    "\\",
    "/",
    "</script>",
    "\u2028\u2029",
    "\ufeff",
    "\ufffd\uffff",
    "\U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0010ffff",
    "caf\u00e9 na\u0131ve \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "e\u0301",  # not normalised: JCS never normalises Unicode
    "\\u0041",  # a backslash followed by text that looks like an escape
]


def _equal_to_rfc8785(value: Any) -> None:
    assert canon(value) == rfc8785.dumps(value)


@given(PROFILE_VALUES)
def test_canon_equals_rfc8785_byte_for_byte(value: Any) -> None:
    _equal_to_rfc8785(value)


@given(PROFILE_VALUES)
def test_parse_inverts_canon(value: Any) -> None:
    encoded = canon(value)
    decoded = parse(encoded)
    assert decoded == value
    assert canon(decoded) == encoded  # also catches True/1 confusions that == would hide


@given(st.dictionaries(KEYS, SCALARS, min_size=2, max_size=8))
def test_key_order_does_not_matter(value: dict[str, Any]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canon(reversed_order) == canon(value)
    keys = list(json.loads(canon(value)))
    assert keys == sorted(keys)


@given(TEXT)
def test_any_text_equals_rfc8785(text: str) -> None:
    _equal_to_rfc8785(text)
    _equal_to_rfc8785({"k": text, "list": [text, text]})


@pytest.mark.parametrize("text", SPECIAL_STRINGS)
def test_special_strings_equal_rfc8785(text: str) -> None:
    _equal_to_rfc8785(text)
    _equal_to_rfc8785({"text": text})
    assert parse(canon(text)) == text


def test_escapes_are_the_short_forms_and_lowercase_hex() -> None:
    assert canon("\b\t\n\f\r") == b'"\\b\\t\\n\\f\\r"'
    assert canon("\x00\x1f\x0b") == b'"\\u0000\\u001f\\u000b"'
    assert canon("\x7f\u2028/") == '"\x7f\u2028/"'.encode()
    assert canon("\U0001f600") == b'"\xf0\x9f\x98\x80"'  # raw UTF-8, never \ud83d\ude00


def test_integer_bounds() -> None:
    for value in (0, 1, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER):
        _equal_to_rfc8785(value)
        assert parse(canon(value)) == value
    assert canon([True, False, None]) == b"[true,false,null]"


@given(UNSAFE_INTEGERS)
def test_integers_beyond_the_safe_range_are_refused(value: int) -> None:
    with pytest.raises(NonCanonical, match=r"^\$\.amount\[0\]: the integer"):
        canon({"amount": [value]})
    with pytest.raises(NonCanonical):
        parse(str(value))


def test_the_first_unsafe_integers_are_refused() -> None:
    for value in (2**53, -(2**53), 2**64, -(2**63) - 1):
        with pytest.raises(NonCanonical):
            canon(value)
        with pytest.raises(NonCanonical):
            parse(str(value).encode())


def _float_inside(children: st.SearchStrategy[tuple[Any, str]]) -> st.SearchStrategy[Any]:
    """A float (value, path suffix) wrapped once more in a list or an object."""

    def in_list(args: tuple[list[Any], tuple[Any, str], list[Any]]) -> tuple[Any, str]:
        before, (inner, suffix), after = args
        return [*before, inner, *after], f"[{len(before)}]{suffix}"

    def in_object(args: tuple[str, tuple[Any, str], dict[str, Any]]) -> tuple[Any, str]:
        key, (inner, suffix), others = args
        others.pop(key, None)
        return {**others, key: inner}, f".{key}{suffix}"

    fine = st.lists(PROFILE_VALUES, max_size=3)
    return st.tuples(fine, children, fine).map(in_list) | st.tuples(
        KEYS, children, st.dictionaries(KEYS, PROFILE_VALUES, max_size=3)
    ).map(in_object)


FLOAT_SOMEWHERE = st.recursive(st.floats().map(lambda f: (f, "")), _float_inside, max_leaves=6)


@given(FLOAT_SOMEWHERE)
def test_a_float_anywhere_is_refused_naming_its_path(case: tuple[Any, str]) -> None:
    value, suffix = case
    with pytest.raises(NonCanonical) as raised:
        canon(value)
    assert raised.value.detail.startswith(f"${suffix}: ")
    assert "floating-point" in raised.value.detail


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (1.0, "$"),
        (0.0, "$"),
        (-0.0, "$"),
        ({"quantity": 1.0}, "$.quantity"),
        ({"a": [1, 2, {"b": [0.5]}]}, "$.a[2].b[0]"),
        ([[[]], [float("inf")]], "$[1][0]"),
        ({"ok": 1, "nan": float("nan")}, "$.nan"),
    ],
)
def test_floats_including_whole_ones_are_refused(value: Any, path: str) -> None:
    with pytest.raises(NonCanonical, match="^" + re.escape(path) + ": "):
        canon(value)


@pytest.mark.parametrize("text", [b"1.0", b"1e2", b"-0.5", b'{"a":[1,2.5]}', b"1E0"])
def test_parse_refuses_json_floats(text: bytes) -> None:
    with pytest.raises(NonCanonical):
        parse(text)


@pytest.mark.parametrize(
    "key",
    ["Name", "ABC", "kebab-case", "with space", "", "caf\u00e9", "\u0430", "a.b", "a$", "1\n"],
)
def test_keys_outside_a_z_0_9_underscore_are_refused(key: str) -> None:
    with pytest.raises(NonCanonical, match="key"):
        canon({key: 1})
    with pytest.raises(NonCanonical, match=r"^\$\.outer\[0\]: the key"):
        canon({"outer": [{key: 1}]})
    with pytest.raises(NonCanonical):
        parse(json.dumps({key: 1}).encode())


@given(st.text(min_size=0, max_size=8).filter(lambda k: not _is_profile_key(k)))
def test_any_other_key_is_refused(key: str) -> None:
    with pytest.raises(NonCanonical):
        check_profile({key: None})


def _is_profile_key(key: str) -> bool:
    return bool(key) and all(ch in "abcdefghijklmnopqrstuvwxyz0123456789_" for ch in key)


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key"},
        (1, 2),
        {1, 2},
        b"bytes",
        decimal.Decimal("1"),
        object(),
    ],
)
def test_other_python_types_are_refused(value: Any) -> None:
    with pytest.raises(NonCanonical):
        canon(value)


def test_lone_surrogates_are_refused() -> None:
    for text in ("\ud800", "a\udfffb", "\udc00\ud800"):
        with pytest.raises(NonCanonical):
            canon({"text": text})
    with pytest.raises(MalformedJson):
        parse(b'"\\ud800"')


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b" ",
        b"{",
        b"[1,]",
        b'{"a":1,}',
        b"{'a':1}",
        b"NaN",
        b"Infinity",
        b"01",
        b"1 2",
        b'"unterminated',
        b'"\x00"',
        b'"\xff"',
        b'"\xc3"',
        b"\xef\xbb\xbf{}",
        b"tru",
        b"1e400",
    ],
)
def test_malformed_json_is_refused(text: bytes) -> None:
    with pytest.raises(MalformedJson):
        parse_json(text)
    with pytest.raises(MalformedJson):
        parse(text)


@given(st.binary(max_size=64))
def test_arbitrary_bytes_either_parse_or_are_refused(data: bytes) -> None:
    try:
        value = parse(data)
    except (MalformedJson, NonCanonical):
        return  # any other exception fails the test
    check_profile(value)
    assert parse(canon(value)) == value


def test_absurdly_deep_nesting_is_refused_not_crashed() -> None:
    from commonwork.errors import NonCanonical
    from commonwork.journal.canonical import check_profile

    value: object = "leaf"
    for _ in range(5000):
        value = [value]
    with pytest.raises(NonCanonical, match="nested too deeply"):
        check_profile(value)
