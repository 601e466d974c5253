"""The import contracts say what the areas declare: an area may import the areas it builds on
(Area.builds_on, transitively) and no other; `lint-imports` enforces the contracts in CI."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from commonwork.journal.area import Area
from commonwork.node.registry import AREAS

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text())
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def built_on(area: Area, by_name: dict[str, Area]) -> set[str]:
    """The areas ``area`` builds on, directly or through another."""
    seen: set[str] = set()
    todo = list(area.builds_on)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(by_name[name].builds_on)
    return seen


def test_every_area_is_forbidden_exactly_the_areas_it_does_not_build_on() -> None:
    by_name = {area.name: area for area in AREAS}
    forbidden: dict[str, set[str]] = {}
    for contract in contracts():
        if contract["type"] == "forbidden" and len(contract["source_modules"]) == 1:
            forbidden[contract["source_modules"][0]] = set(contract["forbidden_modules"])
    for area in AREAS:
        others = set(by_name) - built_on(area, by_name) - {area.name}
        module = f"commonwork.{area.name}"
        expected = {f"commonwork.{name}" for name in others}
        areas_forbidden = {m for m in forbidden.get(module, set()) if m.split(".")[1] in by_name}
        assert areas_forbidden == expected, f"{module}: forbid {sorted(expected)}"


def test_the_layers_put_each_area_below_the_areas_that_build_on_it() -> None:
    [layers] = [c for c in contracts() if c["type"] == "layers"]
    order = [layer.split(".")[1] for layer in layers["layers"]]
    for area in AREAS:
        for needed in area.builds_on:
            assert order.index(needed) > order.index(area.name), (area.name, needed)
