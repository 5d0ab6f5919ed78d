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
    assert worker.kind("docs/api/index.html") == ("documentation", "docs")
    assert worker.kind("CHANGELOG.md") == ("documentation", "changelog.md")
    assert worker.kind("app/x.py") is None and not worker.serves
    for server in (
        ["nginx", "-g", "daemon off;"],
        ["busybox", "httpd", "-f"],
        ["python3", "-m", "http.server"],
    ):
        found = unread_for(server)
        assert found is not None and found.serves, server


def shared_build(root: Path, **extra: dict[str, object]) -> dict[str, object]:
    """Five services of one build (`COPY . .`); one runs a shell start script, one gets the code
    through a bind and reloads."""
    write(root, "svc/Dockerfile", "FROM python\nWORKDIR /app\nCOPY . .\n")
    write(root, "svc/shop.py", "app = None\n")
    write(root, "svc/scripts/start-worker.sh", "#!/bin/sh\nset -e\nexec celery -A shop worker\n")
    context = build(root / "svc")
    return {
        "api": {"build": context, "command": ["uvicorn", "shop:app"]},
        "worker": {"build": context, "command": ["./scripts/start-worker.sh"]},
        "beat": {"build": context, "command": ["celery", "-A", "shop", "beat"]},
        "admin": {"build": context, "command": ["python", "-m", "http.server"]},
        "dev": {"build": context, "command": ["uvicorn", "shop:app", "--reload"],
                "volumes": [bind(root / "svc", "/app")]},
        **extra,
    }  # fmt: skip


def test_a_start_script_acts_only_on_the_service_that_runs_it(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, shared_build(tmp_path), {"live_update": False})
    script = "svc/scripts/start-worker.sh"
    assert actions(plan, tmp_path, script) == {"worker": "rebuild"}
    quiet = {s: q.reason for q in quiet_paths(plan, change(plan, tmp_path, script), [tmp_path / script])
             for s in q.services}  # fmt: skip
    assert set(quiet) == {"api", "beat", "admin", "dev"}
    assert quiet["api"] == (
        "baked but not run by this service's command (it is the start script of worker; "
        "this service runs `uvicorn`, not it)"
    )
    assert quiet["dev"].endswith("this service runs `uvicorn`, not it: an edit needs no restart")
    # what the processes import still acts on every service that bakes or mounts it
    everyone = {"api": "rebuild", "worker": "rebuild", "beat": "rebuild", "admin": "rebuild", "dev": "reload"}
    assert actions(plan, tmp_path, "svc/shop.py") == everyone


def test_a_script_another_start_script_names_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "svc/scripts/start-all.sh",
        "#!/bin/sh\n./scripts/start-worker.sh &\nexec uvicorn shop:app\n",
    )
    services = shared_build(
        tmp_path, both={"build": build(tmp_path / "svc"), "command": ["scripts/start-all.sh"]}
    )
    plan = make_plan(tmp_path, services, {"live_update": False})
    assert actions(plan, tmp_path, "svc/scripts/start-worker.sh") == {"worker": "rebuild", "both": "rebuild"}


def test_only_shell_scripts_count_and_only_where_devloop_followed_the_command(tmp_path: Path) -> None:
    write(tmp_path, "svc/tasks.py", "#!/usr/bin/env python3\nimport shop\n")
    context = build(tmp_path / "svc")
    services = shared_build(
        tmp_path,
        runner={"build": context, "command": ["./tasks.py"]},  # a Python program the others may import
        lost={"build": context, "command": ["./scripts/missing.sh"]},  # a script devloop cannot read
    )
    plan = make_plan(tmp_path, services, {"live_update": False})
    assert actions(plan, tmp_path, "svc/tasks.py")["api"] == "rebuild"
    # where devloop cannot tell what the process runs, it may run anything: it still acts
    expected = {"worker": "rebuild", "lost": "rebuild", "runner": "rebuild"}
    assert actions(plan, tmp_path, "svc/scripts/start-worker.sh") == expected


def rails(root: Path, worker_command: list[str]) -> dict[str, object]:
    """A Rails app in production (no reloading) mounted whole; a job worker and a web server."""
    write(root, "Dockerfile", "FROM ruby\nWORKDIR /rails\n")
    code = [bind(root, "/rails")]
    env = {"RAILS_ENV": "production"}
    return {
        "worker": {"build": build(root), "command": worker_command, "volumes": code, "environment": env},
        "web": {"build": build(root), "command": ["bundle", "exec", "rails", "server"], "volumes": code,
                "environment": env},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("worker", "shown"),
    [(["bundle", "exec", "sidekiq"], "sidekiq"), (["bundle", "exec", "good_job", "start"], "good_job"),
     (["bin/rails", "jobs:work"], "jobs:work"), (["bundle", "exec", "rake", "resque:work"], "resque:work"),
     (["./bin/jobs"], "./bin/jobs"), (["bin/rails", "solid_queue:start"], "solid_queue:start")],
)  # fmt: skip
def test_a_ruby_job_worker_does_not_read_front_end_asset_sources(
    tmp_path: Path, worker: list[str], shown: str
) -> None:
    plan = make_plan(tmp_path, rails(tmp_path, worker))
    for relative in ("app/assets/stylesheets/application.css", "app/javascript/controllers/hello.js"):
        assert actions(plan, tmp_path, relative) == {"web": "restart"}, relative
        quiet = quiet_paths(plan, change(plan, tmp_path, relative), [tmp_path / relative])
        assert [(q.services, q.reason) for q in quiet] == [
            (("worker",), f"`{shown}` does not read front-end asset sources "
                          f"(it is under {'/'.join(relative.split('/')[:2])}/): an edit needs no restart")
        ]  # fmt: skip
    # its code, its mailer views, and a namespace of its code named like an asset folder are read
    read = ("app/models/user.rb", "app/views/user_mailer/welcome.html.erb", "app/models/assets/x.rb")
    for relative in read:
        assert actions(plan, tmp_path, relative) == {"worker": "restart", "web": "restart"}, relative


def test_only_ruby_job_workers_skip_asset_sources() -> None:
    for argv in (["celery", "-A", "app", "worker"], ["rails", "server"], ["python", "-m", "app.jobs"]):
        unread = unread_for(argv)
        assert unread is not None and unread.reason("app/assets/x.css") is None, argv
    sidekiq = unread_for(["sidekiq"], "sidekiq")
    assert sidekiq is not None
    assert sidekiq.reason("engines/billing/app/assets/x.css") == (
        "`sidekiq` does not read front-end asset sources (it is under app/assets/)"
    )
    assert sidekiq.reason("assets/x.css") is None  # a bind of app/ alone: not told apart, so it acts
