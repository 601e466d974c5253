"""Standing and value points, settled by day inside the journal's fold (docs/standing.md,
docs/design/standing.md)."""

from commonwork.journal.area import Area, SettleStep
from commonwork.standing.settle import begin, settle_acceptance, settle_points, settle_until
from commonwork.standing.tables import TABLES
from commonwork.standing.weigh import on_entry, reads_after

AREA = Area(
    name="standing",
    summary="Acceptance, value points and standing, settled by day; weights fixed with each entry",
    builds_on=("commons", "production"),
    tables=TABLES,
    begin=begin,
    day_boundary=settle_until,  # keeps the checkpoint: settles finished days with every step
    settle=(SettleStep("acceptance", settle_acceptance), SettleStep("points", settle_points)),
    after_entry=on_entry,
    reads_after=reads_after,
    fork={table.name: "carry" for table in TABLES},  # earned standing stays earned
    # 2: a day's credits of a member in their standing_history row (no standing_credits)
    projection_version=2,
)

__all__ = ["AREA", "TABLES"]
