"""Follow the output and state of every container of a compose project, across restarts and
recreations, as `docker compose up` does: the engine's event stream says when a container of the
project starts (a new one, or the same one again), and a worker thread per container and stream
follows its log from there. The engine's timestamps make the hand-over exact: each follower keeps
the time of its last line and resumes after it, so no line is lost or repeated. What the threads
read waits in a `LogWindow` (adapters/log_window.py) until the daemon takes it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import docker.errors
import requests.exceptions

from devloop.adapters.engine import PROJECT_LABEL, SERVICE_LABEL
from devloop.adapters.log_lines import MAX_LINE, ContainerChange, LogLine, engine_time, split_stamp
from devloop.adapters.log_window import LogWindow

STREAMS = ("stdout", "stderr")
_STATES = {"start": "running", "die": "exited", "destroy": "removed"}
_GONE = (docker.errors.APIError, requests.exceptions.RequestException, OSError, ValueError)


class _Follower:
    """One stream (stdout or stderr) of one container, followed until the container stops; a
    start meanwhile (`again`) makes it follow on from its last line."""

    def __init__(self, logs: LogFollower, container_id: str, name: str, service: str, stream: str) -> None:
        self.logs, self.id, self.name, self.service, self.stream = logs, container_id, name, service, stream
        self.again = False
        self.response: Any = None
        self.thread = threading.Thread(target=self.run, name=f"logs {name} {stream}", daemon=True)

    def run(self) -> None:
        while not self.logs.closed:
            with contextlib.suppress(*_GONE):
                self.follow()
            with self.logs.lock:
                if not self.again or self.logs.closed:
                    self.logs.followers.pop((self.id, self.stream), None)
                    return
                self.again = False

    def follow(self) -> None:
        key = (self.id, self.stream)
        last = self.logs.last.get(key, self.logs.since_ns)
        self.logs.window.connecting(self.name, self.stream, True)
        try:
            self.response = self.logs.client.api.logs(
                self.id,
                stdout=self.stream == "stdout",
                stderr=self.stream == "stderr",
                stream=True,
                follow=True,
                timestamps=True,
                since=max(
                    1, last // 1_000_000_000
                ),  # whole seconds: what came before `last` is dropped below
            )
        finally:
            self.logs.window.connecting(self.name, self.stream, False)
        if self.logs.closed:
            self.response.close()
            return
        buffer = b""
        for chunk in self.response:
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            buffer = buffer[-MAX_LINE:]
            for raw in complete:
                parsed = split_stamp(raw)
                if parsed is None or parsed[0] <= last:
                    continue
                last = parsed[0]
                self.logs.last[key] = last
                self.logs.window.put(LogLine(self.service, self.name, self.stream, parsed[1], last / 1e9))

    def close(self) -> None:
        if self.response is not None:
            with contextlib.suppress(Exception):
                self.response.close()


class LogFollower:
    """The output and state changes of every container of `project` from `since` (seconds) on,
    gathered in `window`. Blocking threads underneath."""

    def __init__(self, client: Any, project: str, since: float) -> None:
        self.client = client
        self.project = project
        self.since_ns = int(since * 1e9)
        self.window = LogWindow()
        self.lock = threading.Lock()
        self.followers: dict[tuple[str, str], _Follower] = {}
        self.last: dict[tuple[str, str], int] = {}  # (container id, stream) -> ns of its last line
        self.closed = False
        self.on_events_end: Callable[[], None] | None = None  # the engine's event stream ended
        self._events: Any = None
        self._watcher = threading.Thread(target=self._watch_events, name="logs: engine events", daemon=True)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Listen to the engine's events first, then follow what already runs: a container that
        starts in between is seen twice, and followed once."""
        labels = {"label": [f"{PROJECT_LABEL}={self.project}"]}
        self._events = self.client.api.events(decode=True, filters={"type": "container", **labels})
        self._watcher.start()
        for found in self.client.api.containers(filters=labels):
            service = found.get("Labels", {}).get(SERVICE_LABEL, "")
            name = (found.get("Names") or ["/?"])[0].lstrip("/")
            self._follow(found["Id"], name, service)
            state = self.inspect(found["Id"], name, service)
            if state is not None:
                self.window.put_change(state)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            followers = list(self.followers.values())
        self.window.close()
        if self._events is not None:
            with contextlib.suppress(Exception):
                self._events.close()
        for follower in followers:
            follower.close()

    def events_alive(self) -> bool:
        """Whether the engine's event stream is open: it ends when the engine goes away."""
        return self._watcher.is_alive() and not self.closed

    # -- engine events --------------------------------------------------------------------
    def _watch_events(self) -> None:
        try:
            with contextlib.suppress(*_GONE):
                for event in self._events:
                    self._on_event(event)
        finally:
            if not self.closed and self.on_events_end is not None:
                with contextlib.suppress(Exception):
                    self.on_events_end()

    def _on_event(self, event: dict[str, Any]) -> None:
        action = str(event.get("Action") or event.get("status") or "")
        actor = event.get("Actor") or {}
        attributes = actor.get("Attributes") or {}
        container_id = str(actor.get("ID") or event.get("id") or "")
        name, service = str(attributes.get("name", "")), str(attributes.get(SERVICE_LABEL, ""))
        at = int(event.get("timeNano") or 0) / 1e9 or float(event.get("time") or 0)
        if action == "start":
            self._follow(container_id, name, service)
            started = self.inspect(container_id, name, service)  # with its health, if it has a check
            if started is not None:
                self.window.put_change(started)
        elif action.startswith("health_status"):
            health = action.partition(":")[2].strip()
            self.window.put_change(ContainerChange(service, name, container_id, "running", at, health=health))
        elif action in _STATES:
            code = str(attributes.get("exitCode") or "")
            exit_code = int(code) if action == "die" and code.isdigit() else None
            self.window.put_change(
                ContainerChange(service, name, container_id, _STATES[action], at, exit_code)
            )

    def _follow(self, container_id: str, name: str, service: str) -> None:
        with self.lock:
            if self.closed:
                return
            for stream in STREAMS:
                follower = self.followers.get((container_id, stream))
                if follower is not None:
                    follower.again = True  # its stream may end before it reads the new start
                    continue
                follower = _Follower(self, container_id, name, service, stream)
                self.followers[(container_id, stream)] = follower
                follower.thread.start()

    def inspect(self, container_id: str, name: str, service: str) -> ContainerChange | None:
        """A container's state now; None when it is gone."""
        try:
            state = self.client.api.inspect_container(container_id).get("State") or {}
        except _GONE:
            return None
        status = str(state.get("Status") or "")
        stamp = state.get("StartedAt") if status in ("running", "restarting") else state.get("FinishedAt")
        at = engine_time(stamp) / 1e9 if stamp and not stamp.startswith("0001") else 0.0
        health = (state.get("Health") or {}).get("Status")
        code = state.get("ExitCode") if status in ("exited", "dead") else None
        return ContainerChange(service, name, container_id, status, at, code, health)

    def states(self, service: str) -> list[ContainerChange]:
        """The containers of a service now (stopped ones too)."""
        labels = [f"{PROJECT_LABEL}={self.project}", f"{SERVICE_LABEL}={service}"]
        try:
            found = self.client.api.containers(all=True, filters={"label": labels})
        except _GONE:
            return []
        names = {c["Id"]: (c.get("Names") or ["/?"])[0].lstrip("/") for c in found}
        states = (self.inspect(container_id, name, service) for container_id, name in names.items())
        return [s for s in states if s is not None]


def last_lines(container: Any, count: int = 200) -> list[str]:
    """The last lines a container printed on both streams (an SDK container, running or not), for
    telling why it exited; none when the engine cannot give them."""
    try:
        raw = container.logs(tail=count, stdout=True, stderr=True)
    except _GONE:
        return []
    return bytes(raw).decode(errors="replace").splitlines()
