"""The property area's read model: artifacts with their versions and licences, the work linked
to them, licence changes by consent, derivations (within and across commons), and the flows of
money passed upstream.

Every figure here is a fold of the journal prefix (covered by the state digest). Contributors'
shares in an artifact are not stored: they are the value points of the accepted contributions
linked to it (``artifact_links`` → production's ``contribution_status``), read when needed, so
that a verdict revoking a contribution's acceptance changes them without another entry.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: An artifact of the commons (a design, code, a document, a data set…), by the id of the entry
#: that created it: its current licence and its latest version.
artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("artifact_id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # design | code | document | dataset | other
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("licence", sa.String(500), nullable=False),  # SPDX expression, normalised
    sa.Column("creator", sa.String(100), nullable=False),
    sa.Column("created_seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("created_at", sa.String(24), nullable=False),
    sa.Column("versions", sa.Integer, nullable=False),  # how many; the latest is this number
    sa.Column("latest_sha256", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(24), nullable=False),
    sa.Column("links", sa.Integer, nullable=False),  # contributions linked to it
    sa.Column("sources", sa.Integer, nullable=False),  # derivations recorded from it…
    sa.Column("reusers", sa.Integer, nullable=False),  # …and into it, in this commons
    sa.Column("open_change", sa.String(64), nullable=True),  # a licence change waiting
    sa.Index("ix_artifacts_seq", "commons_id", "created_seq"),  # the newest first, by page
    sqlite_with_rowid=False,
)

#: Each version of an artifact: its content by sha256, where to get it, and the licence it was
#: released under (an artifact's licence may change; a version keeps the one it had).
artifact_versions = sa.Table(
    "artifact_versions",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("artifact_id", sa.String(64), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("url", sa.String(2000), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("media_type", sa.String(127), nullable=True),
    sa.Column("licence", sa.String(500), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("by", sa.String(100), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: A contribution linked to an artifact (the work that went into it): by the contribution's
#: record seq. Its accepted value points make its authors contributors with a share.
artifact_links = sa.Table(
    "artifact_links",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("artifact_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("contribution_id", sa.String(64), nullable=False),
    sa.Column("linked_by", sa.String(100), nullable=False),
    sa.Column("linked_at", sa.String(24), nullable=False),
    sa.Index("ix_artifact_links_contribution", "commons_id", "contribution_id"),
    sqlite_with_rowid=False,
)

#: A change of an artifact's licence, waiting for (or done by) the consent of every
#: contributor with a share.
licence_changes = sa.Table(
    "licence_changes",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("change_id", sa.String(64), primary_key=True),
    sa.Column("artifact_id", sa.String(64), nullable=False),
    sa.Column("from_licence", sa.String(500), nullable=False),
    sa.Column("to_licence", sa.String(500), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("proposed_by", sa.String(100), nullable=False),
    sa.Column("proposed_at", sa.String(24), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    # open | done | refused | withdrawn, and the entry that ended it
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("ended_by", sa.String(64), nullable=True),
    sa.Column("ended_at", sa.String(24), nullable=True),
    sa.Column("consents", sa.Integer, nullable=False),
    sa.Index("ix_licence_changes_artifact", "commons_id", "artifact_id"),
    sqlite_with_rowid=False,
)

#: One licensor's answer to a licence change.
licence_consents = sa.Table(
    "licence_consents",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("change_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("answer", sa.String(10), nullable=False),  # consent | refuse
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: What an artifact of this commons was derived from: an artifact of this commons or of
#: another (then named by what the embedded signed entries proved), the kind of derivation,
#: the licences on both sides, and the table's decision (allowed, or needs review until the
#: members decide it).
derivations = sa.Table(
    "derivations",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("derivation_id", sa.String(64), primary_key=True),
    sa.Column("derived", sa.String(64), nullable=False),
    sa.Column("source_commons", sa.String(64), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_version", sa.Integer, nullable=True),
    sa.Column("source_sha256", sa.String(64), nullable=True),
    sa.Column("source_title", sa.String(200), nullable=False),
    sa.Column("source_licence", sa.String(500), nullable=False),
    sa.Column("source_creator", sa.String(100), nullable=False),
    # local (an artifact of this commons) | proved (another's, by its signed entries) |
    # unproved (another's, named without proof: it needs review)
    sa.Column("evidence", sa.String(10), nullable=False),
    sa.Column("derived_licence", sa.String(500), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # adaptation | collection | use | copy
    sa.Column("weight", sa.Integer, nullable=False),  # its share among the derived's sources
    sa.Column("changed", sa.Integer, nullable=False),  # 1: changes were made
    # allowed | needs_review | refused (by review), and what decided it
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("decision", sa.Text, nullable=False),  # canonical JSON: citations, notes
    sa.Column("reviewed_by", sa.String(64), nullable=True),  # the case that decided it
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Index("ix_derivations_derived", "commons_id", "derived"),
    # who reuses an artifact, here and (on a node holding several commons) elsewhere
    sa.Index("ix_derivations_source", "source_commons", "source"),
    # a commons' derivations newest first, a page at a time
    sa.Index("ix_derivations_recent", "commons_id", "recorded_at"),
    # those from other commons only ("what we reuse"): a partial index, so that a page of them
    # never walks the commons' own derivations (a source of this commons is stored as "")
    sa.Index(
        "ix_derivations_from_elsewhere",
        "commons_id",
        "recorded_at",
        sqlite_where=sa.text("source_commons != ''"),
        postgresql_where=sa.text("source_commons != ''"),
    ),
    # the derivations of a commons' works recorded anywhere on this node, newest first ("who
    # reuses us")
    sa.Index("ix_derivations_reusers", "source_commons", "recorded_at"),
    sqlite_with_rowid=False,
)

#: One (derived, source) pair of a commons is recorded once: its derivation's id.
derivation_pairs = sa.Table(
    "derivation_pairs",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("derived", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(129), primary_key=True),  # "<commons id>:<artifact id>"
    sa.Column("derivation_id", sa.String(64), nullable=False),
    sqlite_with_rowid=False,
)

#: Why money passed upstream: per income for an artifact, each edge of the derivation graph
#: that carried some of it (what the derived artifact passed to the source), in minor units.
upstream_flows = sa.Table(
    "upstream_flows",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("txn_id", sa.String(80), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("derivation_id", sa.String(64), nullable=False),
    sa.Column("derived", sa.String(64), nullable=False),
    sa.Column("source_commons", sa.String(64), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("currency", sa.String(12), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

TABLES = (
    artifacts,
    artifact_versions,
    artifact_links,
    licence_changes,
    licence_consents,
    derivations,
    derivation_pairs,
    upstream_flows,
)
