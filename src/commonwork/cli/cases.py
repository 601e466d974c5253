"""``commonwork case``: read a commons' arbitration cases, rule on one as a member of its panel,
and appeal a verdict to all the members.

A case opens with the first weighted dispute of pending work (its id is the dispute's entry id),
or with a derivation recorded as needing review (its id is the derivation's: accept allows it,
reject refuses it).
Its panel is drawn from the journal; only its members rule (``case rule``), each with a reason,
and a majority decides. ``case appeal`` makes the one proposal with the effect ``arbitrate``
that may replace a panel's verdict (the charter's arbitration rule decides how it is voted on).
"""

from __future__ import annotations

import click

from commonwork.cli.commons import page_options, status_option
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_rows
from commonwork.cli.signing import sign_and_report
from commonwork.services import arbitration_read
from commonwork.services.arbitration_read import CASE_RULE, CaseRow, CaseVerdict
from commonwork.services.catalog import PROPOSAL_MAKE
from commonwork.services.models import JsonObject
from commonwork.services.models import as_json as json_of

VERDICTS = arbitration_read.CONTRIBUTION_VERDICTS


@click.group("case")
def case_group() -> None:
    """Read arbitration cases, rule on one as a member of its panel, or appeal a verdict."""


def _verdict_text(verdict: CaseVerdict | None, unit: str) -> str:
    if verdict is None:
        return "-"
    if verdict.verdict == "adjust":
        return f"adjust to {verdict.quantity} {unit}"
    return verdict.verdict


def _subject_text(row: CaseRow) -> str:
    """What the case is about, in a line."""
    if row.work is not None:
        work = row.work
        return f"{work.quantity} {work.unit}  {work.contributor_name}: {work.description}"
    derivation = row.derivation
    if derivation is None:
        return f"{row.subject_kind} {row.subject}"
    return (
        f"derivation ({derivation.kind}): {derivation.derived_title} "
        f"({derivation.derived_licence}) from {derivation.source_title} "
        f"({derivation.source_licence})"
    )


def _line(row: CaseRow) -> str:
    if row.status == "open":
        state = f"open until {row.due_at}" + (" (overdue)" if row.overdue else "")
    else:
        state = row.status
    unit = row.work.unit if row.work is not None else ""
    return (
        f"{row.case_id}  {state:<37}  {_verdict_text(row.verdict, unit):<16}  {_subject_text(row)}"
    )


@case_group.command("list")
@commons_argument
@status_option("cases", *arbitration_read.STATUSES)
@page_options
@json_option
@pass_state
def list_(
    state: CliState,
    commons_id: str,
    status: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List the arbitration cases of commons ID, newest first: status (with the panel's
    deadline while open), verdict, and the disputed work."""
    rows = arbitration_read.list_cases(
        state.node(), commons_id, status=status, limit=limit, offset=offset
    )
    emit_rows(rows, as_json, json_of, _line)


@case_group.command("show")
@commons_argument
@click.argument("case_id")
@json_option
@pass_state
def show(state: CliState, commons_id: str, case_id: str, as_json: bool) -> None:
    """Show case CASE_ID of commons ID: the work and its disputes, the panel, the current
    round's rulings, the verdict and whether it may still be appealed."""
    detail = arbitration_read.case_detail(state.node(), commons_id, case_id)
    if as_json:
        emit_json(json_of(detail))
        return
    case, work = detail.case, detail.case.work
    emit(f"case {case.case_id}  [{case.status}, round {case.round}]")
    if work is not None:
        author = work.contributor_name or work.contributor
        emit(f"work: {work.quantity} {work.unit} of {work.kind} by {author}")
        emit(f"  {work.description}")
    else:
        _show_derivation(commons_id, case)
    emit(f"  now: {detail.work_status}" + (" (provisional)" if detail.work_provisional else ""))
    for dispute in detail.disputes:
        emit(f"disputed by {dispute.validator_name or dispute.validator}: {dispute.reason}")
    panel = ", ".join(
        f"{seat.name or seat.member}{' (ruled)' if seat.ruled else ''}" for seat in case.panel
    )
    emit(f"panel: {panel or 'nobody may sit'}")
    if case.status == "open":
        emit(
            f"rules until {case.due_at}"
            + (" (overdue: redrawn at the next entry)" if case.overdue else "")
        )
    unit = work.unit if work is not None else ""
    for ruling in detail.rulings:
        verdict = _verdict_text(CaseVerdict(ruling.verdict, ruling.quantity), unit)
        emit(f"ruling by {ruling.name or ruling.member}: {verdict}: {ruling.reason}")
    if case.verdict is not None:
        by = "the panel" if case.decided_by == "panel" else f"appeal {case.decided_by}"
        emit(f"verdict: {_verdict_text(case.verdict, unit)} by {by} at {case.decided_at}")
    appealed = detail.appeal_proposal
    if appealed is not None:
        emit(f"appealed by proposal {appealed.proposal_id} ({appealed.status})")
    if detail.appealable:
        until = f" until {detail.appeal_until}" if detail.appeal_until else ""
        emit(f"may be appealed{until}: commonwork case appeal {commons_id} {case_id} …")


def _show_derivation(commons_id: str, case: CaseRow) -> None:
    derivation = case.derivation
    if derivation is None:
        emit(f"{case.subject_kind}: {case.subject}")
        return
    article = "an" if derivation.kind[0] in "aeiou" else "a"
    emit(
        f"derivation: {derivation.derived_title} ({derivation.derived_licence}) is {article} "
        f"{derivation.kind} of {derivation.source_title} ({derivation.source_licence})"
    )
    source = "this commons" if derivation.source_commons == commons_id else "another commons"
    recorder = case.opened_by_name or case.opened_by
    emit(f"  source of {source}, {derivation.evidence}; recorded by {recorder}")
    emit(f"  derived artifact: /commons/{commons_id}/artifacts/{derivation.derived}")
    for note in derivation.notes:
        emit(f"  note: {note}")


def _verdict_body(verdict: str, quantity: str | None) -> JsonObject:
    body: JsonObject = {"verdict": verdict}
    if quantity is not None:
        body["quantity"] = quantity
    return body


VERDICT_OPTION = click.option(
    "--verdict",
    type=click.Choice(VERDICTS),
    required=True,
    help="accept the work as claimed, reject it, or adjust (accept it at --quantity); for a "
    "derivation in review: accept (allow it) or reject (refuse it).",
)
QUANTITY_OPTION = click.option(
    "--quantity", help="With --verdict adjust: the quantity found right (e.g. 4, or 2500 cents)."
)


@case_group.command("rule")
@commons_argument
@click.argument("case_id")
@VERDICT_OPTION
@QUANTITY_OPTION
@click.option("--reason", required=True, help="Why: every member reads it.")
@as_option
@json_option
@pass_state
def rule(
    state: CliState,
    commons_id: str,
    case_id: str,
    verdict: str,
    quantity: str | None,
    reason: str,
    identity: str,
    as_json: bool,
) -> None:
    """As a member of its panel, rule on case CASE_ID of commons ID (a later ruling replaces
    yours); print the entry id. A majority of the panel decides."""
    body: JsonObject = {"case": case_id, **_verdict_body(verdict, quantity), "reason": reason}
    sign_and_report(state, identity, (commons_id, CASE_RULE, body), as_json, "ruling recorded")


@case_group.command("appeal")
@commons_argument
@click.argument("case_id")
@VERDICT_OPTION
@QUANTITY_OPTION
@click.option("--title", required=True, help="The appeal in a line (up to 200 chars).")
@click.option("--text", required=True, help="Why the members should decide it so.")
@as_option
@json_option
@pass_state
def appeal(
    state: CliState,
    commons_id: str,
    case_id: str,
    verdict: str,
    quantity: str | None,
    title: str,
    text: str,
    identity: str,
    as_json: bool,
) -> None:
    """Appeal case CASE_ID of commons ID to all the members (once, within the charter's
    appeal days; a case no panel can sit on at any time): a proposal with the effect
    'arbitrate', voted on under the charter's arbitration rule. Print its id."""
    effect: JsonObject = {"kind": "arbitrate", "case": case_id, **_verdict_body(verdict, quantity)}
    body: JsonObject = {"title": title, "text": text, "effect": effect}
    sign_and_report(state, identity, (commons_id, PROPOSAL_MAKE, body), as_json, "appealed")
