"""Change-to-live latency: from the write of a file to the moment the service observably runs the new
code, per kind of change and per method, each method on its own fresh project."""

from __future__ import annotations

import subprocess
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from bench.common import Project, project_up, say, wait_until
from bench.kinds import KINDS, Kind
from bench.methods import METHODS, Method
from bench.tools import DevloopWatcher, Watcher, start_watcher

QUIET = {"devloop": 2.0, "compose-watch": 3.0}  # no output this long (and nothing running): settled
# Every container of the project has run this long before a trial: a Celery process sent SIGTERM
# while it still starts up (as PID 1, before its handlers exist) ignores it and is killed after
# docker's 10 s, which would measure the previous trial's restart instead of this one.
STEADY_S = 5.0


@dataclass(frozen=True)
class Limits:
    timeout: float = 180.0  # a trial that is not live by then is "never"
    never_after: float = 15.0  # a manual command done this long without the new code: "never"
    poll: float = 0.05
    # At least this long between the new code going live and the next write: uvicorn's StatReload
    # forgets the files' times when it restarts, so an edit made during its restart is never seen.
    gap: float = 2.0


class Command:
    """A manual or bare command started right after the write; its exit time taken by a thread."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.started = time.perf_counter()
        self.ended: float | None = None
        threading.Thread(target=self._wait, daemon=True).start()

    def _wait(self) -> None:
        self.process.wait()
        self.ended = time.perf_counter()

    def finish(self, timeout: float = 600) -> float:
        """Wait for the exit; its duration in seconds."""
        self.process.wait(timeout=timeout)
        while self.ended is None:
            time.sleep(0.01)
        if self.process.returncode != 0:
            say(f"  the command exited {self.process.returncode}: {self.process.args!r}")
        return self.ended - self.started


def steady(project: Project, timeout: float) -> None:
    wait_until(lambda: time.time() - project.last_start() >= STEADY_S, timeout, "the stack to be steady", 0.2)


def trial(
    project: Project, method: Method, watcher: Watcher | None, kind: Kind, tag: str, limits: Limits
) -> tuple[float | None, float | None]:
    """One write and the wait for the new code: (latency or None for never, the command's or
    devloop's own action duration)."""
    steady(project, limits.timeout)
    wait_until(lambda: kind.answers(project), limits.timeout, f"{kind.service} to answer", interval=0.2)
    before = kind.before(project)
    argv = method.argv(project, kind)
    mark = watcher.child.mark() if watcher else 0
    wrote_at = time.time()
    start = time.perf_counter()
    kind.write(project, tag)
    command = Command(method.launch(project, argv)) if argv is not None else None
    latency = None
    while True:
        if kind.live(project, tag, before):
            latency = time.perf_counter() - start
            break
        now = time.perf_counter()
        if now - start > limits.timeout:
            break
        if command is not None and command.ended is not None and now - command.ended > limits.never_after:
            break
        time.sleep(limits.poll)
    ended = time.perf_counter()
    kind.finish(before)
    duration = None
    if command is not None:
        duration = command.finish()
    if watcher is not None:
        watcher.settle(QUIET[method.watcher or ""], since=wrote_at)
        if isinstance(watcher, DevloopWatcher):
            duration = watcher.action_duration(mark, kind.service)
    time.sleep(max(0.0, limits.gap - (time.perf_counter() - ended)))
    return latency, duration


def run_method(method: Method, kinds: list[str], trials: int, warmup: int, limits: Limits) -> dict[str, Any]:
    """Every kind of change `trials` times (after `warmup` uncounted ones) on a fresh project."""
    result: dict[str, Any] = {"label": method.label, "kinds": {}, "error": None}
    say(f"latency: {method.label} ({method.name})")
    try:
        with project_up(method.name, method.prepare) as project:
            watcher = None
            try:
                if method.watcher is not None:
                    launched = time.time()
                    watcher = start_watcher(method.watcher, project)
                    result["ready_s"] = round(watcher.ready(timeout=240) - launched, 3)
                    watcher.settle(QUIET[method.watcher], since=launched)
                nonce = uuid.uuid4().hex[:4]
                for name in kinds:
                    kind, samples, durations = KINDS[name], [], []
                    for i in range(warmup + trials):
                        latency, duration = trial(project, method, watcher, kind, f"{nonce}-{i + 2}", limits)
                        shown = "never" if latency is None else f"{latency:.2f} s"
                        say(f"  {name} {'warm-up' if i < warmup else f'#{i - warmup + 1}'}: {shown}")
                        if i >= warmup:
                            samples.append(latency)
                            durations.append(duration)
                    result["kinds"][name] = {"samples": samples, "durations": durations}
            finally:
                if watcher is not None:
                    watcher.stop()
    except Exception as exc:  # noqa: BLE001 - one method failing must not lose the others
        traceback.print_exc()
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
    return result


def run_latency(
    methods: list[str], kinds: list[str], trials: int, warmup: int, limits: Limits
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in methods:
        method = METHODS[name]
        selected = [k for k in kinds if k in method.kinds]
        if selected:
            out[name] = run_method(method, selected, trials, warmup, limits)
    return out
