"""A newly installed area needs no migration: its tables are made from their declaration when
the node opens, and its projection version is recorded without a rebuild (nothing to replay)."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.node.node import Node
from commonwork.node.projections import check_versions, ensure_tables
from commonwork.node.registry import AREAS
from commonwork.node.tables import projection_versions
from tests.support.areas import dummy_area


def test_a_new_area_gets_its_tables_and_its_version_without_a_rebuild(any_node: Node) -> None:
    dummy = dummy_area(projection_version=3)
    [ledger] = dummy.tables
    areas = (*AREAS, dummy)
    with any_node.writing() as conn:
        assert not sa.inspect(conn).has_table("dummy_ledger")
        ensure_tables(conn, areas)
        assert sa.inspect(conn).has_table("dummy_ledger")
        assert check_versions(conn, "2026-11-30T00:00:00.000Z", areas) == []
        versions = dict(
            conn.execute(sa.select(projection_versions.c.area, projection_versions.c.version)).all()
        )
        assert versions["dummy"] == 3
        ledger.drop(conn)
