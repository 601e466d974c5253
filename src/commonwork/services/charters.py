"""What the doors show and offer of a charter: the presets to found with, the founder's seed a
preset implies, a commons' rules in plain words and its claim lapse, and decimals as charters
write them."""

from __future__ import annotations

from commonwork.commons.charter import claim_lapse_days
from commonwork.commons.charter_policies import (
    DEFAULT_PRESET,
    PRESETS,
    charter_policies,
    default_seed,
)
from commonwork.commons.policy import ValidationPolicy, decimal_text
from commonwork.commons.rules_text import describe
from commonwork.node.node import Node
from commonwork.services import settled
from commonwork.services.models import JsonMapping

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "claim_lapse_days",
    "decimal_text",
    "describe",
    "founder_seed",
    "rules_in_force",
]


def founder_seed(validation_policy: JsonMapping) -> int:
    """The founder's standing when the charter names none: twice the higher of the two
    minimums of this validation policy (as a charter holds it)."""
    return default_seed(ValidationPolicy.from_json(validation_policy))


def rules_in_force(node: Node, commons_id: str, *, charter: JsonMapping, founder: str) -> list[str]:
    """A commons' rules in plain words, from the policies in force now (those the day's
    settlement reads), or from its charter when it keeps no settled state. A CommonworkError
    when this node cannot read them."""
    policies = settled.policies_now(node, commons_id)
    if policies is None:
        policies = charter_policies(charter, founder)
    return describe(policies, charter)
