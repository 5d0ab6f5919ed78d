"""One build config shared by five services, on the real engine: one edit of the mounted code
reloads two of them (same container, same start), restarts the two Celery ones (same image, new
start) and rebuilds only the one that bakes the code (new image, serving the edit)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up

RELOADING = ("api", "admin")
CELERY = ("worker", "beat")


def test_one_edit_gives_each_service_of_a_shared_build_its_own_action(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "shared-build", ("api", "admin", "baked"), runs=devloop_runs) as stack:
        one_edit(stack, devloop_runs)


def one_edit(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    run = up(stack, devloop_runs)
    for service in (*RELOADING, "baked"):
        stack.wait_for_field(service, "/", "message", "shared v1")
    before = stack.snapshot()

    mark = run.mark()
    stack.edit("app/main.py", "shared v1", "shared v2")
    run.wait_event(
        after=mark, event="action", service="baked", action="rebuild", status="succeeded", timeout=180
    )
    for service in CELERY:
        run.wait_event(after=mark, event="action", service=service, action="restart", status="succeeded")
    for service in RELOADING:
        run.wait_event(after=mark, event="action", service=service, action="reload", status="skipped")
    for service in (*RELOADING, "baked"):
        stack.wait_for_field(service, "/", "message", "shared v2", timeout=30)
    after = stack.snapshot()

    for service in RELOADING:  # the process reloaded itself: nothing touched the container
        assert after[service] == before[service], service
    for service in CELERY:  # restarted: same container and image, started again
        assert after[service][:2] == before[service][:2], service
        assert after[service][2] != before[service][2], service
    assert after["baked"][1] != before["baked"][1], "baked runs a new image"
    rebuilt = {e["service"] for e in run.matching(event="action", action="rebuild", status="started")}
    assert rebuilt == {"baked"}

    # a file no COPY copies (and no process reads) triggers nothing
    mark = run.mark()
    (stack.directory / "README.md").write_text("edited\n")
    time.sleep(2.0)  # four debounce periods
    # the services' own output goes on (log events); nothing else happens
    assert [e for e in run.events[mark:] if e["event"] != "log"] == []
    assert stack.snapshot() == after
