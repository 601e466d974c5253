"""Upstream credit at scale (docs/design/property.md, step 6): ``propagate`` over a derivation DAG
of 10,000,000 edges, and over 1,000,000 edges beside the same rule written with networkx.

1. **10,000,000 edges.** A seeded random DAG: ``--edges`` (10,000,000) distinct derivation edges
   over ``--edges / 5`` artifacts (each derived artifact picks its sources uniformly among the
   artifacts numbered below it, so about 5 sources each), weights 1..100, money received
   directly by one artifact in ten (up to 1,000,000.00 in cents), one artifact in a hundred not
   passing (another commons' work whose sources are not known). The edges are given in a random
   order (``propagate`` sorts them; the figure with them already in (derived, source) order is
   printed too). ``commonwork.property.upstream.propagate`` is timed (median of ``--runs``,
   target < 5 s) and the process' peak memory read (``ru_maxrss``: everything this process held
   at once, the DAG's arrays included; target < 4 GB). Then the result is checked exactly, in
   integers: the money kept sums to the money received; every artifact's received + inflow
   equals kept + passed; the flows out of an artifact sum to what it passed, those into it to
   its inflow; every flow is within one unit of its exact share. The number of levels Kahn's
   algorithm went through is printed, and ``explain`` of the artifact with the most derivers is
   timed (its cost is proportional to its edges).
2. **1,000,000 edges beside networkx.** The same kind of DAG; ``propagate`` timed, then the same
   rule with networkx: a ``DiGraph`` built from the edges (timed apart: the inputs turned into
   Python objects and ``add_weighted_edges_from``), then ``nx.topological_sort`` and a Python loop
   splitting each node's amount over its sources by largest remainder. Both give the same
   integers (checked and printed). The speed-up is printed against networkx's propagation alone
   (target >= 10x) and with its graph building.

Nothing here asserts a time: each figure is printed beside its target, "met" or "NOT MET", with
the machine it ran on. Progress goes to stderr.

    .venv/bin/python benchmarks/upstream.py --quick               # smoke run, a few seconds
    .venv/bin/python benchmarks/upstream.py                       # full run, about a minute
    .venv/bin/python benchmarks/upstream.py --skip-networkx --edges 20000000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

import reads
from _machine import describe_machine, machine_facts
from commonwork.property.upstream import Upstream, explain, propagate

SECONDS = 5.0  # 10,000,000 edges
MEMORY = 4 * 10**9  # bytes
SPEED_UP = 10.0  # beside networkx's propagation alone
SOURCES_EACH = 5  # edges per node on average
RECEIVING = 0.10  # the share of artifacts that received money directly
HOLDING = 0.01  # the share of artifacts that do not pass (another commons' work)

Ints = npt.NDArray[np.int64]


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def peak_bytes() -> int:
    """The process' peak resident memory (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Dag:
    """A seeded random derivation DAG: edge arrays, money received, who passes."""

    def __init__(self, edges: int, seed: int) -> None:
        self.nodes = max(edges // SOURCES_EACH, 3)
        n = self.nodes
        if edges > n * (n - 1) // 2:
            raise SystemExit(f"{edges:,} edges do not fit among {n:,} artifacts")
        rng = np.random.default_rng(seed)
        keys = np.zeros(0, dtype=np.int64)  # derived * n + source, distinct
        while len(keys) < edges:
            wanted = int((edges - len(keys)) * 1.002) + 16
            derived = rng.integers(1, n, wanted)
            source = (rng.random(wanted) * derived).astype(np.int64)  # uniform below derived
            keys = np.unique(np.concatenate([keys, derived * n + source]))
            del derived, source
        if len(keys) > edges:
            keys = np.delete(keys, rng.choice(len(keys), len(keys) - edges, replace=False))
        self.sorted_derived, self.sorted_source = np.divmod(keys, n)
        del keys
        self.sorted_weight = rng.integers(1, 101, edges).astype(np.int64)
        order = rng.permutation(edges)  # the edges as they might come: in no order
        self.derived = self.sorted_derived[order]
        self.source = self.sorted_source[order]
        self.weight = self.sorted_weight[order]
        del order
        self.received = np.zeros(n, dtype=np.int64)
        paid = rng.choice(n, int(n * RECEIVING), replace=False)
        self.received[paid] = rng.integers(1, 100_000_001, len(paid))
        self.passes = rng.random(n) >= HOLDING

    @property
    def edges(self) -> int:
        return len(self.derived)

    def run(self, first_bp: int, further_bp: int, *, in_order: bool = False) -> Upstream:
        if in_order:
            return propagate(
                self.received,
                self.sorted_derived,
                self.sorted_source,
                self.sorted_weight,
                first_bp=first_bp,
                further_bp=further_bp,
                passes=self.passes,
            )
        return propagate(
            self.received,
            self.derived,
            self.source,
            self.weight,
            first_bp=first_bp,
            further_bp=further_bp,
            passes=self.passes,
        )


def timed(runs: int, call: Any) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        result = None
        gc.collect()
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return times, result


def segment_sums(values: Ints, starts: Ints) -> Ints:
    """Sums of values[starts[i]:starts[i + 1]] (the last to the end), for non-empty segments."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    sums: Ints = np.add.reduceat(values, starts)
    return sums


def check(dag: Dag, result: Upstream) -> list[str]:
    """The result's invariants, exactly in integers, each as a printed line; exits on a failure.
    Every amount of an int64 result is at most the total received, and every product below is
    at most the total times 10,000 or the largest weight: int64 holds them all exactly."""
    lines = []
    received_total = sum(dag.received.tolist())
    kept_total = sum(result.kept.tolist())
    if kept_total != received_total:
        raise SystemExit(f"NOT CONSERVED: kept {kept_total} of {received_total} received")
    lines.append(
        f"sum(kept) = {kept_total:,} = sum(received), exactly (minor units, over "
        f"{result.nodes:,} artifacts)"
    )
    if result.python_ints:
        raise SystemExit("the amounts went to Python ints: the checks below assume int64")
    balance = (result.received + result.inflow) == (result.kept + result.passed)
    if not balance.all() or (result.kept < 0).any():
        raise SystemExit(f"{int((~balance).sum())} artifacts out of balance")
    lines.append("every artifact: received + inflow = kept + passed, kept >= 0")
    out_degree = np.diff(result.out_start)
    givers = np.flatnonzero(out_degree > 0)
    out = segment_sums(result.flow, result.out_start[givers])
    if not np.array_equal(out, result.passed[givers]) or result.passed[out_degree == 0].any():
        raise SystemExit("the flows out of an artifact do not sum to what it passed")
    in_degree = np.diff(result.in_start)
    takers = np.flatnonzero(in_degree > 0)
    into = segment_sums(result.flow[result.in_edges], result.in_start[takers])
    if not np.array_equal(into, result.inflow[takers]) or result.inflow[in_degree == 0].any():
        raise SystemExit("the flows into an artifact do not sum to its inflow")
    lines.append("every artifact: its out-flows sum to passed, its in-flows to inflow")
    totals = segment_sums(result.weight, result.out_start[givers])
    total_of_edge = np.repeat(totals, out_degree[givers])
    exact = result.passed[result.derived] * result.weight
    off = np.abs(result.flow * total_of_edge - exact)
    if (off >= total_of_edge).any():
        raise SystemExit("a flow is not within one unit of its exact share")
    rounded = int((result.flow * total_of_edge > exact).sum())
    lines.append(
        f"every flow within one unit of its exact share passed * w / W ({rounded:,} of "
        f"{result.edges:,} rounded up, by largest remainder)"
    )
    return lines


# ---------------------------------------------------------------------------------------------
# The same rule with networkx
# ---------------------------------------------------------------------------------------------


def networkx_build(dag: Dag) -> tuple[nx.DiGraph, list[int], list[bool]]:
    """The DiGraph (an edge derived -> source, its weight as edge data) and the per-node inputs
    as Python objects."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(dag.nodes))
    graph.add_weighted_edges_from(
        zip(dag.derived.tolist(), dag.source.tolist(), dag.weight.tolist(), strict=True)
    )
    return graph, dag.received.tolist(), dag.passes.tolist()


def networkx_propagate(
    graph: nx.DiGraph, received: list[int], passes: list[bool], first_bp: int, further_bp: int
) -> tuple[list[int], list[int], list[int], dict[tuple[int, int], int]]:
    """Kept, inflow and passed per node, and the flow per (derived, source): a topological sort,
    then each node's amount split over its sources (in source order) by largest remainder."""
    n = graph.number_of_nodes()
    inflow, passed = [0] * n, [0] * n
    flow: dict[tuple[int, int], int] = {}
    for node in nx.topological_sort(graph):
        adjacent = graph[node]
        if not adjacent:
            continue
        amount = 0
        if passes[node]:
            amount = (received[node] * first_bp + inflow[node] * further_bp) // 10_000
        passed[node] = amount
        sources = sorted(adjacent)
        weights = [adjacent[source]["weight"] for source in sources]
        total = sum(weights)
        parts = [divmod(amount * weight, total) for weight in weights]
        left = amount - sum(part for part, _ in parts)
        up = set(sorted(range(len(sources)), key=lambda i: (-parts[i][1], i))[:left])
        for index, source in enumerate(sources):
            share = parts[index][0] + (index in up)
            flow[(node, source)] = share
            inflow[source] += share
    kept = [received[v] + inflow[v] - passed[v] for v in range(n)]
    return kept, inflow, passed, flow


# ---------------------------------------------------------------------------------------------
# The phases
# ---------------------------------------------------------------------------------------------


def phase_large(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    edges = args.edges
    progress(f"generating a DAG of {edges:,} edges (seed {args.seed})…")
    began = time.perf_counter()
    dag = Dag(edges, args.seed)
    generated = time.perf_counter() - began
    paid = int((dag.received > 0).sum())
    print(
        f"\n1. a derivation DAG of {dag.edges:,} edges over {dag.nodes:,} artifacts (generated in "
        f"{generated:.1f} s, not timed below): weights 1..100, {paid:,} artifacts received money "
        f"directly ({sum(dag.received.tolist()):,} minor units in all), "
        f"{int((~dag.passes).sum()):,} do not pass; first_bp {args.first_bp}, further_bp "
        f"{args.further_bp}"
    )
    progress(f"propagate, edges in random order, {args.runs} runs…")
    times, result = timed(args.runs, lambda: dag.run(args.first_bp, args.further_bp))
    peak = peak_bytes()
    median = statistics.median(times)
    print(
        f"  propagate (edges in random order): {median:.2f} s median of {args.runs} "
        f"(min {min(times):.2f}, max {max(times):.2f})  "
        f"[{verdict(median < SECONDS)}: < {SECONDS:g} s]"
    )
    print(
        f"  peak memory of the process (ru_maxrss, the DAG's arrays included): "
        f"{peak / 10**9:.2f} GB  [{verdict(peak < MEMORY)}: < {MEMORY / 10**9:g} GB]"
    )
    print(f"  levels (Kahn's algorithm, by levels): {result.levels}")
    progress("propagate, edges already in (derived, source) order…")
    in_order, same = timed(
        args.runs, lambda: dag.run(args.first_bp, args.further_bp, in_order=True)
    )
    print(
        f"  propagate (edges already in (derived, source) order): "
        f"{statistics.median(in_order):.2f} s median of {args.runs}"
    )
    progress("checking the result exactly…")
    lines = check(dag, result)
    for line in lines:
        print(f"  checked: {line}")
    identical = all(
        np.array_equal(getattr(result, name), getattr(same, name))
        for name in ("kept", "inflow", "passed", "derived", "source", "weight", "flow")
    )
    if not identical:
        raise SystemExit("the result depends on the order the edges were given in")
    print("  checked: the same integers from the edges in random order and in order")
    del same
    in_degree = np.diff(result.in_start)
    busiest = int(in_degree.argmax())
    began = time.perf_counter()
    why = explain(result, busiest)
    explained = time.perf_counter() - began
    print(
        f"  explain(artifact {busiest}), the most derived-from ({int(in_degree[busiest])} "
        f"derivers, {len(why.to_sources)} sources): {explained * 1000:.2f} ms; it received "
        f"{why.received:,}, got {why.inflow:,} from its derivers, passed {why.passed:,}, "
        f"kept {why.kept:,}"
    )
    figures["large"] = {
        "edges": dag.edges,
        "nodes": dag.nodes,
        "seconds": times,
        "seconds_in_order": in_order,
        "peak_bytes": peak,
        "levels": result.levels,
        "checks": lines,
        "explain_seconds": explained,
    }


def phase_networkx(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    edges = args.networkx_edges
    progress(f"generating a DAG of {edges:,} edges…")
    dag = Dag(edges, args.seed + 1)
    print(
        f"\n2. {dag.edges:,} edges over {dag.nodes:,} artifacts, beside networkx {nx.__version__}"
    )
    progress(f"propagate, {args.runs} runs…")
    ours, result = timed(args.runs, lambda: dag.run(args.first_bp, args.further_bp))
    progress("networkx: building the DiGraph…")
    gc.collect()
    began = time.perf_counter()
    graph, received, passes = networkx_build(dag)
    building = time.perf_counter() - began
    progress("networkx: topological sort and the loop…")
    gc.collect()
    began = time.perf_counter()
    kept, inflow, passed, flow = networkx_propagate(
        graph, received, passes, args.first_bp, args.further_bp
    )
    theirs = time.perf_counter() - began
    progress("comparing…")
    canonical = zip(result.derived.tolist(), result.source.tolist(), strict=True)
    same = (
        result.kept.tolist() == kept
        and result.inflow.tolist() == inflow
        and result.passed.tolist() == passed
        and len(flow) == result.edges
        and [flow[pair] for pair in canonical] == result.flow.tolist()
    )
    median = statistics.median(ours)
    alone, whole = theirs / median, (building + theirs) / median
    print(f"  ours, propagate: {median * 1000:,.0f} ms median of {args.runs}")
    print(f"  networkx, building the DiGraph: {building:.2f} s")
    print(f"  networkx, topological sort and propagation: {theirs:.2f} s")
    print(f"  the same integers (kept, inflow, passed, every flow): {same}")
    print(
        f"  speed-up against networkx's propagation alone: {alone:,.1f}x  "
        f"[{verdict(alone >= SPEED_UP)}: >= {SPEED_UP:g}x]"
    )
    print(f"  speed-up against networkx's building and propagation: {whole:,.1f}x")
    if not same:
        raise SystemExit("networkx and propagate disagree")
    figures["networkx"] = {
        "edges": dag.edges,
        "nodes": dag.nodes,
        "seconds": ours,
        "networkx_build_seconds": building,
        "networkx_propagate_seconds": theirs,
        "identical": same,
        "speed_up": alone,
        "speed_up_with_building": whole,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=10_000_000, help="of the large DAG")
    parser.add_argument(
        "--networkx-edges", type=int, default=1_000_000, help="of the DAG beside networkx"
    )
    parser.add_argument(
        "--first-bp", type=int, default=1000, help="passed of what one received (1000: 10%%)"
    )
    parser.add_argument(
        "--further-bp", type=int, default=5000, help="passed of the inflow (5000: 50%%)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs of propagate (3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="a hundredth of the sizes: a smoke run"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.edges //= 100
        args.networkx_edges //= 100
    print(describe_machine())
    print(f"numpy:      {np.__version__}, networkx {nx.__version__}")
    print(f"code:       {reads.code_state()}")
    one, five, fifteen = os.getloadavg()
    print(f"load:       {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)")
    figures: dict[str, Any] = {}
    if not args.skip_large:
        phase_large(args, figures)
    if not args.skip_networkx:
        phase_networkx(args, figures)
    print(f"\npeak memory of the whole run (ru_maxrss): {peak_bytes() / 10**9:.2f} GB")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {"machine": machine_facts(), "code": reads.code_state(), "figures": figures}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
