"""Heavy reads as jobs outside the request path: one worker thread, a bounded queue, one job
per key, results kept by key.

A heavy read (a full re-verification, the value-policy preview, standing as of a past day) is a
pure function of its key, which starts with the head it reads. A request asks for the key: if the
result is kept it is answered at once; if a job for it is queued or running the request waits a
moment for it (``wait``), and otherwise gets the job to show ("under way: 12,000 of 100,000");
if the queue is full the node says it is busy (503 with Retry-After). So however many anonymous
clients ask, at most one heavy read runs at a time (one core), each distinct read runs once, and
the other requests never wait for a database connection behind them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from commonwork.errors import Busy

#: Jobs queued or running at once, at most; more are refused with 503 busy.
QUEUE_SIZE = 8
#: Finished results kept (the oldest are forgotten first).
KEPT_RESULTS = 64
#: Seconds a client is asked to wait before asking again after a job was started.
RETRY_AFTER = 2

Progress = Callable[[int], None]
_inside = threading.local()  # .job: the job a worker thread is running


@dataclass
class Job:
    """One heavy read, queued, running or done; ``done``/``total`` is its progress, if known."""

    key: tuple[str, ...]
    label: str
    total: int | None = None
    done: int = 0
    started: float | None = None
    future: Future[Any] = field(default_factory=Future)

    @property
    def finished(self) -> bool:
        return self.future.done()

    def as_json(self) -> dict[str, Any]:
        running = self.started is not None and not self.finished
        return {
            "label": self.label,
            "state": "done" if self.finished else ("running" if running else "queued"),
            "done": self.done,
            "total": self.total,
            "seconds": 0.0 if self.started is None else round(time.monotonic() - self.started, 1),
        }


class StillComputing(Exception):
    """A heavy read is queued or running; ask again after ``retry_after`` seconds."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"{job.label}: under way")
        self.job = job
        self.retry_after = RETRY_AFTER


class Jobs:
    """The node's heavy-read jobs (see the module's text)."""

    def __init__(self, workers: int = 1, queue: int = QUEUE_SIZE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="commonwork-job")
        self._queue = queue
        self._lock = threading.Lock()
        self._open: dict[tuple[str, ...], Job] = {}
        self._kept: OrderedDict[tuple[str, ...], Any] = OrderedDict()

    def kept(self, key: tuple[str, ...]) -> tuple[bool, Any]:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return True, self._kept[key]
        return False, None

    def running(self, key: tuple[str, ...]) -> Job | None:
        with self._lock:
            return self._open.get(key)

    def result(
        self,
        key: tuple[str, ...],
        label: str,
        compute: Callable[[Job], Any],
        *,
        wait: float | None = 1.0,
    ) -> Any:
        """The result for ``key``: kept, or computed by a job within ``wait`` seconds (None:
        however long it takes, for the command line); otherwise StillComputing (the job goes
        on), or Busy when the queue is full. A job that failed raises its error here, once (the
        next request starts afresh). Asked from inside a job, it is computed there and then."""
        found, value = self.kept(key)
        if found:
            return value
        if getattr(_inside, "job", None) is not None:
            return compute(Job(key, label))
        job = self.start(key, label, compute)
        try:
            return job.future.result(timeout=wait)
        except FutureTimeout:
            raise StillComputing(job) from None

    def start(self, key: tuple[str, ...], label: str, compute: Callable[[Job], Any]) -> Job:
        """The job for ``key``, started if none is queued or running."""
        with self._lock:
            job = self._open.get(key)
            if job is not None:
                return job
            if len(self._open) >= self._queue:
                raise Busy(
                    f"the node is computing {len(self._open)} heavy reads already; try again "
                    "in a moment",
                    retry_after=RETRY_AFTER * 2,
                )
            job = Job(key, label)
            self._open[key] = job
        self._pool.submit(self._run, job, compute)
        return job

    def _run(self, job: Job, compute: Callable[[Job], Any]) -> None:
        job.started = time.monotonic()
        _inside.job = job
        try:
            value = compute(job)
        except BaseException as exc:
            with self._lock:
                self._open.pop(job.key, None)
            job.future.set_exception(exc)
            return
        finally:
            _inside.job = None
        with self._lock:
            self._kept[job.key] = value
            while len(self._kept) > KEPT_RESULTS:
                self._kept.popitem(last=False)
            self._open.pop(job.key, None)
        job.future.set_result(value)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
