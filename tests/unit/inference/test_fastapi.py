"""The FastAPI CLI: `fastapi dev` reloads unless `--no-reload`, `fastapi run` only with `--reload`;
both with uvicorn's reloader, which watches `*.py` in the working directory (or `--reload-dir`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.inference.reloaders import detect_reload, split_command
from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, make_plan, reasons, write


@pytest.mark.parametrize(
    ("command", "reloads", "program"),
    [
        ("fastapi dev", True, "fastapi dev"),
        ("fastapi dev app/main.py --host 0.0.0.0", True, "fastapi dev"),
        ("fastapi dev --port 80 app/main.py", True, "fastapi dev"),
        ("fastapi dev --no-reload app/main.py", False, "fastapi dev"),
        ("fastapi run app/main.py", False, "fastapi run"),
        ("fastapi run --workers 4", False, "fastapi run"),
        ("fastapi run --reload app/main.py", True, "fastapi run"),
        ("python -m fastapi run --reload", True, "fastapi run"),
        ("uv run fastapi dev", True, "fastapi dev"),
        ("sh -c 'exec fastapi run --reload app/main.py'", True, "fastapi run"),
        ("fastapi --version", None, "fastapi"),
        ("fastapi deploy", None, "fastapi"),
    ],
)
def test_fastapi_cli(command: str, reloads: bool | None, program: str) -> None:
    verdict = detect_reload(split_command(command))
    assert (verdict.reloads, verdict.program) == (reloads, program), verdict.reason


def test_it_watches_what_uvicorn_watches() -> None:
    dev = detect_reload(split_command("fastapi dev app/main.py"))
    assert (dev.include, dev.watches_cwd, dev.reload_dirs) == (("*.py",), True, ())
    assert dev.reason == "runs `fastapi dev`, which reloads with uvicorn's reloader by default"
    dirs = detect_reload(split_command("fastapi dev --reload-dir src --reload-dir lib"))
    assert dirs.reload_dirs == ("src", "lib")
    run = detect_reload(split_command("fastapi run --reload app/main.py"))
    assert run.reason == "runs `fastapi run --reload`, which reloads with uvicorn's reloader"


def test_the_full_stack_template_shape(tmp_path: Path) -> None:
    """`fastapi run --reload app/main.py` in /app/backend, the backend bind-mounted there: a Python
    edit reloads, a template (not `*.py`) and a bind outside its folder restart."""
    write(tmp_path, "backend/app/main.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    write(tmp_path, "backend/app/email-templates/build/new_account.html", "<p>hi</p>\n")
    write(tmp_path, "shared/util.py", "")
    service = {
        "image": "backend",
        "working_dir": "/app/backend",
        "command": ["fastapi", "run", "--reload", "app/main.py"],
        "volumes": [bind(tmp_path / "backend", "/app/backend"), bind(tmp_path / "shared", "/shared")],
    }
    prod = {**service, "command": ["fastapi", "run", "--workers", "4"]}
    plan = make_plan(tmp_path, {"backend": service, "prod": prod})
    backend = plan.service("backend")
    assert backend.strategy is Strategy.RELOAD, backend.reason
    assert "it runs `fastapi run --reload`, which reloads with uvicorn's reloader" in backend.reason
    assert actions(plan, tmp_path, "backend/app/main.py") == {"backend": "reload", "prod": "restart"}
    html = "backend/app/email-templates/build/new_account.html"
    assert actions(plan, tmp_path, html) == {"backend": "restart", "prod": "restart"}
    assert "outside what `fastapi` watches (*.py in /app/backend" in reasons(plan, tmp_path, html)["backend"]
    assert actions(plan, tmp_path, "shared/util.py")["backend"] == "restart"
