"""``commonwork artifacts``: peer property — a commons' artifacts with their licences, versions,
contributors and derivations; the signed entries that prove one to another commons; its
attribution files; what a commons reuses and who reuses it; why money passed upstream.

The reads are public and the same as the API's (services/property_read.py); the acting
commands (create, version, link, licence-change, licence-answer, derive, name) are in
:mod:`commonwork.cli.artifacts_acting`.
"""

from __future__ import annotations

from pathlib import Path

import click

from commonwork.cli import artifacts_acting
from commonwork.cli.context import CliState, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, emit_page, fields, note
from commonwork.services import attribution_names, property_read
from commonwork.services.models import as_json as json_of
from commonwork.services.property_read import ArtifactItem, Derivation

LIMIT = click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Rows to show."
)


@click.group("artifacts")
def artifacts_group() -> None:
    """Create and read artifacts, their licences, versions, contributors and derivations;
    prove one to another commons; write its attribution (NOTICE, SPDX, REUSE)."""


for command in artifacts_acting.COMMANDS:
    artifacts_group.add_command(command)


def _line(item: ArtifactItem) -> str:
    waiting = "  [licence change open]" if item.open_change else ""
    return (
        f"{item.artifact_id}  {item.kind:<8}  {item.licence}  v{item.versions}  "
        f"{item.title}{waiting}"
    )


def _derivation_line(item: Derivation) -> str:
    where = "" if item.commons_id == item.source_commons else f" ({item.source_commons[:12]}…)"
    return (
        f"{item.derivation_id}  {item.status:<12}  {item.derived_title or item.derived} "
        f"<- {item.kind} of {item.source_title}{where} under {item.source_licence} "
        f"[{item.evidence}]"
    )


@artifacts_group.command("list")
@commons_argument
@click.option("--before", type=click.IntRange(min=1), help="The next page: the cursor printed.")
@LIMIT
@json_option
@pass_state
def list_(state: CliState, commons_id: str, before: int | None, limit: int, as_json: bool) -> None:
    """List the artifacts of commons ID, newest first: id, kind, licence, versions, title.

    \b
    Example:
      commonwork artifacts list $C --limit 20
    """
    page = property_read.list_artifacts(state.node(), commons_id, before=before, limit=limit)
    if as_json:
        emit_json(json_of(page))
        return
    for item in page.items:
        emit(_line(item))
    if page.next_before is not None:
        note(f"older: --before {page.next_before}")


@artifacts_group.command("show")
@commons_argument
@click.argument("artifact")
@json_option
@pass_state
def show(state: CliState, commons_id: str, artifact: str, as_json: bool) -> None:
    """Show ARTIFACT of commons ID: its licence, versions, contributors and their shares,
    licensors, licence changes, and what it was derived from and into.

    \b
    Example:
      commonwork artifacts show $C $A --json
    """
    detail = property_read.artifact_detail(state.node(), commons_id, artifact)
    if as_json:
        emit_json(json_of(detail))
        return
    item = detail.artifact
    fields(
        [
            ("title", item.title),
            ("kind", item.kind),
            ("licence", item.licence),
            ("creator", item.creator_name or item.creator),
            ("versions", item.versions),
        ]
    )
    if detail.description:
        emit(detail.description)
    for version in detail.versions:
        emit(
            f"  v{version.number}  {version.recorded_at[:10]}  {version.sha256}  {version.licence}"
        )
    for person in detail.contributors:
        emit(f"  contributor: {person.name}  {person.points} points ({person.percent}%)")
    emit("  licensors: " + ", ".join(person.name for person in detail.licensors))
    change = detail.open_change
    if change is not None:
        waiting = ", ".join(person.name for person in change.waiting_for)
        emit(f"  licence change {change.change_id} to {change.to_licence}: waiting for {waiting}")
    for derivation in (*detail.derived_from, *detail.derived_into):
        emit("  " + _derivation_line(derivation))


@artifacts_group.command("graph")
@commons_argument
@click.argument("artifact")
@json_option
@pass_state
def graph(state: CliState, commons_id: str, artifact: str, as_json: bool) -> None:
    """Show the derivation graph around ARTIFACT of commons ID: its sources and what was
    derived from it, up to 3 hops each way (nodes and edges with --json).

    \b
    Example:
      commonwork artifacts graph $C $A --json
    """
    found = property_read.artifact_graph(state.node(), commons_id, artifact)
    if as_json:
        emit_json(json_of(found))
        return
    titles = {node.key: node.title for node in found.nodes}
    for edge in found.edges:
        emit(f"{titles[edge.derived]} <- {edge.kind} [{edge.status}] of {titles[edge.source]}")
    if found.truncated:
        note(f"more lies beyond {found.max_depth} hops or {found.max_nodes} artifacts")


@artifacts_group.command("evidence")
@commons_argument
@click.argument("artifact")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the NDJSON to FILE (default: stdout).",
)  # fmt: skip
@json_option
@pass_state
def evidence(
    state: CliState, commons_id: str, artifact: str, output: Path | None, as_json: bool
) -> None:
    """Print the signed entries that prove ARTIFACT of commons ID to another commons (NDJSON:
    its create entry and its latest version entry), for `artifacts derive --evidence` there.

    \b
    Example:
      commonwork artifacts evidence $UP $PRESS -o press.ndjson
    """
    found = property_read.artifact_evidence(state.node(), commons_id, artifact)
    text = "".join(line + "\n" for line in found.lines)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if as_json:
        emit_json(json_of(found))
    elif output is None:
        click.echo(text, nl=False)
    note(found.note)


@artifacts_group.command("attribution")
@commons_argument
@click.argument("artifact")
@click.option(
    "--dir", "directory", required=True,
    type=click.Path(file_okay=False, writable=True, path_type=Path),
    help="Where to write NOTICE, REUSE.toml, the SPDX JSON and LICENSES/ (made if missing).",
)  # fmt: skip
@click.option("--base-url", help="This node's public address, for links (https://…).")
@json_option
@pass_state
def attribution(
    state: CliState, commons_id: str, artifact: str, directory: Path, base_url: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Write the attribution of ARTIFACT of commons ID to a directory: NOTICE, an SPDX 2.3
    JSON document, a REUSE.toml and the licence texts (a tree `reuse lint` accepts). Print
    the files written.

    \b
    Example:
      commonwork artifacts attribution $C $A --dir ./attribution
    """
    files = attribution_names.attribution_files(
        state.node(), commons_id, artifact, base_url=base_url
    )
    written = []
    for relative, text in sorted(files.items()):
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(str(path))
    if as_json:
        emit_json({"commons": commons_id, "artifact": artifact, "files": written})
        return
    for path_text in written:
        emit(path_text)


@artifacts_group.command("reuse")
@commons_argument
@click.option(
    "--side", type=click.Choice(property_read.REUSE_SIDES), default="we_reuse",
    show_default=True,
    help="we_reuse: what commons ID derived from others; reuses_us: what others on this node "
    "derived from it.",
)  # fmt: skip
@click.option("--after", help="The next page: the cursor printed after the last page.")
@LIMIT
@json_option
@pass_state
def reuse(
    state: CliState, commons_id: str, side: str, after: str | None, limit: int, as_json: bool
) -> None:
    """List what commons ID reuses from other commons, or who reuses it, newest first.

    \b
    Example:
      commonwork artifacts reuse $C --side reuses_us
    """
    page = property_read.reuse_page(state.node(), commons_id, side=side, after=after, limit=limit)
    emit_page(page, as_json, json_of, _derivation_line)


@artifacts_group.command("upstream")
@commons_argument
@click.argument("txn_id")
@json_option
@pass_state
def upstream(state: CliState, commons_id: str, txn_id: str, as_json: bool) -> None:
    """Why this number: what of income TXN_ID of commons ID (received for an artifact) passed
    upstream, edge by edge, and what each upstream commons got.

    \b
    Example:
      commonwork artifacts upstream $C $TXN
    """
    found = property_read.income_upstream(state.node(), commons_id, txn_id)
    if as_json:
        emit_json(json_of(found))
        return
    emit(found.explanation)
    for flow in found.flows:
        emit(f"  {flow.explanation}")
    for share in found.upstream:
        emit(f"  {share.name or share.commons_id}: {share.amount.amount} {share.amount.currency}")
