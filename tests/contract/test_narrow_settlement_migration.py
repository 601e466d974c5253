"""Migration 0014 (narrow settlement rows) moves the values with their columns, on every backend:
down to the shape before it (a row per credit, the settled columns on contributions, the agenda
by contribution id) and up again gives back the same rows, so what a node serves, labelled
stale, until the rebuild its new projection versions ask for is what it held before."""

from __future__ import annotations

import orjson
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.state import database_digest
from commonwork.services import acting
from commonwork.services.standing_read import member_standing
from tests.contract.test_digest_parts import busy_commons
from tests.contract.test_tasks import day


def _rows(conn: sa.Connection, table: str) -> list[tuple[object, ...]]:
    return sorted(tuple(row) for row in conn.execute(sa.text(f"SELECT * FROM {table}")))  # noqa: S608 - a test's own table names


def test_down_and_up_again_keeps_every_projected_row(any_node: Node) -> None:
    from alembic import command

    from commonwork.node.db import alembic_config

    ada = Keypair.generate()
    commons_id = busy_commons(any_node, ada)
    any_node.clock = lambda: day(6)
    acting.post_task(any_node, actor=ada, commons_id=commons_id, title="t", description="t")
    tables = ("contributions", "contribution_status", "standing_history", "settle_agenda")
    with any_node.reading() as conn:
        digest = database_digest(conn, commons_id)
        before = {name: _rows(conn, name) for name in tables}
        credited = [
            credit
            for (*_, text) in before["standing_history"]
            if text is not None
            for credit in orjson.loads(str(text))
        ]
    assert len(credited) == 4  # each day's accepted work, credited to Ben
    why = member_standing(any_node, commons_id, _ben(any_node, commons_id))
    assert len(why.why) == 4  # its terms: the four credits
    with any_node.writing() as conn:
        command.downgrade(alembic_config(conn), "0013")
        assert len(_rows(conn, "standing_credits")) == len(credited)
        statuses = conn.execute(sa.text("SELECT status FROM contributions")).scalars().all()
        assert sorted(statuses) == ["accepted"] * 4
        command.upgrade(alembic_config(conn), "head")
    with any_node.reading() as conn:
        assert {name: _rows(conn, name) for name in tables} == before
        assert database_digest(conn, commons_id) == digest
    any_node.figures_cache.clear()
    assert member_standing(any_node, commons_id, why.member) == why


def _ben(node: Node, commons_id: str) -> str:
    with node.reading() as conn:
        query = sa.text("SELECT member FROM members WHERE commons_id = :c AND name = 'Ben'")
        return str(conn.execute(query, {"c": commons_id}).scalar_one())
