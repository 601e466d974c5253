"""``commonwork proposal``: propose, take a stance, list and read a commons' proposals.

The other proposal actions (amend, withdraw, escalate, close) are ``commonwork act
governance.proposal.… COMMONS_ID --body …``, like every action type.
"""

from __future__ import annotations

import click
import orjson

from commonwork.cli.commons import page_options, status_option
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_rows
from commonwork.cli.signing import sign_and_report
from commonwork.errors import BadInput
from commonwork.services import governance_read
from commonwork.services.catalog import DECISION_METHODS, PROPOSAL_MAKE, STANCE_TAKE
from commonwork.services.governance_read import ProposalRow
from commonwork.services.models import JsonObject, JsonValue
from commonwork.services.models import as_json as json_of


@click.group("proposal")
def proposal_group() -> None:
    """Propose decisions, take stances, and read proposals and their outcomes."""


def _json(text: str | None, what: str) -> JsonValue:
    if text is None:
        return None
    try:
        value: JsonValue = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadInput(f'{what} must be JSON, e.g. {{"purpose": "…"}}') from exc
    return value


@proposal_group.command("make")
@commons_argument
@click.option("--title", required=True, help="The proposal in a line (up to 200 chars).")
@click.option("--text", required=True, help="What you propose, and why.")
@click.option("--method", type=click.Choice(DECISION_METHODS), default="consent", show_default=True)
@click.option("--option", "options", multiple=True, help="An option 'id: label' (repeatable).")
@click.option("--params", help='The method\'s parameters as JSON, e.g. \'{"quorum": "1/3"}\'.')
@click.option("--amend-charter", "changes", help="Charter fields to set, as JSON.")
@click.option(
    "--effect",
    help='Any other effect, as JSON: e.g. \'{"kind": "change_host", "host": "did:key:…"}\', '
    '\'{"kind": "grant_role", "member": "did:key:…", "role": "arbiter"}\' (docs/governance.md).',
)
@click.option("--discussion-hours", type=click.IntRange(0, 24 * 365))
@click.option("--voting-hours", type=click.IntRange(1, 24 * 365))
@as_option
@json_option
@pass_state
def make(
    state: CliState,
    commons_id: str,
    title: str,
    text: str,
    method: str,
    options: tuple[str, ...],
    params: str | None,
    changes: str | None,
    effect: str | None,
    discussion_hours: int | None,
    voting_hours: int | None,
    identity: str,
    as_json: bool,
) -> None:
    """Propose a decision to commons ID; print its id (the entry id). A charter amendment is
    decided by the charter's meta-rule (by default consent over 7 days)."""
    body: JsonObject = {"title": title, "text": text, "method": method}
    if options:
        body["options"] = [_option(option) for option in options]
    parsed = _json(params, "--params")
    if parsed is not None:
        body["params"] = parsed
    if changes is not None and effect is not None:
        raise click.UsageError("give --amend-charter or --effect, not both")
    if changes is not None:
        body["effect"] = {"kind": "amend_charter", "changes": _json(changes, "--amend-charter")}
    if effect is not None:
        body["effect"] = _json(effect, "--effect")
    if discussion_hours is not None:
        body["discussion_hours"] = discussion_hours
    if voting_hours is not None:
        body["voting_hours"] = voting_hours
    sign_and_report(state, identity, (commons_id, PROPOSAL_MAKE, body), as_json, "proposed")


def _option(text: str) -> JsonValue:
    ident, _, label = text.partition(":")
    if not label.strip():
        raise BadInput(f"an option is 'id: label', not {text!r}")
    return {"id": ident.strip(), "label": label.strip()}


@proposal_group.command("stance")
@commons_argument
@click.argument("proposal_id")
@click.option("--version", type=click.IntRange(1), required=True, help="The version you read.")
@click.option(
    "--ballot",
    required=True,
    help='What the method reads, as JSON: \'"for"\', \'["b", "a"]\', \'{"a": 3}\' or '
    '\'{"position": "object"}\'.',
)
@click.option("--reason", default="", help="Why (required for a concern or an objection).")
@as_option
@json_option
@pass_state
def stance(
    state: CliState,
    commons_id: str,
    proposal_id: str,
    version: int,
    ballot: str,
    reason: str,
    identity: str,
    as_json: bool,
) -> None:
    """Take a stance on proposal PROPOSAL_ID of commons ID (a later one replaces it)."""
    body: JsonObject = {
        "proposal": proposal_id,
        "version": version,
        "ballot": _json(ballot, "--ballot"),
        "reason": reason,
    }
    sign_and_report(state, identity, (commons_id, STANCE_TAKE, body), as_json, "stance recorded")


def _line(row: ProposalRow) -> str:
    return f"{row.proposal_id}  {row.phase:<10}  {row.method:<14}  {row.stances:>5}  {row.title}"


@proposal_group.command("list")
@commons_argument
@status_option("proposals", *governance_read.STATUSES)
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
    """List the proposals of commons ID, newest first, with their phase as of now."""
    rows = governance_read.list_proposals(
        state.node(), commons_id, status=status, limit=limit, offset=offset
    )
    emit_rows(rows, as_json, json_of, _line)


@proposal_group.command("show")
@commons_argument
@click.argument("proposal_id")
@json_option
@pass_state
def show(state: CliState, commons_id: str, proposal_id: str, as_json: bool) -> None:
    """Show proposal PROPOSAL_ID of commons ID: its text, stances and outcome."""
    detail = governance_read.proposal_detail(state.node(), commons_id, proposal_id)
    if as_json:
        emit_json(json_of(detail))
        return
    row = detail.proposal
    emit(f"{row.title}  [{row.phase}, version {row.version}, {row.method}]")
    emit(detail.text)
    emit(f"voting {row.opens_at} to {row.closes_at}; {row.stances} stance(s)")
    outcome = detail.outcome or detail.provisional
    if outcome is not None:
        recorded = "outcome" if detail.outcome is not None else "outcome so far"
        emit(f"{recorded}: {outcome.get('status')}")
