"""What every benchmark section shares: a fresh copy of the example stack with its own compose project
name and ports on 127.0.0.1 (torn down with `down -v --rmi local` whatever happens), child processes
in their own process group that are ended by their PID, HTTP probes, and summaries of samples."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devloop.adapters.endpoint import choose_endpoint

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "fastapi-celery"
PUBLISHED = {"api": "API_PORT", "baked_api": "BAKED_PORT"}
# No proxy, whatever the environment says: every request goes to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Where each watcher's whole output is kept when it stops (for a look at what it did).
LOG_DIR = REPO / "bench" / "results" / "logs"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll until `check()` is truthy; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Project:
    """One copy of the example under a temporary folder, with its own project name and ports."""

    directory: Path
    name: str
    ports: dict[str, int]
    _client: Any = field(default=None, repr=False)

    def environ(self) -> dict[str, str]:
        env = {**os.environ, "COMPOSE_PROJECT_NAME": self.name}
        env.update({PUBLISHED[s]: str(p) for s, p in self.ports.items()})
        return env

    def compose_argv(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.name, *args]

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> str:
        done = subprocess.run(
            self.compose_argv(*args),
            cwd=self.directory,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"docker compose {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def get(self, service: str, path: str = "/", timeout: float = 2.0) -> Any:
        """The JSON a published service answers, or None."""
        url = f"http://127.0.0.1:{self.ports[service]}{path}"
        try:
            with _OPENER.open(url, timeout=timeout) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = choose_endpoint().client()  # the engine devloop and compose use
        return self._client

    def running(self, service: str) -> list[dict[str, Any]]:
        """The running containers of a service (Docker API summaries: Id, ImageID, ...)."""
        labels = [f"com.docker.compose.project={self.name}", f"com.docker.compose.service={service}"]
        return list(self.client.api.containers(filters={"label": labels}))

    def container_id(self, service: str) -> str:
        found = self.running(service)
        if not found:
            raise RuntimeError(f"no running container of {service}")
        return str(found[0]["Id"])

    def last_start(self) -> float:
        """The latest StartedAt (epoch seconds) among the project's running containers."""
        labels = [f"com.docker.compose.project={self.name}"]
        latest = 0.0
        for summary in self.client.api.containers(filters={"label": labels}):
            started = self.client.api.inspect_container(summary["Id"])["State"]["StartedAt"]
            latest = max(latest, parse_docker_time(started))
        return latest

    def dangling_images(self) -> list[str]:
        filters = {"dangling": True, "label": f"com.docker.compose.project={self.name}"}
        return [str(i["Id"]) for i in self.client.api.images(filters=filters)]

    def down(self) -> int:
        """`down -v --rmi local`, then remove the dangling images this project's rebuilds left
        behind (only images labelled with this project). Returns how many of those there were."""
        self.compose("down", "-v", "--rmi", "local", "--remove-orphans", "-t", "2", check=False)
        dangling = self.dangling_images()
        for image in dangling:
            subprocess.run(["docker", "rmi", image], capture_output=True)
        return len(dangling)


def parse_docker_time(text: str) -> float:
    """Epoch seconds of an RFC 3339 time with nanoseconds, as the engine writes StartedAt."""
    from datetime import datetime

    if not text or text.startswith("0001-"):
        return 0.0
    head, _, frac = text.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(head + "+00:00").timestamp()
    return stamp + (float("0." + frac) if frac else 0.0)


@contextmanager
def project_up(
    label: str, prepare: Callable[[Path], None] | None = None, start: bool = True
) -> Iterator[Project]:
    """A fresh copy of the example (prepared by `prepare`, e.g. an override file), brought up with
    `up -d --build`; always torn down and deleted afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=f"devloop-bench-{label}-"))
    directory = tmp / "fastapi-celery"
    shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    project = Project(
        directory, f"dlbench-{label}-{uuid.uuid4().hex[:6]}", {s: free_port() for s in PUBLISHED}
    )
    try:
        if prepare is not None:
            prepare(directory)
        if start:
            for attempt in range(3):
                try:
                    project.compose("up", "-d", "--build")
                    break
                except RuntimeError as exc:  # a port taken between choosing it and binding it
                    if "port is already allocated" not in str(exc) or attempt == 2:
                        raise
                    say(f"{project.name}: a published port was taken meanwhile; trying other ports")
                    project.ports = {s: free_port() for s in PUBLISHED}
            wait_until(lambda: project.get("api") and project.get("baked_api"), 120, "the stack to answer")
        yield project
    finally:
        left = project.down()
        if left:
            say(f"{project.name}: removed {left} dangling image(s) its rebuilds left behind")
        shutil.rmtree(tmp, ignore_errors=True)


class Child:
    """A child process in its own process group, its output (stdout and stderr) collected with
    wall-clock times by a reader thread; ended by its PID."""

    def __init__(self, argv: Sequence[str], cwd: Path, env: dict[str, str], log_name: str = "") -> None:
        self.argv = list(argv)
        self.log_name = log_name
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Condition()
        self.process = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append((time.time(), line.rstrip("\n")))
                self._lock.notify_all()

    def snapshot(self, start: int = 0) -> list[tuple[float, str]]:
        with self._lock:
            return self.lines[start:]

    def mark(self) -> int:
        with self._lock:
            return len(self.lines)

    def last_output_at(self) -> float:
        with self._lock:
            return self.lines[-1][0] if self.lines else 0.0

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, count: int = 30) -> str:
        return "\n".join(line for _, line in self.snapshot()[-count:])

    def stop(self, timeout: float = 30) -> int | None:
        """SIGINT to the PID (as Ctrl-C would), then SIGKILL to its own process group."""
        if self.process.poll() is None:
            try:
                os.kill(self.pid, signal.SIGINT)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                say(f"{self.argv[:4]} (pid {self.pid}) ignored SIGINT for {timeout:.0f} s; killing it")
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self._reader.join(timeout=5)
        self.save_log()
        return self.process.returncode

    def save_log(self) -> None:
        if self.log_name:
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%H%M%S", time.localtime(self.lines[0][0])) if self.lines else "empty"
            body = "".join(f"{at:.3f} {line}\n" for at, line in self.snapshot())
            (LOG_DIR / f"{self.log_name}-{stamp}.log").write_text(body)


@dataclass
class Summary:
    """Median, min and max of the samples that finished; `never` counts the ones that did not."""

    samples: list[float]
    never: int = 0

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Summary:
        done = [v for v in values if v is not None]
        return cls(done, len(values) - len(done))

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    def text(self, unit: str = "s", digits: int = 2) -> str:
        if not self.samples:
            return "never" if self.never else "-"
        low, high = min(self.samples), max(self.samples)
        suffix = f" {unit}" if unit else ""
        cell = f"{self.median:.{digits}f}{suffix} ({low:.{digits}f}-{high:.{digits}f})"
        return cell + (f", {self.never} never" if self.never else "")
