"""The community's validation, value and standing policies: charter data (docs/design/standing.md).

Each policy is a frozen dataclass read from and written to JSON with decimal strings (never floats);
a policy that makes no sense is refused with :class:`~commonwork.errors.InvalidAction` and a message
that says what to change. :class:`Policies` bundles the three and checks the invariants that span
them, above all the one that bounds what fake accounts can gain (``validator_minimum`` and
``lazy_minimum`` above ``cap_per_contribution``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from commonwork.errors import InvalidAction

#: The kinds of contribution a value policy may weigh (production records exactly these).
CONTRIBUTION_KINDS = ("work", "artifact", "money", "review", "resource_use", "care")
#: What standing unlocks besides weighing in validations (that threshold is the validation
#: policy's ``validator_minimum``): arbitrating disputes, and posting tasks that carry a bounty.
PRIVILEGES = ("arbitrate", "bounty_tasks")
WEIGHT_PLACES = 6  # kind weights, skill multipliers, thresholds: at most 6 decimals
POINT_PLACES = 3  # value points are counted in milli-points
MAX_WEIGHT = Decimal(10) ** 6
MAX_CAP = Decimal(10) ** 6


def decimal_text(value: Decimal) -> str:
    """The shortest decimal string of ``value``: Decimal('0.50') → '0.5', Decimal('4E+1') → '40'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _decimal(value: Any, name: str, *, places: int = WEIGHT_PLACES) -> Decimal:
    """A Decimal from a JSON integer or decimal string; floats and booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise InvalidAction(f"{name} must be a decimal string such as '0.5' or an integer")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidAction(
            f"{name} must be a decimal string such as '0.5', not {value!r}"
        ) from None
    if not number.is_finite():
        raise InvalidAction(f"{name} must be a finite number")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise InvalidAction(f"{name} may have at most {places} decimals, not {value!r}")
    return number


def _integer(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAction(f"{name} must be a whole number")
    if value < minimum:
        raise InvalidAction(f"{name} must be at least {minimum}, not {value}")
    return value


def _positive(number: Decimal, name: str, *, at_most: Decimal | None = None) -> None:
    if number <= 0:
        raise InvalidAction(f"{name} must be above 0, not {decimal_text(number)}")
    if at_most is not None and number > at_most:
        raise InvalidAction(f"{name} must be at most {decimal_text(at_most)}")


def _fields(data: Mapping[str, Any], name: str, required: set[str], optional: set[str]) -> None:
    if not isinstance(data, Mapping):
        raise InvalidAction(f"{name} must be a JSON object")
    missing = sorted(required - data.keys())
    unknown = sorted(data.keys() - required - optional)
    if missing:
        raise InvalidAction(f"{name} lacks {', '.join(missing)}")
    if unknown:
        raise InvalidAction(f"{name} has unknown fields: {', '.join(unknown)}")


@dataclass(frozen=True)
class ValidationPolicy:
    """How validations turn into acceptance: weights, threshold, challenge window, reciprocity."""

    threshold: Decimal
    validator_cap: Decimal
    validator_minimum: Decimal
    challenge_days: int
    lazy_minimum: Decimal
    reciprocity_days: int
    reciprocity_discount: Decimal

    def __post_init__(self) -> None:
        for name in ("threshold", "validator_cap", "validator_minimum", "lazy_minimum"):
            number = _decimal(getattr(self, name), name)
            _positive(number, name, at_most=MAX_WEIGHT)
            object.__setattr__(self, name, number)
        _integer(self.challenge_days, "challenge_days", minimum=1)
        _integer(self.reciprocity_days, "reciprocity_days", minimum=0)
        discount = _decimal(self.reciprocity_discount, "reciprocity_discount")
        object.__setattr__(self, "reciprocity_discount", discount)
        if not Decimal(0) <= discount <= Decimal(1):
            raise InvalidAction("reciprocity_discount must be between 0 and 1, such as '0.5'")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ValidationPolicy:
        names = {
            "threshold",
            "validator_cap",
            "validator_minimum",
            "challenge_days",
            "lazy_minimum",
            "reciprocity_days",
            "reciprocity_discount",
        }
        _fields(data, "validation_policy", names, set())
        return cls(
            threshold=_decimal(data["threshold"], "threshold"),
            validator_cap=_decimal(data["validator_cap"], "validator_cap"),
            validator_minimum=_decimal(data["validator_minimum"], "validator_minimum"),
            challenge_days=data["challenge_days"],
            lazy_minimum=_decimal(data["lazy_minimum"], "lazy_minimum"),
            reciprocity_days=data["reciprocity_days"],
            reciprocity_discount=_decimal(data["reciprocity_discount"], "reciprocity_discount"),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "threshold": decimal_text(self.threshold),
            "validator_cap": decimal_text(self.validator_cap),
            "validator_minimum": decimal_text(self.validator_minimum),
            "challenge_days": self.challenge_days,
            "lazy_minimum": decimal_text(self.lazy_minimum),
            "reciprocity_days": self.reciprocity_days,
            "reciprocity_discount": decimal_text(self.reciprocity_discount),
        }


@dataclass(frozen=True)
class ValuePolicy:
    """The value equation: points = min(quantity * kind weight * skill multiplier, cap).

    A kind the policy does not list earns no points; a skill it does not list multiplies by 1.
    """

    version: int
    kinds: dict[str, Decimal]
    skills: dict[str, Decimal] = field(default_factory=dict)
    cap_per_contribution: Decimal = Decimal(40)
    per_member_per_month: int | None = None
    #: Per kind, the fraction of its value points that also counts towards standing (1 when a
    #: kind is not listed): money earns value points, the basis of income shares, but a
    #: community may decide that paying in does not buy a say in validation (weight 0).
    standing_weights: dict[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _integer(self.version, "version", minimum=1)
        for attribute, label in (("kinds", "kind weight"), ("skills", "skill multiplier")):
            table: dict[str, Decimal] = {}
            for name, weight in getattr(self, attribute).items():
                where = f"the {label} of {name!r}"
                table[name] = _decimal(weight, where)
                _positive(table[name], where, at_most=MAX_WEIGHT)
            object.__setattr__(self, attribute, table)
        weights: dict[str, Decimal] = {}
        for name, weight in self.standing_weights.items():
            weights[name] = _decimal(weight, f"the standing weight of {name!r}")
            if not Decimal(0) <= weights[name] <= Decimal(1):
                raise InvalidAction(
                    f"the standing weight of {name!r} must be between 0 and 1, such as '0'"
                )
        object.__setattr__(self, "standing_weights", weights)
        cap = _decimal(self.cap_per_contribution, "cap_per_contribution", places=POINT_PLACES)
        _positive(cap, "cap_per_contribution", at_most=MAX_CAP)
        object.__setattr__(self, "cap_per_contribution", cap)
        if self.per_member_per_month is not None:
            _integer(self.per_member_per_month, "per_member_per_month", minimum=1)

    def standing_weight(self, kind: str) -> Decimal:
        return self.standing_weights.get(kind, Decimal(1))

    def check_kinds(self, allowed_kinds: Collection[str]) -> None:
        unknown = sorted((set(self.kinds) | set(self.standing_weights)) - set(allowed_kinds))
        if unknown:
            raise InvalidAction(
                f"unknown contribution kinds in the value policy: {', '.join(unknown)}; "
                f"the kinds are {', '.join(sorted(allowed_kinds))}"
            )

    @classmethod
    def from_json(cls, data: Mapping[str, Any], allowed_kinds: Collection[str]) -> ValuePolicy:
        optional = {"skills", "cap_per_contribution", "caps", "standing_weights"}
        _fields(data, "value_policy", {"version", "kinds"}, optional)
        caps = data.get("caps", {})
        _fields(caps, "value_policy.caps", set(), {"per_member_per_month"})
        for name in ("kinds", "skills", "standing_weights"):
            if not isinstance(data.get(name, {}), Mapping):
                raise InvalidAction(f"value_policy.{name} must map names to decimal strings")
        policy = cls(
            version=data["version"],
            kinds={k: _decimal(v, f"the kind weight of {k!r}") for k, v in data["kinds"].items()},
            skills={
                k: _decimal(v, f"the skill multiplier of {k!r}")
                for k, v in data.get("skills", {}).items()
            },
            cap_per_contribution=_decimal(
                data.get("cap_per_contribution", 40), "cap_per_contribution", places=POINT_PLACES
            ),
            per_member_per_month=caps.get("per_member_per_month"),
            standing_weights={
                k: _decimal(v, f"the standing weight of {k!r}")
                for k, v in data.get("standing_weights", {}).items()
            },
        )
        policy.check_kinds(allowed_kinds)
        return policy

    def as_json(self) -> dict[str, Any]:
        caps = (
            {}
            if self.per_member_per_month is None
            else {"per_member_per_month": self.per_member_per_month}
        )
        data: dict[str, Any] = {
            "version": self.version,
            "kinds": {name: decimal_text(weight) for name, weight in sorted(self.kinds.items())},
            "skills": {name: decimal_text(weight) for name, weight in sorted(self.skills.items())},
            "cap_per_contribution": decimal_text(self.cap_per_contribution),
            "caps": caps,
        }
        if self.standing_weights:
            data["standing_weights"] = {
                name: decimal_text(weight) for name, weight in sorted(self.standing_weights.items())
            }
        return data


@dataclass(frozen=True)
class StandingPolicy:
    """Decay, seeds and privileges.

    ``founders`` maps a founder to the standing they start with: by did in the charter, by member
    index once a loader has mapped the dids (:meth:`Policies.for_members`); the engine reads the
    latter. ``privileges`` maps each of :data:`PRIVILEGES` to the standing that unlocks it.
    """

    half_life_days: int
    founders: dict[Any, int] = field(default_factory=dict)
    privileges: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.half_life_days, bool) or not isinstance(self.half_life_days, int):
            raise InvalidAction("half_life_days must be a whole number of days")
        if self.half_life_days <= 0:
            raise InvalidAction(
                f"half_life_days must be above 0 (standing halves every that many days), "
                f"not {self.half_life_days}"
            )
        for member, seed in self.founders.items():
            if isinstance(member, str):
                if not member.startswith("did:") or len(member) > 100:
                    raise InvalidAction(f"founder {member!r} must be a member's did (did:key:…)")
            else:
                _integer(member, "a founder's member index", minimum=0)
            _integer(seed, f"the seed standing of founder {member}", minimum=1)
        unknown = sorted(set(self.privileges) - set(PRIVILEGES))
        if unknown:
            raise InvalidAction(
                f"unknown privileges: {', '.join(unknown)}; the privileges are "
                f"{', '.join(PRIVILEGES)} (weighing in validations is the validation policy's "
                "validator_minimum)"
            )
        for name, minimum in self.privileges.items():
            _integer(minimum, f"the standing needed for {name!r}", minimum=0)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StandingPolicy:
        _fields(data, "standing_policy", {"half_life_days"}, {"founders", "privileges"})
        founders: dict[Any, int] = {}
        listed = data.get("founders", [])
        if not isinstance(listed, list):
            raise InvalidAction("standing_policy.founders must be a list of {member, standing}")
        for item in listed:
            _fields(item, "a founder", {"member", "standing"}, set())
            if item["member"] in founders:
                raise InvalidAction(f"founder {item['member']} is listed twice")
            founders[item["member"]] = item["standing"]
        privileges = data.get("privileges", {})
        if not isinstance(privileges, Mapping):
            raise InvalidAction("standing_policy.privileges must map privileges to standing")
        return cls(data["half_life_days"], founders, dict(privileges))

    def as_json(self) -> dict[str, Any]:
        return {
            "half_life_days": self.half_life_days,
            "founders": [
                {"member": member, "standing": seed}
                for member, seed in sorted(self.founders.items(), key=lambda item: str(item[0]))
            ],
            "privileges": dict(sorted(self.privileges.items())),
        }


@dataclass(frozen=True)
class Policies:
    """The three policies the engine reads, checked together.

    The Sybil bound: fake accounts start at standing 0, so they weigh nothing and cannot accept each
    other's work. If honest members wrongly accept ``k`` of their contributions, the fakes hold at
    most ``k * cap_per_contribution`` standing; as long as that stays below ``validator_minimum``
    they still weigh nothing, and as long as it stays below ``lazy_minimum`` none of their work is
    accepted lazily, so the gain does not multiply. Both minima must therefore exceed the cap.
    """

    validation: ValidationPolicy
    value: ValuePolicy
    standing: StandingPolicy

    def __post_init__(self) -> None:
        cap = self.value.cap_per_contribution
        for name in ("validator_minimum", "lazy_minimum"):
            minimum: Decimal = getattr(self.validation, name)
            if minimum <= cap:
                raise InvalidAction(
                    f"{name} ({decimal_text(minimum)}) must be above cap_per_contribution "
                    f"({decimal_text(cap)}): that is what bounds fake accounts' gain. One "
                    "wrongly accepted contribution gives them at most the cap; if the cap "
                    f"reached {name}, they could then "
                    + (
                        "validate each other's work with weight"
                        if name == "validator_minimum"
                        else "have their own work accepted without approval"
                    )
                    + " and multiply the gain"
                )

    def for_members(self, index: Mapping[str, int]) -> Policies:
        """These policies with the founders' dids replaced by member indices (``index`` maps the
        commons' members' dids to them); a founder who is not a member (yet) has no seed."""
        founders = {
            index[member]: seed
            for member, seed in self.standing.founders.items()
            if member in index
        }
        standing = StandingPolicy(
            self.standing.half_life_days, founders, dict(self.standing.privileges)
        )
        return Policies(self.validation, self.value, standing)

    def founders_can_accept(self) -> bool:
        """Whether the founders' approvals together can reach the threshold on the first day:
        each founder seeded at or above ``validator_minimum`` weighs min(seed, validator_cap)."""
        rules = self.validation
        weight = sum(
            min(Decimal(seed), rules.validator_cap)
            for seed in self.standing.founders.values()
            if seed >= rules.validator_minimum
        )
        return weight >= rules.threshold

    def as_json(self) -> dict[str, Any]:
        """The three policies as the charter holds them."""
        return {
            "validation_policy": self.validation.as_json(),
            "value_policy": self.value.as_json(),
            "standing_policy": self.standing.as_json(),
        }
