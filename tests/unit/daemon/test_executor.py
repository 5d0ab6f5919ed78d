"""The executor's order within one batch: a sibling's restart does not wait for a slow sync (a
process that ignores SIGTERM holds its restart for the whole grace period); restarts still follow a
rebuild of the batch, and a sync that cannot apply joins that rebuild."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from devloop.adapters.processes import Result
from devloop.daemon import executor as executor_module
from devloop.daemon.executor import Executor
from devloop.model.project import Action
from devloop.planning.planner import Decision


def decision(service: str, action: Action) -> Decision:
    return Decision(service, action, "test", (Path("/p/app/page.html"),))


class _Shared:
    """What the executor reads of the daemon's shared state, recording the action events."""

    def __init__(self) -> None:
        self.engine = None
        self.log: list[tuple[str, str, str]] = []
        plan = SimpleNamespace(service=lambda name: SimpleNamespace(held_work=None))
        self.context = SimpleNamespace(plan=plan, project=SimpleNamespace(name="p"))

    def action_event(self, d: Decision, action: str, status: str, **kw: object) -> None:
        self.log.append((d.service, action, status))


class _Sync:
    """A sync that ends only once `release` is set, or falls back to a rebuild."""

    def __init__(self, shared: _Shared, fallback: bool = False) -> None:
        self.shared = shared
        self.fallback = fallback
        self.release = anyio.Event()

    async def sync(self, d: Decision) -> Decision | None:
        self.shared.log.append((d.service, "sync", "started"))
        if self.fallback:
            return Decision(d.service, Action.REBUILD, "cannot sync", d.paths)
        with anyio.fail_after(2):
            await self.release.wait()
        self.shared.log.append((d.service, "sync", "succeeded"))
        return None


def make(monkeypatch: pytest.MonkeyPatch, fallback: bool = False) -> tuple[Executor, _Shared, _Sync]:
    shared = _Shared()
    sync = _Sync(shared, fallback)

    async def restart(engine: object, project: str, service: str, **kw: object) -> Result:
        sync.release.set()  # a sync still waiting ends only because this restart ran beside it
        return Result(ok=True, duration_s=0.0, detail="restarted 1 container(s)")

    monkeypatch.setattr(executor_module, "restart", restart)
    run = Executor(shared, images=None, sync=sync, busy=lambda name: False)  # type: ignore[arg-type]

    async def rebuild(decisions: list[Decision]) -> bool:
        shared.log.extend((d.service, "rebuild", "succeeded") for d in decisions)
        return True

    monkeypatch.setattr(run, "_rebuild", rebuild)
    return run, shared, sync


def test_a_restart_runs_beside_a_siblings_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    run, shared, _ = make(monkeypatch)
    batch = {"dashboard": decision("dashboard", Action.SYNC), "worker": decision("worker", Action.RESTART)}
    assert anyio.run(run.execute, batch) is True
    assert shared.log.index(("worker", "restart", "started")) < shared.log.index(
        ("dashboard", "sync", "succeeded")
    )


def test_restarts_follow_a_rebuild_that_a_sync_fallback_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    run, shared, _ = make(monkeypatch, fallback=True)
    batch = {
        "baked": decision("baked", Action.REBUILD),
        "copied": decision("copied", Action.SYNC),
        "worker": decision("worker", Action.RESTART),
    }
    assert anyio.run(run.execute, batch) is True
    rebuilt = [s for s, action, _ in shared.log if action == "rebuild"]
    assert sorted(rebuilt) == ["baked", "copied"]  # one rebuild for both
    assert shared.log.index(("worker", "restart", "started")) > shared.log.index(
        ("copied", "rebuild", "succeeded")
    )
