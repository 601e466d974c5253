"""What a page shows of a contribution and of a task: the record the services read, with what
only a page adds — the amount and status in words, the validations that are concerns, and what
the reader may do (validate, withdraw, claim, unclaim: the last two asked of the rules by a dry
run)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from commonwork.services import arbitration_read, governance_read, tasks_read
from commonwork.services.accounts import Account
from commonwork.services.catalog import CLAIM, UNCLAIM, VALIDATE, WITHDRAW
from commonwork.services.dry_run import dry_run
from commonwork.services.models import JsonMapping
from commonwork.services.nodes import Node
from commonwork.services.read_models import (
    ContributionRow,
    LinkedContribution,
    TaskRow,
    Validation,
)

#: A contribution's status as the pages say it.
STATUS_LABELS = {
    "pending": "pending",
    "accepted": "accepted",
    "disputed": "held — waiting for arbitration",
    "rejected": "rejected by arbitration",
    "withdrawn": "withdrawn",
}


@dataclass(frozen=True)
class ShownValidation:
    """A validation on a contribution's card. A ``concern`` is a dispute that weighs nothing (by
    a member without validating standing): it does not hold the work."""

    validation: Validation
    concern: bool


@dataclass(frozen=True)
class ContributionCard:
    """A contribution as a page shows it: the record (``row``), its amount and status in words,
    its validations, and what the reader may do with it."""

    row: ContributionRow | LinkedContribution
    contributor_name: str
    amount: str
    status_label: str
    provisional_status: bool  # changed by a day not settled yet
    is_mine: bool
    can_validate: bool
    can_withdraw: bool
    validations: tuple[ShownValidation, ...]
    concerns: int  # the disputes that weigh nothing, counted apart
    holding_disputes: int
    task_title: str | None = None  # the title of its linked task, where the page names it
    hidden: str | None = None  # why its text is hidden from the pages (moderation), if it is
    case: str | None = None  # the arbitration case about it (the newest), if a dispute opened one


def _amount(row: ContributionRow | LinkedContribution) -> str:
    if row.kind == "money":
        return f"{row.quantity} {row.unit} (minor units)"
    return f"{row.quantity} {row.unit}"


def contribution_card(
    row: ContributionRow | LinkedContribution,
    account: Account | None,
    contributor_name: str,
    task_title: str | None = None,
    *,
    may: tuple[bool, bool] = (False, False),
) -> ContributionCard:
    """``may``: whether the rules would take the reader's approval of it and their withdrawal
    of it now (a dry run: contribution_cards asks)."""
    validations = row.validations if isinstance(row, ContributionRow) else ()
    shown = tuple(
        ShownValidation(item, item.verdict == "dispute" and item.weight == "0")
        for item in validations
    )
    concerns = sum(1 for item in shown if item.concern and not item.validation.superseded)
    is_mine = account is not None and row.contributor == account.did
    return ContributionCard(
        row=row,
        contributor_name=contributor_name,
        amount=_amount(row),
        status_label=STATUS_LABELS.get(row.status, row.status),
        provisional_status=row.provisional and row.status != row.settled_status,
        is_mine=is_mine,
        can_validate=may[0],
        can_withdraw=may[1],
        validations=shown,
        concerns=concerns,
        holding_disputes=max(0, row.disputes - concerns),
        task_title=task_title,
    )


def contribution_cards(
    node: Node, commons_id: str, rows: list[ContributionRow], account: Account | None
) -> list[ContributionCard]:
    """The contributions' cards, each naming the task it is linked to (rows carry its id) and
    the arbitration case about it, with the buttons the rules would take from the reader now:
    approving (validating at all) and withdrawing, asked of the rules by one dry run."""
    titles = tasks_read.task_titles(node, commons_id, [row.task for row in rows if row.task])
    hidden = governance_read.hidden_among(node, commons_id, [row.id for row in rows])
    arbitrated = arbitration_read.case_of_work(node, commons_id, [row.seq for row in rows])
    candidates: list[tuple[str, JsonMapping]] = []
    for row in rows:
        candidates.append((VALIDATE, {"contribution": row.id, "verdict": "approve"}))
        candidates.append((WITHDRAW, {"contribution": row.id}))
    verdicts = (
        dry_run(node, commons_id, account.did, candidates) if account is not None and rows else []
    )
    return [
        replace(
            contribution_card(
                row,
                account,
                row.contributor_name,
                titles.get(row.task) if row.task else None,
                may=(
                    bool(verdicts) and verdicts[2 * index].allowed,
                    bool(verdicts) and verdicts[2 * index + 1].allowed,
                ),
            ),
            hidden=hidden.get(row.id),
            case=arbitrated.get(row.seq),
        )
        for index, row in enumerate(rows)
    ]


@dataclass(frozen=True)
class TaskCard:
    """A task as a page shows it: the record (``row``), who posted it, and which of claim and
    unclaim the rules would take from the reader now."""

    row: TaskRow
    poster_name: str
    can_claim: bool
    can_unclaim: bool


def task_cards(
    node: Node,
    commons_id: str,
    tasks: Sequence[TaskRow],
    names: dict[str, str],
    account: Account | None,
) -> list[TaskCard]:
    """The tasks with who posted them and which of claim and unclaim the rules would take from
    the reader now (asked of the rules by a dry run)."""
    candidates = [(kind, {"task": task.id}) for task in tasks for kind in (CLAIM, UNCLAIM)]
    verdicts = (
        dry_run(node, commons_id, account.did, candidates) if account is not None and tasks else []
    )
    return [
        TaskCard(
            row=task,
            poster_name=names.get(task.poster, ""),
            can_claim=bool(verdicts) and verdicts[2 * index].allowed,
            can_unclaim=bool(verdicts) and verdicts[2 * index + 1].allowed,
        )
        for index, task in enumerate(tasks)
    ]
