"""What machine a benchmark ran on: CPU, cores, memory, Python, databases and library versions.

Every benchmark prints this first, so that a figure is never read without its machine::

    from _machine import describe_machine
    print(describe_machine(postgres_server="16.4"))

``machine_facts()`` gives the same as a dict (for ``--json`` output).
"""

from __future__ import annotations

import glob
import os
import platform
import re
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

LIBRARIES = ("pynacl", "orjson", "sqlalchemy", "psycopg", "pydantic")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine() or "unknown"


def _cpu_extras() -> str:
    """Family/model/stepping and whether the CPU runs under a hypervisor (noisy neighbours)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    first = text.split("\n\n", 1)[0]
    fields = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in first.splitlines())
    }
    parts = []
    if "cpu family" in fields:
        parts.append(
            f"family {fields['cpu family']} model {fields.get('model', '?')} "
            f"stepping {fields.get('stepping', '?')}"
        )
    if "cpu MHz" in fields:
        parts.append(f"{float(fields['cpu MHz']):.0f} MHz")
    flags = fields.get("flags", "").split()
    if "hypervisor" in flags:
        parts.append("virtual machine")
    if "avx512f" in flags:
        parts.append("AVX-512")
    elif "avx2" in flags:
        parts.append("AVX2")
    return ", ".join(parts)


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _libsodium() -> str:
    """The libsodium PyNaCl is linked against (its bundled copy, normally)."""
    try:
        import nacl.bindings
    except ImportError:
        return "not installed"
    version = getattr(nacl.bindings, "sodium_version_string", None)
    return version() if callable(version) else "bundled with pynacl"


def postgres_binaries_version() -> str | None:
    """``postgres --version`` of the newest Debian PostgreSQL on this machine, if any."""

    def key(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=key, reverse=True)
    for binary in candidates:
        try:
            done = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = re.search(r"(\d+(?:\.\d+)*)", done.stdout)
        if done.returncode == 0 and match:
            return match.group(1)
    return None


def machine_facts(*, postgres_server: str | None = None) -> dict[str, str]:
    """The facts ``describe_machine`` prints, as a dict of strings.

    ``postgres_server``: the version the benchmark's server reported (``SHOW server_version``);
    without it, the version of the installed binaries (or "not measured").
    """
    memory = _memory_gib()
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    binaries = postgres_binaries_version()
    if postgres_server is not None:
        postgres = postgres_server
    elif binaries is not None:
        postgres = f"{binaries} (installed binaries; server not started)"
    else:
        postgres = "not installed"
    facts = {
        "cpu": _cpu_model(),
        "cpu_details": _cpu_extras(),
        "cores": f"{cores} logical, {usable} usable by this process",
        "ram": f"{memory:.1f} GiB" if memory is not None else "unknown",
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": f"{platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "libsodium": _libsodium(),
    }
    for library in LIBRARIES:
        facts[library] = _version(library)
    return facts


def describe_machine(*, postgres_server: str | None = None) -> str:
    """A short, human-readable description of this machine and the software under test."""
    facts = machine_facts(postgres_server=postgres_server)
    cpu = facts["cpu"] + (f" [{facts['cpu_details']}]" if facts["cpu_details"] else "")
    libraries = ", ".join(f"{name} {facts[name]}" for name in LIBRARIES)
    lines = [
        f"CPU:        {cpu}",
        f"cores:      {facts['cores']}",
        f"RAM:        {facts['ram']}",
        f"OS:         {facts['os']}",
        f"Python:     {facts['python']}",
        f"SQLite:     {facts['sqlite']}",
        f"PostgreSQL: {facts['postgresql']}",
        f"libsodium:  {facts['libsodium']}",
        f"libraries:  {libraries}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe_machine())
