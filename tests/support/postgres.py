"""A throwaway PostgreSQL server for the test suite; the caller starts and stops it."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ENV_URL = "COMMONWORK_TEST_POSTGRES_URL"
INSTALL_HINT = (
    "install Debian's postgresql package: apt-get install postgresql, "
    f"or set {ENV_URL} to a postgresql+psycopg:// URL of a server whose user may CREATE DATABASE"
)
_TOOLS = ("initdb", "pg_ctl", "postgres")
_INITDB_ARGS = ["-A", "trust", "-U", "commonwork", "--encoding", "UTF8", "--no-locale", "--no-sync"]
_SERVER_SETTINGS = "-F -c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresServer:
    """A running server: `url` points at its `postgres` database as a SQLAlchemy URL."""

    def __init__(
        self, url: str, pg_ctl: list[str] | None = None, runtime: Path | None = None
    ) -> None:
        self.url = url
        self._pg_ctl = pg_ctl  # None: an external server that stop() leaves alone
        self._runtime = runtime  # data dir, socket and log; removed by stop()
        self.log_copy: Path | None = None  # where stop() keeps the server log

    def database_url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        conninfo = make_url(self.url).set(drivername="postgresql")
        return psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True)

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        if self._pg_ctl is None or self._runtime is None:
            return
        pg_ctl, runtime = self._pg_ctl, self._runtime
        self._pg_ctl = self._runtime = None
        try:
            _run([*pg_ctl, "stop", "-D", str(runtime / "data"), "-m", "fast", "-w"], runtime)
        finally:
            _copy_log(runtime, self.log_copy)
            shutil.rmtree(runtime, ignore_errors=True)


def _find_binaries() -> dict[str, str]:
    def version(bindir: str) -> tuple[int, ...]:
        name = Path(bindir).parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        found = {tool: str(Path(bindir) / tool) for tool in _TOOLS}
        if all(os.access(path, os.X_OK) for path in found.values()):
            return found
    on_path = {tool: shutil.which(tool) for tool in _TOOLS}
    if all(on_path.values()):
        return {tool: str(path) for tool, path in on_path.items()}
    raise RuntimeError(f"PostgreSQL binaries (initdb, pg_ctl, postgres) not found: {INSTALL_HINT}")


def _reachable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


def _as_postgres_user(runtime: Path) -> list[str]:
    """Hand `runtime` to the postgres user and return the prefix that runs a command as it."""
    runuser = shutil.which("runuser")
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        owner = None
    if runuser is None or owner is None or not _reachable_by_others(runtime):
        shutil.rmtree(runtime, ignore_errors=True)
        raise RuntimeError(
            f"as root, PostgreSQL runs as the 'postgres' user via runuser, which needs that user "
            f"and a world-searchable {runtime.parent} (else set TMPDIR): {INSTALL_HINT}"
        )
    os.chown(runtime, owner.pw_uid, owner.pw_gid)
    return [runuser, "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}:\n{output}")


def _log_tail(runtime: Path, lines: int = 40) -> str:
    log = runtime / "postgres.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _copy_log(runtime: Path, target: Path | None) -> None:
    if target is not None and (runtime / "postgres.log").exists():
        shutil.copyfile(runtime / "postgres.log", target)


def start_postgres(base_dir: Path) -> PostgresServer:
    """Start a fresh server (or use the one named by COMMONWORK_TEST_POSTGRES_URL)."""
    if external := os.environ.get(ENV_URL):
        return PostgresServer(external)
    binaries = _find_binaries()
    base_dir.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    # Data dir, socket and log live in a short-named dir (unix socket paths are limited to
    # 107 bytes) that, as root, the postgres user can reach: pytest's own dirs are 0700.
    runtime = Path(tempfile.mkdtemp(prefix="commonwork-pg-"))
    os.chmod(runtime, 0o755)  # noqa: S103 - the server's user must traverse it
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = _as_postgres_user(runtime)
    pg_ctl = [*as_user, binaries["pg_ctl"]]
    data, log = runtime / "data", runtime / "postgres.log"
    try:
        _run([*as_user, binaries["initdb"], "-D", str(data), *_INITDB_ARGS], runtime)
        for _attempt in range(3):  # another process may take the free port before we bind it
            port = _free_port()
            options = f"-h 127.0.0.1 -p {port} -k {runtime} {_SERVER_SETTINGS}"
            options += " -c max_connections=100"
            start = [*pg_ctl, "start", "-w", "-D", str(data), "-l", str(log), "-o", options]
            try:
                _run(start, runtime)
            except RuntimeError as error:
                failure = error
                continue
            url = f"postgresql+psycopg://commonwork@127.0.0.1:{port}/postgres"
            server = PostgresServer(url, pg_ctl, runtime)
            server.log_copy = base_dir / "postgres.log"
            return server
        raise failure
    except RuntimeError as error:
        tail = _log_tail(runtime)
        _copy_log(runtime, base_dir / "postgres.log")
        shutil.rmtree(runtime, ignore_errors=True)
        raise RuntimeError(
            f"could not start PostgreSQL from {binaries['pg_ctl']}: {error}\n"
            f"--- server log tail ({base_dir / 'postgres.log'}) ---\n{tail}"
        ) from error
