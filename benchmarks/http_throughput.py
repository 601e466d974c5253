"""HTTP throughput of the node beside a bare endpoint (issue 9): requests/s and p99 latency.

The node runs as ``commonwork serve`` starts it (uvicorn, ``proxy_headers=False``, the access
log on at ``--log-level info``) over the kept ~100,000-entry journal (built once by
``availability.py``'s helper with ``reads.py``'s generator), with ``COMMONWORK_RATE_LIMITS=off``
and otherwise default settings, in a child process pinned to one core (``--server-cpu``). Beside
it, on the same stack with the same settings and pinned to the same core, a bare Starlette
application answers the same paths with the same bytes (read from the node first). ``wrk``
(Debian's package) pinned to the other core (``--wrk-cpu``) measures each for ``--duration``
seconds with ``--connections`` connections, interleaved: node, bare, node, bare… (``--rounds``
pairs per route, after a short warm-up of each). Routes:

* ``GET /api/v1/commons/{id}``: the target, ratio node/bare >= 0.5 and p99 < 100 ms;
* the commons page (``GET /commons/{id}``, ``Accept: text/html``), no target;
* ``GET /api/v1/commons/{id}/journal?limit=1000`` (about 800 KiB of NDJSON), no target.

Nothing here asserts a time: each figure is printed beside its target, "met" or "NOT MET".

    apt-get install -y wrk                                                  # once
    .venv/bin/python benchmarks/http_throughput.py --duration 3 --rounds 1  # a short run
    .venv/bin/python benchmarks/http_throughput.py                          # 3 pairs of 10 s

(Not ``http.py``: in this folder, which a script puts first on sys.path, that name would shadow
the standard library's ``http`` package for every benchmark that imports httpx.)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

import availability
import reads

#: Targets (issue 9) for GET /api/v1/commons/{id}.
RATIO = 0.5
P99_SECONDS = 0.100


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # with {id}
    query: str
    accept: str
    targeted: bool


ROUTES = (
    Route("GET /api/v1/commons/{id}", "/api/v1/commons/{id}", "", "application/json", True),
    Route("commons page (text/html)", "/commons/{id}", "", "text/html", False),
    Route(
        "GET …/journal?limit=1000",
        "/api/v1/commons/{id}/journal",
        "?limit=1000",
        "application/x-ndjson",
        False,
    ),
)


@dataclass
class Run:
    """One wrk run: its requests/s, latency percentiles and what went wrong."""

    server: str
    requests_per_second: float
    p50: float
    p99: float
    requests: int
    bad_status: int
    socket_errors: int
    server_cpu: float  # share of one core the server's process used during the run
    output: str


def serve_bare(
    port: int,
    answers: dict[str, tuple[bytes, str]],
    cpus: list[int] | None,
    log: str,
    log_level: str,
) -> None:
    """A bare Starlette application answering each path with fixed bytes, served exactly as
    the node is (uvicorn, ``proxy_headers=False``, the same log level, the same core)."""
    availability.child_setup(cpus, log)
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route as StarletteRoute

    def endpoint(body: bytes, media_type: str) -> Any:
        async def answer(request: Request) -> Response:
            return Response(body, media_type=media_type)

        return answer

    routes = [
        StarletteRoute(path, endpoint(body, media_type))
        for path, (body, media_type) in answers.items()
    ]
    uvicorn.run(
        Starlette(routes=routes),
        host="127.0.0.1",
        port=port,
        log_level=log_level,
        proxy_headers=False,
    )


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def seconds_of(number: str, unit: str) -> float:
    return float(number) * UNITS[unit]


def wrk(
    url: str, accept: str, args: argparse.Namespace, duration: float, server_pid: int, name: str
) -> Run:
    command = [
        "taskset",
        "-c",
        str(args.wrk_cpu),
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        url,
    ]
    before, began = availability.cpu_seconds(server_pid), time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    cpu = (availability.cpu_seconds(server_pid) - before) / (time.monotonic() - began)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise SystemExit(f"wrk failed ({done.returncode}): {' '.join(command)}\n{out}{done.stderr}")
    latency = {
        int(match[1]): seconds_of(match[2], match[3])
        for match in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    }
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    assert rate is not None
    assert count is not None
    return Run(
        name,
        float(rate[1]),
        latency.get(50, float("nan")),
        latency.get(99, float("nan")),
        int(count[1]),
        int(bad[1]) if bad else 0,
        sum(int(errors[i]) for i in range(1, 5)) if errors else 0,
        cpu,
        out,
    )


def fetch(base: str, route: Route, commons_id: str) -> tuple[bytes, str]:
    """What the node answers at ``route``: its body and content type (checked: 200)."""
    path = route.path.replace("{id}", commons_id) + route.query
    answer = httpx.get(base + path, headers={"accept": route.accept}, timeout=120)
    if answer.status_code != 200:
        raise SystemExit(f"GET {path}: {answer.status_code} {answer.text[:300]}")
    return answer.content, answer.headers.get("content-type", "application/octet-stream")


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip().splitlines()[0] if done.stdout + done.stderr else ""


def describe_runs(runs: list[Run]) -> str:
    return ", ".join(
        f"{run.requests_per_second:,.0f}/s p99 {availability.ms(run.p99)}" for run in runs
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="node/bare pairs per route (3)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--server-cpu", type=int, default=0, help="the servers' core (0)")
    parser.add_argument("--wrk-cpu", type=int, default=1, help="wrk's core (1)")
    parser.add_argument(
        "--log-level",
        default="info",
        help="uvicorn's log level for both servers: info (as commonwork serve: the access log "
        "on) or warning (no access log)",
    )
    parser.add_argument(
        "--routes",
        default="0,1,2",
        help="which routes, by number (0: GET /api/v1/commons/{id}, 1: the commons page, "
        "2: the journal page; default all)",
    )
    parser.add_argument(
        "--read-cache-bytes",
        type=int,
        default=None,
        help="the node's COMMONWORK_READ_CACHE_BYTES (default: the node's own, 32 MiB); 0 "
        "measures every request made afresh",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    availability.add_journal_options(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    availability.print_header(console, "commonwork: HTTP throughput beside a bare endpoint")
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("wrk and taskset are needed: apt-get install -y wrk util-linux")
    usable = sorted(os.sched_getaffinity(0))
    if args.server_cpu not in usable or args.wrk_cpu not in usable:
        raise SystemExit(f"--server-cpu and --wrk-cpu must be among the usable cores {usable}")
    console.print(
        f"wrk:        {wrk_version()}, -t{args.threads} -c{args.connections} "
        f"-d{args.duration:g}s on core {args.wrk_cpu}; the servers on core {args.server_cpu}"
    )
    journal = availability.ensure_journal(args, console)
    console.print(journal.describe())
    chosen = [ROUTES[int(number)] for number in args.routes.split(",") if number.strip()]
    out = Path("benchmarks/out")
    out.mkdir(parents=True, exist_ok=True)
    logs = {name: out / f"http-{name}.log" for name in ("node", "bare")}
    for log in logs.values():
        log.unlink(missing_ok=True)
    env = {"COMMONWORK_RATE_LIMITS": "off"}
    if args.read_cache_bytes is not None:
        env["COMMONWORK_READ_CACHE_BYTES"] = str(args.read_cache_bytes)
    settings = " ".join(f"{name}={value}" for name, value in env.items())
    console.print(
        f"servers:    uvicorn, log level {args.log_level!r}, proxy_headers=False; the node with "
        f"{settings} (logs in {logs['node']}, {logs['bare']})"
    )
    cid = journal.commons_id
    node_args = (str(journal.data_dir), env, [args.server_cpu], str(logs["node"]), args.log_level)
    report = reads.Report()
    document: dict[str, Any] = {"routes": {}}
    began = time.perf_counter()
    with availability.Served(availability.serve_node, node_args, "/api/v1/node") as node:
        answers = {
            route.path.replace("{id}", cid): fetch(node.base, route, cid) for route in chosen
        }
        bare_args = (answers, [args.server_cpu], str(logs["bare"]), args.log_level)
        with availability.Served(serve_bare, bare_args, next(iter(answers))) as bare:
            for route in chosen:
                path = route.path.replace("{id}", cid)
                if fetch(bare.base, route, cid)[0] != answers[path][0]:
                    raise SystemExit(f"the bare endpoint does not answer {path} the same bytes")
            servers = {"node": node, "bare": bare}
            runs_per_route = args.rounds * 2 + (2 if args.warmup > 0 else 0)
            with reads.make_progress(console) as progress:
                task = progress.add_task("wrk", total=len(chosen) * runs_per_route)
                for route in chosen:
                    path = route.path.replace("{id}", cid) + route.query
                    runs: dict[str, list[Run]] = {"node": [], "bare": []}
                    order = [("node", args.warmup, False), ("bare", args.warmup, False)]
                    order = order if args.warmup > 0 else []
                    order += [
                        (name, args.duration, True)
                        for _ in range(args.rounds)
                        for name in ("node", "bare")
                    ]
                    for name, duration, counted in order:
                        what = "warm-up" if not counted else f"round {len(runs[name]) + 1}"
                        progress.update(task, description=f"{route.name}: {name}, {what}")
                        server = servers[name]
                        run = wrk(
                            server.base + path, route.accept, args, duration, server.pid, name
                        )
                        if counted:
                            runs[name].append(run)
                        progress.advance(task)
                    document["routes"][route.name] = {
                        name: [dict(vars(run)) for run in found] for name, found in runs.items()
                    }
                    add_figures(
                        report, route, runs, len(answers[route.path.replace("{id}", cid)][0])
                    )
    console.rule("figures")
    availability.print_header(console, "commonwork: HTTP throughput beside a bare endpoint")
    console.print(
        f"wrk:        {wrk_version()}, -t{args.threads} -c{args.connections} "
        f"-d{args.duration:g}s on core {args.wrk_cpu}; the servers on core {args.server_cpu}, "
        f"uvicorn log level {args.log_level!r}"
    )
    console.print(journal.describe())
    report.print(console, f"HTTP throughput ({time.perf_counter() - began:,.0f} s in all)")
    if args.json is not None:
        availability.write_figures(args.json, document, journal, report)
    return 0


def add_figures(report: reads.Report, route: Route, runs: dict[str, list[Run]], size: int) -> None:
    node = statistics.median(run.requests_per_second for run in runs["node"])
    bare = statistics.median(run.requests_per_second for run in runs["bare"])
    node_p99 = statistics.median(run.p99 for run in runs["node"])
    bare_p99 = statistics.median(run.p99 for run in runs["bare"])
    ratio = node / bare if bare else float("nan")
    troubles = sum(run.bad_status + run.socket_errors for found in runs.values() for run in found)
    cpu = statistics.median(run.server_cpu for run in runs["node"]) * 100
    trouble = f"; {troubles} non-2xx answers or socket errors" if troubles else ""
    report.add(
        f"{route.name}: node / bare requests/s",
        f"{ratio:.2f}",
        f">= {RATIO}" if route.targeted else "",
        ratio >= RATIO if route.targeted else None,
        f"node {node:,.0f}/s, bare {bare:,.0f}/s (medians of {len(runs['node'])}); "
        f"{size / 1024:,.1f} KiB a body; the node's process used {cpu:.0f}% of its core{trouble}",
    )
    report.add(
        f"{route.name}: node p99",
        availability.ms(node_p99),
        f"< {P99_SECONDS * 1000:.0f} ms" if route.targeted else "",
        node_p99 < P99_SECONDS if route.targeted else None,
        f"p50 {availability.ms(statistics.median(run.p50 for run in runs['node']))}; "
        f"runs: {describe_runs(runs['node'])}",
    )
    report.add(
        f"{route.name}: bare p99",
        availability.ms(bare_p99),
        note=f"p50 {availability.ms(statistics.median(run.p50 for run in runs['bare']))}; "
        f"runs: {describe_runs(runs['bare'])}",
    )


if __name__ == "__main__":
    sys.exit(main())
