"""Adapter for the Docker Engine through the Docker SDK: images, containers by compose labels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import requests.exceptions

from devloop.errors import EngineError
from devloop.process import ImageProcess

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class ContainerState:
    id: str
    name: str
    service: str
    image_id: str
    status: str
    started_at: str


@contextmanager
def engine_errors(doing: str) -> Iterator[None]:
    """Turn SDK connection failures into an EngineError that says what to do."""
    try:
        yield
    except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
        if isinstance(exc, docker.errors.APIError) and not _is_connection_error(exc):
            raise
        raise EngineError(
            f"the Docker Engine does not answer while {doing}: {_short(exc)}",
            "start Docker (Docker Desktop, Colima, or dockerd), check DOCKER_HOST, and try again",
        ) from exc


def _is_connection_error(exc: Exception) -> bool:
    return "connection" in str(exc).lower()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


class Engine:
    """The few engine calls devloop makes. Blocking: run them in a worker thread from async code."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            with engine_errors("connecting"):
                self._client = docker.from_env()
        return self._client

    def ping(self) -> None:
        with engine_errors("checking that it runs"):
            self.client.ping()

    def image_process(self, name: str) -> ImageProcess | None:
        """ENTRYPOINT/CMD of a local image, or None when the image is not there."""
        with engine_errors(f"inspecting image {name}"):
            try:
                config = self.client.api.inspect_image(name).get("Config") or {}
            except docker.errors.ImageNotFound:
                return None
            except docker.errors.APIError:
                return None
        entrypoint = config.get("Entrypoint")
        cmd = config.get("Cmd")
        return ImageProcess(tuple(entrypoint) if entrypoint else None, tuple(cmd) if cmd else None)

    def image_id(self, name: str) -> str | None:
        with engine_errors(f"inspecting image {name}"):
            try:
                return str(self.client.api.inspect_image(name)["Id"])
            except docker.errors.ImageNotFound:
                return None

    def image_created(self, name: str) -> str | None:
        with engine_errors(f"inspecting image {name}"):
            try:
                return str(self.client.api.inspect_image(name)["Created"])
            except docker.errors.ImageNotFound:
                return None

    def containers(self, project: str, service: str | None = None, all: bool = False) -> list[Any]:
        labels = [f"{PROJECT_LABEL}={project}"]
        if service is not None:
            labels.append(f"{SERVICE_LABEL}={service}")
        with engine_errors("listing containers"):
            return list(self.client.containers.list(all=all, filters={"label": labels}))

    def states(self, project: str) -> list[ContainerState]:
        states = []
        for container in self.containers(project, all=True):
            attrs = container.attrs
            states.append(
                ContainerState(
                    id=container.id,
                    name=container.name,
                    service=container.labels.get(SERVICE_LABEL, ""),
                    image_id=attrs.get("Image", ""),
                    status=attrs.get("State", {}).get("Status", ""),
                    started_at=attrs.get("State", {}).get("StartedAt", ""),
                )
            )
        return states

    def restart(self, project: str, service: str, timeout: int = 10) -> int:
        """Restart every container (all replicas) of a service; returns how many."""
        containers = self.containers(project, service)
        with engine_errors(f"restarting {service}"):
            for container in containers:
                container.restart(timeout=timeout)
        return len(containers)
