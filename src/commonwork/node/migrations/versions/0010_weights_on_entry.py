"""validations weighed as they are recorded: the disputes' and adjustments' weights on
contributions, the day before the last in approval pairs, and the newest-first index of
contributions

What a validation weighs is now fixed with the entry (commonwork.standing.weigh), so the settled
rows of a commons under a settlement engine were made by the earlier engine's projection. This
migration drops their checkpoints and the kept digest parts: reads of such a commons say "not
settled on this node yet" and appends to it are refused, both saying to run
``commonwork rebuild`` once, which replays the journal with this projection (docs/standing.md).
A commons without an engine has nothing settled and needs nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch_op:
        for name in ("dispute_weight_milli", "adjust_weight_milli"):
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")
            )
        batch_op.create_index("ix_contributions_seq", ["commons_id", "seq"])
    with op.batch_alter_table("approval_pairs") as batch_op:
        batch_op.add_column(sa.Column("before", sa.String(length=10), nullable=True))
    op.execute("DELETE FROM settlements")
    op.execute("DELETE FROM digest_parts")  # recomputed from the rows when the node opens


def downgrade() -> None:
    with op.batch_alter_table("approval_pairs") as batch_op:
        batch_op.drop_column("before")
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.drop_index("ix_contributions_seq")
        for name in ("adjust_weight_milli", "dispute_weight_milli"):
            batch_op.drop_column(name)
    op.execute("DELETE FROM settlements")
    op.execute("DELETE FROM digest_parts")
