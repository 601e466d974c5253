"""The governance area's read model: proposals, the stances taken on them, and what falls due.

All of it is a function of the journal prefix and ``recorded_at`` (covered by the state
digest): a proposal opens and closes at times written in it, and the fold opens and closes it
before it checks the first entry recorded at or after that time. JSON columns hold canonical
JSON; fractions are "n/d" strings; nothing is a float.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: One row per proposal, by the id of the entry that made it; ``version`` counts its amendments
#: (stances are bound to a version), ``round`` its voting rounds (consent: a new one after an
#: amendment that answers an objection).
proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("proposer", sa.String(100), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # canonical JSON
    sa.Column("options", sa.Text, nullable=True),  # canonical JSON [{id, label}], or null
    sa.Column("effect", sa.Text, nullable=False),  # canonical JSON {kind, …}
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    # discussion | voting | blocked | passed | failed | withdrawn
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("made_at", sa.String(24), nullable=False),
    sa.Column("opens_at", sa.String(24), nullable=False),  # voting opens (inclusive)
    sa.Column("closes_at", sa.String(24), nullable=False),  # voting closes (exclusive)
    sa.Column("voting_hours", sa.Integer, nullable=False),  # each round's length
    sa.Column("electorate", sa.Integer, nullable=True),  # fixed when voting first opens
    # A proposal put to the vote by its own entry: the members who joined before that entry.
    sa.Column("electorate_seq", sa.BigInteger, nullable=True),
    sa.Column("objections", sa.Integer, nullable=False),  # standing on this version (consent)
    sa.Column("stances", sa.Integer, nullable=False),  # members with a stance on this version
    sa.Column("outcome", sa.Text, nullable=True),  # canonical JSON: the full tally, once closed
    sa.Column("closed_at", sa.String(24), nullable=True),
    sa.Column("effective_on", sa.String(10), nullable=True),  # the day its effect governs from
    sa.Column("close_entry", sa.BigInteger, nullable=True),  # a close action that marked it
    sa.Column("seconded_by", sa.String(100), nullable=True),  # a recall's seconder
    # canonical JSON {privilege | role | classes}: who votes, when not every member
    sa.Column("narrowed", sa.Text, nullable=True),
    sa.Column("review_days", sa.Integer, nullable=True),  # consent: review so long after passing
    sa.Column("review_on", sa.String(10), nullable=True),  # the day set once it passed
    sa.Index("ix_proposals_seq", "commons_id", "seq"),  # the newest first, a page at a time
    # What a member's inbox shows: the proposals voting now, by deadline; the latest closes.
    sa.Index("ix_proposals_status", "commons_id", "status", "closes_at"),
    sa.Index("ix_proposals_closed", "commons_id", "closed_at"),
    sqlite_with_rowid=False,
)

#: Each member's stance on a proposal: only the latest counts (every one stays in the journal).
stances = sa.Table(
    "stances",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("ballot", sa.Text, nullable=False),  # canonical JSON, as the method reads it
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: The electorate of a proposal whose voters were narrowed, fixed when voting opened: each
#: member in it, with the stakeholder classes they vote in (canonical JSON list; [] if none).
electorate_members = sa.Table(
    "electorate_members",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("classes", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

#: Objections found invalid by a decision (a challenge of their validity): the stance stays in
#: the journal and counts as a concern, on that version of the proposal.
struck_objections = sa.Table(
    "struck_objections",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("struck_by", sa.String(64), nullable=False),  # the challenge's proposal
    sa.Column("struck_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: Per commons: when the next thing falls due (``next_due``), and the days on which something
#: is due with how many things (canonical JSON [[day, count], …]: a few dozen days), so that
#: an entry before ``next_due`` costs one lookup and finding the next costs one day's rows.
governance_clock = sa.Table(
    "governance_clock",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("next_due", sa.String(24), nullable=True),
    sa.Column("due", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

#: What falls due, by day: a proposal opening or closing, a panel's deadline. An item done or
#: rescheduled keeps its row with ``what`` empty (rows are never deleted; a day's rows are read
#: only while something is due that day).
governance_due = sa.Table(
    "governance_due",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("at", sa.String(24), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("what", sa.String(10), nullable=False),  # open | close | redraw | "" (done)
    sqlite_with_rowid=False,
)

#: Per proposal or case: what is due for it now (canonical JSON [[at, what], …]).
governance_items = sa.Table(
    "governance_items",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("due", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

#: Per member: their proposals still open (the charter limits them).
open_proposals = sa.Table(
    "open_proposals",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("open", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

#: Roles granted by decision (steward, arbiter, treasurer), kept when recalled (history); a
#: founder's role is the membership's (commons.members.role).
roles = sa.Table(
    "roles",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.Column("granted_by", sa.String(64), nullable=False),  # the proposal
    sa.Column("granted_at", sa.String(24), nullable=False),
    sa.Column("recalled_by", sa.String(64), nullable=True),  # the proposal that recalled it
    sa.Column("recalled_at", sa.String(24), nullable=True),
    sqlite_with_rowid=False,
)

#: Texts hidden from the pages (moderation), by the id of the entry that carries them: by a
#: decision, or by a steward. Reversible; the journal keeps the text either way.
hidden_texts = sa.Table(
    "hidden_texts",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("entry", sa.String(64), primary_key=True),
    sa.Column("hidden_by", sa.String(100), nullable=False),  # a proposal's id, or a steward
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("hidden_at", sa.String(24), nullable=False),
    sa.Column("shown_again_at", sa.String(24), nullable=True),
    sqlite_with_rowid=False,
)

#: Arbitration cases, by the id of the entry that opened them (a weighted dispute): the subject
#: (a contribution, by its record's seq), the panel drawn for the current round (canonical JSON
#: list of dids, in the order of the draw), the deadline by which it must rule, and the verdict.
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False, info={"fixed": True}),
    sa.Column("subject_kind", sa.String(20), nullable=False),  # "contribution"
    sa.Column("subject", sa.String(64), nullable=False),  # the contribution's id
    sa.Column("subject_seq", sa.BigInteger, nullable=False),  # its record's seq
    sa.Column("opened_by", sa.String(100), nullable=False),  # the dispute's author
    sa.Column("opened_at", sa.String(24), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),  # 1, then one more each time it is redrawn
    sa.Column("panel", sa.Text, nullable=False),  # canonical JSON [did, …]; [] if none eligible
    sa.Column("due_at", sa.String(24), nullable=True),  # the round ends (exclusive); redrawn then
    # open | no_panel (nobody may sit: the members decide) | decided | appealed (the members
    # decided) | answered (the contributor corrected the work while the case was open)
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("verdict", sa.Text, nullable=True),  # canonical JSON {verdict, quantity?}
    # canonical JSON [{member, reason}]: the reasons of the panel's majority
    sa.Column("reasons", sa.Text, nullable=True),
    sa.Column("decided_at", sa.String(24), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),  # "panel" or the appeal's proposal id
    sa.Column("appeal", sa.String(64), nullable=True),  # the proposal that appealed it
    sa.Index("ix_cases_seq", "commons_id", "seq"),  # the newest first, a page at a time
    sa.Index("ix_cases_subject", "commons_id", "subject_seq"),
    sqlite_with_rowid=False,
)

#: The latest case about a contribution (by its record's seq): what a correction answers.
subject_cases = sa.Table(
    "subject_cases",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("subject_seq", sa.BigInteger, primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sqlite_with_rowid=False,
)

#: Each panel member's ruling in a case's current round (the latest counts; every one stays in
#: the journal).
case_rulings = sa.Table(
    "case_rulings",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("verdict", sa.Text, nullable=False),  # canonical JSON {verdict, quantity?}
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

#: The verdicts (a panel's, or an appeal's) the settlement of a day applies, by day.
verdicts_due = sa.Table(
    "verdicts_due",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("subject_seq", sa.BigInteger, primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    # A verdict against work accepted before: the day its credits were given, which the points
    # phase of this day takes back (offset, never rewritten: that day stays as it was settled).
    sa.Column("revoke_on", sa.String(10), nullable=True),
    sqlite_with_rowid=False,
)

#: Host changes: the decision, the handover entry, the host before and the host after.
host_changes = sa.Table(
    "host_changes",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("from_host", sa.String(100), nullable=False),
    sa.Column("host", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.String(24), nullable=False),
    sqlite_with_rowid=False,
)

TABLES = (
    proposals,
    stances,
    electorate_members,
    struck_objections,
    governance_clock,
    governance_due,
    governance_items,
    open_proposals,
    roles,
    hidden_texts,
    cases,
    subject_cases,
    case_rulings,
    verdicts_due,
    host_changes,
)
