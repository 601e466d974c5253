"""Read-only views of a commons' arbitration cases, as anyone may read them (holoptism).

A case opens with the first weighted dispute of pending work (its id is the dispute entry's),
or with a derivation recorded ``needs_review`` (its id is the derivation's: the subject kind
``derivation``, which the property area declares); a panel drawn from the journal rules on it,
by majority with reasons; the day's settlement applies a verdict on work, a verdict on a
derivation is carried out at once; one appeal to all the members, by a proposal with the effect
``arbitrate``, may replace it (governance/arbitration.py). A case's row carries the work it is
about (``work``) or the derivation (``derivation``), the other left out. What is projected is
what the fold recorded: a panel whose deadline passed is redrawn at the first entry at or after
it, so a reader who comes between sees the case ``overdue``. A page of the queue costs its page
of cases (by the cases' ``seq`` index), never the journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa

from commonwork.commons.charter_governance import governance_of
from commonwork.commons.tables import commons, members
from commonwork.errors import BadInput, NotFound
from commonwork.governance.arbitration import RULE, VERDICTS, verdicts_of
from commonwork.governance.clock import later
from commonwork.governance.tables import case_rulings, cases, proposals, subject_cases
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.production.tables import contributions
from commonwork.property.tables import artifacts, derivations
from commonwork.services import queries
from commonwork.services.journals import require_head
from commonwork.services.models import LEFT_OUT_WHEN_NONE
from commonwork.services.queries import page_bounds
from commonwork.services.read_models import Share, Validation

#: The action type a panel member rules with (the doors name it by this constant).
CASE_RULE = RULE
#: The verdicts a case about a contribution may reach (accept at another quantity: adjust).
CONTRIBUTION_VERDICTS: tuple[str, ...] = VERDICTS["contribution"]
#: A case's recorded status: ``open`` (its panel rules), ``no_panel`` (nobody may sit: only
#: the members decide it, by proposal), ``decided`` (by the panel), ``appealed`` (decided by
#: the members' appeal).
STATUSES = ("open", "no_panel", "decided", "appealed")
#: The cases still waiting for a verdict: first in the queue.
WAITING = ("open", "no_panel")
#: At most this many rulings a case's page lists (a panel has at most 15 members).
RULINGS_SHOWN = 50


@dataclass(frozen=True)
class PanelSeat:
    """A member of the current round's panel, and whether they ruled in this round."""

    member: str
    name: str
    ruled: bool


@dataclass(frozen=True)
class CaseVerdict:
    """What a case decided (or a member ruled): ``accept``, ``reject`` or ``adjust`` (accept
    at ``quantity``)."""

    verdict: str
    quantity: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)


@dataclass(frozen=True)
class DisputedWork:
    """The contribution a case is about, as the queue shows it."""

    contribution_id: str
    contributor: str
    contributor_name: str
    kind: str
    quantity: str
    unit: str
    description: str
    recorded_at: str


@dataclass(frozen=True)
class DerivationSubject:
    """The derivation a case is about (one the licence table could not decide, or whose source
    of another commons is not proved): the derived artifact of this commons, the source (of
    this commons when ``source_commons`` is the case's), their licences, and the licence
    table's notes on the pair. ``status``: ``needs_review`` until a verdict, then ``allowed``
    (accept) or ``refused`` (reject)."""

    derivation_id: str
    derived: str
    derived_title: str
    derived_licence: str
    kind: str  # adaptation | collection | use | copy
    source_commons: str
    source: str
    source_title: str
    source_licence: str
    evidence: str  # local | proved | unproved
    status: str
    notes: tuple[str, ...]
    recorded_by: str
    recorded_by_name: str
    recorded_at: str


@dataclass(frozen=True)
class CaseRow:
    """A case as the queue shows it. ``overdue``: open, past its panel's deadline; the next
    entry redraws the panel (the fold records it then)."""

    case_id: str
    seq: int
    subject_kind: str  # contribution | derivation
    subject: str  # the contribution's id, or the derivation's
    work: DisputedWork | None = field(metadata=LEFT_OUT_WHEN_NONE)  # a contribution's case
    opened_by: str
    opened_by_name: str
    opened_at: str
    round: int
    panel: tuple[PanelSeat, ...]
    due_at: str | None
    status: str
    overdue: bool
    verdict: CaseVerdict | None
    decided_at: str | None
    decided_by: str | None  # "panel", or the id of the appeal proposal that decided it
    appeal: str | None  # the proposal that appealed it
    derivation: DerivationSubject | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)


@dataclass(frozen=True)
class Reason:
    """One reason of the panel's majority, as the verdict records it."""

    member: str
    name: str
    reason: str


@dataclass(frozen=True)
class Ruling:
    """A panel member's ruling in the current round (the latest of theirs counts)."""

    member: str
    name: str
    verdict: str
    quantity: str | None
    reason: str
    seq: int
    recorded_at: str


@dataclass(frozen=True)
class Appeal:
    """The proposal that appealed a case to all the members."""

    proposal_id: str
    title: str
    status: str


@dataclass(frozen=True)
class CaseDetail:
    """One case: the row, the work as of now (its status, authors and every validation that
    disputes it), the majority's reasons once decided, the current round's rulings (newest
    first), the appeal, and whether a member may still appeal it — a panel's verdict within the
    charter's ``appeal_days`` (until ``appeal_until``), a case no panel can sit on at any time,
    and only once (unless the appeal was withdrawn)."""

    case: CaseRow
    # As of now (provisional until its day settles); a derivation's status for its case.
    work_status: str
    work_provisional: bool
    accepted_quantity: str | None
    task: str | None
    authors: tuple[Share, ...]
    disputes: tuple[Validation, ...]
    reasons: tuple[Reason, ...]
    rulings: tuple[Ruling, ...]
    verdicts: tuple[str, ...]  # the verdicts a case about this kind of subject may reach
    appealable: bool
    appeal_until: str | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)
    appeal_proposal: Appeal | None = field(default=None, metadata=LEFT_OUT_WHEN_NONE)


def _statuses(status: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if status is None:
        return None
    wanted = (status,) if isinstance(status, str) else tuple(status)
    unknown = [item for item in wanted if item not in STATUSES]
    if unknown or not wanted:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}, not {unknown or wanted!r}")
    return wanted


def _names(conn: sa.Connection, commons_id: str, dids: set[str]) -> dict[str, str]:
    if not dids:
        return {}
    query = sa.select(members.c.member, members.c.name).where(
        members.c.commons_id == commons_id, members.c.member.in_(sorted(dids))
    )
    return {row.member: row.name for row in conn.execute(query)}


def _verdict(text: object) -> CaseVerdict | None:
    if text is None:
        return None
    parsed = orjson.loads(str(text))
    quantity = parsed.get("quantity")
    return CaseVerdict(str(parsed["verdict"]), None if quantity is None else str(quantity))


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _cases_query(commons_id: str) -> sa.Select[tuple[object, ...]]:
    """Cases with the record of the work each is about (by its seq: the contributions' index;
    nothing for a case about another kind of subject, whose seq is no contribution's)."""
    work = contributions
    joined = cases.join(
        work,
        sa.and_(work.c.commons_id == cases.c.commons_id, work.c.seq == cases.c.subject_seq),
        isouter=True,
    )
    return (
        sa.select(
            cases,
            work.c.contributor.label("work_contributor"),
            work.c.kind.label("work_kind"),
            work.c.quantity.label("work_quantity"),
            work.c.unit.label("work_unit"),
            work.c.description.label("work_description"),
            work.c.recorded_at.label("work_recorded_at"),
        )
        .select_from(joined)
        .where(cases.c.commons_id == commons_id)
    )


def _ruled(
    conn: sa.Connection, commons_id: str, rows: list[dict[str, object]]
) -> set[tuple[str, str]]:
    """(case, member) of each ruling in its case's current round, for these cases."""
    if not rows:
        return set()
    rounds = {str(row["case_id"]): int(str(row["round"])) for row in rows}
    query = sa.select(case_rulings.c.case_id, case_rulings.c.member, case_rulings.c.round).where(
        case_rulings.c.commons_id == commons_id, case_rulings.c.case_id.in_(sorted(rounds))
    )
    return {
        (found.case_id, found.member)
        for found in conn.execute(query)
        if found.round == rounds[found.case_id]
    }


def _derivations(
    conn: sa.Connection, commons_id: str, rows: list[dict[str, object]]
) -> dict[str, dict[str, object]]:
    """The derivations these cases are about (with the derived artifact's title), by id: one
    query by the derivations' primary key, for the cases whose subject is a derivation."""
    wanted = sorted(str(row["subject"]) for row in rows if row["subject_kind"] == "derivation")
    if not wanted:
        return {}
    derived = artifacts
    query = (
        sa.select(derivations, derived.c.title.label("derived_title"))
        .select_from(
            derivations.join(
                derived,
                sa.and_(
                    derived.c.commons_id == derivations.c.commons_id,
                    derived.c.artifact_id == derivations.c.derived,
                ),
                isouter=True,
            )
        )
        .where(derivations.c.commons_id == commons_id, derivations.c.derivation_id.in_(wanted))
    )
    return {str(row["derivation_id"]): plain_row(row) for row in conn.execute(query).mappings()}


def _people(rows: list[dict[str, object]], found: dict[str, dict[str, object]]) -> set[str]:
    dids: set[str] = set()
    for row in rows:
        dids.add(str(row["opened_by"]))
        if row["work_contributor"] is not None:
            dids.add(str(row["work_contributor"]))
        dids |= set(orjson.loads(str(row["panel"])))
    return dids | {str(row["recorded_by"]) for row in found.values()}


def _work(found: dict[str, object], names: dict[str, str]) -> DisputedWork | None:
    if found["work_contributor"] is None:
        return None
    contributor = str(found["work_contributor"])
    return DisputedWork(
        contribution_id=str(found["subject"]),
        contributor=contributor,
        contributor_name=names.get(contributor, ""),
        kind=str(found["work_kind"]),
        quantity=str(found["work_quantity"]),
        unit=str(found["work_unit"]),
        description=str(found["work_description"]),
        recorded_at=str(found["work_recorded_at"]),
    )


def _derivation(
    found: dict[str, dict[str, object]], subject: str, names: dict[str, str]
) -> DerivationSubject | None:
    row = found.get(subject)
    if row is None:
        return None
    decision = orjson.loads(str(row["decision"] or "{}"))
    return DerivationSubject(
        derivation_id=subject,
        derived=str(row["derived"]),
        derived_title=str(row["derived_title"] or ""),
        derived_licence=str(row["derived_licence"]),
        kind=str(row["kind"]),
        source_commons=str(row["source_commons"] or row["commons_id"]),  # "": this commons
        source=str(row["source"]),
        source_title=str(row["source_title"]),
        source_licence=str(row["source_licence"]),
        evidence=str(row["evidence"]),
        status=str(row["status"]),
        notes=tuple(str(note) for note in decision.get("notes", ())),
        recorded_by=str(row["recorded_by"]),
        recorded_by_name=names.get(str(row["recorded_by"]), ""),
        recorded_at=str(row["recorded_at"]),
    )


def _row_of(
    found: dict[str, object],
    names: dict[str, str],
    ruled: set[tuple[str, str]],
    now: str,
    subjects: dict[str, dict[str, object]],
) -> CaseRow:
    case_id = str(found["case_id"])
    due_at = _optional(found["due_at"])
    return CaseRow(
        case_id=case_id,
        seq=int(str(found["seq"])),
        subject_kind=str(found["subject_kind"]),
        subject=str(found["subject"]),
        work=_work(found, names),
        opened_by=str(found["opened_by"]),
        opened_by_name=names.get(str(found["opened_by"]), ""),
        opened_at=str(found["opened_at"]),
        round=int(str(found["round"])),
        panel=tuple(
            PanelSeat(member, names.get(member, ""), (case_id, member) in ruled)
            for member in orjson.loads(str(found["panel"]))
        ),
        due_at=due_at,
        status=str(found["status"]),
        overdue=found["status"] == "open" and due_at is not None and now >= due_at,
        verdict=_verdict(found["verdict"]),
        decided_at=_optional(found["decided_at"]),
        decided_by=_optional(found["decided_by"]),
        appeal=_optional(found["appeal"]),
        derivation=_derivation(subjects, str(found["subject"]), names),
    )


def list_cases(
    node: Node,
    commons_id: str,
    *,
    status: str | Sequence[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[CaseRow]:
    """A page of the commons' cases, newest first; ``status`` filters by recorded status (one
    of STATUSES, or several)."""
    wanted = _statuses(status)
    limit, offset = page_bounds(limit, offset)
    now = node.clock()
    with node.reading() as conn:
        require_head(conn, commons_id)
        query = _cases_query(commons_id)
        if wanted is not None:
            query = query.where(cases.c.status.in_(wanted))
        query = query.order_by(cases.c.seq.desc()).limit(limit).offset(offset)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        subjects = _derivations(conn, commons_id, rows)
        names = _names(conn, commons_id, _people(rows, subjects))
        ruled = _ruled(conn, commons_id, rows)
    return [_row_of(row, names, ruled, now, subjects) for row in rows]


def case_detail(node: Node, commons_id: str, case_id: str) -> CaseDetail:
    """One case, with the work as of now, its disputes, the current round's rulings and whether
    it may still be appealed."""
    now = node.clock()
    with node.reading() as conn:
        require_head(conn, commons_id)
        query = _cases_query(commons_id).where(cases.c.case_id == case_id)
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"there is no arbitration case {case_id} in this commons")
        row = plain_row(found)
        listed = conn.execute(
            sa.select(case_rulings)
            .where(
                case_rulings.c.commons_id == commons_id,
                case_rulings.c.case_id == case_id,
                case_rulings.c.round == row["round"],
            )
            .order_by(case_rulings.c.seq.desc())
            .limit(RULINGS_SHOWN)
        ).mappings()
        rulings = [plain_row(ruling) for ruling in listed]
        reasons = orjson.loads(str(row["reasons"] or "[]"))
        subjects = _derivations(conn, commons_id, [row])
        dids = _people([row], subjects) | {str(r["member"]) for r in rulings}
        names = _names(conn, commons_id, dids | {str(r["member"]) for r in reasons})
        ruled = _ruled(conn, commons_id, [row])
        charter = conn.execute(
            sa.select(commons.c.charter).where(commons.c.commons_id == commons_id)
        ).scalar_one()
        appeal = None
        if row["appeal"] is not None:
            proposal = conn.execute(
                sa.select(proposals.c.proposal_id, proposals.c.title, proposals.c.status).where(
                    proposals.c.commons_id == commons_id,
                    proposals.c.proposal_id == row["appeal"],
                )
            ).first()
            if proposal is not None:
                appeal = Appeal(proposal.proposal_id, proposal.title, proposal.status)
    case = _row_of(row, names, ruled, now, subjects)
    appeal_days = governance_of(orjson.loads(str(charter))).arbitration.appeal_days
    until = None if case.decided_at is None else later(case.decided_at, appeal_days * 24)
    appealable = _appealable(case, appeal, until, now)
    if case.work is None:
        return _subject_detail(case, reasons, names, rulings, appealable, until, appeal)
    work = queries.contribution_detail(node, commons_id, case.subject)
    return CaseDetail(
        case=case,
        work_status=work.status,
        work_provisional=work.provisional and work.status != work.settled_status,
        accepted_quantity=work.accepted_quantity,
        task=work.task,
        authors=work.shares,
        disputes=tuple(item for item in work.validations if item.verdict == "dispute"),
        reasons=tuple(
            Reason(str(item["member"]), names.get(str(item["member"]), ""), str(item["reason"]))
            for item in reasons
        ),
        rulings=tuple(_ruling(ruling, names) for ruling in rulings),
        verdicts=verdicts_of(case.subject_kind),
        appealable=appealable,
        appeal_until=until if case.status == "decided" else None,
        appeal_proposal=appeal,
    )


def _subject_detail(
    case: CaseRow,
    reasons: list[dict[str, object]],
    names: dict[str, str],
    rulings: list[dict[str, object]],
    appealable: bool,
    until: str | None,
    appeal: Appeal | None,
) -> CaseDetail:
    """A case about another subject than work (a derivation): its status as of now is the
    subject's (a verdict on it is carried out at once), and it has no authors, task or
    disputes of its own."""
    status = case.derivation.status if case.derivation is not None else ""
    return CaseDetail(
        case=case,
        work_status=status,
        work_provisional=False,
        accepted_quantity=None,
        task=None,
        authors=(),
        disputes=(),
        reasons=tuple(
            Reason(str(item["member"]), names.get(str(item["member"]), ""), str(item["reason"]))
            for item in reasons
        ),
        rulings=tuple(_ruling(ruling, names) for ruling in rulings),
        verdicts=verdicts_of(case.subject_kind),
        appealable=appealable,
        appeal_until=until if case.status == "decided" else None,
        appeal_proposal=appeal,
    )


def _appealable(case: CaseRow, appeal: Appeal | None, until: str | None, now: str) -> bool:
    """As the rules will judge an appeal made now: a panel's verdict within the appeal days, a
    case no panel can sit on at any time; once (a withdrawn appeal does not count)."""
    if appeal is not None and appeal.status != "withdrawn":
        return False
    if case.status == "no_panel":
        return True
    return case.status == "decided" and until is not None and now < until


def _ruling(row: dict[str, object], names: dict[str, str]) -> Ruling:
    verdict = _verdict(row["verdict"]) or CaseVerdict("")  # never null: the column is not
    return Ruling(
        member=str(row["member"]),
        name=names.get(str(row["member"]), ""),
        verdict=verdict.verdict,
        quantity=verdict.quantity,
        reason=str(row["reason"]),
        seq=int(str(row["seq"])),
        recorded_at=str(row["recorded_at"]),
    )


def case_of_work(node: Node, commons_id: str, seqs: Sequence[int]) -> dict[int, str]:
    """The newest case about each of these contributions (by their record's seq), if any: one
    query by the primary key of ``subject_cases`` (which the fold keeps pointing at the newest
    case of each), the cost of the page that asks."""
    if not seqs:
        return {}
    query = sa.select(subject_cases.c.subject_seq, subject_cases.c.case_id).where(
        subject_cases.c.commons_id == commons_id,
        subject_cases.c.subject_seq.in_(sorted(set(seqs))),
    )
    with node.reading() as conn:
        return {int(row.subject_seq): str(row.case_id) for row in conn.execute(query)}
