"""Are bind mounts real? For every running container of a project, what it sees at each bind
target against the host source: a probe file written on the host must show up inside.

For `devloop up`: `verify_mounts(engine, project, plan)` -> checks, `by_service(checks)` ->
`ServiceMounts` with `.broken`; `check.finding(kind, base)` says what is wrong and what to do.
Probe files are named `.devloop-probe-*` (see `is_probe`): watchers should ignore them.
"""

from __future__ import annotations

import enum
import os
import stat
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from devloop.adapters.container_view import (
    PROBE_PREFIX,
    SAMPLE,
    VIEWS,
    ContainerView,
    Listing,
    Unavailable,
    folder_listing,
    is_probe,
)
from devloop.adapters.engine import SERVICE_LABEL, Engine
from devloop.checks.engine import EngineKind, share_hint
from devloop.checks.finding import Finding
from devloop.errors import EngineError
from devloop.planning.planner import ProjectPlan, show

__all__ = [
    "BROKEN", "PROBE_PREFIX", "SAMPLE", "VIEWS", "Listing", "MountCheck", "MountStatus", "ServiceMounts",
    "by_service", "classify_file", "classify_mount", "is_probe", "mount_finding", "verify_mounts",
]  # fmt: skip

MAX_FILE = 1 << 20  # bytes compared per single-file bind
_PROBE_WAITS = (0.0, 0.05, 0.15, 0.3)  # seconds: VM file sharing may show a new file late


class MountStatus(str, enum.Enum):
    OK = "ok"
    EMPTY = "empty"  # the container sees an empty folder where the host has files
    STALE = "stale"  # the container sees another folder or an older file than the host
    DIFFERENT = "different"  # listings differ, and no probe could tell which side is live
    MISSING_SOURCE = "missing-source"
    NOT_MOUNTED = "not-mounted"  # in the compose file, not in the running container
    UNCHECKED = "unchecked"
    SKIPPED = "skipped"  # a socket or device: nothing to compare

    def __str__(self) -> str:
        return self.value


BROKEN = frozenset(
    {MountStatus.EMPTY, MountStatus.STALE, MountStatus.MISSING_SOURCE, MountStatus.NOT_MOUNTED}
)


# --- verdicts: pure ---


def _few(names: Iterable[str], limit: int = 4) -> str:
    items = sorted(names)
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _window(host: Listing, inside: Listing) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Both samples cut to the names both cover (a sample holds the first names in order)."""
    ends = [listing.names[-1] for listing in (host, inside) if not listing.complete and listing.names]
    end = min(ends) if ends else None
    return (
        {n: s for n, s in host.entries if end is None or n <= end},
        {n: s for n, s in inside.entries if end is None or n <= end},
    )


def classify_mount(
    host: Listing | None, inside: Listing | None, probe_seen: bool | None
) -> tuple[MountStatus, str]:
    """Judge a folder bind from both samples and whether a file written on the host showed up in
    the container (None: no probe was written)."""
    if host is None:
        return MountStatus.MISSING_SOURCE, "the source folder does not exist on the host"
    if probe_seen:
        return MountStatus.OK, "a file written on the host appeared in the container"
    if inside is None:
        return MountStatus.UNCHECKED, "the container's side could not be read"
    missed = "; a file written on the host did not appear in the container" if probe_seen is False else ""
    if not inside.entries:
        if host.entries:
            return MountStatus.EMPTY, f"the host folder has {_few(host.names)}{missed}"
        if probe_seen is False:
            return MountStatus.EMPTY, "the container sees an empty folder" + missed
        return MountStatus.OK, "both sides are empty"
    ours, theirs = _window(host, inside)
    both = set(ours) & set(theirs)
    resized = {n for n in both if None not in (ours[n], theirs[n]) and ours[n] != theirs[n]}
    sides = (
        ("only in the container", set(theirs) - set(ours)),
        ("only on the host", set(ours) - set(theirs)),
        ("sizes differ", resized),
    )
    parts = "; ".join(f"{label}: {_few(names)}" for label, names in sides if names)
    if probe_seen is False:
        return MountStatus.STALE, f"the container sees another folder ({parts or 'same names'}){missed}"
    if parts:
        return MountStatus.DIFFERENT, parts
    return MountStatus.OK, "the same names and sizes on both sides"


def classify_file(host: bytes | None, inside: bytes | None) -> tuple[MountStatus, str]:
    """Judge a single-file bind from the first bytes of both sides (None: not readable)."""
    if host is None:
        return MountStatus.UNCHECKED, "the host file could not be read"
    if inside is None:
        return MountStatus.UNCHECKED, "the container's copy could not be read"
    if host == inside:
        return MountStatus.OK, "the same content on both sides"
    return (
        MountStatus.STALE,
        f"the container sees another version of the file ({len(inside)} bytes, the "
        f"host {len(host)} bytes): the file was replaced after the container started",
    )


def mount_finding(
    service: str,
    bind: str,
    status: MountStatus,
    detail: str,
    is_file: bool = False,
    kind: EngineKind | None = None,
) -> Finding | None:
    """The finding for one checked bind mount, or None when it works."""
    recreate = f"docker compose up -d --force-recreate {service}"
    if status is MountStatus.EMPTY:
        return Finding(
            "error", service, "mount", f"{bind} is empty in the container: {detail}", share_hint(kind)
        )
    if status is MountStatus.STALE and is_file:
        return Finding(
            "error",
            service,
            "mount",
            f"{bind} is stale: {detail}",
            f"docker compose restart {service}; editors save by writing a new file and renaming "
            "it, which a single-file bind does not follow: bind the folder instead",
        )
    if status is MountStatus.STALE:
        return Finding(
            "error",
            service,
            "mount",
            f"{bind} is stale: {detail}",
            "the host folder was replaced (moved, re-created, swapped) after the container "
            f"started: {recreate}",
        )
    if status is MountStatus.DIFFERENT:
        return Finding(
            "warning",
            service,
            "mount",
            f"{bind} differs between host and container: {detail}",
            f"files may be changing right now: run devloop doctor again; if it stays: {recreate}",
        )
    if status is MountStatus.MISSING_SOURCE:
        return Finding(
            "error",
            service,
            "mount",
            f"{bind}: the source does not exist on the host",
            f"create it or fix the path in the compose file, then docker compose up -d {service}",
        )
    if status is MountStatus.NOT_MOUNTED:
        return Finding(
            "error",
            service,
            "mount",
            f"{bind} is in the compose file, not in the running container ({detail})",
            f"the container is older than the compose file: docker compose up -d {service}",
        )
    if status is MountStatus.UNCHECKED:
        return Finding("info", service, "mount", f"{bind} was not checked: {detail}", "")
    return None


# --- checks: the adapter ---


@dataclass(frozen=True)
class MountCheck:
    """One bind mount of one running container, as checked."""

    service: str
    container: str
    source: Path
    target: PurePosixPath
    read_only: bool
    status: MountStatus
    detail: str = ""
    via: str = ""  # procfs, exec or archive; host or engine when the container was not looked into
    is_file: bool = False

    @property
    def broken(self) -> bool:
        """Edits on the host do not reach the container through this mount."""
        return self.status in BROKEN

    def describe(self, base: Path | None = None) -> str:
        source = show(self.source, base) if base else str(self.source)
        return f"{source}:{self.target}{':ro' if self.read_only else ''}"

    def finding(self, kind: EngineKind | None = None, base: Path | None = None) -> Finding | None:
        return mount_finding(self.service, self.describe(base), self.status, self.detail, self.is_file, kind)


@dataclass(frozen=True)
class ServiceMounts:
    service: str
    checks: tuple[MountCheck, ...]

    @property
    def broken(self) -> bool:
        return any(c.broken for c in self.checks)

    @property
    def broken_checks(self) -> tuple[MountCheck, ...]:
        return tuple(c for c in self.checks if c.broken)


def by_service(checks: Iterable[MountCheck]) -> dict[str, ServiceMounts]:
    grouped: dict[str, list[MountCheck]] = {}
    for check in checks:
        grouped.setdefault(check.service, []).append(check)
    return {name: ServiceMounts(name, tuple(found)) for name, found in sorted(grouped.items())}


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
