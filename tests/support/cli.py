"""``commonwork`` run in process with click's CliRunner on one data directory, for CLI tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from commonwork.cli.main import cli


@dataclass
class Cli:
    """``commonwork`` with COMMONWORK_DATA_DIR set to one data directory."""

    data_dir: Path
    env: dict[str, str | None]

    def __call__(self, *args: str, code: int = 0, stdin: str | bytes | None = None) -> Result:
        result = CliRunner().invoke(
            cli, list(args), env=self.env, input=stdin, prog_name="commonwork"
        )
        assert "Traceback" not in result.output, result.output
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == code, f"exit {result.exit_code}: {result.output}"
        return result

    def json(self, *args: str, code: int = 0, stdin: str | bytes | None = None) -> Any:
        return json.loads(self(*args, "--json", code=code, stdin=stdin).stdout)

    def refused(self, *args: str, says: str, code: str | None = None) -> str:
        """Run a command that must be refused: exit 2, ``error: …`` on stderr, nothing on stdout."""
        result = self(*args, code=2)
        assert says in result.stderr, result.stderr
        if code is not None:
            assert result.stderr.startswith("error: ")
            assert f"({code})" in result.stderr, result.stderr
        assert result.stdout == ""
        return result.stderr


def make_cli(data_dir: Path) -> Cli:
    env = {
        "COMMONWORK_DATA_DIR": str(data_dir),
        "COMMONWORK_DATABASE_URL": None,  # the default SQLite file in the data directory
        "COMMONWORK_PORT": None,
    }
    return Cli(data_dir, env)
