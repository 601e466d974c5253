"""``commonwork credit``: mutual credit in a community currency — join a circle, pay and bill
its members, answer a bill, leave, and read a circle.

A community currency becomes a circle by the members' decision (a proposal with the effect
``{"kind": "credit_policy", "currency": …, "limit_minor": …}``); then each member joins it. A
payment is signed by the payer, a bill by the payee and accepted (paid) or declined by the
payer; every payment stays within the payer's limit in force at that moment, and the circle
always sums to zero. A member leaves with a zero balance only. Amounts are written as people
write them, by the currency's decided exponent.
"""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.cli.signing import sign_and_report
from commonwork.services import books_acting, credit_read
from commonwork.services.models import as_json as json_of

CURRENCY = click.argument("currency")


@click.group("credit")
def credit_group() -> None:
    """Join a mutual-credit circle, pay and bill its members, answer bills; read a circle."""


@credit_group.command("join")
@commons_argument
@CURRENCY
@as_option
@json_option
@pass_state
def join(state: CliState, commons_id: str, currency: str, identity: str, as_json: bool) -> None:
    """Join the CURRENCY circle of commons ID."""
    action = (commons_id, books_acting.CREDIT_JOIN, {"currency": currency})
    sign_and_report(state, identity, action, as_json, f"joined the {currency} circle")


@credit_group.command("leave")
@commons_argument
@CURRENCY
@as_option
@json_option
@pass_state
def leave(state: CliState, commons_id: str, currency: str, identity: str, as_json: bool) -> None:
    """Leave the CURRENCY circle of commons ID (with a zero balance)."""
    action = (commons_id, books_acting.CREDIT_LEAVE, {"currency": currency})
    sign_and_report(state, identity, action, as_json, f"left the {currency} circle")


@credit_group.command("pay")
@commons_argument
@click.option("--to", "payee", required=True, help="The member paid (a did).")
@click.option("--amount", required=True, help="As people write it: 2.5.")
@click.option("--currency", required=True, help="The circle's community currency.")
@click.option("--memo", default="", help="What for.")
@click.option(
    "--key", help="The idempotency key (default: made from the arguments, so a retry is harmless)."
)
@as_option
@json_option
@pass_state
def pay(
    state: CliState,
    commons_id: str,
    payee: str,
    amount: str,
    currency: str,
    memo: str,
    key: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Pay a member of a circle of commons ID, within your limit; print the entry id."""
    body = books_acting.credit_pay_body(
        state.node(), commons_id, to=payee, amount=amount, currency=currency, key=key, memo=memo
    )
    action = (commons_id, books_acting.CREDIT_PAY, body)
    sign_and_report(state, identity, action, as_json, "paid")


@credit_group.command("bill")
@commons_argument
@click.option("--payer", required=True, help="The member billed (a did).")
@click.option("--amount", required=True, help="As people write it: 2.5.")
@click.option("--currency", required=True, help="The circle's community currency.")
@click.option("--memo", default="", help="What for.")
@as_option
@json_option
@pass_state
def bill(
    state: CliState,
    commons_id: str,
    payer: str,
    amount: str,
    currency: str,
    memo: str,
    identity: str,
    as_json: bool,
) -> None:
    """Bill a member of a circle of commons ID: they accept (and pay) or decline it; print
    the bill's id (the entry id)."""
    body = books_acting.credit_bill_body(
        state.node(), commons_id, payer=payer, amount=amount, currency=currency, memo=memo
    )
    sign_and_report(
        state, identity, (commons_id, books_acting.CREDIT_BILL, body), as_json, "billed"
    )


def _answer(verb: str, answer: str, done: str) -> click.Command:
    def command(state: CliState, commons_id: str, bill: str, identity: str, as_json: bool) -> None:
        action = (commons_id, books_acting.CREDIT_ANSWER, {"bill": bill, "answer": answer})
        sign_and_report(state, identity, action, as_json, done)

    made = as_option(json_option(pass_state(command)))
    made = commons_argument(click.argument("bill")(made))
    helps = {
        "accept": "Accept BILL sent to you in commons ID: it is paid now, within your limit.",
        "decline": "Decline BILL sent to you in commons ID: nothing is paid.",
    }
    return click.command(verb, help=helps[verb])(made)


credit_group.add_command(_answer("accept", "accept", "bill accepted and paid"))
credit_group.add_command(_answer("decline", "decline", "bill declined"))


@credit_group.command("show")
@commons_argument
@CURRENCY
@click.option("--after", help="Members after this did (the next page).")
@click.option(
    "--limit", type=click.IntRange(1, 500), default=100, show_default=True, help="Members."
)
@json_option
@pass_state
def show(
    state: CliState,
    commons_id: str,
    currency: str,
    after: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Show the CURRENCY circle of commons ID: its policy, its members with their balances and
    limits now, and its sum (zero)."""
    found = credit_read.circle(state.node(), commons_id, currency, after=after, limit=limit)
    if as_json:
        emit_json(json_of(found))
        return
    policy = found.policy
    cap = "no cap" if policy.max_balance is None else f"cap {policy.max_balance.amount}"
    emit(f"{found.name} ({currency}): limit {policy.limit.amount} + {policy.per_point.amount} "
         f"per point of standing, {cap}; sum {found.total.amount}")  # fmt: skip
    for member in found.members:
        emit(f"  {member.name or member.member}  [{member.status}]  balance "
             f"{member.balance.amount}, limit -{member.limit.amount}, may pay "
             f"{member.available.amount}")  # fmt: skip
    if found.next_after is not None:
        note(f"more: --after {found.next_after}")
