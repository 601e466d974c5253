"""The books and mutual credit as a state machine, on SQLite and PostgreSQL: random incomes in
currencies of every exponent, retries and reused idempotency keys, reused references, reversals,
payments of what is owed, mutual-credit payments and bills, against a model of every balance.
After every step the projected tables keep the books' laws (each currency sums to zero, no
account but the world, receivables and credit below zero, credit within its limit and cap, the
balances are their postings' sums) and a refused action changed nothing; at the end the journal
verifies to the live digest. And the largest-remainder split, exactly."""

from __future__ import annotations

import copy
import itertools
import math
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from psycopg import sql as psql

from commonwork.economy.currencies import MAX_MINOR
from commonwork.economy.split import largest_remainder
from commonwork.economy.tables import (
    book_balances,
    book_counts,
    book_marks,
    book_postings,
    book_txns,
    credit_bills,
    credit_members,
    currencies,
)
from commonwork.errors import CommonworkError
from commonwork.journal.actions import SignedAction
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, append_actions
from commonwork.services import journals, queries
from tests.conftest import open_node
from tests.contract.test_books import balances
from tests.contract.test_credit import circle, pay
from tests.contract.test_governance import at, propose, stance
from tests.support.builders import CHARTER, found, join, signed
from tests.support.postgres import PostgresServer

NAMES = ("ada", "ben", "cy", "dee", "eve")
KEYS = {name: Keypair.generate() for name in NAMES}  # fixed: hypothesis shrinks the steps only
CIRCLE = ("ada", "ben", "cy", "dee")  # eve is a member of the commons, not of the circle
LIMIT, CAP = 500, 600
EXPONENTS = {"EUR": 2, "JPY": 0, "BHD": 3}
SEED, PRIZES = 100_000, {"ben": 20_000, "cy": 15_000}
MAY_BE_NEGATIVE = ("outside", "receivable:", "credit:", "circle")
#: (payer, payee) in the circle, mostly; now and then to oneself, or with Eve (outside it).
PAIRS = st.sampled_from(
    [(a, b) for a in CIRCLE for b in CIRCLE if a != b]
    + [("ben", "ben"), ("eve", "ada"), ("ada", "eve")]
)
EDGES = (LIMIT, LIMIT + 1, CAP, CAP + 1)
_databases = itertools.count()
SNAPSHOT_TABLES = (
    book_txns,
    book_postings,
    book_balances,
    book_marks,
    book_counts,
    credit_members,
    credit_bills,
    currencies,
)


def moment(day: int, hour: int = 9, minute: int = 0) -> str:
    return f"2031-03-{day + 1:02d}T{hour:02d}:{minute:02d}:00.000Z"


def decide(node: Node, commons_id: str, effects: list[dict[str, Any]], start: int) -> None:
    """Proposed on day ``start``, Ada, Ben and Cy for, closed by the first entry four days on
    (which the caller appends)."""
    at(node, moment(start))
    pids = [propose(node, commons_id, KEYS["ada"], effect=effect) for effect in effects]
    at(node, moment(start + 1, 10))
    for pid in pids:
        for name in ("ada", "ben", "cy"):
            stance(node, commons_id, KEYS[name], pid, "for")
    at(node, moment(start + 4, 12))


def amounts(top: int) -> st.SearchStrategy[int]:
    return st.one_of(st.integers(1, top), st.integers(1, 3), st.integers(MAX_MINOR - 3, MAX_MINOR))


@dataclass
class Txn:
    txn_id: str
    kind: str
    lines: list[tuple[str, str, int]]
    reference: str | None = None
    reversed: bool = False
    reverses: str | None = None


@dataclass
class Keyed:
    """An accepted action with an idempotency key: its author, type, body, signed action."""

    person: str
    type: str
    body: dict[str, Any]
    signed: SignedAction
    txn_id: str


@dataclass
class Expect:
    """What the model says an action does: the postings it makes, or the refusal."""

    lines: list[tuple[str, str, int]] = field(default_factory=list)
    code: str | None = None
    reason: str | None = None


def refusal(code: str, reason: str | None = None) -> Expect:
    return Expect(code=code, reason=reason)


@dataclass
class Template:
    """A node set up once per backend, copied for every example: its data directory (the host
    key, and the SQLite database), its PostgreSQL database, and the model of its books."""

    dir: Path
    database: str | None
    commons_id: str
    model: dict[str, Any]


MODEL = ("balances", "txns", "keys", "refs", "bills", "used", "circle")


class EconomyMachine(RuleBasedStateMachine):
    """One commons per example on a fresh node: Ada (the founder, so the treasurer), Ben, Cy,
    Dee and Eve; 100,000 EUR of seed income, prizes to Ben and Cy (payables), and the HOURS
    circle (limit 500, cap 600) that all but Eve joined. (Set up once per backend and copied:
    a fresh data directory and database each time.)"""

    server: PostgresServer | None = None
    template: Template | None = None
    balances: dict[tuple[str, str], int]
    txns: dict[str, Txn]
    keys: dict[str, Keyed]
    refs: dict[str, bool]  # an income's reference: held (True) or released (False)
    bills: dict[str, dict[str, Any]]
    used: set[str]  # the currencies the books used
    circle: dict[str, str]  # who joined the circle: active or left

    def __init__(self) -> None:
        super().__init__()
        self.counter = itertools.count()
        self.minute = -1  # the steps' clock: a minute apart from day 10, once set up
        cls = type(self)
        if cls.template is None:
            cls.template = self._make_template()
        template = cls.template
        self.dir = Path(tempfile.mkdtemp(prefix="cw-econ-"))
        shutil.copytree(template.dir / "node", self.dir / "node")
        self.database, url = self._database(template.database)
        self.node = open_node(self.dir / "node", url)
        self.commons_id = template.commons_id
        for name, value in copy.deepcopy(template.model).items():
            setattr(self, name, value)
        self.minute = 0
        at(self.node, moment(10))

    def _database(self, template: str | None) -> tuple[str | None, str | None]:
        if self.server is None:
            return None, None  # SQLite: the database is in the data directory
        name = f"cw_{os.getpid()}_{next(_databases)}_machine"
        if template is None:
            return name, self.server.create_database(name)
        with self.server._admin() as conn:
            conn.execute(
                psql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    psql.Identifier(name), psql.Identifier(template)
                )
            )
        return name, self.server.database_url(name)

    def _make_template(self) -> Template:
        self.dir = Path(tempfile.mkdtemp(prefix="cw-econ-template-"))
        self.database, url = self._database(None)
        self.node = open_node(self.dir / "node", url)
        self.balances, self.txns, self.keys = defaultdict(int), {}, {}
        self.refs, self.bills, self.used = {}, {}, set()
        self.circle = dict.fromkeys(CIRCLE, "active")
        try:
            commons_id = self._set_up()
        finally:
            self.node.close()
        model = {name: getattr(self, name) for name in MODEL}
        return Template(self.dir, self.database, commons_id, copy.deepcopy(model))

    @classmethod
    def drop_template(cls) -> None:
        if cls.template is None:
            return
        if cls.template.database is not None and cls.server is not None:
            cls.server.drop_database(cls.template.database)
        shutil.rmtree(cls.template.dir, ignore_errors=True)
        cls.template = None

    # --- setting up --------------------------------------------------------------------------

    def _set_up(self) -> str:
        node, ada = self.node, KEYS["ada"]
        at(node, moment(0))
        economy = {"grace_days": 0, "credit_exit": "frozen"}
        commons_id = found(node, ada, {**CHARTER, "economy": economy})
        for name in NAMES[1:]:
            join(node, commons_id, KEYS[name], name.title())
        self.commons_id = commons_id
        seed = {"key": "seed", "source": "grant", "amount_minor": SEED, "currency": "EUR",
                "reference": "seed"}  # fmt: skip
        self._expect_ok("ada", "economy.income.record", seed, income_lines(SEED, "EUR"), "income")
        self.refs["seed"] = True
        currency = {"kind": "currency", "code": "HOURS", "exponent": 2, "name": "Hours"}
        prizes = [
            {
                "kind": "spend",
                "purpose": "prize",
                "to": KEYS[name].did,
                "amount_minor": amount,
                "currency": "EUR",
            }
            for name, amount in PRIZES.items()
        ]
        decide(node, commons_id, [currency, *prizes], 0)
        policy = {"kind": "credit_policy", "currency": "HOURS", "limit_minor": LIMIT,
                  "max_balance_minor": CAP}  # fmt: skip
        decide(node, commons_id, [policy], 5)  # its proposal closes the first three
        for name in CIRCLE:  # the first join closes the policy's proposal
            append_actions(
                node, commons_id, [self._sign(name, "economy.credit.join", {"currency": "HOURS"})]
            )
        with node.reading() as conn:
            rows = conn.execute(
                sa.select(
                    book_postings.c.txn_id,
                    book_postings.c.account,
                    book_postings.c.currency,
                    book_postings.c.amount_minor,
                )
                .join(
                    book_txns,
                    (book_txns.c.commons_id == book_postings.c.commons_id)
                    & (book_txns.c.txn_id == book_postings.c.txn_id),
                )
                .where((book_txns.c.commons_id == commons_id) & (book_txns.c.kind == "prize"))
            ).all()
        for txn_id, account, currency, amount in rows:
            self.txns.setdefault(txn_id, Txn(txn_id, "prize", [])).lines.append(
                (account, currency, int(amount))
            )
            self.balances[(account, currency)] += int(amount)
        assert len(self.txns) == 3, rows  # the seed and the two prizes
        for name, amount in PRIZES.items():
            assert self.balances[(f"payable:{KEYS[name].did}", "EUR")] == amount
        return commons_id

    def teardown(self) -> None:
        try:
            report = journals.verify_commons(self.node, self.commons_id)
            assert report.ok, report.as_json()
            assert report.digest == queries.commons_detail(self.node, self.commons_id).digest
            assert report.extra["projections_match"] is True
        finally:
            self.node.close()
            if self.database is not None and self.server is not None:
                self.server.drop_database(self.database)
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- acting ------------------------------------------------------------------------------

    def _sign(self, name: str, type_: str, body: dict[str, Any]) -> SignedAction:
        return signed(KEYS[name], type_, body, self.commons_id)

    def _tick(self) -> None:
        if self.minute < 0:
            return
        self.minute += 1
        at(self.node, moment(10, 9 + self.minute // 60, self.minute % 60))

    def _snapshot(self) -> tuple[Any, ...]:
        """The state digest and head, and every row of the books and the circle."""
        detail = queries.commons_detail(self.node, self.commons_id)
        with self.node.reading() as conn:
            rows = tuple(
                sorted(
                    tuple(row)
                    for row in conn.execute(
                        sa.select(table).where(table.c.commons_id == self.commons_id)
                    ).all()
                )
                for table in SNAPSHOT_TABLES
            )
        return detail.digest, detail.head, rows

    def _run(self, action: SignedAction, expect: Expect) -> Appended | None:
        """Append ``action``; check it did what ``expect`` says, and a refusal changed nothing."""
        self._tick()
        event(f"{action.type}: {expect.reason or expect.code or 'accepted'}")
        before = self._snapshot() if expect.code is not None else None
        appended = attempt(self.node, self.commons_id, action)
        if isinstance(appended, CommonworkError):
            error = appended
            assert expect.code is not None, f"refused, the model expected it: {error.detail}"
            got = (error.code, error.extra.get("reason"))
            assert got == (expect.code, expect.reason), (got, error.extra, error.detail)
            assert self._snapshot() == before, "a refused action changed the state"
            return None
        assert expect.code is None, f"accepted, the model expected {expect.code}/{expect.reason}"
        assert appended.created
        for account, currency, amount in expect.lines:
            self.balances[(account, currency)] += amount
            self.used.add(currency)
        return appended

    def _expect_ok(
        self,
        name: str,
        type_: str,
        body: dict[str, Any],
        lines: list[tuple[str, str, int]],
        kind: str,
    ) -> Appended:
        action = self._sign(name, type_, body)
        appended = self._act(name, type_, body, action, Expect(lines=lines), kind)
        assert appended is not None
        return appended

    def _act(
        self,
        name: str,
        type_: str,
        body: dict[str, Any],
        action: SignedAction,
        expect: Expect,
        kind: str,
    ) -> Appended | None:
        appended = self._run(action, expect)
        if appended is None:
            return None
        txn_id = appended.entry.id
        if expect.lines:
            self.txns[txn_id] = Txn(
                txn_id,
                kind,
                expect.lines,
                reference=body.get("reference"),
                reverses=body.get("txn") if kind == "reversal" else None,
            )
        if "key" in body:
            self.keys[body["key"]] = Keyed(name, type_, body, action, txn_id)
        return appended

    def _key(self) -> str:
        return f"k{next(self.counter)}"

    def held(self, account: str, currency: str) -> int:
        return self.balances[(account, currency)]

    # --- the model's rules -------------------------------------------------------------------

    def _treasurer(self, name: str) -> Expect | None:
        return None if name == "ada" else refusal("not_allowed", "not_the_treasurer")

    def _funds(self, lines: list[tuple[str, str, int]]) -> Expect | None:
        for account, currency, amount in lines:
            if account.startswith(MAY_BE_NEGATIVE) or self.held(account, currency) + amount >= 0:
                continue
            return refusal("not_allowed", "insufficient_funds")
        return None

    def _transfer(self, payer: str, payee: str, amount: int) -> Expect:
        if payer == payee:
            return refusal("invalid_action")
        for name in (payer, payee):
            if self.circle.get(name) != "active":
                return refusal("not_allowed", "not_in_circle")
        if self.held(credit(payer), "HOURS") - amount < -LIMIT:
            return refusal("not_allowed", "over_limit")
        if self.held(credit(payee), "HOURS") + amount > CAP:
            return refusal("not_allowed", "over_cap")
        return Expect(lines=[(credit(payer), "HOURS", -amount), (credit(payee), "HOURS", amount)])

    # --- rules -------------------------------------------------------------------------------

    @rule(
        currency=st.sampled_from(sorted(EXPONENTS)),
        amount=amounts(50_000),
        by=st.sampled_from(("ada",) * 5 + ("ben",)),
    )
    def record_income(self, currency: str, amount: int, by: str) -> None:
        key = self._key()
        body = {"key": key, "source": "donation", "amount_minor": amount, "currency": currency,
                "reference": f"bank-{key}"}  # fmt: skip
        expect = self._treasurer(by) or Expect(lines=income_lines(amount, currency))
        if self._act(
            by,
            "economy.income.record",
            body,
            self._sign(by, "economy.income.record", body),
            expect,
            "income",
        ):
            self.refs[body["reference"]] = True

    @precondition(lambda self: bool(self.refs))
    @rule(pick=st.integers(0, 10**6), amount=amounts(5_000))
    def record_income_with_a_used_reference(self, pick: int, amount: int) -> None:
        """Counted once while its transaction stands; free again once it was reversed."""
        reference = sorted(self.refs)[pick % len(self.refs)]
        body = {"key": self._key(), "source": "sale", "amount_minor": amount, "currency": "EUR",
                "reference": reference}  # fmt: skip
        expect = (
            refusal("already_done", "counted_already")
            if self.refs[reference]
            else Expect(lines=income_lines(amount, "EUR"))
        )
        action = self._sign("ada", "economy.income.record", body)
        if self._act("ada", "economy.income.record", body, action, expect, "income"):
            self.refs[reference] = True

    @precondition(lambda self: bool(self.keys))
    @rule(pick=st.integers(0, 10**6), same_nonce=st.booleans())
    def retry_with_the_same_key_and_body(self, pick: int, same_nonce: bool) -> None:
        """A retry: the very signed action is answered with its entry; the same body signed
        anew is refused as done, naming its transaction; nothing changes either way."""
        keyed = self.keys[sorted(self.keys)[pick % len(self.keys)]]
        event(f"retry {keyed.type}, {'the same nonce' if same_nonce else 'a new nonce'}")
        if same_nonce:
            before = self._snapshot()
            self._tick()
            [again] = append_actions(self.node, self.commons_id, [keyed.signed])
            assert (again.created, again.entry.id) == (False, keyed.txn_id)
            assert self._snapshot() == before
            return
        action = self._sign(keyed.person, keyed.type, keyed.body)
        self._tick()
        before = self._snapshot()
        error = attempt(self.node, self.commons_id, action)
        assert isinstance(error, CommonworkError), "a retry with the same key and body was made"
        assert (error.code, error.extra.get("reason")) == ("already_done", "same_key")
        assert error.extra["transaction"] == keyed.txn_id
        assert self._snapshot() == before

    @precondition(lambda self: bool(self.keys))
    @rule(pick=st.integers(0, 10**6), amount=amounts(5_000))
    def reuse_a_key_for_another_body(self, pick: int, amount: int) -> None:
        # A key is its author's own: Ada reuses one of hers (the seed income is one).
        own = sorted(key for key, keyed in self.keys.items() if keyed.person == "ada")
        key = own[pick % len(own)]
        body = {"key": key, "source": "other", "amount_minor": amount, "currency": "JPY",
                "reference": f"other-{next(self.counter)}"}  # fmt: skip
        action = self._sign("ada", "economy.income.record", body)
        self._act(
            "ada",
            "economy.income.record",
            body,
            action,
            refusal("not_allowed", "key_reused"),
            "income",
        )

    @precondition(lambda self: bool(self.txns))
    @rule(pick=st.integers(0, 10**6), what=st.sampled_from(("recorded",) * 4 + ("any",)))
    def reverse(self, pick: int, what: str) -> None:
        """Mostly what the treasurer recorded (incomes and payments); now and then anything
        else in the books (a prize, a credit payment, a reversal), which is not reversed."""
        seed = self.keys["seed"].txn_id
        pool = sorted(
            txn_id
            for txn_id, txn in self.txns.items()
            if what == "any" or (txn.kind in ("income", "payment") and txn_id != seed)
        )
        if not pool:
            return
        txn = self.txns[pool[pick % len(pool)]]
        body = {"key": self._key(), "txn": txn.txn_id, "reason": "recorded by mistake"}
        negated = [(account, currency, -amount) for account, currency, amount in txn.lines]
        if txn.reversed:
            expect = refusal("already_done", "reversed")
        elif txn.reverses is not None:
            expect = refusal("not_allowed", "a_reversal")
        elif txn.kind not in ("income", "payment"):
            expect = refusal("not_allowed", "not_reversible")
        else:
            expect = self._funds(negated) or Expect(lines=negated)
        before = {(a, c): self.held(a, c) for a, c, _ in txn.lines}
        action = self._sign("ada", "economy.txn.reverse", body)
        if self._act("ada", "economy.txn.reverse", body, action, expect, "reversal"):
            txn.reversed = True
            if txn.kind == "income" and txn.reference is not None:
                self.refs[txn.reference] = False
            # Exact: every account it touched holds what it held before less the original.
            held = self._read_balances()
            for account, currency, amount in txn.lines:
                assert held[(account, currency)] == before[(account, currency)] - amount

    @rule(
        payee=st.sampled_from(("ben", "cy", "dee")),
        amount=st.one_of(st.integers(1, 25_000), st.integers(1, 100)),
        currency=st.sampled_from(("EUR", "EUR", "EUR", "JPY")),
    )
    def pay_what_is_owed(self, payee: str, amount: int, currency: str) -> None:
        key = self._key()
        body = {"key": key, "payee": KEYS[payee].did, "amount_minor": amount,
                "currency": currency, "reference": f"tr-{key}"}  # fmt: skip
        lines = [(f"payable:{KEYS[payee].did}", currency, -amount), ("outside", currency, amount)]
        expect = self._funds(lines) or Expect(lines=lines)
        action = self._sign("ada", "economy.payment.record", body)
        self._act("ada", "economy.payment.record", body, action, expect, "payment")

    @rule(pair=PAIRS, amount=st.one_of(st.integers(1, 700), st.sampled_from(EDGES)))
    def credit_pay(self, pair: tuple[str, str], amount: int) -> None:
        payer, payee = pair
        body = {"key": self._key(), "to": KEYS[payee].did, "amount_minor": amount,
                "currency": "HOURS"}  # fmt: skip
        action = self._sign(payer, "economy.credit.pay", body)
        self._act(
            payer,
            "economy.credit.pay",
            body,
            action,
            self._transfer(payer, payee, amount),
            "credit",
        )

    @rule(pair=PAIRS, amount=st.one_of(st.integers(1, 700), st.sampled_from(EDGES)))
    def send_a_bill(self, pair: tuple[str, str], amount: int) -> None:
        payer, payee = pair
        body = {"payer": KEYS[payer].did, "amount_minor": amount, "currency": "HOURS"}
        if payer == payee:
            expect = refusal("invalid_action")
        elif self.circle.get(payee) != "active" or self.circle.get(payer) != "active":
            expect = refusal("not_allowed", "not_in_circle")
        else:
            expect = Expect()
        appended = self._run(self._sign(payee, "economy.credit.bill", body), expect)
        if appended is not None:
            self.bills[appended.entry.id] = {"payer": payer, "payee": payee, "amount": amount,
                                             "status": "open"}  # fmt: skip

    @precondition(lambda self: bool(self.bills))
    @rule(
        pick=st.integers(0, 10**6),
        answer=st.sampled_from(("accept", "accept", "decline")),
        by_payer=st.sampled_from((True,) * 5 + (False,)),
    )
    def answer_a_bill(self, pick: int, answer: str, by_payer: bool) -> None:
        bill_id = sorted(self.bills)[pick % len(self.bills)]
        bill = self.bills[bill_id]
        who = bill["payer"] if by_payer else bill["payee"]
        if not by_payer:
            expect = refusal("not_allowed", "not_the_payer")
        elif bill["status"] != "open":
            expect = refusal("already_done", "answered")
        elif answer == "accept":
            expect = self._transfer(bill["payer"], bill["payee"], bill["amount"])
        else:
            expect = Expect()
        body = {"bill": bill_id, "answer": answer}
        action = self._sign(who, "economy.credit.answer", body)
        if self._act(who, "economy.credit.answer", body, action, expect, "credit"):
            bill["status"] = "paid" if answer == "accept" else "declined"

    @rule(name=st.sampled_from(NAMES), leave=st.booleans())
    def join_or_leave_the_circle(self, name: str, leave: bool) -> None:
        """Anyone of the commons joins (again); a member leaves with a zero balance only."""
        active = self.circle.get(name) == "active"
        if not leave:
            expect = refusal("already_done", "joined") if active else Expect()
        elif not active:
            expect = refusal("not_allowed", "not_in_circle")
        elif self.held(credit(name), "HOURS"):
            expect = refusal("not_allowed", "balance_not_zero")
        else:
            expect = Expect()
        type_ = "economy.credit.leave" if leave else "economy.credit.join"
        if self._run(self._sign(name, type_, {"currency": "HOURS"}), expect):
            self.circle[name] = "left" if leave else "active"

    # --- invariants --------------------------------------------------------------------------

    def _read_balances(self) -> dict[tuple[str, str], int]:
        with self.node.reading() as conn:
            rows = conn.execute(
                sa.select(
                    book_balances.c.account, book_balances.c.currency, book_balances.c.amount_minor
                ).where(book_balances.c.commons_id == self.commons_id)
            ).all()
        return {(account, currency): int(amount) for account, currency, amount in rows}

    @invariant()
    def the_books_keep_their_laws(self) -> None:
        commons_id = self.commons_id
        with self.node.reading() as conn:
            held = {
                (account, currency): int(amount)
                for account, currency, amount in conn.execute(
                    sa.select(
                        book_balances.c.account,
                        book_balances.c.currency,
                        book_balances.c.amount_minor,
                    ).where(book_balances.c.commons_id == commons_id)
                ).all()
            }
            summed = {
                (account, currency): int(amount)
                for account, currency, amount in conn.execute(
                    sa.select(
                        book_postings.c.account,
                        book_postings.c.currency,
                        sa.func.sum(book_postings.c.amount_minor),
                    )
                    .where(book_postings.c.commons_id == commons_id)
                    .group_by(book_postings.c.account, book_postings.c.currency)
                ).all()
            }
            per_txn = conn.execute(
                sa.select(book_postings.c.txn_id, book_postings.c.currency)
                .where(book_postings.c.commons_id == commons_id)
                .group_by(book_postings.c.txn_id, book_postings.c.currency)
                .having(sa.func.sum(book_postings.c.amount_minor) != 0)
            ).all()
            txns = conn.execute(
                sa.select(
                    sa.func.count(), sa.func.coalesce(sa.func.sum(book_txns.c.postings), 0)
                ).where(book_txns.c.commons_id == commons_id)
            ).one()
            counts = conn.execute(
                sa.select(book_counts.c.transactions, book_counts.c.postings).where(
                    book_counts.c.commons_id == commons_id
                )
            ).one()
            exponents = dict(
                conn.execute(
                    sa.select(currencies.c.code, currencies.c.exponent).where(
                        currencies.c.commons_id == commons_id
                    )
                ).all()
            )
            members = dict(
                conn.execute(
                    sa.select(credit_members.c.member, credit_members.c.status).where(
                        credit_members.c.commons_id == commons_id
                    )
                ).all()
            )
            bills = {
                row.bill_id: row.status
                for row in conn.execute(
                    sa.select(credit_bills.c.bill_id, credit_bills.c.status).where(
                        credit_bills.c.commons_id == commons_id
                    )
                ).all()
            }
        assert held == summed  # a balance is the sum of its postings
        assert per_txn == []  # every transaction balances in every currency
        assert (int(txns[0]), int(txns[1])) == tuple(int(n) for n in counts)
        totals: dict[str, int] = defaultdict(int)
        for (account, currency), amount in held.items():
            totals[currency] += amount
            if not account.startswith(MAY_BE_NEGATIVE):
                assert amount >= 0, (account, currency, amount)
            if account.startswith("credit:"):
                assert -LIMIT <= amount <= CAP, (account, amount)
        assert all(total == 0 for total in totals.values()), dict(totals)
        model = {where: amount for where, amount in self.balances.items() if amount}
        assert {where: amount for where, amount in held.items() if amount} == model
        for code in self.used & set(EXPONENTS):
            assert exponents[code] == EXPONENTS[code]
        assert exponents["HOURS"] == 2
        assert members == {KEYS[name].did: status for name, status in self.circle.items()}
        assert bills == {bill_id: bill["status"] for bill_id, bill in self.bills.items()}


def attempt(node: Node, commons_id: str, action: SignedAction) -> Appended | CommonworkError:
    """Append one action: its entry, or the refusal."""
    try:
        [appended] = append_actions(node, commons_id, [action])
    except CommonworkError as error:
        return error
    return appended


def credit(name: str) -> str:
    return f"credit:{KEYS[name].did}"


def income_lines(amount: int, currency: str) -> list[tuple[str, str, int]]:
    return [("outside", currency, -amount), ("treasury", currency, amount)]


MACHINE_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_the_books_and_mutual_credit_keep_their_laws(
    backend: str, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    machine = type(f"EconomyOn{backend.title()}", (EconomyMachine,), {"server": server})
    try:
        run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)
    finally:
        machine.drop_template()


# --- an idempotency key is the payer's, not anyone's ------------------------------------------


def test_another_members_payment_with_the_same_key_and_body_is_not_a_retry(
    any_node: Node,
) -> None:
    people = {name: Keypair.generate() for name in ("ada", "ben", "cy")}
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = circle(any_node, people)
    body = pay("order-1", ada, 100)
    append_actions(any_node, commons_id, [signed(ben, "economy.credit.pay", body, commons_id)])
    answer = attempt(any_node, commons_id, signed(cy, "economy.credit.pay", body, commons_id))
    if isinstance(answer, CommonworkError):
        # Refused it may be (the key is taken), but not answered as Cy's payment done.
        assert (answer.code, answer.extra.get("reason")) != ("already_done", "same_key")
    else:
        assert balances(any_node, commons_id)[(f"credit:{cy.did}", "HOURS")] == -100


# --- the split ---------------------------------------------------------------------------------

recipients = st.dictionaries(
    st.text("abcxyz", min_size=1, max_size=4), st.integers(1, 10**6), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 10**15), weights=recipients, seed=st.randoms(use_true_random=False))
def test_largest_remainder_is_exact_fair_and_deterministic(
    amount: int, weights: dict[str, int], seed: Any
) -> None:
    items = list(weights.items())
    shares = largest_remainder(amount, items)
    total = sum(weights.values())
    assert sum(share.amount for share in shares) == amount  # exactly
    assert [share.recipient for share in shares] == sorted(weights)
    for share in shares:
        exact = Fraction(amount * weights[share.recipient], total)
        assert abs(share.amount - exact) < 1  # within one unit of the exact share
        assert share.amount in (math.floor(exact), math.ceil(exact))
        assert Fraction(share.floor) + Fraction(share.remainder, share.total) == exact
    shuffled = items[:]
    seed.shuffle(shuffled)
    assert largest_remainder(amount, shuffled) == shares  # the input's order does not matter
    # The units left over go to the largest remainders, ties by recipient id: whoever was
    # rounded up has a larger remainder, or an equal one and a smaller id, than whoever was not.
    up = [share for share in shares if share.rounded_up]
    down = [share for share in shares if not share.rounded_up]
    assert len(up) == amount - sum(share.floor for share in shares)
    for high in up:
        for low in down:
            assert (-high.remainder, high.recipient) < (-low.remainder, low.recipient)


def test_largest_remainder_breaks_ties_by_recipient_id() -> None:
    shares = largest_remainder(2, [("did:key:zc", 1), ("did:key:za", 1), ("did:key:zb", 1)])
    assert [(share.recipient, share.amount) for share in shares] == [
        ("did:key:za", 1),
        ("did:key:zb", 1),
        ("did:key:zc", 0),
    ]
