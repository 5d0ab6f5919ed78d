"""What `devloop up` remembers of the paths its actions were taken on: an edit's paths with their
content; not the paths of a catch-up over a whole tree, which would only be held."""

from __future__ import annotations

from pathlib import Path

from devloop import events
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.daemon.shared import Shared, UpOptions
from devloop.daemon.writes import DIGESTED, ContainerWrites
from devloop.load.context import Context
from devloop.model.settings import Settings
from tests.unit.builders import bind, make_plan, write


def writes(tmp_path: Path) -> ContainerWrites:
    code = [bind(tmp_path, "/code")]
    plan = make_plan(
        tmp_path, {"worker": {"image": "python", "command": ["celery", "worker"], "volumes": code}}
    )
    context = Context(ComposeOptions(cwd=tmp_path), Settings(), plan.project, plan)
    return ContainerWrites(Shared(context, Engine(client=object()), lambda _: None, UpOptions()))


def restart(paths: list[str]) -> events.ActionEvent:
    return events.ActionEvent(service="worker", action="restart", status="started", reason="", paths=paths)


def test_an_edit_is_remembered_with_its_content(tmp_path: Path) -> None:
    watched = writes(tmp_path)
    edited = str(write(tmp_path, "tasks.py", "x = 1\n"))
    watched.observe(restart([edited]))
    assert watched.state.needs_digest(edited)
    assert edited in watched.state.contents


def test_the_paths_of_a_catch_up_over_a_tree_are_not_held(tmp_path: Path) -> None:
    watched = writes(tmp_path)
    tree = [str(tmp_path / f"tree/f{i}") for i in range(DIGESTED + 1)]
    watched.observe(restart(tree))
    assert watched.state.caused == {} and watched.state.contents == {}
    assert watched.state.windows["worker"][-1].action == "restart"  # its window still opens
