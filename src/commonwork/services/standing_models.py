"""The read models of standing and value points (``services.standing_read`` and
``services.standing_views``): everyone's figures with their distribution, one member's with "why
this number", and the preview of a candidate value policy.

Standing is shown in points (a float with three decimals, never stored nor in a digest) next to
the exact milli-points; value points are decimal strings. ``models.as_json`` gives the API's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from commonwork.commons.policy import decimal_text
from commonwork.services.models import JsonObject


@dataclass(frozen=True, kw_only=True)
class Labels:
    """What figures are as of: the head they were read at, the last settled day, and whether
    anything shown comes from the provisional settlement of the days after it."""

    commons_id: str
    as_of: str
    head: str
    head_seq: int
    settled_through: str
    provisional: bool


@dataclass(frozen=True, kw_only=True)
class StandingEntry:
    """One member's line in the standing table."""

    member: str
    name: str
    active: bool
    standing: float
    standing_milli: int
    value_points: str
    value_points_milli: int
    value_points_this_month: str
    privileges: dict[str, bool]


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """How value points are spread over the active members: the Gini coefficient and the
    Lorenz curve as [population share, value share] pairs."""

    members: int
    total_value_points: str
    gini: float
    lorenz: tuple[tuple[float, float], ...]


@dataclass(frozen=True, kw_only=True)
class StandingTable(Labels):
    """Members' figures, highest standing first (``members``: a page of ``total_members`` from
    ``offset``), with the distribution over everyone and a digest of all the figures."""

    month: str
    members: tuple[StandingEntry, ...]
    distribution: Distribution
    policies: JsonObject
    digest: str
    total_members: int
    offset: int


@dataclass(frozen=True, kw_only=True)
class Approval:
    """An approval (or adjustment) that counted towards accepting a contribution."""

    validator: str
    name: str
    seq: int
    entry: str | None
    weight: str


@dataclass(frozen=True, kw_only=True)
class SeedTerm:
    """The founder's seed, as a term of their standing."""

    kind: str  # "seed"
    accepted_on: str
    provisional: bool
    points: str
    standing_added: str
    decay: str  # the exact decay factor applied, to six decimals
    standing: float
    standing_milli: int
    approvals: tuple[Approval, ...]


@dataclass(frozen=True, kw_only=True)
class ContributionTerm:
    """An accepted contribution, as a term of its author's standing, with its journal entry
    and the approvals that accepted it."""

    kind: str  # "contribution"
    contribution: str
    entry: str
    seq: int | None
    accepted_on: str
    provisional: bool
    points: str
    standing_added: str
    decay: str
    standing: float
    standing_milli: int
    settled_quantity: str | None
    description: str | None
    contribution_kind: str | None
    approvals: tuple[Approval, ...]


@dataclass(frozen=True, kw_only=True)
class SeriesPoint:
    day: str
    standing: float


@dataclass(frozen=True, kw_only=True)
class MemberStanding(Labels):
    """One member's standing and value points, and why: the terms (``why``) sum to the
    standing but for ``rounding``; ``series`` is standing over time."""

    member: str
    name: str
    standing: float
    standing_milli: int
    standing_by_skill: dict[str, float]
    value_points: str
    value_points_by_month: dict[str, str]
    privileges: dict[str, bool]
    policy_version: int
    half_life_days: int
    why: tuple[SeedTerm | ContributionTerm, ...]
    rounding: str
    series: tuple[SeriesPoint, ...]
    contributions_accepted: int


@dataclass(frozen=True, kw_only=True)
class PreviewRow:
    """One member's value points, share and standing under the live and the candidate value
    policy."""

    member: str
    name: str
    live_value_points: str
    candidate_value_points: str
    live_share: float
    candidate_share: float
    live_standing: float
    candidate_standing: float

    @property
    def change(self) -> str:
        """Candidate minus live value points, signed: "+2.5", "-1", "0"."""
        change = Decimal(self.candidate_value_points) - Decimal(self.live_value_points)
        return ("+" if change > 0 else "") + decimal_text(change)

    @property
    def changed(self) -> bool:
        """Whether the candidate changes this member's value points or share."""
        moved = Decimal(self.candidate_value_points) != Decimal(self.live_value_points)
        return moved or self.candidate_share != self.live_share


@dataclass(frozen=True, kw_only=True)
class PolicyPreview:
    """Everyone's figures under the live value policy and under a candidate; ``live_digest``
    is the digest of the settled figures, which no preview changes."""

    commons_id: str
    as_of: str
    live_policy: JsonObject
    candidate_policy: JsonObject
    live_total: str
    candidate_total: str
    members: tuple[PreviewRow, ...]
    live_digest: str
    candidate_gini: float
    live_gini: float
