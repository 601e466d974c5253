"""The node's heavy-read jobs: one at a time, one per key, a bounded queue, results kept; on a
worker thread, or in a worker process of their own at a lower priority."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commonwork.errors import Busy, NotFound
from commonwork.node.jobs import Jobs, Report, StillComputing, Task
from commonwork.node.settings import Settings


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    made = Jobs(workers=1, queue=3)
    yield made
    made.close()


def slow(_node: Any, report: Report, release: threading.Event, runs: list[str]) -> str:
    report(4, 10)
    runs.append("ran")
    release.wait(10)
    return "result"


def held(_node: Any, _report: Report, release: threading.Event, seen: dict[str, int]) -> int:
    with threading.Lock():
        seen["running"] += 1
        seen["most"] = max(seen["most"], seen["running"])
    release.wait(10)
    seen["running"] -= 1
    return 1


def failing(_node: Any, _report: Report, attempts: list[int]) -> int:
    attempts.append(1)
    if len(attempts) == 1:
        raise NotFound("no such commons")
    return 7


def inner(_node: Any, _report: Report) -> str:
    return "inner"


def outer(_node: Any, _report: Report, jobs: Jobs) -> str:
    return "outer+" + str(jobs.result(("inner",), "inner", Task(inner), wait=0))


def where(_node: Any, report: Report, seconds: float) -> tuple[int, int]:
    report(1, 2)
    time.sleep(seconds)
    return os.getpid(), os.nice(0)


def test_a_job_not_done_in_time_goes_on_and_its_result_is_kept(jobs: Jobs) -> None:
    release, runs = threading.Event(), []
    task = Task(slow, (release, runs))
    with pytest.raises(StillComputing) as pending:
        jobs.result(("a",), "slow read", task, wait=0.05)
    assert pending.value.retry_after > 0
    with pytest.raises(StillComputing) as again:
        jobs.result(("a",), "slow read", task, wait=0.05)
    assert again.value.job is pending.value.job  # the same job, not a second one
    shown = pending.value.job.as_json()
    assert shown["state"] == "running"
    assert (shown["done"], shown["total"]) == (4, 10)
    release.set()
    assert jobs.result(("a",), "slow read", task, wait=5) == "result"
    assert jobs.result(("a",), "slow read", task, wait=0) == "result"  # kept
    assert runs == ["ran"]


def test_the_queue_is_bounded_and_jobs_run_one_at_a_time(jobs: Jobs) -> None:
    release, seen = threading.Event(), {"running": 0, "most": 0}
    task = Task(held, (release, seen))
    for key in ("a", "b", "c"):
        jobs.start((key,), "held", task)
    with pytest.raises(Busy) as busy:
        jobs.start(("d",), "held", task)
    assert busy.value.extra["retry_after"] > 0
    release.set()
    assert [jobs.result((key,), "held", task, wait=5) for key in ("a", "b", "c")] == [1, 1, 1]
    assert seen["most"] == 1
    assert jobs.result(("d",), "held", task, wait=5) == 1  # room again


def test_a_failed_job_raises_its_error_and_the_next_ask_starts_afresh(jobs: Jobs) -> None:
    attempts: list[int] = []
    task = Task(failing, (attempts,))
    with pytest.raises(NotFound):
        jobs.result(("x",), "failing", task, wait=5)
    assert jobs.result(("x",), "failing", task, wait=5) == 7
    assert len(attempts) == 2


def test_a_heavy_read_asked_inside_a_job_is_computed_there(jobs: Jobs) -> None:
    assert jobs.result(("outer",), "outer", Task(outer, (jobs,)), wait=5) == "outer+inner"


def test_in_a_worker_process_jobs_run_apart_at_a_lower_priority(tmp_path: Path) -> None:
    settings = Settings.from_env({"COMMONWORK_DATA_DIR": str(tmp_path / "node")})
    jobs = Jobs(workers=1, settings=settings)
    try:
        assert jobs.in_process
        job = jobs.start(("where",), "where", Task(where, (1.0,)))
        deadline = time.monotonic() + 60  # the worker process starts on the first job
        while job.total is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (job.done, job.total) == (1, 2)  # its progress reaches this process
        pid, niceness = jobs.result(("where",), "where", Task(where, (1.0,)), wait=60)
        assert pid != os.getpid()
        assert niceness >= os.nice(0) + 10 or niceness == 19
    finally:
        jobs.close()
