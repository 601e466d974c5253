"""Read-only views of a commons' organisations and of what its decisions did with money: the
organisations of the triarchy with their form, evidence, representatives and declared uses; the
decided spends and payouts, and one payout with every line explained in words.

Reads are by index, a page at a time: organisations by their primary key (keyset on the did),
their uses by ``ix_org_uses_org``, a payout's lines by their primary key. Decided spends are
listed by the primary key of ``decided_spends`` sorted by decision time: each row is a passed
money decision, so the sort costs the number of money decisions, never the journal's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import orjson
import sqlalchemy as sa

from commonwork.economy.organisations import FORM_NAMES
from commonwork.economy.tables import (
    decided_spends,
    org_uses,
    organisations,
    payout_lines,
    representatives,
)
from commonwork.errors import NotFound
from commonwork.governance.tables import proposals
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.services.books_models import (
    Money,
    Transaction,
    commons_name,
    exponents,
    money,
    names_of,
    page_limit,
)
from commonwork.services.books_read import account_balances, transaction_detail
from commonwork.services.journals import require_head
from commonwork.services.models import JsonObject

#: Declared uses an organisation lists at most; representatives likewise.
USES_SHOWN = 100
REPRESENTATIVES_SHOWN = 200
#: A payout's lines shown at most (one per member paid, and the reserve's).
LINES_SHOWN = 2000


@dataclass(frozen=True)
class Use:
    use_id: str  # the entry that declared it
    org: str
    subject: str  # "commons", or an artifact's id
    terms: tuple[str, ...]  # SPDX licence expressions relied on
    purpose: str
    commercial: bool  # a commercial use, allowed by the licence's terms
    declared_by: str
    seq: int
    recorded_at: str


@dataclass(frozen=True)
class Organisation:
    org: str
    name: str
    form: str
    form_name: str  # "worker cooperative"…
    purpose: str
    evidence: JsonObject  # registry_id, statutes_sha256, url (each if given)
    declared_at: str
    updated_at: str
    updated_entry: str
    representatives: int
    #: What it claims to be (its form): declared, contested by a member, upheld or rejected
    #: by the members; ``claim_by``: the contest or decision that made it so.
    claim: str
    claim_by: str | None


@dataclass(frozen=True)
class Representative:
    member: str
    name: str
    added_by: str
    added_at: str
    removed_by: str | None
    removed_at: str | None


@dataclass(frozen=True)
class OrganisationDetail:
    organisation: Organisation
    representatives: tuple[Representative, ...]
    uses: tuple[Use, ...]  # newest first
    owed: tuple[Money, ...]  # what the commons owes it (payable)
    owes: tuple[Money, ...]  # what it owes the commons (receivable)


@dataclass(frozen=True)
class OrganisationPage:
    items: tuple[Organisation, ...]
    uses: tuple[Use, ...]  # the page's organisations' declared uses, newest first
    limit: int
    next_after: str | None


def _organisation(row: dict[str, object]) -> Organisation:
    form = str(row["form"])
    return Organisation(
        org=str(row["org"]),
        name=str(row["name"]),
        form=form,
        form_name=FORM_NAMES.get(form, form),
        purpose=str(row["purpose"]),
        evidence=orjson.loads(str(row["evidence"])),
        declared_at=str(row["declared_at"]),
        updated_at=str(row["updated_at"]),
        updated_entry=str(row["updated_entry"]),
        representatives=int(str(row["representatives"])),
        claim=str(row.get("claim") or "declared"),
        claim_by=None if row.get("claim_by") is None else str(row["claim_by"]),
    )


def _use(row: dict[str, object]) -> Use:
    return Use(
        use_id=str(row["use_id"]),
        org=str(row["org"]),
        subject=str(row["subject"]),
        terms=tuple(orjson.loads(str(row["terms"]))),
        purpose=str(row["purpose"]),
        commercial=bool(row["commercial"]),
        declared_by=str(row["declared_by"]),
        seq=int(str(row["seq"])),
        recorded_at=str(row["recorded_at"]),
    )


def _uses(conn: sa.Connection, commons_id: str, orgs: list[str], limit: int) -> list[Use]:
    if not orgs:
        return []
    query = (
        sa.select(org_uses)
        .where(org_uses.c.commons_id == commons_id, org_uses.c.org.in_(orgs))
        .order_by(org_uses.c.seq.desc())
        .limit(limit)
    )
    return [_use(plain_row(row)) for row in conn.execute(query).mappings()]


def list_organisations(
    node: Node, commons_id: str, *, after: str | None = None, limit: int = 50
) -> OrganisationPage:
    """A page of the organisations declared in the commons, by did (after ``after``), with
    their declared uses."""
    limit = page_limit(limit)
    query = sa.select(organisations).where(organisations.c.commons_id == commons_id)
    if after is not None:
        query = query.where(organisations.c.org > after)
    query = query.order_by(organisations.c.org).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = [_organisation(row) for row in rows[:limit]]
        uses = _uses(conn, commons_id, [item.org for item in items], limit * 10)
    more = len(rows) > limit
    return OrganisationPage(tuple(items), tuple(uses), limit, items[-1].org if more else None)


def organisation_detail(node: Node, commons_id: str, org: str) -> OrganisationDetail:
    with node.reading() as conn:
        require_head(conn, commons_id)
        found = (
            conn.execute(
                sa.select(organisations).where(
                    organisations.c.commons_id == commons_id, organisations.c.org == org
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            raise NotFound(f"{org} has not declared itself as an organisation in this commons")
        people = [
            plain_row(row)
            for row in conn.execute(
                sa.select(representatives)
                .where(representatives.c.commons_id == commons_id, representatives.c.org == org)
                .limit(REPRESENTATIVES_SHOWN)
            ).mappings()
        ]
        names = names_of(conn, commons_id, (str(p["member"]) for p in people))
        uses = _uses(conn, commons_id, [org], USES_SHOWN)
        owed = account_balances(conn, commons_id, f"payable:{org}")
        owes = account_balances(conn, commons_id, f"receivable:{org}")
    listed = tuple(
        Representative(
            member=str(p["member"]),
            name=names.get(str(p["member"]), ""),
            added_by=str(p["added_by"]),
            added_at=str(p["added_at"]),
            removed_by=None if p["removed_by"] is None else str(p["removed_by"]),
            removed_at=None if p["removed_at"] is None else str(p["removed_at"]),
        )
        for p in sorted(people, key=lambda p: (p["removed_at"] is not None, str(p["added_at"])))
    )
    return OrganisationDetail(_organisation(plain_row(found)), listed, tuple(uses), owed, owes)


# --- decided spends and payouts --------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    """What a passed decision does with money: a ``spend`` (its ``purpose``: prize, patronage,
    expense, grant, reserve; to ``to``) or a ``payout`` by value points. ``status``: waiting
    (a large one, until ``due_at``), done (its transaction ``txn_id``) or failed (``detail``
    says why: nothing moved)."""

    proposal_id: str
    title: str
    kind: str
    purpose: str
    to: str | None
    to_name: str
    amount: Money
    status: str
    large: bool
    decided_at: str
    due_at: str
    executed_at: str | None
    txn_id: str | None
    detail: str
    effect: JsonObject


@dataclass(frozen=True)
class SpendPage:
    items: tuple[Spend, ...]
    limit: int
    offset: int


@dataclass(frozen=True)
class PayoutLine:
    """One line of a payout: the reserve's infrastructure share, or a member's share of the
    rest by the value points it pays them for; ``exact``: the share in minor units as the
    fraction n/d, ``exact_amount`` that fraction in the currency (to a few more digits)."""

    recipient: str
    name: str
    points_milli: int
    points: str
    amount: Money
    exact: str
    exact_amount: str
    rounded_up: bool
    explanation: str


@dataclass(frozen=True)
class PayoutDetail:
    spend: Spend
    lines: tuple[PayoutLine, ...]
    points_milli: int  # the points the payout pays for, in all
    transaction: Transaction | None


def _spend(row: dict[str, object], titles: dict[str, str], names: dict[str, str],
           known: dict[str, int]) -> Spend:  # fmt: skip
    effect: JsonObject = orjson.loads(str(row["effect"]))
    to = effect.get("to")
    return Spend(
        proposal_id=str(row["proposal_id"]),
        title=titles.get(str(row["proposal_id"]), ""),
        kind=str(row["kind"]),
        purpose=str(effect.get("purpose", "payout")),
        to=None if to is None else str(to),
        to_name="" if to is None else names.get(str(to), ""),
        amount=money(str(effect["currency"]), int(str(effect["amount_minor"])), known),
        status=str(row["status"]),
        large=bool(row["large"]),
        decided_at=str(row["decided_at"]),
        due_at=str(row["due_at"]),
        executed_at=None if row["executed_at"] is None else str(row["executed_at"]),
        txn_id=None if row["txn_id"] is None else str(row["txn_id"]),
        detail=str(row["detail"]),
        effect=effect,
    )


def _spends_of(conn: sa.Connection, commons_id: str, rows: list[dict[str, object]]) -> list[Spend]:
    ids = sorted(str(row["proposal_id"]) for row in rows)
    titles: dict[str, str] = {}
    if ids:
        query = sa.select(proposals.c.proposal_id, proposals.c.title).where(
            proposals.c.commons_id == commons_id, proposals.c.proposal_id.in_(ids)
        )
        titles = {str(r.proposal_id): str(r.title) for r in conn.execute(query)}
    dids = (str(orjson.loads(str(row["effect"])).get("to", "")) for row in rows)
    names = names_of(conn, commons_id, dids)
    known = exponents(conn, commons_id)
    return [_spend(row, titles, names, known) for row in rows]


def list_spends(node: Node, commons_id: str, *, limit: int = 50, offset: int = 0) -> SpendPage:
    """The decided spends and payouts, newest decision first."""
    limit, offset = page_limit(limit), max(0, offset)
    query = (
        sa.select(decided_spends)
        .where(decided_spends.c.commons_id == commons_id)
        .order_by(decided_spends.c.decided_at.desc(), decided_spends.c.proposal_id)
        .limit(limit)
        .offset(offset)
    )
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = _spends_of(conn, commons_id, rows)
    return SpendPage(tuple(items), limit, offset)


def _exact_amount(exact: Fraction, exponent: int) -> str:
    """n/d minor units in the currency, to four digits beyond its own (… when cut)."""
    digits = exponent + 4
    scaled = exact / 10**exponent
    cut = Decimal(scaled.numerator * 10**digits // scaled.denominator).scaleb(-digits)
    text = f"{cut:.{digits}f}"
    return text if cut == Decimal(scaled.numerator) / Decimal(scaled.denominator) else text + "…"


def _line(row: dict[str, object], spend: Spend, rest: int, total: int, bp: int,
          names: dict[str, str], known: dict[str, int]) -> PayoutLine:  # fmt: skip
    currency = spend.amount.currency
    exponent = known.get(currency, 2)
    numerator, _, denominator = str(row["exact"]).partition("/")
    exact = Fraction(int(numerator), int(denominator or 1))
    share = money(currency, int(str(row["amount_minor"])), known)
    exact_text = _exact_amount(exact, exponent)
    recipient, points = str(row["recipient"]), int(str(row["points_milli"]))
    rounded = "rounded up" if row["rounded_up"] else "rounded down"
    if exact.denominator == 1:
        rounded = "exactly"
    if recipient == "reserve":
        words = (
            f"The infrastructure share first: {Decimal(bp) / 100}% of {spend.amount.amount} "
            f"{currency} is {exact_text} {currency}, {rounded} to {share.amount} {currency}, "
            "to the association's reserve."
        )
    else:
        who = names.get(recipient) or recipient
        left = money(currency, rest, known).amount
        words = (
            f"{who} earned {Decimal(points).scaleb(-3)} of the {Decimal(total).scaleb(-3)} "
            f"value points this payout pays for: that share of the {left} {currency} left after "
            f"the reserve's is {exact_text} {currency}, {rounded} to {share.amount} {currency} "
            "(the units left over by rounding go to the largest remainders, ties by did)."
        )
    return PayoutLine(
        recipient=recipient,
        name=names.get(recipient, ""),
        points_milli=points,
        points=str(Decimal(points).scaleb(-3)),
        amount=share,
        exact=str(row["exact"]),
        exact_amount=exact_text,
        rounded_up=bool(row["rounded_up"]),
        explanation=words,
    )


def payout_detail(node: Node, commons_id: str, proposal_id: str) -> PayoutDetail:
    """One decided spend or payout, with its transaction and (a payout's) lines explained."""
    with node.reading() as conn:
        commons_name(conn, commons_id)
        found = (
            conn.execute(
                sa.select(decided_spends).where(
                    decided_spends.c.commons_id == commons_id,
                    decided_spends.c.proposal_id == proposal_id,
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            raise NotFound(f"no decision {proposal_id} of this commons spends or pays out money")
        spend = _spends_of(conn, commons_id, [plain_row(found)])[0]
        rows = [
            plain_row(row)
            for row in conn.execute(
                sa.select(payout_lines)
                .where(
                    payout_lines.c.commons_id == commons_id,
                    payout_lines.c.payout_id == proposal_id,
                )
                .limit(LINES_SHOWN)
            ).mappings()
        ]
        names = names_of(conn, commons_id, (str(row["recipient"]) for row in rows))
        known = exponents(conn, commons_id)
    txn = None if spend.txn_id is None else transaction_detail(node, commons_id, spend.txn_id)
    bp = int(str(txn.why.get("infrastructure_bp", 0))) if txn is not None else 0
    members = [row for row in rows if row["recipient"] != "reserve"]
    # every member line's exact share is rest x points / (the points in all)
    total = int(str(members[0]["exact"]).partition("/")[2]) if members else 0
    reserve = next((int(str(r["amount_minor"])) for r in rows if r["recipient"] == "reserve"), 0)
    rest = spend.amount.amount_minor - reserve
    ordered = sorted(rows, key=lambda row: (row["recipient"] != "reserve", str(row["recipient"])))
    lines = tuple(_line(row, spend, rest, total, bp, names, known) for row in ordered)
    return PayoutDetail(spend, lines, total, txn)
