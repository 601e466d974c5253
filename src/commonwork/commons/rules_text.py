"""The rules in force, in plain words, generated from the policy itself.

:func:`describe` turns a commons' policies (and its charter, for what lives there, such as the
claim lapse) into sentences a member reads on the commons page. Every number in them comes from
the policy object, so a changed policy changes the text; the engine's rules behind them are in
``commonwork.standing.settle`` (an approval weighs ``min(standing, validator_cap)`` when the
approver has at least ``validator_minimum`` standing, else nothing). Pure: no node, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

from commonwork.commons.charter import claim_lapse_days
from commonwork.commons.policy import Policies, ValidationPolicy, ValuePolicy, decimal_text

#: What a commons without a settlement engine runs (charters signed before policies existed).
PROVISIONAL_RULE = "A contribution is accepted after one approval with no dispute."
#: How each kind of contribution is counted, as "per …", in the order the sentence names them.
KIND_UNITS = {
    "work": "hour of work",
    "review": "hour of review",
    "care": "hour of care work",
    "resource_use": "hour of use of a lent tool or machine",
    "artifact": "artifact",
    "money": "minor unit of money (such as a cent)",
}
#: Each kind as the subject of a sentence, with its verb.
KIND_SUBJECTS = {
    "work": "Work earns",
    "review": "Reviews earn",
    "care": "Care work earns",
    "resource_use": "Using a lent tool or machine earns",
    "artifact": "Artifacts earn",
    "money": "Money earns",
}
PRIVILEGE_WORDS = {
    "arbitrate": "Arbitrating disputes",
    "bounty_tasks": "Posting tasks that carry a bounty",
}
HOUR_OF = "hour of "
NUMBER_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def describe(policies: Policies | None, charter_json: Mapping[str, Any]) -> list[str]:
    """The rules of a commons as sentences: how work is accepted, what it earns, how standing
    works, when claims lapse. ``policies`` None means the commons keeps the provisional rule."""
    if policies is None:
        sentences = [PROVISIONAL_RULE]
    else:
        sentences = [
            *acceptance(policies.validation),
            *value(policies.value),
            *standing(policies),
        ]
    lapse = claim_lapse_days(charter_json)
    sentences.append(f"Unused task claims lapse after {days(lapse)}.")
    return sentences


def number(value: Decimal | int) -> str:
    return decimal_text(Decimal(value))


def days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def portion(fraction: Decimal) -> str:
    """A fraction of a weight in words: 0.5 → 'half as much', 0 → 'nothing'."""
    if fraction == 0:
        return "nothing"
    if fraction == Decimal("0.5"):
        return "half as much"
    return f"{number(fraction * 100)}% as much"


def approvals_needed(rules: ValidationPolicy) -> int:
    """How many approvals of the heaviest weight (``validator_cap``) reach the threshold."""
    return int((rules.threshold / rules.validator_cap).to_integral_value(rounding=ROUND_CEILING))


def acceptance(rules: ValidationPolicy) -> list[str]:
    threshold, cap, minimum = rules.threshold, rules.validator_cap, rules.validator_minimum
    needed = approvals_needed(rules)
    # An approval weighs min(standing, cap) from validator_minimum up: the standing from which
    # each of the fewest approvals weighs enough.
    full = max(minimum, threshold if needed == 1 else cap)
    weights = f"each approval weighs up to {number(cap)}; {number(threshold)} is needed"
    if needed == 1:
        first = f"One approval by a member with at least {number(full)} standing accepts work"
    else:
        count = NUMBER_WORDS[needed] if needed < len(NUMBER_WORDS) else str(needed)
        first = (
            f"It takes {count.lower()} approvals by members with at least {number(full)} "
            "standing to accept work"
        )
    sentences = [f"{first} ({weights})."]
    if minimum < full:
        sentences.append(
            f"An approval by a member with at least {number(minimum)} but less than "
            f"{number(full)} standing weighs that standing, so more approvals are needed."
        )
    sentences.append(
        f"Approvals by members with less than {number(minimum)} standing weigh nothing, and "
        "their disputes are recorded as concerns that do not hold the work; a dispute by a "
        f"member with at least {number(minimum)} standing holds it, waiting for arbitration."
    )
    if rules.reciprocity_discount < 1:
        window = (
            "on the same day"
            if rules.reciprocity_days == 0
            else f"within the last {days(rules.reciprocity_days)}"
        )
        sentences.append(
            "An approval of the work of someone who approved the approver's own work "
            f"{window} weighs {portion(rules.reciprocity_discount)}."
        )
    sentences.append(
        "What a day's validations decide is settled when the day (UTC) ends; until then the "
        "pages show it as provisional."
    )
    sentences.append(
        f"Work not held by a dispute is accepted after {days(rules.challenge_days)} if its "
        f"authors have at least {number(rules.lazy_minimum)} standing."
    )
    return sentences


def _earnings(policy: ValuePolicy) -> str:
    """'1 per hour of work, review or care work, …' for the kinds the policy weighs, in
    KIND_UNITS order; hours of the same weight are named together."""
    hours: dict[Decimal, list[str]] = {}
    parts: list[tuple[Decimal, str]] = []
    for kind, unit in KIND_UNITS.items():
        if kind not in policy.kinds:
            continue
        weight = policy.kinds[kind]
        if unit.startswith(HOUR_OF):
            if weight not in hours:
                hours[weight] = []
                parts.append((weight, HOUR_OF))
            hours[weight].append(unit.removeprefix(HOUR_OF))
        else:
            parts.append((weight, unit))
    texts = [
        f"{number(weight)} per {HOUR_OF}{_listed(hours[weight], 'or')}"
        if unit == HOUR_OF
        else f"{number(weight)} per {unit}"
        for weight, unit in parts
    ]
    return _listed(texts, "and") if texts else "nothing"


def _listed(items: list[str], conjunction: str) -> str:
    if len(items) > 1:
        return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]
    return items[0]


def value(policy: ValuePolicy) -> list[str]:
    sentences = [
        f"Accepted work earns value points: {_earnings(policy)}, at most "
        f"{number(policy.cap_per_contribution)} per contribution."
    ]
    unweighed = [kind for kind in KIND_UNITS if kind not in policy.kinds]
    if unweighed:
        named = ", ".join(KIND_UNITS[kind] for kind in unweighed)
        sentences.append(f"These earn no value points: {named}.")
    for skill, multiplier in sorted(policy.skills.items()):
        sentences.append(f"Work needing the skill {skill} counts {number(multiplier)} times.")
    if policy.per_member_per_month is not None:
        sentences.append(
            f"A member earns at most {policy.per_member_per_month} value points a month."
        )
    for kind, subject in KIND_SUBJECTS.items():
        if kind not in policy.kinds:
            continue
        weight = policy.standing_weight(kind)
        if weight == 0:
            sentences.append(f"{subject} value points but no standing.")
        elif weight < 1:
            sentences.append(
                f"{subject} value points, but only {number(weight * 100)}% of them count "
                "towards standing."
            )
        elif kind == "money":
            sentences.append("Money earns value points and standing, like work.")
    return sentences


def standing(policies: Policies) -> list[str]:
    half_life = policies.standing.half_life_days
    sentences = [
        f"Standing comes from accepted work and halves every {days(half_life)}, so it "
        "follows what members did lately."
    ]
    seeds = sorted(int(seed) for seed in policies.standing.founders.values())
    if len(seeds) == 1:
        sentences.append(
            f"The founder starts with {seeds[0]} standing, which halves like anyone's: in time "
            "the members who earned standing accept each other's work."
        )
    elif seeds:
        each = (
            f"{seeds[0]} standing each"
            if len(set(seeds)) == 1
            else ", ".join(map(str, seeds)) + " standing"
        )
        sentences.append(
            f"The {len(seeds)} founders start with {each}, which halves like anyone's: in time "
            "the members who earned standing accept each other's work."
        )
    for name, words in PRIVILEGE_WORDS.items():
        if name in policies.standing.privileges:
            sentences.append(
                f"{words} takes at least {policies.standing.privileges[name]} standing."
            )
    return sentences
