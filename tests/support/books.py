"""Open books to read, for the tests of the economy's doors: a seed library whose founder (the
treasurer until a decision names another) records income in euros, yen and Bahraini dinars; a
worker cooperative declares itself and its use of the commons and countersigns the
benefit-sharing it paid; a mistaken income is reversed; the members decide a prize for Cy and a
community currency (HOURS, one decimal); the treasurer pays Cy part of the prize, and Cy
confirms it.

Built through the pipeline with signed actions (the economy's rules decide), on the journal
clock of tests/contract/test_spends.py: proposals made on day 0, voted for on day 1, closed on
day 4 (the default spends rule: a majority over 72 hours after a day of discussion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_governance import act, at, propose, stance
from tests.support.builders import CHARTER, found, join

DAY0 = "2031-03-01T09:00:00.000Z"
NAMES = ("ada", "ben", "cy")
STATUTES = "a" * 64


def moment(day: int, hour: int = 9) -> str:
    return f"2031-03-{day + 1:02d}T{hour:02d}:00:00.000Z"


def income(
    key: str, amount: int, currency: str, source: str = "donation", **extra: Any
) -> dict[str, Any]:
    return {
        "key": key,
        "source": source,
        "amount_minor": amount,
        "currency": currency,
        "reference": f"bank-{key}",
        **extra,
    }


@dataclass
class Books:
    commons: str
    keys: dict[str, Keypair]
    prize: str = ""  # the prize decision's id
    hours: str = ""  # the currency decision's id
    reversed: str = ""  # the income reversed
    reversal: str = ""
    payment: str = ""
    benefit: str = ""  # the benefit-sharing income the cooperative countersigned
    txns: list[str] = field(default_factory=list)

    @property
    def coop(self) -> str:
        return self.keys["coop"].did


def seed_books(
    node: Node, keys: dict[str, Keypair] | None = None, charter: dict[str, Any] | None = None
) -> Books:
    keys = keys or {name: Keypair.generate() for name in (*NAMES, "coop")}
    if "coop" not in keys:
        keys["coop"] = Keypair.generate()
    ada, ben, cy, coop = keys["ada"], keys["ben"], keys["cy"], keys["coop"]
    at(node, DAY0)
    commons = found(node, ada, charter or CHARTER)
    join(node, commons, ben, "Ben")
    join(node, commons, cy, "Cy")
    books = Books(commons, keys)
    declare = {
        "org": coop.did,
        "name": "Seedworks Cooperative",
        "form": "worker_coop",
        "purpose": "Grows and sells the library's seeds",
        "evidence": {
            "registry_id": "COOP-1234",
            "statutes_sha256": STATUTES,
            "url": "https://example.org/seedworks/statutes",
        },
        "representatives": [ben.did],
    }
    act(node, commons, coop, "economy.org.declare", declare)
    use = {
        "org": coop.did,
        "subject": "commons",
        "terms": ["CC-BY-SA-4.0"],
        "purpose": "Sells seed packets printed with the catalogue",
    }
    act(node, commons, ben, "economy.use.declare", use)
    books.txns.append(
        act(
            node,
            commons,
            ada,
            "economy.income.record",
            income("d1", 10_000, "EUR", memo="Spring fair donations"),
        ).entry.id
    )
    books.txns.append(
        act(
            node, commons, ada, "economy.income.record", income("g1", 5_000, "JPY", "grant")
        ).entry.id
    )
    benefit = act(
        node,
        commons,
        ada,
        "economy.income.record",
        income("b1", 1_005, "BHD", "benefit_sharing", payer=coop.did),
    )
    books.benefit = benefit.entry.id
    act(node, commons, ben, "economy.txn.answer", {"txn": books.benefit, "answer": "confirmed"})
    wrong = act(node, commons, ada, "economy.income.record", income("w1", 999, "EUR"))
    books.reversed = wrong.entry.id
    books.reversal = act(
        node,
        commons,
        ada,
        "economy.txn.reverse",
        {"key": "r1", "txn": wrong.entry.id, "reason": "Counted twice by the bank"},
    ).entry.id
    prize = {
        "kind": "spend",
        "purpose": "prize",
        "to": cy.did,
        "amount_minor": 1500,
        "currency": "EUR",
        "memo": "For the seed catalogue",
    }
    books.prize = propose(
        node, commons, ben, title="A prize for Cy", text="For the seed catalogue.", effect=prize
    )
    hours = {"kind": "currency", "code": "HOURS", "exponent": 1, "name": "Hours of help"}
    books.hours = propose(
        node, commons, ben, title="Count hours of help", text="In tenths.", effect=hours
    )
    at(node, moment(1, 10))
    for person in (ada, ben, cy):
        stance(node, commons, person, books.prize, "for")
        stance(node, commons, person, books.hours, "for")
    at(node, moment(4, 12))  # after the close: it happens before the next entry
    act(node, commons, ada, "economy.income.record", income("h1", 25, "HOURS", "other"))
    paid = {
        "key": "pay-cy",
        "payee": cy.did,
        "amount_minor": 1000,
        "currency": "EUR",
        "reference": "SEPA-77",
        "memo": "Most of the prize",
    }
    books.payment = act(node, commons, ada, "economy.payment.record", paid).entry.id
    act(node, commons, cy, "economy.txn.answer", {"txn": books.payment, "answer": "confirmed"})
    return books
