"""The commons area's read model: the commons itself (its charter) and its members."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

commons = sa.Table(
    "commons",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("charter", sa.Text, nullable=False),  # canonical JSON of the whole charter
    sa.Column("licence", sa.String(500), nullable=False),
    sa.Column("join_policy", sa.String(20), nullable=False),
    sa.Column("founder", sa.String(100), nullable=False),
    sa.Column("founded_at", sa.String(24), nullable=False),
    sa.Column("member_count", sa.Integer, nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # active | left
    sa.Column("role", sa.String(10), nullable=False),  # founder | member
    sa.Column("joined_at", sa.String(24), nullable=False),
    sa.Column("joined_seq", sa.BigInteger, nullable=False),
    sa.Column("left_at", sa.String(24), nullable=True),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("invitee", sa.String(100), primary_key=True),
    sa.Column("inviter", sa.String(100), nullable=False),
    sa.Column("invited_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: Every version of a commons' charter, by the entry that set it: the genesis, then each
#: amendment (a decision under the charter, with governance). A version takes effect at the
#: next day boundary after its entry (the genesis' on its own day) and applies forward only;
#: ``commons.charter`` holds the version in force.
charter_versions = sa.Table(
    "charter_versions",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the entry that set it
    sa.Column("charter", sa.Text, nullable=False),  # canonical JSON of the whole charter
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Column("effective_on", sa.String(10), nullable=False),  # the first day it governs
    sqlite_with_rowid=False,
)

#: What entries told each member (commonwork.journal.area.Event): their inbox. ``n`` orders the
#: events of one entry.
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),  # the entry's author
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Index("ix_inbox_member", "member", "recorded_at"),  # a person's inbox across commons
    sqlite_with_rowid=False,
)

#: A commons that is a fork: the parent, the entry it forked at and that entry's hash, why, and
#: who forked it (kept through later forks: the line of descent). By ``parent``, the forks of a
#: commons that this node knows of.
forks = sa.Table(
    "forks",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the fork's entry
    sa.Column("parent", sa.String(64), nullable=False),
    sa.Column("at_seq", sa.BigInteger, nullable=False),
    sa.Column("at_hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("forked_by", sa.String(100), nullable=False),
    sa.Column("forked_at", sa.String(24), nullable=False),
    sa.Column("fork_id", sa.String(64), nullable=False),  # the commons this entry started
    sa.Index("ix_forks_parent", "parent"),
    sqlite_with_rowid=False,
)

TABLES = (commons, members, invitations, charter_versions, inbox, forks)
