"""Carrying out a batch of decisions for one group of services: rebuild, sync, restart, and
the background image refresh after syncs. Runner inherits this; it owns no loop of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from devloop import actions, events, state, sync, syncplan
from devloop.buildlog import failure_location
from devloop.context import Context
from devloop.engine import Engine
from devloop.errors import EngineError
from devloop.findings import lost_writes
from devloop.model import Action
from devloop.planner import Decision
from devloop.syncmap import NoSync

Emit = Callable[[events.Event], None]
ENGINE_BACKOFF_S = (0.5, 1, 2, 4, 8)


@dataclass
class Group:
    """Services acted on together (they share one build); one action at a time."""

    services: tuple[str, ...]
    pending: dict[str, Decision] = field(default_factory=dict)
    running: bool = False

    def merge(self, decision: Decision) -> None:
        old = self.pending.get(decision.service)
        if old is None:
            self.pending[decision.service] = decision
            return
        strongest = decision if decision.action > old.action else old
        paths = tuple(dict.fromkeys(old.paths + decision.paths))
        self.pending[decision.service] = Decision(decision.service, strongest.action, strongest.reason, paths)


class Executor:
    context: Context
    engine: Engine
    emit: Emit
    groups: dict[str, Group]
    last_sync: dict[str, float]
    synced: dict[str, set[str]]  # container paths devloop copied in: not "lost data"
    refreshing: set[str]
    accept_data_loss: bool
    _task_group: TaskGroup | None

    def _confirm_images(self, names: list[str], at: float) -> None:
        for name in names:
            image = self.context.plan.service(name).service.image
            image_id = self.engine.image_id(image) if image else None
            if image_id:
                state.record_verified(image_id, at)

    async def _execute(self, batch: dict[str, Decision]) -> bool:
        """Run one batch of a group; False when the engine was down and nothing was done."""
        rebuild = [d for d in batch.values() if d.action is Action.REBUILD]
        restart = [d for d in batch.values() if d.action is Action.RESTART]
        for decision in [d for d in batch.values() if d.action is Action.SYNC]:
            fallback = await self._sync(decision)
            if fallback is False:
                return False
            if isinstance(fallback, Decision):
                rebuild.append(fallback)
        ok = True
        if rebuild:
            ok = await self._rebuild(rebuild)
        if restart and ok:
            results: list[bool] = []

            async def one(decision: Decision) -> None:
                results.append(await self._restart(decision))

            async with anyio.create_task_group() as tg:
                for decision in restart:
                    tg.start_soon(one, decision)
            ok = all(results)
        return ok

    def _action_event(self, d: Decision, action: str, status: str, **kw: object) -> None:
        duration = kw.get("duration_s")
        if status == "succeeded" and isinstance(duration, float) and action in ("sync", "rebuild", "restart"):
            state.record_duration(self.context.project.name, d.service, action, duration)
        self.emit(
            events.Action(
                service=d.service,
                action=action,
                status=status,
                reason=d.reason,
                paths=[str(p) for p in d.paths],
                **kw,  # type: ignore[arg-type]
            )
        )

    async def _rebuild(self, decisions: list[Decision]) -> bool:
        names = [d.service for d in decisions]
        contexts = sorted(
            {
                self.context.plan.service(n).service.build.context  # type: ignore[union-attr]
                for n in names
                if self.context.plan.service(n).service.build
            }
        )
        report = await actions.clean_contexts(contexts)
        for path in report.removed:
            self.emit(events.Notice(message=f"removed AppleDouble file {path} before the build"))
        for path in report.kept:
            self.emit(
                events.Notice(level="warning", message=f"kept {path}: named ._* but not an AppleDouble file")
            )
        refused = await self._guard_data(decisions)
        decisions = [d for d in decisions if d.service not in refused]
        names = [d.service for d in decisions]
        if not decisions:
            return True
        for d in decisions:
            self._action_event(d, "rebuild", "started")
        build_started = time.time()
        outcome = await actions.compose_up(self.context.options, names, build=True)
        if outcome.ok:
            await anyio.to_thread.run_sync(self._confirm_images, names, build_started)
        if outcome.engine_down:
            self.emit(
                events.Notice(level="error", message="the Docker Engine stopped answering during a rebuild")
            )
            return False
        for d in decisions:
            where = None
            if not outcome.ok:
                build = self.context.plan.service(d.service).service.build
                found = failure_location(outcome.detail or "", build.dockerfile if build else None)
                where = f"{found[0]}:{found[1]}" if found else (str(build.dockerfile) if build else None)
            self._action_event(
                d,
                "rebuild",
                "succeeded" if outcome.ok else "failed",
                duration_s=round(outcome.duration_s, 3),
                detail=outcome.detail,
                command=outcome.command,
                location=where,
            )
        return True

    async def _guard_data(self, decisions: list[Decision]) -> set[str]:
        """Warn before recreating a container that wrote data outside its volumes; with
        `protect_data = true` (and no --accept-data-loss) refuse, and return those services."""
        refused: set[str] = set()
        protect = self.context.settings.protect_data and not self.accept_data_loss
        for d in decisions:
            writes = await anyio.to_thread.run_sync(self._lost_writes, d.service)
            if not writes:
                continue
            paths = ", ".join(writes[:5]) + (f" and {len(writes) - 5} more" if len(writes) > 5 else "")
            if protect:
                refused.add(d.service)
                self._action_event(
                    d, "rebuild", "failed",
                    detail=f"refused: recreating it loses data written in the container at {paths}",
                    command="protect_data = true: run `devloop up --accept-data-loss` or add a volume",
                )  # fmt: skip
            else:
                self.emit(
                    events.Notice(
                        level="warning",
                        service=d.service,
                        message=f"recreating it loses data written in the container at {paths}",
                        hint="mount a volume there; protect_data = true makes devloop refuse",
                    )
                )
        return refused

    def _lost_writes(self, service: str) -> list[str]:
        plan = self.context.plan.service(service)
        covered = [str(v) for v in plan.service.volumes] + [str(b.target) for b in plan.service.binds]
        covered += sorted(self.synced.get(service, ()))
        found: list[str] = []
        for container in self.engine.containers(self.context.project.name, service):
            found += [w.path for w in lost_writes(self.engine.diff(container.id), covered)]
        return sorted(set(found))

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
            self.emit(
                events.Notice(level="error", message=f"the Docker Engine does not answer: {exc.message}")
            )
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
            group = self.groups[service]
            while group.running and group.pending:
                await anyio.sleep(1)
            reason = f"keeps the image honest after {quiet}s without edits"
            self.emit(events.Action(service=service, action="image", status="started", reason=reason))
            started = time.time()
            outcome = await actions.compose_build(self.context.options, [service])
            if outcome.ok:
                await anyio.to_thread.run_sync(self._confirm_images, [service], started)
            self.emit(
                events.Action(
                    service=service,
                    action="image",
                    status="succeeded" if outcome.ok else "failed",
                    reason=reason,
                    duration_s=round(outcome.duration_s, 3),
                    detail=outcome.detail,
                    command=outcome.command,
                )
            )
        finally:
            self.refreshing.discard(service)

    async def _restart(self, decision: Decision) -> bool:
        self._action_event(decision, "restart", "started")
        outcome = await actions.restart(self.engine, self.context.project.name, decision.service)
        if outcome.engine_down:
            self.emit(
                events.Notice(level="error", message=f"the Docker Engine does not answer: {outcome.detail}")
            )
            return False
        self._action_event(
            decision,
            "restart",
            "succeeded" if outcome.ok else "failed",
            duration_s=round(outcome.duration_s, 3),
            detail=outcome.detail,
        )
        return True

    async def _wait_for_engine(self) -> None:
        attempt = 0
        while True:
            delay = ENGINE_BACKOFF_S[min(attempt, len(ENGINE_BACKOFF_S) - 1)]
            await anyio.sleep(delay)
            try:
                await anyio.to_thread.run_sync(self.engine.ping)
            except EngineError:
                attempt += 1
                if attempt in (1, 5, 20):
                    self.emit(
                        events.Notice(
                            level="warning", message="waiting for the Docker Engine to answer again"
                        )
                    )
                continue
            self.emit(events.Notice(message="the Docker Engine answers again; resuming"))
            return
