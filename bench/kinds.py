"""The four kinds of change measured: what file is written, which service must run the new code, and
how a probe on 127.0.0.1 sees that it does. Every write carries a new tag (a per-project nonce and a
counter), so every trial really changes the code and no build is served from an earlier cache."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import Project, parse_docker_time

TASK_TIMEOUT = 25.0  # the api's /task waits up to 20 s for the worker's answer


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    path: str  # the file written, relative to the project
    service: str  # the service that must run the new code (the one the manual methods act on)

    def write(self, project: Project, tag: str) -> None:
        raise NotImplementedError

    def before(self, project: Project) -> Any:
        """What the probe compares against (e.g. the container and image before a rebuild)."""
        return None

    def live(self, project: Project, tag: str, before: Any) -> bool:
        raise NotImplementedError

    def answers(self, project: Project) -> bool:
        """The probe gets an answer at all (the baseline before a trial)."""
        raise NotImplementedError

    def finish(self, before: Any) -> None:
        """The trial is over (stop what `before` started)."""


@dataclass(frozen=True)
class LineKind(Kind):
    """A Python constant rewritten in a source file and read back through an HTTP endpoint."""

    constant: str = ""
    prefix: str = ""  # the constant's value is prefix + tag
    probe_service: str = "api"
    endpoint: str = "/"
    key: str = "message"
    # short, retried: a request made while a recreated container's network comes up waits for a
    # TCP retry (1 s) that a fresh request a moment later does not
    probe_timeout: float = 0.25

    def write(self, project: Project, tag: str) -> None:
        path = project.directory / self.path
        text, count = re.subn(
            rf'^{self.constant} = "[^"]*"$',
            f'{self.constant} = "{self.prefix}{tag}"',
            path.read_text(),
            flags=re.M,
        )
        if count != 1:
            raise RuntimeError(f"{self.constant} not found in {self.path}")
        path.write_text(text)

    def live(self, project: Project, tag: str, before: Any) -> bool:
        answer = project.get(self.probe_service, self.endpoint, timeout=self.probe_timeout)
        return isinstance(answer, dict) and answer.get(self.key) == f"{self.prefix}{tag}"

    def answers(self, project: Project) -> bool:
        return project.get(self.probe_service, self.endpoint, timeout=self.probe_timeout) is not None


class _Prober:
    """Requests to the api's /task, sent every `every` seconds each in its own thread, once the worker
    container has started after the write (a Celery worker only runs new code in a new process).
    Why: a task sent while the old worker shuts down can be lost; its request then waits out the
    api's 20 s timeout, and it also holds up uvicorn's reload (a graceful shutdown waits for open
    requests), so probing earlier would measure that timeout instead of the tool."""

    def __init__(self, project: Project, probe: Callable[[], Any], every: float = 0.2) -> None:
        self.project, self.probe, self.every = project, probe, every
        self.since = time.time()
        self.answers: list[Any] = []
        self.stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> None:
        if self._thread is None and self._worker_restarted():
            self._thread = threading.Thread(target=self._launch, daemon=True)
            self._thread.start()

    def _worker_restarted(self) -> bool:
        for summary in self.project.running("celery_worker"):
            state = self.project.client.api.inspect_container(summary["Id"])["State"]
            if parse_docker_time(state["StartedAt"]) > self.since:
                return True
        return False

    def _launch(self) -> None:
        while not self.stopped.is_set():
            threading.Thread(target=lambda: self.answers.append(self.probe()), daemon=True).start()
            self.stopped.wait(self.every)


@dataclass(frozen=True)
class TaskKind(LineKind):
    """The worker's task code, read back through the api's /task by concurrent requests."""

    def before(self, project: Project) -> _Prober:
        return _Prober(project, lambda: project.get("api", self.endpoint, timeout=self.probe_timeout))

    def live(self, project: Project, tag: str, before: Any) -> bool:
        before.poll()
        expected = f"{self.prefix}{tag}"
        return any(isinstance(a, dict) and a.get(self.key) == expected for a in list(before.answers))

    def finish(self, before: Any) -> None:
        before.stopped.set()


@dataclass(frozen=True)
class DependencyKind(Kind):
    """requirements.txt of the app build: live when the api serves again from a new container of a
    new image."""

    def write(self, project: Project, tag: str) -> None:
        path = project.directory / self.path
        kept = [line for line in path.read_text().splitlines() if not line.startswith("# bench ")]
        path.write_text("\n".join([*kept, f"# bench {tag}"]) + "\n")

    def before(self, project: Project) -> tuple[str, str]:
        found = project.running("api")
        return (str(found[0]["Id"]), str(found[0]["ImageID"])) if found else ("", "")

    def live(self, project: Project, tag: str, before: Any) -> bool:
        found = project.running("api")
        if len(found) != 1 or found[0]["Id"] == before[0] or found[0]["ImageID"] == before[1]:
            return False
        return project.get("api", "/") is not None

    def answers(self, project: Project) -> bool:
        return bool(project.running("api")) and project.get("api", "/") is not None


RELOAD = LineKind(
    "reload",
    "bind mount + reload (api, app/main.py)",
    "app/main.py",
    "api",
    constant="MESSAGE",
    prefix="hello from api ",
)
WORKER = TaskKind(
    "worker",
    "bind mount + worker (celery_worker, app/tasks.py)",
    "app/tasks.py",
    "celery_worker",
    constant="TASK_VERSION",
    prefix="task ",
    endpoint="/task",
    key="result",
    probe_timeout=TASK_TIMEOUT,
)
BAKED = LineKind(
    "baked",
    "baked code (baked_api, baked/main.py)",
    "baked/main.py",
    "baked_api",
    constant="MESSAGE",
    prefix="hello from baked ",
    probe_service="baked_api",
)
DEPENDENCY = DependencyKind(
    "dependency", "dependency file (requirements.txt: api rebuilt)", "requirements.txt", "api"
)
KINDS = {k.name: k for k in (RELOAD, WORKER, BAKED, DEPENDENCY)}
