"""Benefit-sharing agreements as anyone may read them: what each organisation pledged, what its
reports made owed, what it paid, what it is in arrears, and the next period whose report is
expected — with the day from which it is due (the first day after that period).

Every figure is the fold's (commonwork.economy.agreements): ``owed`` by the reports, ``paid`` by
the treasurer's receipts naming the agreement, ``arrears`` = owed - paid (below zero when the
organisation paid ahead). Whether the next report is due *now* is the reader's clock's day
against that period's end (nothing recorded). Reads are by index, a page at a time: the
agreements of a commons by ``ix_agreements_org`` (by organisation, then agreement), one
agreement's reports by their primary key, newest period first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.economy.agreements import period_end, share_text
from commonwork.economy.tables import agreement_reports, agreements
from commonwork.errors import BadInput, NotFound
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.services.books_models import Money, exponents, money, names_of, page_limit
from commonwork.services.books_read import account_balances
from commonwork.services.journals import require_head

PERIOD_WORDS = {"month": "a month", "quarter": "a quarter", "year": "a year"}


@dataclass(frozen=True)
class Agreement:
    """An organisation's pledge and where it stands. ``terms``: the pledge in words;
    ``next_period``: the period whose report is expected next (null once every period it
    covers is reported), due from ``due_from`` (the first day after it); ``due``: that day has
    come by the reader's clock."""

    agreement_id: str
    org: str
    org_name: str
    basis: str  # revenue_share | fixed | per_unit
    terms: str
    share_bp: int | None
    amount: Money | None  # fixed: per period; per_unit: per unit
    unit: str | None
    currency: str
    period: str  # month | quarter | year
    starts: str
    last: str | None  # the last period, once its end is set
    status: str  # active | ended
    owed: Money
    paid: Money
    arrears: Money
    reports: int
    next_period: str | None
    due_from: str | None
    due: bool
    signed_by: str
    signed_by_name: str
    signed_at: str
    memo: str


@dataclass(frozen=True)
class AgreementPage:
    """Agreements by organisation; ``next_after``: ask again with ``after`` set to it."""

    items: tuple[Agreement, ...]
    limit: int
    next_after: str | None


@dataclass(frozen=True)
class AgreementReport:
    """A period reported, and what it made owed (a share rounds down to the minor unit)."""

    period: str
    revenue: Money | None  # a revenue share's report
    units: int | None  # a per-unit report
    owed: Money
    reported_by: str
    reported_by_name: str
    entry: str
    recorded_at: str


@dataclass(frozen=True)
class AgreementDetail:
    """One agreement with its reports, newest period first (``next_before``: the older ones),
    and its organisation's receivable now (every agreement of it together)."""

    agreement: Agreement
    reports: tuple[AgreementReport, ...]
    limit: int
    next_before: str | None
    receivable: tuple[Money, ...]


def _terms(row: Mapping[str, object], amount: Money | None) -> str:
    every = PERIOD_WORDS.get(str(row["period"]), str(row["period"]))
    if row["basis"] == "revenue_share":
        return f"{share_text(int(str(row['share_bp'])))}% of revenue, reported {every}"
    shown = "" if amount is None else f"{amount.amount} {amount.currency}"
    if row["basis"] == "per_unit":
        return f"{shown} per {row['unit']} sold, reported {every}"
    return f"{shown} {every}"


def next_report(row: Mapping[str, object], today: str) -> tuple[str | None, str | None, bool]:
    """The period whose report is expected next, the day it is due from, and whether that day
    has come by ``today``."""
    if row["status"] != "active":
        return None, None, False
    period = str(row["next_period"])
    last = row["last"]
    if last is not None and period > str(last):
        return None, None, False
    due_from = period_end(period, str(row["period"]))
    return period, due_from, due_from <= today


def agreement_of(
    row: Mapping[str, object], names: Mapping[str, str], known: Mapping[str, int], today: str
) -> Agreement:
    currency = str(row["currency"])
    owed, paid = int(str(row["owed_minor"])), int(str(row["paid_minor"]))
    amount = None
    if row["amount_minor"] is not None:
        amount = money(currency, int(str(row["amount_minor"])), known)
    period, due_from, due = next_report(row, today)
    org, by = str(row["org"]), str(row["signed_by"])
    return Agreement(
        agreement_id=str(row["agreement_id"]),
        org=org,
        org_name=names.get(org, ""),
        basis=str(row["basis"]),
        terms=_terms(row, amount),
        share_bp=None if row["share_bp"] is None else int(str(row["share_bp"])),
        amount=amount,
        unit=None if row["unit"] is None else str(row["unit"]),
        currency=currency,
        period=str(row["period"]),
        starts=str(row["starts"]),
        last=None if row["last"] is None else str(row["last"]),
        status=str(row["status"]),
        owed=money(currency, owed, known),
        paid=money(currency, paid, known),
        arrears=money(currency, owed - paid, known),
        reports=int(str(row["reports"])),
        next_period=period,
        due_from=due_from,
        due=due,
        signed_by=by,
        signed_by_name=names.get(by, ""),
        signed_at=str(row["signed_at"]),
        memo=str(row["memo"]),
    )


def agreements_of(
    conn: sa.Connection, commons_id: str, rows: list[dict[str, object]], today: str
) -> list[Agreement]:
    known = exponents(conn, commons_id)
    names = names_of(conn, commons_id, (str(r[k]) for r in rows for k in ("org", "signed_by")))
    return [agreement_of(row, names, known, today) for row in rows]


def list_agreements(
    node: Node,
    commons_id: str,
    *,
    org: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> AgreementPage:
    """A page of the commons' agreements, by organisation then agreement (``org``: only that
    organisation's; ``after``: a page's ``next_after``)."""
    limit = page_limit(limit)
    keys = sa.select(agreements.c.agreement_id).where(agreements.c.commons_id == commons_id)
    if org is not None:
        keys = keys.where(agreements.c.org == org)
    if after is not None:
        held_org, _, held_id = after.partition("|")
        if not held_id:
            raise BadInput(f"after must be a page's next_after, not {after!r}")
        keys = keys.where(
            sa.or_(
                agreements.c.org > held_org,
                sa.and_(agreements.c.org == held_org, agreements.c.agreement_id > held_id),
            )
        )
    # The page's ids from ix_agreements_org alone (SQLite's planner passes over an index a query
    # must leave for the table), then their rows by primary key.
    keys = keys.order_by(agreements.c.org, agreements.c.agreement_id).limit(limit + 1)
    today = node.clock()[:10]
    with node.reading() as conn:
        require_head(conn, commons_id)
        ids = [str(agreement_id) for agreement_id in conn.execute(keys).scalars()]
        rows = []
        if ids:
            query = sa.select(agreements).where(
                agreements.c.commons_id == commons_id, agreements.c.agreement_id.in_(ids[:limit])
            )
            rows = [plain_row(row) for row in conn.execute(query).mappings()]
        rows.sort(key=lambda row: (str(row["org"]), str(row["agreement_id"])))
        items = agreements_of(conn, commons_id, rows, today)
    more = len(ids) > limit and items
    cursor = f"{items[-1].org}|{items[-1].agreement_id}" if more else None
    return AgreementPage(tuple(items), limit, cursor)


def agreement_detail(
    node: Node, commons_id: str, agreement_id: str, *, before: str | None = None, limit: int = 50
) -> AgreementDetail:
    """One agreement and its reports, newest period first (``before``: only the periods
    before it, the ``next_before`` of the page before)."""
    limit = page_limit(limit)
    today = node.clock()[:10]
    found_query = sa.select(agreements).where(
        agreements.c.commons_id == commons_id, agreements.c.agreement_id == agreement_id
    )
    reports = sa.select(agreement_reports).where(
        agreement_reports.c.commons_id == commons_id,
        agreement_reports.c.agreement_id == agreement_id,
    )
    if before is not None:
        reports = reports.where(agreement_reports.c.period < before)
    reports = reports.order_by(agreement_reports.c.period.desc()).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        found = conn.execute(found_query).mappings().first()
        if found is None:
            raise NotFound(f"there is no benefit-sharing agreement {agreement_id} in this commons")
        row = plain_row(found)
        [agreement] = agreements_of(conn, commons_id, [row], today)
        rows = [plain_row(item) for item in conn.execute(reports).mappings()]
        known = exponents(conn, commons_id)
        names = names_of(conn, commons_id, (str(item["reported_by"]) for item in rows))
        receivable = account_balances(conn, commons_id, f"receivable:{agreement.org}")
    currency = agreement.currency
    listed = tuple(
        AgreementReport(
            period=str(item["period"]),
            revenue=(
                None
                if item["revenue_minor"] is None
                else money(currency, int(str(item["revenue_minor"])), known)
            ),
            units=None if item["units"] is None else int(str(item["units"])),
            owed=money(currency, int(str(item["owed_minor"])), known),
            reported_by=str(item["reported_by"]),
            reported_by_name=names.get(str(item["reported_by"]), ""),
            entry=str(item["entry"]),
            recorded_at=str(item["recorded_at"]),
        )
        for item in rows[:limit]
    )
    more = len(rows) > limit and listed
    return AgreementDetail(
        agreement, listed, limit, listed[-1].period if more else None, receivable
    )
