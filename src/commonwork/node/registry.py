"""Every area's action types and projected tables, gathered in one place for the node."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork import commons, production
from commonwork.errors import UnknownActionType
from commonwork.journal.projection import ActionSpec
from commonwork.standing import tables as standing_tables

ACTION_SPECS: dict[str, ActionSpec] = {
    spec.type: spec for area in (commons, production) for spec in area.ACTIONS
}

#: The projected tables, in the fixed order the state digest and rebuild use.
PROJECTED_TABLES: tuple[sa.Table, ...] = tuple(
    sorted(
        (*commons.TABLES, *production.TABLES, *standing_tables.TABLES), key=lambda table: table.name
    )
)


def spec_for(action_type: str) -> ActionSpec:
    spec = ACTION_SPECS.get(action_type)
    if spec is None:
        known = ", ".join(sorted(ACTION_SPECS))
        raise UnknownActionType(f"{action_type!r} is not an action type this node knows: {known}")
    return spec
