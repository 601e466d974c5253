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
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
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

    #: What a rule computed from rows that do not change while it is kept (e.g. who may
    #: arbitrate on a day: settled standing), by a key the rule names; dropped with the state.
    memo: dict[Any, Any]

    def get(self, table: sa.Table, key: Key) -> Row | None:
        """The row of ``table`` whose primary key is ``key`` (in primary-key column order)."""

    def put(self, table: sa.Table, row: Row) -> None:
        """Insert or replace a whole row (every column given)."""

    def insert(self, table: sa.Table, row: Row) -> None:
        """Put a row whose key cannot exist yet (it holds the id of the entry being applied, or
        the rule has just checked that it does not): the database state then need not look."""

    def scan(self, table: sa.Table, prefix: Key) -> list[Row]:
        """Every row of ``table`` whose first two primary-key columns equal ``prefix``, sorted
        by key: e.g. a contribution's validations, or one day's settlement agenda."""

    def scan_commons(self, table: sa.Table, commons_id: str) -> list[Row]:
        """Every row of ``table`` (keyed by commons id first) for one commons, sorted by key: a
        read that grows with the commons (e.g. its members' standing, to draw an arbitration
        panel), for what happens rarely."""

    def drop_commons(self, table: sa.Table, commons_id: str) -> None:
        """Delete every row of ``table`` for one commons: a fork starts the table empty."""

    def preload(self, table: sa.Table, prefixes: Iterable[Key]) -> None:
        """A hint for speed: the rows of these two-column prefixes will be read (a database
        state loads them with one query; memory has them already)."""

    def load_exact(self, table: sa.Table, keys: Iterable[Key]) -> None:
        """A hint for speed: exactly these rows will be read."""


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
class Door:
    """How the friendly doors offer an action type that acts on one thing of a commons: a
    button on that thing's page (shown when a dry run of the rule allows it) and a command
    ``commonwork NOUN VERB ID THING_ID`` — both derived from this declaration."""

    noun: str  # the kind of thing it acts on, e.g. "task": the page and the command group
    verb: str  # e.g. "withdraw": the command's name
    target: str  # the body field that names the thing, e.g. "task"
    label: str  # the button's text, e.g. "Withdraw this task"
    hint: str = ""  # what it does, in a sentence: the button's title and the command's help
    reason: bool = False  # whether the body takes an optional free-text "reason"


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
    door: Door | None = None

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


_KEY_GETTERS: dict[str, Callable[[Row], Key]] = {}


def key_of(table: sa.Table, row: Row) -> Key:
    """The row's primary key (by the table's name: hashing the table itself costs more)."""
    getter = _KEY_GETTERS.get(table.name)
    if getter is None:
        getter = _KEY_GETTERS[table.name] = tuple_getter(key_names(table))
    return getter(row)


def tuple_getter(names: tuple[Any, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving these columns of a row (names of a dict's, positions of a tuple's) as
    a tuple, in C (itemgetter) for any count."""
    if len(names) == 1:
        (name,) = names
        return lambda row: (row[name],)
    if not names:
        return lambda row: ()
    getter: Callable[[Any], tuple[Any, ...]] = operator.itemgetter(*names)
    return getter


@cache
def key_names(table: sa.Table) -> tuple[str, ...]:
    """The names of the table's primary-key columns, in key order."""
    return tuple(str(column.name) for column in table.primary_key.columns)


#: Names the digest's definition; a change of definition is a new version. v3: a hash over
#: per-area digests (v2 hashed the tables' parts directly).
DIGEST_VERSION = "commonwork/state/v3"
_MODULUS = 1 << 256

#: Per projected table: how many rows, and the sum of their row hashes modulo 2^256.
Parts = dict[str, tuple[int, int]]

#: Per projected table: the area that owns it and that area's projection version.
TableAreas = Mapping[str, tuple[str, int]]


def row_hash(table_name: str, row: Row) -> int:
    """One row's hash: sha256 over the table's name and the row's canonical JSON (sorted keys)."""
    line = table_name.encode() + b"\n" + orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
    return int.from_bytes(hashlib.sha256(line).digest(), "big")


def add_row(parts: Parts, table_name: str, row: Row, sign: int = 1) -> None:
    """Add (``sign`` 1) or remove (-1) one row's hash from ``parts``."""
    count, total = parts.get(table_name, (0, 0))
    parts[table_name] = (count + sign, (total + sign * row_hash(table_name, row)) % _MODULUS)


def hash_sum(table_name: str, rows: Iterable[Row]) -> tuple[int, int]:
    """How many rows, and the sum of their hashes (``row_hash``, not yet reduced modulo 2^256):
    the same as ``row_hash`` row by row, in one tight pass (a busy day hashes ~10,000 rows)."""
    prefix = table_name.encode() + b"\n"
    dumps, option, sha256 = orjson.dumps, orjson.OPT_SORT_KEYS, hashlib.sha256
    digests = [sha256(prefix + dumps(row, option=option)).digest() for row in rows]
    hashes = [int.from_bytes(digest, "big") for digest in digests]
    return len(hashes), sum(hashes)


def add_rows(parts: Parts, table_name: str, rows: Iterable[Row], sign: int = 1) -> None:
    """Add (``sign`` 1) or remove (-1) the hashes of these rows from ``parts`` (``add_row`` for
    many)."""
    count, total = hash_sum(table_name, rows)
    if not count:
        return
    held_count, held_total = parts.get(table_name, (0, 0))
    parts[table_name] = (held_count + sign * count, (held_total + sign * total) % _MODULUS)


def area_digests(parts: Parts, areas: TableAreas) -> dict[tuple[str, int], str]:
    """Per (area, projection version) holding rows: sha256 over, for each of its tables holding
    rows (by name), the table's name, row count and the sum of its rows' hashes. An area with no
    rows (a commons that never used it) has no digest."""
    lines: dict[tuple[str, int], list[str]] = {}
    for name in sorted(parts):
        count, total = parts[name]
        if not count:
            continue
        area = areas.get(name)
        if area is None:
            raise ValueError(f"the projected table {name} belongs to no area installed")
        lines.setdefault(area, []).append(f"{name} {count} {total:064x}\n")
    return {
        area: hashlib.sha256("".join(found).encode()).hexdigest() for area, found in lines.items()
    }


def digest_of_parts(parts: Parts, areas: TableAreas) -> str:
    """The state digest: sha256 over the version and, for each area holding rows (by name), its
    name, projection version and digest (area_digests). A sum over rows does not depend on their
    order, so it is kept up to date row by row in the append transaction (node.digests) instead
    of rehashing every row; an area with no rows contributes nothing, so installing an area
    changes no existing commons' digest."""
    digest = hashlib.sha256(DIGEST_VERSION.encode() + b"\n")
    for (area, version), area_digest in sorted(area_digests(parts, areas).items()):
        digest.update(f"{area} {version} {area_digest}\n".encode())
    return digest.hexdigest()


def rows_parts(tables: Iterable[tuple[sa.Table, Iterable[Row]]]) -> Parts:
    """The digest's parts of these rows, computed from scratch (verify, rebuild, tests)."""
    parts: Parts = {}
    for table, rows in tables:
        found = iter(rows)  # streamed: hashed a chunk at a time, never all held
        while chunk := list(itertools.islice(found, 4096)):
            add_rows(parts, table.name, chunk)
    return parts


def digest_rows(tables: Iterable[tuple[sa.Table, Iterable[Row]]], areas: TableAreas) -> str:
    """The state digest of these rows, computed from scratch (verify, rebuild, tests)."""
    return digest_of_parts(rows_parts(tables), areas)
