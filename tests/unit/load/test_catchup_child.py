"""The catch-up at start runs in a child process: it finds what devloop's own process would, and
an error it meets (the engine gone) is devloop's error, said the same way."""

from __future__ import annotations

import pickle
from pathlib import Path

import anyio
import pytest

from devloop.adapters.endpoint import Endpoint
from devloop.adapters.processes import run_python
from devloop.errors import DevloopError, EngineError
from devloop.load import catchup_child
from devloop.load.catchup_child import Request, answer, decisions
from devloop.model.project import Action
from tests.unit.builders import bind, build, make_plan, write

NOWHERE = Endpoint("default", "unix:///nonexistent/docker.sock", "default")  # no engine answers there


def in_child(request: Request) -> list[object]:
    return list(answer(*anyio.run(run_python, catchup_child.MODULE, pickle.dumps(request))))


def test_the_child_decides_what_devloop_itself_would(tmp_path: Path) -> None:
    write(tmp_path, "project/tasks.py", "x = 1\n")
    write(tmp_path, "project/logs/celery.log", "ready\n")  # the container's output: no reason to act
    code = [bind(tmp_path / "project", "/code")]
    plan = make_plan(tmp_path, {
        "worker": {"image": "python", "command": ["celery", "-A", "tasks", "worker"], "volumes": code},
        "beat": {"image": "python", "command": ["celery", "-A", "tasks", "beat"], "volumes": code},
    })  # fmt: skip
    request = Request(plan, NOWHERE, ("worker",), {"worker": 0.0, "beat": 0.0})
    found = in_child(request)
    assert found == decisions(request)
    assert [(d.service, d.action, d.paths) for d in decisions(request)] == [
        ("worker", Action.RESTART, (tmp_path / "project/tasks.py",))
    ]


def test_an_engine_that_does_not_answer_is_the_same_error_from_the_child(tmp_path: Path) -> None:
    write(tmp_path, "project/Dockerfile", "FROM python\nCOPY . /code\n")
    plan = make_plan(tmp_path, {"web": {"build": build(tmp_path / "project"), "image": "demo-web"}})
    with pytest.raises(EngineError, match="does not answer"):
        in_child(Request(plan, NOWHERE, ("web",), {}))


def test_a_child_that_crashed_is_reported_with_the_end_of_its_errors() -> None:
    with pytest.raises(DevloopError, match=r"(?s)exit code 1\):\n.*ValueError: boom$") as caught:
        answer(1, b"", b"Traceback (most recent call last):\n  ...\nValueError: boom\n")
    assert caught.value.hint is not None and "bug" in caught.value.hint
