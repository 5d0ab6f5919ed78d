"""What a Celery worker's log says it holds: tasks received and not ended (prefetched and ETA ones
too); nothing it can tell without INFO lines."""

from __future__ import annotations

from devloop.inference.programs.celery import tasks_in_flight

READY = "[2026-01-01 10:00:00,000: INFO/MainProcess] celery@abc123 ready.\n"


def received(task: str) -> str:
    return f"[2026-01-01 10:00:01,000: INFO/MainProcess] Task app.tasks.work[{task}] received\n"


def test_an_idle_worker_holds_nothing() -> None:
    log = (
        READY
        + received("a-1")
        + "[...: INFO/ForkPoolWorker-1] Task app.tasks.work[a-1] succeeded in 0.01s: 1\n"
    )
    assert tasks_in_flight(log) == set()
    assert tasks_in_flight(READY) == set()


def test_a_running_or_prefetched_task_is_held() -> None:
    log = READY + received("a-1") + received("b-2")
    log += "[...: ERROR/ForkPoolWorker-1] Task app.tasks.work[a-1] raised unexpected: ValueError()\n"
    assert tasks_in_flight(log) == {"b-2"}


def test_a_retried_task_is_held_again_when_it_comes_back() -> None:
    log = (
        READY + received("a-1") + "[...: INFO/ForkPoolWorker-1] Task app.tasks.work[a-1] retry: Retry in 5s\n"
    )
    assert tasks_in_flight(log) == set()
    assert tasks_in_flight(log + received("a-1")) == {"a-1"}


def test_without_info_lines_the_log_cannot_tell() -> None:
    assert tasks_in_flight("worker: Warm shutdown (MainProcess)\n") is None
    assert tasks_in_flight("") is None
