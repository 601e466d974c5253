"""What the governance area's rules share: journal time, canonical text, the charter's
governance section as it stands, and the list of what falls due (proposals opening and closing,
arbitration panels running out of time)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_governance import Governance, governance_of
from commonwork.governance.tables import governance_clock, governance_due, governance_items
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
    clock = state.get(governance_clock, (commons_id,))
    days: dict[str, int] = {} if clock is None else dict(orjson.loads(clock["due"]))
    held = state.get(governance_items, (commons_id, item_id))
    for at, _ in [] if held is None else orjson.loads(held["due"]):
        key = {"commons_id": commons_id, "day": at[:10], "at": at, "item_id": item_id}
        state.put(governance_due, {**key, "what": ""})
        _count(days, at[:10], -1)
    for at, what in items:
        key = {"commons_id": commons_id, "day": at[:10], "at": at, "item_id": item_id}
        state.put(governance_due, {**key, "what": what})
        _count(days, at[:10], +1)
    listed = {"commons_id": commons_id, "item_id": item_id, "due": text_of(sorted(items))}
    state.put(governance_items, listed)
    _put_clock(state, commons_id, days)


def _count(days: dict[str, int], day: str, delta: int) -> None:
    days[day] = days.get(day, 0) + delta
    if days[day] <= 0:
        del days[day]


def _put_clock(state: State, commons_id: str, days: dict[str, int]) -> None:
    """The clock row: the days with something due, and the earliest time of the first day."""
    first = min(days) if days else None
    next_due = None
    if first is not None:
        live = [row["at"] for row in state.scan(governance_due, (commons_id, first)) if row["what"]]
        next_due = min(live) if live else None
    listed = [[day, count] for day, count in sorted(days.items())]  # keys of JSON are names
    state.put(
        governance_clock,
        {"commons_id": commons_id, "next_due": next_due, "due": text_of(listed)},
    )


def next_due(state: State, commons_id: str, at: str) -> tuple[str, str, str] | None:
    """The first thing due at or before ``at`` — (when, item id, what), earliest first, ties
    by item id — taken off the clock; None when nothing is."""
    clock = state.get(governance_clock, (commons_id,))
    if clock is None or clock["next_due"] is None or clock["next_due"] > at:
        return None
    when = str(clock["next_due"])
    ready = sorted(
        (row["at"], row["item_id"], row["what"])
        for row in state.scan(governance_due, (commons_id, when[:10]))
        if row["what"] and row["at"] == when
    )
    found_at, item_id, what = ready[0]
    held = state.get(governance_items, (commons_id, item_id))
    rest = [pair for pair in orjson.loads(held["due"]) if pair != [found_at, what]] if held else []
    reschedule(state, commons_id, item_id, rest)
    return found_at, item_id, what
