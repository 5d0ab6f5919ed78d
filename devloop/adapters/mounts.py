"""Are bind mounts real? For every running container of a project, what it sees at each bind
target against the host source: a probe file written on the host must show up inside.

For `devloop up`: `verify_mounts(engine, project, plan)` -> checks, `by_service(checks)` ->
`ServiceMounts` with `.broken`; `check.finding(kind, base)` says what is wrong and what to do.
Probe files are named `.devloop-probe-*` (see `is_probe`): watchers should ignore them.
"""

from __future__ import annotations

import os
import stat
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import Any

from devloop.adapters.container_view import (
    PROBE_PREFIX,
    VIEWS,
    ContainerView,
    Unavailable,
    folder_listing,
)
from devloop.adapters.engine import SERVICE_LABEL, Engine
from devloop.checks.mounts import (
    MountCheck,
    MountStatus,
    classify_file,
    classify_mount,
)
from devloop.errors import EngineError
from devloop.planning.planner import ProjectPlan

MAX_FILE = 1 << 20  # bytes compared per single-file bind
_PROBE_WAITS = (0.0, 0.05, 0.15, 0.3)  # seconds: VM file sharing may show a new file late


def verify_mounts(
    engine: Engine, project: str, plan: ProjectPlan, *, via: Sequence[str] = VIEWS, workers: int = 8
) -> list[MountCheck]:
    """Check every bind mount of every running container of `project` (blocking; containers in
    parallel). Probe files go only into sources inside the project folder or a build context,
    and are removed again; other sources are compared by listing."""
    names = set(plan.project.service_names)
    containers = [c for c in engine.containers(project) if c.labels.get(SERVICE_LABEL) in names]
    if not containers:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(containers)))) as pool:
        found = list(pool.map(lambda c: check_container(engine, c, plan, via), containers))
    return [check for checks in found for check in checks]


def check_container(
    engine: Engine, container: Any, plan: ProjectPlan, via: Sequence[str] = VIEWS
) -> list[MountCheck]:
    """The bind mounts of one running container (an SDK container object)."""
    attrs = container.attrs
    service = container.labels.get(SERVICE_LABEL, "")
    wanted = {b.target: b for b in plan.service(service).service.binds}
    roots = [plan.project.directory] + [s.service.build.context for s in plan.services if s.service.build]
    view = ContainerView(engine, attrs, via)
    checks: list[MountCheck] = []
    for mount in attrs.get("Mounts") or ():
        if mount.get("Type") != "bind":
            continue
        target = PurePosixPath(mount.get("Destination", "/"))
        bind = wanted.pop(target, None)
        real = Path(mount.get("Source", ""))
        read_only = not mount.get("RW", True)
        if bind is not None and real.exists() and os.path.realpath(real) != os.path.realpath(bind.source):
            checks.append(
                MountCheck(
                    service,
                    container.name,
                    bind.source,
                    target,
                    read_only,
                    MountStatus.NOT_MOUNTED,
                    f"the container mounts {real} there",
                    "engine",
                )
            )
            continue
        source = bind.source if bind is not None else real
        probe = any(source == r or r in source.parents for r in roots)
        checks.append(_check_bind(service, container.name, source, target, read_only, view, probe))
    for target, bind in wanted.items():
        checks.append(
            MountCheck(
                service,
                container.name,
                bind.source,
                target,
                bind.read_only,
                MountStatus.NOT_MOUNTED,
                "nothing is mounted there",
                "engine",
            )
        )
    return checks


def _check_bind(
    service: str,
    container: str,
    source: Path,
    target: PurePosixPath,
    read_only: bool,
    view: ContainerView,
    probe: bool,
) -> MountCheck:
    def made(status: MountStatus, detail: str, via: str = "", is_file: bool = False) -> MountCheck:
        return MountCheck(
            service, container, source, target, read_only, status, detail, via or view.used, is_file
        )

    try:
        mode = os.stat(source).st_mode
    except FileNotFoundError:
        return made(MountStatus.MISSING_SOURCE, "the source does not exist on the host", "host")
    except OSError as exc:
        return made(MountStatus.UNCHECKED, f"the host source cannot be read ({exc.strerror})", "host")
    try:
        if stat.S_ISDIR(mode):
            host = folder_listing(source)
            seen = _probe(source, target, view) if probe else None
            inside = None if seen else view.listing(target)
            return made(*classify_mount(host, inside, seen))
        if stat.S_ISREG(mode):
            return made(*classify_file(_read_host(source), view.read(target, MAX_FILE)), is_file=True)
        return made(MountStatus.SKIPPED, "not a file or folder", "host")
    except Unavailable:
        return made(
            MountStatus.UNCHECKED,
            "no way to look into the container (no /proc access, no cat or ls in the image, no docker cp)",
            "none",
        )
    except EngineError as exc:
        return made(MountStatus.UNCHECKED, exc.message)
    except OSError as exc:
        return made(MountStatus.UNCHECKED, f"{exc.strerror or exc}")


def _read_host(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE)
    except OSError:
        return None


def _probe(source: Path, target: PurePosixPath, view: ContainerView) -> bool | None:
    """Write a probe file into the host folder and look for it in the container; None when it
    cannot be written (read-only or not ours)."""
    name = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    path = source / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(name.encode())
        for wait in _PROBE_WAITS:
            time.sleep(wait)
            if view.read(target / name, 4096) == name.encode():
                return True
        return False
    finally:
        with suppress(OSError):
            os.unlink(path)
