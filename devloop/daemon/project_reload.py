"""An edited compose file, override or `.env` while `devloop up` runs: reload the model, keep the
last good plan when it does not load, and recreate the services whose resolved config changed
(a service added back to the file counts as changed)."""

from __future__ import annotations

import anyio

from devloop import events
from devloop.adapters import actions
from devloop.daemon.startup import Startup
from devloop.errors import DevloopError
from devloop.load.context import Context, load_context


class ProjectFiles(Startup):
    roots_changed: anyio.Event | None
    project_loads: anyio.Event  # unset while the compose files do not load: actions wait

    async def _reload_project(self) -> None:
        await self.health.wait_up()  # image facts and mount checks need the engine
        old = self.context
        try:
            new = await anyio.to_thread.run_sync(load_context, old.options, self.engine, True)
        except DevloopError as exc:
            if self.project_loads.is_set():
                self.project_loads = anyio.Event()
            self.emit(
                events.Notice(
                    level="error",
                    message=f"the project no longer loads: {exc.message}",
                    hint="devloop keeps the last good plan and holds its actions (compose cannot run "
                    "them); fix the file and save it again",
                )
            )
            return
        self.project_loads.set()
        before = {s.name: s.service for s in old.plan.services}
        changed = [s.name for s in new.plan.services if before.get(s.name) != s.service]
        removed = [name for name in before if name not in new.project.service_names]
        added = [name for name in new.project.service_names if name not in before]
        self.context = new
        self._regroup()
        if self.roots_changed is not None:
            self.roots_changed.set()
        message = "project reloaded"
        if removed:
            message += f"; removed: {', '.join(removed)} (devloop no longer acts on them)"
        if added:
            message += f"; added: {', '.join(added)}"
        self.emit(events.Notice(message=message))
        selected = [n for n in changed if not self.up.services or n in self.up.services]
        if selected and self._task_group is not None:
            self._task_group.start_soon(self._recreate, new, selected, set(added))

    async def _recreate(self, new: Context, selected: list[str], added: set[str]) -> None:
        """`docker compose up -d --build --no-deps` for services whose config changed; a service
        added back is then caught up like at start (edits made while it was out of the file)."""
        reason = "its resolved compose config changed"
        for name in selected:
            self.emit(events.Action(service=name, action="recreate", status="started", reason=reason))
        while True:
            await self.health.wait_up()
            outcome = await actions.compose_up(new.options, selected, build=True)
            if outcome.ok or await self.health.check():
                break
            # the engine went away meanwhile: once it answers again, recreate once
        for name in selected:
            self.emit(events.Action(service=name, action="recreate", reason=reason, **outcome.ended()))
        if outcome.ok and added & set(selected):
            await self._catch_up(added & set(selected))

    async def _down(self) -> None:
        args = ("stop", *self.up.services) if self.up.services else ("down",)
        self.emit(events.Notice(message=f"docker compose {' '.join(args)}"))
        await actions.run_command(self.context.options.argv(*args), self.context.options.cwd)
