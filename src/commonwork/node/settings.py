"""The node's settings: one typed object, read once from ``COMMONWORK_*`` environment variables.

Nothing else in commonwork reads the environment. Every setting is listed in SETTINGS_HELP, which
the docs and ``commonwork serve --help`` show and a test checks against this class.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from commonwork.errors import BadInput

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTINGS_HELP: dict[str, str] = {
    "COMMONWORK_DATA_DIR": (
        "Directory for the node's private files: host key, key-encryption key, local identities "
        "and (by default) the SQLite database. Default: ~/.local/share/commonwork."
    ),
    "COMMONWORK_DATABASE_URL": (
        "SQLAlchemy URL of the database: sqlite:///PATH (embedded, the default: "
        "DATA_DIR/commonwork.db) or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB."
    ),
    "COMMONWORK_HOST": "Address the web node listens on. Default: 127.0.0.1.",
    "COMMONWORK_PORT": "Port the web node listens on. Default: 8000.",
    "COMMONWORK_MAX_BODY_BYTES": (
        "Largest HTTP request body accepted, in bytes (a batch of actions included). "
        "Default: 1048576."
    ),
    "COMMONWORK_VERIFY_WORKERS": (
        "Worker processes that verify the signatures of large batches of actions while the node "
        "checks their rules; 0 verifies in the node's own process. Default: the number of cores "
        "(0 on a single-core machine)."
    ),
    "COMMONWORK_SECURE_COOKIES": (
        "Whether session cookies are marked Secure: auto (when the request came over HTTPS, "
        "or through a trusted proxy that says so in X-Forwarded-Proto), 1 (always) or 0 "
        "(never). Default: auto."
    ),
    "COMMONWORK_TRUSTED_PROXIES": (
        "Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed. A client's address (for rate "
        "limits) is otherwise the socket's. Default: none."
    ),
    "COMMONWORK_SQLITE_SYNCHRONOUS": (
        "FULL (the default: an acknowledged write survives a power loss) or NORMAL (faster "
        "writes; survives a crash of the node, not of the machine). SQLite only."
    ),
    "COMMONWORK_DB_WAIT_SECONDS": (
        "How long a request waits for a database connection or lock before the node answers 503 "
        "with Retry-After; PostgreSQL statements of reads are cancelled after 4 times as long. "
        "Default: 5."
    ),
    "COMMONWORK_JOB_PROCESSES": (
        "Worker processes that run the heavy reads (a full verification, a value-policy preview, "
        "standing as of a past day) at a lower priority than the web node, so that they never "
        "slow its requests; 0 runs them on a thread of the node's own process. Default: 1 for "
        "`commonwork serve`, 0 for the other commands (which wait for their one read)."
    ),
    "COMMONWORK_READ_CACHE_BYTES": (
        "Memory the web node may use to keep answers to anonymous API reads (a commons, its "
        "lists, journal pages) until the database changes, in bytes; 0 turns it off. "
        "Default: 33554432 (32 MiB)."
    ),
    "COMMONWORK_RATE_LIMITS": (
        "Override request limits per client, e.g. "
        "'sign_in_account=5/15minutes;expensive=30/minute'; 'off' turns them all off (tests, "
        "a private node). The limits and their defaults are "
        "listed in docs/settings.md."
    ),
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1024 * 1024
    secure_cookies: bool | None = None  # None: Secure when the request came over HTTPS
    verify_workers: int = 0
    trusted_proxies: tuple[IPNetwork, ...] = ()
    sqlite_synchronous: str = "FULL"
    db_wait_seconds: int = 5
    rate_limits: str = ""
    job_processes: int = 0
    read_cache_bytes: int = 32 * 1024 * 1024

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, serving: bool = False
    ) -> Settings:
        """The settings the environment gives; ``serving``: for the web node, whose defaults
        differ where it says so (COMMONWORK_JOB_PROCESSES)."""
        env = os.environ if environ is None else environ
        data_dir = Path(
            env.get("COMMONWORK_DATA_DIR") or Path.home() / ".local" / "share" / "commonwork"
        ).expanduser()
        return cls(
            data_dir=data_dir,
            database_url=env.get("COMMONWORK_DATABASE_URL") or default_database_url(data_dir),
            host=env.get("COMMONWORK_HOST") or "127.0.0.1",
            port=_integer(env, "COMMONWORK_PORT", 8000),
            max_body_bytes=_integer(env, "COMMONWORK_MAX_BODY_BYTES", 1024 * 1024),
            secure_cookies=_secure_cookies(env.get("COMMONWORK_SECURE_COOKIES", "auto")),
            verify_workers=_integer(
                env, "COMMONWORK_VERIFY_WORKERS", _default_workers(), zero=True
            ),
            trusted_proxies=_networks(env.get("COMMONWORK_TRUSTED_PROXIES", "")),
            sqlite_synchronous=_synchronous(env.get("COMMONWORK_SQLITE_SYNCHRONOUS", "FULL")),
            db_wait_seconds=_integer(env, "COMMONWORK_DB_WAIT_SECONDS", 5),
            rate_limits=env.get("COMMONWORK_RATE_LIMITS", "").strip(),
            job_processes=_integer(env, "COMMONWORK_JOB_PROCESSES", int(serving), zero=True),
            read_cache_bytes=_integer(
                env, "COMMONWORK_READ_CACHE_BYTES", 32 * 1024 * 1024, zero=True
            ),
        )

    def with_data_dir(self, data_dir: Path) -> Settings:
        """These settings with another data directory (and its default database, if in use)."""
        url = self.database_url
        if url == default_database_url(self.data_dir):
            url = default_database_url(data_dir)
        return replace(self, data_dir=data_dir, database_url=url)


def _secure_cookies(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in {"", "auto"}:
        return None
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    raise BadInput(f"COMMONWORK_SECURE_COOKIES must be auto, 1 or 0, not {raw!r}")


def _networks(raw: str) -> tuple[IPNetwork, ...]:
    found: list[IPNetwork] = []
    for part in raw.split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise BadInput(
                    f"COMMONWORK_TRUSTED_PROXIES: {part.strip()!r} is not an address or a "
                    "network (e.g. 127.0.0.1 or 10.0.0.0/8)"
                ) from exc
    return tuple(found)


def _synchronous(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"FULL", "NORMAL", "EXTRA"}:
        raise BadInput(f"COMMONWORK_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {raw!r}")
    return value


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'commonwork.db'}"


def _default_workers() -> int:
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def _integer(env: Mapping[str, str], name: str, default: int, *, zero: bool = False) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadInput(f"{name} must be a whole number, not {raw!r}") from exc
    if value < 0 or (value == 0 and not zero):
        raise BadInput(f"{name} must be {'zero or more' if zero else 'positive'}, not {value}")
    return value
