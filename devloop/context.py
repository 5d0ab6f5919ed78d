"""Load everything a command works on: compose project, settings, facts, and the plan."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from devloop.compose import ComposeOptions, load_project
from devloop.engine import Engine
from devloop.errors import EngineError
from devloop.facts import collect_facts
from devloop.model import Project
from devloop.planner import ProjectPlan, plan_project
from devloop.settings import Settings, check_services, find_settings


@dataclass(frozen=True)
class Context:
    options: ComposeOptions
    settings: Settings
    project: Project
    plan: ProjectPlan
    engine_note: str | None = None  # why image facts were not used, if they were not


def load_settings(options: ComposeOptions) -> tuple[ComposeOptions, Settings]:
    """Settings next to the project; their compose_files/profiles apply when none were given."""
    start = Path(options.project_directory or options.cwd).resolve()
    if options.files:
        start = (options.cwd / options.files[0]).resolve().parent
    settings = find_settings(start)
    if settings.source is not None:
        base = settings.source.parent
        if settings.compose_files and not options.files:
            options = replace(options, files=tuple(str(base / f) for f in settings.compose_files))
        if settings.profiles and not options.profiles:
            options = replace(options, profiles=settings.profiles)
    return options, settings


def load_context(options: ComposeOptions, engine: Engine | None = None) -> Context:
    options, settings = load_settings(options)
    project = load_project(options)
    check_services(settings, project.service_names)
    note = None
    lookup = None
    if engine is not None:
        try:
            engine.ping()
            lookup = engine.image_process
        except EngineError as exc:
            note = f"image commands not read ({exc.message}); using the Dockerfiles"
    facts = collect_facts(project, lookup)
    extra = [settings.source] if settings.source else []
    plan = plan_project(project, settings, facts, extra)
    return Context(options, settings, project, plan, note)
