"""Load everything a command works on: compose project, settings, facts, and the plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.adapters.image_reads import image_file
from devloop.adapters.mounts import verify_mounts
from devloop.checks.mounts import MountCheck, MountStatus
from devloop.errors import EngineError
from devloop.load.facts import collect_facts
from devloop.load.project import load_project
from devloop.load.settings_file import find_settings
from devloop.model.project import Bind, Project
from devloop.model.settings import Settings, check_services
from devloop.planning.planner import ProjectPlan, plan_project


@dataclass(frozen=True)
class Context:
    options: ComposeOptions
    settings: Settings
    project: Project
    plan: ProjectPlan
    engine_note: str | None = None  # why image facts were not used, if they were not
    mount_checks: tuple[MountCheck, ...] = ()


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


def unseen_binds(plan: ProjectPlan, checks: Iterable[MountCheck]) -> dict[str, tuple[Bind, ...]]:
    """Per service, the binds whose changes do not reach the container (empty or stale mounts)."""
    found: dict[str, list[Bind]] = {}
    for check in checks:
        if check.status not in (MountStatus.EMPTY, MountStatus.STALE):
            continue
        service = plan.service(check.service).service
        bind = next((b for b in service.binds if b.target == check.target), None)
        if bind is not None and bind not in found.get(check.service, []):
            found.setdefault(check.service, []).append(bind)
    return {name: tuple(binds) for name, binds in found.items()}


def load_context(
    options: ComposeOptions, engine: Engine | None = None, check_mounts: bool = False
) -> Context:
    """Everything a command works on. With `check_mounts`, the bind mounts of running containers
    are verified, and binds the engine does not see are planned as `sync`."""
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
    reader = partial(image_file, engine) if lookup is not None and engine is not None else None
    facts = collect_facts(project, lookup, reader)
    extra = [settings.source] if settings.source else []
    plan = plan_project(project, settings, facts, extra)
    checks: list[MountCheck] = []
    if check_mounts and lookup is not None and engine is not None:
        checks = verify_mounts(engine, project.name, plan)
    unseen = unseen_binds(plan, checks)
    if engine is not None and engine.endpoint.remote:
        unseen = remote_binds(plan, checks)
        note = note or (
            f"the engine runs on another machine ({engine.endpoint.describe()}): bind mounts show "
            "its files, not yours, so devloop copies changes into those services (sync)"
        )
    if unseen:
        plan = plan_project(project, settings, facts, extra, unseen)
    return Context(options, settings, project, plan, note, tuple(checks))


def remote_binds(plan: ProjectPlan, checks: Iterable[MountCheck]) -> dict[str, tuple[Bind, ...]]:
    """Per service, the binds an engine on another machine does not see: all of them, except
    those a mount check found to show the same files (a folder shared with that machine)."""
    seen = {(c.service, c.target) for c in checks if c.status is MountStatus.OK}
    found = {
        s.name: tuple(b for b in s.service.binds if (s.name, b.target) not in seen) for s in plan.services
    }
    return {name: binds for name, binds in found.items() if binds}
