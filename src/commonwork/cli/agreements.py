"""``commonwork agreements``: benefit-sharing agreements — what an organisation built on the
commons pledges to give back, and where each stands.

An organisation that declared itself (``commonwork org declare``) signs an agreement by its own
key or a representative (``--as``): a share of its revenue (``--basis revenue_share --share
2.5``, per cent), a fixed amount per period (``--basis fixed --amount 50``) or an amount per
unit sold (``--basis per_unit --amount 1.25 --unit packet``), per month, quarter or year. Each
period, once ended, it reports (``report``), in order; what the report makes owed goes to its
receivable, and the treasurer's receipts under the agreement (``commonwork books income
--agreement``) settle it. ``list`` and ``show`` read owed, paid and arrears, and the next report
expected with the day it is due from.
"""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_page
from commonwork.cli.signing import sign_and_report
from commonwork.services import agreements_read, books_acting
from commonwork.services.agreements_read import Agreement
from commonwork.services.models import as_json as json_of


@click.group("agreements")
def agreements_group() -> None:
    """Sign, report and end benefit-sharing agreements; read what is owed, paid and due."""


def _line(item: Agreement) -> str:
    name = item.org_name or item.org
    upcoming = "nothing more to report"
    if item.next_period is not None:
        state = "due since" if item.due else "due from"
        upcoming = f"next {item.next_period}, {state} {item.due_from}"
    return (
        f"{item.agreement_id}  {name}: {item.terms}  [{item.status}]  owed {item.owed.amount}, "
        f"paid {item.paid.amount}, in arrears {item.arrears.amount} {item.currency}; {upcoming}"
    )


@agreements_group.command("list")
@commons_argument
@click.option("--org", help="Only this organisation's (its did).")
@click.option("--after", help="The next page: the cursor printed after the last page.")
@click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Rows to show."
)
@json_option
@pass_state
def list_(
    state: CliState,
    commons_id: str,
    org: str | None,
    after: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List the benefit-sharing agreements of commons ID by organisation: owed, paid, in
    arrears, and the next report expected. With --json, the page."""
    page = agreements_read.list_agreements(
        state.node(), commons_id, org=org, after=after, limit=limit
    )
    emit_page(page, as_json, json_of, _line)


@agreements_group.command("show")
@commons_argument
@click.argument("agreement")
@click.option("--before", help="Only the periods before this one (the next page).")
@json_option
@pass_state
def show(
    state: CliState, commons_id: str, agreement: str, before: str | None, as_json: bool
) -> None:
    """Show benefit-sharing AGREEMENT of commons ID with its reports, newest period first."""
    detail = agreements_read.agreement_detail(state.node(), commons_id, agreement, before=before)
    if as_json:
        emit_json(json_of(detail))
        return
    emit(_line(detail.agreement))
    for report in detail.reports:
        what = (
            f"revenue {report.revenue.amount}"
            if report.revenue is not None
            else f"{report.units} units"
            if report.units is not None
            else "fixed"
        )
        emit(f"  {report.period}: {what}, owed {report.owed.amount} {report.owed.currency}")


@agreements_group.command("sign")
@commons_argument
@click.option("--org", required=True, help="The organisation's did (declared in the commons).")
@click.option("--basis", type=click.Choice(books_acting.BASES), required=True)
@click.option("--share", help="revenue_share: the share of revenue, per cent (2.5).")
@click.option("--amount", help="fixed: per period; per_unit: per unit (as people write it).")
@click.option("--unit", help="per_unit: what is counted (packet, licence…).")
@click.option("--currency", required=True, help="An ISO 4217 code, or a community currency's.")
@click.option("--period", type=click.Choice(books_acting.PERIODS), required=True)
@click.option("--starts", required=True, help="The first period: 2031-04, 2031-Q2 or 2031.")
@click.option("--memo", default="", help="A note.")
@as_option
@json_option
@pass_state
def sign(
    state: CliState,
    commons_id: str,
    org: str,
    basis: str,
    share: str | None,
    amount: str | None,
    unit: str | None,
    currency: str,
    period: str,
    starts: str,
    memo: str,
    identity: str,
    as_json: bool,
) -> None:
    """For organisation --org, sign a benefit-sharing agreement in commons ID (as its key or a
    representative); print the agreement's id (the entry id)."""
    body = books_acting.agreement_body(
        state.node(), commons_id, org=org, basis=basis, currency=currency, period=period,
        starts=starts, share=share, amount=amount, unit=unit, memo=memo,
    )  # fmt: skip
    action = (commons_id, books_acting.AGREEMENT_SIGN, body)
    sign_and_report(state, identity, action, as_json, "agreement signed")


@agreements_group.command("report")
@commons_argument
@click.argument("agreement")
@click.option("--period", required=True, help="The ended period reported: 2031-04, 2031-Q2…")
@click.option("--revenue", help="revenue_share: the period's revenue, as people write it.")
@click.option("--units", type=click.IntRange(min=0), help="per_unit: the units sold.")
@click.option("--memo", default="", help="A note for the books.")
@as_option
@json_option
@pass_state
def report(
    state: CliState,
    commons_id: str,
    agreement: str,
    period: str,
    revenue: str | None,
    units: int | None,
    memo: str,
    identity: str,
    as_json: bool,
) -> None:
    """Report an ended period of AGREEMENT in commons ID (periods in order; a fixed agreement
    reports no figure): what it makes owed goes to the organisation's receivable."""
    node = state.node()
    held = agreements_read.agreement_detail(node, commons_id, agreement, limit=1).agreement
    body = books_acting.report_body(
        node, commons_id, agreement=agreement, currency=held.currency, period=period,
        revenue=revenue, units=units, memo=memo,
    )  # fmt: skip
    action = (commons_id, books_acting.AGREEMENT_REPORT, body)
    sign_and_report(state, identity, action, as_json, f"{period} reported")


@agreements_group.command("end")
@commons_argument
@click.argument("agreement")
@click.option("--last", required=True, help="The last period it covers (not reported yet).")
@click.option("--memo", default="", help="A note.")
@as_option
@json_option
@pass_state
def end(
    state: CliState,
    commons_id: str,
    agreement: str,
    last: str,
    memo: str,
    identity: str,
    as_json: bool,
) -> None:
    """End AGREEMENT of commons ID after period --last: the periods up to it stay to report
    and owed."""
    body = {"agreement": agreement, "last": last, "memo": memo}
    action = (commons_id, books_acting.AGREEMENT_END, body)
    sign_and_report(state, identity, action, as_json, f"agreement ends with {last}")
