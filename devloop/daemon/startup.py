"""What `devloop up` does before it watches: bring the services up, verify their bind mounts, and
catch up on edits made while devloop was not running. Also: bring services back after the engine
returns."""

from __future__ import annotations

import pickle
import time
from dataclasses import replace

import anyio

from devloop import events
from devloop.adapters import compose, processes
from devloop.daemon.images import Images
from devloop.daemon.scheduler import Scheduler
from devloop.daemon.shared import Shared
from devloop.daemon.writes import ContainerWrites
from devloop.errors import DevloopError
from devloop.load import catchup_child
from devloop.load.context import load_context
from devloop.load.staleness import files_under, parse_docker_time
from devloop.model.project import Action
from devloop.planning.planner import Decision


class Startup:
    def __init__(self, shared: Shared, images: Images, scheduler: Scheduler, writes: ContainerWrites) -> None:
        self.shared = shared
        self.images = images
        self.scheduler = scheduler
        self.writes = writes

    def _image_ids(self) -> dict[str, str | None]:
        engine = self.shared.engine
        return {
            p.name: engine.image_id(p.service.image)
            for p in self.shared.watched
            if p.service.build is not None and p.service.image
        }

    async def compose_start(self) -> None:
        """`docker compose up -d`; images it builds now match the files, so they are recorded as
        confirmed (a fully cached build keeps an older Created time)."""
        shared = self.shared
        before = await anyio.to_thread.run_sync(self._image_ids)
        started = time.time()
        code, output = await self._compose_up_d()
        if code != 0:
            raise DevloopError(
                f"`docker compose up -d` failed (exit code {code}):\n" + "\n".join(output.splitlines()[-20:]),
                "fix the problem shown above and run devloop up again",
            )
        after = await anyio.to_thread.run_sync(self._image_ids)
        built = [name for name, image_id in after.items() if image_id and image_id != before.get(name)]
        await anyio.to_thread.run_sync(self.images.confirm, built, started)
        shared.in_thread(self.images.prune)  # with those of earlier rebuilds (by hand too)

    async def _compose_up_d(self) -> tuple[int, str]:
        names = list(self.shared.up.services)
        self.shared.emit(events.Notice(message=f"docker compose up -d {' '.join(names)}".rstrip()))
        started = names or list(self.shared.context.project.service_names)
        self.writes.starting(started, time.time())  # what the services write as they start is theirs
        try:
            return await compose.run(self.shared.context.options, "up", "-d", *names)
        finally:
            self.writes.started(started, time.time())

    async def resume(self) -> None:
        """The engine answers again: bring back the services it stopped (unless --no-start), before
        the actions that waited for it run."""
        if not self.shared.up.start:
            return
        code, output = await self._compose_up_d()
        if code != 0:
            self.shared.emit(
                events.Notice(
                    level="warning",
                    message=f"`docker compose up -d` failed (exit code {code}): "
                    + " | ".join(output.strip().splitlines()[-5:]),
                )
            )

    async def check_mounts(self) -> None:
        """Verify the bind mounts of the running containers; a mount the engine does not see
        (empty or stale) is planned as `sync`, said loudly, and its files are copied in once."""
        shared = self.shared
        try:
            context = await anyio.to_thread.run_sync(
                load_context, shared.context.options, shared.engine, True
            )
        except DevloopError as exc:
            shared.emit(events.Notice(level="warning", message=f"mount check skipped: {exc.message}"))
            return
        shared.context = context
        self.scheduler.regroup()
        base = context.project.directory
        for check in context.mount_checks:
            if check.broken:
                shared.emit(
                    events.Notice(
                        level="warning",
                        service=check.service,
                        message=f"bind {check.describe(base)} is {check.status}: {check.detail}",
                        hint="devloop copies this service's changes into the container instead of "
                        "relying on the mount; run `devloop doctor` for the cause",
                    )
                )
        for plan in shared.watched:
            if plan.unseen_binds:
                paths = tuple(p for b in plan.unseen_binds for p in files_under(b.source))
                reason = "the engine does not see its bind mount: copying the files in"
                shared.emit(events.CatchUp(service=plan.name, action="sync", reason=reason))
                self.scheduler.submit([Decision(plan.name, Action.SYNC, f"catch-up: {reason}", paths)])

    async def catch_up(self, only: set[str] | None = None) -> None:
        """Act once on what changed while devloop was not running: build inputs that differ from a
        service's image, files under its binds newer than its container; routed as a live edit.
        Worked out in a child process (load/catchup_child.py): the walk's memory is not kept."""
        shared = self.shared
        states = await anyio.to_thread.run_sync(shared.engine.states, shared.context.project.name)
        started = {s.service: parse_docker_time(s.started_at) for s in states if s.status == "running"}
        names = tuple(p.name for p in shared.watched if only is None or p.name in only)
        request = catchup_child.Request(shared.context.plan, shared.engine.endpoint, names, started)
        ran = await processes.run_python(catchup_child.MODULE, pickle.dumps(request))
        found = catchup_child.answer(*ran)
        for decision in found:
            reason = decision.reason
            shared.emit(events.CatchUp(service=decision.service, action=str(decision.action), reason=reason))
        # submitted together, so a shared build gets one command
        self.scheduler.submit([replace(d, reason=f"catch-up: {d.reason}") for d in found])
