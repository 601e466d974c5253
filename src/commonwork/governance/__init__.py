"""The governance area: proposals decided directly by the members, under the charter's own rules
(its meta-rule says which method may change the charter, and which may change the meta-rule)."""

from commonwork.governance import events, proposals
from commonwork.governance.tables import TABLES
from commonwork.journal.area import Area

ACTIONS = proposals.ACTIONS

AREA = Area(
    name="governance",
    summary="Proposals, stances and decisions: consent, lazy consensus and votes of every kind",
    builds_on=("commons", "production", "standing"),
    actions=ACTIONS,
    tables=TABLES,
    before_entry=proposals.before_entry,
    events=events.events,
    event_kinds=events.KINDS,
    # A fork keeps the record of what was decided (history); forks are issue 10's item 6.
    fork={table.name: "carry" for table in TABLES},
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
