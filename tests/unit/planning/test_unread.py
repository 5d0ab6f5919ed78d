"""Files no running process reads (docs, CI and editor settings, tests of a non-test-runner) trigger
nothing under the binds of a service that would otherwise restart; never files it is known to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.planning.explain import quiet_paths
from devloop.planning.unread import unread_for
from tests.unit.builders import actions, bind, build, change, make_plan, write


def stack(root: Path, worker_command: list[str]) -> dict[str, object]:
    write(root, "Dockerfile", "FROM python\nWORKDIR /code\n")
    code = [bind(root, "/code")]
    return {
        "web": {"build": build(root), "volumes": code,
                "command": ["uvicorn", "app.main:app", "--reload", "--reload-dir", "app"]},
        "worker": {"build": build(root), "command": worker_command, "volumes": code},
    }  # fmt: skip


@pytest.mark.parametrize(
    "relative",
    ["README.md", "docs/setup.txt", "CHANGELOG", "LICENSE", ".github/workflows/ci.yml", ".gitlab-ci.yml",
     ".vscode/settings.json", "tests/test_tasks.py", "lib/tests/data.json", "notes/design.rst"],
)  # fmt: skip
def test_a_file_no_running_process_reads_triggers_nothing(tmp_path: Path, relative: str) -> None:
    plan = make_plan(tmp_path, stack(tmp_path, ["celery", "-A", "app.tasks", "worker"]))
    assert actions(plan, tmp_path, relative) == {}
    quiet = quiet_paths(plan, change(plan, tmp_path, relative), [tmp_path / relative])
    assert {s for q in quiet for s in q.services} == {"web", "worker"}
    assert all("does not read" in q.reason for q in quiet)


def test_what_the_process_reads_still_acts(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, stack(tmp_path, ["celery", "-A", "app.tasks", "worker"]))
    assert actions(plan, tmp_path, "app/tasks.py") == {"web": "reload", "worker": "restart"}
    assert actions(plan, tmp_path, "main.py") == {"web": "restart", "worker": "restart"}
    assert actions(plan, tmp_path, "config/settings.toml") == {"web": "restart", "worker": "restart"}
    assert actions(plan, tmp_path, "app/test_utils.py") == {
        "web": "reload",
        "worker": "restart",
    }  # beside the code


def test_a_test_runner_reads_tests_and_a_docs_server_reads_docs(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, stack(tmp_path, ["python", "-m", "pytest", "-f", "tests"]))
    assert actions(plan, tmp_path, "tests/test_tasks.py") == {"worker": "restart"}
    assert actions(plan, tmp_path, "README.md") == {}
    docs = make_plan(tmp_path, stack(tmp_path, ["mkdocs", "serve"]))
    assert actions(docs, tmp_path, "docs/index.md") == {"worker": "restart"}
    assert actions(docs, tmp_path, "README.md") == {"worker": "restart"}


def test_a_folder_the_command_names_is_read(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, stack(tmp_path, ["celery", "-A", "tests.app", "worker"]))
    assert actions(plan, tmp_path, "tests/app.py") == {"worker": "restart"}


def test_a_start_script_in_a_docs_folder_is_read_at_start(tmp_path: Path) -> None:
    write(tmp_path, "docs/start.sh", "#!/bin/sh\nexec celery -A app worker\n")
    plan = make_plan(tmp_path, stack(tmp_path, ["/code/docs/start.sh"]))
    assert actions(plan, tmp_path, "docs/start.sh") == {"worker": "restart"}


def test_unread_kinds_per_program() -> None:
    assert unread_for([]) is None
    worker = unread_for(["celery", "-A", "app", "worker"], "celery")
    assert worker is not None and worker.reason("README.md") == "`celery` does not read documentation"
    assert worker.reason("tests/x.py") == "`celery` does not read tests (it is under tests/)"
    assert worker.reason("app/x.py") is None
    runner = unread_for(["npm", "test"])
    assert runner is not None and runner.reason("tests/x.test.js") is None
