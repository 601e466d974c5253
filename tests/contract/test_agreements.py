"""Benefit-sharing agreements (issue 11, item 4), on SQLite and PostgreSQL: a company pledges a
share of its revenue per month, reports ended months in order, what it owes is posted to its
receivable; the treasurer's receipts under the agreement settle it; owed, paid and in arrears
are fold figures; a fixed and a per-unit agreement owe what they say."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import agreements
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import journals, queries
from tests.contract.test_books import balances, income
from tests.contract.test_governance import act, at, refused
from tests.support.builders import found, join


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "company")}


def agreement(node: Node, commons_id: str, agreement_id: str) -> dict[str, Any]:
    with node.reading() as conn:
        row = (
            conn.execute(
                sa.select(agreements).where(
                    (agreements.c.commons_id == commons_id)
                    & (agreements.c.agreement_id == agreement_id)
                )
            )
            .mappings()
            .one()
        )
        return dict(row)


def test_a_revenue_share_is_reported_owed_and_paid(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, company = people["ada"], people["ben"], people["company"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada)
    join(any_node, commons_id, ben, "Ben")
    declared = {"org": company.did, "name": "SeedCo", "form": "company"}
    act(any_node, commons_id, company, "economy.org.declare",
        {**declared, "representatives": [ben.did]})  # fmt: skip
    terms = {"org": company.did, "basis": "revenue_share", "share_bp": 250, "currency": "EUR",
             "period": "month", "starts": "2031-03"}  # fmt: skip
    outsider = refused(any_node, commons_id, ada, "economy.agreement.sign", terms)
    assert outsider.extra["reason"] == "not_a_representative"
    signed = act(any_node, commons_id, ben, "economy.agreement.sign", terms)
    aid = signed.entry.id
    early = refused(any_node, commons_id, ben, "economy.agreement.report",
                    {"agreement": aid, "period": "2031-03", "revenue_minor": 100_000})  # fmt: skip
    assert early.extra["reason"] == "period_not_ended"
    at(any_node, "2031-05-02T09:00:00.000Z")
    skip = refused(any_node, commons_id, ben, "economy.agreement.report",
                   {"agreement": aid, "period": "2031-04", "revenue_minor": 1})  # fmt: skip
    assert skip.extra["expected"] == "2031-03"
    # 2.5% of 1,000.07 EUR = 25.00175: owed 25.00 (a share rounds down to the cent).
    act(any_node, commons_id, company, "economy.agreement.report",
        {"agreement": aid, "period": "2031-03", "revenue_minor": 100_007})  # fmt: skip
    act(any_node, commons_id, ben, "economy.agreement.report",
        {"agreement": aid, "period": "2031-04", "revenue_minor": 40_000})  # fmt: skip
    row = agreement(any_node, commons_id, aid)
    assert (row["owed_minor"], row["paid_minor"], row["next_period"]) == (3500, 0, "2031-05")
    assert balances(any_node, commons_id)[(f"receivable:{company.did}", "EUR")] == 3500
    paid = income("bs-1", 2500, source="benefit_sharing", agreement=aid)
    act(any_node, commons_id, ada, "economy.income.record", paid)
    row = agreement(any_node, commons_id, aid)
    assert (row["owed_minor"], row["paid_minor"]) == (3500, 2500)  # 10.00 EUR in arrears
    held = balances(any_node, commons_id)
    assert held[(f"receivable:{company.did}", "EUR")] == 1000
    assert held[("treasury", "EUR")] == 2500
    assert sum(v for (_, c), v in held.items() if c == "EUR") == 0
    in_yen = income("bs-2", 100, "JPY", source="benefit_sharing", agreement=aid)
    wrong = refused(any_node, commons_id, ada, "economy.income.record", in_yen)
    assert "EUR" in wrong.detail
    act(any_node, commons_id, ben, "economy.agreement.end", {"agreement": aid, "last": "2031-05"})
    at(any_node, "2031-06-01T09:00:00.000Z")
    act(any_node, commons_id, ben, "economy.agreement.report",
        {"agreement": aid, "period": "2031-05", "revenue_minor": 0})  # fmt: skip
    assert agreement(any_node, commons_id, aid)["status"] == "ended"
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest


def test_fixed_and_per_unit_agreements_owe_what_they_say(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, company = people["ada"], people["company"]
    at(any_node, "2031-01-10T09:00:00.000Z")
    commons_id = found(any_node, ada)
    declared = {"org": company.did, "name": "SeedCo", "form": "company"}
    act(any_node, commons_id, company, "economy.org.declare",
        {**declared, "representatives": [ada.did]})  # fmt: skip
    fixed = act(any_node, commons_id, company, "economy.agreement.sign",
                {"org": company.did, "basis": "fixed", "amount_minor": 50_000, "currency": "JPY",
                 "period": "quarter", "starts": "2031-Q1"}).entry.id  # fmt: skip
    unit = act(any_node, commons_id, company, "economy.agreement.sign",
               {"org": company.did, "basis": "per_unit", "amount_minor": 125, "unit": "packet",
                "currency": "BHD", "period": "year", "starts": "2031"}).entry.id  # fmt: skip
    at(any_node, "2032-01-02T09:00:00.000Z")
    act(
        any_node,
        commons_id,
        company,
        "economy.agreement.report",
        {"agreement": fixed, "period": "2031-Q1"},
    )
    act(any_node, commons_id, company, "economy.agreement.report",
        {"agreement": unit, "period": "2031", "units": 3})  # fmt: skip
    assert agreement(any_node, commons_id, fixed)["owed_minor"] == 50_000
    assert agreement(any_node, commons_id, fixed)["next_period"] == "2031-Q2"
    assert agreement(any_node, commons_id, unit)["owed_minor"] == 375
    figures = refused(any_node, commons_id, company, "economy.agreement.report",
                      {"agreement": fixed, "period": "2031-Q2", "revenue_minor": 5})  # fmt: skip
    assert "no figures" in figures.detail
