"""`devloop up`: one anyio task group wiring the watcher, the planner and the actions.

Services that share a build form a group; a group runs one action at a time, and changes that
arrive meanwhile are merged into exactly one follow-up. Different groups act concurrently."""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
from anyio.abc import TaskGroup

from devloop import actions, events, state
from devloop.catchup import baked_is_stale, files_under, mounted_is_stale, parse_docker_time
from devloop.compose import ComposeOptions, run_compose
from devloop.context import Context, load_context
from devloop.engine import Engine
from devloop.errors import DevloopError
from devloop.executor import Emit, Executor, Group
from devloop.model import Action
from devloop.planner import Decision, ServicePlan
from devloop.watcher import watch

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]


@dataclass
class UpOptions:
    services: tuple[str, ...] = ()
    start: bool = True
    down: bool = False
    debounce_ms: int | None = None
    accept_data_loss: bool = False


class Runner(Executor):
    def __init__(self, context: Context, engine: Engine, emit: Emit, up: UpOptions) -> None:
        self.context = context
        self.engine = engine
        self.emit = emit
        self.up = up
        self.groups: dict[str, Group] = {}
        self.roots_changed: anyio.Event | None = None
        self.stopping = False
        self.last_sync: dict[str, float] = {}
        self.synced: dict[str, set[str]] = {}
        self.accept_data_loss = up.accept_data_loss
        self.refreshing: set[str] = set()
        self._task_group: TaskGroup | None = None
        self._regroup()

    # -- model ---------------------------------------------------------------------------
    @property
    def watched(self) -> tuple[ServicePlan, ...]:
        selected = self.up.services
        return tuple(s for s in self.context.plan.services if not selected or s.name in selected)

    def _regroup(self) -> None:
        groups: dict[object, list[str]] = {}
        for plan in self.context.plan.services:
            key = plan.service.build.key if plan.service.build else ("service", plan.name)
            groups.setdefault(key, []).append(plan.name)
        old = self.groups
        self.groups = {}
        for names in groups.values():
            group = Group(tuple(names))
            for name in names:
                if name in old:  # keep pending work and the running flag across reloads
                    group.pending.update({k: v for k, v in old[name].pending.items() if k in names})
                    group.running = group.running or old[name].running
            for name in names:
                self.groups[name] = group

    # -- main ----------------------------------------------------------------------------
    async def run(self) -> int:
        plan = self.context.plan
        strategies = {s.name: str(s.strategy) for s in self.watched}
        self.emit(
            events.Starting(project=plan.project.name, services=list(strategies), strategies=strategies)
        )
        async with anyio.create_task_group() as tg:
            self._task_group = tg
            tg.start_soon(self._signals, tg)
            if self.up.start:
                await self._compose_start()
            await self._check_mounts()
            await self._catch_up()
            tg.start_soon(self._watch_loop)
        if self.up.down:
            with anyio.CancelScope(shield=True):
                await self._down()
        self.emit(events.Stopped(reason="stopped by signal"))
        return 0

    async def _signals(self, tg: TaskGroup) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
            async for signum in received:
                self.stopping = True
                self.emit(
                    events.Notice(
                        message=f"{signal.Signals(signum).name}: stopping (running actions are ended cleanly)"
                    )
                )
                tg.cancel_scope.cancel()
                return

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

    async def _catch_up(self) -> None:
        states = await anyio.to_thread.run_sync(self.engine.states, self.context.project.name)
        started = {s.service: parse_docker_time(s.started_at) for s in states if s.status == "running"}
        for plan in self.watched:
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
                self.submit_decisions([Decision(plan.name, action, f"catch-up: {reason}", ())])

    def _image_time(self, image: str) -> float | None:
        """When the image was built, or last confirmed by a build to match its files."""
        created = parse_docker_time(self.engine.image_created(image) or "")
        image_id = self.engine.image_id(image)
        confirmed = state.verified_at(image_id) if image_id else None
        times = [t for t in (created, confirmed) if t is not None]
        return max(times) if times else None

    async def _watch_loop(self) -> None:
        settings = self.context.settings
        debounce = self.up.debounce_ms if self.up.debounce_ms is not None else settings.debounce_ms
        while True:
            roots = self._roots()
            self.roots_changed = anyio.Event()
            self.emit(
                events.Ready(
                    project=self.context.project.name,
                    services=[s.name for s in self.watched],
                    strategies={s.name: str(s.strategy) for s in self.watched},
                    watching=[str(r) for r in roots],
                )
            )
            async for paths in watch(roots, debounce, settings.max_wait_ms, self.roots_changed):
                await self.on_changes(paths)
            if self.stopping:
                return

    def _roots(self) -> list[Path]:
        plan = self.context.plan
        roots = {p for s in self.watched for p in s.watch} | set(plan.project_files)
        return sorted(roots)

    # -- changes -------------------------------------------------------------------------
    async def on_changes(self, paths: set[Path]) -> None:
        change = self.context.plan.route(sorted(paths))
        watched = {s.name for s in self.watched}
        decisions = [d for d in change.decisions if d.service in watched]
        if decisions or change.project_files:
            self.emit(
                events.Changes(
                    paths=[str(p) for p in sorted(paths)],
                    services={d.service: str(d.action) for d in decisions},
                )
            )
        if change.project_files:
            await self._reload_project()
        self.submit_decisions(decisions)

    def submit_decisions(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if decision.action is Action.RELOAD:
                self.emit(
                    events.Action(
                        service=decision.service,
                        action="reload",
                        status="skipped",
                        reason=decision.reason,
                        paths=[str(p) for p in decision.paths],
                        detail="the process reloads itself",
                    )
                )
                continue
            group = self.groups[decision.service]
            group.merge(decision)
            if not group.running and self._task_group is not None:
                group.running = True
                self._task_group.start_soon(self._run_group, group)

    async def _run_group(self, group: Group) -> None:
        try:
            while group.pending:
                batch, group.pending = group.pending, {}
                if not await self._execute(batch):
                    for decision in batch.values():  # the engine is down: keep the work
                        group.merge(decision)
                    await self._wait_for_engine()
        finally:
            group.running = False

    # -- project files -------------------------------------------------------------------
    async def _reload_project(self) -> None:
        old = self.context
        try:
            new = await anyio.to_thread.run_sync(load_context, old.options, self.engine, True)
        except DevloopError as exc:
            self.emit(
                events.Notice(
                    level="error",
                    message=f"the project no longer loads: {exc.message}",
                    hint="devloop keeps the last good plan; fix the file and save it again",
                )
            )
            return
        before = {s.name: s.service for s in old.plan.services}
        changed = [s.name for s in new.plan.services if before.get(s.name) != s.service]
        removed = [name for name in before if name not in new.project.service_names]
        self.context = new
        self._regroup()
        if self.roots_changed is not None:
            self.roots_changed.set()
        self.emit(
            events.Notice(
                message="project reloaded" + (f"; removed: {', '.join(removed)}" if removed else "")
            )
        )
        selected = [n for n in changed if not self.up.services or n in self.up.services]
        if selected and self._task_group is not None:
            self._task_group.start_soon(self._recreate, new, selected)

    async def _recreate(self, new: Context, selected: list[str]) -> None:
        if selected:
            for name in selected:
                self.emit(
                    events.Action(
                        service=name,
                        action="recreate",
                        status="started",
                        reason="its resolved compose config changed",
                    )
                )
            outcome = await actions.compose_up(new.options, selected, build=True)
            for name in selected:
                self.emit(
                    events.Action(
                        service=name,
                        action="recreate",
                        status="succeeded" if outcome.ok else "failed",
                        reason="its resolved compose config changed",
                        duration_s=round(outcome.duration_s, 3),
                        detail=outcome.detail,
                        command=outcome.command,
                    )
                )

    async def _down(self) -> None:
        args = ("stop", *self.up.services) if self.up.services else ("down",)
        self.emit(events.Notice(message=f"docker compose {' '.join(args)}"))
        await actions.run_command(self.context.options.argv(*args), self.context.options.cwd)


def check_services(context: Context, services: tuple[str, ...]) -> None:
    unknown = [s for s in services if s not in context.project.service_names]
    if unknown:
        raise DevloopError(
            f"no such service: {', '.join(unknown)}",
            f"services of {context.project.name}: {', '.join(context.project.service_names)}",
        )


def run_up(options: ComposeOptions, up: UpOptions, emit: Emit) -> int:
    engine = Engine()
    engine.ping()
    run_compose(options, "version")  # Compose v2 present, before anything else
    context = load_context(options, engine)
    check_services(context, up.services)
    if context.settings.notice:
        emit(events.Notice(message=context.settings.notice))
    if context.engine_note:
        emit(events.Notice(level="warning", message=context.engine_note))
    try:
        return anyio.run(Runner(context, engine, emit, up).run)
    except BaseExceptionGroup as group:  # a task group wraps what its tasks raise
        raise unwrap(group) from group


def unwrap(group: BaseExceptionGroup) -> BaseException:  # type: ignore[type-arg]
    """The error to report from a task group: a DevloopError first, else the first leaf."""
    leaves: list[BaseException] = []
    todo: list[BaseException] = [group]
    while todo:
        exc = todo.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            todo.extend(exc.exceptions)
        else:
            leaves.append(exc)
    return next((e for e in leaves if isinstance(e, DevloopError)), leaves[0] if leaves else group)
