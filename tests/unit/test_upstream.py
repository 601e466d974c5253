"""Upstream credit (commonwork.property.upstream): ``propagate`` against the plain reference on
random DAGs, on the int64 path and on the Python-int path; conservation to the unit; every flow
within one unit of its exact share and the units left over at the largest remainders; the same
result whatever the order of the edges or the numbering of the nodes; hand-worked examples; and
every refusal (a cycle, a pair twice, a self loop, out of range, bad amounts)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonwork.property.upstream import (
    INT64_MAX,
    Upstream,
    _canonical,
    explain,
    propagate,
    propagate_reference,
)


@dataclass(frozen=True)
class Dag:
    received: list[int]
    derived: list[int]
    source: list[int]
    weight: list[int]
    first_bp: int
    further_bp: int
    passes: list[bool]

    def run(self, **changes: Any) -> Upstream:
        fields = {
            "received": self.received,
            "derived": self.derived,
            "source": self.source,
            "weight": self.weight,
        } | changes
        return propagate(
            fields["received"],
            fields["derived"],
            fields["source"],
            fields["weight"],
            first_bp=self.first_bp,
            further_bp=self.further_bp,
            passes=self.passes,
        )


AMOUNTS = st.integers(0, 10**15)
WEIGHTS = st.integers(1, 10_000)
BPS = st.one_of(st.sampled_from([0, 1, 3333, 5000, 9999, 10_000]), st.integers(0, 10_000))


@st.composite
def dags(
    draw: st.DrawFn,
    amounts: st.SearchStrategy[int] = AMOUNTS,
    weights: st.SearchStrategy[int] = WEIGHTS,
    max_nodes: int = 24,
) -> Dag:
    """n nodes, edges from a higher to a lower index (acyclic), then the nodes renumbered at
    random (so the order of the numbers is no topological order) and the edges shuffled."""
    n = draw(st.integers(0, max_nodes))
    pairs: dict[tuple[int, int], int] = {}
    if n >= 2:
        for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))):
            if a != b:
                pairs[(max(a, b), min(a, b))] = draw(weights)
    numbering = draw(st.permutations(range(n)))
    edges = [(numbering[d], numbering[s], w) for (d, s), w in pairs.items()]
    edges = draw(st.permutations(edges))
    return Dag(
        received=draw(st.lists(amounts, min_size=n, max_size=n)),
        derived=[d for d, _, _ in edges],
        source=[s for _, s, _ in edges],
        weight=[w for _, _, w in edges],
        first_bp=draw(BPS),
        further_bp=draw(BPS),
        passes=draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n)),
    )


def ints(array: Any) -> list[int]:
    return [int(x) for x in array.tolist()]


def check_against_reference(dag: Dag, result: Upstream) -> None:
    """Every output equal to the reference's, and every invariant, in Python ints."""
    reference = propagate_reference(
        dag.received,
        dag.derived,
        dag.source,
        dag.weight,
        first_bp=dag.first_bp,
        further_bp=dag.further_bp,
        passes=dag.passes,
    )
    kept, inflow, passed = ints(result.kept), ints(result.inflow), ints(result.passed)
    assert kept == reference.kept
    assert inflow == reference.inflow
    assert passed == reference.passed
    derived, source, weight = ints(result.derived), ints(result.source), ints(result.weight)
    flow = ints(result.flow)
    assert dict(zip(zip(derived, source, strict=True), flow, strict=True)) == reference.flow
    assert list(zip(derived, source, strict=True)) == sorted(
        zip(dag.derived, dag.source, strict=True)
    )
    assert ints(result.received) == dag.received

    # Conservation, exactly.
    n = len(dag.received)
    assert sum(kept) == sum(dag.received)
    assert all(min(row) >= 0 for row in (kept, inflow, passed, flow) if row)
    out = [0] * n
    into = [0] * n
    total_weight = [0] * n
    for d, s, w, f in zip(derived, source, weight, flow, strict=True):
        out[d] += f
        into[s] += f
        total_weight[d] += w
    for v in range(n):
        assert dag.received[v] + inflow[v] == kept[v] + passed[v]
        assert out[v] == passed[v]
        assert into[v] == inflow[v]
        if total_weight[v] and dag.passes[v]:
            rule = (dag.received[v] * dag.first_bp + inflow[v] * dag.further_bp) // 10_000
            assert passed[v] == rule
        else:
            assert passed[v] == 0

    # Largest remainder: each flow within one unit of its exact share, and the units rounded up
    # have remainders no smaller than those not rounded up (ties to the lower edge).
    by_node: dict[int, list[tuple[int, int, int]]] = {}
    for e, (d, w, f) in enumerate(zip(derived, weight, flow, strict=True)):
        exact = passed[d] * w
        big = total_weight[d]
        assert abs(f * big - exact) < big
        floor, remainder = divmod(exact, big)
        assert f in (floor, floor + 1)
        by_node.setdefault(d, []).append((remainder, -e, f - floor))
    for entries in by_node.values():
        up = [(r, e) for r, e, extra in entries if extra]
        down = [(r, e) for r, e, extra in entries if not extra]
        if up and down:
            assert min(up) > max(down)


@settings(max_examples=300, deadline=None)
@given(dags())
def test_matches_the_reference_and_conserves(dag: Dag) -> None:
    check_against_reference(dag, dag.run())


@settings(max_examples=150, deadline=None)
@given(dags(amounts=st.integers(0, 10**9), weights=st.integers(1, 10_000)))
def test_the_int64_path(dag: Dag) -> None:
    result = dag.run()
    assert not result.python_ints
    assert result.kept.dtype == np.int64
    assert result.flow.dtype == np.int64
    check_against_reference(dag, result)


@settings(max_examples=150, deadline=None)
@given(
    dags(
        amounts=st.integers(10**15, 10**18),
        weights=st.one_of(st.integers(1, 10**12), st.integers(2**62, 2**66)),
    ),
    st.integers(0, 2**70),
)
def test_the_python_int_path(dag: Dag, huge: int) -> None:
    """Amounts times weights far past int64, and amounts past int64 themselves."""
    result = dag.run()
    assert result.python_ints or not dag.received
    check_against_reference(dag, result)
    if dag.received:
        bigger = dataclasses.replace(dag, received=[huge, *dag.received[1:]])
        check_against_reference(bigger, bigger.run())


@settings(max_examples=100, deadline=None)
@given(dags(amounts=st.integers(0, 20), weights=st.integers(10**15, 10**17), max_nodes=40))
def test_int64_with_huge_weights(dag: Dag) -> None:
    """Small amounts, huge weights: still int64, but neither the keys packed with the weights
    nor the remainders packed with the movers fit, so the sorts take their general paths."""
    result = dag.run()
    largest = max([10_000, *dag.weight])
    too_big = sum(dag.received) * largest > INT64_MAX or sum(dag.weight) > INT64_MAX
    assert result.python_ints == too_big
    check_against_reference(dag, result)


def test_int64_when_the_remainders_cannot_be_packed() -> None:
    """40 sources of weights near 10**17 (4 * 10**18 in all, still int64) and 7 units to split:
    the remainders are ranked by a lexsort, not one packed sort, with the same result."""
    weights = [10**17 - i * 10**15 for i in range(40)]
    dag = Dag([0] * 40 + [7], [40] * 40, list(range(40)), weights, 10_000, 0, [True] * 41)
    result = dag.run()
    assert not result.python_ints
    check_against_reference(dag, result)
    assert ints(result.flow) == [1] * 7 + [0] * 33


@settings(max_examples=100, deadline=None)
@given(dags(amounts=st.integers(0, 10**6)), st.data())
def test_near_the_int64_bound(dag: Dag, data: st.DataObject) -> None:
    """Totals right at the bound where int64 is still used, and one unit past it."""
    if not dag.received:
        return
    largest = max([10_000, *dag.weight])
    limit = INT64_MAX // largest  # the largest total received kept in int64
    for total, wide in ((limit, False), (limit + 1, True)):
        others = len(dag.received) - 1
        spread = data.draw(st.lists(st.integers(0, total), min_size=others, max_size=others))
        cuts = sorted(spread)
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        near = dataclasses.replace(dag, received=parts)
        result = near.run()
        assert result.python_ints == wide
        check_against_reference(near, result)


@settings(max_examples=100, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_the_order_of_the_edges_does_not_matter(dag: Dag, rng: Any) -> None:
    first = dag.run()
    order = list(range(len(dag.derived)))
    rng.shuffle(order)
    second = dag.run(
        derived=np.array([dag.derived[i] for i in order], dtype=np.int64),
        source=np.array([dag.source[i] for i in order], dtype=np.int64),
        weight=[dag.weight[i] for i in order],
    )
    for name in ("kept", "inflow", "passed", "derived", "source", "weight", "flow", "in_edges"):
        assert ints(getattr(first, name)) == ints(getattr(second, name)), name
    assert first.levels == second.levels


@settings(max_examples=100, deadline=None)
@given(dags())
def test_explain_agrees_with_the_result(dag: Dag) -> None:
    result = dag.run()
    for node in range(result.nodes):
        why = explain(result, node)
        assert why.received + why.inflow == why.kept + why.passed
        assert why.inflow == sum(part.amount for part in why.from_derivers)
        assert why.passed == sum(part.amount for part in why.to_sources)
        assert all(result.source[part.edge] == node for part in why.from_derivers)
        assert [part.source for part in why.to_sources] == sorted(
            s for d, s in zip(dag.derived, dag.source, strict=True) if d == node
        )
        assert str(why).startswith(f"artifact {node} received")


# ---------------------------------------------------------------------------------------------
# Hand-worked examples
# ---------------------------------------------------------------------------------------------

C, B, A = 0, 1, 2  # A derived from B, B derived from C


def test_a_chain_with_decay() -> None:
    # A received 1,000,000 and passes 10% of it: 100,000 to B, keeps 900,000.
    # B received 10,000 itself: passes 10% of it and 50% of its inflow:
    #   (10,000 * 1000 + 100,000 * 5000) // 10000 = 1,000 + 50,000 = 51,000 to C,
    #   keeps 10,000 + 100,000 - 51,000 = 59,000.
    # C has no sources: keeps its inflow, 51,000. In all 900,000 + 59,000 + 51,000 = 1,010,000.
    result = propagate(
        [0, 10_000, 1_000_000], [A, B], [B, C], [1, 1], first_bp=1000, further_bp=5000
    )
    assert ints(result.kept) == [51_000, 59_000, 900_000]
    assert ints(result.inflow) == [51_000, 100_000, 0]
    assert ints(result.passed) == [0, 51_000, 100_000]
    assert ints(result.derived) == [B, A]
    assert ints(result.source) == [C, B]
    assert ints(result.flow) == [51_000, 100_000]
    assert result.levels == 3
    # B does not pass: it keeps the 110,000, C gets nothing.
    held = propagate(
        [0, 10_000, 1_000_000],
        [A, B],
        [B, C],
        [1, 1],
        first_bp=1000,
        further_bp=5000,
        passes=[True, False, True],
    )
    assert ints(held.kept) == [0, 110_000, 900_000]
    assert ints(held.flow) == [0, 100_000]


def test_a_diamond_with_remainders() -> None:
    # D (3) received 100 and passes all of it: to B (1) with weight 1 and to C (2) with weight 2.
    # Shares 100/3 = 33 rest 1 and 200/3 = 66 rest 2: 99, one unit left, to the largest
    # remainder, C: B gets 33, C gets 67.
    # B passes half its inflow: 33 * 5000 // 10000 = 16 (16.5 floored), keeps 17.
    # C: 67 * 5000 // 10000 = 33 (33.5), keeps 34. A (0) receives 16 + 33 = 49 and keeps it.
    # Kept: 49 + 17 + 34 + 0 = 100.
    result = propagate(
        [0, 0, 0, 100], [3, 3, 1, 2], [1, 2, 0, 0], [1, 2, 1, 1], first_bp=10_000, further_bp=5000
    )
    assert ints(result.kept) == [49, 17, 34, 0]
    assert ints(result.inflow) == [49, 33, 67, 0]
    assert ints(result.passed) == [0, 16, 33, 100]
    # Canonical order (derived, source): (1, 0), (2, 0), (3, 1), (3, 2).
    assert ints(result.flow) == [16, 33, 33, 67]
    why = explain(result, 3)
    assert [(p.source, p.floor, p.remainder, p.rounded_up) for p in why.to_sources] == [
        (1, 33, 1, False),
        (2, 66, 2, True),
    ]
    assert [(p.derived, p.amount) for p in explain(result, 0).from_derivers] == [(1, 16), (2, 33)]
    text = str(explain(result, 0))
    assert "+ 16 from artifact 1 (derived from it)" in text
    assert "kept = 0 + 49 - 0 = 49" in text


def test_equal_remainders_go_to_the_lower_source() -> None:
    # 10 over three equal weights: 3 each, rest 1 each; the one unit left goes to source 0.
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        result = propagate(
            [0, 0, 0, 10], [3, 3, 3], order, [7, 7, 7], first_bp=10_000, further_bp=0
        )
        assert ints(result.flow) == [4, 3, 3]
        assert ints(result.kept) == [4, 3, 3, 0]


def test_nodes_without_edges_keep_what_they_received() -> None:
    result = propagate([5, 0, 7], [], [], [], first_bp=10_000, further_bp=10_000)
    assert ints(result.kept) == [5, 0, 7]
    assert result.levels == 1
    assert result.edges == 0


def test_the_empty_graph() -> None:
    result = propagate([], [], [], [], first_bp=100, further_bp=100)
    assert (result.nodes, result.edges, result.levels) == (0, 0, 0)
    assert ints(result.kept) == []
    assert propagate_reference([], [], [], [], first_bp=100, further_bp=100).kept == []


def test_the_result_is_read_only_and_the_inputs_untouched() -> None:
    derived = np.array([2, 1], dtype=np.int64)
    source = np.array([1, 0], dtype=np.int64)
    received = np.array([0, 0, 10], dtype=np.int64)
    result = propagate(received, derived, source, [1, 1], first_bp=5000, further_bp=5000)
    with pytest.raises(ValueError, match="read-only"):
        result.kept[0] = 1
    assert received.flags.writeable
    assert ints(received) == [0, 0, 10]
    assert ints(derived) == [2, 1]


def test_canonical_order_when_keys_would_not_fit() -> None:
    """Past 3e9 nodes derived * n + source would overflow: the order comes from a lexsort."""
    derived = np.array([5, 2, 5, 2], dtype=np.int64)
    source = np.array([3, 1, 0, 0], dtype=np.int64)
    weight = np.array([1, 2, 3, 4], dtype=np.int64)
    d, s, w = _canonical(derived, source, weight, 2**32)
    assert (ints(d), ints(s), ints(w)) == ([2, 2, 5, 5], [0, 1, 0, 3], [4, 2, 3, 1])
    with pytest.raises(ValueError, match="twice"):
        _canonical(np.array([5, 5]), np.array([3, 3]), np.array([1, 1]), 2**32)


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------


def test_a_cycle_is_refused_naming_it() -> None:
    # 4 derived from 0; 0 -> 1 -> 2 -> 0 is a cycle (each derived from the next); 3 is its
    # source, never reached either.
    derived, source = [4, 0, 1, 2, 2], [0, 1, 2, 0, 3]
    with pytest.raises(ValueError, match="cycle") as caught:
        propagate([1] * 5, derived, source, [1] * 5, first_bp=100, further_bp=100)
    names = str(caught.value)
    assert "0 -> 1 -> 2 -> 0" in names or "1 -> 2 -> 0 -> 1" in names or "2 -> 0 -> 1 -> 2" in names
    with pytest.raises(ValueError, match="cycle"):
        propagate_reference([1] * 5, derived, source, [1] * 5, first_bp=100, further_bp=100)
    with pytest.raises(ValueError, match=r"cycle \((0 -> 1 -> 0|1 -> 0 -> 1),"):
        propagate([0, 0], [0, 1], [1, 0], [1, 1], first_bp=1, further_bp=1)


def test_a_pair_given_twice_is_refused() -> None:
    for derived, source in (([2, 1, 2], [0, 0, 0]), ([1, 2, 2], [0, 0, 0]), ([2, 2], [0, 0])):
        with pytest.raises(ValueError, match="artifact 2 is derived from artifact 0 twice"):
            propagate([0, 0, 0], derived, source, [1] * len(derived), first_bp=1, further_bp=1)
        with pytest.raises(ValueError, match="twice"):
            propagate_reference(
                [0, 0, 0], derived, source, [1] * len(derived), first_bp=1, further_bp=1
            )
    # Weights packed with the keys or not, the same refusal.
    with pytest.raises(ValueError, match="artifact 2 is derived from artifact 0 twice"):
        propagate([0, 0, 0], [2, 1, 2], [0, 0, 0], [1, 1, 2**62], first_bp=1, further_bp=1)


def test_a_self_loop_is_refused() -> None:
    with pytest.raises(ValueError, match="artifact 1 is derived from itself"):
        propagate([0, 0], [1], [1], [1], first_bp=1, further_bp=1)
    with pytest.raises(ValueError, match="itself"):
        propagate_reference([0, 0], [1], [1], [1], first_bp=1, further_bp=1)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"derived": [3]}, ValueError, "outside 0..2"),
        ({"source": [-1]}, ValueError, "outside 0..2"),
        ({"weight": [0]}, ValueError, "weights are >= 1"),
        ({"received": [0, -1, 0]}, ValueError, "artifact 1 received less than 0"),
        ({"received": [0.5, 0, 0]}, TypeError, "integers"),
        ({"received": np.array([1.0, 0, 0])}, TypeError, "integers"),
        ({"received": [True, 0, 0]}, TypeError, "integers"),
        ({"weight": [1, 2]}, ValueError, "one element per edge"),
        ({"first_bp": 10_001}, ValueError, "between 0 and 10000"),
        ({"further_bp": -1}, ValueError, "between 0 and 10000"),
        ({"first_bp": 1.5}, TypeError, "basis points"),
        ({"passes": [True]}, ValueError, "one boolean per artifact"),
        ({"received": [[1, 2, 3]]}, ValueError, "one-dimensional"),
    ],
)
def test_bad_inputs_are_refused(change: dict[str, Any], error: type[Exception], match: str) -> None:
    arguments: dict[str, Any] = {
        "received": [0, 0, 1],
        "derived": [2],
        "source": [1],
        "weight": [1],
        "first_bp": 1000,
        "further_bp": 1000,
    } | change
    with pytest.raises(error, match=match):
        propagate(
            arguments.pop("received"),
            arguments.pop("derived"),
            arguments.pop("source"),
            arguments.pop("weight"),
            **arguments,
        )


def test_explain_refuses_an_unknown_node() -> None:
    result = propagate([1], [], [], [], first_bp=1, further_bp=1)
    with pytest.raises(ValueError, match="no artifact 1"):
        explain(result, 1)
