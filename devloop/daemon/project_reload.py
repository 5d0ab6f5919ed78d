"""An edited compose file, override or `.env` while `devloop up` runs: reload the model, keep the
last good plan when it does not load, and recreate the services whose resolved config changed
(a service added back to the file counts as changed)."""

from __future__ import annotations

import anyio

from devloop import events
from devloop.adapters import compose
from devloop.daemon.scheduler import Scheduler
from devloop.daemon.shared import Shared
from devloop.daemon.startup import Startup
from devloop.errors import DevloopError
from devloop.load.context import Context, load_context


class ProjectReload:
    def __init__(self, shared: Shared, scheduler: Scheduler, startup: Startup) -> None:
        self.shared = shared
        self.scheduler = scheduler
        self.startup = startup

    async def reload(self) -> None:
        shared = self.shared
        await shared.health.wait_up()  # image facts and mount checks need the engine
        old = shared.context
        try:
            new = await anyio.to_thread.run_sync(load_context, old.options, shared.engine, True)
        except DevloopError as exc:
            if shared.project_loads is not None and shared.project_loads.is_set():
                shared.project_loads = anyio.Event()
            shared.emit(
                events.Notice(
                    level="error",
                    message=f"the project no longer loads: {exc.message}",
                    hint="devloop keeps the last good plan and holds its actions (compose cannot run "
                    "them); fix the file and save it again",
                )
            )
            return
        if shared.project_loads is not None:
            shared.project_loads.set()
        before = {s.name: s.service for s in old.plan.services}
        changed = [s.name for s in new.plan.services if before.get(s.name) != s.service]
        removed = [name for name in before if name not in new.project.service_names]
        added = [name for name in new.project.service_names if name not in before]
        shared.context = new
        self.scheduler.regroup()
        if shared.roots_changed is not None:
            shared.roots_changed.set()
        message = "project reloaded"
        if removed:
            message += f"; removed: {', '.join(removed)} (devloop no longer acts on them)"
        if added:
            message += f"; added: {', '.join(added)}"
        shared.emit(events.Notice(message=message))
        selected = [n for n in changed if not shared.up.services or n in shared.up.services]
        if selected:
            shared.start_soon(self._recreate, new, selected, set(added))

    async def _recreate(self, new: Context, selected: list[str], added: set[str]) -> None:
        """`docker compose up -d --build --no-deps` for services whose config changed; a service
        added back is then caught up like at start (edits made while it was out of the file)."""
        shared = self.shared
        reason = "its resolved compose config changed"
        for name in selected:
            shared.emit(events.ActionEvent(service=name, action="recreate", status="started", reason=reason))
        while True:
            await shared.health.wait_up()
            outcome = await compose.up(new.options, selected, build=True)
            if outcome.ok or await shared.health.check():
                break
            # the engine went away meanwhile: once it answers again, recreate once
        for name in selected:
            shared.emit(events.ActionEvent(service=name, action="recreate", reason=reason, **outcome.ended()))
        if outcome.ok and added & set(selected):
            await self.startup.catch_up(added & set(selected))

    async def down(self) -> None:
        """`docker compose down` (or `stop` of the selected services) when devloop stops, with --down."""
        shared = self.shared
        args = ("stop", *shared.up.services) if shared.up.services else ("down",)
        shared.emit(events.Notice(message=f"docker compose {' '.join(args)}"))
        await compose.run(shared.context.options, *args)
