"""`devloop plan --json` against the real `docker compose config` on what the containers write and
what they never run: a path a service's own command writes is nothing for every service, with the
command that writes it; another service's start script is nothing for the services that bake it
but do not run it, with why. Only `docker compose config` runs."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_plan import FIXTURES, copy_project, plan


def test_what_a_command_writes_is_nothing_for_everyone(tmp_path: Path) -> None:
    directory = copy_project(tmp_path, FIXTURES / "command-output")
    data = plan(directory, "app/logs/celery.log", "app/celerybeat-schedule.db", "app/jobs.py")
    per_path = data["per_path"]
    log = per_path[str(directory / "app/logs/celery.log")]
    assert log["actions"] == {}
    output = log["container_output"]
    assert output["always"] and set(output["services"]) == {"worker", "mailer", "baked"}
    assert output["why"] == (
        "container output: written by worker's command (compose.yaml:15 command): --logfile=logs/celery.log"
    )
    schedule = per_path[str(directory / "app/celerybeat-schedule.db")]  # beat's file, run by the worker
    assert schedule["actions"] == {}
    assert "its default --schedule celerybeat-schedule" in schedule["container_output"]["why"]
    assert data["actions"] == {"worker": "restart", "mailer": "restart", "baked": "sync"}  # jobs.py alone


def test_a_start_script_is_nothing_for_the_siblings_that_do_not_run_it(tmp_path: Path) -> None:
    directory = copy_project(tmp_path, FIXTURES / "start-script-siblings")
    script = str(directory / "scripts/start-worker.sh")
    data = plan(directory, "scripts/start-worker.sh")
    assert data["actions"] == {"worker": "rebuild"}
    nothing = {s: q["why"] for q in data["per_path"][script]["nothing"] for s in q["services"]}
    assert set(nothing) == {"web", "beat", "dev"}
    assert nothing["web"].startswith(
        "baked but not run by this service's command (it is the start script of worker"
    )
    assert nothing["dev"].endswith("an edit needs no restart")
    assert plan(directory, "shop.py")["actions"] == {
        "worker": "sync",
        "web": "sync",
        "beat": "sync",
        "dev": "reload",
    }
