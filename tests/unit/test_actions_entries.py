"""Actions (what an author signs) and entries (what the host appends): form, size, time, signatures
and the canonical wire line."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonwork.errors import (
    BadKey,
    BadSignature,
    InvalidAction,
    MalformedJson,
    NonCanonical,
    TooLarge,
)
from commonwork.journal.actions import (
    ACTION_DOMAIN,
    MAX_ACTION_BYTES,
    build_action,
    check_action_form,
    check_signed,
    format_time,
    parse_time,
    sign_action,
)
from commonwork.journal.canonical import canon
from commonwork.journal.entries import (
    ENTRY_DOMAIN,
    Entry,
    check_entry_signatures,
    parse_entry,
    seal_entry,
)
from commonwork.journal.keys import Keypair, b64url

AUTHOR = Keypair(bytes([1]) * 32)
OTHER = Keypair(bytes([2]) * 32)
HOST = Keypair(bytes([3]) * 32)
COMMONS = "ab" * 32
AT = "2026-11-21T10:00:00.000Z"
JOIN = "commons.member.join"
FOUND = "commons.commons.found"


def join_action(**changes: Any) -> dict[str, Any]:
    action = build_action(
        type=JOIN,
        author=AUTHOR.did,
        body={"name": "Ada"},
        commons=COMMONS,
        at=AT,
        nonce=b64url(bytes(range(16))),
    )
    action.update(changes)
    return action


def signature_of(action: dict[str, Any], keypair: Keypair = AUTHOR) -> str:
    return b64url(keypair.sign(ACTION_DOMAIN + canon(action)))


# --- actions ------------------------------------------------------------------------------------


def test_sign_and_check_round_trip() -> None:
    action = join_action()
    signed = sign_action(AUTHOR, action)
    assert signed.action == action
    assert signed.canonical == canon(action)
    assert (signed.type, signed.author, signed.commons) == (JOIN, AUTHOR.did, COMMONS)
    again = check_signed(json.loads(json.dumps(signed.as_json())))
    assert again == signed


def test_build_action_fills_nonce_and_time() -> None:
    action = build_action(type=JOIN, author=AUTHOR.did, body={}, commons=COMMONS)
    check_action_form(action)
    other = build_action(type=JOIN, author=AUTHOR.did, body={}, commons=COMMONS)
    assert action["nonce"] != other["nonce"]
    assert len(action["nonce"]) == 22


@pytest.mark.parametrize("field", ["v", "commons", "type", "author", "nonce", "at", "body"])
def test_a_missing_field_is_refused(field: str) -> None:
    action = join_action()
    del action[field]
    with pytest.raises(InvalidAction):
        check_action_form(action)
    with pytest.raises(InvalidAction):
        check_signed({"action": action, "author_sig": signature_of(action)})


@pytest.mark.parametrize("field", ["extra", "host", "seq", "signature", "id"])
def test_an_extra_field_is_refused(field: str) -> None:
    action = join_action(**{field: "x"})
    with pytest.raises(InvalidAction, match=field):
        check_action_form(action)
    with pytest.raises(InvalidAction):
        check_signed({"action": action, "author_sig": signature_of(action)})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("v", 2),
        ("v", 0),
        ("v", "1"),
        ("v", None),
        ("v", True),  # JSON true is not the version number 1
        ("type", "join"),
        ("type", "commons.member"),
        ("type", "Commons.member.join"),
        ("type", "commons.member.join.now"),
        ("type", "commons..join"),
        ("type", 7),
        ("commons", "AB" * 32),
        ("commons", "ab" * 31),
        ("commons", "ab" * 33),
        ("commons", None),
        ("commons", 1),
        ("author", "did:key:zNotAKey"),
        ("author", OTHER.did + "x"),
        ("author", None),
        ("author", ["did:key"]),
        ("author", {"did": "x"}),
        ("nonce", "short"),
        ("nonce", b64url(bytes(15))),
        ("nonce", b64url(bytes(17))),
        ("nonce", b64url(bytes(16)) + "=="),
        ("nonce", 12345),
        ("nonce", ["x"]),
        ("at", "yesterday"),
        ("at", 1732183200),
        ("at", ["x"]),
        ("body", []),
        ("body", "text"),
        ("body", None),
        ("body", 1),
    ],
)
def test_a_field_of_the_wrong_form_is_refused(field: str, value: Any) -> None:
    action = join_action(**{field: value})
    with pytest.raises(InvalidAction):
        check_action_form(action)


def test_a_bad_author_key_is_a_bad_key() -> None:
    with pytest.raises(BadKey):
        check_action_form(join_action(author="did:key:z6MkNotBase58Il0O"))


@pytest.mark.parametrize("genesis", [FOUND, "commons.commons.fork"])
def test_genesis_types_carry_no_commons(genesis: str) -> None:
    action = join_action(type=genesis)
    with pytest.raises(InvalidAction, match="carries no 'commons'"):
        check_action_form(action)
    del action["commons"]
    check_action_form(action)
    assert sign_action(AUTHOR, action).commons is None


@pytest.mark.parametrize(
    "kind", [JOIN, "production.contribution.record", "governance.proposal.open"]
)
def test_other_types_must_carry_commons(kind: str) -> None:
    action = join_action(type=kind)
    check_action_form(action)
    del action["commons"]
    with pytest.raises(InvalidAction, match="'commons'"):
        check_action_form(action)


@pytest.mark.parametrize(
    "signed",
    [
        None,
        [],
        {"action": {}},
        {"author_sig": "x"},
        {"action": {}, "author_sig": "x", "more": 1},
        {"Action": {}, "author_sig": "x"},
    ],
)
def test_check_signed_wants_exactly_action_and_author_sig(signed: Any) -> None:
    with pytest.raises(InvalidAction, match="exactly two fields"):
        check_signed(signed)


def test_a_signature_by_another_key_is_refused() -> None:
    action = join_action()
    with pytest.raises(BadSignature):
        check_signed({"action": action, "author_sig": signature_of(action, OTHER)})


def test_a_signature_without_the_domain_is_refused() -> None:
    action = join_action()
    undomained = b64url(AUTHOR.sign(canon(action)))
    with pytest.raises(BadSignature):
        check_signed({"action": action, "author_sig": undomained})


def test_a_signature_over_other_content_is_refused() -> None:
    action = join_action()
    signature = signature_of(action)
    action["body"] = {"name": "Eve"}
    with pytest.raises(BadSignature):
        check_signed({"action": action, "author_sig": signature})


@pytest.mark.parametrize(
    "author_sig", ["", "AA", "x" * 86, b64url(bytes(63)), b64url(bytes(64)) + "==", None, 64]
)
def test_a_malformed_signature_is_a_bad_signature(author_sig: Any) -> None:
    with pytest.raises(BadSignature):
        check_signed({"action": join_action(), "author_sig": author_sig})


def test_a_float_in_the_body_is_refused_naming_its_path() -> None:
    action = join_action(body={"name": "Ada", "hours": 1.5})
    with pytest.raises(NonCanonical, match=r"^\$\.action\.body\.hours: "):
        check_signed({"action": action, "author_sig": "x"})


def _action_of_size(size: int) -> dict[str, Any]:
    action = join_action(body={"text": ""})
    action["body"]["text"] = "x" * (size - len(canon(action)))
    assert len(canon(action)) == size
    return action


def test_an_action_of_exactly_64_kib_is_accepted() -> None:
    action = _action_of_size(MAX_ACTION_BYTES)
    assert check_signed({"action": action, "author_sig": signature_of(action)}).action == action


@pytest.mark.parametrize("size", [MAX_ACTION_BYTES + 1, 65 * 1024, 1024 * 1024])
def test_a_larger_action_is_too_large(size: int) -> None:
    action = _action_of_size(size)
    with pytest.raises(TooLarge) as raised:
        check_signed({"action": action, "author_sig": signature_of(action)})
    assert raised.value.status == 413
    assert str(size) in raised.value.detail


def test_size_counts_utf8_bytes_not_characters() -> None:
    action = join_action(body={"text": "\u00e9" * (MAX_ACTION_BYTES // 2)})
    assert len(json.dumps(action, ensure_ascii=False)) < MAX_ACTION_BYTES
    with pytest.raises(TooLarge):
        check_signed({"action": action, "author_sig": signature_of(action)})


# --- time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-11-21T10:00:00.000Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z"],
)
def test_the_time_format(text: str) -> None:
    assert format_time(parse_time(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-21T10:00:00Z",  # no milliseconds
        "2026-11-21T10:00:00.0Z",
        "2026-11-21T10:00:00.000000Z",  # microseconds
        "2026-11-21T10:00:00.000",  # no zone
        "2026-11-21T10:00:00.000+00:00",
        "2026-11-21T10:00:00.000z",
        "2026-11-21t10:00:00.000Z",
        "2026-11-21 10:00:00.000Z",
        "2026-11-21T10:00:00,000Z",
        "20261121T100000.000Z",
        " 2026-11-21T10:00:00.000Z",
        "2026-11-21T10:00:00.000Z\n",
        "2026-11-21T10:00:00.000Z ",
        "+2026-11-21T10:00:00.000Z",
        "2026-13-01T10:00:00.000Z",  # no such month
        "2026-02-30T10:00:00.000Z",
        "2025-02-29T10:00:00.000Z",
        "2026-11-21T24:00:00.000Z",
        "2026-11-21T10:60:00.000Z",
        "2026-11-21T23:59:60.000Z",  # leap seconds are not in the format
        "",
    ],
)
def test_other_time_forms_are_refused(text: str) -> None:
    with pytest.raises(InvalidAction):
        parse_time(text)
    with pytest.raises(InvalidAction):
        check_action_form(join_action(at=text))


@pytest.mark.parametrize(
    "text",
    [
        "\u0662\u0660\u0662\u0666-11-21T10:00:00.000Z",  # Arabic-Indic digits
        "\uff12\uff10\uff12\uff16-11-21T10:00:00.000Z",  # fullwidth digits
        "2026-11-21T10:00:00.\u0966\u0966\u0966Z",  # Devanagari digits
    ],
)
def test_only_ascii_digits_make_a_time(text: str) -> None:
    """Times compare as strings in the chain (recorded_at never decreasing): only the one fixed
    ASCII form keeps string order equal to time order."""
    with pytest.raises(InvalidAction):
        parse_time(text)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_format_and_parse_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
    text = format_time(moment)
    assert parse_time(text) == moment
    assert format_time(parse_time(text)) == text


@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)),
)
def test_string_order_is_time_order(first: datetime, second: datetime) -> None:
    a, b = format_time(first.replace(tzinfo=UTC)), format_time(second.replace(tzinfo=UTC))
    assert (a < b) == (parse_time(a) < parse_time(b))


# --- entries ------------------------------------------------------------------------------------


def sealed(
    action: dict[str, Any] | None = None, *, seq: int = 1, prev: str | None = "cd" * 32
) -> Entry:
    signed = sign_action(AUTHOR, action or join_action())
    return seal_entry(HOST, seq=seq, prev=prev, recorded_at=AT, signed=signed)


def test_seal_and_parse_round_trip() -> None:
    entry = sealed()
    assert parse_entry(entry.line) == entry
    assert parse_entry(entry.line + b"\n") == entry
    assert entry.id == hashlib.sha256(entry.line).hexdigest()
    assert entry.line == canon(entry.as_json())
    check_entry_signatures(entry)


def test_a_genesis_entry_is_its_own_commons() -> None:
    action = join_action(type=FOUND)
    del action["commons"]
    entry = sealed(action, seq=0, prev=None)
    assert entry.is_genesis
    assert entry.commons_id() == entry.id
    assert parse_entry(entry.line) == entry
    assert sealed().commons_id() == COMMONS


@given(st.text(max_size=50), st.integers(min_value=1, max_value=2**40))
def test_any_sealed_entry_parses_back(name: str, seq: int) -> None:
    signed = sign_action(AUTHOR, join_action(body={"name": name, "tags": [name]}))
    entry = seal_entry(HOST, seq=seq, prev="0f" * 32, recorded_at=AT, signed=signed)
    assert parse_entry(entry.line) == entry
    check_entry_signatures(entry)


def _variants_of(entry: Entry) -> dict[str, bytes]:
    value = json.loads(entry.line)
    reordered = json.dumps(dict(reversed(list(value.items()))), separators=(",", ":")).encode()
    return {
        "spaces": json.dumps(value, sort_keys=True).encode(),
        "one space": entry.line.replace(b'"seq":', b'"seq": ', 1),
        "reordered keys": reordered,
        "ascii escapes": json.dumps(value, sort_keys=True, separators=(",", ":")).encode(),
        "escaped slash": entry.line.replace(b"did:key:", b"did:key\\u003a", 1),
        "leading space": b" " + entry.line,
        "trailing space": entry.line + b" ",
        "byte order mark": b"\xef\xbb\xbf" + entry.line,
        "duplicate key": entry.line[:-1] + b',"seq":' + str(entry.seq).encode() + b"}",
        "seq as 1.0": entry.line.replace(b'"seq":1}', b'"seq":1.0}', 1),
        "seq as 1e0": entry.line.replace(b'"seq":1}', b'"seq":1e0}', 1),
    }


@pytest.mark.parametrize(
    "variant",
    [
        "spaces",
        "one space",
        "reordered keys",
        "ascii escapes",
        "escaped slash",
        "leading space",
        "trailing space",
        "byte order mark",
        "duplicate key",
        "seq as 1.0",
        "seq as 1e0",
    ],
)
def test_a_non_canonical_line_is_refused(variant: str) -> None:
    entry = sealed(join_action(body={"name": "Zo\u00e9"}))
    line = _variants_of(entry)[variant]
    assert line != entry.line
    with pytest.raises((InvalidAction, MalformedJson, NonCanonical)):
        parse_entry(line)


def _line_with(entry: Entry, **changes: Any) -> bytes:
    value = json.loads(entry.line)
    for name, new in changes.items():
        if new is _DROP:
            del value[name]
        else:
            value[name] = new
    return canon(value)


class _Dropped:
    """Marks a field to remove; a stable repr keeps test ids equal across xdist workers."""

    def __repr__(self) -> str:
        return "<dropped>"


_DROP = _Dropped()


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": -1},
        {"seq": True},
        {"seq": "1"},
        {"prev": None},
        {"prev": "CD" * 32},
        {"prev": "cd" * 31},
        {"seq": 0},  # a genesis position with a prev
        {"host": "did:key:z6MkNope"},
        {"host": None},
        {"recorded_at": "2026-11-21T10:00:00Z"},
        {"recorded_at": None},
        {"action": "x"},
        {"host_sig": _DROP},
        {"author_sig": _DROP},
        {"recorded_at": _DROP},
        {"extra": 1},
    ],
    ids=repr,
)
def test_an_entry_of_the_wrong_form_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidAction):
        parse_entry(_line_with(sealed(), **changes))


def test_a_genesis_position_needs_prev_null() -> None:
    action = join_action(type=FOUND)
    del action["commons"]
    genesis = sealed(action, seq=0, prev=None)
    with pytest.raises(InvalidAction, match="'prev'"):
        parse_entry(_line_with(genesis, prev="cd" * 32))


def test_not_json_is_malformed() -> None:
    with pytest.raises(MalformedJson):
        parse_entry(b'{"seq":1,')
    with pytest.raises(InvalidAction):
        parse_entry(b"[]")


def _host_signature(entry: Entry, keypair: Keypair, **changes: Any) -> str:
    unsigned = {
        "seq": entry.seq,
        "prev": entry.prev,
        "recorded_at": entry.recorded_at,
        "host": entry.host,
        "action": entry.action,
        "author_sig": entry.author_sig,
        **changes,
    }
    return b64url(keypair.sign(ENTRY_DOMAIN + canon(unsigned)))


def test_check_entry_signatures_catches_a_wrong_host_sig() -> None:
    entry = sealed()
    forged = dataclasses.replace(entry, host_sig=_host_signature(entry, OTHER))
    with pytest.raises(BadSignature, match="'host_sig'"):
        check_entry_signatures(forged)
    claimed = dataclasses.replace(entry, host=OTHER.did)  # names another host, keeps the sig
    with pytest.raises(BadSignature, match="'host_sig'"):
        check_entry_signatures(claimed)
    moved = dataclasses.replace(entry, seq=entry.seq + 1)
    with pytest.raises(BadSignature, match="'host_sig'"):
        check_entry_signatures(moved)
    undomained = dataclasses.replace(
        entry, host_sig=b64url(HOST.sign(entry.line.replace(b',"host_sig"', b"", 1)))
    )
    with pytest.raises(BadSignature, match="'host_sig'"):
        check_entry_signatures(undomained)


def test_check_entry_signatures_catches_a_wrong_author_sig() -> None:
    entry = sealed()
    other_sig = signature_of(entry.action, OTHER)
    resigned = dataclasses.replace(
        entry,
        author_sig=other_sig,
        host_sig=_host_signature(entry, HOST, author_sig=other_sig),
    )
    with pytest.raises(BadSignature, match="'author_sig'"):
        check_entry_signatures(resigned)


def test_the_parsed_line_of_a_forged_entry_fails_its_signatures() -> None:
    entry = sealed()
    line = _line_with(entry, host_sig=_host_signature(entry, OTHER))
    parsed = parse_entry(line)  # the form is fine
    with pytest.raises(BadSignature):
        check_entry_signatures(parsed)


def test_a_validation_names_a_whole_contribution_id() -> None:
    from commonwork.errors import InvalidAction
    from commonwork.node.registry import spec_for

    spec = spec_for("production.contribution.validate")
    body = {"contribution": "a" * 64, "verdict": "approve", "reason": ""}
    assert spec.parse_body(body) is not None
    with pytest.raises(InvalidAction, match="contribution"):
        spec.parse_body(dict(body, contribution="a" * 70))
