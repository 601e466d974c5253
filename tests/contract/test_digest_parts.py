"""The state digest is kept up to date in the append transaction, on every backend: it equals a
digest computed afresh from every row, reads never rehash rows, and a database from before the
parts existed gets them computed once when the node opens."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.digests import digest_parts, stored_digest
from commonwork.node.node import Node
from commonwork.node.state import database_digest
from commonwork.production.tables import contributions
from commonwork.services import acting, queries
from tests.conftest import DatabaseFactory, open_node
from tests.contract.test_tasks import day
from tests.support.builders import CHARTER, join


def busy_commons(node: Node, ada: Keypair | None = None) -> str:
    ada, ben = ada or Keypair.generate(), Keypair.generate()
    node.clock = lambda: day(0)
    commons_id = acting.found_commons(
        node, actor=ada, charter=CHARTER, founder_name="Ada"
    ).commons_id
    join(node, commons_id, ben, "Ben")
    for later in range(4):
        node.clock = lambda later=later: day(later)
        made = acting.record_contribution(
            node, actor=ben, commons_id=commons_id, kind="work", quantity="2", description="w"
        )
        acting.validate_contribution(
            node, actor=ada, commons_id=commons_id, contribution_id=made.entry.id, verdict="approve"
        )
    return commons_id


def test_the_kept_digest_equals_one_computed_from_every_row(any_node: Node) -> None:
    commons_id = busy_commons(any_node)
    with any_node.reading() as conn:
        assert stored_digest(conn, commons_id) == database_digest(conn, commons_id)
    assert queries.commons_detail(any_node, commons_id).digest == database_digest_of(
        any_node, commons_id
    )


def database_digest_of(node: Node, commons_id: str) -> str:
    with node.reading() as conn:
        return database_digest(conn, commons_id)


def test_reads_take_the_kept_digest_and_never_rehash_rows(any_node: Node) -> None:
    commons_id = busy_commons(any_node)
    kept = queries.commons_detail(any_node, commons_id).digest
    with any_node.writing() as conn:  # change a row behind the projection's back
        conn.execute(sa.update(contributions).values(description="edited in the database"))
    any_node.digest_cache.clear()
    assert queries.commons_detail(any_node, commons_id).digest == kept
    assert database_digest_of(any_node, commons_id) != kept  # only a full recompute sees it


def test_a_database_without_parts_gets_them_when_the_node_opens(
    tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    url = database_url_factory("parts")
    node = open_node(tmp_path / "n", url)
    try:
        commons_id = busy_commons(node)
        expected = database_digest_of(node, commons_id)
        with node.writing() as conn:
            conn.execute(sa.delete(digest_parts))
    finally:
        node.close()
    reopened = open_node(tmp_path / "n", url)
    try:
        assert queries.commons_detail(reopened, commons_id).digest == expected
    finally:
        reopened.close()


def test_an_upgraded_node_says_to_rebuild_until_it_has_settled_a_journal(any_node: Node) -> None:
    """A database from before day settlement has no checkpoint for a commons with policies:
    reads say what to do, and ``rebuild`` settles it."""
    from commonwork.errors import NotSettledYet
    from commonwork.services.journals import rebuild_projections
    from commonwork.services.standing_read import standing_table
    from commonwork.standing.tables import settlements

    commons_id = busy_commons(any_node)
    with any_node.writing() as conn:
        conn.execute(sa.delete(settlements))
    any_node.figures_cache.clear()
    with pytest.raises(NotSettledYet) as refused:
        standing_table(any_node, commons_id)
    assert "commonwork rebuild" in refused.value.detail
    rebuild_projections(any_node, commons_id)
    assert standing_table(any_node, commons_id).members


def test_upgrading_to_weights_on_entry_refuses_appends_until_rebuilt(
    tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    """Migration 0010 (validations weighed as they are recorded) drops the checkpoints made by
    the earlier projection: the node then refuses to append to a commons with policies, saying
    to rebuild, and writes nothing; after ``rebuild`` it appends and its digest is kept."""
    from alembic import command

    from commonwork.errors import NotSettledYet
    from commonwork.node.db import alembic_config
    from commonwork.node.projections import record_versions
    from commonwork.services.journals import rebuild_projections

    url = database_url_factory("upgrade")
    node = open_node(tmp_path / "n", url)
    ada = Keypair.generate()
    try:
        commons_id = busy_commons(node, ada)
        expected = database_digest_of(node, commons_id)
        with node.writing() as conn:  # back to the schema before, then up again
            command.downgrade(alembic_config(conn), "0009")
            command.upgrade(alembic_config(conn), "head")
            # 0012's projection versions, dropped by the downgrade, as this release keeps them:
            # what is tested here is 0010's refusal, not a projection version's rebuild.
            record_versions(conn, "2026-11-30T00:00:00.000Z")
    finally:
        node.close()
    node = open_node(tmp_path / "n", url)
    try:
        head = head_seq(node, commons_id)
        with pytest.raises(NotSettledYet) as refused:
            acting.record_contribution(
                node, actor=ada, commons_id=commons_id, kind="work", quantity="1", description="x"
            )
        assert "commonwork rebuild" in refused.value.detail
        assert head_seq(node, commons_id) == head  # nothing written
        rebuild_projections(node, commons_id)
        assert database_digest_of(node, commons_id) == expected
        acting.record_contribution(
            node, actor=ada, commons_id=commons_id, kind="work", quantity="1", description="x"
        )
        with node.reading() as conn:
            assert stored_digest(conn, commons_id) == database_digest(conn, commons_id)
    finally:
        node.close()


def head_seq(node: Node, commons_id: str) -> int:
    from commonwork.services.journals import require_head

    with node.reading() as conn:
        return require_head(conn, commons_id).seq


def test_a_flush_updates_changed_columns_only_and_refuses_a_changed_fixed_column(
    any_node: Node,
) -> None:
    """A replaced row is written as an update of the columns that changed (an unchanged one
    not at all), with the kept digest still equal to one computed from every row; a
    projection that changes a fixed column (set once, indexed) is refused and its transaction
    rolled back."""
    from commonwork.errors import ChainBroken
    from commonwork.node.state import DbState, plain_row

    commons_id = busy_commons(any_node)
    with any_node.reading() as conn:
        rows = [plain_row(r) for r in conn.execute(sa.select(contributions)).mappings()]
    first, second = rows[0], rows[1]
    with any_node.writing() as conn:
        state = DbState(conn)
        state.put(contributions, {**first, "description": "said better"})
        state.put(contributions, dict(second))  # the same row again
        state.flush()
    with any_node.reading() as conn:
        assert stored_digest(conn, commons_id) == database_digest(conn, commons_id)
        described = conn.execute(
            sa.select(contributions.c.description).where(
                contributions.c.contribution_id == first["contribution_id"]
            )
        ).scalar_one()
    assert described == "said better"

    def change_a_fixed_column() -> None:
        with any_node.writing() as conn:
            state = DbState(conn)
            state.put(contributions, {**first, "description": "again", "seq": first["seq"] + 99})
            state.flush()

    with pytest.raises(ChainBroken, match="fixed column"):
        change_a_fixed_column()
    with any_node.reading() as conn:
        assert stored_digest(conn, commons_id) == database_digest(conn, commons_id)
        assert (
            conn.execute(
                sa.select(contributions.c.seq).where(
                    contributions.c.contribution_id == first["contribution_id"]
                )
            ).scalar_one()
            == first["seq"]
        )
