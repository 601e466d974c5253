"""The production area: contributions and their validation by peers."""

from commonwork.production.actions import ACTIONS
from commonwork.production.tables import TABLES

__all__ = ["ACTIONS", "TABLES"]
