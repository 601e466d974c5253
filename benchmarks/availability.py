"""Availability under abuse (issue 9, "Must show"): a member's latency while anonymous clients
ask a 100,000-entry commons for its expensive public reads.

The node under test runs with its default settings (request limits on) in a child process on
127.0.0.1, over a journal of about 100,000 entries built once through the real pipeline by
``benchmarks/reads.py``'s generator and kept in ``/work/benchdata`` (``http_throughput.py``
reads the same journal). One run holds three scenarios, each on a freshly started node (its
request limits and kept heavy reads start empty):

0. quiet: the member alone, for ``--baseline-seconds`` (the figures to compare with);
a. one anonymous client (127.0.0.2) sending ``--anonymous-rate`` (5) requests a second;
b. ``--clients`` (20) clients bound to 127.0.0.2 to 127.0.0.21, ``--client-rate`` (1) a second each;

each attack lasting ``--seconds`` (60). The attackers take the expensive public routes in turn:
``POST …/verify``, the journal explorer's oldest page, the value-policy preview (API and page),
the standing page as of a past day, sign-ins with wrong passwords (in turn for the member's own
e-mail and for others) and ``GET …/journal?limit=1000``, each preview with its own candidate
policy and each past day drawn at random (an attacker defeats the kept results). They send on a
fixed schedule, never waiting for an answer, from a process of their own. Meanwhile the member,
from 127.0.0.1 and signed in with a bearer token, reads (the commons page, ``GET …/standing``,
the contributions list) and writes (records a contribution, approves another member's) at a
steady ``--user-rate`` (2 requests a second), one request at a time. Printed: the member's
p50/p95/max latency of reads and of writes and the count of failures (any answer but 2xx), each
beside its target, and the attackers' answers by route (200/202/401/429/503/other).

Nothing here asserts a time: each figure is printed beside its target, "met" or "NOT MET".

    .venv/bin/python benchmarks/availability.py --seconds 10 --baseline-seconds 5   # a short run
    .venv/bin/python benchmarks/availability.py                                      # the issue's
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

import reads
from _machine import describe_machine, machine_facts
from _workload import WORDS
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import journals

#: The kept journal: about 100,000 entries (250 members, 25,000 contributions, 74,000
#: validations over three years, 1,000 validations on its last day, not settled yet).
SIZES: dict[str, int] = {
    "members": 250,
    "contributions": 25_000,
    "validations": 74_000,
    "days": 1095,
    "busy": 1_000,
    "seed": 1,
}

#: Targets (issue 9, "Must show").
USER_P95_SECONDS = 0.200
USER_FAILURES = 0

USER_EMAIL = "availability-member@bench.example.org"
USER_PASSWORD = "a member's own passphrase, 2026"  # noqa: S105 -- the benchmark's own account
HTML = {"accept": "text/html"}
JSON_ACCEPT = {"accept": "application/json"}
ATTACK_TIMEOUT = 30.0  # seconds an attacker's request may take before it counts as a timeout
ATTACK_GRACE = 10.0  # seconds the attackers wait for late answers after the last request


# ---------------------------------------------------------------------------------------------
# The kept journal (shared with http_throughput.py)
# ---------------------------------------------------------------------------------------------


def add_journal_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "the kept journal (benchmarks/reads.py's generator; default about 100,000 entries)"
    )
    for name, value in SIZES.items():
        group.add_argument(f"--{name}", type=int, default=value, help=f"default {value:,}")
    group.add_argument(
        "--data",
        type=Path,
        default=reads.DEFAULT_BASE,
        help=f"where journals are kept, one directory per size (default {reads.DEFAULT_BASE})",
    )
    group.add_argument(
        "--workers", type=int, default=2, help="signing processes while building (default 2)"
    )


@dataclass(frozen=True)
class Journal:
    data_dir: Path
    commons_id: str
    entries: int
    head_at: str
    sizes: reads.Sizes
    database_bytes: int

    @property
    def first_day(self) -> str:
        return reads.day_text(0)

    @property
    def last_day(self) -> str:
        return reads.day_text(self.sizes.days - 1)

    def describe(self) -> str:
        sizes = self.sizes
        return (
            f"journal:    {self.entries:,} entries at the start, up to {self.head_at} "
            f"({sizes.members:,} members, {sizes.contributions:,} contributions, "
            f"{sizes.validations:,} validations planned over {sizes.days:,} days from "
            f"{self.first_day}, {sizes.busy:,} on the last day; preset {reads.PRESET!r}); "
            f"{reads.mib(self.database_bytes)} in {self.data_dir}"
        )


def ensure_journal(args: argparse.Namespace, console: Console) -> Journal:
    """Build the journal once (or resume its build) with reads.py's builder; what it holds."""
    sizes = reads.Sizes(
        args.members, args.contributions, args.validations, args.days, args.busy, args.seed
    )
    data_dir = args.data / sizes.name
    commons_id = reads.ensure_built(data_dir, sizes, console, args.workers)
    node = reads.open_node(data_dir)
    try:
        if node.due:  # projected by older code: rebuild once, as `commonwork rebuild` would
            changed = ", ".join(str(due) for due in node.due)
            console.print(f"[bold]rebuilding[/] the kept journal's projections ({changed})…")
            with reads.make_progress(console) as progress:
                task = progress.add_task("rebuild", total=None)
                journals.rebuild_projections(
                    node, None, progress=lambda done: progress.update(task, completed=done)
                )
        with node.reading() as conn:
            head = journal_store.read_head(conn, commons_id)
            assert head is not None
    finally:
        node.close()
    size = sum(path.stat().st_size for path in data_dir.glob("commonwork.db*"))
    return Journal(data_dir, commons_id, head.seq + 1, head.recorded_at, sizes, size)


# ---------------------------------------------------------------------------------------------
# The node in a child process (shared with http_throughput.py)
# ---------------------------------------------------------------------------------------------


def child_setup(cpus: Sequence[int] | None, log: str) -> None:
    """In a server's child process: pin it to ``cpus`` and send its output to ``log``."""
    if cpus:
        os.sched_setaffinity(0, set(cpus))
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def serve_node(
    port: int, data_dir: str, env: dict[str, str], cpus: list[int] | None, log: str, log_level: str
) -> None:
    """The web node as ``commonwork serve`` starts it (uvicorn, ``proxy_headers=False``, the
    real clock), with the settings of ``env`` over the defaults."""
    child_setup(cpus, log)
    import uvicorn

    from commonwork.web.app import create_app

    settings = Settings.from_env({"COMMONWORK_DATA_DIR": data_dir, **env}, serving=True)
    node = Node.open(settings)
    uvicorn.run(
        create_app(node), host="127.0.0.1", port=port, log_level=log_level, proxy_headers=False
    )


def write_figures(path: Path, document: dict[str, Any], journal: Any, report: Any) -> None:
    """The run's figures as JSON, with the machine, the code and the journal they were
    measured on (this benchmark's and http_throughput.py's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document.update(
        machine=machine_facts(),
        code=reads.code_state(),
        journal={"entries": journal.entries, "sizes": journal.sizes.as_json()},
        figures=[vars(figure) for figure in report.figures],
    )
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


class Served:
    """A server in a child process (``target(port, *args)``), ready once ``ready`` answers."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], ready: str) -> None:
        self.port = reads.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ready = ready
        context = multiprocessing.get_context("spawn")
        # Not a daemon: a node may start processes of its own (signature workers).
        self.process = context.Process(target=target, args=(self.port, *args), daemon=False)

    def __enter__(self) -> Served:
        self.process.start()
        deadline = time.monotonic() + 180
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while True:
                try:
                    if client.get(self.ready).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or not self.process.is_alive():
                    self.__exit__()
                    raise SystemExit(f"the server on {self.base} did not start")
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(15)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def print_header(console: Console, title: str) -> None:
    console.rule(title)
    console.print(describe_machine(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"code:       {reads.code_state()}")
    load = os.getloadavg()
    console.print(
        f"load:       {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min) now: "
        "anything above 0 is other work sharing the machine"
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:,.1f} ms"


# ---------------------------------------------------------------------------------------------
# The member
# ---------------------------------------------------------------------------------------------

USER_ROUTES = (
    "commons page",
    "GET …/standing",
    "contributions list",
    "record a contribution",
    "commons page",
    "GET …/standing",
    "contributions list",
    "approve a contribution",
)
WRITES = ("record a contribution", "approve a contribution")


@dataclass
class Sample:
    route: str
    seconds: float
    status: str  # the HTTP status, or the transport error's name
    ok: bool
    detail: str = ""


class Member:
    """The member from 127.0.0.1: an account of the node, signed in with a bearer token (and
    the session cookie the pages read), a member of the commons."""

    def __init__(self, base: str, commons_id: str, seed: int) -> None:
        self.commons_id = commons_id
        self.rng = random.Random(seed)
        transport = httpx.HTTPTransport(local_address="127.0.0.1")
        self.client = httpx.Client(base_url=base, timeout=60, transport=transport)
        self.did = ""
        self.candidates: list[str] = []
        self.step = 0

    def close(self) -> None:
        self.client.close()

    def sign_in(self) -> None:
        """Sign up once (the account is kept with the journal), sign in, join once."""
        answer = self.client.post(
            "/api/v1/accounts",
            json={"email": USER_EMAIL, "password": USER_PASSWORD, "display_name": "Member"},
        )
        if answer.status_code not in (201, 409):
            raise SystemExit(f"sign-up: {answer.status_code} {answer.text[:300]}")
        answer = self.client.post(
            "/api/v1/session", json={"email": USER_EMAIL, "password": USER_PASSWORD}
        )
        if answer.status_code != 200:
            raise SystemExit(f"sign-in: {answer.status_code} {answer.text[:300]}")
        token = answer.json()["token"]
        self.client.headers["authorization"] = f"Bearer {token}"
        self.did = self.client.get("/api/v1/me").json()["did"]
        answer = self.client.post(f"/api/v1/commons/{self.commons_id}/join", json={})
        if answer.status_code not in (200, 201, 409):
            raise SystemExit(f"join: {answer.status_code} {answer.text[:300]}")
        self._find_candidates(400)

    def _find_candidates(self, wanted: int) -> None:
        """Contributions of others this member has not validated, newest first."""
        offset = 0
        while len(self.candidates) < wanted and offset < 20_000:
            page = self.client.get(
                f"/api/v1/commons/{self.commons_id}/contributions",
                params={"limit": 500, "offset": offset},
            ).json()["items"]
            if not page:
                break
            for item in page:
                people = {share["member"] for share in item.get("shares") or []}
                people |= {check["validator"] for check in item.get("validations", [])}
                if item.get("status") != "withdrawn" and self.did not in people:
                    self.candidates.append(item["id"])
            offset += len(page)
        self.rng.shuffle(self.candidates)

    def request(self, route: str) -> Sample:
        cid = self.commons_id
        began = time.perf_counter()
        try:
            if route == "commons page":
                answer = self.client.get(f"/commons/{cid}", headers=HTML)
            elif route == "GET …/standing":
                answer = self.client.get(f"/api/v1/commons/{cid}/standing", headers=JSON_ACCEPT)
            elif route == "contributions list":
                answer = self.client.get(f"/api/v1/commons/{cid}/contributions")
            elif route == "record a contribution":
                words = " ".join(self.rng.choices(WORDS, k=self.rng.randint(6, 14)))
                body = {
                    "kind": "work",
                    "quantity": self.rng.choice(("0.5", "1", "2")),
                    "description": words,
                }
                answer = self.client.post(f"/api/v1/commons/{cid}/contributions", json=body)
            else:
                target = self.candidates.pop() if self.candidates else ""
                answer = self.client.post(
                    f"/api/v1/commons/{cid}/contributions/{target}/validations",
                    json={"verdict": "approve"},
                )
            answer.read()
        except httpx.TransportError as exc:
            return Sample(route, time.perf_counter() - began, type(exc).__name__, False, str(exc))
        seconds = time.perf_counter() - began
        ok = 200 <= answer.status_code < 300
        detail = "" if ok else answer.text[:200]
        return Sample(route, seconds, str(answer.status_code), ok, detail)

    def run(self, seconds: float, rate: float, tick: Callable[[float, int], None]) -> list[Sample]:
        """Requests at a steady ``rate`` (one at a time: a late one delays the next) for
        ``seconds``; ``tick(elapsed, done)`` after each."""
        samples: list[Sample] = []
        began = time.monotonic()
        number = 0
        while True:
            due = began + number / rate
            now = time.monotonic()
            if due - began >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            route = USER_ROUTES[self.step % len(USER_ROUTES)]
            self.step += 1
            samples.append(self.request(route))
            number += 1
            tick(time.monotonic() - began, len(samples))
        return samples


# ---------------------------------------------------------------------------------------------
# The attackers (a process of their own)
# ---------------------------------------------------------------------------------------------

#: The attackers' routes, taken in turn (``--attack`` chooses some): key → what it is.
ATTACK_ROUTES = {
    "verify": "POST …/verify",
    "explorer": "explorer, oldest page",
    "preview": "POST …/value-policy/preview",
    "preview-page": "preview page",
    "standing-as-of": "standing page as of a past day",
    "sign-in-member": "sign-in, wrong password (the member's e-mail)",
    "journal": "GET …/journal?limit=1000",
    "sign-in-other": "sign-in, wrong password (other e-mails)",
}


@dataclass(frozen=True)
class AttackKit:
    base: str
    commons_id: str
    value_policy: dict[str, Any]
    first_day: str
    last_day: str
    seed: int
    routes: tuple[str, ...]  # keys of ATTACK_ROUTES


def candidate_policy(kit: AttackKit, rng: random.Random) -> dict[str, Any]:
    """The live value policy with other weights: a candidate no one asked for before."""
    policy = json.loads(json.dumps(kit.value_policy))
    kinds = policy.setdefault("kinds", {})
    for kind in ("work", "review", "care"):
        kinds[kind] = f"{rng.randint(25, 400) / 100}"
    return dict(policy)


def attack_request(
    route: str, kit: AttackKit, rng: random.Random
) -> tuple[str, str, dict[str, Any]]:
    """What an attacker sends to ``route``: method, path and httpx's keyword arguments."""
    cid = kit.commons_id
    if route == "verify":
        return "POST", f"/api/v1/commons/{cid}/verify", {}
    if route == "explorer":
        return "GET", f"/commons/{cid}/journal", {"params": {"after": -1}, "headers": HTML}
    if route == "preview":
        body = {"value_policy": candidate_policy(kit, rng)}
        return "POST", f"/api/v1/commons/{cid}/value-policy/preview", {"json": body}
    if route == "preview-page":
        params = {"policy": json.dumps(candidate_policy(kit, rng))}
        return "GET", f"/commons/{cid}/value-policy/preview", {"params": params, "headers": HTML}
    if route == "standing-as-of":
        first, last = date.fromisoformat(kit.first_day), date.fromisoformat(kit.last_day)
        day = first + timedelta(days=rng.randrange((last - first).days))
        params = {"as_of": day.isoformat()}
        return "GET", f"/commons/{cid}/standing", {"params": params, "headers": HTML}
    if route in ("sign-in-member", "sign-in-other"):
        email = (
            USER_EMAIL if route == "sign-in-member" else f"guess-{rng.randrange(10**9)}@example.org"
        )
        guess = {"email": email, "password": f"guess {rng.randrange(10**9)}"}
        return "POST", "/api/v1/session", {"json": guess}
    if route == "journal":
        return "GET", f"/api/v1/commons/{cid}/journal", {"params": {"limit": 1000}}
    raise ValueError(route)


def problem_code(answer: httpx.Response) -> str:
    """The problem's ``code``: a JSON problem's, a problem page's ``data-code``, or, for a page
    that shows the refusal in its form (the preview page), "in the page"."""
    if "json" in answer.headers.get("content-type", ""):
        with contextlib.suppress(ValueError, AttributeError):
            return str(answer.json().get("code", "?"))
    found = re.search(r'data-code="([a-z_]+)"', answer.text)
    return found.group(1) if found else "in the page"


async def _one(
    client: httpx.AsyncClient, route: str, kit: AttackKit, rng: random.Random
) -> tuple[str, str, float]:
    method, path, options = attack_request(route, kit, rng)
    began = time.perf_counter()
    try:
        answer = await client.request(method, path, **options)
        await answer.aread()
        status = str(answer.status_code)
        if answer.status_code >= 400:
            status += f" {problem_code(answer)}"
    except httpx.TimeoutException:
        status = "timeout"
    except httpx.TransportError as exc:
        status = type(exc).__name__
    return route, status, time.perf_counter() - began


async def _attack(
    kit: AttackKit, addresses: list[str], rate: float, seconds: float, begin: float
) -> dict[str, Any]:
    clients = [
        httpx.AsyncClient(
            base_url=kit.base,
            timeout=ATTACK_TIMEOUT,
            transport=httpx.AsyncHTTPTransport(local_address=address),
        )
        for address in addresses
    ]
    tasks: list[asyncio.Task[tuple[str, str, float]]] = []

    async def sender(index: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(f"{kit.seed}:{index}")
        count = int(seconds * rate)
        start = begin + index / (rate * len(clients))  # spread the clients over the period
        for number in range(count):
            delay = start + number / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            route = kit.routes[(index + number) % len(kit.routes)]
            tasks.append(asyncio.create_task(_one(client, route, kit, rng)))

    await asyncio.gather(*(sender(i, c) for i, c in enumerate(clients)))
    done, pending = await asyncio.wait(tasks, timeout=ATTACK_GRACE) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    for client in clients:
        await client.aclose()
    answers: dict[str, dict[str, int]] = {route: {} for route in kit.routes}
    seconds_by_route: dict[str, list[float]] = {route: [] for route in kit.routes}
    for task in done:
        route, status, spent = task.result()
        answers[route][status] = answers[route].get(status, 0) + 1
        seconds_by_route[route].append(spent)
    return {
        "sent": len(tasks),
        "unanswered": len(pending),
        "answers": answers,
        "seconds": seconds_by_route,
    }


def attack_main(
    kit: AttackKit, addresses: list[str], rate: float, seconds: float, pipe: Any
) -> None:
    """The attackers' process: say ready, wait for the start time, attack, send the tally."""
    pipe.send("ready")
    begin = float(pipe.recv())
    pipe.send(asyncio.run(_attack(kit, addresses, rate, seconds, begin)))


# ---------------------------------------------------------------------------------------------
# One scenario
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    seconds: float
    samples: list[Sample]
    attack: dict[str, Any] | None
    server_cpu: float  # CPU seconds the node's process used during the scenario
    facts: dict[str, Any] = field(default_factory=dict)


def run_scenario(
    name: str,
    journal: Journal,
    args: argparse.Namespace,
    console: Console,
    addresses: list[str],
    rate: float,
    seconds: float,
) -> Outcome:
    log = str(args.log)
    target_args: tuple[Any, ...] = (str(journal.data_dir), {}, None, log, "info")
    with Served(serve_node, target_args, "/api/v1/node") as server:
        member = Member(server.base, journal.commons_id, args.seed)
        try:
            member.sign_in()
            for route in USER_ROUTES:  # warm the node: imports, templates, caches, settlement
                warm = member.request(route)
                if not warm.ok:
                    raise SystemExit(f"warm-up: {route}: {warm.status} {warm.detail}")
            kit = AttackKit(
                server.base,
                journal.commons_id,
                live_value_policy(member.client, journal.commons_id),
                journal.first_day,
                journal.last_day,
                args.seed,
                tuple(args.attack),
            )
            attackers = None
            parent_end = None
            if addresses:
                context = multiprocessing.get_context("spawn")
                parent_end, child_end = context.Pipe()
                attackers = context.Process(
                    target=attack_main,
                    args=(kit, addresses, rate, seconds, child_end),
                    daemon=True,
                )
                attackers.start()
                if not parent_end.poll(120) or parent_end.recv() != "ready":
                    raise SystemExit("the attackers' process did not start")
                parent_end.send(time.time())
            cpu_before = cpu_seconds(server.pid)
            with reads.make_progress(console) as progress:
                task = progress.add_task(name, total=seconds)

                def tick(elapsed: float, done: int) -> None:
                    progress.update(
                        task,
                        completed=min(elapsed, seconds),
                        description=f"{name}: {done} member requests",
                    )

                samples = member.run(seconds, args.user_rate, tick)
                progress.update(task, completed=seconds)
            cpu_after = cpu_seconds(server.pid)
            attack = None
            if attackers is not None and parent_end is not None:
                if not parent_end.poll(ATTACK_TIMEOUT + ATTACK_GRACE + 60):
                    raise SystemExit("the attackers' process sent no tally")
                attack = parent_end.recv()
                attackers.join(30)
        finally:
            member.close()
    return Outcome(name, seconds, samples, attack, cpu_after - cpu_before)


def live_value_policy(client: httpx.Client, commons_id: str) -> dict[str, Any]:
    found = client.get(f"/api/v1/commons/{commons_id}/standing", params={"limit": 1}).json()
    policy: dict[str, Any] = found["policies"]["value_policy"]
    return policy


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def latency_figures(samples: list[Sample]) -> dict[str, float]:
    seconds = [sample.seconds for sample in samples]
    return {
        "count": len(seconds),
        "p50": percentile(seconds, 0.50),
        "p95": percentile(seconds, 0.95),
        "max": max(seconds) if seconds else float("nan"),
    }


def report_outcome(outcome: Outcome, report: reads.Report, targeted: bool) -> dict[str, Any]:
    reads_ = [s for s in outcome.samples if s.route not in WRITES]
    writes = [s for s in outcome.samples if s.route in WRITES]
    failures = [s for s in outcome.samples if not s.ok]
    figures: dict[str, Any] = {}
    cpu = outcome.server_cpu / outcome.seconds * 100
    for kind, chosen in (("reads", reads_), ("writes", writes)):
        found = latency_figures(chosen)
        figures[kind] = found
        by_route = Counter(s.route for s in chosen)
        worst = max(chosen, key=lambda sample: sample.seconds, default=None)
        slowest = f" ({worst.route})" if worst is not None else ""
        medians = ", ".join(
            f"{route} {ms(statistics.median(s.seconds for s in chosen if s.route == route))}"
            for route in by_route
        )
        report.add(
            f"{outcome.name}: member's {kind}, p95",
            ms(found["p95"]),
            f"< {USER_P95_SECONDS * 1000:.0f} ms" if targeted else "",
            found["p95"] < USER_P95_SECONDS if targeted else None,
            f"{found['count']} requests: p50 {ms(found['p50'])}, max {ms(found['max'])}"
            f"{slowest}; medians: {medians}",
        )
    statuses = Counter(s.status for s in failures)
    first = (
        f"; first: {failures[0].route} {failures[0].status} {failures[0].detail}"
        if failures
        else ""
    )
    report.add(
        f"{outcome.name}: member's failures",
        f"{len(failures)}",
        f"= {USER_FAILURES}" if targeted else "",
        len(failures) == USER_FAILURES if targeted else None,
        (", ".join(f"{count} x {status}" for status, count in statuses.items()) or "none")
        + f" of {len(outcome.samples)}{first}; the node's process used {cpu:.0f}% of a core",
    )
    figures["failures"] = [vars(s) for s in failures]
    figures["server_cpu_percent"] = cpu
    return figures


def attack_table(console: Console, outcome: Outcome) -> dict[str, Any]:
    """The attackers' answers by route: counts by status, the problem codes of the refusals,
    and the latency they saw."""
    attack = outcome.attack
    assert attack is not None
    columns = ("200", "202", "401", "429", "503")
    table = Table(title=f"{outcome.name}: the attackers' answers")
    table.add_column("route")
    for column in (*columns, "other"):
        table.add_column(column, justify="right")
    table.add_column("codes of the refusals")
    table.add_column("p50", justify="right")
    table.add_column("p95", justify="right")
    totals: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for route in attack["answers"]:
        answers: Counter[str] = Counter()
        mine: Counter[str] = Counter()
        for status, count in attack["answers"][route].items():
            answers[status.split(" ", 1)[0]] += count
            if not status.startswith("2"):
                mine[status] += count
        totals.update(answers)
        codes.update(mine)
        spent = attack["seconds"][route]
        table.add_row(
            ATTACK_ROUTES[route],
            *(f"{answers.get(column, 0):,}" for column in columns),
            f"{sum(n for s, n in answers.items() if s not in columns):,}",
            ", ".join(f"{n} x {s}" for s, n in mine.most_common()),
            ms(percentile(spent, 0.5)),
            ms(percentile(spent, 0.95)),
        )
    table.add_row(
        "all",
        *(f"{totals.get(column, 0):,}" for column in columns),
        f"{sum(n for s, n in totals.items() if s not in columns):,}",
        ", ".join(f"{n} x {s}" for s, n in codes.most_common()),
        "",
        "",
        style="bold",
    )
    console.print(table)
    console.print(
        f"  {attack['sent']:,} requests sent, {attack['unanswered']:,} unanswered "
        f"{ATTACK_GRACE:.0f} s after the last (other: timeouts and transport errors)"
    )
    return {
        "sent": attack["sent"],
        "unanswered": attack["unanswered"],
        "totals": dict(totals),
        "refusals": dict(codes),
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of each attack (default 60)"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=20.0,
        help="the member alone first, for comparison (default 20; 0 leaves it out)",
    )
    parser.add_argument(
        "--user-rate", type=float, default=2.0, help="the member's requests a second (default 2)"
    )
    parser.add_argument(
        "--anonymous-rate",
        type=float,
        default=5.0,
        help="scenario a: the anonymous client's requests a second (default 5)",
    )
    parser.add_argument("--clients", type=int, default=20, help="scenario b: clients (default 20)")
    parser.add_argument(
        "--client-rate",
        type=float,
        default=1.0,
        help="scenario b: each client's requests a second (default 1)",
    )
    parser.add_argument(
        "--log",
        type=Path,
        default=Path("benchmarks/out/availability-server.log"),
        help="the node's own log (uvicorn's access log included)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--attack",
        default=",".join(ATTACK_ROUTES),
        help="the attackers' routes, comma-separated, taken in turn (default all: "
        + ", ".join(ATTACK_ROUTES)
        + ")",
    )
    parser.add_argument(
        "--scenarios",
        default="0,a,b",
        help="which scenarios: 0 (quiet), a, b, comma-separated (default all)",
    )
    add_journal_options(parser)
    args = parser.parse_args(argv)
    args.scenarios = {name.strip() for name in args.scenarios.split(",") if name.strip()}
    args.attack = [name.strip() for name in args.attack.split(",") if name.strip()]
    unknown = [name for name in args.attack if name not in ATTACK_ROUTES]
    if unknown or not args.attack:
        parser.error(f"--attack: unknown {unknown}; choose from {', '.join(ATTACK_ROUTES)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    print_header(console, "commonwork: availability under abuse (issue 9)")
    journal = ensure_journal(args, console)
    console.print(journal.describe())
    args.log.parent.mkdir(parents=True, exist_ok=True)
    console.print(
        "the node: default settings (request limits on) in a child process on 127.0.0.1, the "
        f"real clock (the journal's generated days end on {journal.last_day}: the first write "
        f"settles the days since, once); its log in {args.log}"
    )
    if args.clients > 254 - 2:
        raise SystemExit("--clients: at most 252 (127.0.0.2 to 127.0.0.253)")
    scenarios = [
        ("0. quiet (the member alone)", [], 0.0, args.baseline_seconds),
        (
            f"a. one anonymous client, {args.anonymous_rate:g}/s",
            ["127.0.0.2"],
            args.anonymous_rate,
            args.seconds,
        ),
        (
            f"b. {args.clients} clients, {args.client_rate:g}/s each",
            [f"127.0.0.{2 + index}" for index in range(args.clients)],
            args.client_rate,
            args.seconds,
        ),
    ]
    scenarios = [
        scenario
        for scenario in scenarios
        if scenario[0][0] in args.scenarios and (scenario[1] or args.baseline_seconds > 0)
    ]
    report = reads.Report()
    document: dict[str, Any] = {"scenarios": {}}
    began = time.perf_counter()
    for name, addresses, rate, seconds in scenarios:
        console.print(f"[bold]{name}[/] for {seconds:g} s…")
        outcome = run_scenario(name, journal, args, console, addresses, rate, seconds)
        figures = report_outcome(outcome, report, targeted=bool(addresses))
        if outcome.attack is not None:
            figures["attack"] = attack_table(console, outcome)
            figures["attack"]["by_route"] = outcome.attack["answers"]
        document["scenarios"][name] = figures
    console.rule("figures")
    print_header(console, "commonwork: availability under abuse (issue 9)")
    console.print(journal.describe())
    console.print(
        f"the member: {args.user_rate:g} requests a second from 127.0.0.1, in turn "
        + ", ".join(USER_ROUTES)
    )
    report.print(console, f"availability ({time.perf_counter() - began:,.0f} s in all)")
    if args.json is not None:
        write_figures(args.json, document, journal, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
