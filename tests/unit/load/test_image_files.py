"""A file no bind or COPY brings, read from the image (issue 15)."""

from __future__ import annotations

from pathlib import Path

from devloop.load.facts import collect_facts
from devloop.model.project import Strategy
from devloop.model.settings import Settings
from devloop.planning.planner import plan_project
from tests.unit.builders import bind, build, project, write

# -- a start script only the image has ------------------------------------------------------------


def test_a_file_no_bind_or_copy_brings_is_read_from_the_image(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM base/uvicorn:1\nCOPY ./app /app/app\n")
    write(tmp_path, "app/main.py", "")
    script = "#!/bin/sh\nset -e\nexec uvicorn app.main:app --reload --host 0.0.0.0\n"
    asked: list[tuple[str, str]] = []

    def image_files(image: str, path: str) -> str | None:
        asked.append((image, path))
        return script if (image, path) == ("base/uvicorn:1", "/start-reload.sh") else None

    services = {"api": {"build": build(tmp_path), "command": "/start-reload.sh",
                        "volumes": [bind(tmp_path / "app", "/app/app")]}}  # fmt: skip
    proj = project(tmp_path, services)
    facts = collect_facts(proj, None, image_files)
    plan = plan_project(proj, Settings(), facts)
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD
    assert "(image base/uvicorn:1:/start-reload.sh:3, via compose command)" in api.reason
    assert asked == [("demo-api", "/start-reload.sh"), ("base/uvicorn:1", "/start-reload.sh")]
    assert plan.read_files == frozenset()  # nothing on the host to watch for it
    without = plan_project(proj, Settings(), collect_facts(proj)).service("api")
    assert "runs `/start-reload.sh`, which devloop cannot read" in without.reason
