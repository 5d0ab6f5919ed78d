"""Who acts when: services that share a build form a group, whose rebuilds run as one command, one
at a time. A service acts once at a time; decisions that arrive meanwhile are merged into exactly
one follow-up. Other services, and other groups, act concurrently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from devloop import events
from devloop.daemon.shared import Shared
from devloop.model.project import Action
from devloop.planning.planner import Decision


@dataclass
class Group:
    """Services whose rebuilds go in one compose command (they share one build). Each service acts
    once at a time, and one rebuild of the group runs at a time; a restart of one service does not
    hold up a rebuild of another."""

    services: tuple[str, ...]
    pending: dict[str, Decision] = field(default_factory=dict)
    acting: set[str] = field(default_factory=set)
    building: bool = False  # a batch with a rebuild runs

    def merge(self, decision: Decision) -> None:
        old = self.pending.get(decision.service)
        self.pending[decision.service] = decision if old is None else _merged(old, decision)

    def take(self, batch: dict[str, Decision] | None = None) -> dict[str, Decision]:
        """`batch` (a new one by default) with the pending decisions that may join it now: of
        services no other batch acts on, and a rebuild only while no other batch builds."""
        batch = dict(batch or {})
        others_build = self.building and not _rebuilds(batch)
        for name, decision in list(self.pending.items()):
            if name in self.acting and name not in batch:
                continue
            if decision.action is Action.REBUILD and others_build:
                continue
            del self.pending[name]
            batch[name] = _merged(batch[name], decision) if name in batch else decision
        return batch


def _merged(old: Decision, new: Decision) -> Decision:
    strongest = new if new.action > old.action else old
    paths = tuple(dict.fromkeys(old.paths + new.paths))
    return Decision(new.service, strongest.action, strongest.reason, paths)


def _rebuilds(batch: dict[str, Decision]) -> bool:
    return any(d.action is Action.REBUILD for d in batch.values())


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
        return group is not None and service in group.acting

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
                    group.acting |= old[name].acting & set(names)
                    group.building = group.building or old[name].building
            for name in names:
                self.groups[name] = group

    def submit(self, decisions: list[Decision]) -> None:
        touched: dict[int, Group] = {}
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
            touched[id(group)] = group
        for group in touched.values():  # once all are merged: one batch for what arrived together
            self._dispatch(group)

    def _dispatch(self, group: Group) -> None:
        """Start a batch of what may start now."""
        if self.shared.task_group is None:
            return
        batch = group.take()
        if batch:
            self._claim(group, batch)
            self.shared.task_group.start_soon(self._run, group, batch)

    @staticmethod
    def _claim(group: Group, batch: dict[str, Decision]) -> None:
        group.acting |= set(batch)
        group.building = group.building or _rebuilds(batch)

    async def _run(self, group: Group, batch: dict[str, Decision]) -> None:
        """Run a batch: its rebuilds first (one command), then its restarts and syncs. The rebuilt
        services and the group's build are released as soon as the rebuild is over, so the next
        edit's rebuild does not wait for this batch's restarts (a Celery stop takes seconds)."""
        health = self.shared.health
        held = set(batch)  # services this batch acts on, until released
        owns_build = _rebuilds(batch)
        try:
            await health.wait_up()  # edits made while the engine is away wait for it
            if self.shared.project_loads is not None:  # and while the compose files do not load
                await self.shared.project_loads.wait()
            batch = group.take(batch)  # and what came meanwhile and may join it: one action
            self._claim(group, batch)
            held |= set(batch)
            owns_build = owns_build or _rebuilds(batch)
            known = set(self.shared.context.project.service_names)
            acting = {name: d for name, d in batch.items() if name in known}
            rebuilds = {n: d for n, d in acting.items() if d.action is Action.REBUILD}
            rest = {n: d for n, d in acting.items() if n not in rebuilds}
            for part in (rebuilds, rest):
                if part and not await self.execute(part):
                    for decision in (acting if part is rebuilds else rest).values():
                        group.merge(decision)  # the engine is down: keep the work
                    health.mark_down("it stopped answering during an action")
                    await health.wait_up()
                    break
                if part is rebuilds and owns_build:
                    group.acting -= set(rebuilds)
                    held -= set(rebuilds)
                    group.building = owns_build = False
                    self._dispatch(group)
            self.after(list(acting))
        finally:
            group.acting -= held
            if owns_build:
                group.building = False
            self._dispatch(group)
