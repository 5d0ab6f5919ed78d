"""A script that starts its own Flask server with the debug reloader (tests/fixtures/script-server),
on the real engine: an edit of a module it imports is left to Werkzeug (devloop does not touch the
container) and is served."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.stack import DevloopProcess, stack_of, up


def test_an_edit_under_a_debug_server_started_by_its_script_is_left_to_it(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "script-server", ("shop",), runs=devloop_runs) as stack:
        run = up(stack, devloop_runs)
        assert run.matching(event="ready")[0]["strategies"]["shop"] == "reload"
        stack.wait_for_field("shop", "/", "message", "shop v1")
        before = stack.snapshot()

        mark = run.mark()
        stack.edit("shop/pages.py", "shop v1", "shop v2")
        run.wait_event(after=mark, event="action", service="shop", action="reload", status="skipped")
        stack.wait_for_field("shop", "/", "message", "shop v2", timeout=30)
        assert stack.snapshot() == before, "same container, same start: Werkzeug reloaded it"
        assert not run.matching(event="action", service="shop", action="restart")
