"""`devloop up`: one anyio task group wiring the watcher, the planner and the actions.

Services that share a build form a group; a group runs one action at a time, and changes that
arrive meanwhile are merged into exactly one follow-up. Different groups act concurrently.
An engine that stops answering is noticed by a light health check; actions wait for it."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import docker
from anyio.abc import TaskGroup

from devloop import events
from devloop.adapters import actions
from devloop.adapters.compose import ComposeOptions, run_compose
from devloop.adapters.engine import Engine
from devloop.adapters.layers import WrittenLayers
from devloop.adapters.watcher import watch
from devloop.daemon.executor import Emit, Group
from devloop.daemon.health import EngineHealth
from devloop.daemon.project_reload import ProjectFiles
from devloop.daemon.startup import UpOptions
from devloop.daemon.sync import Syncing
from devloop.errors import DevloopError, EngineError
from devloop.load.context import Context, load_context
from devloop.model.project import Action
from devloop.planning.planner import Decision

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

__all__ = ["EXIT_FORCED", "Runner", "UpOptions", "check_services", "run_up", "unwrap"]

EXIT_FORCED = 130  # a second Ctrl-C (or SIGTERM) while stopping
PING_TIMEOUT_S = 5


def _force_exit(code: int) -> None:  # pragma: no cover - replaced in tests
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Runner(ProjectFiles, Syncing):
    def __init__(
        self,
        context: Context,
        engine: Engine,
        emit: Emit,
        up: UpOptions,
        before_forced_exit: Callable[[], None] | None = None,
    ) -> None:
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
        self.layers = WrittenLayers(engine)
        self._read_ahead: dict[str, object] = {}
        self._task_group: TaskGroup | None = None
        self._pinger: Engine | None = None
        self.before_forced_exit = before_forced_exit
        self.force_exit: Callable[[int], None] = _force_exit
        self._regroup()

    def _quick_ping(self) -> None:
        """A ping that gives up after a few seconds, on a client of its own."""
        if self._pinger is None:
            try:
                version = self.engine.client.api.api_version
                self._pinger = Engine(docker.from_env(timeout=PING_TIMEOUT_S, version=version))
            except (docker.errors.DockerException, EngineError) as exc:
                raise EngineError(str(exc)) from exc
        self._pinger.ping()

    # -- model ---------------------------------------------------------------------------
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
        self.health = EngineHealth(self._quick_ping, self.emit, on_resume=self._resume)
        self.project_loads = anyio.Event()  # anyio events are made inside the event loop
        self.project_loads.set()
        plan = self.context.plan
        strategies = {s.name: str(s.strategy) for s in self.watched}
        self.emit(
            events.Starting(project=plan.project.name, services=list(strategies), strategies=strategies)
        )
        async with anyio.create_task_group() as outer:  # the signal listener outlives the work
            async with anyio.create_task_group() as tg:
                self._task_group = tg
                outer.start_soon(self._signals, tg)
                if self.up.start:
                    await self._compose_start()
                await self._check_mounts()
                await self._catch_up()
                self.read_layers_later([s.name for s in self.watched])
                tg.start_soon(self.health.run)
                tg.start_soon(self._watch_loop)
            if self.up.down:
                with anyio.CancelScope(shield=True):
                    await self._down()
            outer.cancel_scope.cancel()
        self.emit(events.Stopped(reason="stopped by signal"))
        return 0

    async def _signals(self, work: TaskGroup) -> None:
        """The first SIGINT/SIGTERM stops cleanly (running commands are ended, then devloop
        exits 0); a second one forces: running commands are killed and devloop exits 130."""
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
            async for signum in received:
                name = signal.Signals(signum).name
                if not self.stopping:
                    self.stopping = True
                    self.emit(
                        events.Notice(
                            message=f"{name}: stopping (running actions are ended cleanly; "
                            "a second Ctrl-C forces)"
                        )
                    )
                    work.cancel_scope.cancel()
                    continue
                self.emit(events.Notice(level="warning", message=f"{name} again: forcing the exit"))
                killed = actions.kill_running()
                if killed:
                    self.emit(events.Notice(level="warning", message=f"killed: {'; '.join(killed)}"))
                self.emit(events.Stopped(reason=f"forced by a second {name}", exit_code=EXIT_FORCED))
                if self.before_forced_exit is not None:
                    self.before_forced_exit()
                self.force_exit(EXIT_FORCED)
                return

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
            batches = watch(roots, debounce, settings.max_wait_ms, self.roots_changed, self._watch_error)
            async with contextlib.aclosing(batches):
                async for paths in batches:
                    await self.on_changes(paths)
            if self.stopping:
                return

    def _watch_error(self, message: str) -> None:
        self.emit(
            events.Notice(
                level="warning",
                message=f"the file watcher failed ({message}); changes meanwhile are read from file times",
            )
        )

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
            group = self.groups.get(decision.service)
            if group is None:  # removed from the compose file meanwhile
                continue
            group.merge(decision)
            if not group.running and self._task_group is not None:
                group.running = True
                self._task_group.start_soon(self._run_group, group)

    async def _run_group(self, group: Group) -> None:
        try:
            while group.pending:
                await self.health.wait_up()  # edits made while the engine is away wait for it
                await self.project_loads.wait()  # and while the compose files do not load
                batch, group.pending = group.pending, {}
                known = set(self.context.project.service_names)
                batch = {name: d for name, d in batch.items() if name in known}
                if batch and not await self._execute(batch):
                    for decision in batch.values():  # the engine is down: keep the work
                        group.merge(decision)
                    await self._wait_for_engine()
                self.read_layers_later(list(batch))
        finally:
            group.running = False


def check_services(context: Context, services: tuple[str, ...]) -> None:
    unknown = [s for s in services if s not in context.project.service_names]
    if unknown:
        raise DevloopError(
            f"no such service: {', '.join(unknown)}",
            f"services of {context.project.name}: {', '.join(context.project.service_names)}",
        )


def run_up(
    options: ComposeOptions,
    up: UpOptions,
    emit: Emit,
    before_forced_exit: Callable[[], None] | None = None,
) -> int:
    engine = Engine()
    engine.ping()
    run_compose(options, "version")  # Compose v2 present, before anything else
    context = load_context(options, engine)
    check_services(context, up.services)
    if context.settings.notice:
        emit(events.Notice(message=context.settings.notice))
    if context.engine_note:
        emit(events.Notice(level="warning", message=context.engine_note))
    runner = Runner(context, engine, emit, up, before_forced_exit)
    try:
        return anyio.run(runner.run)
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
