"""The standing pages: everyone's standing and value points with how the points are spread (a
Lorenz curve, the Gini coefficient), one member's figures with standing over time and "why this
number", and the preview of a candidate value policy.

All three only read, so anyone may look (holoptism) and the preview's form is sent with GET: it
signs and writes nothing, and the live figures stay as they are. A commons whose charter sets no
policy keeps no standing; its pages say so, and why, instead of failing. A candidate policy that
is not JSON, or not a valid value policy, is shown again next to the form with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import accounts, queries, standing, standing_read, standing_views
from commonwork.services.models import JsonValue
from commonwork.services.nodes import Node
from commonwork.services.settled import HEAVY_WAIT
from commonwork.services.standing_models import ContributionTerm, SeriesPoint
from commonwork.web.auth import node_of
from commonwork.web.charts import line_chart, lorenz_chart
from commonwork.web.limits import limit_client
from commonwork.web.page_views import open_task_count, render
from commonwork.web.schemas import PageNumber

router = APIRouter(include_in_schema=False)

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: What each privilege lets a member do, in the words of the pages.
PRIVILEGE_LABELS = {
    "validate_with_weight": "weigh in validations",
    "arbitrate": "arbitrate disputes",
    "bounty_tasks": "post tasks with a bounty",
}


def as_of_time(text: str) -> str | None:
    """The time the figures are asked as of: none (now), a journal time as typed, or a date (the
    end of that day, UTC), as the page's date field sends it."""
    text = text.strip()
    if not text:
        return None
    if DATE.fullmatch(text):
        return f"{text}T23:59:59.999Z"
    return text


def _standing_context(node: Node, commons_id: str, as_of: str) -> dict[str, Any]:
    """What every standing page shows: the commons and its navigation, the as-of asked for, the
    charter's policies or, when it sets none, why the commons keeps no standing."""
    as_of = as_of.strip()
    context: dict[str, Any] = {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "as_of_text": as_of,
        "as_of_date": as_of[:10] if DATE.match(as_of) else "",  # for the date field
        "as_of_query": f"?{urlencode({'as_of': as_of})}" if as_of else "",  # kept by links
        "privilege_labels": PRIVILEGE_LABELS,
        "no_standing": None,
    }
    try:
        context["policies"] = standing.require_policies(node, commons_id)
    except NotFound as exc:
        context["no_standing"] = exc.detail
    return context


MEMBERS_PER_PAGE = 100


def standing_view(node: Node, commons_id: str, as_of: str, page: int = 1) -> dict[str, Any]:
    """Members' figures, highest standing first, a page of them at a time, and the distribution
    of value points over everyone."""
    context = _standing_context(node, commons_id, as_of)
    if context["no_standing"]:
        return context
    when = as_of_time(as_of)
    whole = standing_read.standing_table(node, commons_id, as_of=when, limit=1, wait=HEAVY_WAIT)
    pages = max(1, -(-whole.total_members // MEMBERS_PER_PAGE))
    page = min(max(1, page), pages)
    offset = (page - 1) * MEMBERS_PER_PAGE
    table = standing_read.standing_table(
        node, commons_id, as_of=when, limit=MEMBERS_PER_PAGE, offset=offset, wait=HEAVY_WAIT
    )
    spread = table.distribution
    chart = lorenz_chart(spread.lorenz, spread.gini)
    paging = {"page": page, "pages": pages, "first_rank": offset + 1}
    return {**context, "table": table, "paging": paging, "lorenz_svg": Markup(chart)}  # noqa: S704 - escaped SVG


def _series_description(name: str, series: Sequence[SeriesPoint]) -> str:
    if not series:
        return f"{name} has no standing yet."
    first, last = series[0], series[-1]
    highest = max(point.standing for point in series)
    return (
        f"Standing of {name} from {first.day} to {last.day}: {first.standing:g} at the "
        f"start, {last.standing:g} at the end, {highest:g} at the highest."
    )


def member_view(node: Node, commons_id: str, member: str, as_of: str) -> dict[str, Any]:
    """One member's figures, standing over time as a chart, and the terms behind the number."""
    context = _standing_context(node, commons_id, as_of)
    if context["no_standing"]:
        return context
    figures = standing_read.member_standing(node, commons_id, member, as_of=as_of_time(as_of))
    name = figures.name or member
    chart = line_chart(
        [(point.day, point.standing) for point in figures.series],
        title=f"Standing of {name} over time",
        description=_series_description(name, figures.series),
    )
    seqs = [
        term.seq
        for term in figures.why
        if isinstance(term, ContributionTerm) and term.seq is not None
    ]
    return {
        **context,
        "figures": figures,
        "chart_svg": Markup(chart),  # noqa: S704 - the chart escapes every text it draws
        "terms_total": round(sum(term.standing for term in figures.why), 3),
        "keys": accounts.key_kinds(node, commons_id, member, seqs),
    }


def parse_policy(text: str) -> JsonValue:
    """The candidate value policy typed in the form, as JSON; where it stops being JSON if not."""
    if not text.strip():
        raise BadInput("write the candidate value policy as a JSON object, e.g. the live one")
    try:
        candidate: JsonValue = orjson.loads(text)
        return candidate
    except orjson.JSONDecodeError as exc:
        raise BadInput(
            f"the candidate value policy is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from exc


def preview_view(
    node: Node, commons_id: str, policy: str | None, as_of: str
) -> tuple[dict[str, Any], int]:
    """The form, prefilled with the live value policy; with a candidate, everyone's value points
    and shares under both. A refused candidate comes back with its reason (and its status)."""
    context = _standing_context(node, commons_id, as_of)
    if context["no_standing"]:
        return context, 200
    live = context["policies"].value.as_json()
    context.update(
        policy_text=orjson.dumps(live, option=orjson.OPT_INDENT_2).decode(),
        preview=None,
        form_error=None,
    )
    if policy is None:
        return context, 200
    context["policy_text"] = policy
    try:
        candidate = parse_policy(policy)
        result = standing_views.preview_value_policy(
            node, commons_id, candidate, as_of=as_of_time(as_of), wait=HEAVY_WAIT
        )
    except CommonworkError as exc:
        context["form_error"] = exc.detail
        return context, exc.status
    context["preview"] = result
    return context, 200


@router.get("/commons/{commons_id}/standing")
def standing_page(
    request: Request, commons_id: str, as_of: str = "", page: PageNumber = 1
) -> Response:
    if as_of.strip():
        limit_client(request, "expensive")
    context = standing_view(node_of(request), commons_id, as_of, min(max(page, 1), 10**6))
    return render(request, "standing.html", context)


@router.get("/commons/{commons_id}/members/{member}")
def member_page(request: Request, commons_id: str, member: str, as_of: str = "") -> Response:
    context = member_view(node_of(request), commons_id, member, as_of)
    return render(request, "member.html", context)


@router.get("/commons/{commons_id}/value-policy/preview")
def preview_page(
    request: Request, commons_id: str, policy: str | None = None, as_of: str = ""
) -> Response:
    if policy is not None:
        limit_client(request, "expensive")
    context, status = preview_view(node_of(request), commons_id, policy, as_of)
    return render(request, "preview.html", context, status=status)
