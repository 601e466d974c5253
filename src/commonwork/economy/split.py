"""Splitting an amount exactly, in integer minor units: the largest-remainder method.

``amount`` is shared by weights (value points in milli-points): each gets the floor of its exact
share ``amount * weight / total``; the units left over (fewer than the number of recipients) go
one each to the largest remainders, ties broken by the recipient's id (a did, in byte order).
The shares sum to ``amount`` exactly, each is within one unit of its exact value, and the result
depends on nothing but the inputs: every node computes the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Share(NamedTuple):
    """One recipient's share (a tuple: a payout makes 100,000 of them)."""

    recipient: str
    weight: int
    amount: int  # minor units
    #: The exact share is (amount * weight) / total = ``floor + remainder / total``.
    floor: int
    remainder: int
    total: int
    rounded_up: bool


def largest_remainder(amount: int, weights: Sequence[tuple[str, int]]) -> list[Share]:
    """``amount`` (>= 0) split by ``weights`` (recipient, weight > 0; recipients distinct), in
    recipient order; ValueError on a weight <= 0 or no weight at all."""
    if amount < 0:
        raise ValueError("a split amount is not negative")
    if not weights:
        raise ValueError("nobody to split among")
    if min(weight for _, weight in weights) <= 0:
        raise ValueError("every weight is positive")
    total = sum(weight for _, weight in weights)
    floors = [divmod(amount * weight, total) for _, weight in weights]
    left = amount - sum(part for part, _ in floors)
    up: set[int] = set()
    if left:
        # The largest remainders first, ties by recipient: they get one unit more each.
        order = sorted(range(len(weights)), key=lambda i: (-floors[i][1], weights[i][0]))
        up = set(order[:left])
    shares = [
        Share(recipient, weight, part + (index in up), part, rest, total, index in up)
        for index, ((recipient, weight), (part, rest)) in enumerate(
            zip(weights, floors, strict=True)
        )
    ]
    if any(shares[i].recipient > shares[i + 1].recipient for i in range(len(shares) - 1)):
        shares.sort(key=lambda share: share.recipient)
    return shares
