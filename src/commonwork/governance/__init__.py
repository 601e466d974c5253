"""The governance area: proposals decided directly by the members, under the charter's own rules
(its meta-rule says which method may change the charter, and which may change the meta-rule)."""

from commonwork.governance import arbitration, events, hosts, proposals
from commonwork.governance.tables import TABLES
from commonwork.journal.area import Area, SettleStep

ACTIONS = proposals.ACTIONS + arbitration.ACTIONS + hosts.ACTIONS

AREA = Area(
    name="governance",
    summary="Proposals, stances and decisions: consent, lazy consensus and votes of every kind",
    builds_on=("commons", "production", "standing"),
    actions=ACTIONS,
    tables=TABLES,
    before_entry=proposals.before_entry,
    after_entry=arbitration.after_entry,
    # A verdict is applied by the acceptance phase of its day, after the standing area's own
    # (which holds disputed work first); the points phase credits it like any accepted work.
    settle=(
        SettleStep("acceptance", arbitration.settle_verdicts),
        # Credits a verdict takes back, after the standing area's credits of the day.
        SettleStep("points", arbitration.settle_offsets),
    ),
    events=events.events,
    event_kinds=events.KINDS,
    # A fork keeps the record of what was decided (history); forks are issue 10's item 6.
    fork={table.name: "carry" for table in TABLES},
    projection_version=2,
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
