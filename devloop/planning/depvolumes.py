"""Volumes that mask the image's dependency folder (node_modules, .venv, site-packages): a rebuild
installs new dependencies into the image, but the container keeps seeing the volume's old copy.
Compose reuses anonymous volumes on recreate (`--renew-anon-volumes` renews them); a named volume
stays until it is removed. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from devloop.model.project import Service

DEPENDENCY_DIRS = frozenset(
    {"node_modules", ".venv", "venv", "site-packages", "dist-packages", ".pnpm-store"}
)
_PATH_VARIABLES = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONUSERBASE", "NODE_PATH", "GEM_HOME", "BUNDLE_PATH")


@dataclass(frozen=True)
class DependencyVolume:
    target: PurePosixPath
    name: str | None  # the engine's volume name; None for an anonymous volume
    why: str  # what makes it a dependency folder, e.g. "node_modules" or "PYTHONPATH"
    external: bool = False

    def describe(self) -> str:
        kind = f"named volume {self.name}" if self.name else "anonymous volume"
        return f"the {kind} at {self.target} ({self.why})"


def dependency_volumes(service: Service, env: Mapping[str, str]) -> tuple[DependencyVolume, ...]:
    """The volumes of a built service that mask a dependency folder of its image."""
    if service.build is None:
        return ()
    listed: dict[PurePosixPath, str] = {}
    for key in _PATH_VARIABLES:
        for entry in env.get(key, "").split(":"):
            if entry.startswith("/"):
                listed.setdefault(PurePosixPath(entry), key)
    found = []
    for mount in service.volume_mounts:
        named = next((p for p in mount.target.parts if p in DEPENDENCY_DIRS), None)
        why = named or listed.get(mount.target)
        if why is not None:
            found.append(DependencyVolume(mount.target, mount.name, why, mount.external))
    return tuple(found)


def rebuild_note(service: str, volumes: Sequence[DependencyVolume]) -> str:
    """What a rebuild does about them, for the reason of a rebuild decision."""
    anonymous = [v for v in volumes if v.name is None]
    notes = []
    if anonymous:
        where = ", ".join(str(v.target) for v in anonymous)
        notes.append(f"the rebuild renews the anonymous volume at {where} (--renew-anon-volumes)")
    for volume in volumes:
        if volume.name is not None:
            notes.append(f"{volume.describe()} keeps the old dependencies: {_removal(service, volume)}")
    return "; ".join(notes)


def _removal(service: str, volume: DependencyVolume) -> str:
    if volume.external:
        return f"it is external: recreate {volume.name} yourself"
    return f"remove it with `docker compose rm -sf {service} && docker volume rm {volume.name}`"


def volume_notices(service: str, volumes: Iterable[DependencyVolume]) -> list[tuple[str, str]]:
    """(message, hint) per named volume that a rebuild of `service` leaves stale."""
    notices = []
    for volume in volumes:
        if volume.name is None:
            continue
        message = (
            f"{service}: {volume.describe()} hides the rebuilt image's dependencies; "
            "the container keeps the old ones until the volume is removed"
        )
        hint = f"{_removal(service, volume)}, then `docker compose up -d {service}`"
        notices.append((message, hint))
    return notices
