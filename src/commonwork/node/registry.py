"""The areas installed, and what the node derives from their declarations
(commonwork.journal.area): the action types, the projected tables and the fold's hooks."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.errors import UnknownActionType
from commonwork.journal.area import (
    Area,
    day_boundary,
    emitters,
    events_keeper,
    guarded,
    installed,
    settle_steps,
)
from commonwork.journal.projection import ActionSpec

#: Every area installed, each after the areas it builds on.
AREAS: tuple[Area, ...] = installed()

#: Every action type's spec, with the guards later areas add to its rule.
ACTION_SPECS: dict[str, ActionSpec] = guarded(AREAS)

#: The projected tables, in the fixed order the state digest and rebuild use.
PROJECTED_TABLES: tuple[sa.Table, ...] = tuple(
    sorted((table for area in AREAS for table in area.tables), key=lambda table: table.name)
)

#: Per projected table: its area and that area's projection version (the digest's grouping).
TABLE_AREAS: dict[str, tuple[str, int]] = {
    table.name: (area.name, area.projection_version) for area in AREAS for table in area.tables
}

#: Every area's part of settling a finished day, in phase order, and the area that keeps the
#: settlement checkpoint (it runs them for each finished day before an entry of a later day).
SETTLE_STEPS = settle_steps(AREAS)
DAY_BOUNDARY = day_boundary(AREAS)

#: What each entry tells its members (every area's events hook), and who keeps it.
EMITTERS = emitters(AREAS)
KEEP_EVENTS = events_keeper(AREAS)
#: Per event kind, in plain words (after the name of the entry's author).
EVENT_KINDS: dict[str, str] = {
    kind: text for area in AREAS for kind, text in area.event_kinds.items()
}

#: The tables a fork starts empty (the others' rows are carried into it, frozen or not).
_FORK_RULES = {name: rule for area in AREAS for name, rule in area.fork.items()}
FORK_RESETS: tuple[sa.Table, ...] = tuple(
    table for table in PROJECTED_TABLES if _FORK_RULES[table.name] == "reset"
)
#: The tables whose rows a fork carries (``carry`` and ``freeze``): what its start digest covers.
FORK_CARRIES: tuple[sa.Table, ...] = tuple(
    table for table in PROJECTED_TABLES if table not in FORK_RESETS
)

BEGIN = tuple(area.begin for area in AREAS if area.begin is not None)
BEFORE_ENTRY = tuple(area.before_entry for area in AREAS if area.before_entry is not None)
AFTER_ENTRY = tuple(area.after_entry for area in AREAS if area.after_entry is not None)
READS_AFTER = tuple(area.reads_after for area in AREAS if area.reads_after is not None)


def spec_for(action_type: str) -> ActionSpec:
    spec = ACTION_SPECS.get(action_type)
    if spec is None:
        known = ", ".join(sorted(ACTION_SPECS))
        raise UnknownActionType(f"{action_type!r} is not an action type this node knows: {known}")
    return spec
