"""Acting in a commons: ``join``, ``leave``, ``validate``, and the lists they feed
(``commons members``, ``commons contributions``); ``contribute`` and ``correct`` are in
:mod:`commonwork.cli.contributions`.

Each command signs one action as a local identity (``--as``) and appends it through the generic
door the web node uses too (:mod:`commonwork.cli.signing`).
"""

from __future__ import annotations

import click

from commonwork.cli.commons import commons_group, page_options, status_option
from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.invitations import join_with_code
from commonwork.cli.output import emit_rows
from commonwork.cli.signing import report, sign_and_report
from commonwork.services import queries
from commonwork.services.catalog import JOIN, LEAVE, VALIDATE
from commonwork.services.models import as_json as json_of
from commonwork.services.read_models import ContributionRow, MemberRow

VERDICTS_DONE = {"approve": "approved", "dispute": "disputed", "adjust": "adjusted"}


@click.command("join")
@commons_argument
@click.option("--name", help="Your name in the commons (default: the identity's name).")
@click.option(
    "--code",
    help="An invitation code (or link) a member made on this node: the node signs their "
    "invite of your key, then your join (docs/invitations.md).",
)
@as_option
@json_option
@pass_state
def join(
    state: CliState,
    commons_id: str,
    name: str | None,
    code: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Join commons ID (no one needs to approve an open commons); print the entry id.

    An invitation-only commons needs a member's invitation: their invite of your key, or a code
    they made on this node (--code).
    """
    body = {"name": name or identity}
    if code is None:
        sign_and_report(state, identity, (commons_id, JOIN, body), as_json, "joined")
    else:
        joined = join_with_code(state, commons_id, code, identity, body["name"], as_json)
        report(state, joined, as_json, "joined")


@click.command("leave")
@commons_argument
@as_option
@json_option
@pass_state
def leave(state: CliState, commons_id: str, identity: str, as_json: bool) -> None:
    """Leave commons ID; your past contributions stay in its journal. Print the entry id."""
    sign_and_report(state, identity, (commons_id, LEAVE, {}), as_json, "left")


@click.command("validate")
@commons_argument
@click.argument("contribution_id")
@click.option("--approve", "verdict", flag_value="approve", help="Confirm the contribution.")
@click.option("--dispute", "verdict", flag_value="dispute", help="Dispute it (give a --reason).")
@click.option(
    "--adjust",
    "quantity",
    metavar="QUANTITY",
    help="Approve it at this quantity instead of the claimed one (give a --reason).",
)
@click.option("--reason", default="", help="Why; required with --dispute and --adjust.")
@as_option
@json_option
@pass_state
def validate(
    state: CliState,
    commons_id: str,
    contribution_id: str,
    verdict: str | None,
    quantity: str | None,
    reason: str,
    identity: str,
    as_json: bool,
) -> None:
    """Approve, dispute or adjust another member's contribution CONTRIBUTION_ID in commons ID."""
    if quantity is not None:
        if verdict is not None:
            raise click.UsageError("say one of --approve, --dispute and --adjust")
        verdict = "adjust"
    if verdict is None:
        raise click.UsageError("say --approve, --dispute or --adjust QUANTITY")
    body = {"contribution": contribution_id, "verdict": verdict, "reason": reason}
    judged = {**body, "quantity": quantity} if quantity is not None else body
    done = f"{VERDICTS_DONE.get(verdict, verdict)} contribution {contribution_id}"
    sign_and_report(state, identity, (commons_id, VALIDATE, judged), as_json, done)


@commons_group.command("members")
@commons_argument
@click.option("--active", is_flag=True, help="Only members who have not left.")
@page_options
@json_option
@pass_state
def members(
    state: CliState, commons_id: str, active: bool, limit: int, offset: int, as_json: bool
) -> None:
    """List the members of commons ID in the order they joined: did, status, role, name."""
    rows = queries.list_members(
        state.node(), commons_id, limit=limit, offset=offset, active_only=active
    )
    emit_rows(rows, as_json, lambda row: {"id": row.member, **json_of(row)}, _member_line)


def _member_line(row: MemberRow) -> str:
    return f"{row.member}  {row.status:<6}  {row.role:<7}  {row.name}"


@commons_group.command("contributions")
@commons_argument
@status_option("contributions", "pending", "accepted", "disputed", "rejected")
@page_options
@json_option
@pass_state
def contributions(
    state: CliState,
    commons_id: str,
    status: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List the contributions to commons ID, newest first, with their validation state."""
    rows = queries.list_contributions(
        state.node(), commons_id, limit=limit, offset=offset, status=status
    )
    emit_rows(rows, as_json, lambda row: {"id": row.contribution_id, **json_of(row)}, _line)


def _line(row: ContributionRow) -> str:
    return (
        f"{row.contribution_id}  {_status_text(row):<22}  {_quantity_text(row)}  "
        f"{row.contributor_name}: {row.description}"
    )


def _status_text(row: ContributionRow) -> str:
    """The status as of now; 'accepted (provisional)' until the day that changed it is settled,
    'held' for work a weighted dispute holds for arbitration."""
    shown = "held" if row.status == "disputed" else row.status
    return f"{shown} (provisional)" if row.provisional else shown


def _quantity_text(row: ContributionRow) -> str:
    """The quantity claimed, and the one accepted when validators adjusted it."""
    claimed = f"{row.quantity} {row.unit}"
    accepted = row.accepted_quantity
    return claimed if accepted is None else f"{claimed}, accepted at {accepted} {row.unit}"
