"""Which process a service's container really runs, and where devloop read that."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from devloop.inference.images import official_image
from devloop.model.dockerfile import Dockerfile, Process
from devloop.model.project import Service


@dataclass(frozen=True)
class EffectiveProcess:
    argv: tuple[str, ...]
    source: str  # e.g. "compose command", "image CMD", "Dockerfile:7 CMD"


@dataclass(frozen=True)
class ImageProcess:
    """ENTRYPOINT and CMD of a local image, as the engine reports them."""

    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    volumes: tuple[str, ...] = ()  # the image's VOLUME targets


def effective_process(
    service: Service,
    image: ImageProcess | None,
    dockerfile: Dockerfile | None,
    where: Mapping[str, str] | None = None,
) -> EffectiveProcess:
    """Compose entrypoint/command first, then the local image, then the Dockerfile's stage.

    An entrypoint set in compose replaces the image's and drops the image's CMD, as `docker run
    --entrypoint` does (a null one keeps the image's); a command set in compose keeps the image's
    entrypoint. `where`: where compose's `entrypoint` and `command` are written (`compose.yaml:9
    command`), for citations.
    """
    lines = where or {}
    entrypoint = lines.get("entrypoint") or "compose entrypoint"
    command = lines.get("command") or "compose command"
    if service.entrypoint is not None:
        return EffectiveProcess(service.entrypoint + (service.command or ()), entrypoint)
    base_entrypoint, base_cmd, entry_src, cmd_src = _from_image_or_dockerfile(service, image, dockerfile)
    if service.command is not None:
        source = command + (f" after {entry_src} ENTRYPOINT" if base_entrypoint else "")
        return EffectiveProcess((base_entrypoint or ()) + service.command, source)
    if base_entrypoint or base_cmd:
        parts = ((entry_src + " ENTRYPOINT", base_entrypoint), (cmd_src + " CMD", base_cmd))
        sources = [s for s, v in parts if v]
        return EffectiveProcess((base_entrypoint or ()) + (base_cmd or ()), " + ".join(sources))
    return EffectiveProcess((), "nothing: no command in compose, the image or the Dockerfile")


def _from_image_or_dockerfile(
    service: Service, image: ImageProcess | None, dockerfile: Dockerfile | None
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, str, str]:
    stage = dockerfile.stage(service.build.target if service.build else None) if dockerfile else None
    if image is not None and (
        stage is None or (image.entrypoint, image.cmd) != (stage.process.entrypoint, stage.process.cmd)
    ):
        return image.entrypoint, image.cmd, f"image {service.image}", f"image {service.image}"
    if stage is None or dockerfile is None:
        official = official_image(service.image) if image is None and service.image else None
        if official is not None:  # not pulled yet: what the official image runs
            where = f"official image {service.image}"
            return official[0], official[1], where, where
        return None, None, "", ""
    process: Process = stage.process
    name = dockerfile.path.name
    if process.entrypoint is None and process.cmd is None:  # both inherited from the base image
        root = stage
        while root.parent is not None:
            root = dockerfile.stages[root.parent]
        official = official_image(root.base)
        if official is not None:
            where = f"{name}: FROM {root.base}, the official image's"
            return official[0], official[1], where, where
    return (
        process.entrypoint,
        process.cmd,
        f"{name}:{process.entrypoint_line}",
        f"{name}:{process.cmd_line}",
    )
