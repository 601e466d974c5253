"""What each page shows: the template context, gathered from the services, and the renderer.

The route handlers in ``pages`` decide what happens; the functions here only collect what anyone
may read (holoptism) plus, for a signed-in person, what they may still do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from commonwork.errors import CommonworkError
from commonwork.node.node import Node
from commonwork.services import journals, queries
from commonwork.services.accounts import Account
from commonwork.web.auth import csrf_token, current_account, node_of
from commonwork.web.page_forms import (
    CONTRIBUTION_KINDS,
    JOIN_POLICIES,
    SUGGESTED_LICENCES,
    ContributionForm,
    shorten,
    when,
)

COMMONS_PER_PAGE = 20
CONTRIBUTIONS_PER_PAGE = 20
MEMBERS_SHOWN = 100
ENTRIES_PER_PAGE = 50
NAMES_LOOKED_UP = 500

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["short"] = shorten
templates.env.filters["when"] = when
templates.env.globals.update(
    kinds=CONTRIBUTION_KINDS, join_policies=JOIN_POLICIES, licences=SUGGESTED_LICENCES
)


def _account_or_none(request: Request) -> Account | None:
    """The signed-in account; none when it cannot be looked up (an error page must still show)."""
    try:
        return current_account(request)
    except CommonworkError:
        return None


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


def _amount(row: dict[str, Any]) -> str:
    if row["kind"] == "money":
        return f"{row['quantity']} {row['unit']} (minor units)"
    return f"{row['quantity']} {row['unit']}"


def _with_permissions(
    rows: list[dict[str, Any]], account: Account | None, is_member: bool
) -> list[dict[str, Any]]:
    for row in rows:
        validators = {item["validator"] for item in row["validations"]}
        row["amount"] = _amount(row)
        row["is_mine"] = account is not None and row["contributor"] == account.did
        row["can_validate"] = (
            is_member
            and not row["is_mine"]
            and account is not None
            and account.did not in validators
        )
    return rows


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
    mine = queries.membership(node, commons_id, account.did) if account is not None else None
    is_member = mine is not None and mine["status"] == "active"
    return {
        "commons": detail,
        "charter": detail.get("charter", {}),
        "members": members,
        "is_member": is_member,
        "contributions": _with_permissions(
            contributions[:CONTRIBUTIONS_PER_PAGE], account, is_member
        ),
        "page": page,
        "has_next": len(contributions) > CONTRIBUTIONS_PER_PAGE,
    }


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
    """One page of the journal after ``after``, and the verification of the whole of it."""
    after = max(-1, after)
    report = journals.verify_commons(node, commons_id)
    head, entries = journals.journal_page(node, commons_id, after=after, limit=ENTRIES_PER_PAGE)
    detail = queries.commons_detail(node, commons_id)
    members = queries.list_members(node, commons_id, limit=NAMES_LOOKED_UP)
    names = {row["member"]: row["name"] for row in members}
    last = entries[-1].seq if entries else after
    return {
        "commons": detail,
        "head": head,
        "report": report,
        "entries": [_entry_view(entry, names) for entry in entries],
        "after": after,
        "newer_after": last if last < head.seq else None,
        "earlier_after": max(-1, after - ENTRIES_PER_PAGE) if after >= 0 else None,
        "per_page": ENTRIES_PER_PAGE,
    }
