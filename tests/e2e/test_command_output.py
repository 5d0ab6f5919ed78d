"""A worker whose own command names its log file (`--logfile=logs/celery.log` under the bind-mounted
code folder, not gitignored, no ignore rule) writes it from its first start and all along, and its
beat keeps its schedule file there too: on the real engine devloop up never acts on either, not even
through the sibling that bakes the folder by `COPY . .`, and says once whose command writes them; an
edit of the code still acts on every service it concerns, and a worker that writes its lines only
into its log file is judged on them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up, wait_until

LOG = "app/logs/celery.log"


@pytest.mark.timeout(600)
def test_what_a_workers_command_writes_never_makes_devloop_act(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    with stack_of(tmp_path, "command-output", ("baked",), runs=devloop_runs) as stack:
        logging_worker(stack, devloop_runs)


def started(events: list[dict[str, Any]]) -> Counter[str]:
    """Actions devloop carried out, per service."""
    return Counter(
        e["service"] for e in events if e.get("event") == "action" and e.get("status") == "started"
    )


def tasks_logged(stack: Stack) -> int:
    path = stack.directory / LOG
    return path.read_text(errors="replace").count("succeeded in") if path.is_file() else 0


def logging_worker(stack: Stack, devloop_runs: list[DevloopProcess]) -> None:
    run = up(stack, devloop_runs)
    stack.wait_for_field("baked", "/", "message", "tick v1")
    # the worker logs every task its beat sends (one a second) into the mounted folder
    wait_until(lambda: tasks_logged(stack) >= 5, 120, "five tasks in the worker's log")
    # devloop says so once it has seen the log change: after its quiet time, not with the write
    run.wait_event(event="container_output", path=LOG, timeout=30)
    assert started(run.events) == Counter(), run.output()[-3000:]
    said = run.matching(event="container_output", path=LOG)
    assert len(said) == 1, said
    assert said[0]["services"] == ["worker"]
    assert said[0]["reason"].startswith("written by worker's command (compose.yaml:15 command)")
    assert said[0]["reason"].endswith("--logfile=logs/celery.log")
    assert said[0]["setting"] == ""

    # an edit of the code: the worker restarts, the baked sibling gets it by live update
    mark = run.mark()
    stack.edit("app/jobs.py", "tick v1", "tick v2")
    run.wait_event(after=mark, event="action", service="worker", action="restart", status="succeeded")
    run.wait_event(after=mark, event="action", service="baked", action="sync", status="succeeded")
    # the mailer prints its `ready.` line only into its log file: devloop reads the file, so its
    # outcome comes from that line, not from a quiet spell after its start
    live = run.wait_event(after=mark, event="outcome", service="mailer", action="restart", timeout=60)
    assert (live["state"], live["why"]) == ("live", "celery is ready"), live
    stack.wait_for_field("baked", "/", "message", "tick v2", timeout=60)
    logged = tasks_logged(stack)
    wait_until(lambda: tasks_logged(stack) >= logged + 5, 120, "five more tasks in the worker's log")
    assert started(run.events[mark:]) == Counter({"worker": 1, "mailer": 1, "baked": 1}), run.output()[-3000:]
    acted_on = {p for e in run.events if e.get("event") in ("action", "changes") for p in e.get("paths", [])}
    assert not [p for p in acted_on if "/logs/" in p or "celerybeat-schedule" in p], acted_on
    assert len(run.matching(event="container_output", path=LOG)) == 1
