"""invitation codes: node-local invitations to invitation-only commons (only a code's sha256)

The table starts empty: nobody could make an invitation code before this revision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitation_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("inviter", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.String(length=24), nullable=False),
        sa.Column("expires_at", sa.String(length=24), nullable=False),
        sa.Column("redeemed_by", sa.String(length=100), nullable=True),
        sa.Column("redeemed_at", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_invitation_codes")),
    )
    op.create_index(
        op.f("ix_invitation_codes_commons_id_inviter"),
        "invitation_codes",
        ["commons_id", "inviter"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invitation_codes_commons_id_inviter"), table_name="invitation_codes")
    op.drop_table("invitation_codes")
