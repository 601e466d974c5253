"""Read-only queries over the projections: what the pages and the API show to anyone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from commonwork.commons.tables import commons, invitations, members
from commonwork.errors import NotFound
from commonwork.journal.projection import Row
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.production.tables import (
    STATUS_COLUMNS,
    contribution_corrections,
    contribution_shares,
    contribution_status,
    contributions,
    validations,
)
from commonwork.services import settled
from commonwork.services.journals import commons_digest, require_head
from commonwork.services.read_models import (
    CoAuthor,
    CommonsDetail,
    CommonsSummary,
    ContributionDetail,
    ContributionRow,
    Correction,
    LinkedContribution,
    MemberRow,
    Share,
    Validation,
)
from commonwork.services.settled import View

MAX_PAGE = 500


def points_text(milli: int) -> str:
    """Milli-points as a decimal string: 12500 → '12.5'."""
    text = format(Decimal(milli).scaleb(-3), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """A page's limit (1 to MAX_PAGE) and offset (from 0)."""
    return max(1, min(limit, MAX_PAGE)), max(0, offset)


def list_commons(node: Node, *, limit: int = 50, offset: int = 0) -> list[CommonsSummary]:
    limit, offset = page_bounds(limit, offset)
    query = (
        sa.select(commons)
        .order_by(commons.c.founded_at.desc(), commons.c.commons_id)
        .limit(limit)
        .offset(offset)
    )
    with node.reading() as conn:
        heads = {head.commons_id: head for head in journal_store.all_heads(conn)}
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
    listed = []
    for row in rows:
        head = heads.get(row["commons_id"])
        row["charter"] = orjson.loads(row["charter"])
        listed.append(CommonsSummary(**row, head_seq=head.seq if head else None))
    return listed


def count_commons(node: Node) -> int:
    with node.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(commons)).scalar_one())


def commons_detail(node: Node, commons_id: str) -> CommonsDetail:
    """The commons with its charter, head and state digest."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        row = (
            conn.execute(sa.select(commons).where(commons.c.commons_id == commons_id))
            .mappings()
            .first()
        )
        digest = commons_digest(node, conn, head)
    found: Row = plain_row(row) if row is not None else {"commons_id": commons_id}
    if "charter" in found:
        found["charter"] = orjson.loads(found["charter"])
    return CommonsDetail(
        **found,
        id=commons_id,
        head=head.id,
        head_seq=head.seq,
        host=head.host,
        recorded_at=head.recorded_at,
        digest=digest,
        hosted_here=head.host == node.host_key.did,
    )


def list_members(
    node: Node, commons_id: str, *, limit: int = 100, offset: int = 0, active_only: bool = False
) -> list[MemberRow]:
    limit, offset = page_bounds(limit, offset)
    query = sa.select(members).where(members.c.commons_id == commons_id)
    if active_only:
        query = query.where(members.c.status == "active")
    query = query.order_by(members.c.joined_seq).limit(limit).offset(offset)
    with node.reading() as conn:
        require_head(conn, commons_id)
        return [MemberRow(**plain_row(row)) for row in conn.execute(query).mappings()]


def member_names(conn: sa.Connection, commons_id: str) -> dict[str, str]:
    query = sa.select(members.c.member, members.c.name).where(members.c.commons_id == commons_id)
    return {row.member: row.name for row in conn.execute(query)}


def _validations_of(
    conn: sa.Connection,
    commons_id: str,
    rows: list[Row],
    names: dict[str, str],
    view: View | None = None,
) -> dict[str, list[Validation]]:
    """Every validation of these contributions, oldest first; those of a version before the
    latest correction are ``superseded`` (history that no longer counts). Under an engine each
    says what it weighs (``weight``, fixed when it was recorded; null for a validation of work
    that was no longer pending)."""
    versions = {row["contribution_id"]: row["corrections"] for row in rows}
    found = conn.execute(
        sa.select(validations)
        .where(
            validations.c.commons_id == commons_id,
            validations.c.contribution_id.in_(list(versions)),
        )
        .order_by(validations.c.seq)
    ).mappings()
    by_contribution: dict[str, list[Validation]] = {}
    for validation in found:
        item = (
            plain_row(validation) if view is None else view.row(validations, plain_row(validation))
        )
        weight = item.pop("weight_milli", None)
        by_contribution.setdefault(item["contribution_id"], []).append(
            Validation(
                **item,
                weight=None if weight is None else points_text(int(weight)),
                validator_name=names.get(item["validator"], ""),
                superseded=item["version"] < versions[item["contribution_id"]],
            )
        )
    return by_contribution


def _shares_of(
    conn: sa.Connection, commons_id: str, ids: list[str], names: dict[str, str]
) -> dict[str, list[Share]]:
    """Each contribution's authors and shares, largest first (removed co-authors left out)."""
    found = conn.execute(
        sa.select(contribution_shares).where(
            contribution_shares.c.commons_id == commons_id,
            contribution_shares.c.contribution_id.in_(ids),
            contribution_shares.c.share != "0",
        )
    ).mappings()
    by_contribution: dict[str, list[Share]] = {}
    for share in found:
        member = share["member"]
        item = Share(member=member, name=names.get(member, ""), share=share["share"])
        by_contribution.setdefault(share["contribution_id"], []).append(item)
    for shares in by_contribution.values():
        shares.sort(key=lambda item: (-Decimal(item.share), item.member))
    return by_contribution


def _contribution_fields(
    row: Row,
    names: dict[str, str],
    validations_of: dict[str, list[Validation]],
    shares_of: dict[str, list[Share]],
) -> Row:
    """What a ContributionRow is made of: the row with its JSON parsed, and what is added."""
    co_authors = row["co_authors"]
    return {
        **row,
        "artifact": orjson.loads(row["artifact"]) if row["artifact"] is not None else None,
        "co_authors": None
        if co_authors is None
        else tuple(CoAuthor(**item) for item in orjson.loads(co_authors)),
        "id": row["contribution_id"],
        "contributor_name": names.get(row["contributor"], ""),
        "validations": tuple(validations_of.get(row["contribution_id"], [])),
        "shares": tuple(shares_of.get(row["contribution_id"], [])),
    }


def whole_contributions() -> sa.Select[Any]:
    """Contributions as readers show them: each record with the columns of its status row."""
    joined = contributions.join(
        contribution_status,
        sa.and_(
            contribution_status.c.commons_id == contributions.c.commons_id,
            contribution_status.c.seq == contributions.c.seq,
        ),
    )
    status = [contribution_status.c[name] for name in STATUS_COLUMNS]
    return sa.select(contributions, *status).select_from(joined)


def list_contributions(
    node: Node, commons_id: str, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> list[ContributionRow]:
    """Contributions, newest first, each with its validations, shares and people's names.

    ``happened_at`` is the author's claim of when the work happened, shown as such. Under a
    settlement engine each row says whether its status is ``provisional`` (the day it changed is
    not settled yet).
    """
    limit, offset = page_bounds(limit, offset)
    query = whole_contributions().where(contributions.c.commons_id == commons_id)
    view = settled.current(node, commons_id) if status is not None else None
    if status is not None:
        query = settled.status_filter(query, view, contribution_status, "seq", status)
    query = query.order_by(contributions.c.seq.desc()).limit(limit).offset(offset)
    with node.reading() as conn:
        require_head(conn, commons_id)
        stored = [plain_row(row) for row in conn.execute(query).mappings()]
    if status is None:  # the page's rows only: the cost of the page, not of the day
        view = settled.for_rows(node, commons_id, [row["contribution_id"] for row in stored])
    with node.reading() as conn:
        names = member_names(conn, commons_id)
        rows = [_as_of_view(row, view) for row in stored]
        found = _validations_of(conn, commons_id, rows, names, view)
        shares = _shares_of(conn, commons_id, [row["contribution_id"] for row in rows], names)
    return [ContributionRow(**_contribution_fields(row, names, found, shares)) for row in rows]


def _as_of_view(row: Row, view: View | None) -> Row:
    """The row as of the view: settled, or as the provisional settlement leaves it."""
    if view is None:
        return {**row, "provisional": False, "settled_status": row["status"]}
    shown = view.row(contribution_status, row)
    shown["settled_status"] = row["status"]
    return shown


def contribution_detail(node: Node, commons_id: str, contribution_id: str) -> ContributionDetail:
    """One contribution with its shares, every validation (superseded ones too) and the
    history of its corrections, oldest first."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        names = member_names(conn, commons_id)
        query = whole_contributions().where(
            contributions.c.commons_id == commons_id,
            contributions.c.contribution_id == contribution_id,
        )
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"there is no contribution {contribution_id} in commons {commons_id}")
        view = settled.for_rows(node, commons_id, [contribution_id])
        rows = [_as_of_view(plain_row(found), view)]
        checked = _validations_of(conn, commons_id, rows, names, view)
        shares = _shares_of(conn, commons_id, [contribution_id], names)
        history = conn.execute(
            sa.select(contribution_corrections)
            .where(
                contribution_corrections.c.commons_id == commons_id,
                contribution_corrections.c.contribution_id == contribution_id,
            )
            .order_by(contribution_corrections.c.seq)
        ).mappings()
        corrections = [plain_row(row) for row in history]
    correction_history = tuple(_correction(row) for row in corrections)
    return ContributionDetail(
        **_contribution_fields(rows[0], names, checked, shares),
        correction_history=correction_history,
    )


def _correction(row: Row) -> Correction:
    changes = orjson.loads(row.pop("changes_json"))
    return Correction(**row, changes=changes)


def membership(node: Node, commons_id: str, did: str) -> MemberRow | None:
    with node.reading() as conn:
        return member_row(conn, commons_id, did)


def is_invited(node: Node, commons_id: str, did: str) -> bool:
    """Whether a member's invite entry names this key (so it may join an invitation-only
    commons)."""
    query = sa.select(invitations.c.invitee).where(
        invitations.c.commons_id == commons_id, invitations.c.invitee == did
    )
    with node.reading() as conn:
        return conn.execute(query).first() is not None


def member_row(conn: sa.Connection, commons_id: str, did: str) -> MemberRow | None:
    """The member's row (active or not), or None if they never joined."""
    query = sa.select(members).where(members.c.commons_id == commons_id, members.c.member == did)
    row = conn.execute(query).mappings().first()
    return None if row is None else MemberRow(**plain_row(row))


def linked_contributions(
    conn: sa.Connection, commons_id: str, task_id: str, view: View | None
) -> list[LinkedContribution]:
    """The contributions linked to a task, oldest first, as of the view."""
    linked = conn.execute(
        whole_contributions()
        .where(contributions.c.commons_id == commons_id, contributions.c.task == task_id)
        .order_by(contributions.c.seq)
    ).mappings()
    return [LinkedContribution(**_as_of_view(plain_row(row), view)) for row in linked]
