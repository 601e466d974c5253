"""Upstream credit over a derivation DAG, exactly, in integer minor units.

Step 6 of docs/design/property.md. Artifacts are nodes ``0..n-1``; a derivation edge ``e`` says
that artifact ``derived[e]`` was derived from artifact ``source[e]``, with a weight (an int >= 1:
the share of the derived artifact's upstream that goes to this source, relative to its other
sources). Money received directly by an artifact (``received``, minor units) flows up the DAG:

* ``inflow(v)`` is what v's derivers passed to it;
* ``passed(v) = (received(v) * first_bp + inflow(v) * further_bp) // 10000`` if v has sources
  and passes (``passes[v]``), else 0: ``first_bp`` of what v received itself goes to its
  sources, and ``further_bp`` of what came to it from its derivers goes further (the decay per
  hop);
* ``passed(v)`` splits over v's sources by weight with the largest-remainder method (as
  ``commonwork.economy.split``): each edge gets ``floor(passed * w / W)``, W the sum of v's
  weights; the units left over (fewer than v's sources) go one each to the edges with the largest
  remainders ``passed * w mod W``, ties to the lower edge in the canonical order (edges sorted by
  ``(derived, source)``, so: to the lower source);
* ``kept(v) = received(v) + inflow(v) - passed(v)``.

The rule is node-local: once every deriver of v is done, inflow(v) is final and v's outgoing
amounts follow from it alone. So any topological order (every derived node before its sources)
gives the same result, and every quantity is an integer computed with integer arithmetic: no
rounding happens anywhere but in the floor of ``passed`` (what v keeps of the fraction) and in
the split, whose parts sum to ``passed`` by construction. Hence, exactly, for every node
``received + inflow == kept + passed`` and the flows on its out-edges sum to ``passed``; every
flow is some node's inflow, so ``sum(kept) == sum(received)``: nothing is created or lost.

:func:`propagate` does this with numpy over a CSR adjacency by derived node and a reverse index
by source, by Kahn's algorithm by levels: the nodes whose derivers are all done form one level
(an antichain: no node of a level derives, even indirectly, from another) and are processed
together with vectorised integer operations: their inflow gathered from the flows of their
in-edges, what each passes, the floors and remainders of the split, one sort ranking the
remainders within each node's edges, the "done" counts scattered to their sources. Every edge is
touched a constant number of times and sorted once or twice: O(E log E) in all, plus a constant
per level. Amounts are int64 when nothing can exceed ``2**63 - 1``: every amount (and any sum of
amounts over one level, an antichain, which no unit of money reaches twice) is at most the total
received, a passed amount at most that total times 10000 before its division, a share at most
the total times the largest weight; the bound is checked up front, and past it the same code runs
on object arrays of Python ints, exact at any size.
:func:`explain` says why one node holds what it holds, at a cost proportional to its edges.
:func:`propagate_reference` is the same rule written plainly (dicts, a loop, Python ints): the
oracle the tests compare :func:`propagate` with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

BP = 10_000  # basis points in a whole
INT64_MAX = 2**63 - 1

#: Node or edge indices and offsets.
Index = npt.NDArray[np.int64]
#: Amounts (minor units) or weights: int64, or object arrays of Python ints when int64 could
#: overflow (``Upstream.python_ints``). Either way every element is an exact integer.
Amounts = npt.NDArray[Any]


@dataclass(frozen=True, slots=True, eq=False)
class Upstream:
    """The result of :func:`propagate`. Arrays are read-only.

    Per node (length n): ``received``, ``inflow``, ``passed``, ``kept``, ``passes``. Per edge
    (length E, in the canonical order: sorted by ``(derived, source)``): ``derived``, ``source``,
    ``weight``, ``flow``. The adjacency: the out-edges of node v (its sources) are the edges
    ``out_start[v]:out_start[v + 1]``; its in-edges (its derivers) are
    ``in_edges[in_start[v]:in_start[v + 1]]``, ordered by deriver. ``levels``: how many levels
    Kahn's algorithm processed. ``python_ints``: the amounts are object arrays of Python ints
    (int64 could have overflowed) rather than int64.
    """

    received: Amounts
    inflow: Amounts
    passed: Amounts
    kept: Amounts
    passes: npt.NDArray[np.bool_]
    derived: Index
    source: Index
    weight: Amounts
    flow: Amounts
    out_start: Index
    in_start: Index
    in_edges: Index
    first_bp: int
    further_bp: int
    levels: int
    python_ints: bool

    @property
    def nodes(self) -> int:
        return len(self.received)

    @property
    def edges(self) -> int:
        return len(self.derived)

    def out_edges(self, node: int) -> range:
        """The canonical indices of ``node``'s edges to its sources."""
        return range(int(self.out_start[node]), int(self.out_start[node + 1]))

    def in_edge_indices(self, node: int) -> Index:
        """The canonical indices of the edges from ``node``'s derivers, by deriver."""
        return self.in_edges[int(self.in_start[node]) : int(self.in_start[node + 1])]


class Inflow(NamedTuple):
    """What one deriver passed to the node explained."""

    derived: int
    edge: int
    amount: int


class Outflow(NamedTuple):
    """What the node explained passed to one of its sources, and how the split decided it."""

    source: int
    edge: int
    weight: int
    amount: int
    #: The exact share is ``passed * weight / total_weight = floor + remainder / total_weight``.
    floor: int
    remainder: int
    rounded_up: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one node holds what it holds: "why this number"."""

    node: int
    received: int
    inflow: int
    from_derivers: tuple[Inflow, ...]
    passes: bool
    first_bp: int
    further_bp: int
    passed: int
    total_weight: int
    to_sources: tuple[Outflow, ...]
    kept: int

    def lines(self) -> list[str]:
        """The explanation as text, one fact a line."""
        lines = [f"artifact {self.node} received {self.received:,} directly"]
        for given in self.from_derivers:
            lines.append(f"  + {given.amount:,} from artifact {given.derived} (derived from it)")
        lines.append(f"inflow from its derivers: {self.inflow:,}")
        if not self.to_sources:
            lines.append("it has no sources: it passes nothing")
        elif not self.passes:
            lines.append("it does not pass upstream: it passes nothing")
        else:
            lines.append(
                f"passed = ({self.received:,} x {self.first_bp} + {self.inflow:,} x "
                f"{self.further_bp}) // {BP} = {self.passed:,}, split by weight "
                f"(total {self.total_weight:,}), largest remainders rounded up"
            )
            for part in self.to_sources:
                up = " + 1 (largest remainder)" if part.rounded_up else ""
                lines.append(
                    f"  - {part.amount:,} to artifact {part.source} (weight {part.weight:,}: "
                    f"{part.floor:,} and {part.remainder:,}/{self.total_weight:,}{up})"
                )
        lines.append(
            f"kept = {self.received:,} + {self.inflow:,} - {self.passed:,} = {self.kept:,}"
        )
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


class Reference(NamedTuple):
    """The result of :func:`propagate_reference`: lists per node, flows by (derived, source)."""

    kept: list[int]
    inflow: list[int]
    passed: list[int]
    flow: dict[tuple[int, int], int]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def _integers(values: npt.ArrayLike, what: str) -> Amounts:
    """``values`` as a one-dimensional int64 array, or an object array of Python ints when one
    does not fit in int64. Floats and booleans are refused: money is never a float."""
    if isinstance(values, np.ndarray):
        array: Amounts = values
    else:
        # Not np.asarray(values) alone: [1, 2**63] would become float64.
        array = np.array(values, dtype=object)
    if array.ndim != 1:
        raise ValueError(f"{what} is a one-dimensional sequence")
    if array.size == 0:  # np.array([]) is float64
        return np.zeros(0, dtype=np.int64)
    kind = array.dtype.kind
    if kind == "i":
        return array.astype(np.int64, copy=False)
    if kind == "u":
        if array.size and int(array.max()) > INT64_MAX:
            return array.astype(object)
        return array.astype(np.int64)
    if kind != "O":
        raise TypeError(f"{what} holds integers, not {array.dtype}")
    items = array.tolist()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | np.integer):
            raise TypeError(f"{what} holds integers, not {type(item).__name__}")
    ints = [int(item) for item in items]
    if all(-INT64_MAX - 1 <= item <= INT64_MAX for item in ints):
        return np.array(ints, dtype=np.int64)
    exact = np.empty(len(ints), dtype=object)
    exact[:] = ints
    return exact


def _basis_points(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{what} is an integer number of basis points")
    if not 0 <= value <= BP:
        raise ValueError(f"{what} is between 0 and {BP} basis points, not {value}")
    return int(value)


def _total(values: Amounts) -> int:
    """The exact sum of non-negative ``values`` as a Python int (int64 sums could overflow)."""
    if values.dtype == object:
        return int(sum(values.tolist()))
    high = int((values >> 32).sum())  # each part sums below 2**63 for fewer than 2**31 values
    low = int((values & 0xFFFFFFFF).sum())
    return (high << 32) + low


def _as_exact(values: Amounts) -> Amounts:
    """``values`` as an object array of Python ints."""
    if values.dtype == object:
        return values
    exact = np.empty(len(values), dtype=object)
    exact[:] = values.tolist()
    return exact


# ---------------------------------------------------------------------------------------------
# Vectorised helpers
# ---------------------------------------------------------------------------------------------


def _ranges(starts: Index, lengths: Index) -> Index:
    """The concatenation of ``range(starts[i], starts[i] + lengths[i])`` over i."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths  # where each range begins in the output
    result: Index = np.arange(total, dtype=np.int64)
    result += np.repeat(starts - before, lengths)
    return result


def _segment_sums(values: Amounts, lengths: Index) -> Amounts:
    """The sums of consecutive segments of ``values`` of the given lengths (some may be 0),
    exact: the partial sums never exceed the sum of all ``values``."""
    sums: Amounts = np.zeros(len(values) + 1, dtype=values.dtype)
    np.cumsum(values, out=sums[1:])
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    result: Amounts = sums[bounds[1:]] - sums[bounds[:-1]]
    return result


def _frozen(*arrays: npt.NDArray[Any]) -> None:
    for array in arrays:
        array.flags.writeable = False


# ---------------------------------------------------------------------------------------------
# The propagation
# ---------------------------------------------------------------------------------------------


def propagate(
    received: npt.ArrayLike,
    derived: npt.ArrayLike,
    source: npt.ArrayLike,
    weight: npt.ArrayLike,
    *,
    first_bp: int,
    further_bp: int,
    passes: npt.ArrayLike | None = None,
) -> Upstream:
    """Upstream credit over the derivation DAG of ``len(received)`` artifacts (see the module).

    ``received``: minor units each artifact received directly (>= 0); ``derived``, ``source``,
    ``weight``: one derivation edge each (any order; weights >= 1); ``first_bp``, ``further_bp``:
    0..10000; ``passes``: booleans per node, all True by default (a node that does not pass
    keeps everything). ValueError on a self loop, a pair given twice, an index out of range or a
    cycle (naming the artifacts on it); TypeError on non-integer amounts.
    """
    first_bp = _basis_points(first_bp, "first_bp")
    further_bp = _basis_points(further_bp, "further_bp")
    received_ = _integers(received, "received")
    n = len(received_)
    if n and (received_ < 0).any():
        raise ValueError(f"artifact {int(np.flatnonzero(received_ < 0)[0])} received less than 0")
    derived_, source_ = _integers(derived, "derived"), _integers(source, "source")
    weight_ = _integers(weight, "weight")
    count = len(derived_)
    if len(source_) != count or len(weight_) != count:
        raise ValueError(
            f"derived, source and weight have one element per edge: {count}, {len(source_)}, "
            f"{len(weight_)}"
        )
    if derived_.dtype == object or source_.dtype == object:
        raise ValueError(f"an edge names an artifact outside 0..{n - 1}")
    if count:
        outside = (derived_ < 0) | (derived_ >= n) | (source_ < 0) | (source_ >= n)
        if outside.any():
            edge = int(np.flatnonzero(outside)[0])
            raise ValueError(
                f"edge {edge} ({int(derived_[edge])} from {int(source_[edge])}) names an "
                f"artifact outside 0..{n - 1}"
            )
        if (weight_ < 1).any():
            edge = int(np.flatnonzero(weight_ < 1)[0])
            raise ValueError(f"edge {edge} has weight {weight_[edge]}: weights are >= 1")
        loops = np.flatnonzero(derived_ == source_)
        if loops.size:
            raise ValueError(f"artifact {int(derived_[loops[0]])} is derived from itself")
    if passes is None:
        passes_ = np.ones(n, dtype=np.bool_)
    else:
        passes_ = np.array(passes, dtype=np.bool_)  # a copy: the result's own
        if passes_.shape != (n,):
            raise ValueError(f"passes has one boolean per artifact ({n})")

    derived_, source_, weight_ = _canonical(derived_, source_, weight_, n)

    # int64 is exact when no product can exceed 2**63 - 1 (see the module's docstring): every
    # amount (inflow, passed, a flow, a sum over one level) is at most the total received, a
    # passed amount at most total * 10000 before its division, a share at most total * the
    # largest weight, a node's total weight at most the sum of all weights.
    total = _total(received_)
    largest = int(weight_.max()) if count else 1
    weights_total = _total(weight_) if count else 0
    python_ints = (
        received_.dtype == object
        or weight_.dtype == object
        or total * max(BP, largest) > INT64_MAX
        or weights_total > INT64_MAX
    )
    if python_ints:
        received_, weight_ = _as_exact(received_), _as_exact(weight_)
    else:
        received_ = np.array(received_, dtype=np.int64)
        weight_ = np.array(weight_, dtype=np.int64)
    money = received_.dtype

    # CSR by derived (the canonical order), and the reverse index by source.
    out_degree = np.bincount(derived_, minlength=n).astype(np.int64)
    out_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(out_degree, out=out_start[1:])
    in_degree = np.bincount(source_, minlength=n).astype(np.int64)
    in_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(in_degree, out=in_start[1:])
    in_edges = _by_source(source_)
    weight_sums = _segment_sums(weight_, out_degree)

    inflow: Amounts = np.zeros(n, dtype=money)
    passed: Amounts = np.zeros(n, dtype=money)
    flow: Amounts = np.zeros(count, dtype=money)
    waiting = in_degree.copy()  # derivers not yet done, per node
    stamp = np.zeros(n, dtype=np.int64)
    level: Index = np.flatnonzero(waiting == 0).astype(np.int64)
    levels = done = 0
    while level.size:
        levels += 1
        done += level.size
        # 1. Every deriver of the level is done: its inflow is final.
        flows_in = flow[in_edges[_ranges(in_start[level], in_degree[level])]]
        inflow[level] = _segment_sums(flows_in, in_degree[level])
        del flows_in
        # 2. What each node of the level passes, split over its sources.
        movers = level[(out_degree[level] > 0) & passes_[level]]
        amounts = (received_[movers] * first_bp + inflow[movers] * further_bp) // BP
        passed[movers] = amounts
        moving = amounts > 0
        _split(movers[moving], amounts[moving], out_start, out_degree, weight_, weight_sums, flow)
        # 3. The level is done: its sources wait for one deriver fewer each; those waiting for
        # none form the next level.
        outs = level[out_degree[level] > 0]
        sources = source_[_ranges(out_start[outs], out_degree[outs])]
        np.subtract.at(waiting, sources, 1)
        ready = sources[waiting[sources] == 0]
        stamp[ready] = np.arange(len(ready), dtype=np.int64)
        level = np.sort(ready[stamp[ready] == np.arange(len(ready))])  # each node once
    if done < n:
        raise ValueError(_cycle(waiting, derived_, in_start, in_edges))

    kept: Amounts = received_ + inflow - passed
    _frozen(received_, inflow, passed, kept, passes_, derived_, source_, weight_, flow)
    _frozen(out_start, in_start, in_edges)
    return Upstream(
        received=received_,
        inflow=inflow,
        passed=passed,
        kept=kept,
        passes=passes_,
        derived=derived_,
        source=source_,
        weight=weight_,
        flow=flow,
        out_start=out_start,
        in_start=in_start,
        in_edges=in_edges,
        first_bp=first_bp,
        further_bp=further_bp,
        levels=levels,
        python_ints=bool(python_ints),
    )


def _split(
    movers: Index,
    amounts: Amounts,
    out_start: Index,
    out_degree: Index,
    weight: Amounts,
    weight_sums: Amounts,
    flow: Amounts,
) -> None:
    """Write into ``flow`` the largest-remainder split of ``amounts[i]`` over the out-edges of
    ``movers[i]``, for all of them at once."""
    degree = out_degree[movers]
    edges = _ranges(out_start[movers], degree)
    segment = np.repeat(np.arange(len(movers), dtype=np.int64), degree)
    totals = weight_sums[movers][segment]
    shares = amounts[segment] * weight[edges]
    parts = shares // totals
    remainders = shares - parts * totals
    del shares, totals
    left = amounts - _segment_sums(parts, degree)  # 0 <= left < degree, per mover
    lucky = np.flatnonzero(left[segment] > 0)  # the edges of movers with units left over
    if lucky.size:
        within = segment[lucky]  # non-decreasing
        # Within each mover, its edges by remainder, largest first, equal remainders in edge
        # order (the canonical order: the lower source first).
        order = _rank_order(within, remainders[lucky], int(weight_sums[movers].max()))
        # Sorted by mover first, ``within`` is unchanged: position minus the mover's first
        # position is an edge's rank among the mover's edges.
        first = np.flatnonzero(np.r_[True, within[1:] != within[:-1]])
        rank = np.arange(len(lucky)) - np.repeat(first, np.diff(np.r_[first, len(lucky)]))
        winners = lucky[order[rank < left[within]]]
        parts[winners] += 1
    flow[edges] = parts


def _rank_order(within: Index, remainders: Amounts, bound: int) -> Index:
    """The order sorting edges by mover (``within``, non-decreasing), then by remainder, largest
    first, then by position (the canonical edge order: the lower source first). Remainders are
    below ``bound``."""
    count = len(within)
    movers = int(within[-1]) + 1
    if remainders.dtype != object and movers * bound * count <= INT64_MAX:
        # One sort of distinct int64 keys (a SIMD sort), instead of a lexsort.
        packed: Index = (within * bound + (bound - 1 - remainders)) * count
        packed += np.arange(count, dtype=np.int64)
        packed.sort()
        packed %= count
        return packed
    # lexsort is stable: equal remainders of a mover stay in position order.
    order: Index = np.lexsort((-remainders, within)).astype(np.int64)
    return order


def _canonical(
    derived: Amounts, source: Amounts, weight: Amounts, n: int
) -> tuple[Index, Index, Amounts]:
    """The edges sorted by (derived, source), in new arrays (the caller's are left alone);
    ValueError on a pair given twice."""
    if len(derived) and n * n > INT64_MAX:  # derived * n + source would not fit: a lexsort
        order = np.lexsort((source, derived))
        derived, source, weight = derived[order], source[order], weight[order]
        twice = np.flatnonzero((np.diff(derived) == 0) & (np.diff(source) == 0))
    else:
        key = derived * n + source
        step = np.diff(key)
        if (step < 0).any():
            largest = int(weight.max())
            if weight.dtype != object and n * n * (largest + 1) <= INT64_MAX:
                # Weights packed with their keys: one sort of int64 values (a SIMD sort), no
                # gathers. Pairs given twice are refused below, so stability does not matter.
                key *= largest + 1
                key += weight
                key.sort()
                key, weight = np.divmod(key, largest + 1)
            else:
                order = np.argsort(key)  # not stable: pairs given twice are refused below
                key, weight = key[order], weight[order]
                del order
            derived, source = np.divmod(key, n)
            step = np.diff(key)
        del key
        twice = np.flatnonzero(step == 0)
        del step
    if twice.size:
        edge = int(twice[0])
        raise ValueError(
            f"artifact {int(derived[edge])} is derived from artifact {int(source[edge])} "
            "twice: one edge per pair"
        )
    return (
        np.array(derived, dtype=np.int64),
        np.array(source, dtype=np.int64),
        np.array(weight, dtype=weight.dtype),
    )


def _by_source(source: Index) -> Index:
    """The edge indices sorted by (source, edge): with edges in the canonical order, by
    (source, derived)."""
    count = len(source)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if (int(source.max()) + 1) * count <= INT64_MAX:
        packed = source * count  # distinct keys: one SIMD sort, not a stable argsort
        packed += np.arange(count, dtype=np.int64)
        packed.sort()
        packed %= count
        return packed
    order: Index = np.argsort(source, kind="stable").astype(np.int64)
    return order


def _cycle(waiting: Index, derived: Index, in_start: Index, in_edges: Index) -> str:
    """A message naming a cycle among the nodes Kahn's algorithm never reached. Each of them
    waits for a deriver that was never reached either, so walking from deriver to deriver must
    come back to a node already seen: that node is on a cycle."""
    node = int(np.flatnonzero(waiting > 0)[0])
    seen: dict[int, int] = {}
    path: list[int] = []
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        for edge in in_edges[in_start[node] : in_start[node + 1]].tolist():
            if waiting[derived[edge]] > 0:
                node = int(derived[edge])
                break
    cycle = path[seen[node] :]  # each derived from the one before it
    names = " -> ".join(str(artifact) for artifact in [*reversed(cycle), cycle[-1]])
    return f"the derivations form a cycle ({names}, each derived from the next)"


# ---------------------------------------------------------------------------------------------
# Why this number
# ---------------------------------------------------------------------------------------------


def explain(result: Upstream, node: int) -> Explanation:
    """Why ``node`` holds what it holds: what it received, what each deriver passed to it, what
    it passed and how the split gave each source its amount. Cost: proportional to its edges."""
    if not 0 <= node < result.nodes:
        raise ValueError(f"no artifact {node} among 0..{result.nodes - 1}")
    edges_in = result.in_edge_indices(node).tolist()
    from_derivers = tuple(
        Inflow(int(result.derived[edge]), edge, int(result.flow[edge])) for edge in edges_in
    )
    edges_out = result.out_edges(node)
    passed = int(result.passed[node])
    weights = [int(result.weight[edge]) for edge in edges_out]
    total_weight = sum(weights)
    to_sources = []
    for edge, weight in zip(edges_out, weights, strict=True):
        floor, remainder = divmod(passed * weight, total_weight)
        amount = int(result.flow[edge])
        to_sources.append(
            Outflow(
                int(result.source[edge]), edge, weight, amount, floor, remainder, amount > floor
            )
        )
    return Explanation(
        node=node,
        received=int(result.received[node]),
        inflow=int(result.inflow[node]),
        from_derivers=from_derivers,
        passes=bool(result.passes[node]),
        first_bp=result.first_bp,
        further_bp=result.further_bp,
        passed=passed,
        total_weight=total_weight,
        to_sources=tuple(to_sources),
        kept=int(result.kept[node]),
    )


# ---------------------------------------------------------------------------------------------
# The reference
# ---------------------------------------------------------------------------------------------


def propagate_reference(
    received: Sequence[int],
    derived: Sequence[int],
    source: Sequence[int],
    weight: Sequence[int],
    *,
    first_bp: int,
    further_bp: int,
    passes: Sequence[bool] | None = None,
) -> Reference:
    """The rule of :func:`propagate` written plainly: dicts, a depth-first topological order, a
    loop over the nodes, Python ints. Slow; the oracle the tests hold :func:`propagate` to."""
    first_bp = _basis_points(first_bp, "first_bp")
    further_bp = _basis_points(further_bp, "further_bp")
    n = len(received)
    sources: dict[int, dict[int, int]] = {node: {} for node in range(n)}
    for d, s, w in zip(derived, source, weight, strict=True):
        d, s, w = int(d), int(s), int(w)
        if not (0 <= d < n and 0 <= s < n):
            raise ValueError(f"an edge names an artifact outside 0..{n - 1}")
        if d == s:
            raise ValueError(f"artifact {d} is derived from itself")
        if w < 1:
            raise ValueError(f"weights are >= 1, not {w}")
        if s in sources[d]:
            raise ValueError(f"artifact {d} is derived from artifact {s} twice: one edge per pair")
        sources[d][s] = w

    # A depth-first order: a node is finished after all its sources, so the reverse of the
    # finishing order puts every derived node before its sources.
    finished: list[int] = []
    state = dict.fromkeys(range(n), 0)  # 0 unseen, 1 on the stack, 2 finished
    for root in range(n):
        if state[root]:
            continue
        stack = [(root, iter(sorted(sources[root])))]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                finished.append(node)
            elif state[nxt] == 1:
                raise ValueError(f"the derivations form a cycle through artifact {nxt}")
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(sources[nxt]))))

    inflow = dict.fromkeys(range(n), 0)
    passed = dict.fromkeys(range(n), 0)
    flow: dict[tuple[int, int], int] = {}
    for node in reversed(finished):
        mine = sorted(sources[node].items())  # by source: the canonical edge order
        if not mine:
            continue
        if passes is None or passes[node]:
            amount = (int(received[node]) * first_bp + inflow[node] * further_bp) // BP
        else:
            amount = 0
        passed[node] = amount
        total = sum(w for _, w in mine)
        split = [divmod(amount * w, total) for _, w in mine]
        left = amount - sum(part for part, _ in split)
        by_remainder = sorted(range(len(mine)), key=lambda i: (-split[i][1], i))
        up = set(by_remainder[:left])
        for index, ((s, _), (part, _)) in enumerate(zip(mine, split, strict=True)):
            share = part + (1 if index in up else 0)
            flow[(node, s)] = share
            inflow[s] += share
    kept = [int(received[v]) + inflow[v] - passed[v] for v in range(n)]
    return Reference(kept, [inflow[v] for v in range(n)], [passed[v] for v in range(n)], flow)
