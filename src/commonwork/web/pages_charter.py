"""The charter's history page: every version of a commons' charter, newest first, each with what
changed against the one before — a table of the changed paths (before → after) and the text diff
with its added and removed lines coloured — and the diff between any two versions chosen.

``/commons/{id}/charter`` lists the versions, a page at a time; ``?from=A&to=B`` shows the diff
of version A against version B (either alone: against the one before, or against the latest);
``?seq=N`` the version set by entry N (a proposal's own seq) against the one before it. It only
reads, so anyone may look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from commonwork.errors import BadInput
from commonwork.services import charter_history, queries
from commonwork.services.charter_history import (
    Change,
    CharterDiff,
    CharterHistory,
    CharterVersion,
)
from commonwork.services.models import JsonValue
from commonwork.web.auth import node_of
from commonwork.web.page_views import open_task_count, render
from commonwork.web.schemas import PageNumber

router = APIRouter(include_in_schema=False)

VERSIONS_PER_PAGE = 20
#: What each kind of change reads as on the page.
KIND_LABELS = {"added": "added", "removed": "removed", "changed": "changed"}
Asked = Annotated[str | None, Query(max_length=40)]


@dataclass(frozen=True)
class ChangeRow:
    path: str
    kind: str
    before: str
    after: str


@dataclass(frozen=True)
class DiffView:
    """A diff as the page shows it: the two versions, the changed paths, the text diff's lines
    (each with the class that colours it)."""

    before: CharterVersion
    after: CharterVersion
    rows: tuple[ChangeRow, ...]
    lines: tuple[tuple[str, str], ...]


def shown(value: JsonValue, present: bool) -> str:
    """A value as a cell shows it: text as it is, anything else as indented JSON."""
    if not present:
        return "—"
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def change_row(change: Change) -> ChangeRow:
    return ChangeRow(
        path=change.path,
        kind=change.kind,
        before=shown(change.before, change.kind != "added"),
        after=shown(change.after, change.kind != "removed"),
    )


def line_class(line: str) -> str:
    """The class of a unified diff's line: the files, a hunk, added, removed or context."""
    if line.startswith(("+++", "---")):
        return "diff-file"
    if line.startswith("@@"):
        return "diff-hunk"
    if line.startswith("+"):
        return "diff-add"
    if line.startswith("-"):
        return "diff-del"
    return "diff-same"


def diff_view(history: CharterHistory, diff: CharterDiff) -> DiffView:
    return DiffView(
        before=history.versions[diff.from_version],
        after=history.versions[diff.to_version],
        rows=tuple(change_row(change) for change in diff.changes),
        lines=tuple((line_class(line), line) for line in diff.unified.splitlines()),
    )


def _number(text: str | None, name: str, history: CharterHistory) -> int | None:
    """A version number as the page's query carries it (empty: not asked)."""
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        last = len(history.versions) - 1
        raise BadInput(
            f"{name} is a version number, 0 to {last}, not {text!r}",
            reason=charter_history.UNKNOWN_VERSION,
        )
    return int(text.strip())


def _pair(
    history: CharterHistory, from_text: str | None, to_text: str | None, seq_text: str | None
) -> tuple[int, int] | None:
    """The versions asked for, if any: by ``seq`` (the entry that set one), or ``from``/``to``."""
    seq = _number(seq_text, "seq", history)
    if seq is not None:
        found = history.by_seq(seq)
        if found is None:
            raise BadInput(
                f"no version of this charter was set by entry {seq}; the history lists the "
                "entries that set one",
                reason=charter_history.UNKNOWN_VERSION,
            )
        return max(found.version - 1, 0), found.version
    from_version = _number(from_text, "from", history)
    to_version = _number(to_text, "to", history)
    if from_version is None and to_version is None:
        return None
    return charter_history.chosen_pair(history, from_version, to_version)


def _listed(history: CharterHistory, page: int) -> tuple[list[dict[str, Any]], int, int]:
    """A page of the versions, newest first, each with its diff against the one before."""
    newest_first = history.versions[::-1]
    pages = max(1, -(-len(newest_first) // VERSIONS_PER_PAGE))
    page = min(page, pages)
    start = (page - 1) * VERSIONS_PER_PAGE
    listed = []
    for version in newest_first[start : start + VERSIONS_PER_PAGE]:
        diff = None
        if version.version > 0:
            pair = charter_history.diff_of(history, version.version - 1, version.version)
            diff = diff_view(history, pair)
        listed.append({"v": version, "diff": diff})
    return listed, page, pages


def charter_view(
    history: CharterHistory,
    page: int,
    from_text: str | None = None,
    to_text: str | None = None,
    seq_text: str | None = None,
) -> dict[str, Any]:
    """What the page shows: one diff asked for, or a page of the versions with their diffs."""
    pair = _pair(history, from_text, to_text, seq_text)
    context: dict[str, Any] = {"history": history, "kinds": KIND_LABELS, "chosen": None}
    if pair is not None:
        context["chosen"] = diff_view(history, charter_history.diff_of(history, *pair))
        context.update(listed=[], page=1, pages=1)
        return context
    listed, page, pages = _listed(history, page)
    context.update(listed=listed, page=page, pages=pages)
    return context


@router.get("/commons/{commons_id}/charter")
def charter_page(
    request: Request,
    commons_id: str,
    page: PageNumber = 1,
    from_text: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Asked = None,
    seq: Asked = None,
) -> Response:
    node = node_of(request)
    history = charter_history.list_charter_versions(node, commons_id)
    context = charter_view(history, page, from_text, to, seq)
    context.update(
        commons=queries.commons_detail(node, commons_id),
        open_tasks=open_task_count(node, commons_id),
    )
    return render(request, "charter.html", context)
