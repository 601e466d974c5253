"""Decimal strings: how quantities, estimates and shares are written in the journal (never floats).

Arithmetic on them uses :class:`decimal.Decimal` only, so a sum of shares is exact.
"""

from __future__ import annotations

import re
from decimal import Decimal

DECIMAL = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?")
SHARE = re.compile(r"(0|1)(\.[0-9]{1,4})?")


def positive_decimal(value: str) -> str:
    """``value`` if it is a positive decimal string such as '2.5'; ValueError otherwise."""
    if not DECIMAL.fullmatch(value) or not any(ch in "123456789" for ch in value):
        raise ValueError(
            "must be a positive decimal string such as '2.5' (up to 4 decimals, no sign)"
        )
    return value


def share_decimal(value: str) -> str:
    """``value`` if it is a share strictly between 0 and 1 such as '0.25'; ValueError otherwise."""
    if not SHARE.fullmatch(value) or not Decimal(0) < Decimal(value) < Decimal(1):
        raise ValueError(
            "a share is a decimal string above 0 and below 1, such as '0.25' (up to 4 decimals)"
        )
    return value


def decimal_text(value: Decimal) -> str:
    """The shortest decimal string of ``value``: Decimal('0.5000') → '0.5', Decimal('1') → '1'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
