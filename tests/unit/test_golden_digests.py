"""The state digests of the kept journal fixtures, pinned: a release that changes them changes
every mirror's figures for the same journal, so it must do so on purpose (update the values here
and say why in docs/journal.md, "Rules that changed"). Installing a new area, with tables of its
own that these journals never touch, leaves them unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonwork.journal.area import installed, ordered
from commonwork.journal.entries import parse_entry
from commonwork.journal.projection import digest_rows
from commonwork.node.state import MemoryState
from commonwork.services.journals import verify_lines_offline
from tests.support.areas import dummy_area
from tests.support.builders import BEFORE_SETTLEMENT_JOURNAL, FIRST_RELEASE_JOURNAL

#: The second journal holds a weighted dispute: since arbitration (issue 10) it opens a case.
GOLDEN = {
    FIRST_RELEASE_JOURNAL: "7a19efa9561a5b6af02b168ec4a7a57226263419397a557e8374d5232f61e865",
    BEFORE_SETTLEMENT_JOURNAL: "0b09e2a9220dba5ec31f60d0beb077b5b1065cc05abc45ec0127df45907d805b",
}


def lines_of(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


@pytest.mark.parametrize("path", list(GOLDEN), ids=lambda path: path.name)
def test_the_fixtures_verify_to_their_pinned_digests(path: Path) -> None:
    report = verify_lines_offline(lines_of(path))
    assert report.ok
    assert report.digest == GOLDEN[path]


@pytest.mark.parametrize("path", list(GOLDEN), ids=lambda path: path.name)
def test_a_new_area_with_tables_of_its_own_leaves_the_digests_unchanged(path: Path) -> None:
    dummy = dummy_area()
    [ledger] = dummy.tables
    areas = ordered([*installed(), dummy])
    assert [area.name for area in areas] == [
        "commons",
        "dummy",
        "production",
        "standing",
        "governance",
        "economy",
        "property",
        "resources",
    ]
    state = MemoryState()
    lines = lines_of(path)
    commons_id = parse_entry(lines[0]).id
    for line in lines:
        state.replay(commons_id, parse_entry(line))
    tables = sorted((table for area in areas for table in area.tables), key=lambda t: t.name)
    assert ledger in tables
    owners = {
        table.name: (area.name, area.projection_version) for area in areas for table in area.tables
    }
    assert owners["dummy_ledger"] == ("dummy", 1)
    with_dummy = digest_rows(
        ((table, (row for _, row in sorted(state.rows[table.name].items()))) for table in tables),
        owners,
    )
    assert with_dummy == GOLDEN[path]
