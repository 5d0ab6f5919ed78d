"""`devloop doctor`: the engine and tools, bind mounts that do not work, data written where it
will be lost, stale images; a table or `--json`, exit status 1 when anything is an error. Here:
which checks run (the probes of each container, service and image, doctor_probes.py, in a thread
pool) and the findings in order."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from devloop.adapters import compose
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import SERVICE_LABEL, Engine
from devloop.checks.engine import (
    EngineKind,
    compose_finding,
    engine_finding,
    engine_kind,
    sharing_finding,
    unreachable_finding,
)
from devloop.checks.finding import Finding, ordered
from devloop.checks.images import misplaced_findings, not_running_finding
from devloop.checks.mounts import MountCheck, MountStatus
from devloop.commands.doctor_probes import (
    appledouble_findings,
    command_findings,
    container_findings,
    down_findings,
    file_event_findings,
    filesystem_findings,
    idle_findings,
    image_findings,
)
from devloop.errors import DevloopError, EngineError
from devloop.load.context import load_context
from devloop.planning.planner import ProjectPlan, ServicePlan
from devloop.ui import doctor as ui_doctor
from devloop.ui import plan as ui

WORKERS = 8


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
        *(pool.submit(_guarded, container_findings, engine, plan, c, kind, checked) for c in containers),
        *(pool.submit(_guarded, down_findings, plan, c) for c in stopped),
        *(pool.submit(_guarded, file_event_findings, engine, plan, c) for c in reloading.values()),
        *(pool.submit(_guarded, image_findings, engine, plan, group) for group in _build_groups(plan)),
        *(pool.submit(_guarded, command_findings, engine, s) for s in plan.services if s.verdict.reloads),
        pool.submit(_guarded, appledouble_findings, plan),
        pool.submit(_guarded, filesystem_findings, plan),
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
    findings += misplaced_findings(plan)
    for service_plan in idle:
        findings += idle_findings(service_plan)
    for job in jobs:
        findings += job.result()
    # a remote engine's folder may hold what devloop copied in: stale or different, never shared
    unseen = {MountStatus.EMPTY} | ({MountStatus.STALE, MountStatus.DIFFERENT} if kind.remote else set())
    judged = [c for c in checked if c.status in unseen | {MountStatus.OK}]
    missing = sum(1 for c in judged if c.status in unseen)
    return [*findings, sharing_finding(kind, len(judged), missing)]


def _guarded(check: Callable[..., list[Finding]], *args: Any) -> list[Finding]:
    """A check that meets a problem devloop explains (the engine went away) reports it, and the
    other checks still run."""
    try:
        return check(*args)
    except DevloopError as exc:
        name = check.__name__.replace("_findings", "")
        return [Finding("warning", None, name, f"this check did not finish: {exc.message}", exc.hint or "")]


def _build_groups(plan: ProjectPlan) -> list[list[ServicePlan]]:
    groups: dict[object, list[ServicePlan]] = {}
    for service_plan in plan.services:
        if service_plan.service.build is not None and service_plan.service.image:
            groups.setdefault(service_plan.service.build.key, []).append(service_plan)
    return list(groups.values())
