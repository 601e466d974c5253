"""held keys: when an account's signing key moved into the person's own browser

``key_held_since`` is null while the node keeps the account's key sealed (custodial_keys) and
signs for the person; from that time on (the sign-up, for an account created with a key of its
own) only the person's browser holds the key and the node keeps no secret of theirs. Entries the
account's key signed before that time were signed by the node on the person's behalf.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("key_held_since", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("key_held_since")
