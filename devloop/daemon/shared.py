"""What the parts of `devloop up` share, stated in one place: the project as last loaded, the
options, the engine, the event sink, and the task group they start background work in."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import TaskGroup

from devloop import events
from devloop.adapters import cache
from devloop.adapters.engine import Engine
from devloop.daemon.health import EngineHealth
from devloop.load.context import Context
from devloop.planning.planner import Decision, ServicePlan

Emit = Callable[[events.Event], None]
ENGINE_AWAY = "the Docker Engine stopped answering; devloop acts again once it answers"


@dataclass
class UpOptions:
    services: tuple[str, ...] = ()
    start: bool = True
    down: bool = False
    debounce_ms: int | None = None
    accept_data_loss: bool = False
    logs: bool | tuple[str, ...] | None = None  # whose output to show; None: the `logs` setting


@dataclass
class Shared:
    """The explicit state of one `devloop up`. `context` is replaced when the compose files change;
    `synced` holds the container paths devloop copied in (they are not "lost data")."""

    context: Context
    engine: Engine
    emit: Emit
    up: UpOptions
    synced: dict[str, set[str]] = field(default_factory=dict)
    task_group: TaskGroup | None = None
    stopping: bool = False
    # made inside the event loop by Runner.run():
    health_check: EngineHealth | None = None
    project_loads: anyio.Event | None = None  # unset while the compose files do not load
    roots_changed: anyio.Event | None = None  # set when the folders to watch change

    @property
    def health(self) -> EngineHealth:
        assert self.health_check is not None, "made by Runner.run()"
        return self.health_check

    @property
    def watched(self) -> tuple[ServicePlan, ...]:
        selected = self.up.services
        return tuple(s for s in self.context.plan.services if not selected or s.name in selected)

    def start_soon(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: object) -> None:
        """Background work in the daemon's task group (none before `run()` made it)."""
        if self.task_group is not None:
            self.task_group.start_soon(func, *args)

    def in_thread(self, func: Callable[..., object], *args: object) -> None:
        """A blocking call in a worker thread, in the background."""
        self.start_soon(anyio.to_thread.run_sync, func, *args)

    def action_event(self, d: Decision, action: str, status: str, **kw: object) -> None:
        """An action event for a decision; a success's duration is remembered for `devloop plan`."""
        duration = kw.get("duration_s")
        if status == "succeeded" and isinstance(duration, float) and action in ("sync", "rebuild", "restart"):
            cache.record_duration(self.context.project.name, d.service, action, duration)
        self.emit(
            events.ActionEvent(
                service=d.service,
                action=action,
                status=status,
                reason=d.reason,
                paths=[str(p) for p in d.paths],
                **kw,  # type: ignore[arg-type]
            )
        )
