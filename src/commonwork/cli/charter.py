"""``commonwork charter``: a commons' charter over time — every version, and what changed.

Version 0 is the genesis charter; each later version was set by a passed amendment (a proposal
whose effect is ``amend_charter``). The same reads as ``GET /api/v1/commons/ID/charter/versions``
and ``…/charter/diff`` and the page ``/commons/ID/charter``.
"""

from __future__ import annotations

import click
import orjson

from commonwork.cli.commons import page_options
from commonwork.cli.context import CliState, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json
from commonwork.services import charter_history
from commonwork.services.charter_history import Change, CharterVersion
from commonwork.services.models import JsonValue
from commonwork.services.models import as_json as json_of

STATUS_WORDS = {
    "in_force": "in force",
    "pending": "pending",
    "past": "past",
    "replaced": "replaced",
}


@click.group("charter")
def charter_group() -> None:
    """Read a commons' charter over time: its versions and the diff between any two."""


def _value(value: JsonValue) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def change_line(change: Change) -> str:
    """A change in one line: ``path: before → after`` (one side for an addition or removal)."""
    if change.kind == "added":
        said = f"+ {_value(change.after)}"
    elif change.kind == "removed":
        said = f"- {_value(change.before)}"
    else:
        said = f"{_value(change.before)} → {_value(change.after)}"
    return f"{change.kind:<8} {change.path}: {said}"


def version_line(version: CharterVersion) -> str:
    passed = "genesis" if version.proposal is None else f"passed by {version.proposal.proposal_id}"
    title = "" if version.proposal is None else f"  {version.proposal.title}"
    status = STATUS_WORDS[version.status]
    return (
        f"{version.version:>3}  seq {version.seq:<6} {status:<9} from {version.effective_on}  "
        f"{passed}{title}"
    )


@charter_group.command("history")
@commons_argument
@page_options
@json_option
@pass_state
def history(state: CliState, commons_id: str, limit: int, offset: int, as_json: bool) -> None:
    """List the versions of commons ID's charter, oldest first: each one's status (in force,
    pending, past, replaced), the day it governs from, the proposal that passed it and what
    it changed against the version before."""
    found = charter_history.list_charter_versions(state.node(), commons_id)
    listed = found.page(limit, offset)
    if as_json:
        emit_json([json_of(version) for version in listed])
        return
    for version in listed:
        emit(version_line(version))
        for change in version.changes:
            emit(f"       {change_line(change)}")


@charter_group.command("diff")
@commons_argument
@click.option(
    "--from",
    "from_version",
    type=click.IntRange(min=0),
    help="The version to compare from (default: the one before --to).",
)
@click.option(
    "--to",
    "to_version",
    type=click.IntRange(min=0),
    help="The version to compare to (default: the latest).",
)
@json_option
@pass_state
def diff(
    state: CliState,
    commons_id: str,
    from_version: int | None,
    to_version: int | None,
    as_json: bool,
) -> None:
    """Show what changed in commons ID's charter from one version to another: each changed
    path with its value before and after, then a unified diff of the two charters."""
    found = charter_history.diff_charter_versions(
        state.node(), commons_id, from_version=from_version, to_version=to_version
    )
    if as_json:
        emit_json(json_of(found))
        return
    count = len(found.changes)
    emit(
        f"version {found.from_version} → version {found.to_version}: "
        f"{count} change{'' if count == 1 else 's'}"
    )
    for change in found.changes:
        emit(change_line(change))
    if found.unified:
        emit("")
        emit(found.unified)
