"""The parts that keep the first read of the standing table after a new action cheap (issue 7):
the distribution's exact integer ways give the very floats of the general way, and the layered
and ranked structures a new head updates instead of copying give what plain dicts and sorted
lists give."""

from __future__ import annotations

import random

import numpy as np
import pytest

from commonwork.services import standing
from commonwork.services.settled import FOLD, Layered
from commonwork.services.standing_models import StandingEntry
from commonwork.services.standing_read import RUN, Ranked, _moved, _order


def general_gini(values: np.ndarray) -> float:
    """The general way (floats), as it was before the integer way."""
    ordered = np.sort(np.asarray(values, np.float64))
    total = ordered.sum()
    n = len(ordered)
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(((2 * ranks - n - 1) * ordered).sum() / (n * total))


def general_lorenz(values: np.ndarray, points: int = 101) -> list[tuple[float, float]]:
    ordered = np.sort(np.asarray(values, np.float64))
    n = len(ordered)
    total = ordered.sum()
    if n == 0 or total <= 0:
        return [(0.0, 0.0), (1.0, 1.0)]
    cumulative = np.r_[0.0, np.cumsum(ordered)] / total
    picks = standing._picks(n, points)
    shares = cumulative[list(picks)].tolist()
    return [(round(i / n, 4), round(share, 4)) for i, share in zip(picks, shares, strict=True)]


def value_sets() -> list[np.ndarray]:
    rng = np.random.default_rng(20261130)
    found: list[np.ndarray] = [
        np.zeros(0, np.int64),
        np.zeros(7, np.int64),
        np.asarray([5], np.int64),
        np.asarray([0, 0, 0, 9], np.int64),
        np.full(10_000, 1500, np.int64),
    ]
    for _ in range(300):
        n = int(rng.integers(1, 12_000))
        high = int(rng.choice([2, 10, 1_000, 40_000, 5_000_000, 10**9, 10**12]))
        values = rng.integers(0, high, n, dtype=np.int64)
        if rng.random() < 0.2:
            values[rng.random(n) < 0.7] = 0  # most members with nothing
        found.append(values)
    return found


def test_the_integer_ways_give_the_floats_of_the_general_way() -> None:
    exact = 0
    for values in value_sets():
        for ascending in (True, False):
            given = np.sort(values) if ascending else values
            assert standing.gini(given, ascending=ascending) == general_gini(values)
            assert standing.lorenz(given, ascending=ascending) == general_lorenz(values)
            assert standing.lorenz(given, 11, ascending=ascending) == general_lorenz(values, 11)
        ordered = np.sort(values)
        exact += standing._integer_gini(ordered) is not None
        exact += standing._integer_shares(ordered, 101) is not None
    assert exact > 300  # most sets take the integer ways; the largest fall back to floats


def test_floats_and_huge_integers_take_the_general_way() -> None:
    huge = np.asarray([0, 1, 2**61, 2**62], np.int64)
    assert standing._integer_gini(huge) is None
    assert standing._integer_shares(huge, 101) is None
    assert standing.gini(huge) == general_gini(huge)
    assert standing.lorenz(huge) == general_lorenz(huge)
    floats = np.asarray([0.5, 1.25, 3.0])
    assert standing.gini(floats) == general_gini(floats)
    assert standing.lorenz(floats) == general_lorenz(floats)


def test_moving_one_value_keeps_the_values_ascending() -> None:
    rng = random.Random(7)
    for _ in range(500):
        ordered = np.sort(np.asarray([rng.randrange(6) for _ in range(rng.randrange(1, 30))]))
        old = int(ordered[rng.randrange(len(ordered))])
        new = rng.randrange(8)
        expected = np.sort(np.r_[np.delete(ordered, int(np.searchsorted(ordered, old))), new])
        assert _moved(ordered, old, new).tolist() == expected.tolist()


@pytest.mark.parametrize("size", [50, 2000])
def test_a_layered_mapping_reads_as_the_dict_it_stands_for(size: int) -> None:
    """Small: its changes are soon merged into a new base; large: kept over the same base."""
    rng = random.Random(size)
    plain = {key: rng.randrange(100) for key in range(size)}
    layered: Layered[int, int] = Layered(dict(plain))
    base = layered.base
    older = [(layered, dict(plain))]
    for step in range(100):
        changes = {rng.randrange(80): step for _ in range(rng.randrange(4))}
        removed = {rng.randrange(80) for _ in range(rng.randrange(3))} - changes.keys()
        layered = layered.updated(changes, removed=removed)
        for key in removed:
            plain.pop(key, None)
        plain.update(changes)
        older.append((layered, dict(plain)))
        assert len(layered.changes) * FOLD < len(layered.base) or not layered.changes
    assert (layered.base is base) == (size > 80 * FOLD)
    for kept, expected in older:  # an update never changes the mapping it was made from
        assert dict(kept) == expected
        assert len(kept) == len(expected)
        for key in [*range(90), size - 1, size]:
            assert (key in kept) == (key in expected)
            assert kept.get(key) == expected.get(key)
            if key in expected:
                assert kept[key] == expected[key]
            else:
                with pytest.raises(KeyError):
                    kept[key]


def entry(member: int, milli: int) -> StandingEntry:
    return StandingEntry(
        member=f"did:key:m{member:05d}",
        name=f"M{member}",
        active=True,
        standing=milli / 1000,
        standing_milli=milli,
        value_points="0",
        value_points_milli=0,
        value_points_this_month="0",
        privileges={},
    )


@pytest.mark.parametrize("members", [1, 2, RUN - 1, 3 * RUN + 17])
def test_a_ranked_table_moves_members_as_a_sorted_list_would(members: int) -> None:
    rng = random.Random(members)
    entries = {m: entry(m, rng.randrange(50) * 1000) for m in range(members)}
    listed = sorted(entries.values(), key=_order)
    ranked = Ranked.of(listed)
    for _ in range(6 * RUN):
        member = rng.randrange(members)
        after = entry(member, rng.choice([0, rng.randrange(60) * 1000, 10**9]))
        before = entries[member]
        ranked = ranked.moved(before, after)
        entries[member] = after
        listed.remove(before)
        listed.append(after)
        listed.sort(key=_order)
        assert len(ranked) == members
        assert all(len(run) <= 2 * RUN for run in ranked.runs)
        start = rng.randrange(members + 3)
        limit = rng.choice([None, 1, 100, RUN + 3])
        end = None if limit is None else start + limit
        assert ranked.page(start, limit) == tuple(listed[start:end])
    assert ranked.page(0, None) == tuple(listed)
