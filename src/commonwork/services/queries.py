"""Read-only queries over the projections: what the pages and the API show to anyone."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from commonwork.commons.charter import claim_lapse_days
from commonwork.commons.tables import commons, invitations, members
from commonwork.errors import BadInput, NotFound
from commonwork.journal.actions import format_time, parse_time
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.production.tables import (
    contribution_corrections,
    contribution_shares,
    contributions,
    task_claims,
    tasks,
    validations,
)
from commonwork.production.tasks import lapse_cutoff
from commonwork.services import settled
from commonwork.services.journals import commons_digest, require_head
from commonwork.services.settled import View

MAX_PAGE = 500


def points_text(milli: int) -> str:
    """Milli-points as a decimal string: 12500 → '12.5'."""
    text = format(Decimal(milli).scaleb(-3), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


SKILL = re.compile(r"[a-z0-9-]{1,50}")


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_PAGE)), max(0, offset)


def list_commons(node: Node, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    limit, offset = _page(limit, offset)
    query = (
        sa.select(commons)
        .order_by(commons.c.founded_at.desc(), commons.c.commons_id)
        .limit(limit)
        .offset(offset)
    )
    with node.reading() as conn:
        heads = {head.commons_id: head for head in journal_store.all_heads(conn)}
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["charter"] = orjson.loads(row["charter"])
        head = heads.get(row["commons_id"])
        row["head_seq"] = head.seq if head else None
    return rows


def count_commons(node: Node) -> int:
    with node.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(commons)).scalar_one())


def commons_detail(node: Node, commons_id: str) -> dict[str, Any]:
    """The commons with its charter, head and state digest."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        row = (
            conn.execute(sa.select(commons).where(commons.c.commons_id == commons_id))
            .mappings()
            .first()
        )
        digest = commons_digest(node, conn, head)
    detail: dict[str, Any] = plain_row(row) if row is not None else {"commons_id": commons_id}
    if "charter" in detail:
        detail["charter"] = orjson.loads(detail["charter"])
    detail.update(
        id=commons_id,
        head=head.id,
        head_seq=head.seq,
        host=head.host,
        recorded_at=head.recorded_at,
        digest=digest,
        hosted_here=head.host == node.host_key.did,
    )
    return detail


def list_members(
    node: Node, commons_id: str, *, limit: int = 100, offset: int = 0, active_only: bool = False
) -> list[dict[str, Any]]:
    limit, offset = _page(limit, offset)
    query = sa.select(members).where(members.c.commons_id == commons_id)
    if active_only:
        query = query.where(members.c.status == "active")
    query = query.order_by(members.c.joined_seq).limit(limit).offset(offset)
    with node.reading() as conn:
        require_head(conn, commons_id)
        return [plain_row(row) for row in conn.execute(query).mappings()]


def member_names(conn: sa.Connection, commons_id: str) -> dict[str, str]:
    query = sa.select(members.c.member, members.c.name).where(members.c.commons_id == commons_id)
    return {row.member: row.name for row in conn.execute(query)}


def _validations_of(
    conn: sa.Connection,
    commons_id: str,
    rows: list[dict[str, Any]],
    names: dict[str, str],
    view: View | None = None,
) -> dict[str, list[dict[str, Any]]]:
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
    by_contribution: dict[str, list[dict[str, Any]]] = {}
    for validation in found:
        item = (
            plain_row(validation) if view is None else view.row(validations, plain_row(validation))
        )
        weight = item.pop("weight_milli", None)
        item["weight"] = None if weight is None else points_text(int(weight))
        item["validator_name"] = names.get(item["validator"], "")
        item["superseded"] = item["version"] < versions[item["contribution_id"]]
        by_contribution.setdefault(item["contribution_id"], []).append(item)
    return by_contribution


def _shares_of(
    conn: sa.Connection, commons_id: str, ids: list[str], names: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Each contribution's authors and shares, largest first (removed co-authors left out)."""
    found = conn.execute(
        sa.select(contribution_shares).where(
            contribution_shares.c.commons_id == commons_id,
            contribution_shares.c.contribution_id.in_(ids),
            contribution_shares.c.share != "0",
        )
    ).mappings()
    by_contribution: dict[str, list[dict[str, Any]]] = {}
    for share in found:
        item = {"member": share["member"], "name": names.get(share["member"], "")}
        item["share"] = share["share"]
        by_contribution.setdefault(share["contribution_id"], []).append(item)
    for shares in by_contribution.values():
        shares.sort(key=lambda item: (-Decimal(item["share"]), item["member"]))
    return by_contribution


def _contribution_json(
    row: dict[str, Any],
    names: dict[str, str],
    validations_of: dict[str, list[dict[str, Any]]],
    shares_of: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    row["id"] = row["contribution_id"]
    row["contributor_name"] = names.get(row["contributor"], "")
    for name in ("artifact", "co_authors"):
        row[name] = orjson.loads(row[name]) if row[name] is not None else None
    row["validations"] = validations_of.get(row["contribution_id"], [])
    row["shares"] = shares_of.get(row["contribution_id"], [])
    return row


def list_contributions(
    node: Node, commons_id: str, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> list[dict[str, Any]]:
    """Contributions, newest first, each with its validations, shares and people's names.

    ``happened_at`` is the author's claim of when the work happened, shown as such. Under a
    settlement engine each row says whether its status is ``provisional`` (the day it changed is
    not settled yet).
    """
    limit, offset = _page(limit, offset)
    query = sa.select(contributions).where(contributions.c.commons_id == commons_id)
    view = settled.current(node, commons_id) if status is not None else None
    if status is not None:
        query = settled.status_filter(query, view, contributions, "contribution_id", status)
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
    return [_contribution_json(row, names, found, shares) for row in rows]


def _as_of_view(row: dict[str, Any], view: View | None) -> dict[str, Any]:
    """The row as of the view: settled, or as the provisional settlement leaves it."""
    if view is None:
        return {**row, "provisional": False, "settled_status": row["status"]}
    shown = view.row(contributions, row)
    shown["settled_status"] = row["status"]
    return shown


def contribution_detail(node: Node, commons_id: str, contribution_id: str) -> dict[str, Any]:
    """One contribution with its shares, every validation (superseded ones too) and the
    history of its corrections, oldest first."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        names = member_names(conn, commons_id)
        query = sa.select(contributions).where(
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
    for correction in corrections:
        correction["changes"] = orjson.loads(correction.pop("changes_json"))
    detail = _contribution_json(rows[0], names, checked, shares)
    detail["correction_history"] = corrections
    return detail


def membership(node: Node, commons_id: str, did: str) -> dict[str, Any] | None:
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


def member_row(conn: sa.Connection, commons_id: str, did: str) -> dict[str, Any] | None:
    """The member's row (active or not), or None if they never joined."""
    query = sa.select(members).where(members.c.commons_id == commons_id, members.c.member == did)
    row = conn.execute(query).mappings().first()
    return None if row is None else plain_row(row)


def _lapse_days(conn: sa.Connection, commons_id: str) -> int:
    query = sa.select(commons.c.charter).where(commons.c.commons_id == commons_id)
    charter = conn.execute(query).scalar_one_or_none()
    return claim_lapse_days(orjson.loads(charter) if charter is not None else {})


def _claims_of(
    conn: sa.Connection, commons_id: str, task_ids: list[str], as_of: str
) -> dict[str, list[dict[str, Any]]]:
    """Every claim on these tasks, oldest first, each with its state as of the journal time
    ``as_of``: live, lapsed or withdrawn, and when a live one lapses (``lapses_at``)."""
    days = _lapse_days(conn, commons_id)
    cutoff = lapse_cutoff(as_of, days)
    names = member_names(conn, commons_id)
    query = (
        sa.select(task_claims)
        .where(task_claims.c.commons_id == commons_id, task_claims.c.task_id.in_(task_ids))
        .order_by(task_claims.c.claimed_at, task_claims.c.member)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for claim in conn.execute(query).mappings():
        item = plain_row(claim)
        lapses_at = format_time(parse_time(item["last_activity_at"]) + timedelta(days=days))
        if item["status"] == "live":
            item["status"] = "live" if item["last_activity_at"] >= cutoff else "lapsed"
        item.update(name=names.get(item["member"], ""), lapses_at=lapses_at)
        found.setdefault(item["task_id"], []).append(item)
    return found


def _task_json(row: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, Any]:
    row["id"] = row["task_id"]
    row["skills"] = orjson.loads(row["skills"])
    # A closed task's claims are its history (claim_history in the detail), not live claims.
    live = [claim for claim in claims if claim["status"] == "live"]
    row["claimants"] = live if row["status"] == "open" else []
    return row


def list_tasks(
    node: Node,
    commons_id: str,
    *,
    status: str | None = None,
    skill: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Tasks, newest first, each with its live claimants as of the journal head's time."""
    limit, offset = _page(limit, offset)
    view = settled.for_tasks(node, commons_id)
    query = sa.select(tasks).where(tasks.c.commons_id == commons_id)
    if status is not None:
        query = settled.status_filter(query, view, tasks, "task_id", status)
    if skill is not None:
        if not SKILL.fullmatch(skill):
            raise BadInput(f"{skill!r} is not a skill: use lowercase letters, digits and '-'")
        query = query.where(tasks.c.skills.like(f'%"{skill}"%'))  # no LIKE wildcards in skills
    query = query.order_by(tasks.c.seq.desc()).limit(limit).offset(offset)
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        rows = [_task_as_of(plain_row(row), view) for row in conn.execute(query).mappings()]
        claims = _claims_of(conn, commons_id, [row["task_id"] for row in rows], head.recorded_at)
    return [_task_json(row, claims.get(row["task_id"], [])) for row in rows]


def _task_as_of(row: dict[str, Any], view: View | None) -> dict[str, Any]:
    return {**row, "provisional": False} if view is None else view.row(tasks, row)


def count_tasks(node: Node, commons_id: str, *, status: str | None = None) -> int:
    """How many tasks a commons has (of one status, if given)."""
    query = sa.select(sa.func.count()).select_from(tasks).where(tasks.c.commons_id == commons_id)
    if status is not None:
        query = settled.status_filter(
            query, settled.for_tasks(node, commons_id), tasks, "task_id", status
        )
    with node.reading() as conn:
        return int(conn.execute(query).scalar_one())


def task_titles(node: Node, commons_id: str, task_ids: list[str]) -> dict[str, str]:
    """The titles of these tasks, by id (one query; unknown ids are left out)."""
    if not task_ids:
        return {}
    query = sa.select(tasks.c.task_id, tasks.c.title).where(
        tasks.c.commons_id == commons_id, tasks.c.task_id.in_(sorted(set(task_ids)))
    )
    with node.reading() as conn:
        return {row.task_id: row.title for row in conn.execute(query)}


def task_detail(node: Node, commons_id: str, task_id: str) -> dict[str, Any]:
    """One task with its live claimants, every claim ever made and the contributions linked."""
    with node.reading() as conn:
        linked_ids = conn.execute(
            sa.select(contributions.c.contribution_id).where(
                contributions.c.commons_id == commons_id, contributions.c.task == task_id
            )
        ).scalars()
        view = settled.for_rows(node, commons_id, list(linked_ids))
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        query = sa.select(tasks).where(tasks.c.commons_id == commons_id, tasks.c.task_id == task_id)
        found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFound(f"there is no task {task_id} in commons {commons_id}")
        claims = _claims_of(conn, commons_id, [task_id], head.recorded_at).get(task_id, [])
        linked = conn.execute(
            sa.select(contributions)
            .where(contributions.c.commons_id == commons_id, contributions.c.task == task_id)
            .order_by(contributions.c.seq)
        ).mappings()
        linked_rows = [_as_of_view(plain_row(row), view) for row in linked]
    detail = _task_json(_task_as_of(plain_row(found), view), claims)
    detail.update(claim_history=claims, contributions=linked_rows, as_of=head.recorded_at)
    return detail
