"""The time indexes the booking rules read: per resource and day, the spans of the active rows
and of the waiting list; per resource, member and week, the spans counted towards a quota.

A span is ``[lo, hi, id]`` in minutes since the epoch, half-open. Bucket rows are JSON lists
kept sorted; a span is listed in every bucket it touches, so a check reads the buckets of the
interval it asks about and never a resource's history.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import orjson

from commonwork.governance.clock import text_of
from commonwork.journal.projection import Row, State
from commonwork.resources.tables import resource_days, resource_usage

DAY = 1440
WEEK = 7 * DAY

Span = tuple[int, int, str]


def _buckets(lo: int, hi: int, size: int) -> range:
    return range(lo // size, (hi - 1) // size + 1)


def _day_row(state: State, commons_id: str, resource: str, day: int) -> Row:
    row = state.get(resource_days, (commons_id, resource, day))
    if row is None:
        return {
            "commons_id": commons_id,
            "resource": resource,
            "day": day,
            "spans": "[]",
            "waits": "[]",
        }
    return dict(row)


def _listed(text: str) -> list[list[Any]]:
    found: list[list[Any]] = orjson.loads(text)
    return found


def _edit_days(
    state: State, commons_id: str, resource: str, span: Span, column: str, add: bool
) -> None:
    lo, hi, ident = span
    for day in _buckets(lo, hi, DAY):
        row = _day_row(state, commons_id, resource, day)
        listed = [item for item in _listed(row[column]) if item[2] != ident]
        if add:
            listed.append([lo, hi, ident])
        row[column] = text_of(sorted(listed, key=lambda item: (item[0], item[2])))
        state.put(resource_days, row)


def hold(state: State, commons_id: str, resource: str, span: Span) -> None:
    """List an active row's span (a booking, an offer, a block)."""
    _edit_days(state, commons_id, resource, span, "spans", add=True)


def free(state: State, commons_id: str, resource: str, span: Span) -> None:
    """Take an active row's span off the index (cancelled, expired, lifted)."""
    _edit_days(state, commons_id, resource, span, "spans", add=False)


def add_wait(state: State, commons_id: str, resource: str, span: Span) -> None:
    _edit_days(state, commons_id, resource, span, "waits", add=True)


def drop_wait(state: State, commons_id: str, resource: str, span: Span) -> None:
    _edit_days(state, commons_id, resource, span, "waits", add=False)


def _in_days(
    state: State, commons_id: str, resource: str, lo: int, hi: int, column: str
) -> Iterator[Span]:
    seen: set[str] = set()
    for day in _buckets(lo, hi, DAY):
        row = state.get(resource_days, (commons_id, resource, day))
        if row is None:
            continue
        for start, end, ident in _listed(row[column]):
            if ident not in seen and int(start) < hi and int(end) > lo:
                seen.add(str(ident))
                yield int(start), int(end), str(ident)


def overlapping(state: State, commons_id: str, resource: str, lo: int, hi: int) -> list[Span]:
    """The active rows of the resource whose spans overlap [lo, hi), by start."""
    return sorted(_in_days(state, commons_id, resource, lo, hi, "spans"))


def waiting_within(state: State, commons_id: str, resource: str, lo: int, hi: int) -> list[str]:
    """The waiting-list entries whose wanted interval overlaps [lo, hi)."""
    return [ident for _, _, ident in _in_days(state, commons_id, resource, lo, hi, "waits")]


def _scope(resource: str, member: str) -> str:
    return f"{resource}/{member}"


def count_use(
    state: State, commons_id: str, resource: str, member: str, span: Span, add: bool
) -> None:
    """Count a booking towards (or take it off) the member's quota of the resource."""
    lo, hi, ident = span
    scope = _scope(resource, member)
    for week in _buckets(lo, hi, WEEK):
        held = state.get(resource_usage, (commons_id, scope, week))
        listed = [] if held is None else _listed(held["spans"])
        listed = [item for item in listed if item[2] != ident]
        if add:
            listed.append([lo, hi, ident])
        listed.sort(key=lambda item: (item[0], item[2]))
        row = {"commons_id": commons_id, "scope": scope, "week": week, "spans": text_of(listed)}
        state.put(resource_usage, row)


def used_around(
    state: State, commons_id: str, resource: str, member: str, lo: int, hi: int
) -> list[tuple[int, int]]:
    """The member's counted bookings of the resource that touch [lo, hi)."""
    scope = _scope(resource, member)
    found: dict[str, tuple[int, int]] = {}
    for week in _buckets(lo, hi, WEEK):
        held = state.get(resource_usage, (commons_id, scope, week))
        if held is None:
            continue
        for start, end, ident in _listed(held["spans"]):
            if int(start) < hi and int(end) > lo:
                found[str(ident)] = (int(start), int(end))
    return sorted(found.values())


def most_in_window(spans: list[tuple[int, int]], window: int) -> int:
    """The most minutes of ``spans`` that any window of ``window`` minutes holds (a span's
    minutes counted once per span). The sum of overlaps is piecewise linear in the window's
    start, with corners where an edge of the window meets an end of a span; it is evaluated at
    every corner, each in O(log n) from prefix sums of the sorted starts and ends, exactly."""
    starts = sorted(lo for lo, _ in spans)
    ends = sorted(hi for _, hi in spans)
    start_sums = list(accumulate(starts, initial=0))
    end_sums = list(accumulate(ends, initial=0))

    def before(x: int) -> int:
        """The minutes of the spans before ``x``: Σ max(0, min(hi, x) - lo)."""
        opened = bisect_left(starts, x)
        closed = bisect_left(ends, x)
        return (opened * x - start_sums[opened]) - (closed * x - end_sums[closed])

    corners = {edge - offset for edge in (*starts, *ends) for offset in (0, window)}
    return max((before(t + window) - before(t) for t in corners), default=0)
