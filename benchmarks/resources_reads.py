"""What the resources doors' reads cost on nodes of 1,000 to 100,000 bookings of one resource.

Every read should grow with its page, never with the history: the inventory and a resource
(by key), a week of a resource's calendar (one row before the week, then the rows in it, by the
partial index ``ix_bookings_active``), a person's bookings (``ix_bookings_member``, from a day
back), and the two iCalendar feeds (at most ``resources_read.FEED_MAX`` rows from a month back).
The nodes are the ones ``benchmarks/resources.py`` keeps under ``/work/benchdata/resources-<n>``
(it builds them when missing: 144 bookings a day, one member in a hundred); each read is timed on
a scratch copy, median of ``--runs``, after one warm-up.

    python benchmarks/resources_reads.py [--sizes 1000,10000,100000] [--runs 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from _machine import describe_machine
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.resources.tables import bookings, resources
from commonwork.services import resources_read

sys.path.insert(0, str(Path(__file__).parent))
import resources as kept_nodes

BASE = Path("/work/benchdata")


def timed(read: Callable[[], object], runs: int) -> float:
    """The median time of ``read`` in milliseconds, after one warm-up."""
    read()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        read()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def measure(data_dir: Path, runs: int) -> dict[str, float]:
    scratch = Path(tempfile.mkdtemp(prefix="resources-reads-"))
    try:
        shutil.copytree(data_dir, scratch / "node")
        node = Node.open(Settings.from_env({"COMMONWORK_DATA_DIR": str(scratch / "node")}))
        try:
            return _reads(node, runs)
        finally:
            node.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _reads(node: Node, runs: int) -> dict[str, float]:
    with node.reading() as conn:
        commons_id, resource_id = conn.execute(
            sa.select(resources.c.commons_id, resources.c.resource_id)
        ).one()
        first, last = conn.execute(
            sa.select(sa.func.min(bookings.c.lo), sa.func.max(bookings.c.hi))
        ).one()
        member = conn.execute(sa.select(bookings.c.member).limit(1)).scalar_one()
    middle = (int(first) + int(last)) // 2
    node.clock = lambda: resources_read.minutes_text(middle).replace("Z", ":00.000Z")
    week = 7 * 1440
    reads: dict[str, Callable[[], object]] = {
        "inventory, first page": lambda: resources_read.list_resources(node, commons_id),
        "a resource": lambda: resources_read.resource_detail(node, commons_id, resource_id),
        "calendar, a week in the middle": lambda: resources_read.calendar(
            node, commons_id, resource_id, middle, middle + week
        ),
        "a person's bookings from now": lambda: resources_read.my_bookings(
            node, commons_id, member, from_min=middle
        ),
        "resource feed (.ics)": lambda: resources_read.resource_feed(
            node, commons_id, resource_id, "localhost"
        ),
        "a person's feed (.ics)": lambda: resources_read.member_feed(
            node, commons_id, member, "localhost"
        ),
    }
    return {name: timed(read, runs) for name, read in reads.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="bookings per node")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per read (20)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    console = Console()
    found: dict[int, dict[str, float]] = {}
    with Progress(console=console, transient=True) as progress:
        for size in sizes:
            data_dir = kept_nodes.ensure_kept(BASE, size, 1, False, progress)
            found[size] = measure(data_dir, args.runs)
    console.print(describe_machine())
    table = Table(title="resources reads, median ms (SQLite)")
    table.add_column("read")
    for size in sizes:
        table.add_column(f"{size:,} bookings", justify="right")
    for name in found[sizes[0]]:
        table.add_row(name, *(f"{found[size][name]:.2f}" for size in sizes))
    console.print(table)
    console.print(
        "Each read costs its page: a week of this calendar holds ~1,000 slots (144 a day), a "
        f"feed at most {resources_read.FEED_MAX} rows, a person's bookings their own rows."
    )


if __name__ == "__main__":
    main()
