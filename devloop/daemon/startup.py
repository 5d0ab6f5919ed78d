"""What `devloop up` does before it watches: bring the services up, verify their bind mounts, and
catch up on edits made while devloop was not running. Also: bring services back after the engine
returns."""

from __future__ import annotations

import time

import anyio

from devloop import events
from devloop.adapters import cache, compose
from devloop.daemon.images import Images
from devloop.daemon.scheduler import Scheduler
from devloop.daemon.shared import Shared
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.load.staleness import baked_is_stale, files_under, mounted_is_stale, parse_docker_time
from devloop.model.project import Action
from devloop.planning.planner import Decision


class Startup:
    def __init__(self, shared: Shared, images: Images, scheduler: Scheduler) -> None:
        self.shared = shared
        self.images = images
        self.scheduler = scheduler

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
        return await compose.run(self.shared.context.options, "up", "-d", *names)

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
        """Act once on services whose running code is older than their files."""
        shared = self.shared
        states = await anyio.to_thread.run_sync(shared.engine.states, shared.context.project.name)
        started = {s.service: parse_docker_time(s.started_at) for s in states if s.status == "running"}
        found: list[Decision] = []  # submitted together, so a shared build gets one command
        for plan in shared.watched:
            if only is not None and plan.name not in only:
                continue
            reason: str | None = None
            action = Action.REBUILD
            if plan.service.build is not None and plan.service.image:
                built = await anyio.to_thread.run_sync(self._image_time, plan.service.image)
                if built is not None:
                    reason = await anyio.to_thread.run_sync(baked_is_stale, plan, built)
            container_started = started.get(plan.name)
            if reason is None and container_started is not None:
                reason = await anyio.to_thread.run_sync(mounted_is_stale, plan, container_started)
                action = Action.RESTART
            if reason is not None:
                shared.emit(events.CatchUp(service=plan.name, action=str(action), reason=reason))
                found.append(Decision(plan.name, action, f"catch-up: {reason}", ()))
        self.scheduler.submit(found)

    def _image_time(self, image: str) -> float | None:
        """When the image was built, or last confirmed by a build to match its files."""
        engine = self.shared.engine
        created = parse_docker_time(engine.image_created(image) or "")
        image_id = engine.image_id(image)
        confirmed = cache.verified_at(image_id) if image_id else None
        times = [t for t in (created, confirmed) if t is not None]
        return max(times) if times else None
