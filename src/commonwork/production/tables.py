"""The production area's read model: contributions (with their authors' shares and corrections),
their validations, tasks and claims."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: A contribution as recorded (and corrected): who, what, how much, and its text. What
#: validation and day settlement change after it is recorded is in ``contribution_status``.
contributions = sa.Table(
    "contributions",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),  # id of its record entry
    # ``fixed``: set when the row is made, never changed (an update leaves its indexes alone).
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("contributor", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("quantity", sa.String(40), nullable=False),  # decimal string
    sa.Column("unit", sa.String(20), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sa.Column("task", sa.String(64), nullable=True, info={"fixed": True}),  # its linked task
    sa.Column("happened_at", sa.String(24), nullable=True),  # the author's claim, if made
    sa.Column("artifact", sa.Text, nullable=True),  # canonical JSON {sha256, url, size, …}
    sa.Column("resource", sa.String(200), nullable=True),  # the lent tool, for resource_use
    sa.Column("co_authors", sa.Text, nullable=True),  # canonical JSON [{member, share}], or null
    sa.Column("corrections", sa.Integer, nullable=False, server_default="0"),
    sa.Column("corrected_at", sa.String(24), nullable=True),
    sa.Column("skill", sa.String(50), nullable=True),  # the skill its value is multiplied by
    sa.Column("source", sa.String(200), nullable=True),  # e.g. git:<commit id>, when imported
    sa.Index("ix_contributions_task", "commons_id", "task"),  # a task's linked contributions
    sa.Index("ix_contributions_seq", "commons_id", "seq"),  # the newest first, a page at a time
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: Where a contribution stands: its status and validations' tallies, what they weigh, and what
#: day settlement decided — the columns that change after it is recorded — with a copy of what
#: deciding it reads from its record (authors, kind, skill, quantity, version, task; written by
#: the record and each correction). Keyed by the record entry's ``seq``, so that the work a day
#: decides, recorded within a few weeks of each other, sits on neighbouring pages: settling a
#: busy day reads and rewrites ~2,000 small rows in a narrow band of the table, instead of whole
#: contribution rows scattered by their random ids over the contributions table (and a
#: validation rewrites this row, not the record).
contribution_status = sa.Table(
    "contribution_status",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the record entry's
    sa.Column("contribution_id", sa.String(64), nullable=False, info={"fixed": True}),
    sa.Column("contributor", sa.String(100), nullable=False, info={"fixed": True}),
    sa.Column("kind", sa.String(20), nullable=False, info={"fixed": True}),
    sa.Column("skill", sa.String(50), nullable=True, info={"fixed": True}),
    sa.Column("task", sa.String(64), nullable=True, info={"fixed": True}),
    sa.Column("quantity", sa.String(40), nullable=False),  # as corrected, like contributions'
    sa.Column("co_authors", sa.Text, nullable=True),  # as corrected, like contributions'
    sa.Column("corrections", sa.Integer, nullable=False),  # as corrected, like contributions'
    sa.Column("status", sa.String(10), nullable=False),  # pending | accepted | disputed | withdrawn
    sa.Column("approvals", sa.Integer, nullable=False),
    sa.Column("disputes", sa.Integer, nullable=False),
    # Settled by day under a settlement engine (commonwork.standing.settle), else left as is:
    sa.Column("weight_milli", sa.BigInteger, nullable=False),
    sa.Column("lazy_on", sa.String(10), nullable=True),  # the day lazy acceptance is checked
    sa.Column("accepted_on", sa.String(10), nullable=True),
    sa.Column("accepted_quantity", sa.String(40), nullable=True),  # when validators adjusted it
    sa.Column("points_milli", sa.BigInteger, nullable=True),  # the value points it carried
    # What the current version's weighted disputes and adjustments weigh (set as they are
    # recorded): a dispute with weight holds the work at the day's settlement; an adjustment with
    # weight makes the settled quantity a weighted median of the validations'.
    sa.Column("dispute_weight_milli", sa.BigInteger, nullable=False),
    sa.Column("adjust_weight_milli", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: The columns of ``contribution_status`` that ``contributions`` does not hold: what a reader
#: adds to a contribution's record to show it whole.
STATUS_COLUMNS = (
    "status",
    "approvals",
    "disputes",
    "weight_milli",
    "lazy_on",
    "accepted_on",
    "accepted_quantity",
    "points_milli",
    "dispute_weight_milli",
    "adjust_weight_milli",
)

#: The columns ``contribution_status`` copies from ``contributions`` (besides the key): what
#: deciding a contribution reads of its record. A record and each correction write both.
COPIED_COLUMNS = (
    "contribution_id",
    "contributor",
    "kind",
    "skill",
    "task",
    "quantity",
    "co_authors",
    "corrections",
)

validations = sa.Table(
    "validations",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),
    sa.Column("validator", sa.String(100), primary_key=True),
    # The contribution's number of corrections when it was validated: a validation of an older
    # version is superseded (it stays as history, stops counting, and its validator may again).
    sa.Column("version", sa.Integer, primary_key=True, server_default="0"),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),  # approve | dispute | adjust
    sa.Column("quantity", sa.String(40), nullable=True),  # an adjust verdict's quantity
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    # What it weighed, fixed when it was recorded: the validator's standing as of the start of
    # its day (null without an engine, and for work no longer pending when it was recorded).
    sa.Column("weight_milli", sa.BigInteger, nullable=True),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: The contributions day settlement looks at on a day: those whose approvals reached the
#: threshold or that a weighted dispute holds (that day), and those due for lazy acceptance.
#: Written only under a settlement engine, by commonwork.standing.weigh. By the record entry's
#: ``seq`` (``contribution_status``'s key): a day's agenda reads in journal order.
settle_agenda = sa.Table(
    "settle_agenda",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # ISO date of journal time
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the contribution's record entry
    sa.Column(
        "why", sa.String(10), nullable=False
    ),  # reached | held | lazy | moot (nothing left to check)
    sqlite_with_rowid=False,
)

#: Which contribution came from which outside source (``git:<commit id>``): one per source.
contribution_sources = sa.Table(
    "contribution_sources",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("contribution_id", sa.String(64), nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: One row per author of a contribution, the recording author included: how later value splits.
#: A co-author removed by a correction keeps a row with share "0" (rows are never deleted).
contribution_shares = sa.Table(
    "contribution_shares",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("share", sa.String(10), nullable=False),  # decimal string, 0 to 1
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: The visible history of corrections: what changed (from → to), why, and when.
contribution_corrections = sa.Table(
    "contribution_corrections",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("contribution_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the correction's entry
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changes_json", sa.Text, nullable=False),  # canonical JSON {field: {from, to}}
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("task_id", sa.String(64), primary_key=True),  # id of its post entry
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("poster", sa.String(100), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("skills", sa.Text, nullable=False),  # canonical JSON of the list of skills
    sa.Column("estimate", sa.String(40), nullable=True),  # decimal string, hours
    sa.Column("posted_at", sa.String(24), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | closed | withdrawn
    sa.Column("closed_by", sa.String(64), nullable=True),  # the accepted contribution
    sa.Column("closed_at", sa.String(24), nullable=True),
    sa.Column("claims", sa.Integer, nullable=False),  # claims not withdrawn (lapsed or not)
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

#: Whether a live claim has lapsed depends on the time it is read at, so it is computed by
#: readers and rules (see production.tasks.lapse_cutoff), never written here.
task_claims = sa.Table(
    "task_claims",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("task_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("claimed_at", sa.String(24), nullable=False),
    sa.Column("last_activity_at", sa.String(24), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # live | withdrawn
    sqlite_with_rowid=False,  # clustered by its key: one b-tree to update, not two
)

TABLES = (
    contributions,
    contribution_status,
    validations,
    settle_agenda,
    contribution_shares,
    contribution_sources,
    contribution_corrections,
    tasks,
    task_claims,
)
