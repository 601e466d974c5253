"""The production area: broadcast tasks and claims, contributions and their validation by peers."""

from commonwork.journal.area import Area
from commonwork.production import actions, events, tasks
from commonwork.production.tables import TABLES

ACTIONS = (*actions.ACTIONS, *tasks.ACTIONS)

AREA = Area(
    name="production",
    summary="Tasks anyone posts and claims; contributions of every kind, validated by peers",
    builds_on=("commons",),
    actions=ACTIONS,
    tables=TABLES,
    fork={table.name: "carry" for table in TABLES},  # history and attribution are kept
    events=events.events,
    event_kinds=events.KINDS,
    reads_after=actions.reads_after,
    # 2: a contribution's status, tallies, weights and settled figures in contribution_status
    # (keyed by seq), the agenda keyed by seq
    projection_version=2,
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
