"""The catch-up at start skips what the containers wrote: under a service's bind, a file that looks
like output (a log, a cache) or that neither the user nor the tree's owner owns; a user's file counts."""

from __future__ import annotations

from pathlib import Path

from devloop.load.staleness import container_written, mounted_newer
from tests.unit.builders import bind, build, make_plan, write


def test_what_the_containers_wrote_is_left_out_of_the_catch_up(tmp_path: Path) -> None:
    write(tmp_path, "project/Dockerfile", "FROM python\nWORKDIR /code\nCOPY . .\n")
    write(tmp_path, "project/tasks.py", "x = 1\n")
    code = [bind(tmp_path / "project", "/code")]
    plan = make_plan(tmp_path, {
        "worker": {"build": build(tmp_path / "project"), "command": ["celery", "-A", "tasks", "worker"],
                   "volumes": code},
        "baked": {"build": build(tmp_path / "project"), "command": ["uvicorn", "main:app"]},
    })  # fmt: skip
    log = write(tmp_path, "project/logs/celery.log", "ready\n")
    cache = write(tmp_path, "project/cache/routes.json", "{}")
    outside = write(tmp_path, "logs/host.log", "")  # under no bind: no container wrote it
    written = container_written(plan)
    assert written(str(log)) and written(str(cache))
    assert not written(str(tmp_path / "project/tasks.py"))
    assert not written(str(outside))
    newer = {s.path for s in mounted_newer(plan.service("worker"), 0.0)}
    assert {p for p in newer if not written(str(p))} == {
        tmp_path / "project/tasks.py",
        tmp_path / "project/Dockerfile",
    }
