"""The usage rules of what the commons owns change by decision: the effect ``resource_rules``
(governance keeps the proposal, the vote and the close; this carries it out at the close). The
charter's ``economy.spends`` rule decides it, as every decision about the commons' assets. A
member's own tool keeps the rules its owner sets; an organisation's, those its representatives
set (``resources.resource.update``)."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_economy import economy_of
from commonwork.commons.charter_governance import Rule
from commonwork.economy.books import exponent_of
from commonwork.errors import InvalidAction
from commonwork.journal.area import EffectSpec
from commonwork.journal.projection import State
from commonwork.resources.inventory import EntryId, Rules, resource_row, rules_text
from commonwork.resources.tables import resources


class RulesEffect(BaseModel):
    """New usage rules for a resource the commons owns."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["resource_rules"]
    resource: EntryId
    rules: Rules


def _rule(state: State, commons_id: str, _effect: Any) -> Rule:
    return economy_of(orjson.loads(commons_row(state, commons_id)["charter"])).spends


def check_rules(state: State, commons_id: str, effect: RulesEffect, at: str) -> None:
    row = resource_row(state, commons_id, effect.resource)
    if row["owner_kind"] != "commons":
        raise InvalidAction(
            f"{row['name']} is not the commons' own: its owner sets its rules",
            reason="not_commons_owned",
        )
    if effect.rules.currency is not None:
        exponent_of(state, commons_id, effect.rules.currency)


def apply_rules(
    state: State, commons_id: str, effect: RulesEffect, proposal_id: str, at: str
) -> None:
    """From the close on: bookings made before keep the fee, deposit and buffer they were made
    under."""
    row = state.get(resources, (commons_id, effect.resource))
    if row is None:
        return
    state.put(resources, {**row, "rules": rules_text(effect.rules), "updated_at": at})


EFFECTS = (
    EffectSpec(
        kind="resource_rules",
        summary="Set the usage rules of a resource the commons owns (from the close on)",
        body=RulesEffect,
        rule=_rule,
        apply=apply_rules,
        check=check_rules,
    ),
)
