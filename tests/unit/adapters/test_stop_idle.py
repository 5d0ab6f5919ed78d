"""Stopping a container whose log shows it holds no work: SIGTERM, then SIGKILL instead of a wait;
with work held, only SIGTERM and the wait `docker stop` does."""

from __future__ import annotations

from typing import Any

from devloop.adapters import engine
from devloop.adapters.engine import stop_idle
from devloop.inference.programs.celery import tasks_in_flight


class FakeContainer:
    def __init__(self, log: str, config: dict[str, Any] | None = None) -> None:
        self.log = log
        self.calls: list[tuple[str, Any]] = []
        self.attrs = {"State": {"StartedAt": "2026-01-01T10:00:00.123456789Z"}, "Config": config or {}}

    def kill(self, signal: str) -> None:
        self.calls.append(("kill", signal))

    def logs(self, since: float) -> bytes:
        self.calls.append(("logs", since))
        return self.log.encode()

    def stop(self, timeout: int) -> None:
        self.calls.append(("stop", timeout))


def test_an_idle_worker_is_killed_after_sigterm(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "IDLE_CHECK_S", 0)
    container = FakeContainer("celery@x ready.\n")
    stop_idle(container, tasks_in_flight)
    assert container.calls == [
        ("kill", "SIGTERM"), ("logs", 1767261600.1234567), ("kill", "SIGKILL"), ("stop", 10)
    ]  # fmt: skip


def test_a_worker_holding_a_task_is_waited_for(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "IDLE_CHECK_S", 0)
    busy = FakeContainer("celery@x ready.\nTask app.tasks.work[a-1] received\n")
    stop_idle(busy, tasks_in_flight)
    assert ("kill", "SIGKILL") not in busy.calls and busy.calls[-1] == ("stop", 10)
    quiet = FakeContainer("no INFO lines\n")  # the log cannot tell: waited for too
    stop_idle(quiet, tasks_in_flight)
    assert ("kill", "SIGKILL") not in quiet.calls


def test_the_containers_own_stop_signal_and_grace_period_are_used(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "IDLE_CHECK_S", 0)
    busy = FakeContainer("Task app.tasks.work[a-1] received\n", {"StopSignal": "SIGINT", "StopTimeout": 45})
    stop_idle(busy, tasks_in_flight)  # compose stop_signal: SIGINT, stop_grace_period: 45s
    assert busy.calls[0] == ("kill", "SIGINT") and busy.calls[-1] == ("stop", 45)
