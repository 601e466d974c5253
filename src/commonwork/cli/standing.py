"""``standing``: everyone's standing and value points, one member's "why this number", and the
preview of a candidate value policy (which writes nothing)."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from commonwork.cli.context import CliState, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_table, fields
from commonwork.errors import BadInput
from commonwork.services import standing_read, standing_views
from commonwork.services.models import JsonValue
from commonwork.services.models import as_json as json_of
from commonwork.services.standing_models import Labels, PreviewRow, SeedTerm, StandingEntry

as_of_option = click.option(
    "--as-of",
    help="Journal time to compute as of, e.g. 2026-11-21T10:00:00.000Z (default: now).",
)


@click.group("standing")
def standing_group() -> None:
    """Standing and value points under the charter's policies: show, why, preview."""


def _privileges(held: dict[str, bool]) -> str:
    return ", ".join(name for name, has in held.items() if has) or "-"


@standing_group.command("show")
@commons_argument
@as_of_option
@json_option
@pass_state
def show(state: CliState, commons_id: str, as_of: str | None, as_json: bool) -> None:
    """Every member of commons ID: standing, value points (lifetime, this month), privileges;
    then the Gini coefficient of value points and the digest of the figures."""
    table = standing_read.standing_table(state.node(), commons_id, as_of=as_of)
    if as_json:
        emit_json(json_of(table))
        return
    header = f"{'standing':>10}  {'points':>10}  {'month':>8}  member"
    emit_table(header, map(_standing_line, table.members))
    spread = table.distribution
    fields(
        [
            ("as of", table.as_of),
            ("settled", _settled_text(table)),
            ("value points", f"{spread.total_value_points} over {spread.members} members"),
            ("gini", spread.gini),
            ("digest", table.digest),
        ]
    )


def _standing_line(row: StandingEntry) -> str:
    return (
        f"{row.standing:>10.3f}  {row.value_points:>10}  "
        f"{row.value_points_this_month:>8}  {row.name} ({row.member}) "
        f"[{_privileges(row.privileges)}]"
    )


def _settled_text(figures: Labels) -> str:
    """Which day is settled, and whether the figures include the provisional rest."""
    through = f"through {figures.settled_through}"
    return f"{through}; later days provisional" if figures.provisional else through


@standing_group.command("why")
@commons_argument
@click.argument("member")
@as_of_option
@json_option
@pass_state
def why(state: CliState, commons_id: str, member: str, as_of: str | None, as_json: bool) -> None:
    """Why MEMBER (a did) has the standing and value points they have in commons ID: the seed
    and each accepted contribution, with the approvals that accepted it and their entries."""
    found = standing_read.member_standing(state.node(), commons_id, member, as_of=as_of)
    if as_json:
        emit_json(json_of(found))
        return
    fields(
        [
            ("member", f"{found.name} ({found.member})"),
            ("standing", f"{found.standing:.3f} (half-life {found.half_life_days} days)"),
            ("value points", f"{found.value_points} (policy version {found.policy_version})"),
            ("privileges", _privileges(found.privileges)),
        ]
    )
    for term in found.why:
        what = "founder's seed" if isinstance(term, SeedTerm) else f"contribution {term.entry}"
        emit(
            f"  {term.standing:>10.3f} = {term.points} points x {term.decay} decay  "
            f"{what} (accepted {term.accepted_on})"
        )
        for approval in term.approvals:
            who, weight = approval.name, approval.weight
            emit(f"      approved by {who} weight {weight} in {approval.entry}")


def _read_policy(path: Path) -> JsonValue:
    try:
        candidate: JsonValue = orjson.loads(path.read_bytes())
        return candidate
    except orjson.JSONDecodeError as exc:
        raise BadInput(f"{path} is not valid JSON: {exc}") from exc


def _preview_line(row: PreviewRow) -> str:
    return (
        f"{row.live_value_points:>10}  {row.candidate_value_points:>10}  "
        f"{row.live_share:>9.2%}  {row.candidate_share:>10.2%}  {row.name}"
    )


@standing_group.command("preview")
@commons_argument
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="A JSON file holding the candidate value policy.",
)
@as_of_option
@json_option
@pass_state
def preview(
    state: CliState, commons_id: str, policy_path: Path, as_of: str | None, as_json: bool
) -> None:
    """How each member's value points and share would change under the candidate value policy
    in --policy, next to the live ones. Writes nothing."""
    candidate = _read_policy(policy_path)
    found = standing_views.preview_value_policy(state.node(), commons_id, candidate, as_of=as_of)
    if as_json:
        emit_json(json_of(found))
        return
    header = f"{'live':>10}  {'candidate':>10}  {'share now':>9}  {'share then':>10}  member"
    emit_table(header, map(_preview_line, found.members))
    fields([("total", f"{found.live_total} -> {found.candidate_total}")])
