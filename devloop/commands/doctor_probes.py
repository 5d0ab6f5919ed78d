"""What `devloop doctor` checks on each container, service and image of a project: each probe
reads the engine or the host and hands the facts to a verdict of `checks/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devloop.adapters.appledouble import clean
from devloop.adapters.engine import SERVICE_LABEL, Engine
from devloop.adapters.file_events import file_events
from devloop.adapters.host import filesystem_lookup
from devloop.adapters.logs import last_lines
from devloop.adapters.mounts import check_container
from devloop.checks.engine import EngineKind
from devloop.checks.filesystems import filesystem_finding
from devloop.checks.finding import Finding
from devloop.checks.images import (
    appledouble_finding,
    command_finding,
    stale_container_finding,
    stale_image_finding,
)
from devloop.checks.mounts import MountCheck
from devloop.checks.services import down_finding, file_events_finding
from devloop.checks.writes import env_path_findings, lost_write_findings, lost_writes
from devloop.load.staleness import stale_builds
from devloop.model.dockerfile import read_dockerfile
from devloop.model.ignore import NOISE_DIRS
from devloop.outcome.failures import failures
from devloop.outcome.programs import plain
from devloop.outcome.where import location, sources_of
from devloop.planning.catchup import catch_up
from devloop.planning.planner import ProjectPlan, ServicePlan, show

_SKIP_DIRS = NOISE_DIRS | {"node_modules", ".venv", "venv", ".tox"}  # bounds the AppleDouble walk


def container_findings(
    engine: Engine, plan: ProjectPlan, container: Any, kind: EngineKind, checked: list[MountCheck]
) -> list[Finding]:
    service_plan = plan.service(container.labels[SERVICE_LABEL])
    service = service_plan.service
    attrs = container.attrs
    base = plan.project.directory
    checks = check_container(engine, container, plan)
    checked.extend(checks)
    findings = [f for f in (c.finding(kind, base) for c in checks) if f]
    covered = [m.get("Destination", "") for m in attrs.get("Mounts") or ()]
    covered += list((attrs.get("HostConfig") or {}).get("Tmpfs") or {})
    findings += lost_write_findings(service.name, lost_writes(engine.diff(container.id), covered))
    working_dir = (attrs.get("Config") or {}).get("WorkingDir") or service.working_dir
    findings += env_path_findings(service.name, service.env, covered, working_dir)
    if service.image and engine.image_id(service.image) not in (None, attrs.get("Image")):
        findings.append(stale_container_finding(service.name, service.image))
    return findings


def down_findings(plan: ProjectPlan, container: Any) -> list[Finding]:
    """A container that exited or keeps restarting, with the last error its output shows."""
    service_plan = plan.service(container.labels[SERVICE_LABEL])
    state = container.attrs.get("State") or {}
    found = failures([plain(line) for line in last_lines(container)])
    error = where = None
    if found:
        error = found[-1].error
        where = location(found[-1].frames, sources_of(service_plan, plan.project.directory, Path.is_file))
    elif state.get("Error"):
        error = str(state["Error"])
    finding = down_finding(
        service_plan.name, container.name, str(state.get("Status", container.status)),
        state.get("ExitCode"), error, where,
    )  # fmt: skip
    return [finding] if finding else []


def file_event_findings(engine: Engine, plan: ProjectPlan, container: Any) -> list[Finding]:
    """Whether a host edit raises a file event where a reloader listens (one bind per service:
    the first folder of the project it mounts)."""
    service_plan = plan.service(container.labels[SERVICE_LABEL])
    roots = [plan.project.directory] + [s.service.build.context for s in plan.services if s.service.build]
    binds = [
        b
        for b in service_plan.service.binds
        if b.source.is_dir() and any(b.source == r or r in b.source.parents for r in roots)
    ]
    if not binds:
        return []
    bind = binds[0]
    seen = file_events(engine, container.id, bind.source, bind.target)
    finding = file_events_finding(
        service_plan.name, bind.shown(plan.project.directory), service_plan.verdict.program, seen
    )
    return [finding] if finding else []


def idle_findings(service_plan: ServicePlan) -> list[Finding]:
    """What can be told of a service that does not run: bind sources and env paths."""
    service = service_plan.service
    findings = [
        Finding(
            "warning",
            service.name,
            "mount",
            f"{show(b.source, service_plan.base)}:{b.target}: the source does not exist on the host",
            "create it, or docker creates an empty folder there (or fails)",
        )
        for b in service.binds
        if not b.source.exists()
    ]
    covered = [str(b.target) for b in service.binds] + [str(v) for v in service.volumes]
    return findings + env_path_findings(service.name, service.env, covered, service.working_dir)


def image_findings(engine: Engine, plan: ProjectPlan, group: list[ServicePlan]) -> list[Finding]:
    """Build inputs that differ from the image, where an edit of them would rebuild (or sync) the
    service: what `devloop up` catches up at start."""
    findings: list[Finding] = []
    for service_plan in group:
        if engine.image_id(service_plan.service.image or "") is None:
            image = service_plan.service.image
            text, hint = f"image {image} is not built yet", f"docker compose build {service_plan.name}"
            findings.append(Finding("info", service_plan.name, "stale-image", text, hint))
    names = {p.name for p in group}
    for decision in catch_up(plan, stale_builds(engine, group), {}):
        if decision.service in names:
            image = plan.service(decision.service).service.image or ""
            findings.append(stale_image_finding([decision.service], image, decision.reason))
    return findings


def command_findings(engine: Engine, service_plan: ServicePlan) -> list[Finding]:
    service = service_plan.service
    if service.entrypoint is not None or not service.image:
        return []
    image = engine.image_process(service.image)
    cmd, where = (image.cmd, f"image {service.image}") if image else (None, "")
    if cmd is None and service.build is not None and service.build.dockerfile is not None:
        dockerfile = read_dockerfile(service.build.dockerfile)
        stage = dockerfile.stage(service.build.target) if dockerfile else None
        cmd, where = (stage.process.cmd if stage else None), show(service.build.dockerfile, service_plan.base)
    found = command_finding(service.name, service.command, cmd, where, service_plan.verdict.reloads)
    return [found] if found else []


def appledouble_findings(plan: ProjectPlan) -> list[Finding]:
    roots = {b.source for s in plan.services for b in s.service.binds}
    roots |= {s.service.build.context for s in plan.services if s.service.build}
    report = clean(sorted(roots), dry_run=True, exclude=lambda p: p.name in _SKIP_DIRS)
    found = appledouble_finding([show(p, plan.project.directory) for p in report.removed])
    return [found] if found else []


def filesystem_findings(plan: ProjectPlan) -> list[Finding]:
    """One finding per filesystem that bind sources or build contexts sit on and that needs advice."""
    fstype = filesystem_lookup()
    groups: dict[tuple[str, str], tuple[list[Path], list[str]]] = {}
    for service_plan in plan.services:
        service = service_plan.service
        for path in [b.source for b in service.binds] + ([service.build.context] if service.build else []):
            mount = fstype(str(path)) if path.exists() else None
            if mount is not None:
                paths, users = groups.setdefault(mount, ([], []))
                paths += [path] if path not in paths else []
                users += [service.name] if service.name not in users else []
    findings = []
    for (_, kind), (paths, users) in groups.items():
        more = f" (and {len(paths) - 1} more)" if len(paths) > 1 else ""
        finding = filesystem_finding(users, show(paths[0], plan.project.directory) + more, kind)
        findings += [finding] if finding else []
    return findings
