"""A baked README its process never reads, on real containers (tests/fixtures/baked-unread): under
live update it is copied in and the process keeps running (same start, judged live at once), while
an edit of the code in the same run still restarts it; the service that would be rebuilt is left
alone until its next rebuild, and `devloop plan` says so."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.stack import DevloopProcess, run_devloop, stack_of, up


def test_a_readme_is_copied_in_without_a_restart_and_code_still_restarts(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "baked-unread", ("api",), runs=devloop_runs) as stack:
        run = up(stack, devloop_runs)
        stack.wait_for_field("api", "/", "message", "api v1")
        before = stack.snapshot()

        mark = run.mark()
        stack.edit("api/README.md", "Answers", "Now answers")
        stack.edit("worker/README.md", "Waits", "Still waits")
        done = run.wait_event(after=mark, event="action", service="api", action="sync", status="succeeded")
        assert "not restarted: `python` does not read documentation" in done["detail"], done
        assert "not restarted" in done["reason"]
        outcome = run.wait_event(after=mark, event="outcome", service="api", action="sync")
        assert (outcome["state"], outcome["why"]) == ("live", "copied in; the process was left running")
        assert "Now answers" in stack.exec("api", "cat", "/code/README.md")
        assert stack.snapshot()["api"] == before["api"], "same container, image and StartedAt: no restart"
        assert stack.get("api") == {"message": "api v1"}

        mark = run.mark()
        stack.edit("api/server.py", "api v1", "api v2")
        done = run.wait_event(after=mark, event="action", service="api", action="sync", status="succeeded")
        assert done["detail"].endswith("; restarted"), done
        stack.wait_for_field("api", "/", "message", "api v2", timeout=30)
        after = stack.snapshot()
        assert after["api"][:2] == before["api"][:2] and after["api"][2] != before["api"][2], "restarted"
        run.wait_event(after=mark, event="outcome", service="api", action="sync", state="live")

        # the worker (a RUN after its COPY: rebuilt for code) was not rebuilt for its README
        assert not run.matching(event="action", service="worker")
        assert after["worker"] == before["worker"]
        assert "Waits for jobs" in stack.exec("worker", "cat", "/code/README.md")
        said = " ".join(run_devloop(stack, "plan", "worker/README.md").stdout.split())
        expected = "worker: nothing - README.md: baked into the image by `COPY . .` (Dockerfile:3); `python` "
        assert f"{expected}does not read documentation: the image takes it at its next rebuild" in said, said
