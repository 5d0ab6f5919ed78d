"""Which pending decisions of a shared-build group may start while others act."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from devloop.daemon.scheduler import Group
from devloop.model.project import Action
from devloop.planning.planner import Decision


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


def test_decisions_submitted_together_run_as_one_batch_and_a_restart_does_not_hold_a_rebuild(
    tmp_path: Path,
) -> None:
    import anyio

    from devloop.daemon.scheduler import Scheduler
    from tests.unit.builders import build, make_plan, write

    write(tmp_path, "Dockerfile", "FROM python:3.12\nCOPY . /code\n")
    plan = make_plan(tmp_path, {name: {"build": build(tmp_path)} for name in ("worker", "beat", "baked")})
    batches: list[list[str]] = []
    release = anyio.Event()

    async def execute(batch: dict[str, Decision]) -> bool:
        batches.append(sorted(batch))
        if "worker" in batch and len(batches) == 1:
            await release.wait()  # the worker's first restart is slow
        return True

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            shared = SimpleNamespace(
                context=SimpleNamespace(plan=plan, project=plan.project), task_group=tg, health=_Health(),
                project_loads=None, emit=lambda event: None,
            )  # fmt: skip
            scheduler = Scheduler(shared, execute, lambda names: None)  # type: ignore[arg-type]
            scheduler.submit([decision("worker", Action.RESTART), decision("beat", Action.RESTART)])
            await anyio.sleep(0.05)
            assert batches == [["beat", "worker"]]  # one batch for what came together
            scheduler.submit([decision("worker", Action.RESTART), decision("baked", Action.REBUILD)])
            await anyio.sleep(0.05)
            assert batches[1:] == [["baked"]]  # the rebuild does not wait for the worker
            assert scheduler.busy("worker") and not scheduler.busy("baked")  # baked's batch ended
            release.set()
            await anyio.sleep(0.05)
            assert batches[2:] == [["worker"]]  # its follow-up, once its restart ended

    anyio.run(main)


def test_the_next_rebuild_does_not_wait_for_the_restarts_of_the_batch_before(tmp_path: Path) -> None:
    import anyio

    from devloop.daemon.scheduler import Scheduler
    from tests.unit.builders import build, make_plan, write

    write(tmp_path, "Dockerfile", "FROM python:3.12\nCOPY . /code\n")
    plan = make_plan(tmp_path, {name: {"build": build(tmp_path)} for name in ("worker", "baked")})
    batches: list[list[str]] = []
    release = anyio.Event()

    async def execute(batch: dict[str, Decision]) -> bool:
        batches.append(sorted(batch))
        if "worker" in batch:
            await release.wait()  # a Celery worker's stop takes seconds
        return True

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            shared = SimpleNamespace(
                context=SimpleNamespace(plan=plan, project=plan.project), task_group=tg, health=_Health(),
                project_loads=None, emit=lambda event: None,
            )  # fmt: skip
            scheduler = Scheduler(shared, execute, lambda names: None)  # type: ignore[arg-type]
            edit = [decision("baked", Action.REBUILD), decision("worker", Action.RESTART)]
            scheduler.submit(edit)
            await anyio.sleep(0.05)
            assert batches == [["baked"], ["worker"]]  # the rebuild first, then the restart
            scheduler.submit(edit)  # the next edit, while the worker still restarts
            await anyio.sleep(0.05)
            assert batches[2:] == [["baked"]]  # rebuilt at once; the worker's follow-up waits
            release.set()
            await anyio.sleep(0.05)
            assert batches[3:] == [["worker"]]

    anyio.run(main)
