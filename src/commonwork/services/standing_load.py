"""Reading a commons' projections into the standing engine's arrays (:class:`Ledger`).

Members are indexed in the order they joined; contributions in the order they were recorded.
Only validations of a contribution's current version count (a correction supersedes the older
ones). A contribution's day is that of its latest correction, if any: a correction restarts its
validation and its challenge window. Quantities are counted to the thousandth (the engine's
milli-units; a fourth decimal is dropped), shares exactly (in ten-thousandths).

Everything up to ``as_of`` is read (rows recorded later are left out), so that figures as of a past
time are what they were then, corrections aside: a later correction counts as of its own time only
for the contribution's day, not for its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from numpy.typing import NDArray

from commonwork.commons.charter_policies import charter_policies
from commonwork.commons.policy import CONTRIBUTION_KINDS, Policies
from commonwork.commons.tables import commons, members
from commonwork.errors import NotFound
from commonwork.journal.actions import parse_time
from commonwork.production.tables import contribution_shares, contributions, validations
from commonwork.standing.ledger import APPROVE, DISPUTE, Ledger

SHARE_SCALE = 10_000  # shares have at most four decimals
VERDICTS = {"approve": APPROVE, "adjust": APPROVE, "dispute": DISPUTE}


@dataclass(frozen=True, eq=False)
class Loaded:
    """A ledger with what maps its indices back to the journal."""

    ledger: Ledger
    policies: Policies  # founders by member index
    charter_policies: Policies  # as the charter says (founders by did)
    member_ids: list[str]
    member_names: list[str]
    member_active: list[bool]
    contribution_ids: list[str]
    contribution_seq: NDArray[np.int64]
    validation_seq: NDArray[np.int64]
    founded_at: str

    def member_index(self, did: str) -> int:
        try:
            return self.member_ids.index(did)
        except ValueError:
            raise NotFound(f"{did} is not a member of this commons") from None


def day_of(genesis: date, recorded_at: str) -> int:
    return (parse_time(recorded_at).date() - genesis).days


def _milli(quantity: str) -> int:
    return int(Decimal(quantity).scaleb(3).to_integral_value(rounding="ROUND_FLOOR"))


def _commons(conn: sa.Connection, commons_id: str) -> sa.RowMapping:
    row = (
        conn.execute(sa.select(commons).where(commons.c.commons_id == commons_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    return row


def commons_policies(conn: sa.Connection, commons_id: str) -> Policies | None:
    """The policies the commons' charter sets, or None (the provisional rule)."""
    row = _commons(conn, commons_id)
    return charter_policies(orjson.loads(row["charter"]), row["founder"])


def _members(conn: sa.Connection, commons_id: str) -> list[sa.RowMapping]:
    query = (
        sa.select(members.c.member, members.c.name, members.c.status)
        .where(members.c.commons_id == commons_id)
        .order_by(members.c.joined_seq)
    )
    return list(conn.execute(query).mappings())


def _contributions(
    conn: sa.Connection, commons_id: str, as_of: str
) -> tuple[list[Any], dict[str, list[tuple[str, str]]]]:
    query = (
        sa.select(
            contributions.c.contribution_id,
            contributions.c.seq,
            contributions.c.kind,
            contributions.c.quantity,
            contributions.c.skill,
            contributions.c.recorded_at,
            contributions.c.corrected_at,
            contributions.c.corrections,
        )
        .where(contributions.c.commons_id == commons_id, contributions.c.recorded_at <= as_of)
        .order_by(contributions.c.seq)
    )
    rows = list(conn.execute(query))
    shares: dict[str, list[tuple[str, str]]] = {}
    found = conn.execute(
        sa.select(
            contribution_shares.c.contribution_id,
            contribution_shares.c.member,
            contribution_shares.c.share,
        )
        .where(contribution_shares.c.commons_id == commons_id, contribution_shares.c.share != "0")
        .order_by(contribution_shares.c.contribution_id, contribution_shares.c.member)
    )
    for contribution_id, member, share in found:
        shares.setdefault(contribution_id, []).append((member, share))
    return rows, shares


def _validations(conn: sa.Connection, commons_id: str, as_of: str) -> list[Any]:
    current = sa.and_(
        contributions.c.commons_id == validations.c.commons_id,
        contributions.c.contribution_id == validations.c.contribution_id,
        contributions.c.corrections == validations.c.version,
    )
    query = (
        sa.select(
            validations.c.contribution_id,
            validations.c.validator,
            validations.c.verdict,
            validations.c.quantity,
            validations.c.seq,
            validations.c.recorded_at,
        )
        .join(contributions, current)
        .where(validations.c.commons_id == commons_id, validations.c.recorded_at <= as_of)
        .order_by(validations.c.seq)
    )
    return list(conn.execute(query))


def load(conn: sa.Connection, commons_id: str, policies: Policies, as_of: str) -> Loaded:
    """The commons' ledger as of ``as_of`` (a journal time), under ``policies``."""
    row = _commons(conn, commons_id)
    genesis = parse_time(row["founded_at"]).date()
    people = _members(conn, commons_id)
    index = {person["member"]: i for i, person in enumerate(people)}
    rows, shares = _contributions(conn, commons_id, as_of)
    skills = sorted({r.skill for r in rows if r.skill is not None})
    skill_index = {name: i for i, name in enumerate(skills)}
    kind_index = {name: i for i, name in enumerate(CONTRIBUTION_KINDS)}
    ptr, authors, parts = [0], [], []
    for r in rows:
        for member, share in shares[r.contribution_id]:
            authors.append(index[member])
            parts.append(int(Decimal(share) * SHARE_SCALE))
        ptr.append(len(authors))
    position = {r.contribution_id: i for i, r in enumerate(rows)}
    checked = [v for v in _validations(conn, commons_id, as_of) if v.contribution_id in position]
    ledger = Ledger(
        members=max(len(people), 1),
        contribution_day=np.asarray(
            [day_of(genesis, r.corrected_at or r.recorded_at) for r in rows], np.int32
        ),
        kind=np.asarray([kind_index[r.kind] for r in rows], np.int32),
        quantity_milli=np.asarray([_milli(r.quantity) for r in rows], np.int64),
        skill=np.asarray(
            [skill_index[r.skill] if r.skill is not None else -1 for r in rows], np.int32
        ),
        author_ptr=np.asarray(ptr, np.int64),
        author_idx=np.asarray(authors, np.int32),
        author_share_milli=np.asarray(parts, np.int64),
        validation_contribution=np.asarray(
            [position[v.contribution_id] for v in checked], np.int32
        ),
        validator=np.asarray([index[v.validator] for v in checked], np.int32),
        validation_day=np.asarray([day_of(genesis, v.recorded_at) for v in checked], np.int32),
        validation_order=np.asarray([v.seq for v in checked], np.int64),
        verdict=np.asarray([VERDICTS[v.verdict] for v in checked], np.int8),
        validation_quantity_milli=np.asarray(
            [_milli(v.quantity) if v.quantity else -1 for v in checked], np.int64
        ),
        kind_names=CONTRIBUTION_KINDS,
        skill_names=tuple(skills),
        genesis=genesis,
        share_scale=SHARE_SCALE,
    )
    return Loaded(
        ledger=ledger,
        policies=policies.for_members(index),
        charter_policies=policies,
        member_ids=[person["member"] for person in people],
        member_names=[person["name"] for person in people],
        member_active=[person["status"] == "active" for person in people],
        contribution_ids=[r.contribution_id for r in rows],
        contribution_seq=np.asarray([r.seq for r in rows], np.int64),
        validation_seq=np.asarray([v.seq for v in checked], np.int64),
        founded_at=row["founded_at"],
    )
