"""The open books' reads at scale (issue 11, item 8): the pages and API routes of a commons whose
books hold ``--transactions`` (100,000) transactions.

A journal is built once through the real pipeline (``append_actions``, batches of 2,000
client-signed actions, an hour of journal time per batch) in a data directory outside the
repository: the founder (the treasurer) records income — donations, grants, sales, benefit
sharing from a declared cooperative; EUR, some JPY and BHD — and reverses one in ten. Then, over
real HTTP (the app on uvicorn in a thread of this process), each read is timed cold-cache
(``Cache-Control: no-cache``: the read cache answers nothing), median of ``--runs``: the
open-books page (balances, the money flow over the newest 1,000 transactions, the treasury over
its last 1,000 postings, a page of transactions), ``GET …/books``, the newest page of
transactions and one deep in the books (``before`` = half), the treasury's history newest and
deep, and an organisation's page. Every SQL statement those requests ran is captured and its
SQLite query plan printed: a plan that scans ``book_txns`` or ``book_postings`` without an index
is flagged. Nothing here asserts a time.

    .venv/bin/python benchmarks/books_reads.py --transactions 20000   # a smoke run, ~1 min
    .venv/bin/python benchmarks/books_reads.py                        # 100,000
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn
from rich.console import Console

from _machine import describe_machine
from commonwork.journal.actions import build_action, format_time, sign_action
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.settings import Settings
from commonwork.web.app import create_app

DEFAULT_BASE = Path("/work/benchdata")
START = datetime(2030, 1, 1, tzinfo=UTC)
BATCH = 2000
CHARTER = {
    "name": "Big Books",
    "purpose": "Keep a great many books open",
    "aims": ["Count every cent"],
    "metrics": [{"name": "cents", "description": "Cents counted"}],
    "licence": "CC-BY-SA-4.0",
}
SOURCES = ("donation", "grant", "sale", "benefit_sharing")


def signed(key: Keypair, type_: str, body: dict[str, Any], commons: str | None) -> Any:
    return sign_action(key, build_action(type=type_, author=key.did, body=body, commons=commons))


def _income(i: int, coop: str) -> dict[str, Any]:
    currency = "JPY" if i % 5 == 0 else ("BHD" if i % 17 == 0 else "EUR")
    body: dict[str, Any] = {
        "key": f"k{i}",
        "source": SOURCES[i % len(SOURCES)],
        "amount_minor": 100 + (i * 7919) % 100_000,
        "currency": currency,
        "reference": f"bank-{i}",
    }
    if body["source"] == "benefit_sharing":
        body["payer"] = coop
    return body


def build(node: Node, transactions: int, console: Console) -> str:
    ada, coop = Keypair(b"a" * 32), Keypair(b"c" * 32)
    node.clock = lambda: format_time(START)
    body = {"charter": CHARTER, "founder_name": "Ada", "host": node.host_key.did}
    commons = append_actions(node, None, [signed(ada, "commons.commons.found", body, None)])[
        0
    ].commons_id
    declare = {"org": coop.did, "name": "Cooperative", "form": "company",
               "representatives": [ada.did]}  # fmt: skip
    append_actions(node, commons, [signed(coop, "economy.org.declare", declare, commons)])
    made, hour, last_income = 0, 0, ""
    began = time.monotonic()
    while made < transactions:
        hour += 1
        moment = format_time(START + timedelta(hours=hour))
        node.clock = lambda moment=moment: moment
        batch = []
        for i in range(made, min(transactions, made + BATCH)):
            if i % 10 == 9 and last_income:
                reverse = {"key": f"r{i}", "txn": last_income, "reason": "recorded twice"}
                batch.append(signed(ada, "economy.txn.reverse", reverse, commons))
                last_income = ""
            else:
                batch.append(signed(ada, "economy.income.record", _income(i, coop.did), commons))
        appended = append_actions(node, commons, batch)
        last_income = next(
            (a.entry.id for a in reversed(appended) if a.entry.type == "economy.income.record"),
            "",
        )
        made += len(batch)
        console.print(f"built {made:,} transactions ({made / (time.monotonic() - began):,.0f}/s)")
    return commons


@contextmanager
def served(node: Node) -> Iterator[str]:
    config = uvicorn.Config(create_app(node), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def captured(node: Node) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "book_" in statement or "organisations" in statement:
            statements.append((statement, parameters))

    sa.event.listen(node.engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        sa.event.remove(node.engine, "before_cursor_execute", keep)


def plans(node: Node, statements: list[tuple[str, Any]], console: Console) -> int:
    """Print each distinct statement's query plan; how many scan a books table whole."""
    seen: set[str] = set()
    full_scans = 0
    with node.engine.connect() as conn:
        for statement, parameters in statements:
            if statement in seen or not statement.lstrip().upper().startswith("SELECT"):
                continue
            seen.add(statement)
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            steps = [str(row[-1]) for row in rows]
            bad = [
                step
                for step in steps
                if step.startswith("SCAN") and ("book_txns" in step or "book_postings" in step)
                and "INDEX" not in step
            ]  # fmt: skip
            full_scans += bool(bad)
            console.print(
                ("[red]FULL SCAN[/red] " if bad else "") + " ".join(statement.split())[:160]
            )
            for step in steps:
                console.print(f"    {step}")
    return full_scans


def timed(client: httpx.Client, path: str, runs: int) -> float:
    fresh = {"cache-control": "no-cache"}
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        answer = client.get(path, headers=fresh)
        samples.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    console = Console()
    console.print(describe_machine())
    data = args.data_dir or DEFAULT_BASE / f"books-reads-t{args.transactions}"
    fresh = not (data / "commonwork.db").exists()
    node = Node.open(Settings.from_env({"COMMONWORK_DATA_DIR": str(data)}))
    try:
        with node.reading() as conn:
            found = conn.exec_driver_sql("SELECT commons_id FROM commons LIMIT 1").scalar()
        commons = build(node, args.transactions, console) if fresh or found is None else found
        node.clock = lambda: format_time(START + timedelta(days=3650))
        half = args.transactions // 2
        base = f"/commons/{commons}"
        api = f"/api/v1/commons/{commons}"
        org = Keypair(b"c" * 32).did
        reads = {
            "open-books page": f"{base}/books",
            "GET …/books": f"{api}/books",
            "transactions, newest 50": f"{api}/books/transactions?limit=50",
            f"transactions, 50 below #{half:,}": f"{api}/books/transactions?limit=50&before={half}",
            "treasury, newest 50": f"{api}/books/accounts/treasury?limit=50",
            f"treasury, 50 below #{half:,}": f"{api}/books/accounts/treasury?before={half}",
            "books page, deep": f"{base}/books?before={half}",
            "organisation page": f"{base}/organisations/{org}",
        }
        with served(node) as site, httpx.Client(base_url=site, timeout=60) as client:
            with captured(node) as statements:
                for path in reads.values():
                    client.get(path, headers={"cache-control": "no-cache"})
            console.print(f"\n[b]{args.transactions:,} transactions[/b], median of {args.runs}:")
            for label, path in reads.items():
                console.print(f"  {label:<36} {timed(client, path, args.runs):8.1f} ms")
        console.print("\n[b]Query plans[/b]")
        scans = plans(node, statements, console)
        console.print(f"\nstatements scanning a books table without an index: {scans}")
    finally:
        node.close()


if __name__ == "__main__":
    main()
