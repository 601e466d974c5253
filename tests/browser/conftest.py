"""Fixtures for browser tests: a node started the way the README says, and Debian's chromium.

``served_node`` runs ``commonwork serve --port PORT`` as a subprocess with its own data directory
and yields the base URL once the node answers. ``chromium`` is a Playwright browser driving the
system's chromium (never a downloaded one): the test fails, with the reason, when it is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.functional.server import free_port

STARTUP_SECONDS = 30.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"commonwork serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"commonwork serve did not answer at {url} within {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


@pytest.fixture
def served_node(tmp_path: Path) -> Iterator[str]:
    """``commonwork serve`` on a free port with a fresh data directory; yields its base URL."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "commonwork"), "serve", "--port", str(port)]
    env = {**os.environ, "COMMONWORK_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base_url + "/", process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def chromium() -> Iterator[Browser]:
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(
            f"no chromium at {executable}: install Debian's chromium (apt-get install chromium) "
            "or point PLAYWRIGHT_CHROMIUM_EXECUTABLE at one; browser tests never download one"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
