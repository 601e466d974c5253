"""What each page shows: the template context, gathered from the services, and the renderer.

The route handlers in ``pages`` and ``pages_tasks`` decide what happens; the functions here only
collect what anyone may read (holoptism) plus, for a signed-in person, what they may still do, and
``acting_as`` gives a handler the key to act with once the form's token checks out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from commonwork.errors import BadInput, CommonworkError
from commonwork.services import accounts, charters, forks, journals, queries, signing, tasks_read
from commonwork.services.accounts import Account
from commonwork.services.catalog import doors_on
from commonwork.services.charters import PRESETS, claim_lapse_days, describe
from commonwork.services.dry_run import dry_run
from commonwork.services.identities import Signer
from commonwork.services.models import JsonObject
from commonwork.services.nodes import Node
from commonwork.services.read_models import (
    CommonsDetail,
    TaskRow,
)
from commonwork.web.auth import (
    check_csrf,
    csrf_token,
    current_account,
    node_of,
    require_account,
)
from commonwork.web.page_cards import (
    TaskCard,
    contribution_card,
    contribution_cards,
    task_cards,
)
from commonwork.web.page_forms import (
    CONTRIBUTION_KINDS,
    JOIN_POLICIES,
    POLICY_FIELDS,
    SUGGESTED_LICENCES,
    ContributionForm,
    TaskForm,
    preset_numbers,
    shorten,
    skill_of,
    when,
)

COMMONS_PER_PAGE = 20
CONTRIBUTIONS_PER_PAGE = 20
MEMBERS_SHOWN = 100
FORKS_SHOWN = 20  # the newest forks a commons page lists
ENTRIES_PER_PAGE = 50
NAMES_LOOKED_UP = 500
TASKS_PER_PAGE = 20
TASK_STATUSES = {"open": "Open tasks", "closed": "Closed tasks", "withdrawn": "Withdrawn tasks"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["short"] = shorten
templates.env.filters["when"] = when
templates.env.filters["points"] = queries.points_text  # milli-points, exactly ("12.5")
templates.env.globals.update(
    kinds=CONTRIBUTION_KINDS,
    join_policies=JOIN_POLICIES,
    licences=SUGGESTED_LICENCES,
    rules_of=describe,  # the rules in plain words, from (policies, charter)
)


def _account_or_none(request: Request) -> Account | None:
    """The signed-in account; none when it cannot be looked up (an error page must still show)."""
    try:
        return current_account(request)
    except CommonworkError:
        return None


def signed_in(request: Request, csrf: str) -> Account:
    """The signed-in account posting a form, once the form's token checks out."""
    account = require_account(request)
    check_csrf(request, csrf)
    return account


def acting_as(request: Request, csrf: str) -> tuple[Account, Signer]:
    """The signed-in account (with a valid form token) and what signs for it: its custodial key,
    or, when the person's browser holds the key, the browser (services/signing.py) with what
    the page's script signed so far (``read_signed_field``)."""
    account = signed_in(request, csrf)
    if account.holds_key:
        posted = getattr(request.state, "browser_signed", None)
        return account, signing.browser_signer(account.did, posted)
    return account, accounts.custodial_keypair(node_of(request), account)


async def read_signed_field(request: Request) -> None:
    """A page router's dependency: keep the actions a page's script signed in the browser
    (the form field ``commonwork_signed``) where ``acting_as`` finds them. The form is parsed
    once: FastAPI's own form fields read the same parsed form."""
    if request.method != "POST":
        return
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(signing.SIGNED_FIELD)
        request.state.browser_signed = value if isinstance(value, str) else None


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page, with what every page needs: who is signed in, their form token, the node."""
    account = _account_or_none(request)
    base: dict[str, Any] = {
        "account": account,
        "csrf": csrf_token(request) if account is not None else "",
        "node_did": node_of(request).host_key.did,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status, headers=headers
    )


def index_view(node: Node, page: int) -> dict[str, Any]:
    total = queries.count_commons(node)
    pages = max(1, -(-total // COMMONS_PER_PAGE))
    page = min(max(1, page), pages)
    rows = queries.list_commons(node, limit=COMMONS_PER_PAGE, offset=(page - 1) * COMMONS_PER_PAGE)
    return {"commons_list": rows, "total": total, "page": page, "pages": pages}


@dataclass
class CommonsState:
    """What a commons page shows beyond the public record: a form kept after an error."""

    form: ContributionForm | None = None
    form_error: str | None = None
    error: str | None = None


def active_member_of(node: Node, commons_id: str, account: Account | None) -> bool:
    mine = queries.membership(node, commons_id, account.did) if account is not None else None
    return mine is not None and mine.status == "active"


def _names(node: Node, commons_id: str) -> dict[str, str]:
    members = queries.list_members(node, commons_id, limit=NAMES_LOOKED_UP)
    return {row.member: row.name for row in members}


def open_task_count(node: Node, commons_id: str) -> str:
    """How many tasks are open, as text."""
    return str(tasks_read.count_tasks(node, commons_id, status="open"))


def found_choices() -> dict[str, Any]:
    """What the found form offers: the presets in plain words with their numbers, and the
    advanced section's fields."""
    presets = [
        {
            "name": name,
            "title": preset["title"],
            "summary": preset["summary"],
            "numbers": preset_numbers(name),
        }
        for name, preset in PRESETS.items()
    ]
    return {"presets": presets, "policy_fields": POLICY_FIELDS}


def rules_in_force(node: Node, commons_id: str, detail: CommonsDetail) -> list[str]:
    """The commons' rules in plain words, from the policies in force now (those the day's
    settlement reads), or from its charter when it keeps no settled state."""
    charter, founder = _charter(detail), detail.founder or ""
    try:
        return charters.rules_in_force(node, commons_id, charter=charter, founder=founder)
    except CommonworkError as exc:
        return [f"This node cannot read the rules of this commons: {exc.detail}."]


def commons_view(
    node: Node, commons_id: str, account: Account | None, page: int = 1
) -> dict[str, Any]:
    detail = queries.commons_detail(node, commons_id)
    page = max(1, page)
    offset = (page - 1) * CONTRIBUTIONS_PER_PAGE
    contributions = queries.list_contributions(
        node, commons_id, limit=CONTRIBUTIONS_PER_PAGE + 1, offset=offset
    )
    members = queries.list_members(node, commons_id, limit=MEMBERS_SHOWN, active_only=True)
    is_member = active_member_of(node, commons_id, account)
    shown = contributions[:CONTRIBUTIONS_PER_PAGE]
    may_join = account is not None and not is_member
    if may_join and account is not None and detail.join_policy == "invitation":
        may_join = queries.is_invited(node, commons_id, account.did)
    return {
        "may_join": may_join,
        "commons": detail,
        "charter": _charter(detail),
        "rules": rules_in_force(node, commons_id, detail),
        "members": members,
        "is_member": is_member,
        "contributions": contribution_cards(node, commons_id, shown, account),
        "open_tasks": open_task_count(node, commons_id),
        "forks": forks.forks_of(node, commons_id, limit=FORKS_SHOWN),
        "origin": forks.origin_of(node, commons_id),
        "page": page,
        "has_next": len(contributions) > CONTRIBUTIONS_PER_PAGE,
    }


@dataclass(frozen=True)
class TaskFilter:
    """What the task board shows: tasks of one status (or both), with one skill, one page."""

    status: str = ""
    skill: str = ""
    page: int = 1

    @classmethod
    def of(cls, status: str, skill: str, page: int) -> TaskFilter:
        if status not in ("", *TASK_STATUSES):
            raise BadInput(f"{status!r} is not a task status: use open, closed or withdrawn")
        return cls(status, skill_of(skill), max(1, page) if status else 1)

    def url(self, base: str, **changes: Any) -> str:
        """The board's address with this filter, changed as given."""
        chosen = replace(self, **changes)
        query = {"status": chosen.status, "skill": chosen.skill}
        if chosen.page > 1:
            query["page"] = str(chosen.page)
        encoded = urlencode({key: value for key, value in query.items() if value})
        return f"{base}/tasks" + (f"?{encoded}" if encoded else "")


@dataclass
class TaskState:
    """What a task page shows beyond the public record: a form kept after an error."""

    task_form: TaskForm | None = None
    form: ContributionForm | None = None
    form_error: str | None = None
    error: str | None = None


def _task_section(
    node: Node,
    commons_id: str,
    status: str,
    flt: TaskFilter,
    rows_for: Callable[[list[TaskRow]], list[TaskCard]],
) -> dict[str, Any]:
    paged = replace(flt, status=status)
    rows = tasks_read.list_tasks(
        node,
        commons_id,
        status=status,
        skill=flt.skill or None,
        limit=TASKS_PER_PAGE + 1,
        offset=(paged.page - 1) * TASKS_PER_PAGE,
    )
    return {
        "status": status,
        "title": TASK_STATUSES[status],
        "tasks": rows_for(rows[:TASKS_PER_PAGE]),
        "has_next": len(rows) > TASKS_PER_PAGE,
        "filter": paged,
    }


def task_board_view(
    node: Node, commons_id: str, account: Account | None, flt: TaskFilter
) -> dict[str, Any]:
    """Open tasks first, then closed ones; with a status filter, one paginated list."""
    detail = queries.commons_detail(node, commons_id)
    is_member = active_member_of(node, commons_id, account)
    names = _names(node, commons_id)

    def rows_for(rows: list[TaskRow]) -> list[TaskCard]:
        return task_cards(node, commons_id, rows, names, account)

    statuses = [flt.status] if flt.status else list(TASK_STATUSES)
    return {
        "commons": detail,
        "is_member": is_member,
        "filter": flt,
        "sections": [_task_section(node, commons_id, s, flt, rows_for) for s in statuses],
        "open_tasks": open_task_count(node, commons_id),
    }


def doors_for(
    node: Node, commons_id: str, noun: str, thing: str, account: Account | None
) -> list[dict[str, Any]]:
    """The buttons for the action types that declare a door on this kind of thing, each shown
    only when a dry run of its rule says the reader may take it now."""
    if account is None:
        return []
    specs = doors_on(noun)
    candidates = [(spec.type, {spec.door.target: thing}) for spec in specs if spec.door]
    verdicts = dry_run(node, commons_id, account.did, candidates) if candidates else []
    return [
        {"type": spec.type, "value": thing, **asdict(spec.door)}
        for spec, verdict in zip(specs, verdicts, strict=True)
        if verdict.allowed and spec.door is not None
    ]


def task_view(node: Node, commons_id: str, task_id: str, account: Account | None) -> dict[str, Any]:
    """One task: its description, every claim with its state, the contributions linked."""
    detail = queries.commons_detail(node, commons_id)
    task = tasks_read.task_detail(node, commons_id, task_id)
    is_member = active_member_of(node, commons_id, account)
    names = _names(node, commons_id)
    cards = [
        contribution_card(row, account, names.get(row.contributor, ""))
        for row in task.contributions
    ]
    return {
        "commons": detail,
        "is_member": is_member,
        "doors": doors_for(node, commons_id, "task", task_id, account),
        "task": task_cards(node, commons_id, [task], names, account)[0],
        "contributions": cards,
        "open_tasks": open_task_count(node, commons_id),
        "lapse_days": claim_lapse_days(_charter(detail)),
    }


def _charter(detail: CommonsDetail) -> JsonObject:
    """The commons' charter (empty while its row is being rebuilt)."""
    return detail.charter if detail.charter is not None else {}


def _entry_view(entry: Any, names: dict[str, str]) -> dict[str, Any]:
    body = entry.action.get("body", {})
    author = entry.author
    name = names.get(author) or body.get("founder_name") or body.get("name") or ""
    return {
        "seq": entry.seq,
        "id": entry.id,
        "prev": entry.prev,
        "type": entry.type,
        "author": author,
        "author_name": name,
        "at": entry.action.get("at"),
        "recorded_at": entry.recorded_at,
        "host": entry.host,
        "author_sig": entry.author_sig,
        "host_sig": entry.host_sig,
        "json": orjson.dumps(entry.as_json(), option=orjson.OPT_INDENT_2).decode(),
    }


def journal_view(node: Node, commons_id: str, after: int) -> dict[str, Any]:
    """One page of the journal after ``after`` and what this node knows of its verification:
    O(page size), it never re-verifies the journal (that is an explicit action)."""
    after = max(-1, after)
    page = journals.explorer_page(node, commons_id, after=after, limit=ENTRIES_PER_PAGE)
    head = page.verification.head
    last = page.entries[-1].seq if page.entries else after
    return {
        "commons": {"id": commons_id, "name": page.name},
        "head": head,
        "verification": page.verification,
        "entries": [_entry_view(entry, page.names) for entry in page.entries],
        "after": after,
        "newer_after": last if last < head.seq else None,
        "earlier_after": max(-1, after - ENTRIES_PER_PAGE) if after >= 0 else None,
        "per_page": ENTRIES_PER_PAGE,
    }
