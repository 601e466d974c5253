"""``commonwork commons``: found a commons, and read what this node holds of any commons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson

from commonwork.cli.context import (
    CliState,
    F,
    as_option,
    commons_argument,
    json_option,
    pass_state,
)
from commonwork.cli.output import emit, emit_json, emit_rows, fields, note
from commonwork.cli.signing import appended_json
from commonwork.services import acting, queries
from commonwork.services.charters import DEFAULT_PRESET, PRESETS
from commonwork.services.models import as_json as json_of
from commonwork.services.read_models import CommonsDetail, CommonsSummary


@click.group("commons")
def commons_group() -> None:
    """Found a commons; show and list the commons this node holds, their members and work."""


def _metrics(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[dict[str, str]]:
    metrics = []
    for value in values:
        name, sep, description = value.partition("=")
        if not sep or not name.strip() or not description.strip():
            raise click.BadParameter(f"{value!r} is not NAME=DESCRIPTION", ctx, param)
        metrics.append({"name": name.strip(), "description": description.strip()})
    return metrics


def _policies(path: Path) -> dict[str, Any]:
    """The policies file: a JSON object of (some of) the three policies, nothing else."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"{path} is not valid JSON: {exc}") from exc
    allowed = {"validation_policy", "value_policy", "standing_policy"}
    if not isinstance(data, dict) or not data or set(data) - allowed:
        raise click.BadParameter(
            f"{path} must be a JSON object of validation_policy, value_policy and/or "
            "standing_policy"
        )
    return data


@commons_group.command("found")
@click.option("--name", required=True, help="Name of the commons.")
@click.option("--purpose", required=True, help="What the commons is for, in a sentence or two.")
@click.option(
    "--licence",
    required=True,
    help="SPDX licence expression for what it produces, e.g. CC-BY-SA-4.0 or GPL-3.0-or-later.",
)
@click.option("--aim", "aims", multiple=True, help="An aim of the commons (repeatable).")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    callback=_metrics,
    metavar="NAME=DESCRIPTION",
    help="A metric the commons tracks (repeatable).",
)
@click.option(
    "--join-policy",
    type=click.Choice(["open", "invitation"]),
    default="open",
    show_default=True,
    help="open: anyone may join; invitation: a member must invite first.",
)
@click.option("--founder-name", help="Your name in the commons (default: the identity's name).")
@click.option(
    "--policies",
    "policies_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file with any of validation_policy, value_policy and standing_policy "
    "(docs/standing.md); what it leaves out comes from --preset.",
)
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default=DEFAULT_PRESET,
    show_default=True,
    help="small-group: a small group that trusts each other (a lone founder accepts work with "
    "one approval); open: open to anyone, resistant to fake accounts. The complete policies "
    "are written into the signed charter.",
)
@click.option(
    "--allow-licence",
    "allowed_licences",
    multiple=True,
    help="Another licence (SPDX) an author may choose for their own artifact, besides --licence "
    "(repeatable; docs/property.md).",
)
@click.option(
    "--upstream",
    "upstream_pct",
    type=click.IntRange(0, 100),
    help="The share (percent) of money received for an artifact that passes to the commons it "
    "was derived from (default 0).",
)
@click.option(
    "--upstream-decay",
    "upstream_decay_pct",
    type=click.IntRange(0, 100),
    help="Of what reaches a source of this commons that way, the share (percent) it passes on "
    "to its own sources (default 50).",
)
@click.option(
    "--licensing-mandate",
    is_flag=True,
    help="The contributors of Peer Production License artifacts authorise the association to "
    "license commercial use against a benefit-sharing agreement.",
)
@as_option
@json_option
@pass_state
def found(
    state: CliState,
    name: str,
    purpose: str,
    licence: str,
    aims: tuple[str, ...],
    metrics: list[dict[str, str]],
    join_policy: str,
    founder_name: str | None,
    policies_path: Path | None,
    preset: str,
    allowed_licences: tuple[str, ...],
    upstream_pct: int | None,
    upstream_decay_pct: int | None,
    licensing_mandate: bool,
    identity: str,
    as_json: bool,
) -> None:
    """Found a new commons with its charter; print its id (the id of its genesis entry).

    The commons is hosted by the node of the data directory: the signed founding names that
    node's host key, so no other node can append it as a founding of its own.
    """
    charter = {
        "name": name,
        "purpose": purpose,
        "aims": list(aims),
        "metrics": metrics,
        "licence": licence,
        "join_policy": join_policy,
        **(_policies(policies_path) if policies_path is not None else {}),
    }
    terms: dict[str, object] = {}
    if allowed_licences:
        terms["licences"] = list(allowed_licences)
    if upstream_pct is not None:
        terms["upstream_bp"] = upstream_pct * 100
    if upstream_decay_pct is not None:
        terms["upstream_decay_bp"] = upstream_decay_pct * 100
    if licensing_mandate:
        terms["licensing_mandate"] = True
    if terms:
        charter["property"] = terms
    actor = state.keypair(identity)
    appended = acting.found_commons(
        state.node(),
        actor=actor,
        charter=charter,
        founder_name=founder_name or identity,
        preset=preset,
    )
    if as_json:
        emit_json(appended_json(state, appended))
    else:
        emit(appended.commons_id)
        note(
            f"founded commons {name!r}; others join it with: commonwork join {appended.commons_id}"
        )


def _print_detail(detail: CommonsDetail) -> None:
    charter = detail.charter or {}
    aims, metrics = charter.get("aims", []), charter.get("metrics", [])
    hosted = " (hosted here)" if detail.hosted_here else " (a mirror)"
    pairs: list[tuple[str, Any]] = [
        ("commons", detail.id),
        ("name", charter.get("name", "")),
        ("purpose", charter.get("purpose", "")),
        ("licence", charter.get("licence", "")),
        ("join policy", charter.get("join_policy", "")),
    ]
    pairs += [("aim", aim) for aim in aims] if isinstance(aims, list) else []
    if isinstance(metrics, list):
        shown = [m for m in metrics if isinstance(m, dict)]
        pairs += [("metric", f"{m['name']}: {m['description']}") for m in shown]
    pairs += [
        ("members", detail.member_count or 0),
        ("founded", f"{detail.founded_at or ''} by {detail.founder or ''}"),
        ("host", f"{detail.host}{hosted}"),
        ("head", f"seq {detail.head_seq} {detail.head}"),
        ("digest", detail.digest),
    ]
    fields(pairs)


@commons_group.command("show")
@commons_argument
@json_option
@pass_state
def show(state: CliState, commons_id: str, as_json: bool) -> None:
    """Show a commons: its charter, members, host, journal head and state digest."""
    detail = queries.commons_detail(state.node(), commons_id)
    if as_json:
        emit_json(json_of(detail))
    else:
        _print_detail(detail)


def page_options(function: Any) -> Any:
    """``--limit`` and ``--offset`` for paginated lists."""
    function = click.option(
        "--offset", type=click.IntRange(min=0), default=0, help="Rows to skip."
    )(function)
    return click.option(
        "--limit",
        type=click.IntRange(1, queries.MAX_PAGE),
        default=50,
        show_default=True,
        help="Rows to show.",
    )(function)


def status_option(listed: str, *statuses: str) -> Callable[[F], F]:
    """``--status``: only the rows in one of ``statuses`` (of the ``listed`` things)."""
    return click.option(
        "--status", type=click.Choice(list(statuses)), help=f"Only {listed} in this state."
    )


@commons_group.command("list")
@page_options
@json_option
@pass_state
def list_(state: CliState, limit: int, offset: int, as_json: bool) -> None:
    """List the commons this node holds, newest first: id, name, members, entries."""
    rows = queries.list_commons(state.node(), limit=limit, offset=offset)
    if not as_json and not rows and offset == 0:
        note("no commons here yet; found one with: commonwork commons found --help")
    emit_rows(rows, as_json, lambda row: {"id": row.commons_id, **json_of(row)}, _commons_line)


def _commons_line(row: CommonsSummary) -> str:
    entries = 0 if row.head_seq is None else row.head_seq + 1
    return f"{row.commons_id}  {row.name}  ({row.member_count} members, {entries} entries)"
