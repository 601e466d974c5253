"""The production area's read model: contributions and their validations."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

contributions = sa.Table(
    "contributions",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),  # id of its record entry
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("contributor", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("quantity", sa.String(40), nullable=False),  # decimal string
    sa.Column("unit", sa.String(20), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending | accepted | disputed
    sa.Column("approvals", sa.Integer, nullable=False),
    sa.Column("disputes", sa.Integer, nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

validations = sa.Table(
    "validations",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),
    sa.Column("validator", sa.String(100), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),  # approve | dispute
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

TABLES = (contributions, validations)
