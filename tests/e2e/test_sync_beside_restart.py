"""One build, a live-updated service whose stop takes its whole grace period, and a sibling on a
bind mount that restarts (tests/fixtures/sync-beside-restart), on the real engine: one edit restarts
the sibling at once, not after the slow sync, and both serve the edit."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.stack import DevloopProcess, stack_of, up


def test_a_restart_does_not_wait_for_a_siblings_slow_sync(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "sync-beside-restart", ("copied", "mounted"), runs=devloop_runs) as stack:
        run = up(stack, devloop_runs)
        for service in ("copied", "mounted"):
            stack.wait_for_field(service, "/", "message", "site v1")
        before = stack.snapshot()

        mark = run.mark()
        edited = time.monotonic()
        stack.edit("site/index.html", "site v1", "site v2")
        restarted = run.wait_event(
            after=mark, event="action", service="mounted", action="restart", status="succeeded"
        )
        stack.wait_for_field("mounted", "/", "message", "site v2", timeout=30)
        # python as PID 1 ignores SIGTERM: copied's restart after its sync takes the grace period
        assert time.monotonic() - edited < 8, "mounted's restart waited for copied's sync"
        synced = run.wait_event(
            after=mark, event="action", service="copied", action="sync", status="succeeded", timeout=60
        )
        assert restarted["at"] < synced["at"]
        stack.wait_for_field("copied", "/", "message", "site v2", timeout=30)
        after = stack.snapshot()
        for service in ("copied", "mounted"):  # same container and image, started again
            assert after[service][:2] == before[service][:2], service
            assert after[service][2] != before[service][2], service
