"""The node's heavy-read jobs: one at a time, one per key, a bounded queue, results kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from commonwork.errors import Busy, NotFound
from commonwork.node.jobs import Job, Jobs, StillComputing


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    made = Jobs(workers=1, queue=3)
    yield made
    made.close()


def test_a_job_not_done_in_time_goes_on_and_its_result_is_kept(jobs: Jobs) -> None:
    release, runs = threading.Event(), []

    def slow(job: Job) -> str:
        job.total = 10
        job.done = 4
        runs.append(job.key)
        release.wait(10)
        return "result"

    with pytest.raises(StillComputing) as pending:
        jobs.result(("a",), "slow read", slow, wait=0.05)
    assert pending.value.retry_after > 0
    with pytest.raises(StillComputing) as again:
        jobs.result(("a",), "slow read", slow, wait=0.05)
    assert again.value.job is pending.value.job  # the same job, not a second one
    assert pending.value.job.as_json()["state"] == "running"
    assert (pending.value.job.as_json()["done"], pending.value.job.as_json()["total"]) == (4, 10)
    release.set()
    assert jobs.result(("a",), "slow read", slow, wait=5) == "result"
    assert jobs.result(("a",), "slow read", slow, wait=0) == "result"  # kept
    assert runs == [("a",)]


def test_the_queue_is_bounded_and_jobs_run_one_at_a_time(jobs: Jobs) -> None:
    release = threading.Event()
    running, most, lock = [0], [0], threading.Lock()

    def held(_job: Job) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(10)
        with lock:
            running[0] -= 1
        return 1

    for key in ("a", "b", "c"):
        jobs.start((key,), "held", held)
    with pytest.raises(Busy) as busy:
        jobs.start(("d",), "held", held)
    assert busy.value.extra["retry_after"] > 0
    release.set()
    assert [jobs.result((key,), "held", held, wait=5) for key in ("a", "b", "c")] == [1, 1, 1]
    assert most[0] == 1
    assert jobs.result(("d",), "held", held, wait=5) == 1  # room again


def test_a_failed_job_raises_its_error_and_the_next_ask_starts_afresh(jobs: Jobs) -> None:
    attempts: list[int] = []

    def failing(_job: Job) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise NotFound("no such commons")
        return 7

    with pytest.raises(NotFound):
        jobs.result(("x",), "failing", failing, wait=5)
    assert jobs.result(("x",), "failing", failing, wait=5) == 7
    assert len(attempts) == 2


def test_a_heavy_read_asked_inside_a_job_is_computed_there(jobs: Jobs) -> None:
    def inner(_job: Job) -> str:
        return "inner"

    def outer(_job: Job) -> str:
        return "outer+" + str(jobs.result(("inner",), "inner", inner, wait=0))

    assert jobs.result(("outer",), "outer", outer, wait=5) == "outer+inner"
