"""``commonwork bounties``: read a commons' bounty board and, as its treasurer, offer a bounty.

A bounty is money escrowed for a task (``treasury → escrow:<task>``): the treasurer offers one
within the charter's monthly bounty budget (``economy.bounty_budget``); beyond it the members
decide one (a proposal with the effect ``{"kind": "bounty", …}``). The day's settlement pays it
to the task's accepted work once the work's dispute window has passed, split by value points,
or gives it back to the treasury at its expiry. Amounts are written as people write them
(``12.50``); without ``--key``, the idempotency key is made from the arguments.
"""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_page
from commonwork.cli.signing import sign_and_report
from commonwork.services import books_acting, bounties_read
from commonwork.services.bounties_read import Bounty
from commonwork.services.models import as_json as json_of


@click.group("bounties")
def bounties_group() -> None:
    """Read the bounty board; as the treasurer, offer a bounty for an open task."""


def _line(bounty: Bounty) -> str:
    when = f"expires {bounty.expires_on}" if bounty.status == "open" else bounty.status
    due = f", paid on {bounty.due_on}" if bounty.status == "open" and bounty.due_on else ""
    title = bounty.task_title or bounty.task
    return (
        f"{bounty.task}  {bounty.amount.amount} {bounty.amount.currency}  [{bounty.status}]  "
        f"{when}{due}  {title}"
    )


@bounties_group.command("list")
@commons_argument
@click.option("--status", type=click.Choice(bounties_read.STATUSES), help="Only these.")
@click.option("--after", help="The next page: the cursor printed after the last page.")
@click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Rows to show."
)
@json_option
@pass_state
def list_(
    state: CliState,
    commons_id: str,
    status: str | None,
    after: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List the bounties of commons ID: open ones first (newest offer first), then those paid
    or refunded. With --json, the page (its items, how many are open, the next cursor)."""
    page = bounties_read.list_bounties(
        state.node(), commons_id, status=status, after=after, limit=limit
    )
    emit_page(page, as_json, json_of, _line)


@bounties_group.command("show")
@commons_argument
@click.argument("task")
@json_option
@pass_state
def show(state: CliState, commons_id: str, task: str, as_json: bool) -> None:
    """Show the bounty of TASK in commons ID: its amount, expiry, the work noted for it and
    the transactions that escrowed and paid or refunded it."""
    bounty = bounties_read.bounty_detail(state.node(), commons_id, task)
    if as_json:
        emit_json(json_of(bounty))
        return
    emit(_line(bounty))
    emit(f"  escrowed {bounty.offered_at} by {bounty.offered_by_name or bounty.offered_by}: "
         f"{bounty.offer_txn}")  # fmt: skip
    if bounty.close_txn:
        emit(f"  {bounty.status} {bounty.closed_at}: {bounty.close_txn}")
    for work in bounty.work:
        emit(f"  work {work.contribution_id} by {work.contributor_name or work.contributor}, "
             f"accepted {work.accepted_on} ({work.status})")  # fmt: skip
    for share in bounty.shares:
        emit(f"  paid {share.amount.amount} {share.amount.currency} to "
             f"{share.name or share.recipient}")  # fmt: skip


@bounties_group.command("offer")
@commons_argument
@click.argument("task")
@click.option("--amount", required=True, help="As people write it: 50, 12.50.")
@click.option("--currency", required=True, help="An ISO 4217 code, or a community currency's.")
@click.option("--expires", "expires_on", required=True, help="The day it expires: 2031-06-30.")
@click.option("--memo", default="", help="A note for the books.")
@click.option(
    "--key", help="The idempotency key (default: made from the arguments, so a retry is harmless)."
)
@as_option
@json_option
@pass_state
def offer(
    state: CliState,
    commons_id: str,
    task: str,
    amount: str,
    currency: str,
    expires_on: str,
    memo: str,
    key: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """As the treasurer, escrow a bounty for open TASK of commons ID (treasury → escrow),
    within the charter's monthly bounty budget; print the transaction's id (the entry id)."""
    body = books_acting.bounty_body(
        state.node(), commons_id, task=task, amount=amount, currency=currency,
        expires_on=expires_on, key=key, memo=memo,
    )  # fmt: skip
    action = (commons_id, books_acting.BOUNTY_OFFER, body)
    sign_and_report(state, identity, action, as_json, "bounty escrowed")
