"""Which pending decisions of a shared-build group may start while others act."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import anyio
from anyio.abc import TaskGroup

from devloop.daemon.scheduler import Group, Scheduler
from devloop.model.project import Action
from devloop.planning.planner import Decision
from tests.unit.builders import build, make_plan, write


def decision(service: str, action: Action, path: str = "/p/app/main.py") -> Decision:
    return Decision(service, action, f"{service} {action.name.lower()}", (Path(path),))


def group(*pending: Decision, acting: set[str] | None = None, building: bool = False) -> Group:
    made = Group(("api", "worker", "beat", "baked", "baked2"), acting=set(acting or ()), building=building)
    for d in pending:
        made.merge(d)
    return made


def test_a_rebuild_starts_while_a_sibling_restarts() -> None:
    made = group(decision("baked", Action.REBUILD), decision("worker", Action.RESTART), acting={"worker"})
    assert list(made.take()) == ["baked"]
    assert list(made.pending) == ["worker"]  # its follow-up waits for its running restart


def test_rebuilds_of_one_group_go_in_one_batch_and_one_at_a_time() -> None:
    made = group(decision("baked", Action.REBUILD), decision("baked2", Action.REBUILD))
    assert sorted(made.take()) == ["baked", "baked2"]
    made = group(decision("baked2", Action.REBUILD), decision("beat", Action.RESTART), building=True)
    assert list(made.take()) == ["beat"]  # another batch builds: the rebuild waits for it
    assert list(made.pending) == ["baked2"]


def test_a_building_batch_takes_what_came_for_its_services_and_more_rebuilds() -> None:
    running = {"baked": decision("baked", Action.REBUILD)}
    made = group(
        decision("baked", Action.REBUILD, "/p/app/tasks.py"),
        decision("baked2", Action.REBUILD),
        decision("worker", Action.RESTART),
        acting={"baked", "worker"},
        building=True,
    )
    batch = made.take(running)
    assert sorted(batch) == ["baked", "baked2"]
    assert batch["baked"].paths == (Path("/p/app/main.py"), Path("/p/app/tasks.py"))  # merged: one action
    assert list(made.pending) == ["worker"]


def test_a_merged_decision_keeps_the_strongest_action() -> None:
    made = group(decision("worker", Action.RESTART), decision("worker", Action.REBUILD, "/p/Dockerfile"))
    assert made.take()["worker"].action is Action.REBUILD


class _Health:
    async def wait_up(self) -> None:
        return None

    def mark_down(self, why: str) -> None:
        raise AssertionError(why)


class Driven:
    """A Scheduler on a shared build of `names` whose executor records each batch; a batch with the
    worker in it waits for `release` (a Celery stop takes seconds), the first time or always."""

    def __init__(self, tmp_path: Path, names: tuple[str, ...], hold_first_only: bool) -> None:
        write(tmp_path, "Dockerfile", "FROM python:3.12\nCOPY . /code\n")
        self.plan = make_plan(tmp_path, {name: {"build": build(tmp_path)} for name in names})
        self.batches: list[list[str]] = []
        self.release = anyio.Event()
        self.hold_first_only = hold_first_only

    async def execute(self, batch: dict[str, Decision]) -> bool:
        self.batches.append(sorted(batch))
        if "worker" in batch and (len(self.batches) == 1 or not self.hold_first_only):
            await self.release.wait()
        return True

    def scheduler(self, tg: TaskGroup) -> Scheduler:
        shared = SimpleNamespace(
            context=SimpleNamespace(plan=self.plan, project=self.plan.project), task_group=tg,
            health=_Health(), project_loads=None, emit=lambda event: None,
        )  # fmt: skip
        return Scheduler(shared, self.execute, lambda names: None)  # type: ignore[arg-type]


def test_decisions_submitted_together_run_as_one_batch_and_a_restart_does_not_hold_a_rebuild(
    tmp_path: Path,
) -> None:
    driven = Driven(tmp_path, ("worker", "beat", "baked"), hold_first_only=True)
    batches = driven.batches

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            scheduler = driven.scheduler(tg)
            scheduler.submit([decision("worker", Action.RESTART), decision("beat", Action.RESTART)])
            await anyio.sleep(0.05)
            assert batches == [["beat", "worker"]]  # one batch for what came together
            scheduler.submit([decision("worker", Action.RESTART), decision("baked", Action.REBUILD)])
            await anyio.sleep(0.05)
            assert batches[1:] == [["baked"]]  # the rebuild does not wait for the worker
            assert scheduler.busy("worker") and not scheduler.busy("baked")  # baked's batch ended
            driven.release.set()
            await anyio.sleep(0.05)
            assert batches[2:] == [["worker"]]  # its follow-up, once its restart ended

    anyio.run(main)


def test_the_next_rebuild_does_not_wait_for_the_restarts_of_the_batch_before(tmp_path: Path) -> None:
    driven = Driven(tmp_path, ("worker", "baked"), hold_first_only=False)
    batches = driven.batches

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            scheduler = driven.scheduler(tg)
            edit = [decision("baked", Action.REBUILD), decision("worker", Action.RESTART)]
            scheduler.submit(edit)
            await anyio.sleep(0.05)
            assert batches == [["baked"], ["worker"]]  # the rebuild first, then the restart
            scheduler.submit(edit)  # the next edit, while the worker still restarts
            await anyio.sleep(0.05)
            assert batches[2:] == [["baked"]]  # rebuilt at once; the worker's follow-up waits
            driven.release.set()
            await anyio.sleep(0.05)
            assert batches[3:] == [["worker"]]

    anyio.run(main)
