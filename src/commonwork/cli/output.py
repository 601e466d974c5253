"""What the commands print: JSON on stdout, notes and progress bars on stderr.

stdout carries only the result (an id, a table, or with ``--json`` one JSON object or array), so
it can be piped; everything meant for the person at the terminal (notes, warnings, progress bars)
goes to stderr. Progress bars are drawn only when stderr is a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

#: Exit codes: 0 done; 1 a check found a problem (verify, rebuild); 2 bad input or a refusal.
EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_REFUSED = 2

ProgressCallback = Callable[[int], None]
Row = TypeVar("Row")


def to_json(value: Any) -> str:
    """One line of JSON (UTF-8, not ASCII-escaped); values JSON lacks are shown as strings."""
    return json.dumps(value, ensure_ascii=False, default=str)


def emit_json(value: Mapping[str, Any] | Sequence[Any]) -> None:
    """Print one JSON object (or a JSON array for a list) on stdout."""
    click.echo(to_json(value))


def emit(text: str) -> None:
    """Print a result line on stdout."""
    click.echo(text)


def note(text: str) -> None:
    """Tell the person something on stderr (never mixed into a result on stdout)."""
    click.echo(text, err=True)


def emit_rows(
    rows: Sequence[Row], as_json: bool, json_row: Callable[[Row], Any], line: Callable[[Row], str]
) -> None:
    """A list: with ``--json`` one JSON array of ``json_row`` of each row, else one ``line`` a
    row."""
    if as_json:
        emit_json([json_row(row) for row in rows])
        return
    for row in rows:
        emit(line(row))


def emit_page(
    page: Any, as_json: bool, json_of: Callable[[Any], Any], line: Callable[[Any], str]
) -> None:
    """A page of a list read by keyset (``page.items``, ``page.next_after``): with ``--json``
    the page as one object, else a line an item and how to ask for the next page."""
    if as_json:
        emit_json(json_of(page))
        return
    for item in page.items:
        emit(line(item))
    if page.next_after is not None:
        note(f"more: --after '{page.next_after}'")


def emit_table(header: str, lines: Iterable[str]) -> None:
    """A table: its header line, then a line a row."""
    emit(header)
    for line in lines:
        emit(line)


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """Print ``label: value`` lines with the values aligned."""
    width = max((len(label) for label, _ in pairs), default=0) + 2
    for label, value in pairs:
        emit(f"{label + ':':<{width}}{value}")


def _ignore(count: int) -> None:
    """The progress callback when no bar is drawn."""


@contextmanager
def progress_bar(
    label: str, total: int | None, *, console: Console | None = None
) -> Iterator[ProgressCallback]:
    """A Rich progress bar on stderr, fed with the count done so far; silent unless a terminal."""
    console = console if console is not None else Console(stderr=True)
    if not console.is_terminal:
        yield _ignore
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)

        def advance(count: int) -> None:
            progress.update(task, completed=count)

        yield advance


def count_lines(path: Path) -> int:
    """How many lines a file holds (read in chunks: cheap even for big journals)."""
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")
