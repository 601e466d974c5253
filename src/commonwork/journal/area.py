"""What an area declares once, and how the node finds the areas installed.

An area is a package that owns a part of what a commons does — the commons and its members,
production, standing, later governance, property, the economy… It declares itself with one
:class:`Area` value (conventionally ``AREA`` in the package's ``__init__``), registered as an
entry point of the group ``commonwork.areas`` in the project's metadata. The node, the HTTP
API and the command line are built from these declarations: no central file lists action types
or tables by hand.

The fold's hooks run area by area, in the order of ``builds_on`` (an area after the areas it
builds on, ties by name): ``begin`` after a commons' genesis, ``before_entry`` before the rule of
every later entry, ``after_entry`` after an entry's own projection; then every area's
``events`` of the entry go to the one area that keeps them (``keep_events``: the inbox).

Day settlement: before the rule of the first entry of a new day, the one area that keeps the
commons' settlement checkpoint (its ``day_boundary``; the standing area's) settles every finished
day since it, and for each day runs every area's ``settle`` steps in the order of
:data:`SETTLE_PHASES` (then area order): acceptance of work, value points and standing, bounties
paid on acceptance, tallies of decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel

from commonwork.journal.projection import ActionSpec, Context, Key, Row, State

ENTRY_POINT_GROUP = "commonwork.areas"

#: What a fork does with a table's rows: carry them into the fork, start it empty, or keep them
#: frozen as they were at the fork's entry (money, mutual credit and bookings are never carried,
#: so that nothing is duplicated by a fork).
ForkRule = Literal["carry", "reset", "freeze"]

#: The phases of a day's settlement, in the order they run for each finished day.
SETTLE_PHASES = ("acceptance", "points", "bounties", "tallies")

#: (state, commons id, the day being settled): one area's part of settling a finished day.
SettleDay = Callable[[State, str, str], None]
#: (state, commons id, the UTC day of the entry about to be checked, every area's settle steps
#: in order): settle each finished day since the checkpoint with the steps, move the checkpoint.
DayBoundary = Callable[[State, str, str, Sequence[SettleDay]], None]


@dataclass(frozen=True)
class SettleStep:
    """One area's part of settling a day, and the phase it belongs to (SETTLE_PHASES)."""

    phase: str
    run: SettleDay

    def __post_init__(self) -> None:
        if self.phase not in SETTLE_PHASES:
            raise ValueError(f"settle phase {self.phase!r} is not one of {SETTLE_PHASES}")


@dataclass(frozen=True)
class Event:
    """Something an entry tells one member (their inbox): ``kind`` is stable and dotted, area
    first (e.g. ``production.contribution.approve``), ``subject`` what it is about (a
    contribution's or a task's id)."""

    member: str
    kind: str
    subject: str


#: (state after the entry's own projection, the entry): the events it emits, in order.
EmitEvents = Callable[[State, Context], Sequence[Event]]
#: (state, the entry, every area's events of it): keep them (the commons area's inbox).
KeepEvents = Callable[[State, Context, Sequence[Event]], None]


#: (state, commons id, recorded_at of the genesis)
Begin = Callable[[State, str, str], None]
#: (state, commons id, recorded_at of the entry about to be checked, a function that settles
#: every finished day before a given day): what falls due before the entry, in time order,
#: settling the days before each thing that falls due first
BeforeEntry = Callable[[State, str, str, Callable[[str], None]], None]
#: (state, the entry just applied)
AfterEntry = Callable[[State, Context], None]
#: (a database state with the batch's rows loaded, commons id, action type, author, body):
#: the rows ``after_entry`` will read, named once the rows the rules read are in the cache.
ReadsAfter = Callable[[Any, str, str, str, Any], list[tuple[sa.Table, Key]]]


@dataclass(frozen=True)
class EffectSpec:
    """A kind of decision's effect that a later area carries out (a spend from the treasury, a
    community currency): the governance area keeps the proposal, the vote and the close, and
    once it passed calls ``apply`` at the close's time. The effect is the JSON object
    ``{"kind": kind, …}`` that ``body`` validates (strictly, as an action's body)."""

    kind: str
    summary: str
    body: type[BaseModel]
    #: (state, commons id, the parsed effect): the charter's rule (a commons.charter_governance
    #: Rule) that decides it: its method and parameters are the proposal's.
    rule: Callable[[State, str, Any], Any]
    #: (state, commons id, the parsed effect, the proposal's id, the close's time): carry it
    #: out; never raises (what cannot be done any more is recorded as failed, on the record).
    apply: Callable[[State, str, Any, str, str], None]
    #: (state, commons id, the parsed effect, the time): refuse a proposal that could never be
    #: carried out (a RuleViolation), when it is made or amended.
    check: Callable[[State, str, Any, str], None] | None = None
    #: (state, commons id, the parsed effect): whether every stakeholder class of the charter
    #: must pass it (a large spend), voting as classes.
    needs_classes: Callable[[State, str, Any], bool] | None = None
    #: (state, commons id, the proposal's id, the time): what ``apply`` put on governance's
    #: clock for later (``governance.clock.reschedule`` with the item "effect": a large spend's
    #: grace window) falls due now; run in time order with every other deadline, the days
    #: before it settled first. Never raises.
    due: Callable[[State, str, str, str], None] | None = None


@dataclass(frozen=True)
class Guard:
    """A rule an area adds to an action type of an area it builds on: the property area checks
    an organisation's declared commercial use (``economy.use.declare``) against the licences of
    what it uses, which the economy cannot know. It runs after the owner's ``check``, on every
    path a rule runs (append, dry run, verify, replay), and refuses as that does."""

    type: str
    summary: str
    check: Callable[[State, Context], None]


@dataclass(frozen=True)
class Upstream:
    """What passes upstream of money received for an artifact (the property area knows what an
    artifact was derived from; the economy records the income)."""

    #: (state, commons id, artifact id, amount in minor units): per commons upstream, what
    #: passes to it, sorted by commons id, summing to at most the amount; NotFound for an
    #: unknown artifact. Pure: a rule calls it.
    split: Callable[[State, str, str, int], list[tuple[str, int]]]
    #: (state, commons id, the transaction's id, artifact id, amount, currency): keep why (the
    #: flows over the derivation graph), when the income is applied.
    record: Callable[[State, str, str, str, int, str], None]


#: The verdicts a ruling can carry (``governance.case.rule``); ``adjust`` (accept at another
#: quantity) is a contribution's only: a case subject an area declares reaches some of these.
CASE_VERDICTS = ("accept", "reject")


@dataclass(frozen=True)
class CaseSubject:
    """A kind of subject an arbitration case may be about, besides contributions, that a later
    area declares (the property area: a derivation the licence table cannot decide). Governance
    keeps the case — opened by the area's projection (``governance.arbitration.open_case``), a
    panel drawn by standing with its rounds and deadlines, the members' decision (the effect
    ``arbitrate``) when no panel can sit, one appeal — and calls these for what only the area
    knows. The subject is keyed by the seq of the entry that recorded it (``subject_seq``: seqs
    are unique within a commons, so no two kinds collide)."""

    kind: str
    summary: str
    #: The verdicts a case about it may reach, among CASE_VERDICTS.
    verdicts: tuple[str, ...]
    #: (state, commons id, the case's row): who may not sit on its panel (besides whoever
    #: opened it, whom governance leaves out always).
    excluded: Callable[[State, str, Row], set[str]]
    #: (state, commons id, the case's row, the verdict ("accept" | …), the time it was decided):
    #: carry it out — at the decision (a panel's majority, or the members' close), in the fold's
    #: order; a later decision (the appeal) calls it again. Never raises.
    apply: Callable[[State, str, Row, str, str], None]

    def __post_init__(self) -> None:
        if self.kind == "contribution":
            raise ValueError("cases about contributions are governance's own")
        unknown = [verdict for verdict in self.verdicts if verdict not in CASE_VERDICTS]
        if unknown or not self.verdicts:
            raise ValueError(
                f"case subject {self.kind}: verdicts are some of {CASE_VERDICTS}, not {unknown}"
            )


@dataclass(frozen=True)
class Deadline:
    """A kind of deadline an area puts on governance's clock (``governance.clock.reschedule``
    with an item id of its own — an entry id — and ``what`` this kind): governance runs it when
    it falls due, in time order with every other deadline, the days before it settled first
    (the resources area: a slot offered from a waiting list lapses; a kept deposit moves)."""

    what: str
    summary: str
    #: (state, commons id, the item id, the time it fell due): carry it out. Never raises.
    due: Callable[[State, str, str, str], None]

    def __post_init__(self) -> None:
        if self.what in ("open", "close", "redraw", "effect") or not 0 < len(self.what) <= 10:
            raise ValueError(f"deadline kind {self.what!r}: governance's own, or not 1-10 chars")


@dataclass(frozen=True)
class Area:
    """One area's declaration."""

    name: str
    summary: str
    builds_on: tuple[str, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    tables: tuple[sa.Table, ...] = ()
    begin: Begin | None = None
    before_entry: BeforeEntry | None = None
    after_entry: AfterEntry | None = None
    reads_after: ReadsAfter | None = None
    fork: Mapping[str, ForkRule] = field(default_factory=dict)
    settle: tuple[SettleStep, ...] = ()
    day_boundary: DayBoundary | None = None
    events: EmitEvents | None = None
    #: Per event kind the area emits: what it says, after the author's name ("approved your
    #: contribution"). The doors show it.
    event_kinds: Mapping[str, str] = field(default_factory=dict)
    keep_events: KeepEvents | None = None
    #: The kinds of decision effects the area carries out (governance decides them).
    effects: tuple[EffectSpec, ...] = ()
    #: Rules the area adds to action types of the areas it builds on.
    guards: tuple[Guard, ...] = ()
    #: What passes upstream of money received for an artifact (one area declares it).
    upstream: Upstream | None = None
    #: The kinds of subject, besides contributions, that arbitration cases may be about.
    case_subjects: tuple[CaseSubject, ...] = ()
    #: The kinds of deadline the area puts on governance's clock.
    deadlines: tuple[Deadline, ...] = ()
    #: The shape of what the area projects. Raise it when its tables or what its projection
    #: writes change: a node whose stored version differs rebuilds every projection from the
    #: journal (no data migration imitating a rebuild), and the state digest names it.
    projection_version: int = 1

    def __post_init__(self) -> None:
        if self.projection_version < 1:
            raise ValueError(f"area {self.name}: projection_version starts at 1")
        for table in self.tables:
            flags = [column.name for column in table.columns if isinstance(column.type, sa.Boolean)]
            if flags:
                # A backend reads a boolean back as 0/1 while the row was hashed as true/false:
                # the state digest would differ between the write and a recount.
                raise ValueError(
                    f"area {self.name}: {table.name}.{flags[0]} is a Boolean; keep 0/1 in an "
                    "Integer column (the state digest hashes what the database gives back)"
                )
        names = {table.name for table in self.tables}
        unknown = sorted(set(self.fork) - names)
        if unknown:
            raise ValueError(f"area {self.name}: fork rules for tables it does not own: {unknown}")
        missing = sorted(names - set(self.fork))
        if missing:
            raise ValueError(f"area {self.name}: say what a fork does with {missing}")


def ordered(areas: Iterable[Area]) -> tuple[Area, ...]:
    """The areas, each after those it builds on (ties by name); an unknown or circular
    dependency, or two areas declaring the same action type or table, is an error."""
    by_name: dict[str, Area] = {}
    for area in areas:
        if area.name in by_name:
            raise ValueError(f"two areas are named {area.name!r}")
        by_name[area.name] = area
    for area in by_name.values():
        for needed in area.builds_on:
            if needed not in by_name:
                raise ValueError(f"area {area.name} builds on {needed!r}, which is not installed")
    done: list[Area] = []
    placed: set[str] = set()
    while len(done) < len(by_name):
        ready = sorted(
            name
            for name, area in by_name.items()
            if name not in placed and set(area.builds_on) <= placed
        )
        if not ready:
            stuck = sorted(set(by_name) - placed)
            raise ValueError(f"areas that build on each other in a circle: {stuck}")
        done.append(by_name[ready[0]])
        placed.add(ready[0])
    _check_unique(done)
    _check_guards(done)
    return tuple(done)


def _check_guards(areas: list[Area]) -> None:
    owners = {spec.type: area.name for area in areas for spec in area.actions}
    by_name = {area.name: area for area in areas}
    for area in areas:
        for guard in area.guards:
            owner = owners.get(guard.type)
            if owner is None or owner not in _below(by_name, area.name):
                raise ValueError(
                    f"area {area.name} guards {guard.type}, which no area it builds on declares"
                )


def _below(by_name: Mapping[str, Area], name: str) -> set[str]:
    """Every area ``name`` builds on, directly or not."""
    found: set[str] = set()
    todo = list(by_name[name].builds_on)
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(by_name[current].builds_on)
    return found


def guarded(areas: Sequence[Area]) -> dict[str, ActionSpec]:
    """Every action type's spec, its check followed by the guards later areas add to it (in
    area order)."""
    specs = {spec.type: spec for area in areas for spec in area.actions}
    for area in areas:
        for guard in area.guards:
            specs[guard.type] = replace(
                specs[guard.type], check=_then(specs[guard.type].check, guard.check)
            )
    return specs


def _then(
    first: Callable[[State, Context], None], second: Callable[[State, Context], None]
) -> Callable[[State, Context], None]:
    def both(state: State, ctx: Context) -> None:
        first(state, ctx)
        second(state, ctx)

    return both


def upstream(areas: Iterable[Area]) -> Upstream | None:
    """The one area's upstream split (None when no area knows what was derived from what)."""
    found = [area.upstream for area in areas if area.upstream is not None]
    if len(found) > 1:
        raise ValueError("more than one area declares what passes upstream")
    return found[0] if found else None


@cache
def installed_guards() -> frozenset[str]:
    """The action types an installed area guards (read once)."""
    return frozenset(guard.type for area in installed() for guard in area.guards)


@cache
def installed_upstream() -> Upstream | None:
    """The installed areas' upstream split (read once, when an income first names an artifact)."""
    return upstream(installed())


def settle_steps(areas: Iterable[Area]) -> tuple[SettleDay, ...]:
    """Every area's settle steps, by phase, then in area order."""
    listed = list(areas)
    return tuple(
        step.run
        for phase in SETTLE_PHASES
        for area in listed
        for step in area.settle
        if step.phase == phase
    )


def day_boundary(areas: Iterable[Area]) -> DayBoundary | None:
    """The one area's day boundary (None when no area settles days)."""
    found = [area.day_boundary for area in areas if area.day_boundary is not None]
    return found[0] if found else None


def emitters(areas: Iterable[Area]) -> tuple[EmitEvents, ...]:
    """Every area's events hook, in area order."""
    return tuple(area.events for area in areas if area.events is not None)


def events_keeper(areas: Iterable[Area]) -> KeepEvents | None:
    """The one area that keeps the events (None: nobody hears of anything)."""
    found = [area.keep_events for area in areas if area.keep_events is not None]
    return found[0] if found else None


def _check_unique(areas: list[Area]) -> None:
    if sum(area.day_boundary is not None for area in areas) > 1:
        raise ValueError("more than one area declares a day boundary: one keeps the checkpoint")
    if sum(area.keep_events is not None for area in areas) > 1:
        raise ValueError("more than one area keeps the events: one inbox")
    owner: dict[str, str] = {}
    for area in areas:
        named = [spec.type for spec in area.actions] + [t.name for t in area.tables]
        named += [f"effect {effect.kind}" for effect in area.effects]
        named += [f"deadline {deadline.what}" for deadline in area.deadlines]
        for name in named + [f"case subject {subject.kind}" for subject in area.case_subjects]:
            if name in owner:
                raise ValueError(f"{name} is declared by both {owner[name]} and {area.name}")
            owner[name] = area.name


def installed() -> tuple[Area, ...]:
    """The areas installed (entry points of the group ``commonwork.areas``), ordered."""
    found = [point.load() for point in entry_points(group=ENTRY_POINT_GROUP)]
    if not found:
        raise RuntimeError(
            "no commonwork areas are installed: the package's metadata names them "
            "(install it, e.g. `pip install -e .`)"
        )
    areas = [area for area in found if isinstance(area, Area)]
    if len(areas) != len(found):
        raise RuntimeError(f"an entry point of {ENTRY_POINT_GROUP} is not an Area")
    return ordered(areas)


@cache
def installed_effects() -> dict[str, EffectSpec]:
    """Per effect kind, the installed area's declaration of it (read once, when a decision
    first names one)."""
    return {effect.kind: effect for area in installed() for effect in area.effects}


@cache
def installed_case_subjects() -> dict[str, CaseSubject]:
    """Per case subject kind, the installed area's declaration of it (read once, when a case
    about one is first opened or read)."""
    return {subject.kind: subject for area in installed() for subject in area.case_subjects}


@cache
def installed_deadlines() -> dict[str, Deadline]:
    """Per deadline kind, the installed area's declaration of it (read once)."""
    return {deadline.what: deadline for area in installed() for deadline in area.deadlines}
