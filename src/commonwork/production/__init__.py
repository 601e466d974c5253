"""The production area: broadcast tasks and claims, contributions and their validation by peers."""

from commonwork.production import actions, tasks
from commonwork.production.tables import TABLES

ACTIONS = (*actions.ACTIONS, *tasks.ACTIONS)

__all__ = ["ACTIONS", "TABLES"]
