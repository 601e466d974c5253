"""Every command answers --help, is documented in docs/cli.md, and progress stays off stdout."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from commonwork.cli.main import cli
from commonwork.cli.output import count_lines, progress_bar
from commonwork.cli.reference import REGENERATE, render
from commonwork.node.settings import SETTINGS_HELP

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path of the click tree, the root group's () included."""
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from command_paths(sub, (*path, name))


PATHS = list(command_paths(cli))


def test_the_tree_holds_the_commands_people_need() -> None:
    expected = {
        ("id", "new"), ("id", "show"), ("id", "list"), ("id", "export"), ("id", "import"),
        ("commons", "found"), ("commons", "show"), ("commons", "list"),
        ("join",), ("leave",), ("contribute",), ("validate",),
        ("export",), ("import",), ("verify",), ("rebuild",), ("serve",),
    }  # fmt: skip
    assert expected <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "commonwork")
def test_every_command_answers_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="commonwork")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: {' '.join(('commonwork', *path))}")
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"{path} has no help text"
    if not isinstance(command, click.Group) and path != ("serve",):
        assert "--json" in result.stdout, f"{path} lacks --json"


def test_docs_mention_every_command() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        " ".join(("commonwork", *path))
        for path in PATHS
        if f"### `{' '.join(('commonwork', *path))}`" not in text
    ]
    assert not missing, f"docs/cli.md lacks {missing}; regenerate it: {REGENERATE}"


def test_docs_are_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), f"regenerate docs/cli.md: {REGENERATE}"


def test_root_and_serve_help_list_the_settings() -> None:
    for args in (["--help"], ["serve", "--help"]):
        result = CliRunner().invoke(cli, args, prog_name="commonwork")
        for name in SETTINGS_HELP:
            assert name in result.stdout


def test_progress_bars_draw_on_a_terminal_only() -> None:
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=80)
    with progress_bar("verifying", 10, console=console) as progress:
        progress(5)
        progress(10)
    assert "verifying" in terminal.getvalue()
    piped = io.StringIO()
    with progress_bar("verifying", 10, console=Console(file=piped)) as progress:
        progress(10)
    assert piped.getvalue() == ""


@pytest.mark.parametrize(
    ("data", "lines"), [(b"", 0), (b"a\n", 1), (b"a\nb", 2), (b"a\nb\n", 2), (b"\n" * 3, 3)]
)
def test_count_lines(tmp_path: Path, data: bytes, lines: int) -> None:
    path = tmp_path / "file"
    path.write_bytes(data)
    assert count_lines(path) == lines
