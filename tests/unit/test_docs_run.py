"""Every shell block of the README and of docs/standing.md, invitations.md, governance.md,
economy.md and property.md runs as written, copy-pasted in a fresh data directory from the
repository's folder (where docs/examples/ holds the files they name).

The README's two set-up commands (``bash scripts/serve.sh`` serves until stopped, and
``bash scripts/test.sh`` is this very test suite, which CI runs) are the only blocks not run
here; a test checks that they are still the README's first two blocks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = ["bash scripts/serve.sh\n", "bash scripts/test.sh\n"]
FILES = [
    "README.md",
    "docs/standing.md",
    "docs/invitations.md",
    "docs/governance.md",
    "docs/economy.md",
    "docs/property.md",
    "docs/resources.md",
]


def shell_blocks(path: Path) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_readme_starts_with_the_two_set_up_commands() -> None:
    assert shell_blocks(ROOT / "README.md")[:2] == SETUP


@pytest.mark.parametrize("name", [name for name in FILES if (ROOT / name).exists()])
def test_every_shell_block_runs_as_written(name: str, tmp_path: Path) -> None:
    blocks = [block for block in shell_blocks(ROOT / name) if block not in SETUP]
    assert blocks, f"{name} has no shell block"
    env = {
        **os.environ,
        "COMMONWORK_DATA_DIR": str(tmp_path / "data"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    script = "set -euo pipefail\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
