"""The runner's signals: the first stops cleanly, a second forces; with real signals."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import anyio
import pytest

from devloop import events
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.daemon.runner import Runner
from devloop.daemon.shared import UpOptions
from devloop.daemon.signals import EXIT_FORCED
from devloop.load.context import Context
from devloop.model.settings import Settings
from tests.unit.builders import make_plan


def notices(seen: list[events.Event], level: str | None = None) -> list[str]:
    return [e.message for e in seen if isinstance(e, events.Notice) and (level is None or e.level == level)]


def runner(tmp_path: Path, seen: list[events.Event]) -> Runner:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY . /www\n")
    plan = make_plan(tmp_path, {"web": {"build": {"context": str(tmp_path), "dockerfile": "Dockerfile"}}})
    context = Context(ComposeOptions(cwd=tmp_path), Settings(), plan.project, plan)
    return Runner(context, Engine(client=object()), seen.append, UpOptions())


def test_a_second_signal_while_stopping_kills_children_and_forces_exit_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[events.Event] = []
    run = runner(tmp_path, seen)
    forced: list[int] = []
    closed: list[bool] = []
    run.signals.force_exit = forced.append
    run.signals.before_forced_exit = lambda: closed.append(True)
    killed: list[str] = []
    monkeypatch.setattr(
        "devloop.adapters.processes.kill_running", lambda: killed.append("x") or ["docker compose up"]
    )

    async def main() -> None:
        async with anyio.create_task_group() as outer:
            async with anyio.create_task_group() as work:
                outer.start_soon(run.signals.listen, work)
                await anyio.sleep(0.1)
                os.kill(os.getpid(), signal.SIGTERM)
                await anyio.sleep(5)  # cancelled by the first signal
                raise AssertionError("the first signal did not stop the work")
            assert run.shared.stopping and not forced
            with anyio.fail_after(5):
                # the shutdown is slow (a compose child that does not end): a second Ctrl-C
                os.kill(os.getpid(), signal.SIGINT)
                while not forced:
                    await anyio.sleep(0.01)
            outer.cancel_scope.cancel()

    anyio.run(main)
    assert forced == [EXIT_FORCED] and closed == [True] and killed == ["x"]
    stopped = [e for e in seen if isinstance(e, events.Stopped)]
    assert len(stopped) == 1 and stopped[0].exit_code == 130
    assert any("SIGINT again" in m for m in notices(seen, "warning"))
