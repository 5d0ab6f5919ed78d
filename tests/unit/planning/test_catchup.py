"""planning.catchup: files that changed while devloop was not running get what a live edit gets,
minus what a running container already sees through its binds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devloop.planning.catchup import Stale, catch_up
from devloop.planning.planner import ProjectPlan
from tests.unit.builders import bind, build, make_plan, write

UVICORN = ["python3", "-m", "uvicorn", "app.main:app", "--reload"]
CELERY = ["python3", "-m", "celery", "-A", "app.tasks", "worker"]
DIFFERS = "differs from its copy in the image (/srv/app/main.py)"


def shared_build(root: Path) -> ProjectPlan:
    """Three services of one build: one reloads from a bind, one restarts, one bakes the code; a
    fourth runs the baked service's image without a build of its own."""
    write(root, "Dockerfile", 'FROM python:3.12\nWORKDIR /srv\nCOPY app/ /srv/app/\nCMD ["python3"]\n')
    write(root, "app/main.py", "app = 1\n")
    write(root, "app/tasks.py", "")
    write(root, "app/__init__.py", "")
    write(root, "README.md", "# demo\n")
    code = [bind(root / "app", "/srv/app")]
    services: dict[str, Any] = {
        "web": {"build": build(root), "image": "demo-web", "command": UVICORN, "volumes": code},
        "worker": {"build": build(root), "image": "demo-worker", "command": CELERY, "volumes": code},
        "baked": {"build": build(root), "image": "demo-baked", "command": ["python3", "-m", "app.main"]},
        "cron": {"image": "demo-baked", "command": ["python3", "-m", "app.tasks"]},
    }
    return make_plan(root, services)


def stale(root: Path, relative: str, how: str = DIFFERS) -> Stale:
    return Stale(root / relative, how)


def test_a_baked_file_that_differs_rebuilds_the_services_that_bake_it_only(tmp_path: Path) -> None:
    plan = shared_build(tmp_path)
    differing = [stale(tmp_path, "app/main.py")]
    found = catch_up(plan, {"web": differing, "worker": differing, "baked": differing}, {})
    assert {d.service: str(d.action) for d in found} == {"baked": "rebuild", "cron": "rebuild"}
    baked = next(d for d in found if d.service == "baked")
    copied = "app/main.py is baked into the image by `COPY app/ /srv/app/` (Dockerfile:3)"
    assert baked.reason == f"./app/main.py {DIFFERS}: {copied}"
    assert baked.paths == (tmp_path / "app" / "main.py",)
    cron = next(d for d in found if d.service == "cron")
    assert "it runs image demo-baked, which baked builds" in cron.reason


def test_files_no_copy_takes_are_nothing(tmp_path: Path) -> None:
    plan = shared_build(tmp_path)
    how = "changed after its image was built (no COPY of its final stage shows a copy to compare)"
    readme = [stale(tmp_path, "README.md", how), stale(tmp_path, "devloop.toml", how)]
    assert catch_up(plan, {"baked": readme, "web": readme}, {}) == []


def test_the_dockerfile_rebuilds_every_service_of_its_build(tmp_path: Path) -> None:
    plan = shared_build(tmp_path)
    dockerfile = [stale(tmp_path, "Dockerfile", "differs from the content its image was built from")]
    found = catch_up(plan, {n: dockerfile for n in ("web", "worker", "baked")}, {})
    assert {d.service: str(d.action) for d in found} == dict.fromkeys(
        ("baked", "cron", "web", "worker"), "rebuild"
    )
    assert found[0].reason == (
        "./Dockerfile differs from the content its image was built from: Dockerfile is a build input of baked"
    )


def test_bound_files_newer_than_the_container_restart_only_what_a_live_edit_restarts(tmp_path: Path) -> None:
    plan = shared_build(tmp_path)
    newer = [stale(tmp_path, "app/tasks.py", "changed after the container started")]
    found = catch_up(plan, {}, {"web": newer, "worker": newer})
    assert [(d.service, str(d.action)) for d in found] == [("worker", "restart")]  # web reloads by itself
    assert found[0].reason.startswith("./app/tasks.py changed after the container started: tasks.py is under")


def test_the_strongest_action_wins_and_the_reason_counts_the_files(tmp_path: Path) -> None:
    plan = shared_build(tmp_path)
    differing = [stale(tmp_path, "app/main.py"), stale(tmp_path, "app/tasks.py")]
    newer = [stale(tmp_path, "app/tasks.py", "changed after the container started")]
    found = catch_up(plan, {"baked": differing}, {"baked": newer, "worker": newer})
    assert {d.service: str(d.action) for d in found} == {
        "baked": "rebuild",
        "cron": "rebuild",
        "worker": "restart",
    }
    assert "(and 1 more file)" in next(d for d in found if d.service == "baked").reason
