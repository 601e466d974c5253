"""The contribution action types, gathered: record and correct
(:mod:`~commonwork.production.contributions`), validate (:mod:`~commonwork.production.validation`).
"""

from __future__ import annotations

from commonwork.production import contributions, validation
from commonwork.production.contributions import CORRECT, RECORD, WITHDRAW
from commonwork.production.validation import VALIDATE, status_of

ACTIONS = (*contributions.ACTIONS, *validation.ACTIONS)

__all__ = ["ACTIONS", "CORRECT", "RECORD", "VALIDATE", "WITHDRAW", "status_of"]
