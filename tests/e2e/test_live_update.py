"""Live update under `auto` on real containers (tests/fixtures/live-update): a baked edit that a
rebuild would only copy goes into the running container, gunicorn reloads on HUP (same container,
same start, same image until the background refresh, which then holds the edit); a file a later RUN
consumes, and a build stage's output, are rebuilt."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import DevloopProcess, Stack, stack_of, up


@pytest.fixture
def live_stack(tmp_path: Path) -> Iterator[Stack]:
    with stack_of(tmp_path, "live-update", ("web", "pages", "bundle")) as stack:
        yield stack


def image_file(image: str, path: str) -> str:
    argv = ["docker", "run", "--rm", "--entrypoint", "cat", image, path]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_a_safe_baked_edit_is_copied_in_and_gunicorn_reloads_on_hup(
    live_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = live_stack
    run = up(stack, devloop_runs, "web")
    stack.wait_for_field("web", "/", "message", "web v1")
    first = stack.get("web")
    before = stack.snapshot()["web"]
    image_before = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", f"{stack.project}-web"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip

    mark = run.mark()
    stack.edit("web/app.py", "web v1", "web v2")
    done = run.wait_event(after=mark, event="action", service="web", action="sync", status="succeeded")
    assert "sent HUP" in done["detail"]
    stack.wait_for_field("web", "/", "message", "web v2", timeout=30)
    served = stack.get("web")
    assert served["master"] == first["master"] == 1, "gunicorn runs as PID 1 and was not restarted"
    assert served["worker"] != first["worker"], "a new worker loaded the edit"
    after = stack.snapshot()["web"]
    assert after == before, "same container, same image, same StartedAt: no restart, no rebuild"
    assert not run.matching(event="action", service="web", action="rebuild")

    # the image is refreshed in the background and holds the edit; the running container is kept
    run.wait_event(after=mark, event="action", service="web", action="image", status="succeeded", timeout=180)
    assert 'MESSAGE = "web v2"' in image_file(f"{stack.project}-web", "/code/app.py")
    refreshed = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", f"{stack.project}-web"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert refreshed != image_before
    assert stack.snapshot()["web"] == before


@pytest.mark.parametrize(
    ("service", "relative", "reason"),
    [
        (
            "pages",
            "pages/site/page.json",
            "`RUN cp /www/page.json /www/index.html` (Dockerfile:4) runs after",
        ),
        ("bundle", "bundle/src/app.json", "copies it into stage `build`"),
    ],
)
def test_an_unsafe_baked_edit_is_rebuilt_with_the_reason(
    live_stack: Stack, devloop_runs: list[DevloopProcess], service: str, relative: str, reason: str
) -> None:
    stack = live_stack
    run = up(stack, devloop_runs, service)
    stack.wait_for_field(service, "/", "message", f"{service} v1")
    before = stack.snapshot()[service]
    mark = run.mark()
    stack.edit(relative, f"{service} v1", f"{service} v2")
    started = run.wait_event(after=mark, event="action", service=service, action="rebuild", status="started")
    assert reason in started["reason"]
    run.wait_event(
        after=mark, event="action", service=service, action="rebuild", status="succeeded", timeout=180
    )
    stack.wait_for_field(service, "/", "message", f"{service} v2", timeout=30)
    after = stack.snapshot()[service]
    assert after[0] != before[0] and after[1] != before[1], "a new image and a new container"
    assert not run.matching(event="action", service=service, action="sync")
