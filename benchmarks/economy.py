"""The economy at scale (issue 11): a payout split over 100,000 recipients, and the open books'
balances recomputed over 1,000,000 transactions.

1. **The split.** ``commonwork.economy.split.largest_remainder(amount, weights)`` with
   ``--recipients`` (100,000) recipients, weights in milli-points drawn from a seeded heavy-tailed
   distribution, timed (median of ``--runs``); its invariants checked and printed: the shares sum
   to the amount exactly, each is within one unit of its exact share (the floor or one more), the
   units rounded up are the largest remainders (ties by recipient), the result does not depend on
   the input's order. Then the whole payout as the fold carries it out:
   ``commonwork.economy.payouts.execute_payout`` on a ``MemoryState`` prepared with a commons row
   and its charter, a settlements row, a treasury balance and ``standing_history`` rows for every
   recipient (lifetime points before the period and at its end: each earned some in it) — the
   points read, the split, the lines checked, the transaction posted, one payout line and one
   ``paid_points`` row per recipient. Each run gets a freshly prepared state (not timed).
2. **The books.** A journal of ``--transactions`` (1,000,000) economy transactions is built once
   through the real pipeline (``append_actions``, batches of ``--batch`` (2000) client-signed
   actions, one batch an hour of journal time, signing in a worker process ahead of appending)
   and kept in ``/work/benchdata/economy-…`` (``--data-dir``): the founder, the treasurer by
   default, records income (60%: donations, grants, sales, benefit sharing; EUR, some CHF and
   JPY; a third with a named payer), payments of what the commons owes (30%, to 50 payees) and
   reversals of either (10%, of one of the last 10,000 not yet reversed). What is owed comes from
   decisions: each day at noon the founder proposes one spend per payee of what the next day's
   payments to them will need, votes for it two hours later, and the spend is carried out at the
   deadline (six hours: the charter's spends rule), so the journal also holds the governance
   entries and the decided transactions. Then, on that journal:

   a. every balance recomputed from the projected postings with one SQL ``GROUP BY`` over
      ``book_postings``, compared with ``book_balances`` (sum, count, last number) — target
      < 10 s; and every currency summing to zero;
   b. every balance recomputed by replaying the journal into a ``MemoryState`` (what
      ``verify_commons`` replays into, without its signature checks), compared with
      ``book_balances``, and its state digest with the one the node keeps — reported in entries/s
      beside the journal's rebuild rate (README: 8,406/s for ``journal_append.py``'s 100,000
      contribution entries), the target being "the replay at the journal's rebuild rate";
   c. ``rebuild_projections`` of the economy journal itself (its rate, the digest unchanged).

Nothing here asserts a time: each figure is printed beside its target, "met" or "NOT MET", with
the machine and the load average (the machine may be shared).

    .venv/bin/python benchmarks/economy.py --transactions 20000          # smoke run, < 1 min
    .venv/bin/python benchmarks/economy.py                               # full: build once, ~15 min
    .venv/bin/python benchmarks/economy.py --skip build,rebuild          # the kept journal only
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress

import reads
from _machine import describe_machine, machine_facts
from _workload import WORDS
from commonwork.commons.actions import FOUND
from commonwork.commons.tables import commons
from commonwork.economy import payouts
from commonwork.economy.split import Share, largest_remainder
from commonwork.economy.tables import (
    book_balances,
    book_counts,
    book_postings,
    book_txns,
    decided_spends,
    paid_points,
    payout_lines,
)
from commonwork.governance import proposals
from commonwork.journal.actions import build_action, sign_action
from commonwork.journal.canonical import canon
from commonwork.journal.entries import parse_entry
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.db import head_revision
from commonwork.node.digests import stored_digest
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.registry import AREAS, PROJECTED_TABLES
from commonwork.node.state import MemoryState
from commonwork.services import journals
from commonwork.standing.tables import settlements, standing_history

DEFAULT_BASE = Path("/work/benchdata")
START = datetime(2031, 1, 6, tzinfo=UTC)  # day 0 of the journal, a Monday
PROPOSE_HOUR, STANCE_HOUR = 12, 14  # spends proposed at noon, voted for two hours later
SPEND_HOURS = 6  # the charter's spends rule: they close (and are carried out) at 18:00
MIX = (("income", 0.6), ("payment", 0.3), ("reversal", 0.1))
REVERSE_FROM = 10_000  # a reversal picks one of the last 10,000 reversible transactions
CURRENCIES = (("EUR", 0.85), ("CHF", 0.10), ("JPY", 0.05))
CODES, WEIGHTS = [code for code, _ in CURRENCIES], [weight for _, weight in CURRENCIES]
SOURCES = ("donation", "donation", "donation", "grant", "sale", "sale", "benefit_sharing", "other")

#: Targets (issue 11, "Must show").
SPLIT_SECONDS = 1.0
BOOKS_SQL_SECONDS = 10.0
#: The journal's usual rebuild rate, quoted in benchmarks/README.md (journal_append.py, 100,000
#: contribution entries, rebuild_projections).
README_REBUILD_RATE = 8_406

CHARTER: dict[str, Any] = {
    "name": "Economy Benchmark Commons",
    "purpose": "Measure the open books of a commons with a million transactions",
    "aims": ["Keep the books open", "Pay what is owed"],
    "metrics": [{"name": "transactions", "description": "Transactions in the books"}],
    "licence": "CC-BY-SA-4.0",
    # Spends open at once; the treasurer proposes one per payee a day (at most 100 open).
    "governance": {
        "discussion_hours": 0,
        "minimum_voting_hours": 1,
        "open_proposals_per_member": 100,
    },
    "economy": {
        "spends": {
            "method": "majority",
            "params": {"quorum": "1/3", "threshold": "1/2"},
            "voting_hours": SPEND_HOURS,
        },
        # A spend is large only beyond what the treasury holds (never, here), and none waits.
        "large_spend_bp": 10_000,
        "grace_days": 0,
    },
}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def fake_did(seed: int, what: str, index: int) -> str:
    """A did:key shaped like a real one (44 base58 characters), for payees and recipients who
    never sign anything here: cheaper than 100,000 key pairs."""
    number = int.from_bytes(hashlib.sha256(f"{seed}:{what}:{index}".encode()).digest(), "big")
    chars = []
    for _ in range(44):
        number, digit = divmod(number, 58)
        chars.append(_B58[digit])
    return "did:key:z6Mk" + "".join(chars)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def ms(seconds: float) -> str:
    return reads.ms(seconds)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"


class Ticker:
    """A Rich progress bar, and a line every minute when the output is not a terminal."""

    def __init__(self, console: Console, progress: Progress, what: str, total: int) -> None:
        self.console, self.progress, self.what, self.total = console, progress, what, total
        self.task = progress.add_task(what, total=total)
        self.began = self.logged = time.perf_counter()
        self.first: float | None = None  # when it was first called

    def __call__(self, done: int) -> None:
        self.progress.update(self.task, completed=done)
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if not self.console.is_terminal and now - self.logged > 60:
            self.logged = now
            self.console.print(
                f"  {self.what}: {done:,} of {self.total:,} in {now - self.began:,.0f} s "
                f"({rate(done, now - self.began)}; load {load_text()})"
            )


# ---------------------------------------------------------------------------------------------
# 1. The split and the payout
# ---------------------------------------------------------------------------------------------


def split_weights(count: int, seed: int) -> list[tuple[str, int]]:
    """``count`` recipients (distinct dids, sorted) with seeded heavy-tailed milli-point weights:
    most earned a few points, a few earned thousands."""
    rng = random.Random(f"{seed}:split")
    recipients = sorted(fake_did(seed, "recipient", index) for index in range(count))
    return [
        (recipient, max(1, int(rng.paretovariate(1.3) * 1000) + rng.randrange(1000)))
        for recipient in recipients
    ]


def check_split(amount: int, weights: list[tuple[str, int]], shares: list[Share]) -> list[str]:
    """The split's invariants, each as a printed line; raises when one fails."""
    total = sum(weight for _, weight in weights)
    by = {share.recipient: share for share in shares}
    lines = []
    summed = sum(share.amount for share in shares)
    if summed != amount or len(shares) != len(weights) or len(by) != len(weights):
        raise SystemExit(f"the split is wrong: {summed} of {amount}, {len(shares)} shares")
    lines.append(f"sum of the shares = {summed:,} = the amount, exactly ({len(shares):,} shares)")
    worst = Fraction(0)
    for recipient, weight in weights:
        share = by[recipient]
        floor, remainder = divmod(amount * weight, total)
        # |share - amount * weight / total| < 1, in integers: |share * total - amount * weight|
        off = abs(share.amount * total - amount * weight)
        if share.amount not in (floor, floor + 1) or off >= total or share.weight != weight:
            raise SystemExit(f"the share of {recipient} is not within one unit of its exact share")
        if share.remainder != remainder or share.rounded_up != (share.amount == floor + 1):
            raise SystemExit(f"the share of {recipient} explains itself wrongly")
        worst = max(worst, Fraction(off, total))
    lines.append(
        f"each share within one unit of its exact share: the floor or one more (largest "
        f"distance {float(worst):.6f} units)"
    )
    up = [share for share in shares if share.rounded_up]
    down = [share for share in shares if not share.rounded_up]
    left = amount - sum(share.floor for share in shares)
    lowest_up = min(((s.remainder, _neg(s.recipient)) for s in up), default=None)
    highest_down = max(((s.remainder, _neg(s.recipient)) for s in down), default=None)
    if len(up) != left or (lowest_up and highest_down and lowest_up < highest_down):
        raise SystemExit("the units left over did not go to the largest remainders")
    lines.append(
        f"{left:,} units left over after the floors went one each to the {len(up):,} largest "
        "remainders (ties by recipient)"
    )
    shuffled = list(weights)
    random.Random(0).shuffle(shuffled)
    if largest_remainder(amount, shuffled) != shares:
        raise SystemExit("the split depends on the order of its input")
    lines.append("the same lines from the weights shuffled: it depends on nothing but the inputs")
    return lines


def _neg(text: str) -> tuple[int, ...]:
    """Orders recipients in reverse (a tie goes to the smaller recipient, ranked higher)."""
    return tuple(-byte for byte in text.encode())


def phase_split(
    args: argparse.Namespace,
    weights: list[tuple[str, int]],
    console: Console,
    report: reads.Report,
) -> None:
    console.print(f"[bold]1a. largest_remainder[/] over {args.recipients:,} recipients…")
    amount = 123_456_789  # 1,234,567.89 EUR in cents
    times = []
    shares: list[Share] = []
    for _ in range(args.runs + 1):  # the first is a warm-up
        gc.collect()
        began = time.perf_counter()
        shares = largest_remainder(amount, weights)
        times.append(time.perf_counter() - began)
    checks = check_split(amount, weights, shares)
    for line in checks:
        console.print(f"  checked: {line}")
    median = statistics.median(times[1:])
    total = sum(weight for _, weight in weights)
    report.add(
        f"largest_remainder, {args.recipients:,} recipients",
        ms(median),
        f"< {SPLIT_SECONDS:g} s",
        median < SPLIT_SECONDS,
        f"median of {args.runs} (min {ms(min(times[1:]))}, max {ms(max(times[1:]))}; warm-up "
        f"{ms(times[0])}); {amount:,} minor units by {total:,} milli-points (weights "
        f"{min(w for _, w in weights):,} to {max(w for _, w in weights):,}); invariants: "
        + "; ".join(checks),
    )
    report.facts["split"] = {"seconds": times[1:], "warm_up": times[0], "checks": checks}


PAYOUT_ID = hashlib.sha256(b"economy-bench:payout").hexdigest()
PAYOUT_COMMONS = hashlib.sha256(b"economy-bench:commons").hexdigest()
PERIOD = ("2031-03-01", "2031-03-31")  # the payout's period: days settled


def payout_state(weights: list[tuple[str, int]], treasury: int) -> MemoryState:
    """A commons as the fold would hold it when a payout for PERIOD executes: its row and
    charter (the default economy: 10% to the reserve), a settlements row past the period, the
    treasury's balance, and per recipient two standing_history rows: lifetime points before the
    period, and at a day in it (more by its weight: what it earned in the period)."""
    state = MemoryState()
    cid = PAYOUT_COMMONS
    state.put(
        commons,
        {
            "commons_id": cid,
            "name": "Payout Benchmark Commons",
            "purpose": "Pay by value points",
            "charter": canon(CHARTER | {"economy": {}}).decode(),
            "licence": "CC-BY-SA-4.0",
            "join_policy": "open",
            "founder": weights[0][0],
            "founded_at": "2030-01-01T00:00:00.000Z",
            "member_count": len(weights),
        },
    )
    state.put(
        settlements,
        {"commons_id": cid, "next_day": "2031-04-02", "engine": 1, "pending_charter": None},
    )
    state.put(
        book_balances,
        {
            "commons_id": cid,
            "account": "treasury",
            "currency": "EUR",
            "amount_minor": treasury,
            "postings": 1,
            "last_number": 1,
        },
    )
    state.put(
        book_balances,
        {
            "commons_id": cid,
            "account": "outside",
            "currency": "EUR",
            "amount_minor": -treasury,
            "postings": 1,
            "last_number": 1,
        },
    )
    state.put(book_counts, {"commons_id": cid, "transactions": 1, "postings": 2, "next_due": None})
    for index, (member, weight) in enumerate(weights):
        before = 1000 * (index % 97)
        for day, points in (
            ("2031-02-14", before),
            (f"2031-03-{1 + index % 28:02d}", before + weight),
        ):
            state.put(
                standing_history,
                {
                    "commons_id": cid,
                    "member": member,
                    "day": day,
                    "amount_milli": points,
                    "value_points_milli": points,
                    "credits": None,
                },
            )
    return state


@dataclass
class PayoutRun:
    total: float = 0.0
    points: float = 0.0  # points_by_member: the standing history read
    split: float = 0.0  # largest_remainder
    check: float = 0.0  # check_lines over every line
    post: float = 0.0  # the transaction: postings, balances
    error: str = ""


@contextmanager
def payout_timing(run: PayoutRun) -> Iterator[None]:
    """Time the parts of execute_payout by wrapping the names it calls in its module."""

    def timed(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                setattr(run, name, getattr(run, name) + time.perf_counter() - began)

        return call

    names = {
        "points": "points_by_member",
        "split": "largest_remainder",
        "check": "check_lines",
        "post": "post",
    }
    with contextlib.ExitStack() as stack:
        for part, name in names.items():
            stack.enter_context(reads.swapped(payouts, name, timed(part, getattr(payouts, name))))
        yield


def phase_payout(
    args: argparse.Namespace,
    weights: list[tuple[str, int]],
    console: Console,
    report: reads.Report,
) -> None:
    console.print(
        f"[bold]1b. execute_payout[/] on a MemoryState with {args.recipients:,} members' "
        "standing history…"
    )
    amount, treasury = 123_456_789, 200_000_000
    effect = {
        "kind": "payout",
        "amount_minor": amount,
        "currency": "EUR",
        "policy": "period",
        "start": PERIOD[0],
        "end": PERIOD[1],
    }
    row = {
        "commons_id": PAYOUT_COMMONS,
        "proposal_id": PAYOUT_ID,
        "kind": "payout",
        "effect": canon(effect).decode(),
        "status": "waiting",
        "large": 0,
        "decided_at": "2031-04-03T12:00:00.000Z",
        "due_at": "2031-04-03T12:00:00.000Z",
        "executed_at": None,
        "txn_id": None,
        "detail": "",
    }
    runs: list[PayoutRun] = []
    prepared = []
    state = None
    for _ in range(args.runs + 1):
        began = time.perf_counter()
        state = payout_state(weights, treasury)
        prepared.append(time.perf_counter() - began)
        run = PayoutRun()
        gc.collect()
        with payout_timing(run):
            began = time.perf_counter()
            run.error = payouts.execute_payout(state, row, "2031-04-03T12:00:00.000Z", 9)
            run.total = time.perf_counter() - began
        if run.error:
            raise SystemExit(f"the payout failed: {run.error}")
        runs.append(run)
    assert state is not None
    cid = PAYOUT_COMMONS
    lines = state.scan(payout_lines, (cid, PAYOUT_ID))
    paid = sum(int(line["amount_minor"]) for line in lines)
    reserve = next(int(line["amount_minor"]) for line in lines if line["recipient"] == "reserve")
    postings = state.scan(book_postings, (cid, f"{PAYOUT_ID}:payout"))
    held = state.get(book_balances, (cid, "treasury", "EUR"))
    points = len(state.rows[paid_points.name])
    ok = (
        paid == amount
        and len(lines) == args.recipients + 1
        and sum(int(p["amount_minor"]) for p in postings) == 0
        and held is not None
        and int(held["amount_minor"]) == treasury - amount
        and points == args.recipients
    )
    if not ok:
        raise SystemExit("the payout's lines or postings are not what they should be")
    measured = runs[1:]
    median = statistics.median(run.total for run in measured)

    parts = {
        name: statistics.median(getattr(run, name) for run in measured)
        for name in ("points", "split", "check", "post")
    }

    def part(name: str) -> str:
        return ms(parts[name])

    report.add(
        f"execute_payout, {args.recipients:,} recipients (MemoryState)",
        ms(median),
        f"< {SPLIT_SECONDS:g} s",
        median < SPLIT_SECONDS,
        f"median of {args.runs} (min {ms(min(r.total for r in measured))}, max "
        f"{ms(max(r.total for r in measured))}; warm-up {ms(runs[0].total)}); of it: points read "
        f"from {2 * args.recipients:,} standing_history rows {part('points')}, the split "
        f"{part('split')}, check_lines {part('check')}, post {part('post')}, the rest (payout "
        f"lines, paid_points) {ms(median - sum(parts.values()))}; "
        f"checked: {len(lines):,} payout lines summing to {paid:,} (reserve {reserve:,}), "
        f"{len(postings):,} postings summing to 0, treasury {treasury:,} → "
        f"{treasury - amount:,}, {points:,} paid_points rows; preparing the state "
        f"(not timed) {ms(statistics.median(prepared))}",
    )
    report.facts["payout"] = {"runs": [vars(run) for run in runs], "prepared": prepared}


# ---------------------------------------------------------------------------------------------
# 2. The books' journal: generated, signed ahead, appended
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    transactions: int  # what the treasurer records: income, payments, reversals
    payees: int
    batch: int
    seed: int

    @property
    def name(self) -> str:
        return f"economy-t{self.transactions}-p{self.payees}-b{self.batch}-s{self.seed}"

    def as_json(self) -> dict[str, int]:
        return {
            "transactions": self.transactions,
            "payees": self.payees,
            "batch": self.batch,
            "seed": self.seed,
        }


def stamp(day: int, hour: int) -> str:
    return (START + timedelta(days=day, hours=hour)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Planned:
    """What a spec in a batch is, to learn from its appended entry."""

    kind: str  # income | payment | reversal | propose | stance
    amount: int = 0
    currency: str = ""
    payee: int = -1
    target: tuple[str, str, int, str, int] | None = None  # a reversal's (txn, kind, …)


@dataclass
class Generator:
    """The actions batch by batch, deterministic from the seed and what was appended before.

    It keeps its own books of what the treasury holds (less the spends decided but not carried
    out yet) and what each payable holds, so that every action it makes is valid: one refused
    action would refuse its whole batch."""

    sizes: Sizes
    commons_id: str
    rng: random.Random = field(init=False)
    payees: list[str] = field(init=False)
    payers: list[str] = field(init=False)
    treasury: dict[str, int] = field(default_factory=dict)  # free: held less spends pending
    payable: list[int] = field(init=False)
    owed_tomorrow: dict[int, deque[int]] = field(default_factory=dict)  # payee -> amounts
    today: dict[int, deque[int]] = field(default_factory=dict)
    payment_order: list[int] = field(default_factory=list)  # payees of today's payments
    reversible: list[tuple[str, str, int, str, int]] = field(default_factory=list)
    proposals: list[tuple[str, int]] = field(default_factory=list)  # (proposal id, payee)
    made: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    batch_number: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.sizes.seed}:economy")
        self.payees = [fake_did(self.sizes.seed, "payee", i) for i in range(self.sizes.payees)]
        self.payers = [fake_did(self.sizes.seed, "payer", i) for i in range(20)]
        self.payable = [0] * self.sizes.payees
        self.made = {kind: 0 for kind, _ in MIX} | {"propose": 0, "stance": 0}

    @property
    def recorded(self) -> int:
        return self.made["income"] + self.made["payment"] + self.made["reversal"]

    def done(self) -> bool:
        return self.recorded >= self.sizes.transactions

    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    def next_batch(self) -> tuple[list[reads.Spec], list[Planned]]:
        """The next batch (an hour of journal time): at noon the spends for tomorrow's payments
        are proposed, at two their stances; the rest is the treasurer's books."""
        day, hour = divmod(self.batch_number, 24)
        self.batch_number += 1
        at = stamp(day, hour)
        if hour == 0:
            self.today, self.owed_tomorrow = self.owed_tomorrow, {}
            self.payment_order = [p for p, amounts in self.today.items() for _ in amounts]
            self.rng.shuffle(self.payment_order)
        specs: list[reads.Spec] = []
        planned: list[Planned] = []

        def add(type_: str, body: dict[str, Any], what: Planned) -> None:
            specs.append((type_, 0, body, self.commons_id, at, reads.nonce_of(self.rng)))
            planned.append(what)

        if hour == PROPOSE_HOUR:
            for payee, amount in self._plan_tomorrow():
                effect = {
                    "kind": "spend",
                    "purpose": "expense",
                    "to": self.payees[payee],
                    "amount_minor": amount,
                    "currency": "EUR",
                    "memo": f"what the commons owes payee {payee} for tomorrow's invoices",
                }
                proposal = {
                    "title": f"Pay payee {payee}'s invoices",
                    "text": "The invoices due tomorrow, as listed in the shared folder.",
                    "effect": effect,
                }
                add(proposals.PROPOSE, proposal, Planned("propose", amount, "EUR", payee))
        if hour == STANCE_HOUR:
            for proposal_id, payee in self.proposals:
                stance = {"proposal": proposal_id, "version": 1, "ballot": "for"}
                add(proposals.STANCE, stance, Planned("stance", payee=payee))
            self.proposals = []
        while len(specs) < self.sizes.batch and not self.done():
            kind, target = self._draw()
            if kind == "payment":
                payee = self.payment_order.pop()
                amount = self.today[payee].popleft()
                self.payable[payee] -= amount
                add(
                    "economy.payment.record",
                    {
                        "key": self.key(),
                        "payee": self.payees[payee],
                        "amount_minor": amount,
                        "currency": "EUR",
                        "reference": f"TR-{day:03d}-{self.counter}",
                        "memo": f"invoice {self.counter}",
                    },
                    Planned("payment", amount, "EUR", payee),
                )
            elif kind == "reversal":
                assert target is not None
                txn, what, amount, currency, payee = target
                if what == "income":
                    self.treasury[currency] -= amount
                else:
                    self.payable[payee] += amount
                add(
                    "economy.txn.reverse",
                    {
                        "key": self.key(),
                        "txn": txn,
                        "reason": " ".join(self.rng.choices(WORDS, k=self.rng.randint(3, 10))),
                    },
                    Planned("reversal", amount, currency, payee, target),
                )
            else:
                [currency] = self.rng.choices(CODES, WEIGHTS)
                amount = self._income_amount(currency)
                self.treasury[currency] = self.treasury.get(currency, 0) + amount
                reference = f"BK-{day:03d}-{self.counter + 1}"
                body: dict[str, Any] = {
                    "key": self.key(),
                    "source": self.rng.choice(SOURCES),
                    "amount_minor": amount,
                    "currency": currency,
                    "reference": reference,
                }
                if self.rng.random() < 1 / 3:
                    body["payer"] = self.rng.choice(self.payers)
                if self.rng.random() < 0.2:
                    digest = hashlib.sha256(reference.encode()).hexdigest()
                    body["receipt"] = {"sha256": digest}
                if self.rng.random() < 0.5:
                    body["memo"] = " ".join(self.rng.choices(WORDS, k=self.rng.randint(3, 12)))
                add("economy.income.record", body, Planned("income", amount, currency))
            self.made[kind] += 1
        for item in planned:
            if item.kind in ("propose", "stance"):
                self.made[item.kind] += 1
        return specs, planned

    def _draw(self) -> tuple[str, tuple[str, str, int, str, int] | None]:
        """The next kind of action; for a reversal, the transaction it reverses (one of the
        last REVERSE_FROM reversible ones not reversed yet), taken out of the pool."""
        draw = self.rng.random()
        if draw < MIX[0][1]:
            return "income", None
        if draw < MIX[0][1] + MIX[1][1]:
            return ("payment" if self.payment_order else "income"), None
        if not self.reversible:
            return "income", None
        index = (
            len(self.reversible) - 1 - self.rng.randrange(min(len(self.reversible), REVERSE_FROM))
        )
        target = self.reversible[index]
        _, what, amount, currency, _ = target
        # a reversed income leaves the treasury: only when it holds it beyond what is decided
        if what == "income" and self.treasury[currency] < amount:
            return "income", None
        self.reversible[index] = self.reversible[-1]
        self.reversible.pop()
        return "reversal", target

    def _income_amount(self, currency: str) -> int:
        euros = min(int(self.rng.lognormvariate(5.0, 1.2)) + 1, 200_000)
        if currency == "JPY":
            return euros * 160
        return euros * 100 + self.rng.randrange(100)

    def _plan_tomorrow(self) -> list[tuple[int, int]]:
        """Tomorrow's payments (30% of its actions), as much as the treasury holds beyond what
        is decided already; one spend per payee of what they will be paid."""
        budget = self.treasury.get("EUR", 0) * 9 // 10
        count = int(MIX[1][1] * self.sizes.batch * 24)
        planned: dict[int, deque[int]] = {}
        spent = 0
        for _ in range(count):
            amount = min(int(self.rng.lognormvariate(4.2, 1.0)) + 1, 20_000) * 100
            if spent + amount > budget:
                break
            payee = min(int(self.rng.paretovariate(1.0)) - 1, self.sizes.payees - 1)
            planned.setdefault(payee, deque()).append(amount)
            spent += amount
        self.owed_tomorrow = planned
        spends = sorted((payee, sum(amounts)) for payee, amounts in planned.items())
        for payee, amount in spends:
            self.treasury["EUR"] -= amount
            self.payable[payee] += amount
        return spends

    def appended(self, planned: list[Planned], results: list[Any]) -> None:
        """Learn the ids of what was appended: reversible transactions, proposals."""
        for what, result in zip(planned, results, strict=True):
            if what.kind in ("income", "payment"):
                self.reversible.append(
                    (result.entry.id, what.kind, what.amount, what.currency, what.payee)
                )
            elif what.kind == "propose":
                self.proposals.append((result.entry.id, what.payee))


def schema_fingerprint() -> str:
    """What a kept journal's database must have been made by (as governance.py): the last
    migration, the areas' projection versions and the projected tables' columns."""
    shape = {
        "migration": head_revision(),
        "areas": {area.name: area.projection_version for area in AREAS},
        "tables": {
            table.name: [
                [column.name, str(column.type), column.primary_key, column.nullable]
                for column in table.columns
            ]
            for table in PROJECTED_TABLES
        },
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def build(node: Node, sizes: Sizes, console: Console, workers: int) -> dict[str, Any]:
    founder = Keypair(reads.member_seed(sizes.seed, 0))
    at = stamp(0, 0)
    node.clock = reads.fixed_clock(at)
    genesis = build_action(
        type=FOUND,
        author=founder.did,
        body={"charter": CHARTER, "founder_name": "Treasurer", "host": node.host_key.did},
        at=at,
        nonce=reads.nonce_of(random.Random(f"{sizes.seed}:genesis")),
    )
    [founded] = append_actions(node, None, [sign_action(founder, genesis)])
    generator = Generator(sizes, founded.commons_id)
    signer = reads.Signer(workers, sizes.seed)
    entries = 1
    try:
        with reads.make_progress(console) as progress:
            tick = Ticker(console, progress, "transactions recorded", sizes.transactions)
            first_tenth = last_tenth = None
            done = 0
            began = time.perf_counter()
            specs, planned = generator.next_batch()
            pending = signer.submit(specs)
            while specs:
                signed = pending()
                at = specs[0][4]
                following, planned_next = generator.next_batch()
                pending = signer.submit(following) if following else (lambda: [])
                node.clock = reads.fixed_clock(at)
                results = append_actions(node, generator.commons_id, signed)
                generator.appended(planned, results)
                entries += len(results)
                recorded = sum(1 for p in planned if p.kind in ("income", "payment", "reversal"))
                done += recorded
                tick(done)
                now = time.perf_counter() - began
                if first_tenth is None and done >= sizes.transactions / 10:
                    first_tenth = (entries, now)
                if last_tenth is None and done >= sizes.transactions * 0.9:
                    last_tenth = (entries, now)
                specs, planned = following, planned_next
    finally:
        signer.close()
    seconds = time.perf_counter() - began
    tenths = {}
    if first_tenth and last_tenth:
        tenths = {
            "first_tenth_rate": first_tenth[0] / first_tenth[1],
            "last_tenth_rate": (entries - last_tenth[0]) / (seconds - last_tenth[1]),
        }
    return {
        "commons_id": generator.commons_id,
        "entries": entries,
        "made": generator.made,
        "append_seconds": round(seconds, 1),
        "days": (generator.batch_number + 23) // 24,
    } | tenths


def ensure_built(
    data_dir: Path, sizes: Sizes, console: Console, workers: int, may_build: bool
) -> dict[str, Any] | None:
    """The kept journal's marker, built first if need be (in ``<dir>.partial``, then renamed);
    None when there is none and building is skipped."""
    marker = data_dir / "bench.json"
    fingerprint = schema_fingerprint()
    if marker.exists():
        kept: dict[str, Any] = json.loads(marker.read_text())
        if kept["sizes"] != sizes.as_json():
            raise SystemExit(f"{data_dir} holds a journal of other sizes: {kept['sizes']}")
        if kept.get("schema") == fingerprint:
            return kept
        if not may_build:
            raise SystemExit(
                f"the journal kept in {data_dir} was built by code of another schema "
                f"({kept.get('built_with')}): build it again (without --skip build)"
            )
        console.print(
            f"the journal kept in {data_dir} was built by code of another schema "
            f"({kept.get('built_with')}): building it again"
        )
        shutil.rmtree(data_dir)
    if not may_build:
        return None
    partial = data_dir.with_name(data_dir.name + ".partial")
    if partial.exists():  # an interrupted build of this script's: started again
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    console.print(
        f"[bold]building[/] the books' journal in {partial}: {sizes.transactions:,} "
        f"transactions recorded by the treasurer, {sizes.payees} payees, batches of "
        f"{sizes.batch:,}; signing in {workers} worker process(es); load {load_text()}"
    )
    began = time.perf_counter()
    load_before = list(os.getloadavg())
    node = reads.open_node(partial)
    try:
        kept = build(node, sizes, console, workers)
    finally:
        node.close()
    seconds = time.perf_counter() - began
    kept.update(
        sizes=sizes.as_json(),
        schema=fingerprint,
        build_seconds=round(seconds, 1),
        built_on=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        built_with=CODE,
        build_load=[load_before, list(os.getloadavg())],
    )
    (partial / "bench.json").write_text(json.dumps(kept, indent=2) + "\n")
    partial.rename(data_dir)
    console.print(f"built: {kept['entries']:,} entries in {seconds:,.0f} s")
    return kept


# ---------------------------------------------------------------------------------------------
# 2a to c. The balances recomputed
# ---------------------------------------------------------------------------------------------

Balances = dict[tuple[str, str], tuple[int, int, int]]  # (account, currency) -> sum, count, last


def kept_balances(conn: sa.Connection, commons_id: str) -> Balances:
    rows = conn.execute(
        sa.select(
            book_balances.c.account,
            book_balances.c.currency,
            book_balances.c.amount_minor,
            book_balances.c.postings,
            book_balances.c.last_number,
        ).where(book_balances.c.commons_id == commons_id)
    ).all()
    return {(a, c): (int(s), int(n), int(last)) for a, c, s, n, last in rows}


GROUP_BY = (
    "SELECT account, currency, sum(amount_minor), count(*), max(number) FROM book_postings "
    "WHERE {} = :commons_id GROUP BY account, currency"
)
#: The query as written: SQLite's planner (no statistics) reads the postings through the
#: account index, one lookup in the table per posting.
PLAIN = sa.text(GROUP_BY.format("commons_id"))
#: The same with the index ruled out (``+commons_id``): one pass over the table in key order.
SCAN = sa.text(GROUP_BY.format("+commons_id"))


def grouped_balances(conn: sa.Connection, commons_id: str, query: Any = PLAIN) -> Balances:
    rows = conn.execute(query, {"commons_id": commons_id}).all()
    return {(a, c): (int(s), int(n), int(last)) for a, c, s, n, last in rows}


def compare(found: Balances, kept: Balances) -> tuple[bool, str]:
    wrong = [key for key in kept.keys() | found.keys() if found.get(key) != kept.get(key)]
    sums: dict[str, int] = {}
    for (_, currency), (amount, _, _) in found.items():
        sums[currency] = sums.get(currency, 0) + amount
    zero = all(total == 0 for total in sums.values())
    text = (
        f"{len(found):,} balances, {len(wrong)} differing from book_balances; every currency "
        f"sums to zero: {zero} ({', '.join(sorted(sums))})"
    )
    return not wrong and zero, text


def phase_sql(
    node: Node,
    kept: dict[str, Any],
    args: argparse.Namespace,
    console: Console,
    report: reads.Report,
) -> None:
    console.print("[bold]2a. balances by one GROUP BY over book_postings[/]…")
    cid = kept["commons_id"]
    with node.reading() as conn:
        postings = conn.execute(
            sa.select(sa.func.count())
            .select_from(book_postings)
            .where(book_postings.c.commons_id == cid)
        ).scalar_one()
        stored = kept_balances(conn, cid)
    for name, query in (("", PLAIN), (" (the table scanned: +commons_id)", SCAN)):
        times = []
        found: Balances = {}
        for _ in range(args.runs + 1):
            with node.reading() as conn:
                began = time.perf_counter()
                found = grouped_balances(conn, cid, query)
                times.append(time.perf_counter() - began)
        plan: Sequence[Any] = []
        with node.reading() as conn:
            if conn.dialect.name == "sqlite":
                plan = conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + str(query).replace(":commons_id", "?"), (cid,)
                ).all()
        matched, text = compare(found, stored)
        median = statistics.median(times[1:])
        report.add(
            f"balances recomputed: GROUP BY over {postings:,} postings{name}",
            f"{median:,.2f} s",
            f"< {BOOKS_SQL_SECONDS:g} s",
            median < BOOKS_SQL_SECONDS and matched,
            f"median of {args.runs} (min {min(times[1:]):,.2f}, max {max(times[1:]):,.2f} s; "
            f"the first, after opening the node: {times[0]:,.2f} s); plan: "
            + "; ".join(str(row[-1]) for row in plan)
            + f"; {text}"
            + ("" if matched else " — THE BOOKS DISAGREE"),
        )
        report.facts["sql" + ("_scan" if query is SCAN else "")] = {
            "seconds": times,
            "postings": postings,
            "matched": matched,
        }


def phase_replay(
    node: Node, kept: dict[str, Any], console: Console, report: reads.Report
) -> float | None:
    console.print("[bold]2b. balances by replaying the journal into a MemoryState[/]…")
    cid = kept["commons_id"]
    state = MemoryState()
    gc.collect()
    baseline = reads.current_rss()
    reads.reset_peak_rss()
    with node.reading() as conn, reads.make_progress(console) as progress:
        head = journal_store.read_head(conn, cid)
        assert head is not None
        tick = Ticker(console, progress, "entries replayed", head.seq + 1)
        began = time.perf_counter()
        count = 0
        for line in journal_store.iter_lines(conn, cid):
            state.replay(cid, parse_entry(line))
            count += 1
            if count % 2000 == 0:
                tick(count)
        seconds = time.perf_counter() - began
        tick(count)
        stored = kept_balances(conn, cid)
        kept_digest = stored_digest(conn, cid)
    peak = reads.peak_rss()
    found = {
        (row["account"], row["currency"]): (
            int(row["amount_minor"]),
            int(row["postings"]),
            int(row["last_number"]),
        )
        for key, row in state.rows[book_balances.name].items()
        if key[0] == cid
    }
    matched, text = compare(found, stored)
    began = time.perf_counter()
    digest = state.digest()
    digest_seconds = time.perf_counter() - began
    same = digest == kept_digest
    rows = {name: len(rows) for name, rows in state.rows.items() if rows}
    del state
    gc.collect()
    entries_per_second = count / seconds
    report.add(
        f"balances recomputed: the journal replayed ({count:,} entries, MemoryState)",
        f"{seconds:,.1f} s = {entries_per_second:,.0f} entries/s",
        f"≥ the rebuild rate ({README_REBUILD_RATE:,}/s in README)",
        entries_per_second >= README_REBUILD_RATE and matched and same,
        f"parse_entry + MemoryState.replay (the fold verify_commons runs; no signatures checked) "
        f"= {entries_per_second / README_REBUILD_RATE:.0%} of journal_append.py's rebuild rate; "
        f"{text}; the replayed state's digest {'equals' if same else 'DIFFERS FROM'} the one the "
        f"node keeps (digest {digest_seconds:,.1f} s, not counted); peak RSS {reads.mib(peak)} "
        f"({reads.mib(baseline)} before: {rows.get('book_txns', 0):,} txns, "
        f"{rows.get('book_postings', 0):,} postings, {rows.get('book_marks', 0):,} marks in "
        "dicts)",
    )
    report.facts["replay"] = {
        "seconds": seconds,
        "entries": count,
        "rate": entries_per_second,
        "matched": matched,
        "digest_same": same,
        "peak_rss": peak,
        "rows": rows,
    }
    return entries_per_second


def phase_rebuild(
    node: Node,
    kept: dict[str, Any],
    console: Console,
    report: reads.Report,
    replay_rate: float | None,
) -> None:
    console.print("[bold]2c. rebuild_projections[/] of the books' journal…")
    cid = kept["commons_id"]
    with node.reading() as conn:
        head = journal_store.read_head(conn, cid)
        assert head is not None
    digests: list[float] = []
    original = getattr(journals, "database_digest")  # noqa: B009 (not re-exported)

    def timed_digest(conn: sa.Connection, commons_id: str | None = None) -> str:
        began = time.perf_counter()
        try:
            return str(original(conn, commons_id))
        finally:
            digests.append(time.perf_counter() - began)

    with (
        reads.make_progress(console) as progress,
        reads.swapped(journals, "database_digest", timed_digest),
    ):
        tick = Ticker(console, progress, "entries rebuilt", head.seq + 1)
        began = time.perf_counter()
        rebuilt = journals.rebuild_projections(node, cid, progress=tick)
        seconds = time.perf_counter() - began
    replaying = seconds - sum(digests)
    first_chunk = (tick.first or began) - began
    with node.reading() as conn:
        matched, text = compare(grouped_balances(conn, cid), kept_balances(conn, cid))
    entries_per_second = rebuilt.entries / seconds
    against = (
        ""
        if replay_rate is None
        else f"; the MemoryState replay ran at {replay_rate / entries_per_second:.0%} of it"
    )
    report.add(
        f"rebuild_projections of the books' journal ({rebuilt.entries:,} entries)",
        f"{seconds:,.1f} s = {entries_per_second:,.0f} entries/s",
        "digest unchanged",
        rebuilt.unchanged and matched,
        f"{entries_per_second / README_REBUILD_RATE:.0%} of journal_append.py's "
        f"{README_REBUILD_RATE:,}/s{against}; of it the two state digests (before, after) "
        + " + ".join(f"{d:,.1f}" for d in digests)
        + f" s; without them {replaying:,.1f} s = {rebuilt.entries / replaying:,.0f} entries/s "
        f"(deleting the projected rows and the first chunk of 2,000: "
        f"{first_chunk - digests[0]:,.1f} s); digest unchanged: {rebuilt.unchanged}; "
        f"after it: {text}",
    )
    report.facts["rebuild"] = {
        "seconds": seconds,
        "entries": rebuilt.entries,
        "rate": entries_per_second,
        "unchanged": rebuilt.unchanged,
        "digest_seconds": digests,
        "first_chunk_at": first_chunk,
    }


def describe_books(node: Node, kept: dict[str, Any], data_dir: Path) -> str:
    cid = kept["commons_id"]
    with node.reading() as conn:
        kinds: dict[str, int] = dict(
            conn.execute(
                sa.select(book_txns.c.kind, sa.func.count())
                .where(book_txns.c.commons_id == cid)
                .group_by(book_txns.c.kind)
            ).all()
        )
        counts = conn.execute(
            sa.select(book_counts.c.transactions, book_counts.c.postings).where(
                book_counts.c.commons_id == cid
            )
        ).one()
        head = journal_store.read_head(conn, cid)
        spends: dict[str, int] = dict(
            conn.execute(
                sa.select(decided_spends.c.status, sa.func.count())
                .where(decided_spends.c.commons_id == cid)
                .group_by(decided_spends.c.status)
            ).all()
        )
    size = sum(path.stat().st_size for path in data_dir.glob("commonwork.db*"))
    built = kept
    made = built["made"]
    tenths = (
        f"; {built['first_tenth_rate']:,.0f}/s over the first tenth, "
        f"{built['last_tenth_rate']:,.0f}/s over the last"
        if "first_tenth_rate" in built
        else ""
    )
    return (
        f"{head.seq + 1 if head else 0:,} entries over {built['days']} days of journal time: "
        f"{made['income']:,} incomes, {made['payment']:,} payments, {made['reversal']:,} "
        f"reversals recorded by the treasurer, {made['propose']:,} spends proposed and voted "
        f"for; the books: {counts.transactions:,} transactions ("
        + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items()))
        + f"), {counts.postings:,} postings; decided spends "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(spends.items()))
        + f"; {size / 2**20:,.0f} MiB in {data_dir}; built in {built['build_seconds']:,.0f} s "
        f"({built['entries'] / built['append_seconds']:,.0f} entries/s appended{tenths}) on "
        f"{built['built_on']}, load {built['build_load'][0][0]:.2f} → "
        f"{built['build_load'][1][0]:.2f}"
    )


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------

CODE = reads.code_state()
PHASES = ("split", "payout", "build", "sql", "replay", "rebuild")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--transactions",
        type=int,
        default=1_000_000,
        help="income, payments and reversals the treasurer records (default 1000000)",
    )
    parser.add_argument(
        "--recipients", type=int, default=100_000, help="of the split and the payout (100000)"
    )
    parser.add_argument("--payees", type=int, default=50, help="whom payments go to (50)")
    parser.add_argument(
        "--batch",
        type=int,
        default=2000,
        help="actions per append, one an hour of journal time (default 2000, or fewer for a "
        "small journal: at least 500 batches, at most one per 100 actions)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each (5)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"where the journal is kept (default {DEFAULT_BASE}/economy-<sizes>)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="signing worker processes for the build (1)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="leave out, comma-separated: "
        + ", ".join(PHASES)
        + " (build: use the kept journal, never build it)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    unknown = args.skip - set(PHASES)
    if unknown:
        parser.error(f"--skip knows {', '.join(PHASES)}, not {', '.join(sorted(unknown))}")
    args.batch = min(args.batch, max(100, args.transactions // 500))
    if args.transactions < 1000 or args.recipients < 1 or not 1 <= args.payees <= 100:
        parser.error("at least 1000 transactions, 1 recipient, 1 to 100 payees")
    if args.batch < args.payees:
        parser.error("a batch holds at least the day's proposals (one per payee)")
    return args


def print_header(console: Console, title: str) -> None:
    console.rule(title)
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {CODE}")
    console.print(f"load:       {load_text()} now: anything above 0 is other work beside this run")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    title = "commonwork: the economy at scale (issue 11)"
    print_header(console, title)
    report = reads.Report()
    loads = {"start": list(os.getloadavg())}
    began = time.perf_counter()
    if {"split", "payout"} - args.skip:
        weights = split_weights(args.recipients, args.seed)
        if "split" not in args.skip:
            phase_split(args, weights, console, report)
        if "payout" not in args.skip:
            phase_payout(args, weights, console, report)
    sizes = Sizes(args.transactions, args.payees, args.batch, args.seed)
    data_dir = args.data_dir or DEFAULT_BASE / sizes.name
    journal_phases = {"sql", "replay", "rebuild"} - args.skip
    books = ""
    if journal_phases or "build" not in args.skip:
        kept = ensure_built(data_dir, sizes, console, args.workers, "build" not in args.skip)
        if kept is None:
            console.print(f"no kept journal in {data_dir}, and --skip build: no figures of it")
        else:
            node = reads.open_node(data_dir)
            try:
                books = describe_books(node, kept, data_dir)
                console.print(f"the books: {books}")
                report.add(
                    "building the books' journal (once, kept)",
                    f"{kept['build_seconds']:,.0f} s",
                    note=books,
                )
                loads["journal"] = list(os.getloadavg())
                if "sql" in journal_phases:
                    phase_sql(node, kept, args, console, report)
                replay_rate = None
                if "replay" in journal_phases:
                    replay_rate = phase_replay(node, kept, console, report)
                if "rebuild" in journal_phases:
                    phase_rebuild(node, kept, console, report, replay_rate)
            finally:
                node.close()
    loads["end"] = list(os.getloadavg())
    total = time.perf_counter() - began
    console.rule("figures")
    print_header(console, title)
    if books:
        console.print(f"the books: {books}")
    console.print(
        "load average at the start "
        + " → ".join(
            f"{name} {' '.join(f'{x:.2f}' for x in values)}" for name, values in loads.items()
        )
        + " (1, 5, 15 min)"
    )
    report.print(console, f"the economy at scale ({total:,.0f} s in all)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "machine": machine_facts(),
            "code": CODE,
            "sizes": sizes.as_json() | {"recipients": args.recipients},
            "load": loads,
            "seconds": total,
            "figures": [vars(figure) for figure in report.figures],
            "facts": report.facts,
        }
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
