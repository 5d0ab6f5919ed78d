"""SIGINT and SIGTERM while devloop acts: during a restart devloop lets it finish and exits 0; a
second signal while it stops forces the exit with 130 and kills what it runs. Never an orphan."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.faults import COMPOSE, busybox_stack, container, descendants, teardown
from tests.e2e.stack import DevloopProcess, Stack, up, wait_until


def slow_stop(seconds: int) -> str:
    """`mounted` takes `seconds` to stop (its TERM trap sleeps), so a restart lasts that long."""
    trap = f"trap 'sleep {seconds}; exit 0' TERM; while :; do sleep 1; done"
    return COMPOSE.replace(
        '    command: ["sleep", "3600"]\n    init: true\n    network_mode: none\n    volumes:',
        f'    command: ["sh", "-c", "{trap}"]\n    network_mode: none\n    volumes:',
    )


@pytest.fixture
def stack(tmp_path: Path, devloop_runs: list[DevloopProcess]) -> Iterator[Stack]:
    made = busybox_stack(tmp_path, slow_stop(3))
    try:
        yield made
    finally:
        teardown(made, devloop_runs)


def processes_in(directory: Path) -> list[int]:
    """Processes working in a folder (compose children of devloop run there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if os.readlink(entry / "cwd") == str(directory):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if Path(f"/proc/{p}").exists()]


def restart_in_progress(stack: Stack, run: DevloopProcess) -> dict[str, object]:
    before = container(stack, "mounted")
    mark = run.mark()
    (stack.directory / "mounted" / "index.txt").write_text("mounted v2\n")
    run.wait_event(after=mark, event="action", service="mounted", action="restart", status="started")
    time.sleep(1)  # inside the restart, which takes 3 s or more
    return before


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_restart_lets_it_finish_and_exits_0(
    stack: Stack, devloop_runs: list[DevloopProcess], sig: signal.Signals
) -> None:
    run = up(stack, devloop_runs, "mounted")
    before = restart_in_progress(stack, run)
    assert run.stop(sig) == 0
    stopped = run.wait_event(event="stopped", timeout=1)
    assert stopped["exit_code"] == 0
    after = container(stack, "mounted")
    assert after["Id"] == before["Id"]
    assert after["State"]["Running"], "the restart must not be left half done"
    assert after["State"]["StartedAt"] != before["State"]["StartedAt"], "the restart was completed"
    assert not alive(descendants(run.process.pid)) and not processes_in(stack.directory)
    assert "Traceback" not in run.output()


def test_a_second_sigint_while_stopping_from_a_restart_forces_exit_130(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    (stack.directory / "compose.yaml").write_text(slow_stop(8))
    run = up(stack, devloop_runs, "mounted")
    before = restart_in_progress(stack, run)
    run.process.send_signal(signal.SIGINT)
    wait_until(lambda: "stopping" in run.output(), 10, "devloop to start stopping")
    assert run.stop(signal.SIGINT) == 130
    # forced: devloop did not wait for the restart, which goes on for seconds more
    assert container(stack, "mounted")["State"]["StartedAt"] == before["State"]["StartedAt"]
    stopped = run.wait_event(event="stopped", timeout=1)
    assert stopped["exit_code"] == 130
    # the engine finishes the restart on its own: the container is not left stopped
    wait_until(
        lambda: container(stack, "mounted")["State"]["StartedAt"] != before["State"]["StartedAt"],
        60,
        "the engine to finish the restart",
    )
    assert container(stack, "mounted")["State"]["Running"]
    assert not processes_in(stack.directory)


def test_a_second_sigint_while_stopping_from_a_build_kills_compose_and_exits_130(
    stack: Stack, devloop_runs: list[DevloopProcess]
) -> None:
    run = up(stack, devloop_runs, "baked")
    before = container(stack, "baked")
    mark = run.mark()
    dockerfile = stack.directory / "baked" / "Dockerfile"
    # a build that takes long (and is not in the build cache from an earlier run)
    dockerfile.write_text(dockerfile.read_text() + f"RUN echo {uuid.uuid4().hex} && sleep 30\n")
    run.wait_event(after=mark, event="action", service="baked", action="rebuild", status="started")
    children = wait_until(lambda: descendants(run.process.pid), 20, "the compose child")
    time.sleep(1)
    run.process.send_signal(signal.SIGINT)
    wait_until(lambda: "stopping" in run.output(), 10, "devloop to start stopping")
    # compose may end its build at the first SIGINT before the second one arrives: then devloop has
    # stopped cleanly (0); else the second one forces (130). Never killed by the signal itself. The
    # forced path as such: tests/unit/daemon/test_faults_health.py.
    code = run.stop(signal.SIGINT)
    assert code in (0, 130), code
    assert run.wait_event(event="stopped", timeout=1).get("exit_code", 0) == code
    wait_until(lambda: not alive(children) and not processes_in(stack.directory), 15, "compose to be gone")
    after = container(stack, "baked")
    assert after["Id"] == before["Id"] and after["State"]["Running"], "the old container keeps running"
