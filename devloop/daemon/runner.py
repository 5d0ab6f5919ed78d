"""`devloop up`: the runner holds its parts and wires the watcher, the planner and the actions.

A service acts once at a time, and changes that arrive meanwhile are merged into exactly one
follow-up; services that share a build are rebuilt by one command at a time (daemon/scheduler.py).
An engine that stops answering is noticed by a light health check; actions wait for it."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import docker

from devloop import events
from devloop.adapters import runtime
from devloop.adapters.compose import ComposeOptions, run_compose
from devloop.adapters.engine import Engine
from devloop.adapters.watcher import Batch, WatchProgress, watch
from devloop.daemon.executor import Executor
from devloop.daemon.health import EngineHealth
from devloop.daemon.images import Images
from devloop.daemon.outcomes import OutcomeWatcher
from devloop.daemon.pending import Pending
from devloop.daemon.project_reload import ProjectReload
from devloop.daemon.relay import Relay
from devloop.daemon.scheduler import Scheduler
from devloop.daemon.shared import Emit, Shared, UpOptions
from devloop.daemon.signals import Signals
from devloop.daemon.startup import Startup
from devloop.daemon.status_server import StatusServer
from devloop.daemon.sync import Sync
from devloop.daemon.writes import ContainerWrites
from devloop.errors import DevloopError, EngineError
from devloop.load.context import Context, load_context
from devloop.planning.planner import Decision

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

__all__ = ["Runner", "UpOptions", "require_services", "run_up", "unwrap"]

PING_TIMEOUT_S = 5


class Runner:
    """Holds the parts of `devloop up` and wires them: watcher -> planner -> scheduler -> executor."""

    def __init__(
        self,
        context: Context,
        engine: Engine,
        emit: Emit,
        up: UpOptions,
        before_forced_exit: Callable[[], None] | None = None,
        status_socket: Path | None = None,
    ) -> None:
        self.emit_outside = emit
        self.shared = shared = Shared(context, engine, self._emit, up)
        self.outcomes = OutcomeWatcher(shared)
        self.writes = ContainerWrites(shared)
        self.images = Images(shared)
        self.scheduler = Scheduler(shared, self._execute, self._after_batch)
        self.sync = Sync(shared, self.images, self.scheduler.busy)
        self.executor = Executor(shared, self.images, self.sync, self.scheduler.busy)
        self.startup = Startup(shared, self.images, self.scheduler, self.writes)
        self.project_reload = ProjectReload(shared, self.scheduler, self.startup)
        self.pending = Pending()
        self.progress = WatchProgress()
        self.status_server = (
            StatusServer(shared, self.outcomes, self.scheduler, self.pending, self.progress, status_socket)
            if status_socket is not None
            else None
        )
        self.relay = Relay(shared, self.outcomes, self.scheduler.submit, self.scheduler.busy)
        self.signals = Signals(shared, before_forced_exit)
        self._pinger: Engine | None = None

    def _emit(self, event: events.Event) -> None:
        """Every event goes out, and past the outcome watcher and the relay, which learn of actions
        this way (and the record of what each service still owes an outcome for)."""
        self.writes.observe(event)  # when actions start and end, before anything reacts
        self.emit_outside(event)
        self.outcomes.observe(event)
        self.pending.observe(event)
        self.relay.observe(event)

    async def _execute(self, batch: dict[str, Decision]) -> bool:
        return await self.executor.execute(batch)

    def _after_batch(self, names: list[str]) -> None:
        self.executor.read_layers_later(names)

    def _quick_ping(self) -> None:
        """A ping that gives up after a few seconds, on a client of its own."""
        if self._pinger is None:
            try:
                version = self.shared.engine.client.api.api_version
                endpoint = self.shared.engine.endpoint
                self._pinger = Engine(endpoint.client(timeout=PING_TIMEOUT_S, version=version), endpoint)
            except (docker.errors.DockerException, EngineError) as exc:
                raise EngineError(str(exc)) from exc
        self._pinger.ping()

    # -- main ----------------------------------------------------------------------------
    async def run(self) -> int:
        shared = self.shared
        shared.health_check = EngineHealth(self._quick_ping, shared.emit, on_resume=self.startup.resume)
        shared.project_loads = anyio.Event()  # anyio events are made inside the event loop
        shared.project_loads.set()
        strategies = {s.name: str(s.strategy) for s in shared.watched}
        shared.emit(
            events.Starting(
                project=shared.context.project.name,
                services=list(strategies),
                strategies=strategies,
                context=shared.engine.endpoint.context,
                endpoint=shared.engine.endpoint.host,
            )
        )
        async with anyio.create_task_group() as outer:  # the signal listener outlives the work
            async with anyio.create_task_group() as tg:
                shared.task_group = tg
                outer.start_soon(self.signals.listen, tg)
                if self.status_server is not None:  # `devloop status` answers from the start on
                    await tg.start(self.status_server.run)
                tg.start_soon(self.outcomes.run)  # the services' output from the start on
                if shared.up.start:
                    await self.startup.compose_start()
                await self.startup.check_mounts()
                await self.startup.catch_up()
                self.executor.read_layers_later([s.name for s in shared.watched])
                tg.start_soon(shared.health.run)
                tg.start_soon(self._watch_loop)
            if shared.up.down:
                with anyio.CancelScope(shield=True):
                    await self.project_reload.down()
            outer.cancel_scope.cancel()
        shared.emit(events.Stopped(reason="stopped by signal"))
        return 0

    async def _watch_loop(self) -> None:
        shared = self.shared
        settings = shared.context.settings
        debounce = shared.up.debounce_ms if shared.up.debounce_ms is not None else settings.debounce_ms
        while True:
            roots = self._roots()
            shared.roots_changed = anyio.Event()
            ready = events.Ready(
                project=shared.context.project.name,
                services=[s.name for s in shared.watched],
                strategies={s.name: str(s.strategy) for s in shared.watched},
                watching=[str(r) for r in roots],
            )
            batches = watch(
                roots,
                debounce,
                settings.max_wait_ms,
                shared.roots_changed,
                self._watch_error,
                on_ready=functools.partial(shared.emit, ready),  # said once the notifier is armed
                progress=self.progress,
            )
            async with contextlib.aclosing(batches):
                async for paths in batches:
                    await self.on_changes(paths)
            if shared.stopping:
                return

    def _watch_error(self, message: str) -> None:
        self.shared.emit(
            events.Notice(
                level="warning",
                message=f"the file watcher failed ({message}); changes meanwhile are read from file times",
            )
        )

    def _roots(self) -> list[Path]:
        roots = {p for s in self.shared.watched for p in s.watch} | set(
            self.shared.context.plan.project_files
        )
        return sorted(roots)

    # -- changes -------------------------------------------------------------------------
    async def on_changes(self, paths: set[Path]) -> None:
        shared = self.shared
        paths = self.relay.own(paths)  # devloop's own touches come back as changes: not edits
        if not paths:
            return
        first_at = paths.first_at if isinstance(paths, Batch) else time.time()
        kept = self.writes.keep(sorted(paths))  # what the containers wrote is never a reason to act
        if not kept:
            return
        paths = set(kept)
        change = shared.context.plan.route(sorted(paths))
        watched = {s.name for s in shared.watched}
        decisions = self.outcomes.revive([d for d in change.decisions if d.service in watched])
        self.outcomes.edited(decisions, first_at)
        if decisions or change.project_files:
            shared.emit(
                events.Changes(
                    paths=[str(p) for p in sorted(paths)],
                    services={d.service: str(d.action) for d in decisions},
                )
            )
        if change.project_files:
            await self.project_reload.reload()
        self.scheduler.submit(decisions)


def require_services(context: Context, services: tuple[str, ...]) -> None:
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
    engine = Engine(endpoint=options.endpoint)
    engine.ping()
    run_compose(options, "version")  # Compose v2 present, before anything else
    context = load_context(options, engine)
    require_services(context, up.services)
    if isinstance(up.logs, tuple):
        require_services(context, up.logs)
    if context.settings.notice:
        emit(events.Notice(message=context.settings.notice))
    if context.engine_note:
        emit(events.Notice(level="warning", message=context.engine_note))
    lock, socket = _one_per_project(context)
    runner = Runner(context, engine, emit, up, before_forced_exit, socket)
    try:
        return anyio.run(runner.run)
    except BaseExceptionGroup as group:  # a task group wraps what its tasks raise
        raise unwrap(group) from group
    finally:
        if lock is not None:
            lock.release()


def _one_per_project(context: Context) -> tuple[runtime.UpLock | None, Path | None]:
    """The project's lock (a second `devloop up` for it says who runs, instead of fighting it) and
    where `devloop status` and `wait` find this one; none where Unix sockets are missing."""
    if os.name != "posix":  # pragma: no cover - Windows: status and wait are not available there
        return None, None
    project = context.project
    folder = runtime.private_folder(runtime.runtime_folder(project.name, project.directory))
    return runtime.take_lock(folder, project.name), folder / runtime.SOCKET_NAME


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
