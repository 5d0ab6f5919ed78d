"""`devloop wait` and `devloop status` against a running `devloop up` on a real engine: wait
returns only once an edit made just before it is served (reload, restart, rebuild) and reports the
services that edit concerns, a broken edit makes it exit 1 at the host file and line, status shows
an action that is still running, nothing runs: exit 3, a second `devloop up` names the first, and
nobody else may connect."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
from pathlib import Path
from typing import Any

from devloop.adapters.runtime import socket_path
from tests.e2e.faults import busybox_stack, teardown
from tests.e2e.stack import DevloopProcess, Stack, up
from tests.e2e.stack import run_devloop as devloop


def answer(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_wait_returns_once_the_edit_is_served_for_a_reload_a_restart_and_a_rebuild(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    # baked_api rebuilt (not updated live); a long quiet time: each `devloop wait` below is asked
    # while its edit is still in it
    (stack.directory / "devloop.toml").write_text('[services.baked_api]\nstrategy = "rebuild"\n')
    up(stack, devloop_runs, "api", "celery_worker", "redis", "baked_api", debounce="1500")
    first = devloop(stack, "wait", "--json")  # the start and its catch-up end first
    assert first.returncode == 0, first.stdout + first.stderr
    assert stack.get("api", "/") == {"message": "hello from api v1"}

    stack.edit("app/main.py", '"hello from api v1"', '"hello from api v2"')  # uvicorn --reload
    done = devloop(stack, "wait", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert stack.get("api", "/", timeout=5) == {"message": "hello from api v2"}
    api = answer(done)["services"]["api"]
    assert (api["state"], api["action"], api["outcome"]) == ("live", "reload", "live")
    assert api["edit_to_live_s"] > 0
    assert set(answer(done)["services"]) == {"api", "celery_worker"}  # the services the edit concerns

    stack.edit("app/tasks.py", '"task v1"', '"task v2"')  # the Celery worker is restarted
    done = devloop(stack, "wait", "celery_worker", "api")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "celery_worker: live after restart" in done.stdout
    assert stack.get("api", "/task", timeout=30) == {"result": "task v2"}

    stack.edit("baked/main.py", '"hello from baked v1"', '"hello from baked v2"')  # COPY: rebuilt
    done = devloop(stack, "wait", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert stack.get("baked", "/", timeout=5) == {"message": "hello from baked v2"}
    baked = answer(done)["services"]  # not the earlier outcomes of the others
    assert list(baked) == ["baked_api"] and baked["baked_api"]["action"] == "rebuild"


def test_a_broken_edit_makes_wait_exit_1_at_its_file_and_line(
    example_stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    stack = example_stack
    up(stack, devloop_runs, "api", "redis", debounce="1500")
    assert devloop(stack, "wait").returncode == 0
    stack.edit("app/main.py", '"hello from api v1"', '"hello from api v2')  # an unterminated string
    done = devloop(stack, "wait")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("error: app/main.py:5: api: reload failed: SyntaxError"), done.stdout
    status = devloop(stack, "status", "--json", "api")
    assert status.returncode == 1
    api = answer(status)["services"]["api"]
    assert (api["state"], api["location"], api["strategy"]) == ("failed", "app/main.py:5", "reload")
    assert api["error"].startswith("SyntaxError")


# `slow` is live only once its healthcheck passes, which it does once /www/healthy exists: its
# restart stays "acting" for as long as the test wants.
SLOW = """\
services:
  slow:
    image: devloop-testbed/busybox:latest
    init: true
    network_mode: none
    command: ["sleep", "3600"]
    volumes: [./mounted:/www]
    healthcheck:
      test: ["CMD", "test", "-f", "/www/healthy"]
      interval: 1s
      retries: 100000
"""


def test_status_shows_a_running_action_and_wait_times_out_on_it(
    tmp_path: Path, devloop_runs: list[DevloopProcess]
) -> None:
    stack = busybox_stack(tmp_path, SLOW)
    (stack.directory / "mounted" / "healthy").write_text("")
    try:
        run = up(stack, devloop_runs)
        assert devloop(stack, "wait").returncode == 0
        (stack.directory / "mounted" / "healthy").unlink()
        mark = run.mark()
        (stack.directory / "mounted" / "index.txt").write_text("v2\n")
        run.wait_event(event="action", service="slow", action="restart", status="succeeded", after=mark)

        status = devloop(stack, "status", "--json")
        assert status.returncode == 2, status.stdout + status.stderr
        slow = answer(status)["services"]["slow"]
        assert (slow["state"], slow["action"], slow["outcome"]) == ("acting", "restart", None)
        timed_out = devloop(stack, "wait", "--timeout", "1.5", "--json")
        assert timed_out.returncode == 2
        assert answer(timed_out)["timed_out"] is True

        (stack.directory / "mounted" / "healthy").write_text("")
        done = devloop(stack, "wait")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("slow: live after restart"), done.stdout
        health = json.loads(
            subprocess.run(
                ["docker", "inspect", "--format", "{{json .State.Health.Status}}",
                 stack.compose("ps", "-q", "slow").stdout.strip()],
                capture_output=True, text=True, check=True,
            ).stdout
        )  # fmt: skip
        assert health == "healthy"
    finally:
        teardown(stack, devloop_runs)


def test_without_devloop_up_status_and_wait_exit_3(tmp_path: Path) -> None:
    stack = busybox_stack(tmp_path)  # nothing is started: only `docker compose config` runs
    for command in (("status",), ("wait",), ("status", "--json")):
        done = devloop(stack, *command, timeout=60)
        assert done.returncode == 3, done.stdout + done.stderr
        assert f"no devloop up runs for project {stack.project}" in done.stderr
        assert "start it with `devloop up`" in done.stderr
        assert done.stdout == ""


def test_one_devloop_up_per_project_owner_only_and_a_stale_socket_is_replaced(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    first = up(stack, devloop_runs, "mounted")
    pid = first.process.pid
    second = devloop(stack, "up", "--no-start", timeout=120)
    assert second.returncode == 1
    assert f"devloop up already runs for project {stack.project} (PID {pid})" in second.stderr

    path = socket_path(stack.project, stack.directory)
    info, folder = os.lstat(path), os.lstat(path.parent)
    assert stat.S_ISSOCK(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_ISDIR(folder.st_mode) and stat.S_IMODE(folder.st_mode) == 0o700
    assert info.st_uid == folder.st_uid == os.getuid()
    if os.getuid() == 0 and os.access("/usr/bin/python3", os.X_OK):  # root passes modes; nobody does not
        other = subprocess.run(
            ["/usr/bin/python3", "-c", CONNECT, str(path)],
            capture_output=True, text=True, user=65534, group=65534, cwd="/", timeout=30,
        )  # fmt: skip
        assert other.stdout.strip() == "PermissionError", other.stdout + other.stderr

    first.process.send_signal(signal.SIGKILL)  # leaves its socket behind
    first.process.wait(timeout=30)
    assert path.exists()
    gone = devloop(stack, "status", timeout=60)
    assert gone.returncode == 3, gone.stdout + gone.stderr
    again = up(stack, devloop_runs, "mounted", "--no-start")
    status = devloop(stack, "status", "--json", timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert answer(status)["pid"] == again.process.pid
    assert answer(status)["services"]["mounted"]["state"] == "live"


CONNECT = """\
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    print("connected")
except OSError as exc:
    print(type(exc).__name__)
"""


def test_a_bad_request_is_answered_with_what_is_wrong(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    up(stack, devloop_runs, "mounted")
    for request in (
        b"not json\n",
        b'{"ask": "restart"}\n',
        b'{"ask": "wait"}\n',
        b'{"ask": "status", "services": ["nope"]}\n',
    ):
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(30)
        sock.connect(str(socket_path(stack.project, stack.directory)))
        sock.sendall(request)
        reply = json.loads(sock.makefile().readline())
        sock.close()
        assert set(reply) <= {"error", "hint"} and reply["error"], reply
    unknown = devloop(stack, "status", "nope", timeout=60)
    assert unknown.returncode == 1
    assert "no such service: nope" in unknown.stderr and "it watches: mounted" in unknown.stderr
    assert devloop(stack, "wait", timeout=60).returncode == 0  # the daemon goes on answering
