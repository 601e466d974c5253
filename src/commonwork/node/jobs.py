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

import contextlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from commonwork.errors import Busy
from commonwork.node.settings import Settings

#: Jobs queued or running at once, at most; more are refused with 503 busy.
QUEUE_SIZE = 8
#: Finished results kept (the oldest are forgotten first).
KEPT_RESULTS = 64
#: Seconds a client is asked to wait before asking again after a job was started.
RETRY_AFTER = 2
#: How much lower the worker process's scheduling priority is than the web process's.
WORKER_NICENESS = 10

Progress = Callable[[int], None]
#: What a job reports as it goes: (done, total or None when unknown).
Report = Callable[[int, "int | None"], None]
T = TypeVar("T")
_inside = threading.local()  # .job: set while a worker thread (or process) runs a job


@dataclass(frozen=True)
class Task(Generic[T]):
    """What a job computes: ``run(node, report, *args)``, ``run`` a module-level function and
    ``args`` plain data, so that a worker process can be sent it."""

    run: Callable[..., T]
    args: tuple[Any, ...] = ()


@dataclass
class Job:
    """One heavy read, queued, running or done; ``done``/``total`` is its progress, if known."""

    key: tuple[str, ...]
    label: str
    total: int | None = None
    done: int = 0
    started: float | None = None
    finished: float | None = None
    future: Future[Any] = field(default_factory=Future)

    @property
    def over(self) -> bool:
        return self.future.done()

    def report(self, done: int, total: int | None = None) -> None:
        if self.started is None:
            self.started = time.monotonic()
        self.done = done
        if total is not None:
            self.total = total

    def as_json(self) -> dict[str, Any]:
        running = self.started is not None and not self.over
        return {
            "label": self.label,
            "state": "done" if self.over else ("running" if running else "queued"),
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
    """The node's heavy-read jobs (see the module's text).

    With ``settings`` the jobs run in a worker process of their own, at a lower scheduling
    priority (nice 10), with its own connections: however long a job computes, it never holds
    the web process's interpreter lock or sets off its garbage collections, and on a machine
    with two cores the requests keep one to themselves. Without, a worker thread runs them
    (the command line, and tests that move the node's clock)."""

    def __init__(
        self, workers: int = 1, queue: int = QUEUE_SIZE, settings: Settings | None = None
    ) -> None:
        self._workers = workers
        self._settings = settings
        self._pool: Executor | None = None
        self._progress: Any = None  # the worker process's reports, in process mode
        self._queue = queue
        self._lock = threading.Lock()
        self._open: dict[tuple[str, ...], Job] = {}
        self._ids: dict[int, Job] = {}
        self._kept: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._last: dict[tuple[str, ...], Job] = {}  # the last job ended, by its key's kind
        self.node: Any = None  # the node the worker threads compute with (set by the node)

    @property
    def in_process(self) -> bool:
        """Whether jobs run in a worker process of their own."""
        return self._settings is not None

    def warm(self) -> None:
        """Start the worker process now (the web node, at start-up), not on the first request
        that needs it: its start (a new interpreter, a node of its own) takes a second or two."""
        if self.in_process:
            with self._lock:
                pool = self._started_pool()
            pool.submit(_ready)

    def kept(self, key: tuple[str, ...]) -> tuple[bool, Any]:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return True, self._kept[key]
        return False, None

    def running(self, key: tuple[str, ...]) -> Job | None:
        with self._lock:
            return self._open.get(key)

    def running_kind(self, kind: tuple[str, ...]) -> Job | None:
        """A queued or running job whose key starts with ``kind`` (its first two parts), if any."""
        with self._lock:
            return next((job for key, job in self._open.items() if key[:2] == kind), None)

    def last_ended(self, kind: tuple[str, ...]) -> Job | None:
        """The last job whose key starts with ``kind`` (its first two parts) that ended."""
        with self._lock:
            return self._last.get(kind)

    def result(
        self, key: tuple[str, ...], label: str, task: Task[Any], *, wait: float | None = 1.0
    ) -> Any:
        """The result for ``key``: kept, or computed by a job within ``wait`` seconds (None:
        however long it takes, for the command line); otherwise StillComputing (the job goes
        on), or Busy when the queue is full. A job that failed raises its error here, once (the
        next request starts afresh). Asked from inside a job, it is computed there and then."""
        found, value = self.kept(key)
        if found:
            return value
        if getattr(_inside, "job", None) is not None:
            return task.run(self.node, _ignore, *task.args)
        job = self.start(key, label, task)
        try:
            return job.future.result(timeout=wait)
        except FutureTimeout:
            raise StillComputing(job) from None

    def start(self, key: tuple[str, ...], label: str, task: Task[Any]) -> Job:
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
            self._ids[id(job)] = job
            pool = self._started_pool()
        if self.in_process:
            pool.submit(_in_worker, id(job), task).add_done_callback(
                lambda done: self._finish(job, done)
            )
        else:
            pool.submit(self._run, job, task)
        return job

    def _started_pool(self) -> Executor:
        if self._pool is None:
            if self._settings is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="commonwork-job"
                )
            else:
                context = multiprocessing.get_context("spawn")  # never fork a threaded server
                self._progress = context.Queue()
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=context,
                    initializer=_start_worker,
                    initargs=(self._settings, self._progress),
                )
                threading.Thread(
                    target=self._read_progress, name="commonwork-job-progress", daemon=True
                ).start()
        return self._pool

    def _read_progress(self) -> None:
        while True:
            try:
                job_id, done, total = self._progress.get()
            except (EOFError, OSError, ValueError):  # the queue was closed: the node closes
                return
            job = self._ids.get(job_id)
            if job is not None:
                job.report(done, total)

    def _run(self, job: Job, task: Task[Any]) -> None:
        job.started = time.monotonic()
        _inside.job = job
        try:
            value = task.run(self.node, job.report, *task.args)
        except BaseException as exc:
            self._failed(job, exc)
            return
        finally:
            _inside.job = None
        self._succeeded(job, value)

    def _finish(self, job: Job, done: Future[Any]) -> None:
        error = done.exception()
        if error is not None:
            self._failed(job, error)
        else:
            self._succeeded(job, done.result())

    def _failed(self, job: Job, error: BaseException) -> None:
        job.finished = time.monotonic()
        with self._lock:
            self._last[job.key[:2]] = job
            self._open.pop(job.key, None)
            self._ids.pop(id(job), None)
        job.future.set_exception(error)

    def _succeeded(self, job: Job, value: Any) -> None:
        job.finished = time.monotonic()
        with self._lock:
            self._last[job.key[:2]] = job
            self._kept[job.key] = value
            while len(self._kept) > KEPT_RESULTS:
                self._kept.popitem(last=False)
            self._open.pop(job.key, None)
            self._ids.pop(id(job), None)
        job.future.set_result(value)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._progress is not None:
            self._progress.close()


def _ignore(_done: int, _total: int | None = None) -> None:
    """The report of a heavy read computed inside another job: nobody watches it."""


# --- the worker process -----------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(settings: Settings, progress: Any) -> None:
    """In the worker process: a lower priority than the web process, and a node of its own."""
    from commonwork.node.node import Node  # here: the node module imports this one

    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    _worker["node"] = Node.open(settings)
    _worker["progress"] = progress


def _ready() -> bool:
    return "node" in _worker


def _in_worker(job_id: int, task: Task[Any]) -> Any:
    progress = _worker["progress"]
    node = _worker["node"]
    node.jobs.node = node
    _inside.job = job_id

    def report(done: int, total: int | None = None) -> None:
        progress.put((job_id, done, total))

    try:
        return task.run(node, report, *task.args)
    finally:
        _inside.job = None
