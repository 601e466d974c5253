"""Splitting an amount exactly, in integer minor units: the largest-remainder method.

``amount`` is shared by weights (value points in milli-points): each gets the floor of its exact
share ``amount * weight / total``; the units left over (fewer than the number of recipients) go
one each to the largest remainders, ties broken by the recipient's id (a did, in byte order).
The shares sum to ``amount`` exactly, each is within one unit of its exact value, and the result
depends on nothing but the inputs: every node computes the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Share:
    recipient: str
    weight: int
    amount: int  # minor units
    #: The exact share is (amount * weight) / total = ``floor + remainder / total``.
    floor: int
    remainder: int
    total: int
    rounded_up: bool


def largest_remainder(amount: int, weights: Sequence[tuple[str, int]]) -> list[Share]:
    """``amount`` (≥ 0) split by ``weights`` (recipient, weight > 0; recipients distinct), in
    recipient order; ValueError on a weight ≤ 0 or no weight at all."""
    if amount < 0:
        raise ValueError("a split amount is not negative")
    if not weights:
        raise ValueError("nobody to split among")
    total = 0
    for _, weight in weights:
        if weight <= 0:
            raise ValueError("every weight is positive")
        total += weight
    floors = [divmod(amount * weight, total) for _, weight in weights]
    left = amount - sum(part for part, _ in floors)
    # The largest remainders first, ties by recipient: they get one unit more each.
    order = sorted(range(len(weights)), key=lambda index: (-floors[index][1], weights[index][0]))
    up = set(order[:left])
    shares = [
        Share(
            recipient=recipient,
            weight=weight,
            amount=floors[index][0] + (1 if index in up else 0),
            floor=floors[index][0],
            remainder=floors[index][1],
            total=total,
            rounded_up=index in up,
        )
        for index, (recipient, weight) in enumerate(weights)
    ]
    return sorted(shares, key=lambda share: share.recipient)
