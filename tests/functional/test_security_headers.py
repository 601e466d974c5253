"""Every answer carries the security headers; answers that may carry a secret are never kept
(issue 9, "headers")."""

from __future__ import annotations

import httpx

from tests.functional.server import HTML


def test_every_answer_forbids_inline_script_framing_and_sniffing(api: httpx.Client) -> None:
    for path, headers in (("/", HTML), ("/api/v1/commons", {}), ("/static/style.css", {})):
        answer = api.get(path, headers=headers)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_answers_that_may_carry_a_secret_are_not_stored(api: httpx.Client) -> None:
    signed_up = api.post(
        "/api/v1/accounts",
        json={"email": "ada@example.org", "password": "a long passphrase", "display_name": "Ada"},
    )
    assert signed_up.headers["cache-control"] == "no-store"
    session = api.post(
        "/api/v1/session", json={"email": "ada@example.org", "password": "a long passphrase"}
    )
    assert session.status_code == 200
    assert session.headers["cache-control"] == "no-store"  # it carries the bearer token
    assert api.get("/api/v1/me").headers["cache-control"] == "no-store"
    assert "no-store" not in api.get("/api/v1/commons").headers.get("cache-control", "")


def test_the_api_browser_is_served_from_this_node(api: httpx.Client) -> None:
    docs = api.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert "<script>" not in docs.text  # no inline script
    assert "style-src 'self' 'unsafe-inline'" in docs.headers["content-security-policy"]
    assert api.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
