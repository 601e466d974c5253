"""initial schema: the journal, heads, node-local tables, commons and production projections

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("did", name=op.f("uq_accounts_did")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "commons",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("charter", sa.Text(), nullable=False),
        sa.Column("licence", sa.String(length=500), nullable=False),
        sa.Column("join_policy", sa.String(length=20), nullable=False),
        sa.Column("founder", sa.String(length=100), nullable=False),
        sa.Column("founded_at", sa.String(length=24), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", name=op.f("pk_commons")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "contributions",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("contribution_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("contributor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "contribution_id", name=op.f("pk_contributions")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "entries",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("nonce", sa.String(length=22), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "seq", name=op.f("pk_entries")),
        sa.UniqueConstraint(
            "commons_id", "nonce", "author", name=op.f("uq_entries_commons_id_nonce_author")
        ),
    )
    op.create_table(
        "heads",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", name=op.f("pk_heads")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "invitations",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("invitee", sa.String(length=100), nullable=False),
        sa.Column("inviter", sa.String(length=100), nullable=False),
        sa.Column("invited_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "invitee", name=op.f("pk_invitations")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "members",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("joined_at", sa.String(length=24), nullable=False),
        sa.Column("joined_seq", sa.BigInteger(), nullable=False),
        sa.Column("left_at", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("commons_id", "member", name=op.f("pk_members")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "validations",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("contribution_id", sa.String(length=64), nullable=False),
        sa.Column("validator", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint(
            "commons_id", "contribution_id", "validator", name=op.f("pk_validations")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "custodial_keys",
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sealed_seed", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_custodial_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_custodial_keys")),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=24), nullable=False),
        sa.Column("expires_at", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )


def downgrade() -> None:
    op.drop_table("sessions")
    op.drop_table("custodial_keys")
    op.drop_table("validations")
    op.drop_table("members")
    op.drop_table("invitations")
    op.drop_table("heads")
    op.drop_table("entries")
    op.drop_table("contributions")
    op.drop_table("commons")
    op.drop_table("accounts")
