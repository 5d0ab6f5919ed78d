"""What the containers write into their bind mounts never makes devloop act, on the real engine: a
Celery worker logging into the mounted code folder, an API writing a cache file there as it starts,
and a baked sibling built from the same folder. From start and after one edit each service acts at
most once, then nothing for 30 s; the edit is served by the baked service; what devloop judged
container output it says once; a file the user writes into a folder the containers write to acts."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up, wait_until

QUIET_S = 30.0


@pytest.mark.timeout(600)  # two 30 s quiet spells after start and after the edit
def test_what_the_containers_write_never_makes_devloop_act(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "container-writes", ("web", "baked"), runs=devloop_runs) as stack:
        loop_shape(stack, devloop_runs)


def started(events: list[dict[str, Any]]) -> Counter[str]:
    """Actions devloop carried out on the services, per service (a reload it leaves to the process is
    not one, nor the image refreshed in the background after a live update: no container changes)."""
    return Counter(
        e["service"]
        for e in events
        if e.get("event") == "action" and e.get("status") == "started" and e.get("action") != "image"
    )


def loop_shape(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    project = stack.directory / "project"
    run = up(stack, devloop_runs)
    stack.wait_for_field("web", "/", "message", "writes v1")
    stack.wait_for_field("baked", "/", "message", "writes v1")
    wait_until(lambda: (project / "logs/celery.log").is_file(), 60, "the worker's log file")
    assert (project / "cache/routes.json").is_file()

    # from start: at most one action per service, then 30 s of nothing
    time.sleep(QUIET_S)
    acted = started(run.events)
    assert all(n <= 1 for n in acted.values()), acted
    mark = run.mark()
    time.sleep(QUIET_S)
    assert started(run.events[mark:]) == Counter(), run.output()[-3000:]
    said = [e["path"] for e in run.matching(event="container_output")]
    assert len(said) == len(set(said)), said  # each said once

    # one edit: the worker restarts, web reloads itself, baked gets it by live update and serves it
    before = stack.snapshot()
    written = {p: (project / p).stat().st_mtime for p in ("logs/celery.log", "cache/routes.json")}
    mark = run.mark()
    stack.edit("project/main.py", "writes v1", "writes v2")
    run.wait_event(
        after=mark, event="action", service="baked", action="sync", status="succeeded", timeout=240
    )
    run.wait_event(after=mark, event="action", service="worker", action="restart", status="succeeded")
    run.wait_event(after=mark, event="action", service="web", action="reload", status="skipped")
    stack.wait_for_field("baked", "/", "message", "writes v2", timeout=60)
    stack.wait_for_field("web", "/", "message", "writes v2", timeout=60)
    time.sleep(QUIET_S)
    acted = started(run.events[mark:])
    assert acted == Counter({"baked": 1, "worker": 1}), acted
    quiet = run.mark()
    time.sleep(QUIET_S)
    assert started(run.events[quiet:]) == Counter(), run.output()[-3000:]
    after = stack.snapshot()
    assert after["web"] == before["web"]  # reloaded by itself: never restarted
    # the worker wrote its log again and the API its cache while devloop watched: no action, said once
    for path, mtime in written.items():
        assert (project / path).stat().st_mtime > mtime, f"{path} was not written again"
    outputs = [e["path"] for e in run.matching(event="container_output")]
    assert len(outputs) == len(set(outputs)), outputs
    assert {"project/logs/celery.log", "project/cache/routes.json"} <= set(outputs), outputs

    # a file the user writes into the folder the API writes its cache to still acts
    mark = run.mark()
    (project / "cache/tuning.py").write_text("WORKERS = 2\n")
    run.wait_event(after=mark, event="action", service="worker", action="restart", status="succeeded")
    assert not [e for e in run.events[mark:] if e.get("event") == "container_output"]
