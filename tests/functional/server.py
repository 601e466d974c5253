"""A real HTTP server for functional tests: the app on uvicorn in a thread, on a free local port.

    with serve_app(create_app(node)) as base_url:
        httpx.get(f"{base_url}/")

Nothing is mocked: requests go through sockets, uvicorn, the middleware and the error handlers
exactly as in production. ``free_port()`` is shared with tests that start ``commonwork serve``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

STARTUP_SECONDS = 10.0
#: What a browser asks for: error pages come back as HTML, not problem JSON.
HTML = {"accept": "text/html,application/xhtml+xml"}
#: Makes people for page tests: each an HTTP client with its own cookies.
People = Callable[[], httpx.Client]


def free_port() -> int:
    """A TCP port that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 while the block runs; yields its base URL (no trailing /)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)


def journal_head(api: httpx.Client, commons: str) -> tuple[int, str]:
    """The commons' head (seq, id) as the API reports it."""
    detail = api.get(f"/api/v1/commons/{commons}").json()
    return detail["head_seq"], detail["head"]


def reverified(
    api: httpx.Client, commons: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """``POST …/verify``, then, while the re-verification is under way (202, or a state not
    kept yet), ``GET …/verify`` until the report of the head is kept: that last answer."""
    url = f"/api/v1/commons/{commons}/verify"
    answer = api.post(url, headers=headers)
    deadline = time.monotonic() + 120
    while answer.status_code == 202 or answer.json().get("ok", False) is None:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)
        answer = api.get(url, headers=headers)
    return answer
