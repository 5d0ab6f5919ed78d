"""The values the pure core works on: a resolved compose project, its services, and actions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from devloop.model.paths import shown


class Action(enum.IntEnum):
    """What a change means for a service, ordered so that `max()` picks the strongest."""

    NONE = 0
    RELOAD = 1  # the process reloads itself: devloop does nothing
    RESTART = 2
    SYNC = 3
    REBUILD = 4

    def __str__(self) -> str:
        return self.name.lower()


class Strategy(str, enum.Enum):
    """What a service's code changes get."""

    NONE = "none"
    RELOAD = "reload"
    RESTART = "restart"
    SYNC = "sync"
    REBUILD = "rebuild"

    def __str__(self) -> str:
        return self.value

    @property
    def action(self) -> Action:
        return Action[self.name]


@dataclass(frozen=True)
class Bind:
    """A bind mount: a host path seen by the container at `target`."""

    source: Path
    target: PurePosixPath
    read_only: bool = False

    def covers(self, path: Path) -> bool:
        return path == self.source or self.source in path.parents

    def container_path(self, path: Path) -> PurePosixPath:
        return self.target.joinpath(*path.relative_to(self.source).parts)

    def shown(self, base: Path | None = None) -> str:
        """`SOURCE:TARGET[:ro]` as in a compose file, the source relative to `base` when inside."""
        source = shown(self.source, base, dot=True) if base is not None else str(self.source)
        return f"{source}:{self.target}{':ro' if self.read_only else ''}"

    def __str__(self) -> str:
        return self.shown()


@dataclass(frozen=True)
class Build:
    """A service's build: context folder, Dockerfile and the .dockerignore that applies."""

    context: Path
    dockerfile: Path | None  # None for dockerfile_inline
    target: str | None = None
    args: tuple[tuple[str, str], ...] = ()
    dockerignore: Path | None = None

    @property
    def key(self) -> tuple[Path, Path | None, str | None]:
        """Services whose builds share this key are built from the same inputs."""
        return (self.context, self.dockerfile, self.target)


@dataclass(frozen=True)
class WatchRule:
    """A Compose Watch rule from `develop.watch`."""

    action: str
    path: Path
    target: str | None = None
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class VolumeMount:
    """A named or anonymous volume mounted into a service's containers."""

    target: PurePosixPath
    source: str | None = None  # the volume's key in the compose file; None for an anonymous volume
    name: str | None = None  # the engine's name for a named volume (e.g. `shop_node_modules`)
    external: bool = False


@dataclass(frozen=True)
class MountedFile:
    """A compose `secrets:` or `configs:` entry with a `file:` source: compose bind-mounts the file
    at `target`, and the process reads it (at start, as a rule)."""

    kind: str  # "secret" | "config"
    name: str  # its key in the compose file
    source: Path
    target: PurePosixPath


@dataclass(frozen=True)
class Service:
    name: str
    image: str | None = None  # the image name the service runs (built image for build services)
    build: Build | None = None
    binds: tuple[Bind, ...] = ()
    volumes: tuple[PurePosixPath, ...] = ()  # targets of named and anonymous volumes
    entrypoint: tuple[str, ...] | None = None  # None: not set in compose
    command: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    watch_rules: tuple[WatchRule, ...] = ()
    working_dir: str | None = None
    volume_mounts: tuple[VolumeMount, ...] = ()  # the named and anonymous volumes, in detail
    volumes_from: tuple[str, ...] = ()  # services whose mounts it inherits (already in binds/volumes)
    mounted_files: tuple[MountedFile, ...] = ()  # secrets and configs with a `file:` source

    @property
    def env(self) -> dict[str, str]:
        return dict(self.environment)


@dataclass(frozen=True)
class Project:
    name: str
    directory: Path
    services: tuple[Service, ...]
    compose_files: tuple[Path, ...] = ()
    env_files: tuple[Path, ...] = field(default=())

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)
