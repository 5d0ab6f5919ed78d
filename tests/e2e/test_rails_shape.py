"""A Rails-shaped stack on the real engine (tests/fixtures/rails-shape; the programs are stand-ins
on the image's PATH, see its README): an edit of the app's code is left to the server and to Sidekiq
in development (same containers, same starts) and restarts only the Sidekiq in production, which a
stylesheet edit leaves alone (it reads no front-end asset sources); the CSS watcher's own output
never makes devloop act."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up

RELOADING = ("web", "worker", "css")


def test_rails_in_development_reloads_and_sidekiq_in_production_restarts_for_code_only(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "rails-shape", ("web",), runs=devloop_runs) as stack:
        edits(stack, devloop_runs)


def edits(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    run = up(stack, devloop_runs)
    ready = run.matching(event="ready")[0]
    assert ready["strategies"] == {
        "web": "reload", "worker": "reload", "worker-production": "restart", "css": "reload",
    }  # fmt: skip
    stack.wait_for_field("web", "/", "message", "hello v1")
    built = stack.directory / "app" / "assets" / "builds" / "application.css"
    assert built.is_file()  # the watcher wrote its output at its start
    before = stack.snapshot()

    mark = run.mark()
    stack.edit("app/models/greeting.rb", "hello v1", "hello v2")
    run.wait_event(after=mark, event="action", service="worker-production", action="restart",
                   status="succeeded")  # fmt: skip
    stack.wait_for_field("web", "/", "message", "hello v2", timeout=30)
    after = stack.snapshot()
    for service in RELOADING:  # left to the process: same container, same start
        assert after[service] == before[service], service
    assert after["worker-production"][:2] == before["worker-production"][:2]
    assert after["worker-production"][2] != before["worker-production"][2], "restarted"
    acted = {e["service"] for e in run.events[mark:] if e["event"] == "action" and e["status"] == "started"}
    assert acted == {"worker-production"}

    # a stylesheet edit: the watcher rebuilds its output, which makes devloop act on nothing (the
    # output is the css service's own), and the Sidekiq in production does not read app/assets
    mark = run.mark()
    stack.edit("app/assets/stylesheets/application.css", "black", "navy")
    deadline = time.monotonic() + 30
    while "navy" not in built.read_text():
        assert time.monotonic() < deadline, "the CSS watcher never rebuilt its output"
        time.sleep(0.1)
    time.sleep(2.0)  # ten debounce periods after the output was written
    acted = {(e["service"], e["action"]) for e in run.events[mark:] if e["event"] == "action"}
    assert acted <= {(service, "reload") for service in RELOADING}  # left to them
    assert stack.snapshot() == after  # same containers, same starts: the Sidekiq in production too

    # its code still restarts it, for that edit alone (a late action for the stylesheet would name it)
    stack.edit("app/models/greeting.rb", "hello v2", "hello v3")
    run.wait_event(after=mark, event="action", service="worker-production", action="restart",
                   status="succeeded")  # fmt: skip
    started = [e for e in run.events[mark:] if e["event"] == "action" and e["status"] == "started"]
    model = str(stack.directory / "app" / "models" / "greeting.rb")
    assert [(e["service"], e["paths"]) for e in started] == [("worker-production", [model])]
    now = stack.snapshot()
    assert now["worker-production"][2] != after["worker-production"][2], "restarted"
    assert {s: now[s] for s in RELOADING} == {s: after[s] for s in RELOADING}
