"""Answers `devloop status` and `devloop wait` from the same user on the same machine: a Unix socket
in the project's owner-only runtime folder, itself owner-only, one JSON line in and one out. It only
reads the daemon's state; nothing it is asked changes anything, and nothing listens on a network.

`wait` notes when it was asked (T), gives the notifier time to report writes made up to T, waits
until the watcher has handed out and the runner has routed every change received by then, takes a
ticket per service (the demands made so far) and returns once each is answered by an outcome, or
the service no longer acts (it was removed, or its outcome was given up on). Unless services are
named, it reports those the demands concern (Pending.concerned), not the others' earlier outcomes."""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import SocketAttribute, SocketStream, TaskStatus
from anyio.streams.buffered import BufferedByteReceiveStream

from devloop import events
from devloop.adapters.watcher import WatchProgress, reported_within_s
from devloop.daemon.outcomes import OutcomeWatcher
from devloop.daemon.pending import Pending
from devloop.daemon.scheduler import Scheduler
from devloop.daemon.shared import Shared

POLL_S = 0.05  # how often a wait looks again (only while someone waits)
REQUEST_LIMIT = 64 * 1024
REQUEST_TIMEOUT_S = 5.0  # for the request line to arrive
MAX_WAIT_S = 24 * 3600.0


class BadRequest(Exception):
    def __init__(self, error: str, hint: str | None = None) -> None:
        super().__init__(error)
        self.error, self.hint = error, hint


class StatusServer:
    def __init__(
        self,
        shared: Shared,
        outcomes: OutcomeWatcher,
        scheduler: Scheduler,
        pending: Pending,
        progress: WatchProgress,
        path: Path,
    ) -> None:
        self.shared = shared
        self.outcomes = outcomes
        self.scheduler = scheduler
        self.pending = pending
        self.progress = progress
        self.path = path

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        old = os.umask(0o177)  # the socket is made owner-only, never open for a moment
        try:
            listener = await anyio.create_unix_listener(self.path)
        finally:
            os.umask(old)
        made = os.stat(self.path)
        task_status.started()
        try:
            async with listener:
                await listener.serve(self._serve)
        finally:
            with suppress(OSError):  # only our own socket: a later devloop may have made another
                if os.stat(self.path).st_ino == made.st_ino:
                    os.unlink(self.path)

    async def _serve(self, stream: SocketStream) -> None:
        async with stream:
            try:
                if not _same_user(stream):
                    return
                with anyio.fail_after(REQUEST_TIMEOUT_S):
                    line = await BufferedByteReceiveStream(stream).receive_until(b"\n", REQUEST_LIMIT)
                try:
                    answer = await self.answer(line)
                except BadRequest as exc:
                    answer = {"error": exc.error, **({"hint": exc.hint} if exc.hint else {})}
                await stream.send(json.dumps(answer).encode() + b"\n")
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.IncompleteRead, TimeoutError):
                return  # the asker went away or said nothing whole
            except anyio.DelimiterNotFound:
                with suppress(anyio.BrokenResourceError):
                    await stream.send(b'{"error": "request too long"}\n')
            except Exception as exc:  # noqa: BLE001 - a question must never stop the daemon
                self.shared.emit(events.Notice(level="warning", message=f"a status request failed: {exc!r}"))

    async def answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest(f"the request is not JSON: {exc}") from exc
        if not isinstance(request, dict) or request.get("ask") not in ("status", "wait"):
            raise BadRequest('ask "status" or "wait"', 'e.g. {"ask": "status", "services": []}')
        asked = request.get("services") or []
        names = self._services(asked)
        if request["ask"] == "status":
            return self.status(names)
        timeout = request.get("timeout_s")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= MAX_WAIT_S:
            raise BadRequest(f"timeout_s must be a number of seconds above 0, at most {MAX_WAIT_S:.0f}")
        return await self.wait(names, float(timeout), named=bool(asked))

    def _services(self, asked: object) -> list[str]:
        watched = [s.name for s in self.shared.watched]
        if not isinstance(asked, list) or not all(isinstance(n, str) for n in asked):
            raise BadRequest("services must be a list of service names")
        unknown = [n for n in asked if n not in watched]
        if unknown:
            known = self.shared.context.project.service_names
            what = (
                "no such service"
                if any(n not in known for n in unknown)
                else "not watched by this devloop up"
            )
            raise BadRequest(f"{what}: {', '.join(unknown)}", f"it watches: {', '.join(watched)}")
        return list(asked) or watched

    # -- answers ---------------------------------------------------------------------------
    def status(self, names: list[str]) -> dict[str, Any]:
        project = self.shared.context.project
        return {
            "project": project.name,
            "directory": str(project.directory),
            "pid": os.getpid(),
            "services": {name: self.service(name) for name in names},
        }

    def acting(self, name: str) -> bool:
        """An action runs on it or waits for the engine, its outcome is being judged, or (before
        any action) it is still starting."""
        if name in self.outcomes.watching or (self.scheduler.busy(name) and self.pending.owes(name)):
            return True
        return self.outcomes.state(name).action is None and self.outcomes.at_start(name).state == "acting"

    def service(self, name: str) -> dict[str, Any]:
        known = self.outcomes.state(name)
        if known.action is None and self.pending.ready:
            known = self.outcomes.at_start(name)
        finished = known.action is not None and known.state in ("live", "failed", "unknown")
        down = self.outcomes.down(name)
        if not self.pending.ready:
            state = "starting"
        elif self.acting(name):
            state = "acting"
        elif known.state == "failed":
            state = "failed"
        elif down is not None or known.state == "down":
            state = "down"
        else:
            state = known.state  # live, or unknown: no verdict came (devloop said so)
        error = known.error if finished else None
        if state == "down" and not error:
            error = down or "no running container"
        return {
            "strategy": str(self.shared.context.plan.service(name).strategy),
            "state": state,
            "action": known.action,
            "outcome": known.state if finished else None,
            "edit_to_live_s": known.edit_to_live_s if finished else None,
            "error": error,
            "location": known.location if finished else None,
        }

    async def wait(self, names: list[str], timeout_s: float, named: bool = False) -> dict[str, Any]:
        """Wait for the outcomes of every demand made up to now; report the services named, else
        those the demands concern."""
        asked_at = time.time()
        cutoff = asked_at + reported_within_s()
        shown = names
        with anyio.move_on_after(timeout_s) as scope:
            while not self.pending.ready:  # the start and its catch-up come first
                await anyio.sleep(POLL_S)
            await anyio.sleep(max(0.0, cutoff - time.time()))
            while not self.progress.settled(cutoff):
                await anyio.sleep(POLL_S)
            tickets = self.pending.tickets(names)
            if not named:
                shown = self.pending.concerned(names, {n for n in names if self.acting(n)})
            while not all(self._done(name, ticket) for name, ticket in tickets.items()):
                await anyio.sleep(POLL_S)
        answer = self.status(shown)
        answer["timed_out"] = scope.cancelled_caught
        answer["waited_s"] = round(time.time() - asked_at, 3)
        return answer

    def _done(self, name: str, ticket: int) -> bool:
        """Nothing acts on it, or what acts now came after the ticket (the outcomes it was
        waiting for have come; a start is never such a later action)."""
        if not self.acting(name):
            return True
        return self.outcomes.state(name).action is not None and self.pending.answered(name, ticket)


def _same_user(stream: SocketStream) -> bool:
    """On Linux the kernel names the peer's user: anyone else is turned away (the socket's mode
    already keeps them out; root is the exception to modes, not to this check)."""
    if not sys.platform.startswith("linux"):
        return True
    raw: socket.socket = stream.extra(SocketAttribute.raw_socket)
    creds = raw.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())
