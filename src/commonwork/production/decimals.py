"""Decimal strings: how quantities and estimates are written in the journal (never floats)."""

from __future__ import annotations

import re

DECIMAL = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?")


def positive_decimal(value: str) -> str:
    """``value`` if it is a positive decimal string such as '2.5'; ValueError otherwise."""
    if not DECIMAL.fullmatch(value) or not any(ch in "123456789" for ch in value):
        raise ValueError(
            "must be a positive decimal string such as '2.5' (up to 4 decimals, no sign)"
        )
    return value
