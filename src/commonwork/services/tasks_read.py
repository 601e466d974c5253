"""Read-only queries over the tasks: the board, one task with its claims and the contributions
linked to it, as anyone may read them. A claim's state (live, lapsed) is as of the journal head's
time; a task's status is settled, or as the provisional settlement of the days not settled yet
leaves it (``services.settled``)."""

from __future__ import annotations

import re
from datetime import timedelta

import orjson
import sqlalchemy as sa

from commonwork.commons.charter import claim_lapse_days
from commonwork.commons.tables import commons
from commonwork.errors import BadInput, NotFound
from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.projection import Row
from commonwork.node.node import Node
from commonwork.node.state import plain_row
from commonwork.production.tables import contributions, task_claims, tasks
from commonwork.production.tasks import lapse_cutoff
from commonwork.services import settled
from commonwork.services.journals import require_head
from commonwork.services.queries import linked_contributions, member_names, page_bounds
from commonwork.services.read_models import Claim, TaskDetail, TaskRow
from commonwork.services.settled import View

SKILL = re.compile(r"[a-z0-9-]{1,50}")


def _lapse_days(conn: sa.Connection, commons_id: str) -> int:
    query = sa.select(commons.c.charter).where(commons.c.commons_id == commons_id)
    charter = conn.execute(query).scalar_one_or_none()
    return claim_lapse_days(orjson.loads(charter) if charter is not None else {})


def _claims_of(
    conn: sa.Connection, commons_id: str, task_ids: list[str], as_of: str
) -> dict[str, list[Claim]]:
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
    found: dict[str, list[Claim]] = {}
    for claim in conn.execute(query).mappings():
        item = plain_row(claim)
        lapses_at = format_time(parse_time(item["last_activity_at"]) + timedelta(days=days))
        if item["status"] == "live":
            item["status"] = "live" if item["last_activity_at"] >= cutoff else "lapsed"
        made = Claim(**item, name=names.get(item["member"], ""), lapses_at=lapses_at)
        found.setdefault(made.task_id, []).append(made)
    return found


def _task_fields(row: Row, claims: list[Claim]) -> Row:
    """What a TaskRow is made of: the row with its skills parsed, and its live claimants."""
    # A closed task's claims are its history (claim_history in the detail), not live claims.
    live = tuple(claim for claim in claims if claim.status == "live")
    return {
        **row,
        "skills": tuple(orjson.loads(row["skills"])),
        "id": row["task_id"],
        "claimants": live if row["status"] == "open" else (),
    }


def list_tasks(
    node: Node,
    commons_id: str,
    *,
    status: str | None = None,
    skill: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[TaskRow]:
    """Tasks, newest first, each with its live claimants as of the journal head's time."""
    limit, offset = page_bounds(limit, offset)
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
    return [TaskRow(**_task_fields(row, claims.get(row["task_id"], []))) for row in rows]


def _task_as_of(row: Row, view: View | None) -> Row:
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


def task_detail(node: Node, commons_id: str, task_id: str) -> TaskDetail:
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
        linked = linked_contributions(conn, commons_id, task_id, view)
    return TaskDetail(
        **_task_fields(_task_as_of(plain_row(found), view), claims),
        claim_history=tuple(claims),
        contributions=tuple(linked),
        as_of=head.recorded_at,
    )
