"""The background image build after live updates: it waits for a quiet period after the last sync,
also when the service was busy when that period ran out, and a rebuild that came after the syncs
makes it unnecessary."""

from __future__ import annotations

import time
from types import SimpleNamespace

import anyio
import pytest

from devloop.adapters.processes import Result
from devloop.daemon import sync as sync_module
from devloop.daemon.sync import Sync

QUIET_S = 1.2  # longer than the 1 s poll while busy, so that polling alone cannot pass


class _Images:
    async def clean(self, names: list[str]) -> None:
        return None

    def confirm(self, names: list[str], at: float) -> None:
        return None


class _Health:
    async def wait_up(self) -> None:
        return None


def make(monkeypatch: pytest.MonkeyPatch, busy: list[bool]) -> tuple[Sync, list[float]]:
    builds: list[float] = []

    async def build(options: object, services: list[str]) -> Result:
        builds.append(time.monotonic())
        return Result(ok=True, duration_s=0.0)

    monkeypatch.setattr(sync_module.compose, "build", build)
    context = SimpleNamespace(
        settings=SimpleNamespace(image_refresh_s=QUIET_S),
        project=SimpleNamespace(service_names=("dashboard",)),
        options=None,
    )
    shared = SimpleNamespace(context=context, health=_Health(), emit=lambda event: None)
    refresh = Sync(shared, images=_Images(), busy=lambda name: busy[0])  # type: ignore[arg-type]
    return refresh, builds


def test_a_sync_during_a_busy_wait_restarts_the_quiet_period(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = [False]
    refresh, builds = make(monkeypatch, busy)

    async def main() -> None:
        refresh.last_sync["dashboard"] = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(refresh._refresh_image, "dashboard")
            await anyio.sleep(QUIET_S - 0.1)
            busy[0] = True  # a second sync runs as the quiet period ends...
            await anyio.sleep(0.2)
            refresh.last_sync["dashboard"] = time.monotonic()  # ...and ends here
            busy[0] = False
        assert len(builds) == 1
        assert builds[0] - refresh.last_sync["dashboard"] >= QUIET_S  # quiet after the last sync

    anyio.run(main)


def test_a_rebuild_after_the_syncs_leaves_nothing_to_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    refresh, builds = make(monkeypatch, [False])

    async def main() -> None:
        refresh.last_sync["dashboard"] = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(refresh._refresh_image, "dashboard")
            await anyio.sleep(0.1)
            refresh.image_built(["dashboard"], time.monotonic())  # a rebuild of the service
        assert builds == []

    anyio.run(main)
