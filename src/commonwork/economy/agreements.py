"""Benefit-sharing agreements: what a business built on the commons pledges to give back.

An organisation that declared itself (commonwork.economy.organisations) signs an agreement,
by its key or a representative: a share of its revenue (in basis points), a fixed amount per
period, or an amount per unit sold — per month, quarter or year, from a first day. Each period,
once it has ended, it reports (its revenue, or the units; a fixed agreement reports the period
too), in order and without gaps: the fold works out what the report makes owed (a share rounds
down to the minor unit) and posts it to the organisation's receivable. The treasurer records
the payments as income naming the agreement, which settles the receivable. What is owed, paid
and in arrears (owed and not paid) are fold figures, public on the agreement; the next period
whose report is expected is too, so a reminder can say since when it is due.

Postings: a report moves ``outside → receivable:<org>`` (what the world owes us, accrued); a
payment ``receivable:<org> → treasury``. An organisation that pays ahead has a negative
receivable: a credit against its next reports.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commonwork.commons.charter_economy import CurrencyCode
from commonwork.economy.books import Amount, Line, Memo, check_lines, exponent_of, post_entry
from commonwork.economy.currencies import MAX_MINOR
from commonwork.economy.organisations import Did, EntryId, check_acts_for
from commonwork.economy.tables import agreement_reports, agreements
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State

Period = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}|-Q[1-4])?$")]


class SignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: Did
    basis: Literal["revenue_share", "fixed", "per_unit"]
    #: revenue_share: the share in basis points (500 = 5%).
    share_bp: int | None = Field(default=None, ge=1, le=10_000)
    #: fixed: the amount per period; per_unit: the amount per unit.
    amount_minor: Amount | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    currency: CurrencyCode
    period: Literal["month", "quarter", "year"]
    #: The first period: a month "2031-04", a quarter "2031-Q2" or a year "2031".
    starts: Period
    memo: Memo = ""

    @model_validator(mode="after")
    def _terms(self) -> SignBody:
        if (self.basis == "revenue_share") != (self.share_bp is not None):
            raise ValueError("a revenue share names share_bp (and only it does)")
        if (self.basis == "revenue_share") == (self.amount_minor is not None):
            raise ValueError("a fixed or per-unit agreement names amount_minor (and only they do)")
        if (self.basis == "per_unit") != (self.unit is not None):
            raise ValueError("a per-unit agreement names its unit (and only it does)")
        period_end(self.starts, self.period)  # the shape fits the period
        return self


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreement: EntryId
    period: Period
    #: revenue_share: the period's revenue in minor units; per_unit: the units sold.
    revenue_minor: int | None = Field(default=None, ge=0, le=MAX_MINOR)
    units: int | None = Field(default=None, ge=0, le=10**12)
    memo: Memo = ""


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreement: EntryId
    #: The last period it covers (reports are owed up to it).
    last: Period
    memo: Memo = ""


def period_end(period: str, kind: str) -> str:
    """The first day after ``period`` (its exclusive end); InvalidAction when it does not name
    a ``kind`` period."""
    shapes = {"month": 7, "quarter": 7, "year": 4}
    quarter = "-Q" in period
    if len(period) != shapes[kind] or (kind == "quarter") != quarter:
        example = {"month": "2031-04", "quarter": "2031-Q2", "year": "2031"}[kind]
        raise InvalidAction(f"a {kind} is written like {example}, not {period!r}")
    year = int(period[:4])
    if kind == "year":
        return f"{year + 1}-01-01"
    month = (int(period[6]) - 1) * 3 + 1 if quarter else int(period[5:7])
    if not 1 <= month <= 12:
        raise InvalidAction(f"{period} names no month")
    months = 3 if quarter else 1
    following = month + months
    return date(year + (following - 1) // 12, (following - 1) % 12 + 1, 1).isoformat()


def period_start(period: str) -> str:
    """The first day of a period written like "2031-04", "2031-Q2" or "2031"."""
    if "-Q" in period:
        return f"{period[:4]}-{(int(period[6]) - 1) * 3 + 1:02d}-01"
    return f"{period}-01" if len(period) == 7 else f"{period}-01-01"


def share_text(share_bp: int) -> str:
    """A share in basis points as a percentage, exactly: 100 → "1", 250 → "2.5", 1000 → "10"."""
    return f"{Decimal(share_bp).scaleb(-2).normalize():f}"


def next_period(period: str, kind: str) -> str:
    end = period_end(period, kind)
    if kind == "year":
        return end[:4]
    if kind == "quarter":
        return f"{end[:4]}-Q{(int(end[5:7]) - 1) // 3 + 1}"
    return end[:7]


def agreement_row(state: State, commons_id: str, agreement: str) -> Row:
    row = state.get(agreements, (commons_id, agreement))
    if row is None:
        raise NotFound(f"there is no benefit-sharing agreement {agreement} in this commons")
    return row


def check_sign(state: State, ctx: Context) -> None:
    body: SignBody = ctx.body
    check_acts_for(state, ctx, body.org)
    exponent_of(state, ctx.commons_id, body.currency)


def apply_sign(state: State, ctx: Context) -> None:
    body: SignBody = ctx.body
    state.insert(
        agreements,
        {
            "commons_id": ctx.commons_id,
            "agreement_id": ctx.entry.id,
            "org": body.org,
            "basis": body.basis,
            "share_bp": body.share_bp,
            "amount_minor": body.amount_minor,
            "unit": body.unit,
            "currency": body.currency,
            "period": body.period,
            "starts": body.starts,
            "last": None,
            "next_period": body.starts,
            "status": "active",
            "owed_minor": 0,
            "paid_minor": 0,
            "reports": 0,
            "signed_by": ctx.author,
            "signed_at": ctx.entry.recorded_at,
            "memo": body.memo,
        },
    )


def owed_for(row: Row, body: ReportBody) -> int:
    """What a period's report makes owed, in minor units (a share rounds down)."""
    basis = row["basis"]
    if basis == "revenue_share":
        if body.revenue_minor is None or body.units is not None:
            raise InvalidAction("a revenue-share report gives the period's revenue_minor")
        return body.revenue_minor * int(row["share_bp"]) // 10_000
    if basis == "per_unit":
        if body.units is None or body.revenue_minor is not None:
            raise InvalidAction(f"a per-unit report gives the units ({row['unit']}) sold")
        return body.units * int(row["amount_minor"])
    if body.units is not None or body.revenue_minor is not None:
        raise InvalidAction("a fixed agreement's report gives no figures: the amount is set")
    return int(row["amount_minor"])


def check_report(state: State, ctx: Context) -> None:
    body: ReportBody = ctx.body
    row = agreement_row(state, ctx.commons_id, body.agreement)
    check_acts_for(state, ctx, row["org"])
    if row["status"] != "active":
        raise AlreadyDone("this agreement has ended: every period it covers is reported")
    if body.period != row["next_period"]:
        raise NotAllowed(
            f"periods are reported in order: the next one is {row['next_period']}",
            reason="out_of_order",
            expected=row["next_period"],
        )
    end = period_end(body.period, row["period"])
    if ctx.entry.recorded_at[:10] < end:
        raise NotAllowed(
            f"{body.period} has not ended yet: report it from {end}", reason="period_not_ended"
        )
    owed = owed_for(row, body)
    if owed:
        check_lines(state, ctx.commons_id, _accrual(row, owed))


def _accrual(row: Row, owed: int) -> list[Line]:
    return [
        Line("outside", row["currency"], -owed),
        Line(f"receivable:{row['org']}", row["currency"], owed),
    ]


def apply_report(state: State, ctx: Context) -> None:
    body: ReportBody = ctx.body
    row = dict(agreement_row(state, ctx.commons_id, body.agreement))
    owed = owed_for(row, body)
    state.insert(
        agreement_reports,
        {
            "commons_id": ctx.commons_id,
            "agreement_id": body.agreement,
            "period": body.period,
            "revenue_minor": body.revenue_minor,
            "units": body.units,
            "owed_minor": owed,
            "reported_by": ctx.author,
            "entry": ctx.entry.id,
            "recorded_at": ctx.entry.recorded_at,
        },
    )
    if owed:
        post_entry(
            state,
            ctx,
            kind="accrual",
            memo=body.memo or f"benefit sharing owed for {body.period}",
            lines=_accrual(row, owed),
            why={"agreement": body.agreement, "period": body.period},
        )
    row["owed_minor"] = int(row["owed_minor"]) + owed
    row["reports"] = int(row["reports"]) + 1
    if row["last"] is not None and body.period == row["last"]:
        row["status"] = "ended"
    row["next_period"] = next_period(body.period, row["period"])
    state.put(agreements, row)


def check_end(state: State, ctx: Context) -> None:
    body: EndBody = ctx.body
    row = agreement_row(state, ctx.commons_id, body.agreement)
    check_acts_for(state, ctx, row["org"])
    if row["status"] != "active" or row["last"] is not None:
        raise AlreadyDone("this agreement's end is set already", reason="ended")
    period_end(body.last, row["period"])
    # Periods of one kind order as text: 2031-04 < 2031-05, 2031-Q1 < 2031-Q2, 2031 < 2032.
    if body.last < row["next_period"]:
        raise NotAllowed(
            f"an agreement ends with a period not reported yet ({row['next_period']} or later; "
            "to stop at once, end it with that one and report it): what was reported stays owed",
            reason="reported_already",
        )


def apply_end(state: State, ctx: Context) -> None:
    body: EndBody = ctx.body
    row = agreement_row(state, ctx.commons_id, body.agreement)
    state.put(agreements, {**row, "last": body.last})


def _reads(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [(agreements, (commons_id, body.agreement))]


ACTIONS = (
    ActionSpec(
        type="economy.agreement.sign",
        summary="For an organisation, pledge benefit sharing: a share of revenue, a fixed amount "
        "per period, or an amount per unit, per month, quarter or year",
        body=SignBody,
        check=check_sign,
        apply=apply_sign,
    ),
    ActionSpec(
        type="economy.agreement.report",
        summary="For an organisation, report an ended period of a benefit-sharing agreement "
        "(its revenue or units): what it makes owed is posted to the organisation's receivable",
        body=ReportBody,
        check=check_report,
        apply=apply_report,
        reads=_reads,
    ),
    ActionSpec(
        type="economy.agreement.end",
        summary="For an organisation, end a benefit-sharing agreement after a period not yet "
        "reported (the periods up to it stay owed)",
        body=EndBody,
        check=check_end,
        apply=apply_end,
        reads=_reads,
    ),
)
