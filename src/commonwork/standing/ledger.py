"""The engine's input: a commons' contributions and validations as plain numpy arrays.

Members, contributions and validations are indices (0..n-1); the loader that reads the journal
maps entry ids and dids to them. Days count from the commons' genesis (day 0, UTC, journal time).

- Contributions: ``contribution_day`` (the day recorded), ``kind`` (index into ``kind_names``),
  ``quantity_milli`` (quantity * 1000), ``skill`` (index into ``skill_names`` or -1), and the
  authors in CSR form: the authors of contribution ``i`` are
  ``author_idx[author_ptr[i]:author_ptr[i + 1]]`` with shares
  ``author_share_milli`` (in units of 1/``share_scale``: thousandths by default, summing to
  ``share_scale`` per contribution; the journal's shares have four decimals, so its loader uses
  10,000).
- Validations of each contribution's *current* version only (the loader leaves out those a
  correction superseded: they stop counting), sorted by (``validation_day``,
  ``validation_order``), the order being the journal sequence number; ``verdict`` 0 approves,
  1 disputes; ``validation_quantity_milli`` is an adjust verdict's quantity (an approval at that
  quantity), -1 for a plain approval or a dispute.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

APPROVE = 0
DISPUTE = 1
DAY_BITS = 20  # days fit in 20 bits (2,870 years): a (pair, day) key packs into one int64
MAX_DAY = (1 << DAY_BITS) - 1
MAX_MEMBERS = 1 << 21  # members² << DAY_BITS stays within int64

_DTYPES: dict[str, type[np.generic]] = {
    "contribution_day": np.int32,
    "kind": np.int32,
    "quantity_milli": np.int64,
    "skill": np.int32,
    "author_ptr": np.int64,
    "author_idx": np.int32,
    "author_share_milli": np.int64,
    "validation_contribution": np.int32,
    "validator": np.int32,
    "validation_day": np.int32,
    "validation_order": np.int64,
    "verdict": np.int8,
    "validation_quantity_milli": np.int64,
}


@dataclass(frozen=True, eq=False)
class Ledger:
    """Arrays are converted to the documented dtypes (no copy when they already match)."""

    members: int
    contribution_day: NDArray[np.int32]
    kind: NDArray[np.int32]
    quantity_milli: NDArray[np.int64]
    skill: NDArray[np.int32]
    author_ptr: NDArray[np.int64]
    author_idx: NDArray[np.int32]
    author_share_milli: NDArray[np.int64]
    validation_contribution: NDArray[np.int32]
    validator: NDArray[np.int32]
    validation_day: NDArray[np.int32]
    validation_order: NDArray[np.int64]
    verdict: NDArray[np.int8]
    kind_names: tuple[str, ...]
    skill_names: tuple[str, ...] = ()
    genesis: date = date(1970, 1, 1)
    share_scale: int = 1000
    validation_quantity_milli: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        if self.validation_quantity_milli is None:
            adjusted = np.full(len(self.validation_day), -1, np.int64)
            object.__setattr__(self, "validation_quantity_milli", adjusted)
        for name, dtype in _DTYPES.items():
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name), dtype=dtype))

    @property
    def adjusted_quantity(self) -> NDArray[np.int64]:
        """Per validation: the adjusted quantity in milli-units, or -1 (filled in at creation)."""
        quantities = self.validation_quantity_milli
        if quantities is None:  # __post_init__ fills it; this keeps the type narrow
            raise ValueError("malformed ledger: validation_quantity_milli missing")
        return quantities

    @property
    def n_contributions(self) -> int:
        return len(self.contribution_day)

    @property
    def n_validations(self) -> int:
        return len(self.validation_day)

    def replace(self, **changes: Any) -> Ledger:
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        values.update(changes)
        if "validation_quantity_milli" not in changes:
            old = self.adjusted_quantity
            grown = len(values["validation_day"]) - len(old)
            if grown:  # validations were appended: they adjust nothing unless said
                values["validation_quantity_milli"] = np.r_[old, np.full(grown, -1, np.int64)]
        return Ledger(**values)

    def check(self) -> None:
        """ValueError when the arrays break the documented shape (a loader bug, not user input)."""
        _check_contributions(self)
        _check_validations(self)


def _require(condition: bool | np.bool_, message: str) -> None:
    if not condition:
        raise ValueError(f"malformed ledger: {message}")


def _check_contributions(ledger: Ledger) -> None:
    n = ledger.n_contributions
    _require(0 < ledger.members <= MAX_MEMBERS, f"members must be in 1..{MAX_MEMBERS}")
    for name in ("kind", "quantity_milli", "skill"):
        _require(len(getattr(ledger, name)) == n, f"{name} must have one value per contribution")
    _require(
        bool(np.all((ledger.contribution_day >= 0) & (ledger.contribution_day <= MAX_DAY))),
        f"days must be in 0..{MAX_DAY}",
    )
    _require(bool(np.all(ledger.quantity_milli >= 0)), "quantities must not be negative")
    _require(bool(np.all((ledger.kind >= 0) & (ledger.kind < len(ledger.kind_names)))), "kind")
    skills = len(ledger.skill_names)
    _require(bool(np.all((ledger.skill >= -1) & (ledger.skill < skills))), "skill codes")
    ptr = ledger.author_ptr
    _require(len(ptr) == n + 1 and (n == 0 or ptr[0] == 0), "author_ptr must have n + 1 entries")
    _require(bool(np.all(np.diff(ptr) >= 1)), "every contribution needs at least one author")
    _require(int(ptr[-1]) == len(ledger.author_idx) == len(ledger.author_share_milli), "CSR size")
    members = ledger.author_idx
    _require(bool(np.all((members >= 0) & (members < ledger.members))), "author index")
    _require(bool(np.all(ledger.author_share_milli >= 0)), "shares must not be negative")
    if n:
        sums = np.add.reduceat(ledger.author_share_milli, ptr[:-1])
        scale = ledger.share_scale
        _require(bool(np.all(sums == scale)), f"author shares must sum to {scale} per contribution")


def _check_validations(ledger: Ledger) -> None:
    n = ledger.n_validations
    names = ("validation_contribution", "validator", "validation_order", "verdict")
    for name in (*names, "validation_quantity_milli"):
        _require(len(getattr(ledger, name)) == n, f"{name} must have one value per validation")
    contribution = ledger.validation_contribution
    _require(
        bool(np.all((contribution >= 0) & (contribution < ledger.n_contributions))),
        "validation_contribution index",
    )
    validator = ledger.validator
    _require(bool(np.all((validator >= 0) & (validator < ledger.members))), "validator index")
    _require(bool(np.all((ledger.verdict == APPROVE) | (ledger.verdict == DISPUTE))), "verdict")
    day = ledger.validation_day
    _require(bool(np.all((day >= 0) & (day <= MAX_DAY))), f"days must be in 0..{MAX_DAY}")
    later = np.diff(day)
    ordered = (later > 0) | ((later == 0) & (np.diff(ledger.validation_order) > 0))
    _require(bool(np.all(ordered)), "validations must be sorted by (day, order), orders unique")


def expand(
    ptr: NDArray[np.int64], rows: NDArray[Any]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The CSR entries of ``rows`` in row order, and for each entry its position in ``rows``."""
    starts = ptr[rows]
    lengths = ptr[np.asarray(rows) + 1] - starts
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    entries = starts[owner] + (np.arange(len(owner), dtype=np.int64) - first[owner])
    return entries.astype(np.int64, copy=False), owner
