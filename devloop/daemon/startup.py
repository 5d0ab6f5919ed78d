"""What `devloop up` does before it watches: bring the services up, verify their bind mounts, and
catch up on edits made while devloop was not running."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio

from devloop import events
from devloop.adapters import actions
from devloop.adapters import cache as state
from devloop.daemon.executor import Executor
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.load.staleness import baked_is_stale, files_under, mounted_is_stale, parse_docker_time
from devloop.model.project import Action
from devloop.planning.planner import Decision, ServicePlan


@dataclass
class UpOptions:
    services: tuple[str, ...] = ()
    start: bool = True
    down: bool = False
    debounce_ms: int | None = None
    accept_data_loss: bool = False


class Startup(Executor):
    up: UpOptions

    @property
    def watched(self) -> tuple[ServicePlan, ...]:
        selected = self.up.services
        return tuple(s for s in self.context.plan.services if not selected or s.name in selected)

    def _regroup(self) -> None:
        raise NotImplementedError

    def submit_decisions(self, decisions: list[Decision]) -> None:
        raise NotImplementedError

    def _image_ids(self) -> dict[str, str | None]:
        return {
            p.name: self.engine.image_id(p.service.image)
            for p in self.watched
            if p.service.build is not None and p.service.image
        }

    async def _compose_start(self) -> None:
        """`docker compose up -d`; images it builds now match the files, so they are recorded as
        confirmed (a fully cached build keeps an older Created time)."""
        before = await anyio.to_thread.run_sync(self._image_ids)
        started = time.time()
        names = list(self.up.services)
        self.emit(events.Notice(message=f"docker compose up -d {' '.join(names)}".rstrip()))
        outcome = await actions.run_command(
            self.context.options.argv("up", "-d", *names), self.context.options.cwd
        )
        code, output = outcome
        if code != 0:
            raise DevloopError(
                f"`docker compose up -d` failed (exit code {code}):\n" + "\n".join(output.splitlines()[-20:]),
                "fix the problem shown above and run devloop up again",
            )
        after = await anyio.to_thread.run_sync(self._image_ids)
        built = [name for name, image_id in after.items() if image_id and image_id != before.get(name)]
        await anyio.to_thread.run_sync(self._confirm_images, built, started)
        if self._task_group is not None:  # with those of earlier rebuilds (by hand too)
            self._task_group.start_soon(anyio.to_thread.run_sync, self._prune_images)

    async def _resume(self) -> None:
        """The engine answers again: bring back the services it stopped (unless --no-start), before
        the actions that waited for it run."""
        if not self.up.start:
            return
        names = list(self.up.services)
        self.emit(events.Notice(message=f"docker compose up -d {' '.join(names)}".rstrip()))
        code, output = await actions.run_command(
            self.context.options.argv("up", "-d", *names), self.context.options.cwd
        )
        if code != 0:
            self.emit(
                events.Notice(
                    level="warning",
                    message=f"`docker compose up -d` failed (exit code {code}): "
                    + " | ".join(output.strip().splitlines()[-5:]),
                )
            )

    async def _check_mounts(self) -> None:
        """Verify the bind mounts of the running containers; a mount the engine does not see
        (empty or stale) is planned as `sync`, said loudly, and its files are copied in once."""
        try:
            context = await anyio.to_thread.run_sync(load_context, self.context.options, self.engine, True)
        except DevloopError as exc:
            self.emit(events.Notice(level="warning", message=f"mount check skipped: {exc.message}"))
            return
        self.context = context
        self._regroup()
        base = context.project.directory
        for check in context.mount_checks:
            if check.broken:
                self.emit(
                    events.Notice(
                        level="warning",
                        service=check.service,
                        message=f"bind {check.describe(base)} is {check.status}: {check.detail}",
                        hint="devloop copies this service's changes into the container instead of "
                        "relying on the mount; run `devloop doctor` for the cause",
                    )
                )
        for plan in self.watched:
            if plan.unseen_binds:
                paths = tuple(p for b in plan.unseen_binds for p in files_under(b.source))
                reason = "the engine does not see its bind mount: copying the files in"
                self.emit(events.CatchUp(service=plan.name, action="sync", reason=reason))
                self.submit_decisions([Decision(plan.name, Action.SYNC, f"catch-up: {reason}", paths)])

    async def _catch_up(self, only: set[str] | None = None) -> None:
        """Act once on services whose running code is older than their files."""
        states = await anyio.to_thread.run_sync(self.engine.states, self.context.project.name)
        started = {s.service: parse_docker_time(s.started_at) for s in states if s.status == "running"}
        found: list[Decision] = []  # submitted together, so a shared build gets one command
        for plan in self.watched:
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
                self.emit(events.CatchUp(service=plan.name, action=str(action), reason=reason))
                found.append(Decision(plan.name, action, f"catch-up: {reason}", ()))
        self.submit_decisions(found)

    def _image_time(self, image: str) -> float | None:
        """When the image was built, or last confirmed by a build to match its files."""
        created = parse_docker_time(self.engine.image_created(image) or "")
        image_id = self.engine.image_id(image)
        confirmed = state.verified_at(image_id) if image_id else None
        times = [t for t in (created, confirmed) if t is not None]
        return max(times) if times else None
