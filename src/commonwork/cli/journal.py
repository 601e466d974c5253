"""Whole journals: ``export``, ``import`` (mirror), ``verify`` and ``rebuild``.

The wire form is NDJSON, one signed entry per line. ``verify`` and ``rebuild`` exit 1 when they
find a problem (a bad entry; projections the journal does not explain), so scripts can rely on
the exit code; bad input and refusals exit 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from commonwork.cli.context import CliState, commons_argument, json_option, pass_state
from commonwork.cli.output import (
    EXIT_PROBLEM,
    ProgressCallback,
    count_lines,
    emit_json,
    fields,
    note,
    progress_bar,
)
from commonwork.services import journals, queries
from commonwork.services.journals import parse_entry
from commonwork.services.read_models import CommonsDetail

JournalFile = click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)


def _is_stdin(path: Path) -> bool:
    return str(path) == "-"


@contextlib.contextmanager
def _open_lines(path: Path) -> Iterator[IO[bytes]]:
    """The journal file (or stdin for ``-``), read as bytes lines."""
    with click.open_file(str(path), "rb") as handle:
        yield handle


def _line_total(path: Path) -> int | None:
    return None if _is_stdin(path) else count_lines(path)


def _counted(lines: Iterable[bytes], progress: ProgressCallback) -> Iterator[bytes]:
    count = 0
    for line in lines:
        yield line
        count += 1
        if count % 1000 == 0:
            progress(count)
    progress(count)


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[IO[bytes]]:
    """stdout, or ``path`` written whole: a ``.partial`` file renamed only when complete."""
    if path is None:
        with click.open_file("-", "wb") as stdout:
            yield stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            yield handle
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@click.command("export")
@commons_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the journal to FILE (default: stdout).",
)
@click.option(
    "--after",
    type=click.IntRange(min=-1),
    default=-1,
    show_default=True,
    help="Only the entries after this seq: the continuation of a copy you hold.",
)
@json_option
@pass_state
def export(
    state: CliState, commons_id: str, output: Path | None, after: int, as_json: bool
) -> None:
    """Write the journal of commons ID as NDJSON (one signed entry per line).

    The journal goes to stdout unless -o is given; with -o, a summary (head, digest) is printed
    instead, as JSON with --json.
    """
    node = state.node()
    detail = queries.commons_detail(node, commons_id)
    total = max(0, detail.head_seq - after)
    count, last = 0, b""
    with progress_bar("exporting", total) as progress, _output(output) as handle:
        lines = journals.export_journal(node, commons_id, after=after) if total else iter(())
        for last in _counted(lines, progress):
            handle.write(last)
            count += 1
    summary = _export_summary(state, detail, count, last)
    summary.update(after=after, file=None if output is None else str(output))
    if output is None:
        note(f"exported {count} entries of {commons_id} (head seq {summary['head_seq']})")
    elif as_json:
        emit_json(summary)
    else:
        fields([(key, summary[key]) for key in ("commons", "entries", "head", "digest", "file")])


def _export_summary(
    state: CliState, detail: CommonsDetail, count: int, last: bytes
) -> dict[str, Any]:
    """The head actually exported (the journal may have grown meanwhile) and its digest."""
    head, head_seq = detail.head, detail.head_seq
    if count:
        entry = parse_entry(last)
        head, head_seq = entry.id, entry.seq
        if head != detail.head:
            detail = queries.commons_detail(state.node(), detail.id)
    digest = detail.digest if detail.head == head else None
    return {
        "id": detail.id,
        "commons": detail.id,
        "entries": count,
        "head": head,
        "head_seq": head_seq,
        "digest": digest,
    }


@click.command("import")
@click.argument("file", type=JournalFile, metavar="FILE|-")
@json_option
@pass_state
def import_(state: CliState, file: Path, as_json: bool) -> None:
    """Import (mirror) an exported journal from FILE, or stdin for '-'.

    Every entry is checked (signatures, links, rules) before anything is kept: a bad entry aborts
    the whole import and names its line. Entries this node holds already must be identical.
    """
    node = state.node()
    journal_id = None
    if not _is_stdin(file):  # a fork's journal is named by its last fork entry: look first
        with _open_lines(file) as scanned:
            journal_id = journals.journal_id_of(scanned)
    with progress_bar("importing", _line_total(file)) as progress, _open_lines(file) as lines:
        listed = list(lines) if _is_stdin(file) else lines  # stdin is read once: keep it
        imported = journals.import_journal(node, listed, journal_id=journal_id, progress=progress)
    detail = queries.commons_detail(node, imported.commons_id)
    result = {
        "id": imported.commons_id,
        "commons": imported.commons_id,
        "appended": imported.appended,
        "already_held": imported.already_held,
        "head": imported.head.id,
        "head_seq": imported.head.seq,
        "digest": detail.digest,
    }
    if as_json:
        emit_json(result)
    else:
        keys = ("commons", "appended", "already_held", "head", "digest")
        fields([(key.replace("_", " "), result[key]) for key in keys])


def _print_report(report: dict[str, Any]) -> None:
    bad = report["first_bad"]
    if bad is not None:
        where = f"line {bad['line']}" + (f", seq {bad['seq']}" if bad["seq"] is not None else "")
        fields(
            [
                ("bad entry", where),
                ("id", bad["id"] or "-"),
                ("code", bad["code"]),
                ("reason", bad["reason"]),
                ("good before it", f"{report['entries']} entries"),
            ]
        )
        return
    fields(
        [
            ("ok", f"{report['entries']} entries of commons {report['commons']} verify"),
            ("head", f"seq {report['head_seq']} {report['head']}"),
            ("digest", report["digest"]),
        ]
    )
    if report.get("projections_match") is False:
        note(
            f"but this node's projections differ from the replay (live digest "
            f"{report['live_digest']}): run commonwork rebuild {report['commons']}"
        )


def _verify_file(path: Path) -> dict[str, Any]:
    with progress_bar("verifying", _line_total(path)) as progress, _open_lines(path) as lines:
        return journals.verify_lines_offline(lines, progress=progress).as_json()


def _verify_held(state: CliState, commons_id: str) -> dict[str, Any]:
    node = state.node()
    total = queries.commons_detail(node, commons_id).head_seq + 1
    with progress_bar("verifying", total) as progress:
        return journals.verify_commons(node, commons_id, progress=progress).as_json()


@click.command("verify")
@click.argument("commons_id", metavar="[ID]", required=False)
@click.option(
    "--file",
    "journal_file",
    type=JournalFile,
    help="Verify an exported journal (NDJSON, '-' for stdin) without any database.",
)
@json_option
@pass_state
def verify(
    state: CliState, commons_id: str | None, journal_file: Path | None, as_json: bool
) -> None:
    """Re-check every signature, link and rule of a journal; name the first bad entry.

    Verifies commons ID as this node holds it (and that its projections match a replay), or an
    exported journal with --file. Exit status 0: ok; 1: a bad entry (or projections that do
    not match); 2: bad input.
    """
    if commons_id is not None and journal_file is not None:
        raise click.UsageError("give either a commons ID or --file FILE, not both")
    if journal_file is not None:
        report = _verify_file(journal_file)
    elif commons_id is not None:
        report = _verify_held(state, commons_id)
    else:
        raise click.UsageError("give a commons ID, or --file FILE")
    report["id"] = report["commons"]
    if as_json:
        emit_json(report)
    else:
        _print_report(report)
    if not report["ok"] or report.get("projections_match") is False:
        click.get_current_context().exit(EXIT_PROBLEM)


def _journal_size(state: CliState, commons_id: str | None) -> tuple[int, str | None]:
    """Entries to replay (for the progress bar) and, for one commons, its head id."""
    node = state.node()
    if commons_id is not None:
        head, _ = journals.journal_page(node, commons_id, limit=0)
        return head.seq + 1, head.id
    total, offset = 0, 0
    while rows := queries.list_commons(node, limit=queries.MAX_PAGE, offset=offset):
        total += sum(row.head_seq + 1 for row in rows if row.head_seq is not None)
        offset += len(rows)
    return total, None


@click.command("rebuild")
@click.argument("commons_id", metavar="[ID]", required=False)
@json_option
@pass_state
def rebuild(state: CliState, commons_id: str | None, as_json: bool) -> None:
    """Drop the projections (of commons ID, or of all) and replay the journal into them.

    Prints the state digest before and after; they must be equal. Exit status 1 if it changed.
    When this release projects an area differently (a new projection version), its tables are
    made afresh and every commons is rebuilt: then there is no digest before to compare.
    """
    total, head = _journal_size(state, commons_id)
    with progress_bar("replaying", total) as progress:
        rebuilt = journals.rebuild_projections(state.node(), commons_id, progress=progress)
    result = {
        "id": commons_id,
        "commons": rebuilt.commons,
        "entries": rebuilt.entries,
        "head": head,
        "digest_before": rebuilt.digest_before,
        "digest_after": rebuilt.digest_after,
        "digest": rebuilt.digest_after,
        "unchanged": rebuilt.unchanged,
        "remade": rebuilt.remade,
    }
    if as_json:
        emit_json(result)
    elif rebuilt.remade:
        fields(
            [
                ("rebuilt", f"{len(rebuilt.commons)} commons from {rebuilt.entries} entries"),
                ("made afresh", ", ".join(rebuilt.remade) + " (a new projection version)"),
                ("digest", rebuilt.digest_after),
            ]
        )
    else:
        fields(
            [
                ("rebuilt", f"{len(rebuilt.commons)} commons from {rebuilt.entries} entries"),
                ("digest before", rebuilt.digest_before),
                ("digest after", rebuilt.digest_after),
                ("result", "unchanged" if rebuilt.unchanged else "CHANGED"),
            ]
        )
    if not rebuilt.unchanged and not rebuilt.remade:
        note("the projections held state the journal does not explain; they now match it")
        click.get_current_context().exit(EXIT_PROBLEM)
