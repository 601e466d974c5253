"""The database-backed state of the fold (node.state.DbState), on every backend: a scan sees
the rows put in the batch and those flushed before it, whenever it is first asked for; a flush
writes new rows, updates only changed ones and keeps the digest's parts equal to a hash of every
row; a fixed column never changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commonwork.errors import ChainBroken
from commonwork.journal.projection import rows_parts
from commonwork.node.digests import read_parts
from commonwork.node.node import Node
from commonwork.node.state import DbState, table_rows
from commonwork.production.tables import contribution_status
from commonwork.standing.tables import member_standing, standing_history

COMMONS = "c" * 64


def history(member: str, day: str, points: int) -> dict[str, object]:
    return {
        "commons_id": COMMONS,
        "member": member,
        "day": day,
        "amount_milli": points,
        "value_points_milli": points,
        "credits": None,
    }


def standing(member: str, amount: int) -> dict[str, object]:
    return {
        "commons_id": COMMONS,
        "member": member,
        "seed_milli": 0,
        "amount_milli": amount,
        "day": "2026-01-02",
        "value_points_milli": amount,
        "month": "2026-01",
        "month_points_milli": amount,
    }


def contribution(contribution_id: str, seq: int, status: str) -> dict[str, object]:
    """A contribution's status row."""
    columns = {str(column.name): None for column in contribution_status.columns}
    return {
        **columns,
        "commons_id": COMMONS,
        "contribution_id": contribution_id,
        "seq": seq,
        "contributor": "did:key:ada",
        "kind": "work",
        "quantity": "1",
        "status": status,
        "approvals": 0,
        "disputes": 0,
        "corrections": 0,
        "weight_milli": 0,
        "dispute_weight_milli": 0,
        "adjust_weight_milli": 0,
    }


def days_of(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(row["member"], row["day"]) for row in rows]


def test_a_scan_sees_the_batch_and_what_was_flushed_whenever_it_is_first_asked(
    any_node: Node,
) -> None:
    with any_node.writing() as conn:
        state = DbState(conn)
        state.insert(standing_history, history("ben", "2026-01-03", 2))
        state.insert(standing_history, history("ada", "2026-01-03", 2))
        state.insert(standing_history, history("ada", "2026-01-02", 1))
        assert days_of(state.scan(standing_history, (COMMONS, "ada"))) == [
            ("ada", "2026-01-02"),
            ("ada", "2026-01-03"),
        ]
        state.flush()
        state.insert(standing_history, history("ada", "2026-01-01", 0))
        assert days_of(state.scan(standing_history, (COMMONS, "ada"))) == [
            ("ada", "2026-01-01"),
            ("ada", "2026-01-02"),
            ("ada", "2026-01-03"),
        ]
        state.flush()
        state.insert(standing_history, history("ben", "2026-01-02", 1))  # before a scan of ben's
        assert days_of(state.scan(standing_history, (COMMONS, "ben"))) == [
            ("ben", "2026-01-02"),
            ("ben", "2026-01-03"),
        ]
        state.flush()
        fresh = DbState(conn)
        assert len(fresh.scan(standing_history, (COMMONS, "ada"))) == 3
        assert fresh.get(standing_history, (COMMONS, "ada", "2026-01-09")) is None
        assert fresh.scan(standing_history, (COMMONS, "cy")) == []


def kept_parts_match_the_rows(conn: sa.Connection) -> None:
    tables = (member_standing, standing_history, contribution_status)
    kept = read_parts(conn, COMMONS)
    counted = rows_parts((table, table_rows(conn, table, COMMONS)) for table in tables)
    assert {name: kept[name] for name in counted} == counted


def test_a_flush_writes_what_changed_and_keeps_the_digest_parts(any_node: Node) -> None:
    with any_node.writing() as conn:
        state = DbState(conn)
        for index, member in enumerate(("ada", "ben", "cy")):
            state.insert(member_standing, standing(member, index))
            state.insert(contribution_status, contribution(f"k{index}", index, "pending"))
        state.flush()
        kept_parts_match_the_rows(conn)
        state = DbState(conn)  # what the database holds, loaded again
        state.put(member_standing, standing("ada", 0))  # unchanged
        state.put(member_standing, {**standing("ben", 7), "month": "2026-02"})
        state.put(member_standing, standing("cy", 9))
        state.put(member_standing, standing("dee", 4))  # new
        accepted = {**contribution("k1", 1, "accepted"), "accepted_on": "2026-01-03"}
        state.put(contribution_status, accepted)
        state.put(contribution_status, contribution("k2", 2, "disputed"))
        state.flush()
        kept_parts_match_the_rows(conn)
        stored = {
            row["member"]: row["amount_milli"] for row in table_rows(conn, member_standing, None)
        }
        assert stored == {"ada": 0, "ben": 7, "cy": 9, "dee": 4}
        statuses = {
            row["contribution_id"]: (row["status"], row["accepted_on"])
            for row in table_rows(conn, contribution_status, COMMONS)
        }
        assert statuses == {
            "k0": ("pending", None),
            "k1": ("accepted", "2026-01-03"),
            "k2": ("disputed", None),
        }


def test_a_flush_refuses_to_change_a_fixed_column(any_node: Node) -> None:
    with any_node.writing() as conn:
        state = DbState(conn)
        state.insert(contribution_status, contribution("k0", 0, "pending"))
        state.flush()
        state.put(contribution_status, contribution("k0", 0, "disputed") | {"kind": "care"})
        with pytest.raises(ChainBroken, match="fixed column"):
            state.flush()
