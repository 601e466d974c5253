"""The server-rendered pages (being written)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter()


def render_problem_page(request: Request, problem: dict[str, Any], status: int) -> Response:
    return HTMLResponse(f"<h1>{problem['title']}</h1><p>{problem['detail']}</p>", status)
