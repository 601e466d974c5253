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
    # A fork founds a new commons with its own genesis and charter; its people come along.
    fork={
        "commons": "reset",
        "charter_versions": "reset",
        "members": "carry",
        "invitations": "carry",
        "inbox": "reset",  # a fork starts with its own news
    },
    keep_events=inbox.keep,
    projection_version=2,  # 2: the inbox
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
