"""The commons area: charter, founding and membership."""

from commonwork.commons.actions import ACTIONS
from commonwork.commons.tables import TABLES

__all__ = ["ACTIONS", "TABLES"]
