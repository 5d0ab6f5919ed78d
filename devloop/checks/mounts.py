"""Are bind mounts real? The verdict on what a container sees at a bind target against the host
source (the probing is adapters.mounts): empty, stale, missing, a different file, or fine."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from devloop.checks.engine import EngineKind, share_hint
from devloop.checks.finding import Finding
from devloop.model.project import Bind

SAMPLE = 50  # entries compared per folder


@dataclass(frozen=True)
class Listing:
    """A bounded, sorted sample of the names directly under a folder, with file sizes."""

    entries: tuple[tuple[str, int | None], ...]
    complete: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.entries)


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
    if (
        kind is not None
        and kind.remote
        and status in (MountStatus.EMPTY, MountStatus.STALE, MountStatus.DIFFERENT)
    ):
        return Finding(  # what devloop copied in may be there, but never the host folder itself
            "warning",
            service,
            "mount",
            f"{bind} shows a folder of the engine's machine, not yours ({status}: {detail})",
            share_hint(kind),
        )
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
        return Bind(self.source, self.target, self.read_only).shown(base)

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
