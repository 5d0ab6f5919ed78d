"""Edits made while devloop was not running: find services whose running code is older than
their files, so `devloop up` acts on them once at start."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from devloop.model.ignore import NOISE_DIRS, noise_reason
from devloop.model.project import Action, Strategy
from devloop.planning.planner import Decision, ServicePlan

_DOCKER_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


def parse_docker_time(text: str) -> float | None:
    """Docker's RFC 3339 times (nanoseconds, Z or an offset) -> epoch seconds."""
    match = _DOCKER_TIME.match(text or "")
    if match is None or text.startswith("0001-"):
        return None
    seconds, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone
    return datetime.fromisoformat(f"{seconds}.{(fraction or '0')[:6]:0<6}{zone}").timestamp()


def newest_file(root: Path, skip: Callable[[str], bool]) -> tuple[float, str | None]:
    """The newest modification time under `root` (a folder or file), not following symlinks."""
    best: tuple[float, str | None] = (0.0, None)
    if root.is_file():
        return (root.stat().st_mtime, str(root))
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if skip(entry.path) or noise_reason(entry.path):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in NOISE_DIRS:
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    mtime = entry.stat(follow_symlinks=False).st_mtime
                    if mtime > best[0]:
                        best = (mtime, entry.path)
            except OSError:
                continue
    return best


def baked_is_stale(plan: ServicePlan, image_created: float) -> str | None:
    """Why the image is older than the files baked into it, or None."""
    build = plan.service.build
    if build is None:
        return None
    binds = tuple(str(b.source) for b in plan.service.binds)

    def skip(path: str) -> bool:
        if any(path == b or path.startswith(b + os.sep) for b in binds):
            return True
        relative = os.path.relpath(path, build.context)
        return not relative.startswith("..") and plan.dockerignore.excludes(relative)

    mtime, newest = newest_file(build.context, skip)
    for extra in (build.dockerfile, build.dockerignore):
        if extra is not None and extra.is_file() and extra.stat().st_mtime > mtime:
            mtime, newest = extra.stat().st_mtime, str(extra)
    if newest is not None and mtime > image_created + 1:
        return f"{os.path.relpath(newest, plan.base)} changed after its image was built"
    return None


def mounted_is_stale(plan: ServicePlan, started_at: float) -> str | None:
    """Why a restart-strategy service runs code older than its bind-mounted files, or None."""
    if plan.strategy is not Strategy.RESTART:
        return None
    for bind in plan.service.binds:
        mtime, newest = newest_file(bind.source, lambda _: False)
        if newest is not None and mtime > started_at + 1:
            return f"{os.path.relpath(newest, plan.base)} changed after the container started"
    return None


def catch_up_decision(service: str, action: Action, reason: str) -> Decision:
    return Decision(service, action, f"catch-up: {reason}", ())


def files_under(root: Path, limit: int = 20000) -> list[Path]:
    """The files under a folder (or the file itself), without noise, symlinks not followed."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in NOISE_DIRS]
        found += [Path(folder, f) for f in files if not noise_reason(os.path.join(folder, f))]
        if len(found) >= limit:
            return found[:limit]
    return found
