"""The engine's carried state and its outputs (see engine.py for the fold itself)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from commonwork.commons.policy import Policies

PENDING, ACCEPTED, DISPUTED = 0, 1, 2


@dataclass(frozen=True)
class Numbers:
    """The policies as the float and integer constants the day step uses."""

    half_life: float
    threshold_micro: float
    validator_minimum: float
    validator_cap: float
    lazy_minimum: float
    challenge_days: int
    reciprocity_days: int
    discount: float
    month_cap_milli: int | None

    @classmethod
    def of(cls, policies: Policies) -> Numbers:
        rules = policies.validation
        month_cap = policies.value.per_member_per_month
        return cls(
            half_life=float(policies.standing.half_life_days),
            threshold_micro=float(int(rules.threshold * 1_000_000)),
            validator_minimum=float(rules.validator_minimum),
            validator_cap=float(rules.validator_cap),
            lazy_minimum=float(rules.lazy_minimum),
            challenge_days=rules.challenge_days,
            reciprocity_days=rules.reciprocity_days,
            discount=float(rules.reciprocity_discount),
            month_cap_milli=None if month_cap is None else month_cap * 1000,
        )


@dataclass(eq=False)
class DayState:
    """Everything the fold carries from one day to the next, as of the start of ``day``."""

    policies: Policies
    day: int
    ref_day: int
    scaled: NDArray[np.float64]  # per member; standing(d) = scaled * 2^((ref_day - d)/h)
    seed: NDArray[np.int64]  # per member
    status: NDArray[np.int8]  # per contribution
    accepted_day: NDArray[np.int32]
    weight_micro: NDArray[np.float64]  # summed approval weight, whole millionths
    points_milli: NDArray[np.int64]  # what an accepted contribution carries
    settled_milli: NDArray[np.int64]  # the quantity adjustments settled on, -1 if none
    validation_weight: NDArray[np.float64]  # per validation: what it weighed, 0 if nothing
    author_credit_milli: NDArray[np.int64]  # per CSR author entry: the points credited
    value_points_milli: NDArray[np.int64]  # per member, lifetime
    month: int
    month_used_milli: NDArray[np.int64]  # per member, this calendar month
    approval_keys: NDArray[np.int64]  # reciprocity index of approvals before ``day``

    def copy(self) -> DayState:
        """A copy whose arrays can be changed; the reciprocity index is shared (never mutated),
        and so is ``validation_weight``, which the caller replaces before changing it (one copy
        of the days it keeps instead of two: it is the largest array)."""
        mutable = (
            "scaled",
            "status",
            "accepted_day",
            "weight_micro",
            "points_milli",
            "settled_milli",
            "author_credit_milli",
            "value_points_milli",
            "month_used_milli",
        )
        return replace(self, **{name: getattr(self, name).copy() for name in mutable})


@dataclass(frozen=True, eq=False)
class Result:
    """The figures as of ``as_of_day``. ``points_milli`` is what each accepted contribution
    carries (0 otherwise) and ``settled_milli`` the quantity validators' adjustments settled on
    (-1 when nobody adjusted it); ``validation_weight`` what each validation weighed (0 when it
    did not count); ``author_credit_milli`` what each author got of it, aligned with the ledger's
    CSR author entries; ``skill_standing`` is members * skills when asked for."""

    as_of_day: int
    half_life_days: int
    status: NDArray[np.int8]
    accepted_day: NDArray[np.int32]
    points_milli: NDArray[np.int64]
    settled_milli: NDArray[np.int64]
    validation_weight: NDArray[np.float64]
    author_credit_milli: NDArray[np.int64]
    value_points_milli: NDArray[np.int64]
    standing: NDArray[np.float64]
    seed: NDArray[np.int64]
    skill_standing: NDArray[np.float64] | None = None


@dataclass(frozen=True)
class Term:
    """One addend of a member's standing: a contribution (-1 for the founder's seed), the day it
    was accepted (0, genesis, for the seed), the member's milli-points of it, the decay factor
    as of the asked day and the product (points * decay)."""

    contribution: int
    accepted_day: int
    points_milli: int
    decay: float
    standing: float
