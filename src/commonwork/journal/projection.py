"""What an area provides to the journal: action types, their rules and their projections.

An area declares, for each action type it owns, an :class:`ActionSpec`: the body schema, a pure
``check(state, ctx)`` that raises a :class:`~commonwork.errors.RuleViolation` when the commons'
rules refuse the action, and ``apply(state, ctx)`` that writes the area's read-model rows.

Both see the commons only through :class:`State`: rows looked up and written by primary key. The
node gives them a database-backed state inside the append transaction; verification gives them an
in-memory one. Either way the rules see exactly the journal prefix before the entry, and the state
digest (a hash over every projected row in a fixed order) comes out the same.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import orjson
import pydantic
import sqlalchemy as sa

from commonwork.errors import InvalidAction
from commonwork.journal.entries import Entry

Row = dict[str, Any]
Key = tuple[Any, ...]


class State(Protocol):
    """The projected rows of the commons, as of the journal prefix being checked."""

    def get(self, table: sa.Table, key: Key) -> Row | None:
        """The row of ``table`` whose primary key is ``key`` (in primary-key column order)."""

    def put(self, table: sa.Table, row: Row) -> None:
        """Insert or replace a whole row (every column given)."""

    def scan(self, table: sa.Table, prefix: Key) -> list[Row]:
        """Every row of ``table`` whose first two primary-key columns equal ``prefix``, sorted
        by key: e.g. a contribution's validations, or one day's settlement agenda."""


@dataclass(frozen=True, slots=True)
class Context:
    """The entry being checked or applied, with its parsed body."""

    commons_id: str
    entry: Entry
    body: Any

    @property
    def author(self) -> str:
        return self.entry.author


#: The rows an action's rule and projection will look up: (commons id, author, body) → keys.
Reads = Callable[[str, str, Any], Iterable[tuple[sa.Table, Key]]]


@dataclass(frozen=True)
class ActionSpec:
    """One action type: its schema, rule and projection.

    ``reads`` names the rows ``check`` and ``apply`` will get, so that a node appending a batch
    can load them all with one query per table instead of one query per lookup. It is a hint for
    speed only: a row it forgets is still looked up when asked for.
    """

    type: str
    summary: str
    body: builtins.type[pydantic.BaseModel]
    check: Callable[[State, Context], None]
    apply: Callable[[State, Context], None]
    reads: Reads | None = None

    def parse_body(self, body: dict[str, Any]) -> pydantic.BaseModel:
        try:
            parsed: pydantic.BaseModel = self.body.model_validate(body, strict=True)
            return parsed
        except pydantic.ValidationError as exc:
            raise InvalidAction(
                f"the body of {self.type} is invalid: {describe_validation_error(exc)}",
                errors=[
                    {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"]}
                    for err in exc.errors()
                ],
            ) from exc


def describe_validation_error(exc: pydantic.ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def key_of(table: sa.Table, row: Row) -> Key:
    return tuple(row[name] for name in key_names(table))


@cache
def key_names(table: sa.Table) -> tuple[str, ...]:
    """The names of the table's primary-key columns, in key order."""
    return tuple(str(column.name) for column in table.primary_key.columns)


def digest_rows(tables: Iterable[tuple[sa.Table, Iterable[Row]]]) -> str:
    """The state digest: sha256 over every row of every table, tables by name, rows by key.

    Each table contributes its name, then one canonical JSON line per row (column name → value);
    callers pass rows already sorted by primary key.
    """
    digest = hashlib.sha256()
    for table, rows in tables:
        digest.update(b"table " + table.name.encode() + b"\n")
        for row in rows:
            digest.update(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) + b"\n")
    return digest.hexdigest()
