"""Settled figures are final: for random journals, everything as of the end of a day D is the
same whatever is appended after D — corrections, withdrawals, approvals in the other direction,
disputes, lazy acceptance windows falling due. And a commons grows out of its founders."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonwork.errors import CommonworkError
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.production.tables import contribution_status, tasks, validations
from commonwork.services import acting
from commonwork.services.standing_read import standing_table
from tests.conftest import open_node
from tests.contract.test_settlement import charter
from tests.support.builders import CHARTER, join

OPS = ("record", "approve", "dispute", "adjust", "correct", "withdraw", "post", "claim")
WEIGHTED_OPS = ("record",) * 4 + ("approve",) * 5 + OPS  # enough acceptances to matter
PEOPLE = 4
KEYS = [Keypair.generate() for _ in range(PEOPLE)]  # fixed: hypothesis shrinks the steps only

step = st.tuples(
    st.integers(0, 14),  # the day
    st.integers(0, 23),  # the hour
    st.integers(0, PEOPLE - 1),  # who
    st.sampled_from(WEIGHTED_OPS),
    st.integers(0, 30),  # which contribution or task (modulo how many there are)
)


def at(day: int, hour: int = 0) -> str:
    return f"2030-02-{1 + day:02d}T{hour:02d}:00:00.000Z"


class Script:
    """Runs steps against a node; refused steps (the rules said no) write nothing."""

    def __init__(self, node: Node) -> None:
        self.node = node
        node.clock = lambda: at(0)
        self.commons = acting.found_commons(
            node, actor=KEYS[0], charter=charter(KEYS[0], KEYS[1]), founder_name="F"
        ).commons_id
        for number, person in enumerate(KEYS[1:], start=1):
            join(node, self.commons, person, f"P{number}")
        self.works: list[str] = []
        self.tasks: list[str] = []

    def run(self, day: int, hour: int, who: int, op: str, pick: int) -> None:
        self.node.clock = lambda: at(day, hour)
        with contextlib.suppress(CommonworkError):
            self._do(KEYS[who], op, pick)

    def _do(self, person: Keypair, op: str, pick: int) -> None:
        node, commons = self.node, self.commons
        target = self.works[pick % len(self.works)] if self.works else None
        if op == "record" or (target is None and op not in ("post", "claim")):
            task = self.tasks[pick % len(self.tasks)] if self.tasks and pick % 2 else None
            made = acting.record_contribution(
                node, actor=person, commons_id=commons, kind="work", quantity=str(1 + pick % 9),
                description="seed work", task=task,
            )  # fmt: skip
            self.works.append(made.entry.id)
        elif op in ("approve", "dispute", "adjust") and target is not None:
            extra: dict[str, Any] = {"reason": "checked"} if op != "approve" else {}
            if op == "adjust":
                extra["quantity"] = "2"
            acting.validate_contribution(
                node, actor=person, commons_id=commons, contribution_id=target, verdict=op, **extra
            )
        elif op == "correct" and target is not None:
            acting.correct_contribution(
                node, actor=person, commons_id=commons, contribution_id=target, reason="fix",
                changes={"quantity": "4"},
            )  # fmt: skip
        elif op == "withdraw" and target is not None:
            acting.withdraw_contribution(
                node, actor=person, commons_id=commons, contribution_id=target
            )
        elif op == "post":
            made = acting.post_task(
                node, actor=person, commons_id=commons, title="a task", description="do it"
            )
            self.tasks.append(made.entry.id)
        elif op == "claim" and self.tasks:
            task = self.tasks[pick % len(self.tasks)]
            acting.claim_task(node, actor=person, commons_id=commons, task_id=task)

    def settle_through(self, day: int) -> None:
        """Append the first entry of the next day: it settles ``day``."""
        self.node.clock = lambda: at(day + 1)
        acting.post_task(
            self.node, actor=KEYS[0], commons_id=self.commons, title="tick", description="tick"
        )

    def as_of_end_of(self, day: int) -> dict[str, Any]:
        """Everything the record says about the end of ``day``."""
        end = at(day, 23)[:11] + "23:59:59.999Z"
        day_text = end[:10]
        table = standing_table(self.node, self.commons, as_of=end)
        status = contribution_status
        with self.node.reading() as conn:
            accepted = conn.execute(
                sa.select(status.c.contribution_id, status.c.accepted_on,
                          status.c.points_milli, status.c.accepted_quantity)
                .where(status.c.accepted_on <= day_text)
                .order_by(status.c.contribution_id)
            ).all()  # fmt: skip
            weights = conn.execute(
                sa.select(validations.c.seq, validations.c.weight_milli)
                .where(validations.c.recorded_at <= end)
                .order_by(validations.c.seq)
            ).all()
            closed = conn.execute(
                sa.select(tasks.c.task_id, tasks.c.closed_by, tasks.c.closed_at)
                .where(tasks.c.closed_at <= end)
                .order_by(tasks.c.task_id)
            ).all()
        figures = [(r.member, r.standing_milli, r.value_points_milli) for r in table.members]
        return {
            "figures": sorted(figures),
            "accepted": [tuple(row) for row in accepted],
            "weights": [tuple(row) for row in weights],
            "closed": [tuple(row) for row in closed],
        }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=10, max_size=80), cut=st.integers(0, 12))
def test_figures_as_of_the_end_of_a_day_never_change_afterwards(
    steps: list[tuple[int, int, int, str, int]], cut: int
) -> None:
    ordered = sorted(steps, key=lambda s: (s[0], s[1]))
    with tempfile.TemporaryDirectory() as data:
        node = open_node(Path(data))
        try:
            script = Script(node)
            for item in ordered:
                if item[0] <= cut:
                    script.run(*item)
            script.settle_through(cut)
            before = script.as_of_end_of(cut)
            for item in ordered:
                if item[0] > cut:
                    script.run(*item)
            script.settle_through(15)
            assert script.as_of_end_of(cut) == before
        finally:
            node.close()


def test_a_commons_grows_out_of_its_founder(node: Node) -> None:
    """Twelve months on the default preset: the founder validates only in the first two months;
    newcomers' work is still accepted in months 6 and 12, by members who earned standing, and
    the founder's seed decays like anyone's standing."""
    founder = Keypair.generate()
    members = [Keypair.generate() for _ in range(6)]
    node.clock = lambda: "2030-01-01T09:00:00.000Z"
    commons = acting.found_commons(node, actor=founder, charter=CHARTER, founder_name="F")
    commons_id = commons.commons_id
    for number, person in enumerate(members):
        join(node, commons_id, person, f"M{number}")
    newcomers: dict[int, str] = {}
    for week in range(52):
        node.clock = lambda week=week: _week(week, 10)
        for number, person in enumerate(members):
            made = acting.record_contribution(
                node, actor=person, commons_id=commons_id, kind="work", quantity="3",
                description=f"week {week}",
            )  # fmt: skip
            validator = founder if week < 9 else members[(number + 1) % len(members)]
            node.clock = lambda week=week: _week(week, 11)
            acting.validate_contribution(
                node, actor=validator, commons_id=commons_id, contribution_id=made.entry.id,
                verdict="approve",
            )  # fmt: skip
        if week in (24, 50):  # months 6 and 12: somebody new arrives and records work
            newcomer = Keypair.generate()
            join(node, commons_id, newcomer, f"New {week}")
            newcomers[week] = acting.record_contribution(
                node, actor=newcomer, commons_id=commons_id, kind="work", quantity="2",
                description="my first work",
            ).entry.id  # fmt: skip
            acting.validate_contribution(
                node, actor=members[0], commons_id=commons_id, contribution_id=newcomers[week],
                verdict="approve",
            )  # fmt: skip
    node.clock = lambda: _week(52, 9)
    acting.post_task(node, actor=members[0], commons_id=commons_id, title="t", description="t")
    with node.reading() as conn:
        statuses = dict(
            conn.execute(
                sa.select(
                    contribution_status.c.contribution_id, contribution_status.c.status
                ).where(contribution_status.c.contribution_id.in_(list(newcomers.values())))
            ).all()
        )
    assert set(statuses.values()) == {"accepted"}
    table = {row.member: row for row in standing_table(node, commons_id).members}
    seed_now = table[founder.did].standing_milli
    assert 0 < seed_now < 60_000 * 2 ** (-300 / 180)  # decayed with no exemption
    assert not table[founder.did].privileges["validate_with_weight"]
    assert all(table[person.did].privileges["validate_with_weight"] for person in members)


def _week(week: int, hour: int) -> str:
    from datetime import date, timedelta

    return f"{(date(2030, 1, 1) + timedelta(days=7 * week)).isoformat()}T{hour:02d}:00:00.000Z"
