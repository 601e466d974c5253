"""A commons' charter over time: every version, in order, and a readable diff between any two.

Version 0 is the genesis charter (the founding entry's, as the projection keeps it); each later
version is one a passed amendment (a proposal whose effect is ``amend_charter``) set, in the order
the fold closed them. The projection keeps them in ``charter_versions``, keyed by the entry that
set them: the founding (seq 0), or the proposal's own entry (``proposals.seq``, indexed), which is
how a version names the decision that passed it. Nothing here reads the journal: what a history
costs grows with the number of versions, never with the journal's length, and it is kept by
journal head (a pure function of it).

A version's ``status``, all of it from the projection (every replica shows the same):

* ``in_force`` — the version the rules read now (``commons.charter``);
* ``pending`` — set by a decision, it governs from ``effective_on`` (the day after its close): the
  commons shows it from the first entry of that day on;
* ``past`` — it governed, and a later version replaced it;
* ``replaced`` — a later decision closed the same day and replaced it before it governed a day.

The diff of two versions is a list of changes, one per JSON path (``policies.validation.threshold``,
``aims[1]``) with the value before and after and a ``kind`` (``added``, ``removed``, ``changed``),
and a unified diff of the two charters pretty-printed (keys sorted, two-space indent).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa

from commonwork.commons.tables import charter_versions
from commonwork.errors import BadInput
from commonwork.governance.tables import proposals
from commonwork.journal.projection import Row
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.services.journals import require_head
from commonwork.services.models import LEFT_OUT_WHEN_NONE, JsonObject, JsonValue
from commonwork.services.queries import page_bounds
from commonwork.services.settled import keep
from commonwork.standing.tables import settlements

STATUSES = ("in_force", "pending", "past", "replaced")
KINDS = ("added", "removed", "changed")
#: The reason a diff's ``from`` or ``to`` is refused with (400 ``bad_input``).
UNKNOWN_VERSION = "unknown_version"
#: Proposals read by key in one query at most (well under every backend's parameter limit).
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class Change:
    """One difference between two charters: at ``path``, a value ``added``, ``removed`` or
    ``changed`` (``before`` is null when added, ``after`` when removed)."""

    path: str
    kind: str
    before: JsonValue = None
    after: JsonValue = None


@dataclass(frozen=True)
class PassedBy:
    """The decision that set a version: the proposal (its id is the entry that made it), when
    the fold closed it, and the entry of a ``governance.proposal.close`` that marked the close
    in the journal, if anyone signed one (the outcome is the same without)."""

    proposal_id: str
    title: str
    proposer: str
    closed_at: str | None
    close_entry: int | None


@dataclass(frozen=True)
class CharterVersion:
    """One version of the charter: ``version`` counts from 0 (the genesis) in the order the
    versions were set; ``seq`` is the entry that set it (the founding, or the proposal's own
    entry); ``changes`` are against the version before (none for version 0)."""

    version: int
    seq: int
    recorded_at: str
    effective_on: str
    status: str
    changes: tuple[Change, ...]
    charter: JsonObject
    proposal: PassedBy | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)


@dataclass(frozen=True)
class CharterHistory:
    """Every version of a commons' charter, oldest first, as of the journal's head."""

    commons_id: str
    head_seq: int
    in_force: int
    versions: tuple[CharterVersion, ...]

    def page(self, limit: int, offset: int) -> tuple[CharterVersion, ...]:
        limit, offset = page_bounds(limit, offset)
        return self.versions[offset : offset + limit]

    def by_seq(self, seq: int) -> CharterVersion | None:
        return next((version for version in self.versions if version.seq == seq), None)


@dataclass(frozen=True)
class CharterDiff:
    """What changed from version ``from_version`` to version ``to_version`` (either way round):
    the changes by path, and the unified diff of the two charters pretty-printed."""

    commons_id: str
    from_version: int
    to_version: int
    changes: tuple[Change, ...]
    unified: str


def list_charter_versions(node: Node, commons_id: str) -> CharterHistory:
    """Every version of the commons' charter, oldest first, each with its status, the decision
    that passed it and its changes against the one before. NotFound for an unknown commons."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        key = ("charter-history", head.id)
        cached = node.figures_cache.get(key)
        if isinstance(cached, CharterHistory):
            return cached
        rows = _version_rows(conn, commons_id)
        pending = conn.execute(
            sa.select(settlements.c.pending_charter).where(settlements.c.commons_id == commons_id)
        ).scalar_one_or_none()
    made = _history(commons_id, head.seq, rows, pending)
    keep(node, key, made)
    return made


def diff_charter_versions(
    node: Node, commons_id: str, *, from_version: int | None = None, to_version: int | None = None
) -> CharterDiff:
    """The diff between two versions of the commons' charter; by default the latest against
    the one before it (``to`` alone: against the one before it; ``from`` alone: against the
    latest). BadInput (``reason: unknown_version``) for a version the commons does not have."""
    history = list_charter_versions(node, commons_id)
    return diff_of(history, *chosen_pair(history, from_version, to_version))


def chosen_pair(
    history: CharterHistory, from_version: int | None, to_version: int | None
) -> tuple[int, int]:
    """The pair of versions a diff asked with these (maybe missing) bounds compares."""
    last = len(history.versions) - 1
    for name, asked in (("from", from_version), ("to", to_version)):
        if asked is not None and not 0 <= asked <= last:
            only = "only version 0" if last == 0 else f"versions 0 to {last}"
            raise BadInput(
                f"{name}={asked}: this commons' charter has {only} "
                f"(0 is the genesis; see its history for the list)",
                reason=UNKNOWN_VERSION,
                versions=last + 1,
            )
    if to_version is None:
        to_version = last if from_version is None or from_version < last else from_version
    if from_version is None:
        from_version = max(to_version - 1, 0)
    return from_version, to_version


def diff_of(history: CharterHistory, from_version: int, to_version: int) -> CharterDiff:
    """The diff between two versions of a history (both must be in it)."""
    before = history.versions[from_version]
    after = history.versions[to_version]
    if to_version == from_version + 1:
        found = after.changes  # computed already, against the version before
    else:
        found = tuple(changes_between(before.charter, after.charter))
    return CharterDiff(
        commons_id=history.commons_id,
        from_version=from_version,
        to_version=to_version,
        changes=found,
        unified=unified_diff(before, after),
    )


def changes_between(before: JsonValue, after: JsonValue, path: str = "") -> Iterator[Change]:
    """The changes from one JSON value to another, one per path: objects key by key (sorted),
    arrays index by index, anything else as a whole (``1`` and ``true`` differ)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            inner = f"{path}.{key}" if path else key
            if key not in after:
                yield Change(inner, "removed", before=before[key])
            elif key not in before:
                yield Change(inner, "added", after=after[key])
            else:
                yield from changes_between(before[key], after[key], inner)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            inner = f"{path}[{index}]"
            if index >= len(after):
                yield Change(inner, "removed", before=before[index])
            elif index >= len(before):
                yield Change(inner, "added", after=after[index])
            else:
                yield from changes_between(before[index], after[index], inner)
    elif type(before) is not type(after) or before != after:
        yield Change(path, "changed", before=before, after=after)


def pretty(charter: JsonObject) -> str:
    """A charter as the text diff shows it: keys sorted, two-space indent, UTF-8."""
    return orjson.dumps(charter, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def unified_diff(before: CharterVersion, after: CharterVersion, context: int = 3) -> str:
    """The unified diff (difflib) of two versions' charters pretty-printed; empty when equal."""
    lines = difflib.unified_diff(
        pretty(before.charter).splitlines(),
        pretty(after.charter).splitlines(),
        fromfile=f"version {before.version} (seq {before.seq})",
        tofile=f"version {after.version} (seq {after.seq})",
        n=context,
        lineterm="",
    )
    return "\n".join(lines)


def _version_rows(conn: sa.Connection, commons_id: str) -> list[Row]:
    """The commons' versions, each with the proposal that set it, oldest first: in the order
    the fold closed them (by time, then proposal id).

    A version names its proposal by the proposal's entry (``proposals.seq``): the join reads
    only the index on (commons_id, seq) — covering, so every backend's planner takes it even
    without statistics — and the proposals' titles are then read by their keys."""
    linked = sa.and_(
        proposals.c.commons_id == charter_versions.c.commons_id,
        proposals.c.seq == charter_versions.c.seq,
    )
    query = (
        sa.select(charter_versions, proposals.c.proposal_id)
        .select_from(charter_versions.outerjoin(proposals, linked))
        .where(charter_versions.c.commons_id == commons_id)
    )
    rows = [plain_row(row) for row in conn.execute(query).mappings()]
    decided = _proposals_by_id(
        conn, commons_id, [str(row["proposal_id"]) for row in rows if row["proposal_id"]]
    )
    for row in rows:
        row.update(decided.get(str(row["proposal_id"]), {}))
    rows.sort(key=lambda row: (str(row["recorded_at"]), str(row["proposal_id"] or ""), row["seq"]))
    return rows


def _proposals_by_id(conn: sa.Connection, commons_id: str, ids: list[str]) -> dict[str, Row]:
    """What a version shows of the proposals that set it, read by their primary keys."""
    found: dict[str, Row] = {}
    for start in range(0, len(ids), KEYS_PER_QUERY):
        query = sa.select(
            proposals.c.proposal_id,
            proposals.c.title,
            proposals.c.proposer,
            proposals.c.closed_at,
            proposals.c.close_entry,
        ).where(
            proposals.c.commons_id == commons_id,
            proposals.c.proposal_id.in_(ids[start : start + KEYS_PER_QUERY]),
        )
        for row in conn.execute(query).mappings():
            found[str(row["proposal_id"])] = plain_row(row)
    return found


def _history(
    commons_id: str, head_seq: int, rows: list[Row], pending: int | None
) -> CharterHistory:
    statuses = _statuses(rows, pending)
    versions: list[CharterVersion] = []
    previous: JsonObject | None = None
    for number, row in enumerate(rows):
        charter: JsonObject = orjson.loads(row["charter"])
        found = () if previous is None else tuple(changes_between(previous, charter))
        versions.append(
            CharterVersion(
                version=number,
                seq=int(row["seq"]),
                recorded_at=str(row["recorded_at"]),
                effective_on=str(row["effective_on"]),
                status=statuses[number],
                changes=found,
                charter=charter,
                proposal=_passed_by(row),
            )
        )
        previous = charter
    in_force = statuses.index("in_force") if "in_force" in statuses else 0
    return CharterHistory(commons_id, head_seq, in_force, tuple(versions))


def _statuses(rows: list[Row], pending: int | None) -> list[str]:
    """Each version's status (see the module's docstring), from the latest back."""
    statuses: list[str] = []
    in_force_seen = False
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        later = rows[index + 1] if index + 1 < len(rows) else None
        if pending is not None and int(row["seq"]) == pending:
            status = "pending"
        elif later is not None and later["effective_on"] <= row["effective_on"]:
            status = "replaced"  # a later decision of the same day took its place
        elif not in_force_seen:
            status, in_force_seen = "in_force", True
        else:
            status = "past"
        statuses.append(status)
    return statuses[::-1]


def _passed_by(row: Row) -> PassedBy | None:
    if row["proposal_id"] is None:
        return None  # the genesis
    return PassedBy(
        proposal_id=str(row["proposal_id"]),
        title=str(row["title"]),
        proposer=str(row["proposer"]),
        closed_at=None if row["closed_at"] is None else str(row["closed_at"]),
        close_entry=None if row["close_entry"] is None else int(row["close_entry"]),
    )
