"""Standing engine benchmark: a full recompute and "one more validation" (docs/design/standing.md).

Prints the machine, generates a synthetic ledger (by default 10,000 members, 1,000,000
contributions and 3,000,000 validations over 1,095 days), then measures:

1. the full recompute (``compute`` as of the last day): wall time, then peak memory in a second
   run under ``tracemalloc`` (numpy reports its buffers to tracemalloc, so the peak is the arrays
   the engine allocates, not the ledger it reads, nor the interpreter);
2. one more validation: ``state_at`` the start of the last day is built once (the cache), then
   ``recompute_day`` with a ledger holding one more approval on that day, median of 20; and that
   its figures equal a full recompute of the same ledger.

Nothing here asserts a time: the targets are printed as "meets" or "BELOW".

    .venv/bin/python benchmarks/standing.py --quick
    .venv/bin/python benchmarks/standing.py
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from _machine import describe_machine
from commonwork.commons.policy import Policies, StandingPolicy, ValidationPolicy, ValuePolicy
from commonwork.standing.engine import ACCEPTED, DISPUTED, Ledger, compute, recompute_day, state_at

KINDS = ("work", "artifact", "money", "review", "resource_use", "care")
SKILLS = tuple(f"skill{i}" for i in range(20))
FULL_SECONDS, FULL_BYTES, ONE_MORE_SECONDS = 30.0, 2 * 1024**3, 0.050


def founders(members: int) -> int:
    """1% of the members are founders, seeded with standing 200."""
    return max(members // 100, 1)


def bench_policies(founders: int) -> Policies:
    validation = ValidationPolicy(
        threshold=Decimal(10),
        validator_cap=Decimal(6),
        validator_minimum=Decimal(50),
        challenge_days=7,
        lazy_minimum=Decimal(60),
        reciprocity_days=30,
        reciprocity_discount=Decimal("0.5"),
    )
    weights = {"work": "1", "artifact": "2", "money": "0.01", "review": "0.5", "care": "1"}
    value = ValuePolicy(
        version=1,
        kinds={name: Decimal(weight) for name, weight in weights.items()},
        skills={name: Decimal("1.2") for name in SKILLS[:5]},
        cap_per_contribution=Decimal(40),
        per_member_per_month=400,
    )
    standing = StandingPolicy(180, dict.fromkeys(range(founders), 200), {"arbitrate": 50})
    return Policies(validation, value, standing)


def pick_members(
    rng: np.random.Generator, count: int, members: int, core: int, founders: int = 0
) -> np.ndarray:
    """A share from the founders (validators), most from the active core (members who contribute
    often and so earn standing), the rest from everyone."""
    draw = rng.random(count)
    anyone = rng.integers(0, members, count)
    chosen = np.where(draw < 0.9, rng.integers(0, core, count), anyone)
    return np.where(draw < 0.3 * (founders > 0), rng.integers(0, max(founders, 1), count), chosen)


def contributions(rng: np.random.Generator, n: int, members: int, days: int) -> dict[str, object]:
    core = max(members // 10, 1)
    counts = rng.choice([1, 2, 3], n, p=[0.85, 0.12, 0.03])
    first = pick_members(rng, n, members, core)
    owner = np.repeat(np.arange(n), counts)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    authors = (first[owner] + rank * rng.integers(1, members // 2, len(owner))) % members
    shares = np.where(rank == 0, 1000 - (counts[owner] - 1) * (1000 // counts[owner]), 0)
    shares = np.where(rank > 0, 1000 // counts[owner], shares)
    kind = rng.integers(0, len(KINDS), n)
    quantity = np.where(kind == 2, rng.integers(100, 500_000, n), rng.integers(250, 8_000, n))
    return {
        "contribution_day": np.sort(rng.integers(0, days, n)),
        "kind": kind,
        "quantity_milli": quantity,
        "skill": np.where(rng.random(n) < 0.5, rng.integers(0, len(SKILLS), n), -1),
        "author_ptr": np.r_[0, np.cumsum(counts)],
        "author_idx": authors,
        "author_share_milli": shares,
    }


def validations(
    rng: np.random.Generator, v: int, contribution_day: np.ndarray, members: int, days: int
) -> dict[str, object]:
    contribution = rng.integers(0, len(contribution_day), v)
    day = np.minimum(contribution_day[contribution] + rng.geometric(0.3, v) - 1, days - 1)
    rows = np.argsort(day, kind="stable")
    return {
        "validation_contribution": contribution[rows],
        "validator": pick_members(rng, v, members, max(members // 10, 1), founders(members))[rows],
        "validation_day": day[rows],
        "validation_order": np.arange(v, dtype=np.int64),
        "verdict": (rng.random(v) < 0.02)[rows],
    }


def synthetic(members: int, n: int, v: int, days: int, seed: int) -> Ledger:
    rng = np.random.default_rng(seed)
    parts = contributions(rng, n, members, days)
    day = np.asarray(parts["contribution_day"])
    parts.update(validations(rng, v, day, members, days))
    return Ledger(members=members, kind_names=KINDS, skill_names=SKILLS, **parts)


def one_more(ledger: Ledger, day: int) -> Ledger:
    """The ledger with one more approval on ``day`` (its last), of a contribution still open."""
    contribution = int(np.flatnonzero(ledger.contribution_day <= day)[-1])
    return ledger.replace(
        validation_contribution=np.r_[ledger.validation_contribution, contribution],
        validator=np.r_[ledger.validator, 0],
        validation_day=np.r_[ledger.validation_day, day],
        validation_order=np.r_[ledger.validation_order, ledger.validation_order[-1] + 1],
        verdict=np.r_[ledger.verdict, 0],
    )


def verdict(ok: bool) -> str:
    return "meets" if ok else "BELOW"


def run(args: argparse.Namespace) -> None:
    print(describe_machine())
    print(f"numpy:      {np.__version__}\n")
    started = time.perf_counter()
    ledger = synthetic(args.members, args.contributions, args.validations, args.days, args.seed)
    last = int(ledger.validation_day[-1])
    print(
        f"ledger: {ledger.members:,} members, {ledger.n_contributions:,} contributions "
        f"({len(ledger.author_idx):,} author entries), {ledger.n_validations:,} validations, "
        f"days 0..{last}; generated in {time.perf_counter() - started:.1f} s"
    )
    rules = bench_policies(founders(args.members))

    started = time.perf_counter()
    result = compute(ledger, rules, last)
    full = time.perf_counter() - started
    status = np.bincount(result.status, minlength=3)
    print(
        f"outcome: {status[ACCEPTED]:,} accepted, {status[DISPUTED]:,} disputed, {status[0]:,} "
        f"pending; {int((result.standing >= 50).sum()):,} members at validator_minimum"
    )
    tracemalloc.start()
    traced_started = time.perf_counter()
    compute(ledger, rules, last)
    traced = time.perf_counter() - traced_started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"full recompute: {full:.2f} s  [{verdict(full < FULL_SECONDS)} < {FULL_SECONDS:.0f} s]")
    print(
        f"  peak memory (tracemalloc, second run, {traced:.2f} s): {peak / 1024**2:,.0f} MiB  "
        f"[{verdict(peak < FULL_BYTES)} < 2 GiB]"
    )
    measure_one_more(ledger, rules, last)


def measure_one_more(ledger: Ledger, rules: Policies, last: int) -> None:
    started = time.perf_counter()
    cache = state_at(ledger, rules, last)
    print(f"state cache at the start of day {last}: built in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    more = one_more(ledger, last)
    append = time.perf_counter() - started
    times = []
    for _ in range(20):
        started = time.perf_counter()
        quick = recompute_day(cache, more, last)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"one more validation (recompute_day, median of 20): {median * 1000:.1f} ms "
        f"[{verdict(median < ONE_MORE_SECONDS)} < 50 ms]; min {min(times) * 1000:.1f}, "
        f"max {max(times) * 1000:.1f} ms; {int((more.validation_day == last).sum()):,} "
        f"validations that day"
    )
    print(f"  (building the ledger with the extra row, not timed above: {append * 1000:.0f} ms)")
    full = compute(more, rules, last)
    same = all(
        np.array_equal(getattr(quick, name), getattr(full, name))
        for name in ("status", "accepted_day", "points_milli", "value_points_milli", "standing")
    )
    print(f"  equals a full recompute of the same ledger: {same}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--validations", type=int, default=3_000_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a tenth of every size: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.members //= 10
        args.contributions //= 10
        args.validations //= 10
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
