"""Carrying out one batch of decisions for a group of services: rebuilds and restarts here, syncs
through the Sync part; the data a container wrote is checked before it is recreated."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from devloop import events
from devloop.adapters import build_inputs, compose
from devloop.adapters.layers import WrittenLayers
from devloop.adapters.processes import Result
from devloop.adapters.restart import restart
from devloop.checks.buildlog import failure_location
from devloop.checks.writes import lost_writes
from devloop.daemon.images import Images
from devloop.daemon.shared import ENGINE_AWAY, Shared
from devloop.daemon.sync import Sync
from devloop.errors import EngineError
from devloop.model.project import Action
from devloop.planning.depvolumes import volume_notices
from devloop.planning.planner import Decision

# After an action, a service's new container has started up (and written its caches) by then;
# its writable layer is read in that quiet moment rather than beside the next build.
READ_AHEAD_S = 3.0


class Executor:
    def __init__(self, shared: Shared, images: Images, sync: Sync, busy: Callable[[str], bool]) -> None:
        self.shared = shared
        self.images = images
        self.sync = sync
        self.busy = busy  # whether a service's group is acting now
        self.layers = WrittenLayers(shared.engine)
        self._read_ahead: dict[str, object] = {}  # service -> the latest read scheduled for it

    async def execute(self, batch: dict[str, Decision]) -> bool:
        """Run one batch of a group; False when the engine was down. Syncs, and restarts that no
        rebuild precedes, run side by side: each stops its own containers, and a sibling whose
        stop takes its whole grace period must not hold up the others. Restarts follow a rebuild of
        the batch; a sync that cannot apply joins that rebuild."""
        rebuild = [d for d in batch.values() if d.action is Action.REBUILD]
        restart = [d for d in batch.values() if d.action is Action.RESTART]
        syncs = [d for d in batch.values() if d.action is Action.SYNC]
        side_by_side = [] if rebuild else restart
        results = await self._together(syncs, side_by_side)
        if False in results:
            return False
        rebuild += [r for r in results if isinstance(r, Decision)]
        ok = await self._rebuild(rebuild) if rebuild else True
        if ok and not side_by_side and restart:
            ok = False not in await self._together([], restart)
        return ok

    async def _together(self, syncs: list[Decision], restarts: list[Decision]) -> list[object]:
        """Run these syncs and restarts concurrently; their results (a sync's rebuild fallback,
        False when the engine was down)."""
        results: list[object] = []

        async def sync(decision: Decision) -> None:
            results.append(await self.sync.sync(decision))

        async def restart(decision: Decision) -> None:
            results.append(await self._restart(decision))

        async with anyio.create_task_group() as tg:
            for decision in syncs:
                tg.start_soon(sync, decision)
            for decision in restarts:
                tg.start_soon(restart, decision)
        return results

    async def _rebuild(self, decisions: list[Decision]) -> bool:
        shared = self.shared
        await self.images.clean([d.service for d in decisions])
        if shared.context.settings.protect_data and not shared.up.accept_data_loss:
            refused = await self._guard_data(decisions)
        else:  # only a warning: the build does not wait for `docker diff` (0.5-1 s a container)
            refused = set()
            shared.start_soon(self._guard_data, decisions)
        refused |= self._refuse_unreadable(decisions)
        decisions = [d for d in decisions if d.service not in refused]
        if not decisions:
            return True
        names = [d.service for d in decisions]
        paths = sorted({p for d in decisions for p in d.paths})
        for d in decisions:
            shared.action_event(d, "rebuild", "started")
        build_started, began = time.time(), time.monotonic()
        plans = [shared.context.plan.service(n) for n in names]
        for plan in plans:  # a named volume over the image's dependencies keeps the old ones
            for message, hint in volume_notices(plan.name, plan.dependency_volumes):
                shared.emit(events.Notice(level="warning", service=plan.name, message=message, hint=hint))
        renew = any(p.renews_anon_volumes for p in plans)
        outcome = await compose.up(shared.context.options, names, build=True, renew_anon_volumes=renew)
        if outcome.ok:
            self.sync.image_built(names, began)
            shared.in_thread(self.images.confirm, names, build_started)  # the service is live already
            shared.in_thread(self.images.prune)
        if outcome.engine_down or (not outcome.ok and not await shared.health.check()):
            shared.health.mark_down("it stopped answering during a rebuild")
            for d in decisions:
                shared.action_event(d, "rebuild", "failed", detail=ENGINE_AWAY, command=outcome.command)
            return False
        for message, hint in build_inputs.failure_hints("" if outcome.ok else outcome.detail or "", paths):
            shared.emit(events.Notice(level="error", message=message, hint=hint))
        for d in decisions:
            shared.action_event(d, "rebuild", **outcome.ended(), location=self._where(d, outcome))
        return True

    def _where(self, d: Decision, outcome: Result) -> str | None:
        """The Dockerfile line a failed build broke at (or the Dockerfile)."""
        if outcome.ok or d.service not in self.shared.context.project.service_names:
            return None
        build = self.shared.context.plan.service(d.service).service.build
        found = failure_location(outcome.detail or "", build.dockerfile if build else None)
        return f"{found[0]}:{found[1]}" if found else (str(build.dockerfile) if build else None)

    def _refuse_unreadable(self, decisions: list[Decision]) -> set[str]:
        """Builds of changed files that cannot be read are refused (see adapters.build_inputs)."""
        refused = {d.service: build_inputs.refusal(d.paths) for d in decisions}
        for d in decisions:
            if refused[d.service]:
                self.shared.action_event(
                    d, "rebuild", "failed", detail=refused[d.service], command=build_inputs.FIX
                )
        return {name for name, why in refused.items() if why}

    async def _guard_data(self, decisions: list[Decision]) -> set[str]:
        """Warn before recreating a container that wrote data outside its volumes; with
        `protect_data = true` (and no --accept-data-loss) refuse, and return those services."""
        shared = self.shared
        refused: set[str] = set()
        protect = shared.context.settings.protect_data and not shared.up.accept_data_loss
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
                shared.action_event(
                    d, "rebuild", "failed",
                    detail=f"refused: recreating it loses data written in the container at {paths}",
                    command="protect_data = true: run `devloop up --accept-data-loss` or add a volume",
                )  # fmt: skip
            else:
                shared.emit(
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
        context = self.shared.context
        plan = context.plan.service(service)
        covered = [str(v) for v in plan.service.volumes] + [str(b.target) for b in plan.service.binds]
        covered += sorted(self.shared.synced.get(service, ()))
        try:
            changes = self.layers.changes(context.project.name, service)
        except EngineError:
            return []
        return sorted({w.path for w in lost_writes(changes, covered)})

    def read_layers_later(self, names: list[str]) -> None:
        """Read the writable layers of these services (those with a build: a rebuild recreates
        them) after READ_AHEAD_S, unless another action comes first; see adapters.layers."""
        context = self.shared.context
        known = set(context.project.service_names)
        names = [n for n in names if n in known and context.plan.service(n).service.build]
        if not names or self.shared.task_group is None:
            return
        token = object()
        self._read_ahead.update(dict.fromkeys(names, token))
        self.shared.start_soon(self._read_layers_after, names, token)

    async def _read_layers_after(self, names: list[str], token: object) -> None:
        await anyio.sleep(READ_AHEAD_S)
        for name in names:  # one at a time: each diff keeps the engine busy
            if self._read_ahead.get(name) is token and name in self.shared.context.project.service_names:
                if not self.busy(name):
                    # called for its side effect: it fills the layer cache the next rebuild reads
                    await anyio.to_thread.run_sync(self._lost_writes, name)

    async def _restart(self, decision: Decision) -> bool:
        shared = self.shared
        shared.action_event(decision, "restart", "started")
        plan = shared.context.plan.service(decision.service)
        outcome = await restart(
            shared.engine, shared.context.project.name, decision.service, held=plan.held_work
        )
        if outcome.engine_down:
            shared.health.mark_down(outcome.detail or "it stopped answering during a restart")
            shared.action_event(decision, "restart", "failed", detail=ENGINE_AWAY)
            return False
        shared.action_event(decision, "restart", **outcome.ended())
        return True
