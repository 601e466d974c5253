"""The charter's policies as data: defaults, the founder's seed, and what is refused."""

from __future__ import annotations

from typing import get_args

import pytest

from commonwork.commons.charter import Charter
from commonwork.commons.charter_policies import DEFAULT_VALIDATION, charter_policies
from commonwork.commons.policy import CONTRIBUTION_KINDS
from commonwork.production.contribution_bodies import Kind
from tests.support.builders import CHARTER

FOUNDER = "did:key:z6MkFounder"


def test_the_kinds_a_value_policy_weighs_are_the_kinds_production_records() -> None:
    assert get_args(Kind) == CONTRIBUTION_KINDS


def test_a_charter_without_policies_keeps_the_provisional_rule() -> None:
    assert charter_policies(CHARTER, FOUNDER) is None
    assert "validation_policy" not in Charter.model_validate(CHARTER).as_json()


def test_one_policy_turns_the_engine_on_and_the_founder_is_seeded_by_default() -> None:
    policies = charter_policies({**CHARTER, "validation_policy": DEFAULT_VALIDATION}, FOUNDER)
    assert policies is not None
    # twice the higher of validator_minimum (50) and lazy_minimum (60)
    assert policies.standing.founders == {FOUNDER: 120}
    assert policies.value.kinds["work"] == 1
    assert policies.for_members({FOUNDER: 3}).standing.founders == {3: 120}
    assert policies.for_members({}).standing.founders == {}


def test_founders_who_cannot_weigh_in_any_validation_are_refused() -> None:
    standing = {"half_life_days": 90, "founders": [{"member": FOUNDER, "standing": 10}]}
    with pytest.raises(ValueError, match="no founder's seed standing reaches validator_minimum"):
        Charter.model_validate({**CHARTER, "standing_policy": standing})


@pytest.mark.parametrize(
    ("standing", "message"),
    [
        ({"half_life_days": 90, "founders": {"x": 1}}, "must be a list"),
        ({"half_life_days": 90, "founders": [{"member": "bob", "standing": 100}]}, "did"),
        ({"half_life_days": 90, "colour": "red"}, "unknown fields: colour"),
    ],
)
def test_a_malformed_standing_policy_says_what_is_wrong(
    standing: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Charter.model_validate({**CHARTER, "standing_policy": standing})
