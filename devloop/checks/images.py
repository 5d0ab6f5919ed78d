"""Images, commands and build contexts: stale images and containers, a reloader that overrides
the image's CMD, AppleDouble files, services not running, mounts that land in the wrong place."""

from __future__ import annotations

from collections.abc import Sequence

from devloop.checks.finding import Finding
from devloop.planning.planner import ProjectPlan, show


def command_finding(
    service: str,
    command: Sequence[str] | None,
    image_cmd: Sequence[str] | None,
    where: str,
    reloads: bool | None,
) -> Finding | None:
    """compose `command:` with a development reloader replacing the image's CMD: fine in
    development, as long as the production command is not forgotten."""
    if not reloads or command is None or not image_cmd or tuple(command) == tuple(image_cmd):
        return None
    return Finding(
        "info",
        service,
        "command-override",
        f"compose `command: {' '.join(command)}` (a development reloader) replaces the CMD of "
        f"{where} ({' '.join(image_cmd)})",
        "fine in development; production runs the image's CMD, so keep that command working "
        "(e.g. run the image without the override before you ship)",
    )


def stale_image_finding(services: Sequence[str], image: str, reason: str) -> Finding:
    names = " ".join(services)
    return Finding(
        "warning",
        services[0] if len(services) == 1 else None,
        "stale-image",
        f"image {image} does not match its build inputs: {reason}",
        f"rebuild: docker compose up -d --build {names} (devloop up does this when files change)",
    )


def stale_container_finding(service: str, image: str) -> Finding:
    return Finding(
        "warning",
        service,
        "stale-container",
        f"the running container uses an older build of {image} than the one tagged now",
        f"recreate it: docker compose up -d {service}",
    )


def appledouble_finding(paths: Sequence[str]) -> Finding | None:
    if not paths:
        return None
    return Finding(
        "warning",
        None,
        "appledouble",
        f"{len(paths)} macOS AppleDouble file(s) (._*) in build contexts and bind sources, "
        f"e.g. {', '.join(paths[:3])}: copied into images, where they can be imported or parsed",
        "delete them with `devloop clean`; macOS writes them on ExFAT/FAT and network drives, "
        "so a native disk avoids them",
    )


def not_running_finding(services: Sequence[str]) -> Finding | None:
    if not services:
        return None
    return Finding(
        "info",
        services[0] if len(services) == 1 else None,
        "not-running",
        f"not running: {', '.join(services)}; their mounts and writes were not checked",
        "start them (docker compose up -d) and run devloop doctor again",
    )


def misplaced_mount_finding(service: str, bind: str, lands: str, suggested: str, at: str = "") -> Finding:
    """A code bind mount that lands outside where the process runs from: edits never reach it."""
    where = f" ({at})" if at else ""
    return Finding(
        "warning",
        service,
        "mount",
        f"{bind}{where} looks misplaced: it {lands}, so edits under it do not reach the process "
        "(devloop rebuilds the service for them)",
        f"mount it where the process reads the code: {suggested}",
    )


def misplaced_findings(plan: ProjectPlan) -> list[Finding]:
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
