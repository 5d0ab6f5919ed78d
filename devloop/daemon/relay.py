"""The relay: edits a reloader never sees. An engine in a VM (virtiofs, Lima, Podman machine) shows
a host edit inside the container without a file event, so a reloader that waits for events
(watchdog, watchfiles, chokidar) never acts, and "it reloads itself" leaves the old code running.

When a reload service's program shows no sign of an edit (its reload line, or a ready line) within
a window adapted to how fast it usually reloads, devloop touches the changed files in its
containers (`touch -c` through exec: no content changes, and the event is raised where the
reloader listens); if that brings nothing either, it restarts the service. The first time a
relay works it says why, and from then on relays at once for that service.

The touch comes back to the host as a change of the files' times: `own()` takes those out of the
next batch before it is routed, so a relay triggers nothing."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from devloop import events
from devloop.adapters.watcher import Batch
from devloop.daemon.outcomes import OutcomeWatcher
from devloop.daemon.shared import Shared
from devloop.errors import EngineError
from devloop.model.project import Action
from devloop.planning.planner import Decision
from devloop.planning.relay import Touched, edit_began, relay_targets, relay_window

POLL_S = 0.1  # how often the service's output is looked at while waiting for a sign
RECENT = 5  # reload durations kept per service
ARGS_PER_EXEC = 200  # paths per `touch` (a batch of thousands stays below the argument limit)
WHY = "the engine delivers no file events into the container: devloop relays edits"

Submit = Callable[[list[Decision]], None]


@dataclass
class _Edit:
    since: float  # the first file event of the latest batch
    paths: set[Path] = field(default_factory=set)


class Relay:
    def __init__(
        self, shared: Shared, outcomes: OutcomeWatcher, submit: Submit, busy: Callable[[str], bool]
    ) -> None:
        self.shared = shared
        self.outcomes = outcomes
        self.submit = submit
        self.busy = busy  # whether devloop acts on a service now (e.g. rebuilds it at start)
        self.touched = Touched()
        self.durations: dict[str, deque[float]] = {}  # service -> recent edit-to-sign seconds
        self.relaying: set[str] = set()  # services whose edits are relayed at once
        self.edits: dict[str, _Edit] = {}  # service -> the edit being followed

    def observe(self, event: events.Event) -> None:
        """An edit left to a service's own reloader is followed until its reloader shows a sign."""
        if not isinstance(event, events.ActionEvent) or (event.action, event.status) != ("reload", "skipped"):
            return
        service = event.service
        if service not in self.shared.context.project.service_names or not self.outcomes.knows_signs(service):
            return  # without its program's lines devloop cannot tell that it did not reload
        since = self.outcomes.edits.get(service, event.at)
        edit = self.edits.get(service)
        if edit is None:
            edit = self.edits[service] = _Edit(since)
            self.shared.start_soon(self._follow, service, edit)
        edit.since = max(edit.since, since)  # a sign must follow the latest edit
        edit.paths.update(Path(p) for p in event.paths)

    def own(self, paths: set[Path]) -> set[Path]:
        """The changed paths without devloop's own touches (a Batch stays a Batch)."""
        now = time.time()
        times = {p: _mtime(p) for p in paths}
        kept = {p: t for p, t in times.items() if not self.touched.ours(p, t, now)}
        if not isinstance(paths, Batch):
            return set(kept)
        first_at = edit_began(paths.first_at, kept, self.touched)
        if len(kept) == len(paths) and first_at == paths.first_at:
            return paths
        return Batch(kept, first_at)

    # -- following one edit --------------------------------------------------------------
    async def _follow(self, service: str, edit: _Edit) -> None:
        try:
            if service not in self.relaying:
                window = relay_window(self.durations.get(service, ()))
                if await self._sign(service, edit, lambda: edit.since + window):
                    return
            relayed_at = time.time()
            touched = await self._touch(service, edit)
            window = relay_window(self.durations.get(service, ()))
            if touched and await self._sign(service, edit, lambda: relayed_at + window, relayed_at):
                if service not in self.relaying:
                    self.relaying.add(service)
                    self.shared.emit(events.Notice(level="warning", service=service, message=WHY))
                return
            if self.outcomes.judging(service):
                why = "even after devloop touched the files in the container" if touched else "in time"
                reason = f"its reloader showed no sign of the edit {why}: restarting it"
                self.submit([Decision(service, Action.RESTART, reason, tuple(sorted(edit.paths)))])
        finally:
            self.edits.pop(service, None)

    async def _sign(
        self, service: str, edit: _Edit, deadline: Callable[[], float], relayed_at: float | None = None
    ) -> bool:
        """Wait until the program shows a sign of the latest edit (True), its outcome is decided
        otherwise (True: nothing to relay), or the deadline passes (False). The time devloop's own
        action on the service takes does not count: a container it recreates meanwhile shows its
        ready line only once the action is over."""
        held, before = 0.0, time.time()
        while True:
            since = edit.since if relayed_at is None else max(edit.since, relayed_at)
            sign = self.outcomes.sign_since(service, since)
            if sign is not None:
                recent = self.durations.setdefault(service, deque(maxlen=RECENT))
                recent.append(max(0.0, sign - since))
                return True
            if not self.outcomes.judging(service):
                return True
            now = time.time()
            if self.busy(service):
                held += now - before  # the time it really took, not a count of polls
            elif now >= deadline() + held:
                return False
            before = now
            await anyio.sleep(POLL_S)

    async def _touch(self, service: str, edit: _Edit) -> bool:
        """`touch -c` of the edited files in every running container of the service; whether it
        ran in at least one."""
        binds = self.shared.context.plan.service(service).service.binds
        targets = relay_targets(binds, edit.paths, Path.is_file)
        if not targets:
            return False
        started = time.monotonic()
        try:
            done = await anyio.to_thread.run_sync(self._touch_all, service, [str(t) for _, t in targets])
        except EngineError as exc:
            self.shared.emit(events.Notice(level="warning", service=service, message=f"relay failed: {exc}"))
            return False
        now = time.time()
        for host, _ in targets:  # their new times, to know the events that come back
            mtime = _mtime(host)
            if mtime is not None:
                self.touched.add(host, mtime, now)
        if not done:
            self.shared.emit(
                events.Notice(
                    level="warning",
                    service=service,
                    message="relay failed: no running container of it could run `touch`",
                )
            )
            return False
        paths = tuple(sorted(edit.paths))
        self.shared.action_event(
            Decision(service, Action.RELOAD, "its reloader showed no sign of the edit", paths),
            "relay",
            "succeeded",
            duration_s=round(time.monotonic() - started, 3),
            detail=f"touched {len(targets)} file(s) in {done} container(s)",
        )
        return True

    def _touch_all(self, service: str, container_paths: list[str]) -> int:
        engine = self.shared.engine
        done = 0
        for container in engine.containers(self.shared.context.project.name, service):
            ran = True
            for at in range(0, len(container_paths), ARGS_PER_EXEC):
                chunk = container_paths[at : at + ARGS_PER_EXEC]
                ran = engine.exec_run(container.id, ["touch", "-c", "--", *chunk]) is not None and ran
            done += ran
        return done


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
