"""Adjust verdicts: the quantity a contribution is accepted at when validators adjusted it.

An adjustment is an approval at another quantity. Once a contribution is accepted, its quantity is
the weighted (lower) median of the quantities its counted approvals name, a plain approval naming
the claimed quantity, each weighing what it weighed towards acceptance. With no counted approval
(lazy acceptance) or no adjustment, the claimed quantity stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from commonwork.standing.ledger import Ledger


@dataclass
class Adjustments:
    """The ledger's adjust verdicts, and (built when first needed) its validations grouped by
    contribution."""

    ledger: Ledger
    rows: NDArray[np.int64] = field(init=False)
    _order: NDArray[np.int64] | None = field(default=None, init=False)
    _sorted: NDArray[np.int32] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.rows = np.flatnonzero(self.ledger.adjusted_quantity >= 0)

    def _of(self, contribution: int) -> NDArray[np.int64]:
        """The validations of one contribution (by a sort of them all, made once)."""
        if self._order is None or self._sorted is None:
            self._order = np.argsort(self.ledger.validation_contribution, kind="stable")
            self._sorted = self.ledger.validation_contribution[self._order]
        probe = np.int32(contribution)
        lo = int(np.searchsorted(self._sorted, probe, "left"))
        hi = int(np.searchsorted(self._sorted, probe, "right"))
        return self._order[lo:hi]

    def settle(
        self, accepted: NDArray[np.int64], weight: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The positions in ``accepted`` of contributions an adjustment that counted names, and
        the quantity (milli-units) each is accepted at."""
        if not len(self.rows):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        counted = self.rows[weight[self.rows] > 0]
        named = np.unique(self.ledger.validation_contribution[counted])
        hit = np.flatnonzero(np.isin(accepted, named))
        quantities = [self._median(int(accepted[i]), weight) for i in hit.tolist()]
        return hit.astype(np.int64), np.asarray(quantities, np.int64)

    def _median(self, contribution: int, weight: NDArray[np.float64]) -> int:
        rows = self._of(contribution)
        rows = rows[weight[rows] > 0]
        adjusted = self.ledger.adjusted_quantity[rows]
        claimed = self.ledger.quantity_milli[contribution]
        quantity = np.where(adjusted >= 0, adjusted, claimed)
        order = np.lexsort((rows, quantity))
        cumulative = np.cumsum(weight[rows][order])
        middle = int(np.searchsorted(cumulative, cumulative[-1] / 2, "left"))
        return int(quantity[order][middle])
