"""A property test of booking (issue 13) on SQLite and PostgreSQL: random resources (buffer,
quota), random bookings, cancellations and waiting-list entries by a few members, each checked
against a plain model — intervals padded by the buffer, a quota counted minute by minute over
every window on the half-hour grid the times sit on. Accepted bookings never overlap and never
break a quota; a cancellation frees exactly its slot; the waiting list offers it to the first
person in line whose time then fits."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonwork.errors import CommonworkError
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.resources.inventory import minutes_of, minutes_text
from commonwork.resources.tables import bookings
from tests.contract.test_governance import act, at
from tests.support.builders import CHARTER, found, join

NOW = "2031-05-01T00:00:00.000Z"
BASE = minutes_of("2031-05-02T00:00Z")  # every booking starts on or after this
STEP = 30  # times sit on a half-hour grid

PEOPLE = [Keypair.generate() for _ in range(3)]

operation = st.one_of(
    st.tuples(st.just("book"), st.integers(0, 2), st.integers(0, 150), st.integers(1, 60)),
    st.tuples(st.just("cancel"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("wait"), st.integers(0, 2), st.integers(0, 150), st.integers(1, 60)),
)


@dataclass
class Model:
    buffer: int
    quota: tuple[int, int] | None  # (days, per_days)
    held: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)  # id → who, s, e, hi
    counted: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # id → who, s, e
    waiting: list[tuple[str, str, int, int]] = field(default_factory=list)  # id, who, s, e

    def free(self, lo: int, hi: int) -> bool:
        return all(not (s < hi and h > lo) for _, s, _, h in self.held.values())

    def may_wait(self, who: str, start: int, end: int) -> bool:
        holders = {w for w, s, _, h in self.held.values() if s < end + self.buffer and h > start}
        offered = [(w, s, e) for i, (w, s, e, _) in self.held.items() if i not in self.counted]
        waits = [(w, s, e) for _, w, s, e in self.waiting] + offered
        already = any(w == who and s < end and e > start for w, s, e in waits)
        return bool(holders) and holders != {who} and not already

    def within_quota(self, who: str, start: int, end: int) -> bool:
        if self.quota is None:
            return True
        days, per = self.quota
        window = per * 1440
        mine = [(s, e) for w, s, e in self.counted.values() if w == who] + [(start, end)]
        first = min(s for s, _ in mine) - window
        last = max(e for _, e in mine)
        for begin in range(first - first % STEP, last + STEP, STEP):
            used = sum(max(0, min(e, begin + window) - max(s, begin)) for s, e in mine)
            if used > days * 1440:
                return False
        return True


@pytest.mark.parametrize("seed", [0])
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    buffer=st.sampled_from([0, 30, 120]),
    quota=st.one_of(st.none(), st.tuples(st.integers(1, 2), st.integers(2, 5))),
    ops=st.lists(operation, min_size=5, max_size=30),
)
def test_random_bookings_never_overlap_nor_break_a_quota_and_freed_slots_go_to_the_waiting(
    any_node: Node,
    seed: int,
    buffer: int,
    quota: tuple[int, int] | None,
    ops: list[tuple[str, int, int, int]],
) -> None:
    at(any_node, NOW)
    founder, *members = PEOPLE
    commons_id = found(any_node, founder, CHARTER)
    for person in members:
        join(any_node, commons_id, person)
    rules: dict[str, object] = {"max_hours": 30, "buffer_minutes": buffer}
    if quota is not None:
        rules["quota"] = {"days": quota[0], "per_days": quota[1]}
    body = {"name": "Cutter", "kind": "machine", "rules": rules}
    resource = str(act(any_node, commons_id, founder, "resources.resource.register", body).entry.id)
    model = Model(buffer, quota)
    for kind, who_index, slot, length in ops:
        if kind == "cancel":
            mine = sorted(i for i, row in model.held.items() if i in model.counted)
            if not mine:
                continue
            target = mine[who_index % len(mine)]
            owner = next(p for p in PEOPLE if p.did == model.counted[target][0])
            act(any_node, commons_id, owner, "resources.booking.cancel", {"booking": target})
            _, start, end, hi = model.held.pop(target)
            del model.counted[target]
            _offer(any_node, commons_id, model, start, hi)
            continue
        who = PEOPLE[who_index]
        start = BASE + slot * STEP * 2
        end = start + length * STEP
        interval = {"resource": resource, "start": minutes_text(start), "end": minutes_text(end)}
        free = model.free(start, end + buffer)
        if kind == "wait":
            made = _attempt(any_node, commons_id, who, "resources.wait.join", interval)
            # refused when the time is free, all of it is the person's own, or they wait already
            assert (made is not None) == model.may_wait(who.did, start, end)
            if made is None:
                continue
            model.waiting.append((str(made.entry.id), who.did, start, end))
            continue
        expected = free and model.within_quota(who.did, start, end)
        made = _attempt(any_node, commons_id, who, "resources.booking.make", interval)
        assert (made is not None) == expected, f"{interval}: the model says {expected}"
        if made is None:
            continue
        model.held[str(made.entry.id)] = (who.did, start, end, end + buffer)
        model.counted[str(made.entry.id)] = (who.did, start, end)
    # The database holds exactly the model's active rows, and none of them overlap.
    with any_node.reading() as conn:
        rows = conn.execute(
            sa.select(bookings.c.booking_id, bookings.c.lo, bookings.c.hi, bookings.c.member)
            .where((bookings.c.commons_id == commons_id) & (bookings.c.active == 1))
            .order_by(bookings.c.lo)
        ).all()
    assert {row.booking_id: (row.member, row.lo, row.hi) for row in rows} == {
        ident: (who, s, hi) for ident, (who, s, _, hi) in model.held.items()
    }
    for before, after in pairwise(rows):
        assert before.hi <= after.lo


def _attempt(node: Node, commons_id: str, who: Keypair, type_: str, body: dict[str, Any]) -> Any:
    """The entry the action made, or None when the rules refused it."""
    try:
        return act(node, commons_id, who, type_, body)
    except CommonworkError:
        return None


def _offer(node: Node, commons_id: str, model: Model, lo: int, hi: int) -> None:
    """What the waiting list should do with a freed [lo, hi): offer it in join order to each
    waiting person whose time overlaps it and now fits — then check the node did just that."""
    for ident, who, start, end in list(model.waiting):
        if not (start < hi and end + model.buffer > lo):
            continue
        if model.free(start, end + model.buffer) and model.within_quota(who, start, end):
            model.held[ident] = (who, start, end, end + model.buffer)
            model.waiting.remove((ident, who, start, end))
    with node.reading() as conn:
        offered = {
            row.booking_id: row.member
            for row in conn.execute(
                sa.select(bookings.c.booking_id, bookings.c.member).where(
                    (bookings.c.commons_id == commons_id) & (bookings.c.status == "offered")
                )
            )
        }
    expected = {ident: row[0] for ident, row in model.held.items() if ident not in model.counted}
    assert offered == expected
