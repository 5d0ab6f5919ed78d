"""A compose project of the tests' own: a copy of an example under tmp, its own project name and
ports on 127.0.0.1, torn down with `down -v` whatever happens."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def engine_problem() -> str | None:
    """Why no real engine + Compose v2 can be used, or None."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (run scripts/testbed up)"
    info = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True
    )
    if info.returncode != 0:
        return f"no Docker Engine answers (run scripts/testbed up): {info.stderr.strip()[:200]}"
    compose = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True)
    if compose.returncode != 0:
        return "Docker Compose v2 is missing (run scripts/testbed up)"
    for image in ("devloop-testbed/python:bookworm", "devloop-testbed/busybox:latest"):
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode != 0:
            return f"the test bed image {image} is missing (run scripts/testbed up)"
    return None


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll until `check()` returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


@dataclass
class Stack:
    directory: Path
    project: str
    ports: dict[str, int]
    env: dict[str, str] = field(default_factory=dict)

    def compose(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["docker", "compose", "-p", self.project, *args],
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.environ(),
        )
        if check and done.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def environ(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def get(self, service: str, path: str = "/", timeout: float = 25) -> Any:
        """The JSON a published service answers, or None when it does not answer."""
        url = f"http://127.0.0.1:{self.ports[service]}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError, OSError):
            return None

    def wait_for(self, service: str, path: str, expected: dict[str, Any], timeout: float = 60) -> None:
        wait_until(
            lambda: self.get(service, path, timeout=5) == expected,
            timeout,
            f"{service}{path} to answer {expected}",
        )

    def wait_for_field(self, service: str, path: str, key: str, value: Any, timeout: float = 60) -> None:
        wait_until(
            lambda: (self.get(service, path, timeout=5) or {}).get(key) == value,
            timeout,
            f"{service}{path} to answer {key}={value!r}",
        )

    def exec(self, service: str, *argv: str) -> str:
        return self.compose("exec", "-T", service, *argv).stdout

    def containers(self, service: str) -> list[dict[str, Any]]:
        ids = self.compose("ps", "-q", service).stdout.split()
        if not ids:
            return []
        out = subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout
        return list(json.loads(out))

    def container(self, service: str) -> dict[str, Any]:
        found = self.containers(service)
        assert len(found) == 1, f"expected one container of {service}, found {len(found)}"
        return found[0]

    def snapshot(self) -> dict[str, tuple[str, str, str]]:
        """Per service: (container id, image id, StartedAt)."""
        out: dict[str, tuple[str, str, str]] = {}
        for service in self.compose("config", "--services").stdout.split():
            for c in self.containers(service):
                out[service] = (c["Id"], c["Image"], c["State"]["StartedAt"])
        return out

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.directory / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))

    def down(self) -> None:
        """`down -v --rmi local`, then the untagged images of this project that rebuilds left."""
        self.compose("down", "-v", "--rmi", "local", "--remove-orphans", "-t", "1", check=False)
        label = f"label=com.docker.compose.project={self.project}"
        listed = subprocess.run(["docker", "images", "-q", "-f", "dangling=true", "-f", label],
                                capture_output=True, text=True)  # fmt: skip
        if listed.stdout.split():
            subprocess.run(["docker", "rmi", *listed.stdout.split()], capture_output=True)


def make_stack(
    tmp_path: Path, example: str, services_with_ports: tuple[str, ...], source: str = "examples"
) -> Stack:
    """A copy of examples/NAME (or tests/fixtures/NAME) under tmp, with its own project name and
    ports: NAME_PORT variables for the services given."""
    directory = tmp_path / example
    origin = EXAMPLES if source == "examples" else REPO / "tests" / "fixtures"
    shutil.copytree(origin / example, directory, ignore=shutil.ignore_patterns("__pycache__"))
    ports = {s: free_port() for s in services_with_ports}
    project = f"dlt-{uuid.uuid4().hex[:10]}"
    env = {f"{s.upper()}_PORT": str(p) for s, p in ports.items()}
    env["COMPOSE_PROJECT_NAME"] = project
    return Stack(directory, project, ports, env)


@contextmanager
def stack_of(
    tmp_path: Path,
    example: str,
    services_with_ports: tuple[str, ...],
    source: str = "fixtures",
    runs: list[DevloopProcess] | None = None,
) -> Iterator[Stack]:
    """make_stack, torn down with `down -v` whatever happens; the devloop `runs` are stopped first."""
    stack = make_stack(tmp_path, example, services_with_ports, source)
    try:
        yield stack
    finally:
        for run in runs or ():
            run.stop()
        stack.down()


class DevloopProcess:
    """A `devloop` child process whose JSON events are collected by a reader thread; it is ended
    by its own PID."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    event = None
                if isinstance(event, dict):
                    self.events.append(event)
                self._changed.notify_all()

    def matching(self, **fields: Any) -> list[dict[str, Any]]:
        with self._changed:
            return [e for e in self.events if all(e.get(k) == v for k, v in fields.items())]

    def wait_event(self, timeout: float = 120, after: int = 0, **fields: Any) -> dict[str, Any]:
        """The first event (from index `after`) whose fields match, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events[after:]:
                    if all(event.get(k) == v for k, v in fields.items()):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no event {fields} within {timeout:.0f} s; output:\n{''.join(self.lines[-60:])}"
                    )
                self._changed.wait(min(remaining, 0.5))

    def wait_line(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        """The first output line matching a regular expression."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    found = compiled.search(line.rstrip("\n"))
                    if found:
                        return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no line matching {pattern!r}; output:\n{''.join(self.lines[-60:])}"
                    )
                self._changed.wait(min(remaining, 0.5))

    def mark(self) -> int:
        with self._changed:
            return len(self.events)

    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return int(self.process.returncode)


def run_devloop(stack: Stack, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m devloop ARGS` in the stack's folder, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "devloop", *args],
        cwd=stack.directory,
        env=stack.environ(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_devloop(stack: Stack, *args: str, prefix: tuple[str, ...] = ()) -> DevloopProcess:
    """`python -m devloop ARGS` in the stack's folder, optionally under a wrapper that execs it."""
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "devloop", *args],
        cwd=stack.directory,
        env=stack.environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        stdin=subprocess.DEVNULL,
    )
    return DevloopProcess(process)


def up(
    stack: Stack,
    runs: list[DevloopProcess],
    *args: str,
    prefix: tuple[str, ...] = (),
    debounce: str | None = "200",
) -> DevloopProcess:
    """`devloop up --json` that is ready (--debounce-ms 200 unless told), optionally under a wrapper
    that execs it (same PID); the devloop_runs fixture ends it by its PID."""
    quiet = ("--debounce-ms", debounce) if debounce else ()
    run = start_devloop(stack, "up", "--json", *quiet, *args, prefix=prefix)
    runs.append(run)
    run.wait_event(event="ready", timeout=300)
    return run
