"""Helpers of the fault suite: a tiny busybox project, a dedicated dockerd that a test may stop and
start again, a teardown that works when the compose file is broken, and process inspection."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.second_engine import load_image
from tests.e2e.stack import DevloopProcess, Stack, wait_until

BUSYBOX = "devloop-testbed/busybox:latest"

# `baked` has its files copied in by COPY (rebuild); `mounted` sees them through a bind mount and
# runs a process that does not reload (restart). `init: true` makes both stop at once.
COMPOSE = """\
services:
  baked:
    build: ./baked
    command: ["sleep", "3600"]
    init: true
    network_mode: none
  mounted:
    image: devloop-testbed/busybox:latest
    command: ["sleep", "3600"]
    init: true
    network_mode: none
    volumes:
      - ./mounted:/www
"""
DOCKERFILE = f"FROM {BUSYBOX}\nCOPY . /www\n"


def busybox_stack(tmp_path: Path, compose: str = COMPOSE, env: dict[str, str] | None = None) -> Stack:
    """A project of its own under tmp: baked/ (Dockerfile, index.txt) and mounted/index.txt."""
    directory = tmp_path / "proj"
    (directory / "baked").mkdir(parents=True)
    (directory / "mounted").mkdir()
    (directory / "compose.yaml").write_text(compose)
    (directory / "baked" / "Dockerfile").write_text(DOCKERFILE)
    (directory / "baked" / "index.txt").write_text("baked v1\n")
    (directory / "mounted" / "index.txt").write_text("mounted v1\n")
    project = f"dlt-{uuid.uuid4().hex[:10]}"
    return Stack(directory, project, {}, {"COMPOSE_PROJECT_NAME": project, **(env or {})})


def docker(stack: Stack, *args: str, check: bool = True, timeout: float = 120) -> str:
    """`docker ARGS` against the stack's engine (its DOCKER_HOST, if it has one)."""
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, env=stack.environ(), timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def container(stack: Stack, service: str) -> dict[str, Any]:
    """`docker inspect` of the one container of a service, on the stack's engine."""
    ids = docker(
        stack,
        "ps",
        "-aq",
        "--filter",
        f"label=com.docker.compose.project={stack.project}",
        "--filter",
        f"label=com.docker.compose.service={service}",
    ).split()
    assert len(ids) == 1, f"expected one container of {service}, found {len(ids)}"
    found: list[dict[str, Any]] = json.loads(docker(stack, "inspect", ids[0]))
    return found[0]


def read_in(stack: Stack, service: str, path: str = "/www/index.txt") -> str | None:
    """What a file holds inside the running container of a service (None when it cannot be read,
    or while compose replaces the container and there are two)."""
    try:
        found = container(stack, service)
    except AssertionError:
        return None
    done = subprocess.run(
        ["docker", "exec", found["Id"], "cat", path],
        capture_output=True,
        text=True,
        env=stack.environ(),
        timeout=60,
    )
    return done.stdout if done.returncode == 0 else None


def wait_content(
    stack: Stack, service: str, expected: str, timeout: float = 120, path: str = "/www/index.txt"
) -> None:
    wait_until(
        lambda: read_in(stack, service, path) == expected, timeout, f"{service}:{path} == {expected!r}"
    )


def teardown(stack: Stack, runs: list[DevloopProcess] | None = None) -> None:
    """Stop the devloop runs given (they could still create containers), then `down -v`, then
    whatever is left by label (a compose file left broken, a service removed)."""
    for run in runs or []:
        run.stop()
    stack.down()
    label = f"label=com.docker.compose.project={stack.project}"
    ids = docker(stack, "ps", "-aq", "--filter", label, check=False).split()
    if ids:
        docker(stack, "rm", "-f", "-v", *ids, check=False)
    images = docker(stack, "images", "-q", "--filter", f"reference={stack.project}-*", check=False).split()
    if images:
        docker(stack, "rmi", "-f", *sorted(set(images)), check=False)
    for kind in ("network", "volume"):
        names = docker(stack, kind, "ls", "-q", "--filter", label, check=False).split()
        if names:
            docker(stack, kind, "rm", *names, check=False)


def started(run: DevloopProcess, after: int, service: str, action: str | None = None) -> list[dict[str, Any]]:
    """The actions started for a service after event index `after`."""
    fields: dict[str, Any] = {"event": "action", "service": service, "status": "started"}
    if action is not None:
        fields["action"] = action
    return [e for e in run.events[after:] if all(e.get(k) == v for k, v in fields.items())]


def wait_notice(
    run: DevloopProcess, after: int, contains: str, level: str | None = None, timeout: float = 60
) -> dict[str, Any]:
    """The first notice (from index `after`) whose message contains `contains`."""

    def found() -> dict[str, Any] | None:
        for event in run.events[after:]:
            if event.get("event") == "notice" and contains in event.get("message", ""):
                if level is None or event.get("level") == level:
                    return event
        return None

    event: dict[str, Any] = wait_until(found, timeout, f"a notice with {contains!r}")
    return event


def wait_seen(run: DevloopProcess, after: int, service: str, timeout: float = 30) -> None:
    """Until a `changes` event (from index `after`) concerns the service."""
    wait_until(
        lambda: any(e.get("event") == "changes" and service in e["services"] for e in run.events[after:]),
        timeout,
        f"a change for {service}",
    )


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = (int(x) for x in line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for {pid}")


@dataclass
class Engine:
    """A dockerd of the test's own (own data-root, mount and network namespaces, no bridge), that
    a test may stop and start again on the same data; ended by the PID in its pidfile."""

    base: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.base / "d.sock"

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.base / "d.pid").read_text().strip())
        return None

    def log(self) -> str:
        return (self.base / "log").read_text(errors="replace")[-3000:]

    def answers(self) -> bool:
        done = subprocess.run(["docker", "-H", self.host, "version"], capture_output=True, timeout=30)
        return done.returncode == 0

    def start(self) -> None:
        script = (
            f"exec dockerd --data-root {self.base}/root --exec-root {self.base}/exec -H {self.host} "
            f"--pidfile {self.base}/d.pid --bridge=none --iptables=false --ip-masq=false"
        )
        with open(self.base / "log", "ab") as log:
            # its own network namespace: a dockerd with --bridge=none deletes the host's docker0
            self.process = subprocess.Popen(
                ["unshare", "-m", "-n", "--propagation", "private", "sh", "-c", script],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = self.process
        wait_until(
            lambda: self.answers() or process.poll() is not None, 60, "the test's dockerd to answer", 0.3
        )
        if not self.answers():
            raise AssertionError(f"the test's dockerd exited ({process.returncode}):\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM by the PID in its pidfile, and wait until that process is gone."""
        pid = self.pid or (self.process.pid if self.process else None)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def load(self, image: str) -> None:
        load_image(self.host, image)


def new_engine() -> Engine:
    """Short paths under /tmp because of the unix socket length limit."""
    engine = Engine(Path(tempfile.mkdtemp(prefix="dlf-", dir="/tmp")))
    engine.start()
    engine.load(BUSYBOX)
    return engine


def remove_engine(engine: Engine) -> None:
    engine.stop()
    shutil.rmtree(engine.base, ignore_errors=True)
