"""The node's own tables: the journal itself, the heads, and node-local private data.

``entries`` and ``heads`` hold the public journal. ``accounts``, ``custodial_keys``, ``sessions``,
``email_claims``, ``invitation_codes``, ``bank_details`` and ``attribution_names`` are private to
this node and never enter the journal;
``verifications`` is this node's own record of checking journals (never projected, not covered by
the state digest).
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

entries = sa.Table(
    "entries",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("entry_id", sa.String(64), nullable=False),  # sha256 of the line: unique by nature
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("nonce", sa.String(22), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Column("line", sa.Text, nullable=False),  # the canonical wire line, host_sig included
    sa.UniqueConstraint("commons_id", "nonce", "author"),  # nonce second: batch lookups by nonce
)

heads = sa.Table(
    "heads",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Column("host", sa.String(100), nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("did", sa.String(100), nullable=False, unique=True),
    sa.Column("created_at", sa.String(24), nullable=False),
    # When the account's key moved into the person's browser (null: the node keeps it sealed).
    sa.Column("key_held_since", sa.String(24), nullable=True),
)

custodial_keys = sa.Table(
    "custodial_keys",
    metadata,
    sa.Column("did", sa.String(100), primary_key=True),
    sa.Column(
        "account_id",
        sa.Integer,
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("sealed_seed", sa.String(200), nullable=False),  # SecretBox under the node's KEK
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "account_id",
        sa.Integer,
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("created_at", sa.String(24), nullable=False),
    sa.Column("expires_at", sa.String(24), nullable=False),
)

#: E-mail addresses a member whose key this node holds has claimed (lower case), so that
#: ``commonwork import-git`` signs the commits made under them with that member's key.
email_claims = sa.Table(
    "email_claims",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),  # one member per address
    sa.Column("did", sa.String(100), nullable=False, index=True),
    sa.Column("claimed_at", sa.String(24), nullable=False),
)

#: The last explicit full re-verification of each commons' journal on this node, kept by the head
#: it checked, so that reading the journal explorer never re-runs it. Node-local, not projected.
verifications = sa.Table(
    "verifications",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("head_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("head_id", sa.String(64), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("entries", sa.BigInteger, nullable=False),  # good entries checked
    sa.Column("checked_at", sa.String(24), nullable=False),  # this node's clock
    sa.Column("report", sa.Text, nullable=False),  # JSON: first bad entry, digests
    sqlite_with_rowid=False,
)

#: Invitations a member made on this node to an invitation-only commons: the sha256 of a random
#: code (the code itself is shown once to the inviter and never kept), who invited, until when, and
#: who redeemed it. Redeeming signs ``commons.member.invite`` with the inviter's key, which this
#: node holds, naming the new member's key. Node-local, never in a journal.
invitation_codes = sa.Table(
    "invitation_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("commons_id", sa.String(64), nullable=False),
    sa.Column("inviter", sa.String(100), nullable=False),
    sa.Column("created_at", sa.String(24), nullable=False),  # this node's clock
    sa.Column("expires_at", sa.String(24), nullable=False),
    sa.Column("redeemed_by", sa.String(100), nullable=True),
    sa.Column("redeemed_at", sa.String(24), nullable=True),
    sa.Index(None, "commons_id", "inviter"),  # an inviter's list of their invitations
)

#: The bank details a person asks to be paid at by a commons (free text: an IBAN, the account's
#: name), kept on this node only and never in a journal: the books name a payment's reference,
#: never where it went. Only the person and the commons' treasurers read them
#: (commonwork.services.bank_details).
bank_details = sa.Table(
    "bank_details",
    metadata,
    sa.Column("did", sa.String(100), primary_key=True),
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(24), nullable=False),  # this node's clock
)

#: The name a person chose for attribution in a commons (NOTICE, SPDX, REUSE, the artifact's
#: page), kept on this node only and never in a journal: their own choice, changed or taken back
#: at any time (commonwork.services.attribution_names). Without one, attribution shows the name
#: they joined the commons with.
attribution_names = sa.Table(
    "attribution_names",
    metadata,
    sa.Column("did", sa.String(100), primary_key=True),
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.String(24), nullable=False),  # this node's clock
)

NODE_TABLES = (
    entries,
    heads,
    accounts,
    custodial_keys,
    sessions,
    email_claims,
    verifications,
    invitation_codes,
    bank_details,
    attribution_names,
)

#: The projection version of each area (commonwork.journal.area.Area.projection_version) that the
#: projected tables of this node were last rebuilt with. An area whose declared version differs
#: has its tables made afresh and every projection rebuilt from the journal. Node-local.
projection_versions = sa.Table(
    "projection_versions",
    metadata,
    sa.Column("area", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),  # this node's clock
    sqlite_with_rowid=False,
)
