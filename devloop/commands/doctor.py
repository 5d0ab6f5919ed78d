"""`devloop doctor`: the engine and tools, bind mounts that do not work, data written where it
will be lost, stale images; a table or `--json`, exit status 1 when anything is an error."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devloop.adapters import compose
from devloop.adapters.appledouble import clean
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import SERVICE_LABEL, Engine
from devloop.adapters.file_events import file_events
from devloop.adapters.host import filesystem_lookup
from devloop.adapters.logs import last_lines
from devloop.adapters.mounts import check_container
from devloop.checks.engine import (
    EngineKind,
    compose_finding,
    engine_finding,
    engine_kind,
    sharing_finding,
    unreachable_finding,
)
from devloop.checks.filesystems import filesystem_finding
from devloop.checks.finding import Finding, ordered
from devloop.checks.images import (
    appledouble_finding,
    command_finding,
    misplaced_mount_finding,
    not_running_finding,
    stale_container_finding,
    stale_image_finding,
)
from devloop.checks.mounts import MountCheck, MountStatus
from devloop.checks.services import down_finding, file_events_finding
from devloop.checks.writes import env_path_findings, lost_write_findings, lost_writes
from devloop.errors import DevloopError, EngineError
from devloop.load.context import load_context
from devloop.load.staleness import stale_builds
from devloop.model.dockerfile import read_dockerfile
from devloop.model.ignore import NOISE_DIRS
from devloop.outcome.failures import failures
from devloop.outcome.programs import plain
from devloop.outcome.where import location, sources_of
from devloop.planning.catchup import catch_up
from devloop.planning.planner import ProjectPlan, ServicePlan, show
from devloop.ui import doctor as ui_doctor
from devloop.ui import plan as ui

WORKERS = 8
_SKIP_DIRS = NOISE_DIRS | {"node_modules", ".venv", "venv", ".tox"}  # bounds the AppleDouble walk


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    """Run every check, print a table (or JSON with --json); 1 when any finding is an error."""
    findings = diagnose(options)
    if getattr(args, "json", False):
        ui.print_json({"findings": [f.to_json() for f in findings]})
    else:
        ui_doctor.render(findings, ui.console())
    return 1 if any(f.level == "error" for f in findings) else 0


def diagnose(options: ComposeOptions, engine: Engine | None = None) -> list[Finding]:
    engine = engine or Engine(endpoint=options.endpoint)
    where = engine.endpoint.describe()
    try:
        engine.ping()
    except EngineError as exc:
        return [unreachable_finding(exc.message, exc.hint, where)]
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        info_job = pool.submit(engine.info)
        compose_job = pool.submit(compose.version)
        try:
            loaded = load_context(options, engine)
        except DevloopError as exc:
            loaded = None
            findings.append(
                Finding(
                    "error",
                    None,
                    "project",
                    f"the compose project does not resolve: {exc.message}",
                    exc.hint or "run devloop in the project folder, or pass -f and -p",
                )
            )
        try:
            info = info_job.result()
        except EngineError as exc:
            return ordered([*findings, unreachable_finding(exc.message, exc.hint, where)])
        kind = engine_kind(info, engine.endpoint.host)
        findings += [engine_finding(kind, info, where), compose_finding(compose_job.result())]
        if loaded is not None:
            findings += project_findings(loaded.plan, engine, kind, pool)
    return ordered(findings)


def project_findings(
    plan: ProjectPlan, engine: Engine, kind: EngineKind, pool: ThreadPoolExecutor
) -> list[Finding]:
    """Every check on a resolved project; per-container and per-image checks run in `pool`."""
    project = plan.project
    names = set(project.service_names)
    containers = [c for c in engine.containers(project.name) if c.labels.get(SERVICE_LABEL) in names]
    running = {c.labels[SERVICE_LABEL] for c in containers}
    stopped = [
        c
        for c in engine.containers(project.name, all=True)
        if c.labels.get(SERVICE_LABEL) in names and c.status in ("exited", "dead", "restarting")
    ]
    reloading = {
        c.labels[SERVICE_LABEL]: c
        for c in containers
        if plan.service(c.labels[SERVICE_LABEL]).verdict.reloads
    }
    checked: list[MountCheck] = []  # filled by the container jobs
    jobs: list[Future[list[Finding]]] = [
        *(pool.submit(_guarded, _container_findings, engine, plan, c, kind, checked) for c in containers),
        *(pool.submit(_guarded, _down_findings, plan, c) for c in stopped),
        *(pool.submit(_guarded, _file_event_findings, engine, plan, c) for c in reloading.values()),
        *(pool.submit(_guarded, _image_findings, engine, plan, group) for group in _build_groups(plan)),
        *(pool.submit(_guarded, _command_findings, engine, s) for s in plan.services if s.verdict.reloads),
        pool.submit(_guarded, _appledouble_findings, plan),
        pool.submit(_guarded, _filesystem_findings, plan),
    ]
    idle = [s for s in plan.services if s.name not in running]
    findings = [
        Finding(
            "info",
            None,
            "project",
            f"{project.name}: {len(project.services)} service(s) in "
            f"{project.directory}, {len(containers)} running container(s)",
        )
    ]
    findings += [f for f in [not_running_finding([s.name for s in idle])] if f]
    findings += _misplaced_findings(plan)
    for service_plan in idle:
        findings += _idle_findings(service_plan)
    for job in jobs:
        findings += job.result()
    # a remote engine's folder may hold what devloop copied in: stale or different, never shared
    unseen = {MountStatus.EMPTY} | ({MountStatus.STALE, MountStatus.DIFFERENT} if kind.remote else set())
    judged = [c for c in checked if c.status in unseen | {MountStatus.OK}]
    missing = sum(1 for c in judged if c.status in unseen)
    return [*findings, sharing_finding(kind, len(judged), missing)]


def _misplaced_findings(plan: ProjectPlan) -> list[Finding]:
    """Code bind mounts outside where the process runs from (read from the plan, no engine needed)."""
    found = []
    for service_plan in plan.services:
        program = (service_plan.verdict.program or "the process").split()[0]
        for m in service_plan.misplaced:
            bind = f"{show(m.bind.source, service_plan.base)}:{m.bind.target}"
            suggested = f"`{show(m.bind.source, service_plan.base)}:{m.baked_at}`"
            at = service_plan.where.get(f"mount:{m.bind.target}", "")
            found.append(misplaced_mount_finding(service_plan.name, bind, m.lands(program), suggested, at))
    return found


def _guarded(check: Callable[..., list[Finding]], *args: Any) -> list[Finding]:
    """A check that meets a problem devloop explains (the engine went away) reports it, and the
    other checks still run."""
    try:
        return check(*args)
    except DevloopError as exc:
        name = check.__name__.strip("_").replace("_findings", "")
        return [Finding("warning", None, name, f"this check did not finish: {exc.message}", exc.hint or "")]


def _container_findings(
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


def _down_findings(plan: ProjectPlan, container: Any) -> list[Finding]:
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


def _file_event_findings(engine: Engine, plan: ProjectPlan, container: Any) -> list[Finding]:
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


def _idle_findings(service_plan: ServicePlan) -> list[Finding]:
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


def _build_groups(plan: ProjectPlan) -> list[list[ServicePlan]]:
    groups: dict[object, list[ServicePlan]] = {}
    for service_plan in plan.services:
        if service_plan.service.build is not None and service_plan.service.image:
            groups.setdefault(service_plan.service.build.key, []).append(service_plan)
    return list(groups.values())


def _image_findings(engine: Engine, plan: ProjectPlan, group: list[ServicePlan]) -> list[Finding]:
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


def _command_findings(engine: Engine, service_plan: ServicePlan) -> list[Finding]:
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


def _appledouble_findings(plan: ProjectPlan) -> list[Finding]:
    roots = {b.source for s in plan.services for b in s.service.binds}
    roots |= {s.service.build.context for s in plan.services if s.service.build}
    report = clean(sorted(roots), dry_run=True, exclude=lambda p: p.name in _SKIP_DIRS)
    found = appledouble_finding([show(p, plan.project.directory) for p in report.removed])
    return [found] if found else []


def _filesystem_findings(
    plan: ProjectPlan, fstype: Callable[[str], tuple[str, str] | None] | None = None
) -> list[Finding]:
    """One finding per filesystem that bind sources or build contexts sit on and that needs advice."""
    fstype = fstype or filesystem_lookup()
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
