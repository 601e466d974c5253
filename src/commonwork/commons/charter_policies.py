"""The policies a charter sets: the presets a founder picks from, the engine version, and the
frozen defaults older charters are read with.

A commons founded now carries its complete policies and ``engine: 1`` in its signed genesis: the
pages and the command line fill in a preset before signing (:func:`complete_charter`), and the
node refuses a founding without them. So no later release can change an existing commons' figures
by changing a default: the numbers are in the journal.

Charters signed before the engine version existed are read as they were meant (DESIGN §3.1): one
with none of ``validation_policy``, ``value_policy`` and ``standing_policy`` keeps the provisional
rule (one approval and no dispute accepts a contribution); one with any of them is settled by
engine 1 with :data:`FROZEN_V1` for the parts it left out — values no release may change.
"""

from __future__ import annotations

import copy
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
from commonwork.journal.keys import public_key_from_did

POLICY_FIELDS = ("validation_policy", "value_policy", "standing_policy")
#: The settlement engine this release runs; recorded in every new charter.
ENGINE_VERSION = 1
ENGINES = (1,)

#: The defaults charters signed before engine versions existed are read with. Never change them.
FROZEN_V1: dict[str, Any] = {
    "validation_policy": {
        "threshold": "10",
        "validator_cap": "6",
        "validator_minimum": "50",
        "challenge_days": 7,
        "lazy_minimum": "60",
        "reciprocity_days": 30,
        "reciprocity_discount": "0.5",
    },
    "value_policy": {
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
    },
    "half_life_days": 180,
}

_KINDS = {
    "work": "1",
    "review": "1",
    "care": "1",
    "resource_use": "0.5",
    "artifact": "2",
    "money": "0.01",
}

#: What a founder picks from on the found form and with ``commons found --preset``. Each is
#: complete; the founder is added as the one founder, seeded with twice the higher minimum.
PRESETS: dict[str, dict[str, Any]] = {
    "small-group": {
        "title": "A small group that trusts each other",
        "summary": (
            "One approval by a member with standing accepts work, so a lone founder can accept a "
            "newcomer's work on the first day; members who did about 20 hours of accepted work "
            "can accept others' work too."
        ),
        "validation_policy": {
            "threshold": "10",
            "validator_cap": "10",
            "validator_minimum": "20",
            "challenge_days": 7,
            "lazy_minimum": "30",
            "reciprocity_days": 30,
            "reciprocity_discount": "0.5",
        },
        "value_policy": {
            "version": 1,
            "kinds": _KINDS,
            "cap_per_contribution": "15",
            "standing_weights": {"money": "0"},
        },
        "standing_policy": {"half_life_days": 180},
    },
    "open": {
        "title": "Open to anyone, resistant to fake accounts",
        "summary": (
            "One approval by a member with much standing accepts work, but standing is slow to "
            "earn (about 50 hours of accepted work), so fake accounts approving each other gain "
            "nothing; approvals traded back and forth count half."
        ),
        "validation_policy": {
            "threshold": "10",
            "validator_cap": "10",
            "validator_minimum": "50",
            "challenge_days": 14,
            "lazy_minimum": "60",
            "reciprocity_days": 60,
            "reciprocity_discount": "0.5",
        },
        "value_policy": {
            "version": 1,
            "kinds": _KINDS,
            "cap_per_contribution": "40",
            "standing_weights": {"money": "0"},
        },
        "standing_policy": {"half_life_days": 365},
    },
}
DEFAULT_PRESET = "small-group"


def has_policies(charter: Mapping[str, Any]) -> bool:
    return charter.get("engine") is not None or any(
        charter.get(name) is not None for name in POLICY_FIELDS
    )


@lru_cache(maxsize=64)
def charter_text_has_policies(charter_text: str) -> bool:
    """:func:`has_policies` of a projected charter (canonical JSON), remembered by its text: the
    rules and the reads ask this for every validation and every page."""
    return has_policies(orjson.loads(charter_text))


def default_seed(validation: ValidationPolicy) -> int:
    highest = max(validation.validator_minimum, validation.lazy_minimum) * 2
    return int(highest.to_integral_value(rounding=ROUND_CEILING))


def _legacy(charter: Mapping[str, Any], founder: str) -> Policies:
    validation = ValidationPolicy.from_json(
        charter.get("validation_policy") or FROZEN_V1["validation_policy"]
    )
    value = ValuePolicy.from_json(
        charter.get("value_policy") or FROZEN_V1["value_policy"], CONTRIBUTION_KINDS
    )
    data = charter.get("standing_policy")
    seed = default_seed(validation)
    if data is None:
        standing = StandingPolicy(FROZEN_V1["half_life_days"], {founder: seed})
    else:
        standing = StandingPolicy.from_json(data)
        if not standing.founders:
            standing = StandingPolicy(
                standing.half_life_days, {founder: seed}, dict(standing.privileges)
            )
    return Policies(validation, value, standing)


def _complete(charter: Mapping[str, Any]) -> Policies:
    engine = charter.get("engine")
    if engine not in ENGINES:
        raise InvalidAction(
            f"engine {engine!r} is not a settlement engine this node runs (it runs "
            f"{', '.join(map(str, ENGINES))}); upgrade the node, or found with engine 1"
        )
    missing = [name for name in POLICY_FIELDS if charter.get(name) is None]
    if missing:
        raise InvalidAction(
            f"a charter with engine {engine} states its policies in full; it lacks "
            f"{', '.join(missing)} (the pages and the command line fill in a preset)"
        )
    standing = StandingPolicy.from_json(charter["standing_policy"])
    if not standing.founders:
        raise InvalidAction(
            "standing_policy.founders names nobody: list the founder's did with a seed standing"
        )
    for member in standing.founders:
        _real_key(str(member))
    validation = ValidationPolicy.from_json(charter["validation_policy"])
    value = ValuePolicy.from_json(charter["value_policy"], CONTRIBUTION_KINDS)
    return Policies(validation, value, standing)


def _real_key(did: str) -> None:
    try:
        public_key_from_did(did)
    except Exception as exc:
        raise InvalidAction(
            f"founder {did!r} is not the did:key of a real Ed25519 key ({exc}); name the "
            "founders by the keys they sign with (commonwork id show NAME prints yours)"
        ) from None


def charter_policies(charter: Mapping[str, Any], founder: str) -> Policies | None:
    """The policies of ``charter`` (its JSON), or None when it keeps the provisional rule;
    ``founder`` is the did of the member who founded the commons. InvalidAction says what to
    change."""
    if not has_policies(charter):
        return None
    if charter.get("engine") is None:
        return _legacy(charter, founder)  # read as it was signed, checks included
    policies = _complete(charter)
    rules = policies.validation
    if not policies.founders_can_accept():
        raise InvalidAction(
            "the founders' approvals together can never reach the threshold "
            f"({decimal_text(rules.threshold)}): each founder seeded at validator_minimum "
            f"({decimal_text(rules.validator_minimum)}) or more weighs at most validator_cap "
            f"({decimal_text(rules.validator_cap)}), so no newcomer's work could be accepted. "
            "Raise validator_cap, lower the threshold, or seed more founders"
        )
    return policies


def complete_charter(
    charter: Mapping[str, Any], founder: str, preset: str = DEFAULT_PRESET
) -> dict[str, Any]:
    """``charter`` with what it leaves out filled in from ``preset`` (complete policies, the
    founder as the one founder, ``engine``): what the pages and the command line sign."""
    if preset not in PRESETS:
        raise InvalidAction(
            f"there is no preset {preset!r}; the presets are {', '.join(sorted(PRESETS))}"
        )
    chosen = PRESETS[preset]
    done = dict(charter)
    done.setdefault("engine", ENGINE_VERSION)
    for name in POLICY_FIELDS:
        if done.get(name) is None:
            done[name] = copy.deepcopy(chosen[name])
    standing = dict(done["standing_policy"])
    if not standing.get("founders"):
        validation = ValidationPolicy.from_json(done["validation_policy"])
        standing["founders"] = [{"member": founder, "standing": default_seed(validation)}]
    done["standing_policy"] = standing
    return done


def candidate_value_policy(data: Any, current: Policies) -> Policies:
    """``current`` with the value policy replaced by ``data`` (a candidate, for a preview)."""
    if not isinstance(data, Mapping):
        raise InvalidAction("the candidate value policy must be a JSON object")
    return Policies(
        current.validation, ValuePolicy.from_json(data, CONTRIBUTION_KINDS), current.standing
    )
