"""The policies a charter sets, with the defaults a commons gets for the parts it leaves out.

A charter with none of ``validation_policy``, ``value_policy`` and ``standing_policy`` keeps the
provisional rule (one approval and no dispute accepts a contribution). A charter with any of them
is governed by the standing engine, with the defaults below for the others. The founding member is
the default founder, seeded with twice the higher of ``validator_minimum`` and ``lazy_minimum``, so
that somebody can weigh in validations from the first day.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING
from functools import lru_cache
from typing import Any

import orjson

from commonwork.commons.policy import (
    CONTRIBUTION_KINDS,
    Policies,
    StandingPolicy,
    ValidationPolicy,
    ValuePolicy,
    decimal_text,
)
from commonwork.errors import InvalidAction

POLICY_FIELDS = ("validation_policy", "value_policy", "standing_policy")

DEFAULT_VALIDATION: dict[str, Any] = {
    "threshold": "10",
    "validator_cap": "6",
    "validator_minimum": "50",
    "challenge_days": 7,
    "lazy_minimum": "60",
    "reciprocity_days": 30,
    "reciprocity_discount": "0.5",
}
DEFAULT_VALUE: dict[str, Any] = {
    "version": 1,
    "kinds": {
        "work": "1",
        "review": "1",
        "care": "1",
        "resource_use": "0.5",
        "artifact": "2",
        "money": "0.01",
    },
    "cap_per_contribution": "40",
}
DEFAULT_HALF_LIFE_DAYS = 180


def has_policies(charter: Mapping[str, Any]) -> bool:
    return any(charter.get(name) is not None for name in POLICY_FIELDS)


@lru_cache(maxsize=64)
def charter_text_has_policies(charter_text: str) -> bool:
    """:func:`has_policies` of a projected charter (canonical JSON), remembered by its text: the
    rules and the reads ask this for every validation and every page."""
    return has_policies(orjson.loads(charter_text))


def _default_seed(validation: ValidationPolicy) -> int:
    highest = max(validation.validator_minimum, validation.lazy_minimum) * 2
    return int(highest.to_integral_value(rounding=ROUND_CEILING))


def _standing(data: Mapping[str, Any] | None, founder: str, seed: int) -> StandingPolicy:
    if data is None:
        return StandingPolicy(DEFAULT_HALF_LIFE_DAYS, {founder: seed})
    policy = StandingPolicy.from_json(data)
    if not policy.founders:
        return StandingPolicy(policy.half_life_days, {founder: seed}, dict(policy.privileges))
    return policy


def charter_policies(charter: Mapping[str, Any], founder: str) -> Policies | None:
    """The policies of ``charter`` (its JSON), or None when it sets none; ``founder`` is the did of
    the member who founded the commons. InvalidAction says what to change."""
    if not has_policies(charter):
        return None
    validation = ValidationPolicy.from_json(charter.get("validation_policy") or DEFAULT_VALIDATION)
    value = ValuePolicy.from_json(charter.get("value_policy") or DEFAULT_VALUE, CONTRIBUTION_KINDS)
    standing = _standing(charter.get("standing_policy"), founder, _default_seed(validation))
    if max(standing.founders.values()) < validation.validator_minimum:
        raise InvalidAction(
            "no founder's seed standing reaches validator_minimum "
            f"({decimal_text(validation.validator_minimum)}): nobody could ever weigh in a "
            "validation, so no newcomer's work could be accepted; seed at least one founder with "
            "that much"
        )
    return Policies(validation, value, standing)


def candidate_value_policy(data: Any, current: Policies) -> Policies:
    """``current`` with the value policy replaced by ``data`` (a candidate, for a preview)."""
    if not isinstance(data, Mapping):
        raise InvalidAction("the candidate value policy must be a JSON object")
    return Policies(
        current.validation, ValuePolicy.from_json(data, CONTRIBUTION_KINDS), current.standing
    )
