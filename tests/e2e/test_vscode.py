"""The VS Code task's problem matcher, matched against what `devloop up` really prints."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from tests.e2e.stack import REPO, DevloopProcess, Stack, start_devloop


def tasks(path: Path) -> dict[str, Any]:
    """tasks.json is JSON with // comments."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.strip().startswith("//"))
    return dict(json.loads(text))


def test_the_example_project_carries_the_same_task() -> None:
    assert (REPO / "examples/fastapi-celery/.vscode/tasks.json").read_text() == (
        REPO / "examples/vscode/tasks.json"
    ).read_text()


def test_problem_matcher_follows_real_devloop_output(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    matcher = tasks(REPO / "examples/vscode/tasks.json")["tasks"][0]["problemMatcher"]
    begins = matcher["background"]["beginsPattern"]
    ends = matcher["background"]["endsPattern"]
    problem = matcher["pattern"]
    stack = example_stack
    run = start_devloop(stack, "up", "baked_api", "--debounce-ms", "200")  # plain lines: stdout is a pipe
    devloop_runs.append(run)
    run.wait_line(begins, timeout=60)  # "devloop: starting ..."
    run.wait_line(ends, timeout=240)  # "...; ready": VS Code shows the task as running
    stack.wait_for("baked", "/", {"message": "hello from baked v1"})

    dockerfile = stack.directory / "baked" / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    broken_at = lines.index("COPY . .") + 2
    lines.insert(broken_at - 1, "RUN exit 3")
    dockerfile.write_text("\n".join(lines) + "\n")
    stack.edit("baked/main.py", "hello from baked v1", "hello from baked v2")

    run.wait_line(r"changes: ", timeout=30)
    assert any(re.search(begins, line) for line in run.lines if "changes: " in line)
    found = run.wait_line(problem["regexp"], timeout=180)
    assert Path(found.group(problem["file"])) == dockerfile
    assert int(found.group(problem["line"])) == broken_at
    assert "baked_api: rebuild failed" in found.group(problem["message"])
    # the failed cycle also ends the background activity
    assert any(re.search(ends, line) for line in run.lines if "failed" in line)


def test_a_failed_reload_is_a_problem_at_the_edited_line(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    matcher = tasks(REPO / "examples/vscode/tasks.json")["tasks"][0]["problemMatcher"]
    problem, ends = matcher["pattern"], matcher["background"]["endsPattern"]
    stack = example_stack
    run = start_devloop(stack, "up", "api", "redis", "--debounce-ms", "200")  # plain lines
    devloop_runs.append(run)
    run.wait_line(ends, timeout=240)
    stack.wait_for("api", "/", {"message": "hello from api v1"})
    stack.edit("app/main.py", '"hello from api v1"', '"hello from api v2')

    found = run.wait_line(problem["regexp"], timeout=120)
    assert stack.directory / found.group(problem["file"]) == stack.directory / "app" / "main.py"
    assert int(found.group(problem["line"])) == 5
    assert found.group(problem["message"]).startswith("api: reload failed: SyntaxError")
    assert re.search(ends, found.group(0))  # the failure ends the cycle

    time.sleep(1)  # uvicorn's StatReload takes new file times as its base after a reload: an edit
    # within its next scan (0.25 s) would never be seen, by it or by a person in a hurry
    stack.edit("app/main.py", '"hello from api v2', '"hello from api v2"')
    live = run.wait_line(r"api: live after reload", timeout=120)
    assert re.search(ends, live.string)
    assert any(re.search(r"^\[\d\d:\d\d:\d\d\] api \| ", line) for line in run.lines)  # its output, prefixed
