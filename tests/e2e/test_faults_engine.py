"""Faults of the engine itself, on a dockerd of the test's own (the shared one is never stopped):
the engine stops while `devloop up` runs and starts again; a 1 GB file is written slowly."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.faults import (
    COMPOSE,
    Engine,
    busybox_stack,
    container,
    new_engine,
    peak_rss_mb,
    remove_engine,
    started,
    teardown,
    wait_content,
    wait_seen,
)
from tests.e2e.second_engine import need
from tests.e2e.stack import DevloopProcess, Stack, up


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    need(os.geteuid() == 0, "root, to start a dockerd of the test's own")
    need(all(shutil.which(t) for t in ("dockerd", "unshare")), "dockerd and unshare")
    own = new_engine()
    try:
        yield own
    finally:
        remove_engine(own)


@pytest.fixture
def remote_stack(tmp_path: Path, engine: Engine, devloop_runs: list[DevloopProcess]) -> Iterator[Stack]:
    stack = busybox_stack(tmp_path, env={"DOCKER_HOST": engine.host})
    try:
        yield stack
    finally:
        for run in devloop_runs:
            run.stop()
        if not engine.answers():
            engine.start()
        teardown(stack)


def test_an_engine_that_stops_is_reported_waited_for_and_resumed_once(
    engine: Engine, remote_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = remote_stack
    (stack.directory / "devloop.toml").write_text("live_update = false\n")  # this test is about rebuilds
    run = up(stack, devloop_runs)
    wait_content(stack, "baked", "baked v1\n")
    wait_content(stack, "mounted", "mounted v1\n")
    before = container(stack, "baked")

    mark = run.mark()
    pid = engine.pid
    engine.stop()
    assert pid is not None and not Path(f"/proc/{pid}").exists()
    # reported by the health check, with no action running
    down = run.wait_event(after=mark, event="notice", level="error", timeout=30)
    assert "does not answer" in down["message"]

    # edits while the engine is away: noticed, but nothing is tried until it answers again
    (stack.directory / "baked" / "index.txt").write_text("baked v2\n")
    wait_seen(run, mark, "baked")
    (stack.directory / "baked" / "index.txt").write_text("baked v3\n")
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    wait_seen(run, mark, "mounted")
    assert not started(run, mark, "baked") and not started(run, mark, "mounted")
    assert run.process.poll() is None, "devloop must keep running without an engine"

    engine.start()
    back = run.wait_event(after=mark, event="notice", message="the Docker Engine answers again; resuming")
    resumed = run.events.index(back)
    run.wait_event(after=resumed, event="action", service="baked", status="succeeded", timeout=120)
    run.wait_event(after=resumed, event="action", service="mounted", status="succeeded", timeout=120)
    wait_content(stack, "baked", "baked v3\n")
    wait_content(stack, "mounted", "mounted v2\n")
    after = container(stack, "baked")
    assert after["Id"] != before["Id"] and after["State"]["Running"]
    assert container(stack, "mounted")["State"]["Running"]
    # once: one rebuild and one restart for everything that changed while the engine was away
    assert len(started(run, mark, "baked")) == 1, started(run, mark, "baked")
    assert len(started(run, mark, "mounted")) == 1, started(run, mark, "mounted")
    assert not run.matching(event="action", status="failed")
    assert run.stop() == 0


GIB = 1 << 30
CHUNK = 64 << 20


@pytest.mark.slow
def test_a_1gb_file_written_slowly_is_acted_on_once_complete_and_never_held_in_memory(
    engine: Engine, tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    compose = COMPOSE + (
        '  synced:\n    build: ./synced\n    command: ["sleep", "3600"]\n    init: true\n'
        "    network_mode: none\n"
    )
    stack = busybox_stack(tmp_path, compose, env={"DOCKER_HOST": engine.host})
    (stack.directory / "synced").mkdir()
    shutil.copy(stack.directory / "baked" / "Dockerfile", stack.directory / "synced" / "Dockerfile")
    (stack.directory / "synced" / "index.txt").write_text("synced v1\n")
    # 3 s of quiet and no deadline: devloop must wait until the writes stop, which take longer
    # than twice the quiet time (the notifier alone would call a file written for long quiet)
    (stack.directory / "devloop.toml").write_text(
        "debounce_ms = 3000\nmax_wait_ms = 600000\nimage_refresh_s = 0\n"
        '[services.synced]\nstrategy = "sync"\n'
        "[services.baked]\nlive_update = false\n"  # baked is the rebuild case
    )
    try:
        run = up(stack, devloop_runs, "baked", "synced", debounce=None)  # the toml's quiet time
        wait_content(stack, "synced", "synced v1\n")
        mark = run.mark()
        big, twin = stack.directory / "baked" / "big.bin", stack.directory / "synced" / "big.bin"
        block = bytes(range(256)) * (CHUNK // 256)
        with big.open("wb") as handle:
            os.link(big, twin)  # the same file in both build contexts, written once
            for _ in range(GIB // CHUNK):
                handle.write(block)
                handle.flush()
                time.sleep(0.4)
        complete = os.stat(big).st_mtime
        for service, action in (("baked", "rebuild"), ("synced", "sync")):
            done = run.wait_event(
                after=mark, event="action", service=service, action=action, status="succeeded", timeout=240
            )
            assert len(started(run, mark, service, action)) == 1, started(run, mark, service)
            first = started(run, mark, service, action)[0]
            assert first["at"] >= complete, "acted before the file was complete"
            assert "big.bin" in " ".join(done["paths"])
        for service in ("baked", "synced"):
            out = stack.compose("exec", "-T", service, "stat", "-c", "%s", "/www/big.bin").stdout.strip()
            assert out == str(GIB), f"{service} holds {out} bytes of big.bin"
        assert peak_rss_mb(run.process.pid) < 300, "devloop read the file into memory"
        assert run.stop() == 0
    finally:
        for path in (stack.directory / "baked" / "big.bin", stack.directory / "synced" / "big.bin"):
            path.unlink(missing_ok=True)
        teardown(stack, devloop_runs)
