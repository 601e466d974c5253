"""Areas declare themselves once; the node orders them by what they build on and refuses
declarations that contradict each other."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commonwork.journal.area import Area, installed, ordered
from commonwork.node import registry
from commonwork.production.actions import RECORD


def table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), sa.Column("commons_id", sa.String, primary_key=True))


def test_the_installed_areas_come_from_the_package_metadata_in_dependency_order() -> None:
    assert [area.name for area in installed()] == [
        "commons",
        "production",
        "standing",
        "governance",
        "economy",
        "property",
        "resources",
    ]
    assert registry.ACTION_SPECS[RECORD].type == RECORD
    owned = {t.name for area in registry.AREAS for t in area.tables}
    assert owned == {t.name for t in registry.PROJECTED_TABLES}


def test_an_area_comes_after_those_it_builds_on_ties_by_name() -> None:
    found = ordered(
        [
            Area("zeta", "z", builds_on=("alpha",)),
            Area("beta", "b", builds_on=("zeta",)),
            Area("alpha", "a"),
            Area("gamma", "g"),
        ]
    )
    assert [area.name for area in found] == ["alpha", "gamma", "zeta", "beta"]


@pytest.mark.parametrize(
    ("areas", "says"),
    [
        ([Area("a", "a", builds_on=("missing",))], "not installed"),
        ([Area("a", "a", builds_on=("b",)), Area("b", "b", builds_on=("a",))], "circle"),
        ([Area("a", "a"), Area("a", "again")], "two areas"),
        (
            [
                Area("a", "a", tables=(table("t"),), fork={"t": "carry"}),
                Area("b", "b", tables=(table("t"),), fork={"t": "reset"}),
            ],
            "declared by both",
        ),
    ],
)
def test_contradicting_declarations_are_refused(areas: list[Area], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        ordered(areas)


def test_an_area_says_what_a_fork_does_with_each_of_its_tables() -> None:
    with pytest.raises(ValueError, match="say what a fork does"):
        Area("money", "m", tables=(table("balances"),))
    with pytest.raises(ValueError, match="does not own"):
        Area("money", "m", fork={"elsewhere": "carry"})
