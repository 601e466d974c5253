"""Canonical JSON: RFC 8785 (JCS) restricted to a profile every encoder agrees on.

The profile: UTF-8; object keys made of ``[a-z0-9_]``; integers within ±(2**53 - 1); no floats;
strings without lone surrogates. Inside that profile, orjson with sorted keys produces exactly the
bytes RFC 8785 prescribes (proved by the property tests against the ``rfc8785`` package): keys are
ASCII so byte order equals UTF-16 order, and orjson escapes exactly the characters JCS escapes.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from commonwork.errors import MalformedJson, NonCanonical

MAX_SAFE_INTEGER = 2**53 - 1
KEY_PATTERN = re.compile(r"[a-z0-9_]+")
_SORT = orjson.OPT_SORT_KEYS


_good_keys: set[str] = set()  # keys already seen to match KEY_PATTERN (field names repeat)


def _inside(value: Any) -> bool:
    """True when ``value`` is inside the profile: the fast path, with no paths built."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for key, item in value.items():
            if key not in _good_keys:
                if type(key) is not str or not KEY_PATTERN.fullmatch(key):
                    return False
                if len(_good_keys) < 10_000:
                    _good_keys.add(key)
            if not _inside(item):
                return False
        return True
    if kind is list:
        return all(_inside(item) for item in value)
    return False


def check_profile(value: Any, path: str = "$") -> None:
    """Raise NonCanonical, naming the JSON path, if ``value`` is outside the canonical profile."""
    try:
        if not _inside(value):
            _explain(value, path)
    except RecursionError as exc:
        raise NonCanonical(f"{path}: the JSON is nested too deeply to be an action") from exc


def _explain(value: Any, path: str) -> None:
    """Find and report where ``value`` leaves the profile (the slow path, on failure only)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return
        raise NonCanonical(
            f"{path}: the integer {value} is beyond ±(2^53-1); "
            "send large numbers as decimal strings"
        )
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not KEY_PATTERN.fullmatch(key):
                raise NonCanonical(
                    f"{path}: the key {key!r} is not allowed; keys use only a-z, 0-9 and _"
                )
            _explain(item, f"{path}.{key}")
        return
    if kind is list:
        for index, item in enumerate(value):
            _explain(item, f"{path}[{index}]")
        return
    if kind is float:
        raise NonCanonical(
            f"{path}: {value!r} is a floating-point number (or an integer too large to be exact); "
            "quantities and money are decimal strings or integer minor units"
        )
    raise NonCanonical(f"{path}: a value of type {kind.__name__} cannot be canonical JSON")


def canon(value: Any) -> bytes:
    """The canonical bytes of ``value``; refuses anything outside the profile."""
    check_profile(value)
    return canon_checked(value)


def canon_checked(value: Any) -> bytes:
    """The canonical bytes of a value already known to be inside the profile (hot paths)."""
    try:
        return orjson.dumps(value, option=_SORT)
    except (TypeError, orjson.JSONEncodeError) as exc:
        # orjson refuses lone surrogates in strings, which the profile excludes as well.
        raise NonCanonical(f"cannot encode as canonical JSON: {exc}") from exc


def parse(data: bytes | str) -> Any:
    """Parse JSON text and check it is inside the canonical profile."""
    value = parse_json(data)
    check_profile(value)
    return value


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text; MalformedJson with the position when it cannot be read."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MalformedJson(f"the body is not valid UTF-8 JSON: {exc}") from exc
