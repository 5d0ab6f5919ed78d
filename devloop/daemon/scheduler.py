"""Who acts when: services that share a build form a group; a group runs one batch at a time, and
decisions that arrive meanwhile are merged into exactly one follow-up. Groups act concurrently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from devloop import events
from devloop.daemon.shared import Shared
from devloop.model.project import Action
from devloop.planning.planner import Decision


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


Execute = Callable[[dict[str, Decision]], Awaitable[bool]]


class Scheduler:
    """Holds the groups; `execute` runs one batch of a group (False: the engine was down)."""

    def __init__(self, shared: Shared, execute: Execute, after: Callable[[list[str]], None]) -> None:
        self.shared = shared
        self.execute = execute
        self.after = after  # told which services a batch acted on
        self.groups: dict[str, Group] = {}
        self.regroup()

    def busy(self, service: str) -> bool:
        group = self.groups.get(service)
        return group is not None and group.running

    def regroup(self) -> None:
        """Groups from the current plan; pending work and running flags survive a reload."""
        groups: dict[object, list[str]] = {}
        for plan in self.shared.context.plan.services:
            key = self.shared.context.plan.action_group(plan.name)  # a shared build, with its image's users
            groups.setdefault(key, []).append(plan.name)
        old = self.groups
        self.groups = {}
        for names in groups.values():
            group = Group(tuple(names))
            for name in names:
                if name in old:
                    group.pending.update({k: v for k, v in old[name].pending.items() if k in names})
                    group.running = group.running or old[name].running
            for name in names:
                self.groups[name] = group

    def submit(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if decision.action is Action.RELOAD:
                self.shared.emit(
                    events.ActionEvent(
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
            if not group.running and self.shared.task_group is not None:
                group.running = True
                self.shared.task_group.start_soon(self._run_group, group)

    async def _run_group(self, group: Group) -> None:
        health = self.shared.health
        try:
            while group.pending:
                await health.wait_up()  # edits made while the engine is away wait for it
                if self.shared.project_loads is not None:  # and while the compose files do not load
                    await self.shared.project_loads.wait()
                batch, group.pending = group.pending, {}
                known = set(self.shared.context.project.service_names)
                batch = {name: d for name, d in batch.items() if name in known}
                if batch and not await self.execute(batch):
                    for decision in batch.values():  # the engine is down: keep the work
                        group.merge(decision)
                    health.mark_down("it stopped answering during an action")
                    await health.wait_up()
                self.after(list(batch))
        finally:
            group.running = False
