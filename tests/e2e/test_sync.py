"""The sync strategy on real containers: baked code live without a rebuild, deletions propagated,
dependency files still rebuilt, the image refreshed after a quiet period, and bind mounts that an
engine does not see carried by sync."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.second_engine import load_image, need, start_second_engine, stop_second_engine
from tests.e2e.stack import DevloopProcess, Stack, make_stack, stack_of, up, wait_until


@pytest.fixture
def sync_stack(tmp_path: Path) -> Iterator[Stack]:
    with stack_of(tmp_path, "sync-baked", ("flat", "nested")) as stack:
        yield stack


def test_sync_serves_baked_edits_without_a_rebuild(
    sync_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = sync_stack
    run = up(stack, devloop_runs)
    stack.wait_for_field("flat", "/", "message", "flat v1")
    stack.wait_for_field("nested", "/", "message", "nested v1")
    before = stack.snapshot()

    mark = run.mark()
    stack.edit("flat/server.py", "flat v1", "flat v2")
    stack.edit("nested/app/server.py", "nested v1", "nested v2")
    for service in ("flat", "nested"):
        done = run.wait_event(after=mark, event="action", service=service, action="sync", status="succeeded")
        assert "restarted" in done["detail"]
    stack.wait_for_field("flat", "/", "message", "flat v2", timeout=20)
    stack.wait_for_field("nested", "/", "message", "nested v2", timeout=20)
    after = stack.snapshot()
    for service in ("flat", "nested"):
        assert after[service][0] == before[service][0], "same container: no rebuild"
        assert after[service][1] == before[service][1], "same image until the background refresh"
    assert not run.matching(event="action", action="rebuild")

    # a deletion propagates into the container
    mark = run.mark()
    (stack.directory / "flat" / "extra.txt").unlink()
    run.wait_event(after=mark, event="action", service="flat", action="sync", status="succeeded")
    wait_until(
        lambda: "extra.txt" not in (stack.get("flat", "/") or {"files": ["extra.txt"]})["files"],
        20,
        "extra.txt to disappear in the container",
    )

    # after the quiet period the image is rebuilt in the background and holds the edit;
    # the running container is kept
    run.wait_event(event="action", service="flat", action="image", status="succeeded", timeout=180)
    image = f"{stack.project}-flat"
    inside = subprocess.run(
        ["docker", "run", "--rm", image, "cat", "/code/server.py"], capture_output=True, text=True, check=True
    ).stdout
    assert 'MESSAGE = "flat v2"' in inside
    assert stack.snapshot()["flat"][0] == before["flat"][0]


def test_a_dependency_change_still_rebuilds(sync_stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    stack = sync_stack
    run = up(stack, devloop_runs, "flat")
    stack.wait_for_field("flat", "/", "message", "flat v1")
    before = stack.snapshot()["flat"]
    mark = run.mark()
    with (stack.directory / "flat" / "requirements.txt").open("a") as handle:
        handle.write("# a new line\n")
    run.wait_event(
        after=mark, event="action", service="flat", action="rebuild", status="succeeded", timeout=180
    )
    assert not run.matching(event="action", service="flat", action="sync", status="started")
    stack.wait_for_field("flat", "/", "message", "flat v1")
    assert stack.snapshot()["flat"][0] != before[0], "a rebuild recreates the container"


def test_an_edit_under_a_bind_the_engine_cannot_see_goes_live_through_sync(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    need(all(shutil.which(t) for t in ("dockerd", "unshare", "mount")), "dockerd, unshare and mount")
    stack = make_stack(tmp_path, "hidden-bind", (), source="fixtures")
    engine = start_second_engine(stack.directory / "site")
    stack.env["DOCKER_HOST"] = engine.host
    try:
        load_image(engine.host, "devloop-testbed/busybox:latest")
        run = up(stack, devloop_runs)
        # the mount check finds the empty mount, says so, and copies the files in
        run.wait_event(event="notice", level="warning", service="web", timeout=30)
        run.wait_event(event="action", service="web", action="sync", status="succeeded", timeout=60)
        assert stack.exec("web", "cat", "/www/index.html") == "hello v1\n"
        mark = run.mark()
        (stack.directory / "site" / "index.html").write_text("hello v2\n")
        run.wait_event(
            after=mark, event="action", service="web", action="sync", status="succeeded", timeout=60
        )
        assert stack.exec("web", "cat", "/www/index.html") == "hello v2\n"
        # the process does not reload, so it was restarted after the copy
        assert "restarted" in run.matching(event="action", service="web", status="succeeded")[-1]["detail"]
        for run_ in devloop_runs:
            run_.stop()
        time.sleep(0.5)
    finally:
        stack.down()
        stop_second_engine(engine)
