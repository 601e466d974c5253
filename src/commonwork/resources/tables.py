"""The resources area's read model: the inventory, bookings (with maintenance blocks and the
slots offered from a waiting list), the waiting list, and two indexes by time that the rules
read instead of scanning a resource's whole history.

Times are integers: minutes since 1970-01-01T00:00Z (UTC). A resource's time zone only draws
calendars and feeds; nothing in the fold reads it. Every figure here is a fold of the journal
prefix, covered by the state digest.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: A resource in the inventory, by the id of the entry that registered it, with its usage rules
#: as they stand (canonical JSON, see commonwork.resources.inventory.Rules).
resources = sa.Table(
    "resources",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("resource_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # tool | machine | vehicle | room | other
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("photos", sa.Text, nullable=False),  # canonical JSON [{sha256, url?}]
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("zone", sa.String(64), nullable=False),  # IANA time zone
    sa.Column("owner_kind", sa.String(12), nullable=False),  # member | commons | organisation
    sa.Column("owner", sa.String(100), nullable=True),  # the member's or organisation's did
    sa.Column("custodian", sa.String(100), nullable=False),
    sa.Column("condition", sa.Text, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),  # canonical JSON
    sa.Column("status", sa.String(10), nullable=False),  # lendable | retired
    sa.Column("registered_by", sa.String(100), nullable=False),
    sa.Column("registered_seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("registered_at", sa.String(24), nullable=False),
    sa.Column("updated_at", sa.String(24), nullable=False),
    sa.Column("bookings", sa.Integer, nullable=False),  # made, ever
    sa.Column("completed", sa.Integer, nullable=False),  # checked in
    sa.Index("ix_resources_seq", "commons_id", "registered_seq"),
    sqlite_with_rowid=False,
)

#: Bookings of a resource, maintenance blocks, and slots offered from the waiting list, by the
#: id of the entry that made them (an offer: by the waiting-list entry's). ``lo``/``hi`` is the
#: time the row holds — a booking's [start, end + buffer) — and no two active rows of one
#: resource overlap: the rules refuse it, and the database refuses it again
#: (commonwork.resources.guards). Updates of this table are written before its inserts
#: (``updates_first``), so that a batch that cancels a booking and books its slot again passes
#: the database's guard in the fold's order.
bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("booking_id", sa.String(64), primary_key=True),
    sa.Column("resource", sa.String(64), nullable=False, info={"fixed": True}),
    sa.Column("member", sa.String(100), nullable=False, info={"fixed": True}),
    sa.Column("kind", sa.String(8), nullable=False),  # booking | block | offer
    sa.Column("start_min", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("end_min", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("lo", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("hi", sa.BigInteger, nullable=False),  # shortened by an early return
    sa.Column("active", sa.Integer, nullable=False),  # 1 while it holds its time, else 0
    # booked | offered | out | returned | cancelled | declined | expired | blocked | lifted
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("made_at", sa.String(24), nullable=False),
    sa.Column("changed_at", sa.String(24), nullable=False),
    sa.Column("note", sa.Text, nullable=False),  # a block's reason, a cancellation's
    sa.Column("offer_expires", sa.String(24), nullable=True),
    sa.Column("currency", sa.String(12), nullable=True),
    sa.Column("fee_minor", sa.BigInteger, nullable=False),
    sa.Column("deposit_minor", sa.BigInteger, nullable=False),
    sa.Column("out_at", sa.String(24), nullable=True),
    sa.Column("out_report", sa.Text, nullable=True),  # canonical JSON {condition, photos}
    sa.Column("in_at", sa.String(24), nullable=True),
    sa.Column("in_report", sa.Text, nullable=True),  # canonical JSON {condition, photos, damage}
    sa.Column("late", sa.Integer, nullable=False),  # 1: checked in after end + buffer
    sa.Column("kept_minor", sa.BigInteger, nullable=False),  # of the deposit, by the report
    # the accounts fixed at check-out: what the deposit came from (and goes back to), and where
    # a fee and a kept deposit go (so a circle declared meanwhile changes nothing of it)
    sa.Column("paid_from", sa.String(120), nullable=True),
    sa.Column("kept_to", sa.String(120), nullable=True),
    sa.Column("in_by", sa.String(100), nullable=True),  # who reported on the return
    # none | held (until the dispute window ends) | disputed | settled
    sa.Column("deposit_state", sa.String(10), nullable=False),
    sa.Column("release_at", sa.String(24), nullable=True),
    sa.Column("case_id", sa.String(64), nullable=True),
    sa.Column("block", sa.String(64), nullable=True),  # a damage report's maintenance block
    sa.Column("contribution", sa.String(64), nullable=True),  # the lender's resource_use
    sa.Index("ix_bookings_member", "commons_id", "member", "lo"),  # my bookings
    sa.Index("ix_bookings_resource", "commons_id", "resource", "lo"),  # a calendar's range
    # the database's guard against overlaps reads one step down this (resources/guards.py)
    sa.Index(
        "ix_bookings_active",
        "commons_id",
        "resource",
        "lo",
        sqlite_where=sa.text("active = 1"),
        postgresql_where=sa.text("active = 1"),
    ),
    sqlite_with_rowid=False,
    info={"updates_first": True},
)

#: The waiting list: a person who wants a taken slot, in the order they joined.
waits = sa.Table(
    "resource_waits",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("wait_id", sa.String(64), primary_key=True),
    sa.Column("resource", sa.String(64), nullable=False, info={"fixed": True}),
    sa.Column("member", sa.String(100), nullable=False, info={"fixed": True}),
    sa.Column("start_min", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("end_min", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("joined_at", sa.String(24), nullable=False),
    # waiting | offered | booked | left | declined | expired
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("changed_at", sa.String(24), nullable=False),
    sa.Index("ix_resource_waits_member", "commons_id", "member", "seq"),
    sqlite_with_rowid=False,
)

#: The time index the overlap rule reads: per resource and UTC day (minute // 1440), the
#: [lo, hi, id] of the active rows that touch the day, and the waiting-list entries [start,
#: end, id] that do. Checking a booking reads the rows of the days it spans: the cost grows with
#: the booking's length, never with the resource's history.
resource_days = sa.Table(
    "resource_days",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("resource", sa.String(64), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),
    sa.Column("spans", sa.Text, nullable=False),  # canonical JSON [[lo, hi, id], …] by lo
    sa.Column("waits", sa.Text, nullable=False),  # canonical JSON [[start, end, id], …]
    sqlite_with_rowid=False,
)

#: The time index the quota rule reads: per resource and member ("<resource>/<did>") and week
#: (minute // 10080), the [start, end, id] of their bookings that touch the week and count
#: towards the quota (booked, out or returned).
resource_usage = sa.Table(
    "resource_usage",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("week", sa.Integer, primary_key=True),
    sa.Column("spans", sa.Text, nullable=False),  # canonical JSON [[start, end, id], …]
    sqlite_with_rowid=False,
)

TABLES = (resources, bookings, waits, resource_days, resource_usage)
