"""The open books (issue 11, item 2 and 3), on SQLite and PostgreSQL: income recorded by the
treasurer with a reference counted once, a member's money contribution received once, payments
of what is owed, exact reversals, idempotency keys, currencies with their ISO 4217 exponents —
and the database's own guard: a raw unbalanced insert is refused by each backend."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.economy.tables import book_balances, book_postings, book_txns, currencies
from commonwork.errors import CommonworkError
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import journals, queries
from tests.contract.test_governance import act, at, refused
from tests.support.builders import found, join

START = "2031-03-01T09:00:00.000Z"


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "coop")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    at(any_node, START)
    commons_id = found(any_node, people["ada"])
    join(any_node, commons_id, people["ben"], "Ben")
    return commons_id


def income(key: str, amount: int, currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "source": "donation",
        "amount_minor": amount,
        "currency": currency,
        "reference": f"bank-{key}",
        **extra,
    }


def balances(node: Node, commons_id: str) -> dict[tuple[str, str], int]:
    with node.reading() as conn:
        rows = conn.execute(
            sa.select(
                book_balances.c.account, book_balances.c.currency, book_balances.c.amount_minor
            ).where(book_balances.c.commons_id == commons_id)
        ).all()
    return {(account, currency): int(amount) for account, currency, amount in rows}


def test_income_is_recorded_once_by_the_treasurer_in_every_currency(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    act(any_node, commons_id, ada, "economy.income.record", income("d1", 1250))
    act(any_node, commons_id, ada, "economy.income.record", income("d2", 500, "JPY"))
    act(any_node, commons_id, ada, "economy.income.record", income("d3", 1005, "BHD"))
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 1250
    assert held[("outside", "EUR")] == -1250
    assert held[("treasury", "JPY")] == 500
    assert held[("treasury", "BHD")] == 1005
    for currency in ("EUR", "JPY", "BHD"):  # conservation: every currency sums to zero
        assert sum(v for (_, c), v in held.items() if c == currency) == 0
    with any_node.reading() as conn:
        exponents = dict(conn.execute(sa.select(currencies.c.code, currencies.c.exponent)).all())
    assert exponents == {"EUR": 2, "JPY": 0, "BHD": 3}

    # A retry with the same key and body: refused as done, naming the transaction.
    again = refused(any_node, commons_id, ada, "economy.income.record", income("d1", 1250))
    assert again.code == "already_done"
    assert again.extra["reason"] == "same_key"
    # The same key for something else: a mistake.
    other = refused(any_node, commons_id, ada, "economy.income.record", income("d1", 99))
    assert other.extra["reason"] == "key_reused"
    # The same bank reference under a new key: the same money is not counted twice.
    twice = refused(
        any_node,
        commons_id,
        ada,
        "economy.income.record",
        {**income("d9", 1250), "reference": "bank-d1"},
    )
    assert twice.extra["reason"] == "counted_already"
    # Only the treasurer (the founder until a decision names one) records money.
    notyou = refused(any_node, commons_id, ben, "economy.income.record", income("b1", 100))
    assert notyou.extra["reason"] == "not_the_treasurer"
    unknown = refused(any_node, commons_id, ada, "economy.income.record", income("x", 1, "XYZ"))
    assert unknown.code == "not_found"
    assert "ISO 4217" in unknown.detail
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 1250  # nothing was written


def test_a_reversal_is_exact_and_frees_the_reference(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada = people["ada"]
    first = act(any_node, commons_id, ada, "economy.income.record", income("d1", 4200))
    reason = {"reason": "recorded twice on the bank's side"}
    act(
        any_node,
        commons_id,
        ada,
        "economy.txn.reverse",
        {"key": "r1", "txn": first.entry.id, **reason},
    )
    held = balances(any_node, commons_id)
    assert held[("treasury", "EUR")] == 0
    assert held[("outside", "EUR")] == 0
    twice = refused(
        any_node,
        commons_id,
        ada,
        "economy.txn.reverse",
        {"key": "r2", "txn": first.entry.id, **reason},
    )
    assert twice.extra["reason"] == "reversed"
    # Its reference is free again: recorded anew, rightly.
    act(
        any_node,
        commons_id,
        ada,
        "economy.income.record",
        {**income("d2", 4100), "reference": "bank-d1"},
    )
    assert balances(any_node, commons_id)[("treasury", "EUR")] == 4100
    with any_node.reading() as conn:
        kinds = conn.execute(
            sa.select(book_txns.c.number, book_txns.c.kind, book_txns.c.reversed_by)
            .where(book_txns.c.commons_id == commons_id)
            .order_by(book_txns.c.number)
        ).all()
    assert [(n, k) for n, k, _ in kinds] == [(1, "income"), (2, "reversal"), (3, "income")]
    assert kinds[0][2] is not None


def test_payments_never_go_beyond_what_is_owed(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    payment = {
        "key": "p1",
        "payee": ben.did,
        "amount_minor": 100,
        "currency": "EUR",
        "reference": "tr-1",
    }
    short = refused(any_node, commons_id, ada, "economy.payment.record", payment)
    assert short.extra["reason"] == "insufficient_funds"
    assert short.extra["held"] == 0


def test_a_money_contribution_becomes_income_once(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    gift = act(
        any_node,
        commons_id,
        ben,
        "production.contribution.record",
        {
            "kind": "money",
            "quantity": "2500",
            "currency": "EUR",
            "description": "for the seed bank",
        },
    )
    received = income("c1", 2500, contribution=gift.entry.id, payer=ben.did)
    wrong = refused(
        any_node, commons_id, ada, "economy.income.record", {**received, "amount_minor": 2400}
    )
    assert "2500" in wrong.detail
    act(any_node, commons_id, ada, "economy.income.record", received)
    again = refused(
        any_node,
        commons_id,
        ada,
        "economy.income.record",
        {**received, "key": "c2", "reference": "other"},
    )
    assert again.extra["reason"] == "counted_already"
    # Ben, the payer, countersigns it.
    txn = act(
        any_node,
        commons_id,
        ben,
        "economy.txn.answer",
        {"txn": received_id(any_node, commons_id), "answer": "confirmed"},
    )
    assert txn.created


def received_id(node: Node, commons_id: str) -> str:
    with node.reading() as conn:
        return str(
            conn.execute(
                sa.select(book_txns.c.txn_id).where(
                    (book_txns.c.commons_id == commons_id) & (book_txns.c.kind == "income")
                )
            ).scalar_one()
        )


def test_organisations_declare_themselves_and_their_use(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, coop = people["ada"], people["ben"], people["coop"]
    company = Keypair.generate()
    association = Keypair.generate()
    statutes = "ab" * 32
    no_evidence = refused(
        any_node, commons_id, coop, "economy.org.declare",
        {"org": coop.did, "name": "Seedworks", "form": "worker_coop", "representatives": [ben.did]},
    )  # fmt: skip
    assert "registry" in no_evidence.detail
    act(
        any_node, commons_id, coop, "economy.org.declare",
        {"org": coop.did, "name": "Seedworks", "form": "worker_coop", "representatives": [ben.did],
         "evidence": {"registry_id": "FR-123", "statutes_sha256": statutes}},
    )  # fmt: skip
    # Someone else's key cannot declare it, nor speak for it.
    forged = refused(
        any_node, commons_id, ada, "economy.org.declare",
        {"org": company.did, "name": "Big Co", "form": "company", "representatives": [ada.did]},
    )  # fmt: skip
    assert forged.extra["reason"] == "not_the_organisation"
    act(
        any_node,
        commons_id,
        ben,
        "economy.use.declare",
        {"org": coop.did, "terms": ["CC-BY-SA-4.0"]},
    )
    outsider = refused(
        any_node, commons_id, ada, "economy.use.declare", {"org": coop.did, "terms": ["MIT"]}
    )
    assert outsider.extra["reason"] == "not_a_representative"
    act(any_node, commons_id, ben, "economy.org.represent", {"org": coop.did, "add": [ada.did]})
    act(any_node, commons_id, ada, "economy.use.declare", {"org": coop.did, "terms": ["MIT"]})
    # The association: one per commons, declared with the founder (or the association role).
    squat = refused(
        any_node, commons_id, company, "economy.org.declare",
        {"org": company.did, "name": "Fake Foundation", "form": "association",
         "representatives": [ben.did]},
    )  # fmt: skip
    assert squat.extra["reason"] == "not_the_association"
    act(
        any_node, commons_id, association, "economy.org.declare",
        {"org": association.did, "name": "Seed Library Foundation", "form": "association",
         "representatives": [ada.did]},
    )  # fmt: skip
    second = refused(
        any_node, commons_id, company, "economy.org.declare",
        {"org": company.did, "name": "Another", "form": "association",
         "representatives": [ada.did]},
    )  # fmt: skip
    assert second.extra["reason"] == "association_declared"


def test_replay_gives_the_same_digest(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada = people["ada"]
    first = act(any_node, commons_id, ada, "economy.income.record", income("d1", 1000))
    act(any_node, commons_id, ada, "economy.income.record", income("d2", 7, "JPY"))
    act(
        any_node,
        commons_id,
        ada,
        "economy.txn.reverse",
        {"key": "r", "txn": first.entry.id, "reason": "wrong"},
    )
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, commons_id).digest


def test_the_database_refuses_a_hand_written_unbalanced_transaction(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    first = act(any_node, commons_id, people["ada"], "economy.income.record", income("d1", 1000))
    txn = "f" * 64

    def posting(line: int, account: str, amount: int, txn_id: str = txn) -> dict[str, Any]:
        return {"commons_id": commons_id, "txn_id": txn_id, "line": line, "account": account,
                "currency": "EUR", "amount_minor": amount, "number": 99}  # fmt: skip

    row = {"commons_id": commons_id, "txn_id": txn, "seq": 99, "number": 99, "kind": "income",
           "memo": "", "recorded_by": "x", "recorded_at": START, "why": "{}",
           "postings": 2}  # fmt: skip

    def run(statements: tuple[Any, ...]) -> None:
        with any_node.engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)

    def attempt(*statements: Any) -> None:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            run(statements)
        assert (
            "unbalanced" in str(caught.value)
            or "sealed" in str(caught.value)
            or ("foreign key" in str(caught.value).lower())
        ), caught.value

    # Postings that do not sum to zero, then their transaction: refused.
    attempt(
        book_postings.insert().values([posting(1, "treasury", 500), posting(2, "outside", -400)]),
        book_txns.insert().values(row),
    )
    # A single posting, balanced by nothing: refused.
    attempt(
        book_postings.insert().values([posting(1, "treasury", 0)]), book_txns.insert().values(row)
    )
    # A posting added to a sealed transaction, or changed: refused.
    attempt(book_postings.insert().values(posting(3, "treasury", 1, first.entry.id)))
    attempt(
        book_postings.update()
        .where(book_postings.c.txn_id == first.entry.id)
        .values(amount_minor=1)
    )
    # Postings with no transaction at all: refused at commit.
    attempt(book_postings.insert().values([posting(1, "treasury", 5), posting(2, "outside", -3)]))
    # A balanced one goes in (the guard does not refuse what is right).
    with any_node.engine.begin() as conn:
        conn.execute(
            book_postings.insert().values([posting(1, "treasury", 5), posting(2, "outside", -5)])
        )
        conn.execute(book_txns.insert().values(row))
    with any_node.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(book_txns)).scalar_one() == 2


def test_an_error_leaves_nothing_written(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    before = queries.commons_detail(any_node, commons_id).digest
    with pytest.raises(CommonworkError):
        act(any_node, commons_id, people["ada"], "economy.income.record", income("x", 0))
    assert queries.commons_detail(any_node, commons_id).digest == before


def test_a_worker_cooperatives_claim_is_contested_and_decided_by_the_members(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    from commonwork.economy.tables import organisations
    from tests.contract.test_governance import propose, stance

    ada, ben, coop = people["ada"], people["ben"], people["coop"]
    evidence = {"registry_id": "FR-9", "statutes_sha256": "cd" * 32}
    act(any_node, commons_id, coop, "economy.org.declare",
        {"org": coop.did, "name": "Seedworks", "form": "worker_coop", "evidence": evidence,
         "representatives": [ben.did]})  # fmt: skip
    effect = {"kind": "org_claim", "org": coop.did, "verdict": "rejected"}
    made = {"title": "Not a co-op", "text": "?", "method": "majority", "effect": effect}
    early = refused(any_node, commons_id, ada, "governance.proposal.make", made)
    assert early.extra["reason"] == "not_contested"
    reason = "Its statutes give the surplus to one shareholder."
    act(any_node, commons_id, ada, "economy.org.contest", {"org": coop.did, "reason": reason})
    pid = propose(any_node, commons_id, ada, title="Seedworks is not worker-owned",
                  text="See the statutes.", effect=effect)  # fmt: skip
    at(any_node, "2031-03-02T10:00:00.000Z")
    for person in (ada, ben):
        stance(any_node, commons_id, person, pid, "for")
    at(any_node, "2031-03-05T12:00:00.000Z")
    join(any_node, commons_id, Keypair.generate(), "Cy")
    with any_node.reading() as conn:
        claim = conn.execute(
            sa.select(organisations.c.claim, organisations.c.claim_by).where(
                organisations.c.org == coop.did
            )
        ).one()
    assert tuple(claim) == ("rejected", pid)


def test_the_guard_is_made_again_with_the_tables(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    """A new projection version remakes an area's tables from their declaration: the books'
    triggers come back with them (dropped in reverse, made in order: postings refer to their
    transactions)."""
    from commonwork.node.projections import remake_tables

    with any_node.engine.begin() as conn:
        remake_tables(conn, ["economy"])
    assert journals.rebuild_projections(any_node).entries > 0
    txn = "e" * 64
    unbalanced = [
        {"commons_id": commons_id, "txn_id": txn, "line": line, "account": account,
         "currency": "EUR", "amount_minor": amount, "number": 7}
        for line, account, amount in ((1, "treasury", 9), (2, "outside", -8))
    ]  # fmt: skip
    row = {"commons_id": commons_id, "txn_id": txn, "seq": 7, "number": 7, "kind": "income",
           "memo": "", "recorded_by": "x", "recorded_at": START, "why": "{}",
           "postings": 2}  # fmt: skip

    def write() -> None:
        with any_node.engine.begin() as conn:
            conn.execute(book_postings.insert().values(unbalanced))
            conn.execute(book_txns.insert().values(row))

    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"):
        write()
