"""Adapter for the Docker Engine through the Docker SDK: images, containers by compose labels."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import docker
import docker.errors
import requests.exceptions

from devloop.adapters.endpoint import Endpoint, choose_endpoint
from devloop.errors import EngineError
from devloop.inference.process import ImageProcess

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


# What a container's log since its start says it holds (task ids), None when the log cannot tell.
Held = Callable[[str], "set[str] | None"]
IDLE_CHECK_S = 0.2  # after SIGTERM, a Celery worker takes no new task within milliseconds


def stop_settings(container: Any) -> tuple[str, int]:
    """The container's own stop signal and grace period (compose `stop_signal` and
    `stop_grace_period`), as `docker stop` uses them; SIGTERM and 10 s by default."""
    config = container.attrs.get("Config") or {}
    timeout = config.get("StopTimeout")
    return str(config.get("StopSignal") or "SIGTERM"), int(timeout) if timeout is not None else 10


def stop_idle(container: Any, held: Held) -> None:
    """Stop a container by its stop signal; when its log then shows it holds no work, kill it
    rather than wait for it to exit by itself (a Celery worker's idle pool takes 1.5-2 s); else
    wait up to its grace period as `docker stop` does."""
    signal, timeout = stop_settings(container)
    container.kill(signal=signal)
    time.sleep(IDLE_CHECK_S)
    since = _epoch(container.attrs.get("State", {}).get("StartedAt", ""))
    log = container.logs(since=since) if since else b""
    if held(log.decode(errors="replace")) == set():
        try:
            container.kill(signal="SIGKILL")
        except docker.errors.APIError:
            pass  # it has exited already
    container.stop(timeout=timeout)  # waits for the exit (or SIGKILLs after the timeout)


def _epoch(text: str) -> float:
    """Epoch seconds of an engine time (RFC 3339 with nanoseconds), 0.0 when unset."""
    if not text or text.startswith("0001-"):
        return 0.0
    head, _, fraction = text.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(head).replace(tzinfo=timezone.utc).timestamp()
    return stamp + float(f"0.{fraction.split('+')[0] or 0}")


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
            "start Docker (Docker Desktop, Colima, or dockerd), or choose another engine with "
            "--context (or DOCKER_HOST, DOCKER_CONTEXT, `docker context use`), and try again",
        ) from exc


def _is_connection_error(exc: Exception) -> bool:
    return "connection" in str(exc).lower()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


class Engine:
    """The few engine calls devloop makes. Blocking: run them in a worker thread from async code."""

    def __init__(self, client: Any | None = None, endpoint: Endpoint | None = None) -> None:
        self._client = client
        self._endpoint = endpoint

    @property
    def endpoint(self) -> Endpoint:
        """The engine this talks to: the one given, else the docker CLI's choice."""
        if self._endpoint is None:
            self._endpoint = choose_endpoint()
        return self._endpoint

    @property
    def client(self) -> Any:
        if self._client is None:
            with engine_errors(f"connecting to {self.endpoint.describe()}"):
                self._client = self.endpoint.client()
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
        volumes = tuple(sorted(config.get("Volumes") or {}))
        return ImageProcess(tuple(entrypoint) if entrypoint else None, tuple(cmd) if cmd else None, volumes)

    @contextmanager
    def created(self, image_id: str) -> Iterator[str | None]:
        """A container created (never started) from a local image, for `docker cp` reads of the
        image's files; removed afterwards. None when it cannot be created."""
        api = self.client.api
        with engine_errors("reading files from an image"):
            try:
                created = api.create_container(
                    image_id, entrypoint=["/devloop-reads-files-only"], network_disabled=True,
                    labels={"devloop.purpose": "read-image-file"},
                )  # fmt: skip
            except docker.errors.APIError:
                created = None
            try:
                yield created["Id"] if created else None
            finally:
                if created:
                    with contextlib.suppress(docker.errors.APIError):
                        api.remove_container(created["Id"], force=True)

    def image_id(self, name: str) -> str | None:
        with engine_errors(f"inspecting image {name}"):
            try:
                return str(self.client.api.inspect_image(name)["Id"])
            except docker.errors.ImageNotFound:
                return None

    def remove_dangling_images(self, project: str) -> int:
        """Remove the untagged images compose built for this project (what rebuilds leave behind)
        that no container uses, as `compose watch --prune` does; returns how many went."""
        labels = f"{PROJECT_LABEL}={project}"
        removed = 0
        with engine_errors("removing replaced images"):
            for image in self.client.api.images(filters={"dangling": True, "label": labels}):
                try:
                    self.client.api.remove_image(image["Id"])
                    removed += 1
                except docker.errors.APIError:  # a container (maybe stopped) still uses it
                    continue
        return removed

    def history(self, image: str) -> list[str]:
        """The image's history, newest first: what created each layer (empty when it is gone)."""
        with engine_errors(f"reading the history of image {image}"):
            try:
                return [str(entry.get("CreatedBy") or "") for entry in self.client.api.history(image)]
            except docker.errors.ImageNotFound:
                return []

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

    def restart(self, project: str, service: str, held: Held | None = None) -> int:
        """Restart every container (all replicas) of a service, stopped ones too (as `docker compose
        restart` does: an edit brings back a service that crashed), each with its own stop signal
        and grace period; returns how many. With `held` (what its log says it holds, see
        stop_idle), a running one that holds nothing is not waited for."""
        containers = self.containers(project, service, all=True)
        with engine_errors(f"restarting {service}"):
            for container in containers:
                if held is None or container.status != "running":
                    container.restart(timeout=stop_settings(container)[1])
                    continue
                stop_idle(container, held)
                container.start()
        return len(containers)

    def signal(self, project: str, service: str, signal: str) -> int:
        """Send `signal` to the first process of every container of a service; returns how many."""
        containers = self.containers(project, service)
        with engine_errors(f"signalling {service}"):
            for container in containers:
                container.kill(signal=signal)
        return len(containers)

    # Appended for `devloop doctor` (and mount checks in `devloop up`): read-only looks into
    # containers. Each returns None when the thing is not there rather than raising.

    def info(self) -> dict[str, Any]:
        """The engine's `docker info` fields (OperatingSystem, Name, SecurityOptions, ...)."""
        with engine_errors("reading engine info"):
            return dict(self.client.info())

    def writable_sizes(self, project: str, service: str) -> dict[str, int]:
        """Bytes in the writable layer of each running container of a service (SizeRw): cheap,
        where a diff is not."""
        labels = [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={service}"]
        with engine_errors("listing containers"):
            found = self.client.api.containers(filters={"label": labels}, size=True)
        return {str(c["Id"]): int(c.get("SizeRw") or 0) for c in found}

    def diff(self, container_id: str) -> list[tuple[str, int]]:
        """Paths a container changed (0), added (1) or deleted (2) in its writable layer."""
        with engine_errors("reading container changes"):
            try:
                changes = self.client.api.diff(container_id) or []
            except docker.errors.NotFound:
                return []
        return [(str(c.get("Path", "")), int(c.get("Kind", 0))) for c in changes]

    def exec_run(
        self, container_id: str, argv: Sequence[str], max_bytes: int = 1 << 20
    ) -> tuple[int, bytes] | None:
        """Run `argv` in a running container: (exit code, stdout), or None when it cannot run
        there (no such program in the image, container not running)."""
        api = self.client.api
        with engine_errors("running a command in a container"):
            try:
                exec_id = api.exec_create(container_id, list(argv), stdout=True, stderr=False)["Id"]
                output = api.exec_start(exec_id)
                code = api.exec_inspect(exec_id).get("ExitCode")
            except docker.errors.APIError:
                return None
        if code is None or code in (126, 127):
            return None
        return int(code), bytes(output or b"")[:max_bytes]
