"""The node's settings: one typed object, read once from ``COMMONWORK_*`` environment variables.

Nothing else in commonwork reads the environment. Every setting is listed in SETTINGS_HELP, which
the docs and ``commonwork serve --help`` show and a test checks against this class.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from commonwork.errors import BadInput

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
        "Set to 1 when the node is served over HTTPS, so session cookies are marked Secure. "
        "Default: 0."
    ),
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1024 * 1024
    secure_cookies: bool = False
    verify_workers: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
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
            secure_cookies=env.get("COMMONWORK_SECURE_COOKIES", "0") in {"1", "true", "yes"},
            verify_workers=_integer(
                env, "COMMONWORK_VERIFY_WORKERS", _default_workers(), zero=True
            ),
        )

    def with_data_dir(self, data_dir: Path) -> Settings:
        """These settings with another data directory (and its default database, if in use)."""
        url = self.database_url
        if url == default_database_url(self.data_dir):
            url = default_database_url(data_dir)
        return replace(self, data_dir=data_dir, database_url=url)


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
