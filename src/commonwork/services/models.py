"""What the services hand the doors: JSON values typed as such, and the read models (frozen
dataclasses) turned into the JSON the API and ``--json`` print.

A read model's fields are in the order its JSON has always had its keys, so that ``as_json``
gives the same object, byte for byte, as the dicts the services returned before they were typed.
A field declared with ``field(default=None, metadata=LEFT_OUT_WHEN_NONE)`` is left out of the JSON
when it holds None (a key that was only there sometimes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, fields, is_dataclass
from types import MappingProxyType
from typing import TypeAlias, cast

#: Any JSON value as parsed (floats included: the canonical profile refuses them later).
JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
#: A JSON object: an action's body, a charter, a policy.
JsonObject: TypeAlias = dict[str, JsonValue]
#: A JSON object as a function takes it (read only, so a ``dict[str, str]`` is one too).
JsonMapping: TypeAlias = Mapping[str, JsonValue]

#: The metadata of a read model's field that its JSON leaves out when it holds None.
LEFT_OUT_WHEN_NONE = MappingProxyType({"left_out_when_none": True})


_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, bool], ...]:
    """A read model class's fields in order, each with whether None leaves it out (kept)."""
    found = _FIELDS.get(cls)
    if found is None:
        declared: tuple[Field[object], ...] = fields(cls)
        found = tuple(
            (item.name, bool(item.metadata.get("left_out_when_none"))) for item in declared
        )
        _FIELDS[cls] = found
    return found


#: The types whose values are JSON as they are (exactly these: subclasses take the long way).
_PLAIN: frozenset[type] = frozenset((str, int, float, bool, type(None)))


def as_json(model: object) -> JsonObject:
    """A read model (a dataclass) as its JSON object: nested models as objects, tuples as
    arrays, the fields in the order they are declared."""
    if not is_dataclass(model) or isinstance(model, type):
        raise TypeError(f"{type(model).__name__} is not a read model")
    return _model_json(model)


def _model_json(model: object) -> JsonObject:
    made: JsonObject = {}
    for name, left_out in _fields_of(type(model)):
        value = getattr(model, name)
        if value is None and left_out:
            continue
        made[name] = _json_value(value)
    return made


def _json_value(value: object) -> JsonValue:
    if type(value) in _PLAIN:  # the common case first, by exact type: no ABC checks
        return cast(JsonValue, value)
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, str | int | float):  # bool is an int; subclasses (e.g. numpy floats)
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return _model_json(value)
    raise TypeError(f"{type(value).__name__} has no JSON form")
