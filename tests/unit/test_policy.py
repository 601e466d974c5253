"""The charter's policies as data: defaults, the founder's seed, and what is refused."""

from __future__ import annotations

from typing import get_args

import pytest

from commonwork.commons.charter import Charter
from commonwork.commons.charter_policies import (
    FROZEN_V1,
    PRESETS,
    charter_policies,
    complete_charter,
)
from commonwork.commons.policy import CONTRIBUTION_KINDS
from commonwork.errors import InvalidAction
from commonwork.journal.keys import Keypair
from commonwork.production.contribution_bodies import Kind
from tests.support.builders import CHARTER

FOUNDER = "did:key:z6MkFounder"


def test_the_kinds_a_value_policy_weighs_are_the_kinds_production_records() -> None:
    assert get_args(Kind) == CONTRIBUTION_KINDS


def test_a_charter_without_policies_keeps_the_provisional_rule() -> None:
    assert charter_policies(CHARTER, FOUNDER) is None
    assert "validation_policy" not in Charter.model_validate(CHARTER).as_json()


def test_one_policy_turns_the_engine_on_and_the_founder_is_seeded_by_default() -> None:
    policies = charter_policies(
        {**CHARTER, "validation_policy": FROZEN_V1["validation_policy"]}, FOUNDER
    )
    assert policies is not None
    # twice the higher of validator_minimum (50) and lazy_minimum (60)
    assert policies.standing.founders == {FOUNDER: 120}
    assert policies.value.kinds["work"] == 1
    assert policies.for_members({FOUNDER: 3}).standing.founders == {3: 120}
    assert policies.for_members({}).standing.founders == {}


def test_founders_whose_approvals_can_never_reach_the_threshold_are_refused() -> None:
    founder = Keypair.generate().did
    complete = complete_charter(CHARTER, founder)
    assert Charter.model_validate(complete).engine == 1
    lonely = {**complete["validation_policy"], "validator_cap": "6"}  # one founder weighs 6 < 10
    with pytest.raises(ValueError, match="can never reach the threshold"):
        Charter.model_validate({**complete, "validation_policy": lonely})
    seeded_low = {"half_life_days": 90, "founders": [{"member": founder, "standing": 10}]}
    with pytest.raises(ValueError, match="can never reach the threshold"):
        Charter.model_validate({**complete, "standing_policy": seeded_low})
    with pytest.raises(ValueError, match="not the did:key of a real Ed25519 key"):
        Charter.model_validate(complete_charter(CHARTER, "did:key:z6Mk…"))
    partial = {**complete, "value_policy": None}
    with pytest.raises(ValueError, match="lacks value_policy"):
        Charter.model_validate(partial)


def test_the_default_preset_lets_a_lone_founder_accept_with_one_approval() -> None:
    founder = Keypair.generate().did
    for preset in PRESETS:
        policies = charter_policies(complete_charter(CHARTER, founder, preset), founder)
        assert policies is not None
        assert policies.founders_can_accept()
        assert policies.value.standing_weight("money") == 0  # money buys no say
    with pytest.raises(InvalidAction, match="there is no preset 'huge'"):
        complete_charter(CHARTER, founder, "huge")


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
