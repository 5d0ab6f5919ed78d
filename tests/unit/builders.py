"""Helpers for planner unit tests: compose config dicts shaped like `docker compose config --format
json` output (absolute paths, long-form volumes), real files on disk, and the pure planner."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from devloop.inference.process import ImageProcess
from devloop.inference.reloaders import detect_reload, split_command
from devloop.inference.scope import scope_of
from devloop.load.compose_config import project_from_config
from devloop.load.facts import collect_facts
from devloop.model.project import Project
from devloop.model.settings import Settings, parse_settings
from devloop.planning.planner import ChangePlan, ProjectPlan, plan_project
from devloop.planning.route import route


def write(root: Path, relative: str, text: str = "") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def bind(source: Path, target: str, read_only: bool = False) -> dict[str, Any]:
    volume: dict[str, Any] = {"type": "bind", "source": str(source), "target": target, "bind": {}}
    if read_only:
        volume["read_only"] = True
    return volume


def build(context: Path, dockerfile: str = "Dockerfile", **extra: Any) -> dict[str, Any]:
    return {"context": str(context), "dockerfile": dockerfile, **extra}


def project(root: Path, services: Mapping[str, Mapping[str, Any]], name: str = "demo") -> Project:
    """A Project as compose_model builds it from resolved config, with compose.yaml and .env."""
    config = {"name": name, "services": dict(services), "networks": {"default": {"name": f"{name}_default"}}}
    return project_from_config(config, root, (root / "compose.yaml",), (root / ".env",))


def make_plan(
    root: Path,
    services: Mapping[str, Mapping[str, Any]],
    settings: Settings | Mapping[str, Any] | None = None,
    images: Mapping[str, ImageProcess] | None = None,
) -> ProjectPlan:
    """Plan a project the way `devloop plan` does: facts read from disk, images from a fake engine."""
    if isinstance(settings, Mapping):
        settings = parse_settings(settings, root / "devloop.toml")
    settings = settings or Settings()
    proj = project(root, services)
    lookup: Callable[[str], ImageProcess | None] | None = (images or {}).get if images is not None else None
    extra = [settings.source] if settings.source else []
    return plan_project(proj, settings, collect_facts(proj, lookup), extra)


def change(plan: ProjectPlan, root: Path, *relative: str) -> ChangePlan:
    return route(plan, [root / r for r in relative])


def actions(plan: ProjectPlan, root: Path, *relative: str) -> dict[str, str]:
    """Per affected service, the action for these changed paths (relative to root)."""
    return {d.service: str(d.action) for d in change(plan, root, *relative).decisions}


def reasons(plan: ProjectPlan, root: Path, *relative: str) -> dict[str, str]:
    return {d.service: d.reason for d in change(plan, root, *relative).decisions}


def strategies(plan: ProjectPlan) -> dict[str, str]:
    return {s.name: str(s.strategy) for s in plan.services}


def covered(command: str, cwd: str, *paths: str) -> list[bool]:
    """Per container path, whether what `command` runs (in `cwd`) picks up an edit of it by itself."""
    scope = scope_of(detect_reload(split_command(command)), PurePosixPath(cwd))
    return [True if scope is None else scope.covers(PurePosixPath(p)) for p in paths]
