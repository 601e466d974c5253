"""The services hand the doors typed read models and JSON values, never ``Any``: no public
module-level function of ``commonwork.services`` takes or returns ``Any``, directly or inside
another type (``dict[str, Any]``, ``list[dict[str, Any]]``, an alias of one such as ``Row``), so
``mypy --strict`` covers the way from the services to the pages, the API and the command line.

The annotations are resolved (``typing.get_type_hints``), so an alias is seen for what it is.
numpy's arrays are the one exception: ``NDArray[np.int64]`` is precise in what it holds, and its
shape parameter (``tuple[Any, ...]``) is numpy's own.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

import commonwork.services
from commonwork.journal.projection import Row
from commonwork.services.models import JsonMapping, JsonObject, JsonValue

Function = Callable[..., object]


def service_modules() -> Iterator[ModuleType]:
    for info in sorted(pkgutil.iter_modules(commonwork.services.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{commonwork.services.__name__}.{info.name}")


def public_functions() -> list[tuple[str, Function]]:
    """Every public function defined at module level in the services (not one re-exported from
    elsewhere), by its qualified name."""
    found = []
    for module in service_modules():
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ == module.__name__:
                found.append((f"{module.__name__}.{name}", value))
    return found


def mentions_any(hint: object) -> bool:
    """Whether a resolved type is ``Any`` or holds it anywhere inside."""
    if hint is Any:
        return True
    if isinstance(hint, list):  # the parameters of a Callable
        return any(mentions_any(item) for item in hint)
    arguments = typing.get_args(hint)
    if typing.get_origin(hint) is np.ndarray:
        arguments = arguments[1:]  # the shape, numpy's own business; the dtype is checked
    return any(mentions_any(argument) for argument in arguments)


def offences(function: Function) -> list[str]:
    """The parameters (and ``return``) of ``function`` whose annotation mentions ``Any``."""
    # The JSON aliases refer to themselves by name: resolve that name wherever they are used.
    hints = typing.get_type_hints(function, localns={"JsonValue": JsonValue})
    return [name for name, hint in hints.items() if mentions_any(hint)]


def test_no_public_service_function_takes_or_returns_any() -> None:
    functions = public_functions()
    assert len(functions) > 50  # the walk found the services (a vacuous pass proves nothing)
    found = {name: bad for name, function in functions if (bad := offences(function))}
    assert not found, "\n".join(
        f"{name}: Any in the annotation of {', '.join(bad)}; use a read model or the JSON "
        "types of commonwork.services.models"
        for name, bad in sorted(found.items())
    )


def _takes_a_row(row: Row, names: list[dict[str, Any]]) -> dict[str, Any] | None:
    return None


def _precise(
    body: JsonMapping, values: NDArray[np.int64], make: Callable[[JsonObject], int]
) -> JsonValue:
    return None


def test_the_check_sees_any_inside_types_and_aliases_and_nothing_else() -> None:
    assert offences(_takes_a_row) == ["row", "names", "return"]
    assert offences(_precise) == []
    assert mentions_any(Callable[[int, Any], None])
    assert mentions_any(tuple[int, ...] | list[Any])
    assert not mentions_any(NDArray[np.float64] | None)
