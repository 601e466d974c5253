"""The contribution action types, gathered: record and correct
(:mod:`~commonwork.production.contributions`), validate (:mod:`~commonwork.production.validation`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from commonwork.journal.projection import Key, Row
from commonwork.production import contributions, tables, validation
from commonwork.production.contributions import CORRECT, RECORD, WITHDRAW
from commonwork.production.validation import VALIDATE, status_of

ACTIONS = (*contributions.ACTIONS, *validation.ACTIONS)


def reads_after(
    state: Any, commons_id: str, action_type: str, author: str, body: Any
) -> list[tuple[sa.Table, Key]]:
    """The status row of the contribution a validation, correction or withdrawal names (the
    rules read it with the record): keyed by the record's seq, so named once the record row the
    first stage of prefetching loaded is in the cache."""
    if action_type not in (VALIDATE, CORRECT, WITHDRAW):
        return []
    row: Row | None = state.get(tables.contributions, (commons_id, body.contribution))
    return [] if row is None else [(tables.contribution_status, (commons_id, row["seq"]))]


__all__ = ["ACTIONS", "CORRECT", "RECORD", "VALIDATE", "WITHDRAW", "reads_after", "status_of"]
