"""Recording a contribution of any kind, and correcting one's own.

A contribution's author may name co-authors with shares; the author's own share is what theirs
leave of 1, and ``contribution_shares`` holds one row per author so that value splits by share.
``happened_at`` is the author's claim of when the work happened: shown as such, never trusted, and
never more than 5 minutes after the entry is recorded.

Entries are never edited: a correction is a new action naming the contribution. Only its author
corrects it, and only while it is not accepted. The row takes the corrected values; validations of
the older version stay as history but stop counting (see :mod:`commonwork.production.validation`).

A contribution is two rows: its record in ``contributions`` and where it stands in
``contribution_status`` (status, tallies, weights, what settlement decided, and a copy of what
deciding it reads). Both are written here when it is recorded and corrected.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints

from commonwork.commons.actions import (
    active_member,
    commons_row,
    legacy_policies,
    reads_membership,
)
from commonwork.commons.tables import members
from commonwork.errors import (
    AlreadyDone,
    ChainBroken,
    InvalidAction,
    NotAllowed,
    NotAMember,
    NotFound,
    RuleViolation,
)
from commonwork.journal.actions import parse_time
from commonwork.journal.canonical import canon
from commonwork.journal.chain import MAX_CLOCK_SKEW_MS
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.contribution_bodies import (
    UNITS,
    CoAuthor,
    ContributionId,
    CorrectBody,
    RecordBody,
    shares_of,
)
from commonwork.production.decimals import decimal_text
from commonwork.production.tables import (
    COPIED_COLUMNS,
    contribution_corrections,
    contribution_shares,
    contribution_sources,
    contribution_status,
    contributions,
)
from commonwork.production.tasks import apply_link, check_link, reads_task

RECORD = "production.contribution.record"
CORRECT = "production.contribution.correct"
WITHDRAW = "production.contribution.withdraw"


def contribution_row(state: State, commons_id: str, contribution_id: str) -> Row:
    row = state.get(contributions, (commons_id, contribution_id))
    if row is None:
        raise NotFound(f"there is no contribution {contribution_id} in this commons")
    return row


def status_row(state: State, record: Row) -> Row:
    """Where the contribution of this ``contributions`` row stands (its ``contribution_status``
    row: every record writes both)."""
    row = state.get(contribution_status, (record["commons_id"], record["seq"]))
    if row is None:
        raise ChainBroken(
            f"contribution {record['contribution_id']} has no status row: the projection is "
            "incomplete (`commonwork rebuild` replays it)"
        )
    return row


def new_status(record: Row) -> Row:
    """The status row of a contribution just recorded: pending, nothing weighed or settled."""
    return {
        "commons_id": record["commons_id"],
        "seq": record["seq"],
        **{name: record[name] for name in COPIED_COLUMNS},
        "status": "pending",
        "approvals": 0,
        "disputes": 0,
        "weight_milli": 0,
        "lazy_on": None,
        "accepted_on": None,
        "accepted_quantity": None,
        "points_milli": None,
        "dispute_weight_milli": 0,
        "adjust_weight_milli": 0,
    }


def _check_co_authors(state: State, ctx: Context, co_authors: list[CoAuthor] | None) -> None:
    for item in co_authors or []:
        if item.member == ctx.author:
            raise NotAllowed(
                "do not list yourself as a co-author: your own share is what the co-authors' "
                "shares leave of 1"
            )
        member = state.get(members, (ctx.commons_id, item.member))
        if member is None or member["status"] != "active":
            raise NotAMember(
                f"co-author {item.member} is not a member of this commons; only members are "
                "named as co-authors (anyone may join)"
            )


def _check_happened_at(happened_at: str | None, recorded_at: str) -> None:
    """The author's claim may lie far in the past, but not more than 5 min after recording."""
    if happened_at is None or happened_at <= recorded_at:
        return
    lead = parse_time(happened_at) - parse_time(recorded_at)
    if lead > timedelta(milliseconds=MAX_CLOCK_SKEW_MS):
        raise RuleViolation(
            f"happened_at says {happened_at}, later than this entry is recorded ({recorded_at}): "
            "record work once it has happened"
        )


def _co_authors_json(co_authors: list[CoAuthor] | None) -> str | None:
    if not co_authors:
        return None
    listed = [
        {"member": item.member, "share": decimal_text(Decimal(item.share))} for item in co_authors
    ]
    return canon(listed).decode()


def _put_shares(
    state: State, ctx: Context, row: Row, co_authors: list[CoAuthor] | None, before: list[str]
) -> None:
    """One row per author; co-authors a correction removed keep a row with share '0'."""
    shares = dict(shares_of(row["contributor"], co_authors))
    shares.update({member: "0" for member in before if member not in shares})
    for member, share in shares.items():
        key = {"commons_id": ctx.commons_id, "contribution_id": row["contribution_id"]}
        if before or row["corrections"]:  # a correction may change an existing author's share
            state.put(contribution_shares, {**key, "member": member, "share": share})
        else:  # recorded just now: its authors' rows are new
            state.insert(contribution_shares, {**key, "member": member, "share": share})


def check_record(state: State, ctx: Context) -> None:
    body: RecordBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    _check_co_authors(state, ctx, body.co_authors)
    _check_happened_at(body.happened_at, ctx.entry.recorded_at)
    if body.task is not None:
        check_link(state, ctx, body.task)
    if body.source is not None:
        earlier = state.get(contribution_sources, (ctx.commons_id, body.source))
        if earlier is not None:
            raise AlreadyDone(
                f"{body.source} is recorded already, as contribution {earlier['contribution_id']}"
                "; each source is recorded once"
            )


def apply_record(state: State, ctx: Context) -> None:
    body: RecordBody = ctx.body
    unit = body.currency if body.kind == "money" and body.currency else UNITS[body.kind]
    artifact = canon(body.artifact.as_json()).decode() if body.artifact else None
    row = {
        "commons_id": ctx.commons_id,
        "contribution_id": ctx.entry.id,
        "seq": ctx.entry.seq,
        "contributor": ctx.author,
        "kind": body.kind,
        "quantity": body.quantity,
        "unit": unit,
        "description": body.description,
        "recorded_at": ctx.entry.recorded_at,
        "task": body.task,
        "happened_at": body.happened_at,
        "artifact": artifact,
        "resource": body.resource,
        "co_authors": _co_authors_json(body.co_authors),
        "corrections": 0,
        "corrected_at": None,
        "skill": body.skill,
        "source": body.source,
    }
    state.insert(contributions, row)
    state.insert(contribution_status, new_status(row))
    _put_shares(state, ctx, row, body.co_authors, [])
    if body.source is not None:
        source = {"commons_id": ctx.commons_id, "source": body.source}
        state.insert(contribution_sources, {**source, "contribution_id": ctx.entry.id})
    if body.task is not None:
        apply_link(state, ctx, body.task)


def _check_fits_kind(body: CorrectBody, kind: str) -> None:
    if body.quantity is not None and kind == "money" and "." in body.quantity:
        raise InvalidAction("money is recorded as whole minor units (e.g. '2500' cents)")
    if body.artifact is not None and kind != "artifact":
        raise InvalidAction(f"this contribution is {kind}, not an artifact: it has no artifact")
    if body.resource is not None and kind != "resource_use":
        raise InvalidAction(f"this contribution is {kind}, not resource_use: it has no resource")


def check_correct(state: State, ctx: Context) -> None:
    body: CorrectBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = contribution_row(state, ctx.commons_id, body.contribution)
    if row["contributor"] != ctx.author:
        raise NotAllowed("only the member who recorded a contribution may correct it")
    status = status_row(state, row)
    if not (status["status"] == "accepted" and legacy_policies(state, ctx.commons_id)):
        _check_not_final(row, status, "corrected")
    _check_not_arbitrated(state, ctx.commons_id, row, status)
    _check_fits_kind(body, row["kind"])
    _check_co_authors(state, ctx, body.co_authors)
    _check_happened_at(body.happened_at, ctx.entry.recorded_at)


def _check_not_final(row: Row, status: Row, verb: str) -> None:
    if status["status"] == "accepted":
        raise NotAllowed(
            f"contribution {row['contribution_id']} was accepted on "
            f"{status['accepted_on'] or row['recorded_at'][:10]}; accepted work is final and is "
            f"not {verb}: record a new contribution that says what it changes"
        )
    if status["status"] == "withdrawn":
        raise NotAllowed(f"contribution {row['contribution_id']} was withdrawn already")
    if status["status"] == "rejected":
        raise NotAllowed(
            f"contribution {row['contribution_id']} was rejected by arbitration; that is "
            "final: record a new contribution, or appeal the verdict",
            reason="arbitrated",
        )


def _check_not_arbitrated(state: State, commons_id: str, row: Row, status: Row) -> None:
    """Under a settlement engine, work arbitration rejected is final. (Held work may be
    corrected while its case is open: that answers the dispute; the governance area closes the
    case, and refuses a correction once a panel has decided.)"""
    engine = '"engine":' in commons_row(state, commons_id)["charter"]
    if engine and status["status"] == "rejected":
        raise NotAllowed(
            f"contribution {row['contribution_id']} was rejected by arbitration; that is final: "
            "record a new contribution, or appeal the verdict",
            reason="arbitrated",
        )


class WithdrawBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contribution: ContributionId
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


def check_withdraw(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    row = contribution_row(state, ctx.commons_id, ctx.body.contribution)
    if row["contributor"] != ctx.author:
        raise NotAllowed("only the member who recorded a contribution may withdraw it")
    _check_not_final(row, status_row(state, row), "withdrawn")


def apply_withdraw(state: State, ctx: Context) -> None:
    status = status_row(state, contribution_row(state, ctx.commons_id, ctx.body.contribution))
    state.put(contribution_status, {**status, "status": "withdrawn"})


def _reads_withdraw(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [
        *reads_membership(commons_id, author, body),
        (contributions, (commons_id, body.contribution)),
    ]


def _changes(body: CorrectBody) -> dict[str, Any]:
    """The new column values the body gives, by column name."""
    given: dict[str, Any] = {}
    for name in ("quantity", "description", "happened_at", "resource"):
        if getattr(body, name) is not None:
            given[name] = getattr(body, name)
    if body.artifact is not None:
        given["artifact"] = canon(body.artifact.as_json()).decode()
    if body.co_authors is not None:
        given["co_authors"] = _co_authors_json(body.co_authors)
    return given


def _shown(name: str, value: Any) -> Any:
    """A column's value as the correction history shows it (JSON columns parsed)."""
    if name in ("artifact", "co_authors"):
        return orjson.loads(value) if value is not None else None
    return value


def apply_correct(state: State, ctx: Context) -> None:
    body: CorrectBody = ctx.body
    row = dict(contribution_row(state, ctx.commons_id, body.contribution))
    status = dict(status_row(state, row))
    given = _changes(body)
    history = {
        name: {"from": _shown(name, row[name]), "to": _shown(name, new)}
        for name, new in given.items()
    }
    before = [item["member"] for item in _shown("co_authors", row["co_authors"]) or []]
    row.update(given)
    row["corrections"] += 1
    row["corrected_at"] = ctx.entry.recorded_at
    # Accepted only under a charter from before engines (the old meaning: a correction was
    # always allowed): the settled acceptance is final, so the correction is recorded as history.
    if status["status"] != "accepted":
        status.update(status="pending", approvals=0, disputes=0)
        # A new version: its validation starts afresh (commonwork.standing.weigh sets lazy_on).
        status.update(weight_milli=0, dispute_weight_milli=0, adjust_weight_milli=0, lazy_on=None)
    status.update({name: row[name] for name in COPIED_COLUMNS})
    state.put(contributions, row)
    state.put(contribution_status, status)
    if body.co_authors is not None:
        _put_shares(state, ctx, row, body.co_authors, before)
    state.put(
        contribution_corrections,
        {
            "commons_id": ctx.commons_id,
            "contribution_id": row["contribution_id"],
            "seq": ctx.entry.seq,
            "reason": body.reason,
            "changes_json": canon(history).decode(),
            "recorded_at": ctx.entry.recorded_at,
        },
    )


def _reads_co_authors(
    commons_id: str, contribution_id: str, co_authors: list[CoAuthor] | None
) -> list[tuple[sa.Table, Key]]:
    found: list[tuple[sa.Table, Key]] = []
    for item in co_authors or []:
        found.append((members, (commons_id, item.member)))
        found.append((contribution_shares, (commons_id, contribution_id, item.member)))
    return found


def _reads_record(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    linked = reads_task(commons_id, author, body.task) if body.task is not None else []
    co_authors = [(members, (commons_id, item.member)) for item in body.co_authors or []]
    source = [] if body.source is None else [(contribution_sources, (commons_id, body.source))]
    return [*reads_membership(commons_id, author, body), *linked, *co_authors, *source]


def _reads_correct(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    contribution = (contributions, (commons_id, body.contribution))
    shares = _reads_co_authors(commons_id, body.contribution, body.co_authors)
    return [*reads_membership(commons_id, author, body), contribution, *shares]


ACTIONS = (
    ActionSpec(
        RECORD,
        "Record a contribution of any kind (optionally with co-authors, linked to an open task)",
        RecordBody,
        check_record,
        apply_record,
        _reads_record,
    ),
    ActionSpec(
        CORRECT,
        "Correct one's own contribution that is not accepted yet (a new entry, never an edit)",
        CorrectBody,
        check_correct,
        apply_correct,
        _reads_correct,
    ),
    ActionSpec(
        WITHDRAW,
        "Withdraw one's own contribution that is not accepted (it stays in the journal)",
        WithdrawBody,
        check_withdraw,
        apply_withdraw,
        _reads_withdraw,
    ),
)
