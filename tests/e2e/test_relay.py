"""The relay on a real engine whose view of the project delivers no file events, as an engine in a
VM does: a second dockerd sees the source folder through a bindfs mirror. `flask --debug run`
(Werkzeug's reloader on watchdog, i.e. inotify) never picks up a host edit there on its own;
under `devloop up` the edit goes live, and devloop's own touch, which comes back to the host as a
change of the file's time, triggers nothing. `devloop doctor` finds the same without an edit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devloop.daemon.relay import WHY
from tests.e2e.second_engine import load_image, need, start_second_engine, stop_second_engine
from tests.e2e.stack import DevloopProcess, Stack, up, wait_until
from tests.e2e.test_doctor import Project

FLASK = os.environ.get("DEVLOOP_FLASK_IMAGE", "devloop-testbed/flask:bookworm")
APP = """from flask import Flask

app = Flask(__name__)
MESSAGE = "v1"


@app.get("/")
def index():
    return MESSAGE
"""
COMPOSE = {
    "services": {
        "web": {
            "image": FLASK,
            "command": ["flask", "--app", "app", "--debug", "run", "--port", "5000"],
            "working_dir": "/src",
            "volumes": ["./src:/src"],
            "network_mode": "none",  # the second engine has no bridge: asked through exec
            "stop_grace_period": "1s",
        }
    }
}
GET = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:5000/').read().decode())"


@pytest.fixture
def mirrored(tmp_path: Path) -> Iterator[Stack]:
    """A flask project whose ./src the second engine sees through bindfs, on that engine."""
    need(all(shutil.which(t) for t in ("dockerd", "unshare", "bindfs")), "dockerd, unshare and bindfs")
    need(os.geteuid() == 0 and Path("/dev/fuse").exists(), "root and /dev/fuse for a bindfs view")
    need(
        subprocess.run(["docker", "image", "inspect", FLASK], capture_output=True).returncode == 0,
        f"the image {FLASK} (scripts/testbed up builds it)",
    )
    directory = tmp_path / "proj"
    (directory / "src").mkdir(parents=True)
    (directory / "compose.yaml").write_text(json.dumps(COMPOSE, indent=2))
    (directory / "src" / "app.py").write_text(APP)
    engine = start_second_engine(directory / "src", mirror=True)
    project = f"dlt-relay-{uuid.uuid4().hex[:8]}"
    stack = Stack(directory, project, {}, {"COMPOSE_PROJECT_NAME": project, "DOCKER_HOST": engine.host})
    try:
        load_image(engine.host, FLASK)
        yield stack
    finally:
        stack.down()
        stop_second_engine(engine)


def served(stack: Stack) -> str | None:
    done = stack.compose("exec", "-T", "web", "python3", "-c", GET, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def said(stack: Stack, text: str) -> int:
    """How often the service printed `text`."""
    return stack.compose("logs", "--no-color", "web").stdout.count(text)


def reloads(stack: Stack) -> int:
    return said(stack, "Detected change in")


def edit(stack: Stack, old: str, new: str) -> None:
    stack.edit("src/app.py", f'MESSAGE = "{old}"', f'MESSAGE = "{new}"')


def test_edits_go_live_through_the_relay_where_no_file_event_arrives(
    mirrored: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = mirrored
    stack.compose("up", "-d")
    wait_until(lambda: served(stack) == "v1", 120, "flask to serve v1")

    # The reloader works on events raised in the container: a touch there reloads it.
    touched = time.monotonic()
    stack.compose("exec", "-T", "web", "touch", "-c", "/src/app.py")
    wait_until(lambda: reloads(stack) == 1, 60, "a touch in the container to reload flask")
    took = time.monotonic() - touched
    # the new process loads the app at its first request (Flask's lazy loading under the reloader)
    wait_until(lambda: said(stack, "Debugger is active!") == 2, 60, "the new flask process")
    wait_until(lambda: served(stack) == "v1", 60, "flask to serve again")

    # A host edit reaches the container's file, and never its reloader.
    edit(stack, "v1", "v2")
    check = "print(open('/src/app.py').read())"
    wait_until(
        lambda: 'MESSAGE = "v2"' in stack.exec("web", "python3", "-c", check), 30, "v2 in the container"
    )
    time.sleep(max(3.0, 10 * took))  # ten times what the reloader took to act on an event
    assert reloads(stack) == 1 and served(stack) == "v1"

    # doctor finds it without an edit.
    _, findings, _ = Project(stack.directory, stack.project, stack.env).doctor()
    events_found = [f for f in findings if f["check"] == "file-events"]
    assert [(f["level"], f["service"]) for f in events_found] == [("warning", "web")], findings
    assert "./src:/src" in events_found[0]["message"] and "no file event" in events_found[0]["message"]
    assert not list((stack.directory / "src").glob(".devloop-probe-*"))

    # Under devloop the next edit goes live: it relays, and says why once.
    run = up(stack, devloop_runs, "--no-start")
    mark = run.mark()
    edit(stack, "v2", "v3")
    first = run.wait_event(event="outcome", service="web", after=mark, timeout=120)
    assert (first["action"], first["state"], first["error"]) == ("reload", "live", None)
    assert first["edit_to_live_s"] > 0
    assert served(stack) == "v3"
    relays = run.matching(event="action", service="web", action="relay")
    assert [(r["status"], r["paths"]) for r in relays] == [
        ("succeeded", [str(stack.directory / "src/app.py")])
    ]
    assert len(run.matching(event="notice", service="web", message=WHY)) == 1

    # From then on it relays at once; the touches that came back to the host triggered nothing.
    mark = run.mark()
    edit(stack, "v3", "v4")
    second = run.wait_event(event="outcome", service="web", after=mark, timeout=120)
    assert (second["action"], second["state"]) == ("reload", "live")
    assert served(stack) == "v4"
    assert len(run.matching(event="action", service="web", action="relay", status="succeeded")) == 2
    assert len(run.matching(event="notice", service="web", message=WHY)) == 1
    changes = run.matching(event="changes")
    assert [c["services"] for c in changes] == [{"web": "reload"}] * 2, changes
    assert not run.matching(event="action", service="web", action="restart")
