"""Exact, portable decay of standing: integers and a table computed with Decimal.

Standing halves every ``half_life_days`` days. The factor for ``k`` whole days is

    F(k) = round_half_even(2^(-k/h) * 10^12)

computed with Python's decimal module at 50 significant digits (libmpdec, the same integer
arithmetic on every machine), and an amount of milli-points decays as ``amount * F(k) // 10^12``
(rounded down). No float enters anything the state digest covers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache

SCALE = 10**12
_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)


@lru_cache(maxsize=65536)
def factor(days: int, half_life_days: int) -> int:
    """F(days): the decay over ``days`` whole days, in units of 10^-12."""
    if days <= 0:
        return SCALE
    exponent = _CONTEXT.divide(Decimal(-days), Decimal(half_life_days))
    value = _CONTEXT.multiply(_CONTEXT.power(Decimal(2), exponent), Decimal(SCALE))
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def decayed(amount_milli: int, days: int, half_life_days: int) -> int:
    """``amount_milli`` after ``days`` days of decay, rounded down."""
    if days <= 0 or amount_milli == 0:
        return amount_milli
    return amount_milli * factor(days, half_life_days) // SCALE
