"""Rebuilding the projections when an area's projection version changed, in the background.

A web node that opens with areas due for a rebuild (commonwork.node.projections) starts serving
at once: a background thread replays every journal into tables made afresh, logging its progress
to the ``commonwork.rebuild`` logger; meanwhile writes answer 503 with ``Retry-After``
(errors.Rebuilding) and reads serve what was committed before, labelled stale. The command line
runs the same rebuild in the foreground (``commonwork rebuild``).
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from commonwork.node.node import Node, RebuildStatus
from commonwork.node.tables import heads
from commonwork.services.journals import Rebuilt, rebuild_projections

log = logging.getLogger("commonwork.rebuild")

#: Log a line of progress at least every this many entries replayed.
LOG_EVERY = 50_000


def entries_held(node: Node) -> int:
    """How many entries a rebuild of every commons replays."""
    with node.reading() as conn:
        total = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(heads.c.seq + 1), 0)))
        return int(total.scalar_one())


def rebuild_due(node: Node) -> Rebuilt | None:
    """Rebuild every projection if an area's projection version changed (None: nothing due),
    keeping ``node.rebuild`` up to date for the stale label and the error writes get."""
    if not node.due:
        return None
    areas = tuple(due.area for due in node.due)
    status = RebuildStatus(areas, entries_held(node))
    node.rebuild = status
    log.info(
        "rebuilding every projection from the journal (projection versions %s): %d entries",
        ", ".join(str(due) for due in node.due),
        status.total,
    )
    logged = 0

    def progress(done: int) -> None:
        nonlocal logged
        status.done = done
        if done - logged >= LOG_EVERY or done == status.total:
            logged = done
            log.info("rebuild: %d of %d entries replayed", done, status.total)

    try:
        rebuilt = rebuild_projections(node, progress=progress)
    except Exception as exc:
        status.error = f"{type(exc).__name__}: {exc}"
        log.exception("rebuild failed; writes stay refused until `commonwork rebuild` succeeds")
        raise
    status.finished = True
    log.info("rebuild done: %d entries, areas %s made afresh", rebuilt.entries, ", ".join(areas))
    return rebuilt


def start_rebuild_if_due(node: Node) -> threading.Thread | None:
    """Start :func:`rebuild_due` in a background thread when an area is due (else None)."""
    if not node.due:
        return None

    def run() -> None:
        try:
            rebuild_due(node)
        except Exception:  # logged by rebuild_due; the thread must not die noisily on top
            return

    thread = threading.Thread(target=run, name="commonwork-rebuild", daemon=True)
    thread.start()
    return thread


def stale_label(node: Node) -> str | None:
    """What a read says while the projections it serves wait for a rebuild (None: current)."""
    if not node.due:
        return None
    status = node.rebuild
    if status is None:
        return "stale: projections wait for `commonwork rebuild` (an area's projection changed)"
    if status.error is not None:
        return f"stale: the rebuild of the projections failed ({status.error})"
    return f"stale: rebuilding the projections, {status.done:,} of {status.total:,} entries"
