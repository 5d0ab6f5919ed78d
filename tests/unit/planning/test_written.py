"""What a service's own command says it writes (a --logfile, an asset watcher's output folder) is
container output from its first start: resolved against its working directory, mapped through its
binds, and never a reason for any service to act; the user's edits around it still act."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devloop.load.staleness import container_written
from devloop.planning.explain import output_note
from devloop.planning.output import Change, Writes
from devloop.planning.planner import ProjectPlan
from devloop.ui.plan import change_plan_json
from tests.unit.builders import actions, bind, build, make_plan, write


def shop(root: Path, worker: list[str], **extra: Any) -> ProjectPlan:
    """An api that reloads and a worker on one bind-mounted folder, a sibling that bakes it by
    `COPY . .`, and an esbuild watcher building into static/bundle."""
    write(root, "code/Dockerfile", "FROM python\nWORKDIR /srv\nCOPY . .\n")
    write(root, "code/jobs.py", "x = 1\n")
    code, context = [bind(root / "code", "/srv")], build(root / "code")
    esbuild = ["npx", "esbuild", "web/entry.ts", "--bundle", "--outdir=static/bundle", "--watch"]
    return make_plan(root, {
        "api": {"build": context, "command": ["uvicorn", "jobs:app", "--reload"], "volumes": code},
        "worker": {"build": context, "command": worker, "volumes": code, **extra},
        "baked": {"build": context, "command": ["python", "-m", "http.server"]},
        "assets": {"image": "node", "working_dir": "/srv", "volumes": code, "command": esbuild},
    })  # fmt: skip


LOGGING = ["celery", "-A", "jobs", "worker", "--logfile=var/worker-output.txt"]


def test_the_logfile_a_worker_names_is_its_output(tmp_path: Path) -> None:
    plan = shop(tmp_path, LOGGING)
    log = str(tmp_path / "code/var/worker-output.txt")  # a name that does not look like a log
    declared = plan.written_by(log)
    assert declared is not None and declared.service == "worker"
    assert declared.reason.startswith("written by worker's command")
    assert declared.reason.endswith(": --logfile=var/worker-output.txt")
    assert plan.written_by(log + ".1") is not None  # rotated
    assert plan.written_by(str(tmp_path / "code/jobs.py")) is None
    assert plan.written_by(str(tmp_path / "code/var/other.txt")) is None
    assert plan.written_by(log + "x") is None
    # without the rule it would rebuild or restart every service that sees it
    assert actions(plan, tmp_path, "code/var/worker-output.txt") == {
        "api": "restart", "worker": "restart", "baked": "sync", "assets": "reload"}  # fmt: skip


def test_devloop_up_never_acts_on_it_at_any_time(tmp_path: Path) -> None:
    plan = shop(tmp_path, LOGGING)
    log = tmp_path / "code/var/worker-output.txt"
    declared = plan.written_by(str(log))
    assert declared is not None
    change = Change(
        str(log), "code/var/worker-output.txt", 5000.0, ("api", "worker"), declared=declared.reason
    )
    verdict = Writes().judge(change)  # no action of devloop's before it: the first start's write
    assert verdict is not None and verdict.reason == declared.reason
    assert Writes().judge(Change(str(tmp_path / "code/jobs.py"), "code/jobs.py", 5000.0, ("api",))) is None
    write(tmp_path, "code/var/worker-output.txt", "ready\n")
    written = container_written(plan)  # the catch-up at start skips it too
    assert written(str(log)) and not written(str(tmp_path / "code/jobs.py"))


def test_plan_says_who_writes_it_and_that_nothing_acts(tmp_path: Path) -> None:
    plan = shop(tmp_path, LOGGING)
    log = tmp_path / "code/var/worker-output.txt"
    note = output_note(plan, log, ignored=False, foreign=None)
    assert note is not None and note.always and note.setting == ""
    assert set(note.services) == {"api", "worker", "baked", "assets"}
    assert "written by worker's command" in note.reason
    shown = change_plan_json(plan, [log, tmp_path / "code/jobs.py"], {log: note})
    assert shown["per_path"][str(log)]["actions"] == {}
    assert shown["actions"] == {"api": "reload", "worker": "restart", "baked": "sync", "assets": "reload"}


def test_paths_resolve_from_the_working_directory_through_the_binds(tmp_path: Path) -> None:
    binds = [bind(tmp_path / "code", "/srv"), bind(tmp_path / "logs", "/logs")]
    command = ["celery", "-A", "jobs", "worker", "-f", "../../logs/%n.txt"]
    plan = shop(tmp_path, command, working_dir="/srv/var", volumes=binds)
    assert plan.written_by(str(tmp_path / "logs/celery@host.txt")) is not None
    inside = shop(tmp_path, ["celery", "-A", "jobs", "worker", "--pidfile=/run/worker.pid"])
    assert inside.service("worker").writes == ()  # no bind covers it: written in the container only


def test_an_asset_watchers_output_folder_triggers_nobody(tmp_path: Path) -> None:
    plan = shop(tmp_path, ["celery", "-A", "jobs", "worker"])
    built = tmp_path / "code/static/bundle/entry.js"
    declared = plan.written_by(str(built))
    assert declared is not None and declared.service == "assets" and declared.folder
    assert declared.reason.endswith(": --outdir=static/bundle")
    note = output_note(plan, built, ignored=False, foreign=None)
    assert note is not None and note.always
    # the sources it builds from are the user's: they act
    assert plan.written_by(str(tmp_path / "code/web/entry.ts")) is None
    assert actions(plan, tmp_path, "code/web/entry.ts")["baked"] == "sync"


def test_an_output_folder_that_is_the_code_folder_is_not_taken(tmp_path: Path) -> None:
    write(tmp_path, "site/entry.ts", "")
    plan = make_plan(tmp_path, {
        "assets": {"image": "node", "working_dir": "/site", "volumes": [bind(tmp_path / "site", "/site")],
                   "command": ["esbuild", "entry.ts", "--outdir=/site", "--watch"]},
    })  # fmt: skip
    assert plan.service("assets").writes == ()


def test_a_log_file_the_command_names_is_read_for_its_lines_and_an_output_folder_is_not(
    tmp_path: Path,
) -> None:
    plan = shop(tmp_path, [*LOGGING, "--pidfile=var/worker.pid"])
    logs = {d.host: d.log for d in plan.declared}
    assert logs == {
        str(tmp_path / "code/var/worker-output.txt"): True,
        str(tmp_path / "code/var/worker.pid"): False,
        str(tmp_path / "code/static/bundle"): False,
    }
