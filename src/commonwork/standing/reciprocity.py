"""Which validations are approvals traded back: reciprocity as a sorted array of packed keys.

Every approval of member ``u`` of work co-authored by ``a`` on day ``t`` becomes one key
``((u * members + a) << DAY_BITS) | t``; the keys sorted are the index. Whether ``a`` approved work
of ``v`` on a day in ``[d - window, d]`` is then one ``searchsorted`` for the largest key at most
``((a * members + v) << DAY_BITS) | d``: a hit has the same pair and a day at least ``d - window``.
Approvals later than ``d`` sort above the probe, so one index over all days answers every day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from commonwork.standing.ledger import APPROVE, DAY_BITS, Ledger, expand

DAY_MASK = (1 << DAY_BITS) - 1


def pack(
    approver: NDArray[np.int32], author: NDArray[np.int32], day: NDArray[np.int32], members: int
) -> NDArray[np.int64]:
    pair = approver.astype(np.int64) * members + author
    return np.asarray((pair << DAY_BITS) | day, dtype=np.int64)


def reciprocated(
    index: NDArray[np.int64],
    author: NDArray[np.int32],
    validator: NDArray[np.int32],
    day: NDArray[np.int32],
    window: int,
    members: int,
) -> NDArray[np.bool_]:
    """For each row: did ``author`` approve work of ``validator`` within ``window`` days up to
    ``day`` (inclusive), according to ``index``?"""
    if not len(index) or not len(author):
        return np.zeros(len(author), bool)
    probe = pack(author, validator, day, members)
    found = np.searchsorted(index, probe, side="right") - 1
    key = index[np.maximum(found, 0)]
    same_pair = (key >> DAY_BITS) == (probe >> DAY_BITS)
    recent = (key & DAY_MASK) >= day.astype(np.int64) - window
    return np.asarray((found >= 0) & same_pair & recent)


@dataclass(frozen=True)
class Annotated:
    """Per validation row of a slice: is the validator an author, and the reciprocity factor;
    with the index keys of the slice's approvals."""

    own: NDArray[np.bool_]
    factor: NDArray[np.float64]
    keys: NDArray[np.int64]


def annotate(
    ledger: Ledger,
    lo: int,
    hi: int,
    window: int,
    discount: float,
    earlier: Sequence[NDArray[np.int64]] = (),
) -> Annotated:
    """Annotate validations ``lo:hi``; reciprocity looks in their own approvals and ``earlier``."""
    contribution = ledger.validation_contribution[lo:hi]
    validator = ledger.validator[lo:hi]
    day = ledger.validation_day[lo:hi]
    entries, owner = expand(ledger.author_ptr, contribution)
    author = ledger.author_idx[entries]
    row_validator = validator[owner]
    own = np.zeros(hi - lo, bool)
    own[owner[author == row_validator]] = True
    approving = (ledger.verdict[lo:hi][owner] == APPROVE) & ~own[owner]
    members = ledger.members
    keys = np.unique(
        pack(row_validator[approving], author[approving], day[owner][approving], members)
    )
    hit = np.zeros(len(owner), bool)
    for index in (keys, *earlier):
        hit |= reciprocated(index, author, row_validator, day[owner], window, members)
    traded = np.zeros(hi - lo, bool)
    traded[owner[hit & ~own[owner]]] = True
    factor = np.where(traded, discount, 1.0)
    return Annotated(own, factor, keys)
