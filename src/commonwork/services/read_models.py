"""The read models of ``services.queries`` and ``services.tasks_read``: commons, members,
contributions, tasks, as the pages, the API and the command line read them.

Each is a frozen dataclass whose fields are the columns of its projected row (in the table's
order), then what the query adds, so that ``models.as_json`` gives the API's JSON unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from commonwork.services.models import LEFT_OUT_WHEN_NONE, JsonObject

A = TypeVar("A")  # how a contribution's artifact is held: parsed, or as its canonical JSON text
C = TypeVar("C")  # how its co-authors are held: parsed, or as their canonical JSON text


@dataclass(frozen=True, kw_only=True)
class CommonsSummary:
    """A commons as a list shows it: its row with the charter parsed, and its journal's head."""

    commons_id: str
    name: str
    purpose: str
    charter: JsonObject
    licence: str
    join_policy: str  # open | invitation
    founder: str
    founded_at: str
    member_count: int
    head_seq: int | None  # None: this node holds no journal for it


@dataclass(frozen=True, kw_only=True)
class CommonsDetail:
    """A commons with its charter, head and state digest. The fields of its row are None (and
    left out of the JSON) while the projections are being rebuilt and the row is not back yet."""

    commons_id: str
    name: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    purpose: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    charter: JsonObject | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    licence: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    join_policy: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    founder: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    founded_at: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    member_count: int | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    id: str
    head: str  # the head entry's id
    head_seq: int
    host: str
    recorded_at: str  # the head's
    digest: str
    hosted_here: bool


@dataclass(frozen=True, kw_only=True)
class MemberRow:
    """A member of a commons (active or not)."""

    commons_id: str
    member: str  # their did
    name: str
    status: str  # active | left
    role: str  # founder | member
    joined_at: str
    joined_seq: int
    left_at: str | None


@dataclass(frozen=True, kw_only=True)
class CoAuthor:
    """A co-author as a contribution names them: their did and share (a decimal string)."""

    member: str
    share: str


@dataclass(frozen=True, kw_only=True)
class Share:
    """One author's share of a contribution (a decimal string, 0 to 1), with their name."""

    member: str
    name: str
    share: str


@dataclass(frozen=True, kw_only=True)
class Validation:
    """A validation of a contribution. ``superseded``: of a version before the latest
    correction (history that no longer counts); ``weight``: what it weighs, fixed when it was
    recorded (None without an engine, and for work that was no longer pending)."""

    commons_id: str
    contribution_id: str
    validator: str
    version: int
    seq: int
    verdict: str  # approve | dispute | adjust
    quantity: str | None  # an adjustment's
    reason: str
    recorded_at: str
    # Changed by the provisional settlement; None (left out) when read without a settled view.
    provisional: bool | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    weight: str | None
    validator_name: str
    superseded: bool


@dataclass(frozen=True, kw_only=True)
class Correction:
    """One correction of a contribution: why, when, and what changed (``{field: {from, to}}``)."""

    commons_id: str
    contribution_id: str
    seq: int
    reason: str
    recorded_at: str
    changes: JsonObject


@dataclass(frozen=True, kw_only=True)
class ContributionFields(Generic[A, C]):
    """A contribution's row as of now: ``status`` is settled, or as the provisional settlement
    of the days not settled yet leaves it (``provisional``; ``settled_status`` is the settled
    one). ``happened_at`` is the author's claim of when the work happened."""

    commons_id: str
    contribution_id: str
    seq: int
    contributor: str
    kind: str
    quantity: str  # a decimal string
    unit: str
    description: str
    recorded_at: str
    status: str  # pending | accepted | disputed | withdrawn
    approvals: int
    disputes: int
    task: str | None  # its linked task
    happened_at: str | None
    artifact: A | None  # {sha256, url, size, …}
    resource: str | None
    co_authors: C | None  # [{member, share}]
    corrections: int
    corrected_at: str | None
    skill: str | None
    source: str | None  # e.g. git:<commit id>, when imported
    weight_milli: int
    lazy_on: str | None
    accepted_on: str | None
    accepted_quantity: str | None  # when validators adjusted it
    points_milli: int | None
    dispute_weight_milli: int
    adjust_weight_milli: int
    provisional: bool
    settled_status: str


@dataclass(frozen=True, kw_only=True)
class LinkedContribution(ContributionFields[str, str]):
    """A contribution linked to a task, as stored: its artifact and co-authors are canonical
    JSON text."""


@dataclass(frozen=True, kw_only=True)
class ContributionRow(ContributionFields[JsonObject, tuple[CoAuthor, ...]]):
    """A contribution with its validations (oldest first), its authors' shares (largest first)
    and people's names."""

    id: str
    contributor_name: str
    validations: tuple[Validation, ...]
    shares: tuple[Share, ...]


@dataclass(frozen=True, kw_only=True)
class ContributionDetail(ContributionRow):
    """One contribution with, besides, the history of its corrections, oldest first."""

    correction_history: tuple[Correction, ...]


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A claim on a task as of the journal head's time: ``live``, ``lapsed`` or ``withdrawn``;
    ``lapses_at``: when it lapses (or lapsed) without activity."""

    commons_id: str
    task_id: str
    member: str
    claimed_at: str
    last_activity_at: str
    status: str
    name: str
    lapses_at: str


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    """A task with its live claimants (none once it is closed)."""

    commons_id: str
    task_id: str
    seq: int
    poster: str
    title: str
    description: str
    skills: tuple[str, ...]
    estimate: str | None  # hours, a decimal string
    posted_at: str
    status: str  # open | closed | withdrawn
    closed_by: str | None  # the accepted contribution
    closed_at: str | None
    claims: int  # claims not withdrawn (lapsed or not)
    provisional: bool
    id: str
    claimants: tuple[Claim, ...]


@dataclass(frozen=True, kw_only=True)
class TaskDetail(TaskRow):
    """One task with every claim ever made and the contributions linked to it, as of the
    journal head's time ``as_of``."""

    claim_history: tuple[Claim, ...]
    contributions: tuple[LinkedContribution, ...]
    as_of: str
