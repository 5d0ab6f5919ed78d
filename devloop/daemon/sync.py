"""The `sync` action: copy changed files into the running containers (then restart unless the
process reloads), and refresh the image in the background once edits stop."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from devloop import events
from devloop.adapters import compose, container_files
from devloop.adapters.restart import restart
from devloop.daemon.images import Images
from devloop.daemon.shared import ENGINE_AWAY, Shared
from devloop.errors import EngineError
from devloop.model.project import Action
from devloop.planning import syncplan
from devloop.planning.baked import NOT_RESTARTED
from devloop.planning.copymap import NoSync
from devloop.planning.planner import Decision


class Sync:
    def __init__(self, shared: Shared, images: Images, busy: Callable[[str], bool]) -> None:
        self.shared = shared
        self.images = images
        self.busy = busy  # whether a service's group is acting now
        self.last_sync: dict[str, float] = {}
        self.built: dict[str, float] = {}  # service -> when the latest build of its image began
        self.refreshing: set[str] = set()

    async def sync(self, decision: Decision) -> Decision | bool | None:
        """Copy the changes into the running containers, then restart unless the process reloads (or
        reads none of them).
        Returns a rebuild decision when syncing cannot apply (an expected fallback, with its
        reason), False when the engine is down, None when done."""
        shared = self.shared
        plan = shared.context.plan.service(decision.service)
        files = syncplan.files_to_sync(plan, decision.paths)
        if isinstance(files, NoSync):
            return self._fallback(decision, files.reason)
        shared.action_event(decision, "sync", "started")
        project = shared.context.project.name
        try:
            result, took = await anyio.to_thread.run_sync(
                container_files.timed_sync, shared.engine, project, decision.service, files
            )
        except EngineError as exc:
            shared.health.mark_down(exc.message)
            shared.action_event(decision, "sync", "failed", detail=ENGINE_AWAY)
            return False
        if result.error is not None:
            return self._fallback(decision, result.error)
        shared.synced.setdefault(decision.service, set()).update(str(f.target) for f in files)
        detail = f"copied {result.copied}, removed {result.removed} in {result.containers} container(s)"
        how, quiet = syncplan.pickup(plan, decision.paths, files)
        if quiet is not None:  # it reads none of them: the copy is all there is to do
            detail += f"; {NOT_RESTARTED}: {quiet}"
        elif how != "reload":  # it does not reload by itself: a signal it reloads on, else a restart
            sent = plan.verdict.on_signal if how == "signal" else ""
            outcome = await restart(shared.engine, project, decision.service, sent, plan.held_work)
            took += outcome.duration_s
            if outcome.engine_down:
                shared.action_event(decision, "sync", "failed", detail=ENGINE_AWAY)
                return False
            done = f"sent {sent}" if sent else "restarted"
            detail += f"; {done}" if outcome.ok else f"; {outcome.detail}"
        shared.action_event(decision, "sync", "succeeded", duration_s=round(took, 3), detail=detail)
        if plan.service.build is not None and shared.context.settings.image_refresh_s > 0:
            self._schedule_refresh(decision.service)
        return None

    def _fallback(self, decision: Decision, why: str) -> Decision:
        """Syncing cannot apply: an expected fallback to a rebuild, with the reason."""
        self.shared.action_event(decision, "sync", "fallback", detail=f"{why}; rebuilding instead")
        return Decision(decision.service, Action.REBUILD, f"{decision.reason}; {why}", decision.paths)

    def image_built(self, services: list[str], began: float) -> None:
        """A rebuild that began at `began` (time.monotonic) built these services' images: syncs
        before it need no refresh."""
        for service in services:
            self.built[service] = max(self.built.get(service, 0.0), began)

    def _schedule_refresh(self, service: str) -> None:
        """Rebuild the image in the background after a quiet period, so the next `compose up`
        starts from an image that matches the code; the running container is kept."""
        self.last_sync[service] = time.monotonic()
        if service in self.refreshing or self.shared.task_group is None:
            return
        self.refreshing.add(service)
        self.shared.start_soon(self._refresh_image, service)

    async def _refresh_image(self, service: str) -> None:
        """Build once edits have stopped for image_refresh_s, again if one came during the build; a
        failed build is reported and leaves the running containers as they are."""
        shared = self.shared
        quiet = shared.context.settings.image_refresh_s
        try:
            while self.last_sync[service] > self.built.get(service, 0.0):
                # quiet since the last sync, and again after an action of its group ended
                while (wait := self.last_sync[service] + quiet - time.monotonic()) > 0 or self.busy(service):
                    await anyio.sleep(max(wait, 0.0) or 1.0)
                if self.last_sync[service] <= self.built.get(service, 0.0):
                    return  # a rebuild meanwhile built the image from these files
                if service not in shared.context.project.service_names:  # removed from the compose file
                    return
                await shared.health.wait_up()
                reason = f"keeps the image honest after {quiet}s without edits"
                shared.emit(
                    events.ActionEvent(service=service, action="image", status="started", reason=reason)
                )
                await self.images.clean([service])
                started, self.built[service] = time.time(), time.monotonic()
                outcome = await compose.build(shared.context.options, [service])
                if outcome.ok:
                    await anyio.to_thread.run_sync(self.images.confirm, [service], started)
                shared.emit(
                    events.ActionEvent(service=service, action="image", reason=reason, **outcome.ended())
                )
                if not outcome.ok:
                    return  # the next sync schedules another try
        finally:
            self.refreshing.discard(service)
