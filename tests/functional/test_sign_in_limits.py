"""Sign-in and sign-up on the open internet (issue 9, item 3), over real HTTP.

Before: no limit at all (about 7 wrong passwords a second per account, bounded only by argon2);
40 concurrent sign-ins hashed 40 passwords at once (2.3 GiB); an unknown address answered
without hashing (~46 ms against ~190 ms: accounts could be told apart by timing); ``a@b`` and
U+202E were taken as e-mail addresses. Clients here come from 127.0.0.x addresses of their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest

from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import accounts
from commonwork.web.app import create_app
from tests.functional.server import serve_app

PASSWORD = "a long passphrase"


@contextmanager
def node_site(tmp_path: Path, **env: str) -> Iterator[str]:
    settings = {"COMMONWORK_DATA_DIR": str(tmp_path / "node")}
    settings.update({f"COMMONWORK_{name.upper()}": value for name, value in env.items()})
    node = Node.open(Settings.from_env(settings))
    try:
        with serve_app(create_app(node)) as site:
            yield site
    finally:
        node.close()


def client(site: str, address: str = "127.0.0.1") -> httpx.Client:
    """A client whose requests come from ``address`` (any 127.0.0.x reaches 127.0.0.1)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=site, transport=transport, timeout=60)


def sign_up(web: httpx.Client, email: str) -> None:
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0]}
    made = web.post("/api/v1/accounts", json=body)
    assert made.status_code == 201, made.text


def sign_in(web: httpx.Client, email: str, password: str) -> httpx.Response:
    return web.post("/api/v1/session", json={"email": email, "password": password})


class HashSpy:
    """Counts argon2 verifications (the library's, not ours) and the most at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, hold: float = 0.0) -> None:
        self.calls = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()
        original: Callable[..., Any] = argon2.PasswordHasher.verify
        spy = self

        def verify(hasher: argon2.PasswordHasher, hashed: Any, password: Any) -> Any:
            with spy._lock:
                spy.calls += 1
                spy.running += 1
                spy.most = max(spy.most, spy.running)
            try:
                time.sleep(hold)  # long enough for concurrent sign-ins to overlap
                return original(hasher, hashed, password)
            finally:
                with spy._lock:
                    spy.running -= 1

        monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)


def test_wrong_passwords_are_limited_per_account_whatever_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with node_site(tmp_path, rate_limits="sign_in_account=3/15minutes") as site:
        web, elsewhere = client(site), client(site, "127.0.0.2")
        sign_up(web, "ada@example.org")
        sign_up(web, "bob@example.org")
        spy = HashSpy(monkeypatch)
        for _ in range(3):
            wrong = sign_in(web, "ada@example.org", "not the passphrase")
            assert wrong.status_code == 401, wrong.text
        assert spy.calls == 3
        for asker in (web, elsewhere):  # the right password waits too, from any address
            held = sign_in(asker, "Ada@Example.org", PASSWORD)
            assert held.status_code == 429, held.text
            assert held.json()["code"] == "rate_limited"
            assert held.json()["limit"] == "sign_in_account"
            assert 0 < int(held.headers["retry-after"]) <= 15 * 60
            assert "try again in" in held.json()["detail"]
        assert spy.calls == 3  # refused before any hashing
        other = sign_in(web, "bob@example.org", PASSWORD)  # another account is not held
        assert other.status_code == 200, other.text


def test_sign_in_attempts_are_limited_per_client_address(tmp_path: Path) -> None:
    with node_site(tmp_path, rate_limits="sign_in_address=4/minute") as site:
        guesser, neighbour = client(site, "127.0.0.3"), client(site, "127.0.0.4")
        sign_up(neighbour, "dee@example.org")
        answers = [
            sign_in(guesser, f"user{index}@example.org", "guess").status_code for index in range(6)
        ]
        assert answers == [401, 401, 401, 401, 429, 429]
        assert sign_in(neighbour, "dee@example.org", PASSWORD).status_code == 200


def test_an_unknown_address_takes_the_same_work_and_answer_as_a_wrong_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with node_site(tmp_path) as site:
        web = client(site)
        sign_up(web, "eve@example.org")
        spy = HashSpy(monkeypatch)
        known = sign_in(web, "eve@example.org", "wrong passphrase")
        assert spy.calls == 1
        unknown = sign_in(web, "nobody@example.org", "wrong passphrase")
        assert spy.calls == 2  # before: 1, the unknown address was answered without hashing
        assert (known.status_code, unknown.status_code) == (401, 401)
        assert known.json()["detail"] == unknown.json()["detail"]
        assert known.json()["code"] == unknown.json()["code"] == "authentication_failed"


def test_concurrent_sign_ins_hash_at_most_two_passwords_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with node_site(tmp_path, rate_limits="off") as site:
        sign_up(client(site), "fay@example.org")
        spy = HashSpy(monkeypatch, hold=0.1)
        with ThreadPoolExecutor(12) as pool:
            answers = list(
                pool.map(
                    lambda index: sign_in(client(site), "fay@example.org", f"guess {index}"),
                    range(12),
                )
            )
        assert [answer.status_code for answer in answers] == [401] * 12
        assert spy.calls == 12
        assert spy.most <= accounts.HASHING_SLOTS == 1  # before: as many as the requests


def test_sign_ups_are_limited_per_client_address(tmp_path: Path) -> None:
    with node_site(tmp_path, rate_limits="sign_up=2/hour") as site:
        web, other = client(site, "127.0.0.5"), client(site, "127.0.0.6")
        sign_up(web, "gus@example.org")
        sign_up(web, "hal@example.org")
        body = {"email": "ivy@example.org", "password": PASSWORD, "display_name": "Ivy"}
        flood = web.post("/api/v1/accounts", json=body)
        assert flood.status_code == 429, flood.text
        assert flood.json()["limit"] == "sign_up"
        assert other.post("/api/v1/accounts", json=body).status_code == 201


@pytest.mark.parametrize(
    "email",
    ["a@b", "ada\x01@example.org", "ad\u202ea@example.org", "ada@example.test", "a b@example.org"],
    ids=["no dot", "control character", "right-to-left override", "special-use", "space"],
)
def test_e_mail_addresses_are_checked_on_sign_up_and_on_claims(
    api: httpx.Client, email: str
) -> None:
    body = {"email": email, "password": PASSWORD, "display_name": "Jo"}
    refused = api.post("/api/v1/accounts", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "bad_input"
    assert "not an e-mail address" in refused.json()["detail"]
    sign_up(api, "jo@example.org")
    token = sign_in(api, "jo@example.org", PASSWORD).json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    claimed = api.post("/api/v1/me/emails", json={"email": email}, headers=bearer)
    assert claimed.status_code == 400, claimed.text
    assert api.get("/api/v1/me/emails", headers=bearer).json()["items"] == []


def test_forwarded_headers_are_believed_only_from_trusted_proxies(tmp_path: Path) -> None:
    limits = "sign_in_address=2/minute"
    proxied = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}
    with node_site(tmp_path / "open", rate_limits=limits) as site:
        web = client(site)
        sign_up(web, "kim@example.org")
        opened = web.post(
            "/api/v1/session",
            json={"email": "kim@example.org", "password": PASSWORD},
            headers=proxied,
        )
        assert "secure" not in opened.headers["set-cookie"].lower()  # anyone can say https
        guess = {"email": "x@example.org", "password": "guess"}
        answers = [  # nor can they pick their address: all three count against 127.0.0.1
            web.post("/api/v1/session", json=guess, headers={"x-forwarded-for": forwarded})
            for forwarded in ("203.0.113.8", "203.0.113.9")
        ]
        assert [answer.status_code for answer in answers] == [401, 429]
    with node_site(tmp_path / "proxied", rate_limits=limits, trusted_proxies="127.0.0.1") as site:
        web = client(site)
        sign_up(web, "lee@example.org")
        opened = web.post(
            "/api/v1/session",
            json={"email": "lee@example.org", "password": PASSWORD},
            headers=proxied,
        )
        assert opened.status_code == 200
        assert "secure" in opened.headers["set-cookie"].lower()
        for forwarded in ("203.0.113.8", "203.0.113.9", "203.0.113.10"):  # three clients
            guess = {"email": "x@example.org", "password": "guess"}
            answer = web.post(
                "/api/v1/session",
                json=guess,
                headers={"x-forwarded-for": f"{forwarded}, 127.0.0.1"},
            )
            assert answer.status_code == 401, answer.text
