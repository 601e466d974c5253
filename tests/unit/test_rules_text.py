"""The rules in plain words come from the policy itself: change a number, the text changes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from commonwork.commons.charter_policies import PRESETS, charter_policies, complete_charter
from commonwork.commons.policy import Policies
from commonwork.commons.rules_text import PROVISIONAL_RULE, describe
from commonwork.journal.keys import Keypair

FOUNDER = Keypair.generate().did


def preset(name: str = "small-group", **changes: Any) -> tuple[Policies, dict[str, Any]]:
    charter = complete_charter({"name": "Riverside Seed Library"}, FOUNDER, name)
    charter.update(changes)
    policies = charter_policies(charter, FOUNDER)
    assert policies is not None
    return policies, charter


def with_validation(policies: Policies, **changes: Any) -> Policies:
    return replace(policies, validation=replace(policies.validation, **changes))


def text(policies: Policies | None, charter: dict[str, Any]) -> str:
    return "\n".join(describe(policies, charter))


def test_the_small_group_preset_in_plain_words() -> None:
    policies, charter = preset()
    sentences = describe(policies, charter)
    assert sentences[0] == (
        "One approval by a member with at least 20 standing accepts work "
        "(each approval weighs up to 10; 10 is needed)."
    )
    assert (
        "Work not held by a dispute is accepted after 7 days if its authors have at least 30 "
        "standing." in sentences
    )
    assert "Money earns value points but no standing." in sentences
    assert "Unused task claims lapse after 30 days." in sentences
    assert any("halves every 180 days" in sentence for sentence in sentences)
    assert any("The founder starts with 60 standing" in sentence for sentence in sentences)
    assert any("concerns that do not hold the work" in sentence for sentence in sentences)
    assert any("at most 15 per contribution" in sentence for sentence in sentences)


def test_changing_a_number_in_the_policy_changes_the_text() -> None:
    policies, charter = preset()
    before = text(policies, charter)

    higher = with_validation(policies, validator_minimum=Decimal(25))
    assert "at least 25 standing accepts work" in text(higher, charter)
    assert "at least 20 standing" not in text(higher, charter)

    slower = with_validation(policies, challenge_days=10)
    assert "accepted after 10 days" in text(slower, charter)

    standing = replace(policies.standing, half_life_days=90)
    assert "halves every 90 days" in text(replace(policies, standing=standing), charter)

    value = replace(policies.value, standing_weights={"money": Decimal("0.25")})
    assert "Money earns value points, but only 25% of them count towards standing." in text(
        replace(policies, value=value), charter
    )
    value = replace(policies.value, standing_weights={})
    assert "Money earns value points and standing, like work." in text(
        replace(policies, value=value), charter
    )
    assert "Unused task claims lapse after 14 days." in text(
        policies, {**charter, "claim_lapse_days": 14}
    )
    assert text(policies, charter) == before  # nothing above changed the original


def test_a_cap_below_the_threshold_says_how_many_approvals_are_needed() -> None:
    policies, charter = preset()
    three = with_validation(policies, validator_cap=Decimal(4), validator_minimum=Decimal(20))
    assert describe(three, charter)[0] == (
        "It takes three approvals by members with at least 20 standing to accept work "
        "(each approval weighs up to 4; 10 is needed)."
    )
    two = with_validation(policies, validator_cap=Decimal(6), validator_minimum=Decimal(16))
    sentences = describe(two, charter)
    assert sentences[0].startswith("It takes two approvals by members with at least 16 standing")


def test_members_between_the_minimum_and_the_threshold_weigh_their_standing() -> None:
    policies, charter = preset()
    # Threshold 30 with approvals weighing up to 40: a member at 20 weighs 20, not enough alone.
    wide = with_validation(
        policies, threshold=Decimal(30), validator_cap=Decimal(40), validator_minimum=Decimal(20)
    )
    sentences = describe(wide, charter)
    assert sentences[0].startswith("One approval by a member with at least 30 standing")
    assert (
        "An approval by a member with at least 20 but less than 30 standing weighs that "
        "standing, so more approvals are needed." in sentences
    )


def test_reciprocity_is_described_from_the_discount_and_left_out_without_one() -> None:
    policies, charter = preset()
    assert "within the last 30 days weighs half as much" in text(policies, charter)
    none = with_validation(policies, reciprocity_discount=Decimal(0), reciprocity_days=0)
    assert "on the same day weighs nothing" in text(none, charter)
    off = with_validation(policies, reciprocity_discount=Decimal(1))
    assert "approved the approver's own work" not in text(off, charter)


def test_the_open_preset_and_several_founders() -> None:
    policies, charter = preset("open")
    assert "at least 50 standing accepts work" in text(policies, charter)
    assert "halves every 365 days" in text(policies, charter)
    other = Keypair.generate().did
    founders = [{"member": FOUNDER, "standing": 120}, {"member": other, "standing": 120}]
    standing_policy = {**PRESETS["open"]["standing_policy"], "founders": founders}
    policies, charter = preset("open", standing_policy=standing_policy)
    assert "The 2 founders start with 120 standing each" in text(policies, charter)


def test_a_commons_founded_before_engines_keeps_the_one_approval_rule() -> None:
    charter = {"name": "Old Seed Library", "licence": "CC-BY-SA-4.0"}
    assert charter_policies(charter, FOUNDER) is None
    assert describe(None, charter) == [
        PROVISIONAL_RULE,
        "Unused task claims lapse after 30 days.",
    ]
    assert PROVISIONAL_RULE == "A contribution is accepted after one approval with no dispute."
