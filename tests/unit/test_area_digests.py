"""The state digest is a hash over per-area digests (DIGEST_VERSION v3)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commonwork.journal.projection import (
    Parts,
    add_row,
    add_rows,
    area_digests,
    digest_of_parts,
    hash_sum,
    rows_parts,
)

OWNERS = {"members": ("commons", 1), "tasks": ("production", 1), "contributions": ("production", 1)}
PARTS: Parts = {"members": (2, 11), "tasks": (1, 5), "contributions": (3, 7)}


def test_each_area_holding_rows_has_its_own_digest() -> None:
    digests = area_digests(PARTS, OWNERS)
    assert set(digests) == {("commons", 1), ("production", 1)}
    only_tasks_changed = {**PARTS, "tasks": (1, 6)}
    after = area_digests(only_tasks_changed, OWNERS)
    assert after[("commons", 1)] == digests[("commons", 1)]
    assert after[("production", 1)] != digests[("production", 1)]


def test_an_area_without_rows_contributes_nothing() -> None:
    with_empty = {**PARTS, "ledger": (0, 0)}
    owners = {**OWNERS, "ledger": ("economy", 1)}
    assert digest_of_parts(with_empty, owners) == digest_of_parts(PARTS, OWNERS)


def test_a_new_projection_version_of_an_area_with_rows_changes_the_digest() -> None:
    bumped = {**OWNERS, "members": ("commons", 2)}
    assert digest_of_parts(PARTS, bumped) != digest_of_parts(PARTS, OWNERS)


def test_rows_of_a_table_no_area_owns_are_refused() -> None:
    with pytest.raises(ValueError, match="belongs to no area"):
        digest_of_parts({**PARTS, "stray": (1, 1)}, OWNERS)


def test_rows_hashed_together_sum_as_rows_hashed_one_by_one() -> None:
    rows = [
        {"member": f"did:key:{index}", "points": index * 7, "note": None} for index in range(50)
    ]
    one_by_one: Parts = {}
    together: Parts = {}
    for row in rows:
        add_row(one_by_one, "credits", row)
    add_rows(together, "credits", rows)
    assert together == one_by_one
    for row in rows[:20]:
        add_row(one_by_one, "credits", row, -1)
    add_rows(together, "credits", rows[:20], -1)
    assert together == one_by_one == rows_parts([(sa.Table("credits", sa.MetaData()), rows[20:])])
    assert hash_sum("credits", []) == (0, 0)
