"""The read models of peer property (services/property_read.py makes them): a commons'
artifacts, one artifact with its versions, contributors, licensors, licence changes and
derivations both ways, the derivation graph around it, the commons' section "what we reuse, who
reuses us", the signed entries that prove an artifact to another commons, and why money passed
upstream of an income. Frozen dataclasses, as every door reads them (``models.as_json`` turns
them into the API's JSON)."""

from __future__ import annotations

from dataclasses import dataclass

from commonwork.services.books_models import Money


@dataclass(frozen=True)
class Person:
    did: str
    name: str


@dataclass(frozen=True)
class LicenceTerm:
    """One licence (or exception) an expression names; ``name`` and ``url`` where the licence
    table knows it."""

    id: str
    name: str | None
    url: str | None
    exception: bool


@dataclass(frozen=True)
class ArtifactItem:
    artifact_id: str
    title: str
    kind: str
    licence: str
    creator: str
    creator_name: str
    created_seq: int
    created_at: str
    updated_at: str
    versions: int
    latest_sha256: str
    links: int
    sources: int  # derivations recorded into it (what it was derived from)
    reusers: int  # derivations from it recorded in this commons
    open_change: str | None


@dataclass(frozen=True)
class ArtifactPage:
    """Artifacts newest first; ``next_before``: ask again with ``before`` set to it."""

    items: tuple[ArtifactItem, ...]
    limit: int
    next_before: int | None


@dataclass(frozen=True)
class VersionItem:
    number: int
    sha256: str
    url: str | None
    size: int | None
    media_type: str | None
    licence: str
    note: str
    by: str
    by_name: str
    entry_id: str
    seq: int
    recorded_at: str


@dataclass(frozen=True)
class Contributor:
    """A contributor with a share: milli value points, and exactly what part of the total."""

    did: str
    name: str
    share_milli: int
    points: str
    fraction: str
    percent: str


@dataclass(frozen=True)
class Answer:
    member: str
    name: str
    answer: str  # consent | refuse
    entry_id: str
    recorded_at: str


@dataclass(frozen=True)
class LicenceChange:
    change_id: str
    from_licence: str
    to_licence: str
    reason: str
    proposed_by: str
    proposed_by_name: str
    proposed_at: str
    seq: int
    status: str  # open | done | refused | withdrawn
    ended_by: str | None
    ended_at: str | None
    answers: tuple[Answer, ...]
    waiting_for: tuple[Person, ...]


@dataclass(frozen=True)
class Clause:
    key: str
    licence: str
    section: str
    text: str
    url: str


@dataclass(frozen=True)
class Derivation:
    """A derivation, recorded in ``commons_id``: ``derived`` (an artifact of that commons) was
    made from ``source`` (of ``source_commons``)."""

    derivation_id: str
    commons_id: str
    commons_name: str
    derived: str
    derived_title: str
    derived_licence: str
    source_commons: str
    source_commons_name: str  # '' for a commons this node does not hold
    source: str
    source_title: str
    source_licence: str
    source_version: int | None
    source_sha256: str | None
    source_creator: str
    evidence: str  # local | proved | unproved
    kind: str
    weight: int
    changed: bool
    status: str  # allowed | needs_review | refused
    decision: str  # allow | review: the licence table's
    clauses: tuple[Clause, ...]
    notes: tuple[str, ...]
    reviewed_by: str | None
    recorded_by: str
    seq: int
    recorded_at: str


@dataclass(frozen=True)
class ArtifactDetail:
    commons_id: str
    commons_name: str
    artifact: ArtifactItem
    description: str
    licence_terms: tuple[LicenceTerm, ...]
    allowed_licences: tuple[str, ...]  # what its licence may change to, by the charter now
    versions: tuple[VersionItem, ...]  # newest first
    contributors: tuple[Contributor, ...]  # largest share first
    total_milli: int
    licensors: tuple[Person, ...]
    open_change: LicenceChange | None
    past_changes: tuple[LicenceChange, ...]  # newest first
    derived_from: tuple[Derivation, ...]
    derived_into: tuple[Derivation, ...]  # newest first, here and in other commons on this node


@dataclass(frozen=True)
class GraphNode:
    """An artifact in the graph, keyed ``<commons id>:<artifact id>``; ``depth``: hops from the
    artifact asked about (negative: what it was derived from; positive: what was derived from
    it); ``held``: its commons is on this node (else the title and licence are the ones the
    derivation recorded)."""

    key: str
    commons_id: str
    artifact_id: str
    title: str
    licence: str
    depth: int
    held: bool


@dataclass(frozen=True)
class GraphEdge:
    """A derivation: ``derived`` was made from ``source`` (node keys), recorded in
    ``commons_id``."""

    derivation_id: str
    commons_id: str
    source: str
    derived: str
    kind: str
    status: str
    weight: int


@dataclass(frozen=True)
class Graph:
    root: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    max_depth: int
    max_nodes: int
    truncated: bool  # a bound stopped the walk: more lies beyond


@dataclass(frozen=True)
class ReusePage:
    """``we_reuse``: derivations recorded here from another commons' artifacts; ``reuses_us``:
    derivations recorded in the other commons this node holds from this one's. Newest first;
    ``next_after``: ask again with ``after`` set to it."""

    side: str
    items: tuple[Derivation, ...]
    limit: int
    next_after: str | None


@dataclass(frozen=True)
class Evidence:
    """The wire lines of an artifact's create entry and (after its first version) of its latest
    version entry, exactly as the journal exports them: what another commons embeds in a
    derivation's ``source.evidence``. ``entries_commons``: the commons the entries belong to
    (a fork's artifact made before the fork: its parent), which that derivation names;
    ``proves_licence``: whether they name the licence (a create entry that took the charter's
    default without naming it needs a later version entry)."""

    commons_id: str
    entries_commons: str
    artifact_id: str
    entry_ids: tuple[str, ...]
    lines: tuple[str, ...]
    proves_licence: bool
    note: str


@dataclass(frozen=True)
class UpstreamFlow:
    """One edge of the derivation graph that carried money: ``derived`` passed ``amount`` to
    ``source`` (of ``source_commons``), by the derivation ``derivation_id``."""

    n: int
    derivation_id: str
    derived: str
    derived_title: str
    source_commons: str
    source_commons_name: str
    source: str
    source_title: str
    kind: str
    weight: int
    amount: Money
    explanation: str


@dataclass(frozen=True)
class UpstreamShare:
    """What one upstream commons got of the income: owed to it (``upstream:<commons id>``)."""

    commons_id: str
    name: str
    amount: Money


@dataclass(frozen=True)
class UpstreamDetail:
    commons_id: str
    txn_id: str
    artifact: str | None
    artifact_title: str
    received: Money | None
    kept: Money | None
    flows: tuple[UpstreamFlow, ...]
    upstream: tuple[UpstreamShare, ...]
    explanation: str
