"""The commons area: charter, founding and membership."""

from commonwork.commons import inbox
from commonwork.commons.actions import ACTIONS
from commonwork.commons.tables import TABLES
from commonwork.journal.area import Area

AREA = Area(
    name="commons",
    summary="A commons, its charter (versioned) and its members, who join without asking",
    actions=ACTIONS,
    tables=TABLES,
    # A fork carries the commons as it stood (its fork entry then names the new founder and
    # name), its charter's history and its people; it starts with its own news.
    fork={
        "commons": "carry",
        "charter_versions": "carry",
        "members": "carry",
        "invitations": "carry",
        "inbox": "reset",
        "forks": "carry",  # the line of descent
    },
    keep_events=inbox.keep,
    projection_version=2,  # 2: the inbox (forks: a new table, empty until a fork)
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
