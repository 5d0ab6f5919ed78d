"""Carrying out a batch of decisions for one group of services: rebuild and restart here, sync
and the image refresh after it in devloop.daemon.sync. Runner inherits both; neither owns a loop."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from devloop import events
from devloop.adapters import actions
from devloop.adapters import build_inputs as buildguard
from devloop.adapters import cache as state
from devloop.adapters.engine import Engine
from devloop.adapters.layers import WrittenLayers
from devloop.checks.buildlog import failure_location
from devloop.checks.writes import lost_writes
from devloop.daemon.health import EngineHealth
from devloop.errors import EngineError
from devloop.load.context import Context
from devloop.model.project import Action
from devloop.planning.depvolumes import volume_notices
from devloop.planning.planner import Decision

Emit = Callable[[events.Event], None]
ENGINE_AWAY = "the Docker Engine stopped answering; devloop acts again once it answers"
# After an action, a service's new container has started up (and written its caches) by then;
# its writable layer is read in that quiet moment rather than beside the next build.
READ_AHEAD_S = 3.0


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
    health: EngineHealth
    layers: WrittenLayers
    _read_ahead: dict[str, object]  # service -> the latest read scheduled for it
    _task_group: TaskGroup | None

    def _confirm_images(self, names: list[str], at: float) -> None:
        known = set(self.context.project.service_names)
        for name in names:
            if name not in known:  # removed from the compose file meanwhile
                continue
            image = self.context.plan.service(name).service.image
            image_id = self.engine.image_id(image) if image else None
            if image_id:
                state.record_verified(image_id, at)

    def _prune_images(self) -> None:
        """The images rebuilds replaced, once no container uses them: a day of edits would leave
        hundreds of dangling images otherwise."""
        with contextlib.suppress(EngineError):
            self.engine.remove_dangling_images(self.context.project.name)

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
        if self.context.settings.protect_data and not self.accept_data_loss:
            refused = await self._guard_data(decisions)
        else:  # only a warning: the build does not wait for `docker diff` (0.5-1 s a container)
            refused = set()
            if self._task_group is not None:
                self._task_group.start_soon(self._guard_data, decisions)
        refused |= self._refuse_unreadable(decisions)
        decisions = [d for d in decisions if d.service not in refused]
        names = [d.service for d in decisions]
        paths = sorted({p for d in decisions for p in d.paths})
        if not decisions:
            return True
        for d in decisions:
            self._action_event(d, "rebuild", "started")
        build_started = time.time()
        plans = [self.context.plan.service(n) for n in names]
        for plan in plans:  # a named volume over the image's dependencies keeps the old ones
            for message, hint in volume_notices(plan.name, plan.dependency_volumes):
                self.emit(events.Notice(level="warning", service=plan.name, message=message, hint=hint))
        renew = any(p.renews_anon_volumes for p in plans)
        outcome = await actions.compose_up(self.context.options, names, build=True, renew_anon_volumes=renew)
        if outcome.ok:
            await anyio.to_thread.run_sync(self._confirm_images, names, build_started)
            if self._task_group is not None:
                self._task_group.start_soon(anyio.to_thread.run_sync, self._prune_images)
        if outcome.engine_down or (not outcome.ok and not await self.health.check()):
            self.health.mark_down("it stopped answering during a rebuild")
            for d in decisions:
                self._action_event(d, "rebuild", "failed", detail=ENGINE_AWAY, command=outcome.command)
            return False
        for message, hint in buildguard.failure_hints("" if outcome.ok else outcome.detail or "", paths):
            self.emit(events.Notice(level="error", message=message, hint=hint))
        for d in decisions:
            where = None
            if not outcome.ok and d.service in self.context.project.service_names:
                build = self.context.plan.service(d.service).service.build
                found = failure_location(outcome.detail or "", build.dockerfile if build else None)
                where = f"{found[0]}:{found[1]}" if found else (str(build.dockerfile) if build else None)
            self._action_event(d, "rebuild", **outcome.ended(), location=where)
        return True

    def _refuse_unreadable(self, decisions: list[Decision]) -> set[str]:
        """Builds of changed files that cannot be read are refused (see buildguard)."""
        refused = {d.service: buildguard.refusal(d.paths) for d in decisions}
        for d in decisions:
            if refused[d.service]:
                self._action_event(d, "rebuild", "failed", detail=refused[d.service], command=buildguard.FIX)
        return {name for name, why in refused.items() if why}

    async def _guard_data(self, decisions: list[Decision]) -> set[str]:
        """Warn before recreating a container that wrote data outside its volumes; with
        `protect_data = true` (and no --accept-data-loss) refuse, and return those services."""
        refused: set[str] = set()
        protect = self.context.settings.protect_data and not self.accept_data_loss
        found: dict[str, list[str]] = {}

        async def check(service: str) -> None:
            found[service] = await anyio.to_thread.run_sync(self._lost_writes, service)

        async with anyio.create_task_group() as tg:  # one `docker diff` per container, concurrently
            for d in decisions:
                tg.start_soon(check, d.service)
        for d in decisions:
            writes = found.get(d.service, [])
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
        """Paths a container wrote outside its volumes; none when the engine does not answer (the
        rebuild then finds that out and waits for it)."""
        plan = self.context.plan.service(service)
        covered = [str(v) for v in plan.service.volumes] + [str(b.target) for b in plan.service.binds]
        covered += sorted(self.synced.get(service, ()))
        try:
            changes = self.layers.changes(self.context.project.name, service)
        except EngineError:
            return []
        return sorted({w.path for w in lost_writes(changes, covered)})

    def read_layers_later(self, names: list[str]) -> None:
        """Read the writable layers of these services (those with a build: a rebuild recreates
        them) after READ_AHEAD_S, unless another action comes first; see devloop.adapters.layers."""
        known = set(self.context.project.service_names)
        names = [n for n in names if n in known and self.context.plan.service(n).service.build]
        if not names or self._task_group is None:
            return
        token = object()
        self._read_ahead.update(dict.fromkeys(names, token))
        self._task_group.start_soon(self._read_layers_after, names, token)

    async def _read_layers_after(self, names: list[str], token: object) -> None:
        await anyio.sleep(READ_AHEAD_S)
        for name in names:  # one at a time: each diff keeps the engine busy
            group = self.groups.get(name)
            if self._read_ahead.get(name) is token and group is not None and not group.running:
                await anyio.to_thread.run_sync(self._lost_writes, name)  # fills self.layers

    async def _sync(self, decision: Decision) -> Decision | bool | None:
        raise NotImplementedError  # devloop.daemon.sync.Syncing

    async def _restart(self, decision: Decision) -> bool:
        self._action_event(decision, "restart", "started")
        outcome = await actions.restart(self.engine, self.context.project.name, decision.service)
        if outcome.engine_down:
            self.health.mark_down(outcome.detail or "it stopped answering during a restart")
            self._action_event(decision, "restart", "failed", detail=ENGINE_AWAY)
            return False
        self._action_event(decision, "restart", **outcome.ended())
        return True

    async def _wait_for_engine(self) -> None:
        """Wait until the engine answers again (the health check pings it meanwhile)."""
        self.health.mark_down("it stopped answering during an action")
        await self.health.wait_up()
