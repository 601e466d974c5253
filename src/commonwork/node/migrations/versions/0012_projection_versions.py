"""projection versions: per area, the version of its projection this node's tables hold

Empty at first: the node records every installed area's version when it opens, taking an area
that already holds rows to be at version 1 (every area was, before versions were kept). From
here on, a change to a projected table is a new projection version of its area (a rebuild from
the journal), not a data migration.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_versions",
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("area", name=op.f("pk_projection_versions")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("projection_versions")
