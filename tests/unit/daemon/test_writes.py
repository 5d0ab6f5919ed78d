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


def test_an_edit_is_remembered_with_its_content_as_it_was_judged(tmp_path: Path) -> None:
    watched = writes(tmp_path)
    edited = write(tmp_path, "tasks.py", "x = 1\n")
    assert watched.keep([edited]) == [edited]
    watched.observe(restart([str(edited)]))
    assert watched.state.needs_digest(str(edited))
    assert str(edited) in watched.state.contents
    assert watched.keep([edited]) == []  # written again, same content: a rewrite, not an edit


def test_the_next_edit_made_before_the_action_starts_still_acts(tmp_path: Path) -> None:
    watched = writes(tmp_path)
    edited = write(tmp_path, "tasks.py", "x = 1\n")
    assert watched.keep([edited]) == [edited]
    edited.write_text("x = 2\n")  # the next edit, before the action on the first one begins
    watched.observe(restart([str(edited)]))  # (a follow-up that waited for a running restart)
    assert watched.keep([edited]) == [edited]  # its own batch acts: other services never saw it


def test_the_paths_of_a_catch_up_over_a_tree_are_not_held(tmp_path: Path) -> None:
    watched = writes(tmp_path)
    tree = [str(tmp_path / f"tree/f{i}") for i in range(DIGESTED + 1)]
    watched.observe(restart(tree))
    assert watched.state.caused == {} and watched.state.contents == {}
    assert watched.state.windows["worker"][-1].action == "restart"  # its window still opens


def test_each_command_that_says_it_writes_a_file_is_told_about_once(tmp_path: Path) -> None:
    """Two workers' --logfile in one logs/ folder share an ignore pattern, not a reason: each is
    said, whichever is written first, and each only once."""
    code = [bind(tmp_path, "/code")]
    command = ["celery", "-A", "jobs", "worker", "--logfile=logs/{}.log"]
    plan = make_plan(tmp_path, {name: {"image": "python", "working_dir": "/code", "volumes": code,
                                       "command": [*command[:-1], command[-1].format(name)]}
                                for name in ("worker", "mailer")})  # fmt: skip
    said: list[events.Event] = []
    context = Context(ComposeOptions(cwd=tmp_path), Settings(), plan.project, plan)
    watched = ContainerWrites(Shared(context, Engine(client=object()), said.append, UpOptions()))
    logs = [write(tmp_path, f"logs/{name}.log", "line\n") for name in ("mailer", "worker")]
    for _ in range(2):
        assert watched.keep(logs) == []
    told = [(e.path, e.services) for e in said if isinstance(e, events.ContainerOutput)]
    assert told == [("logs/mailer.log", ["mailer"]), ("logs/worker.log", ["worker"])]
