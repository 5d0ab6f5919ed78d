"""The watcher's progress, which `devloop wait` reads: a change is pending from its receipt until
the batch that carries it has been handled (the consumer asked for the next one)."""

from __future__ import annotations

import time
from pathlib import Path

import anyio

from devloop.adapters.watcher import WatchProgress, reported_within_s, watch


def test_a_change_is_unsettled_from_its_write_until_its_batch_is_handled(tmp_path: Path) -> None:
    progress = WatchProgress()
    seen: list[str] = []

    async def main() -> None:
        stop, ready, handled = anyio.Event(), anyio.Event(), anyio.Event()
        cutoff = 0.0  # a moment by which the write was surely received

        async def edit() -> None:
            nonlocal cutoff
            await ready.wait()
            (tmp_path / "a.py").write_text("x = 1\n")
            cutoff = time.time() + reported_within_s()
            await anyio.sleep(reported_within_s())
            seen.append(f"in the quiet time: {progress.settled(cutoff)}")
            await handled.wait()
            await anyio.sleep(0.2)  # the watcher waits for more
            seen.append(f"handled: {progress.settled(cutoff)}")
            stop.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(edit)
            async for paths in watch([tmp_path], 800, 3000, stop, on_ready=ready.set, progress=progress):
                assert paths == {tmp_path / "a.py"}
                seen.append(f"being handled: {progress.settled(cutoff)}")
                handled.set()

    anyio.run(main)
    assert seen == ["in the quiet time: False", "being handled: False", "handled: True"]


def test_what_was_received_after_the_moment_asked_about_is_not_waited_for() -> None:
    assert WatchProgress().settled(time.time())
    assert not WatchProgress(pending_since=10.0).settled(10.0)
    assert WatchProgress(pending_since=10.5).settled(10.0)
    assert not WatchProgress(handling_since=9.0).settled(10.0)
