"""What the governance area's rules share: journal time, canonical text, the charter's
governance section as it stands, and the list of what falls due (proposals opening and closing,
arbitration panels running out of time)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_governance import Governance, governance_of
from commonwork.governance.tables import governance_clock
from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.canonical import canon
from commonwork.journal.projection import State


def later(at: str, hours: int) -> str:
    return format_time(parse_time(at) + timedelta(hours=hours))


def text_of(value: Any) -> str:
    return canon(value).decode()


def governance_now(state: State, commons_id: str) -> Governance:
    return governance_of(orjson.loads(commons_row(state, commons_id)["charter"]))


def reschedule(state: State, commons_id: str, item_id: str, items: list[list[str]]) -> None:
    """Replace what falls due for this proposal or case with ``items`` ([at, what] pairs)."""
    row = state.get(governance_clock, (commons_id,))
    due = [] if row is None else orjson.loads(row["due"])
    due = [item for item in due if item[1] != item_id]
    due += [[at, item_id, what] for at, what in items]
    due.sort()
    state.put(
        governance_clock,
        {"commons_id": commons_id, "next_due": due[0][0] if due else None, "due": text_of(due)},
    )
