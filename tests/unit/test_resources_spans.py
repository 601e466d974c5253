"""The quota's measure (resources/spans.py ``most_in_window``): the most minutes of a person's
bookings any window holds, computed from prefix sums at the window's corners, equals a plain
count over every corner, for spans that touch, overlap or stand apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commonwork.resources.spans import most_in_window

span = st.tuples(st.integers(0, 5000), st.integers(1, 600)).map(lambda s: (s[0], s[0] + s[1]))


def plainly(spans: list[tuple[int, int]], window: int) -> int:
    starts = {edge - offset for lo, hi in spans for edge in (lo, hi) for offset in (0, window)}
    return max(
        (sum(max(0, min(hi, t + window) - max(lo, t)) for lo, hi in spans) for t in starts),
        default=0,
    )


@given(st.lists(span, max_size=30), st.integers(1, 3000))
def test_the_most_any_window_holds_is_counted_exactly(
    spans: list[tuple[int, int]], window: int
) -> None:
    assert most_in_window(spans, window) == plainly(spans, window)


def test_a_known_case() -> None:
    # two 3-day bookings 7 days apart: a 13-day window holds both, a 12-day one 5 days of them
    day = 1440
    spans = [(0, 3 * day), (10 * day, 13 * day)]
    assert most_in_window(spans, 13 * day) == 6 * day
    assert most_in_window(spans, 12 * day) == 5 * day
    assert most_in_window([], day) == 0
