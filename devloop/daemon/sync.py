"""The `sync` action: copy changed files into the running containers (then restart unless the
process reloads), and refresh the image in the background once edits stop."""

from __future__ import annotations

import time

import anyio

from devloop import events
from devloop.adapters import actions
from devloop.adapters import container_files as sync
from devloop.daemon.executor import ENGINE_AWAY, Executor
from devloop.errors import EngineError
from devloop.model.project import Action
from devloop.planning import syncplan
from devloop.planning.copymap import NoSync
from devloop.planning.planner import Decision


class Syncing(Executor):
    async def _sync(self, decision: Decision) -> Decision | bool | None:
        """Copy the changes into the running containers, then restart unless the process reloads.
        Returns a rebuild decision when syncing cannot apply (an expected fallback, with its
        reason), False when the engine is down, None when done."""
        plan = self.context.plan.service(decision.service)
        files = syncplan.files_to_sync(plan, decision.paths)
        if isinstance(files, NoSync):
            self._action_event(decision, "sync", "fallback", detail=f"{files.reason}; rebuilding instead")
            return Decision(
                decision.service, Action.REBUILD, f"{decision.reason}; {files.reason}", decision.paths
            )
        self._action_event(decision, "sync", "started")
        project = self.context.project.name
        try:
            result, took = await anyio.to_thread.run_sync(
                sync.timed_sync, self.engine, project, decision.service, files
            )
        except EngineError as exc:
            self.health.mark_down(exc.message)
            self._action_event(decision, "sync", "failed", detail=ENGINE_AWAY)
            return False
        if result.error is not None:
            self._action_event(decision, "sync", "fallback", detail=f"{result.error}; rebuilding instead")
            return Decision(
                decision.service, Action.REBUILD, f"{decision.reason}; {result.error}", decision.paths
            )
        self.synced.setdefault(decision.service, set()).update(str(f.target) for f in files)
        detail = f"copied {result.copied}, removed {result.removed} in {result.containers} container(s)"
        if not plan.verdict.reloads:
            outcome = await actions.restart(self.engine, project, decision.service)
            took += outcome.duration_s
            if outcome.engine_down:
                self._action_event(decision, "sync", "failed", detail=ENGINE_AWAY)
                return False
            detail += "; restarted" if outcome.ok else f"; restart failed: {outcome.detail}"
        self._action_event(decision, "sync", "succeeded", duration_s=round(took, 3), detail=detail)
        if plan.service.build is not None and self.context.settings.image_refresh_s > 0:
            self._schedule_refresh(decision.service)
        return None

    def _schedule_refresh(self, service: str) -> None:
        """Rebuild the image in the background after a quiet period, so the next `compose up`
        starts from an image that matches the code; the running container is kept."""
        self.last_sync[service] = time.monotonic()
        if service in self.refreshing or self._task_group is None:
            return
        self.refreshing.add(service)
        self._task_group.start_soon(self._refresh_image, service)

    async def _refresh_image(self, service: str) -> None:
        quiet = self.context.settings.image_refresh_s
        try:
            while (wait := self.last_sync[service] + quiet - time.monotonic()) > 0:
                await anyio.sleep(wait)
            group = self.groups.get(service)
            if group is None:  # removed from the compose file meanwhile
                return
            while group.running and group.pending:
                await anyio.sleep(1)
            await self.health.wait_up()
            reason = f"keeps the image honest after {quiet}s without edits"
            self.emit(events.Action(service=service, action="image", status="started", reason=reason))
            started = time.time()
            outcome = await actions.compose_build(self.context.options, [service])
            if outcome.ok:
                await anyio.to_thread.run_sync(self._confirm_images, [service], started)
            self.emit(events.Action(service=service, action="image", reason=reason, **outcome.ended()))
        finally:
            self.refreshing.discard(service)
