"""Which Docker Engine devloop talks to: the one the docker CLI would use, chosen once.

The docker CLI's order: `--context NAME`, else DOCKER_HOST, else DOCKER_CONTEXT, else
`currentContext` in $DOCKER_CONFIG/config.json, else the default socket. The context's endpoint and
TLS material are read through the Docker SDK's context support. The same choice builds the SDK
client and is passed to every `docker compose` command as a global flag, so the two never differ."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
from docker.context import Context, ContextAPI
from docker.context.config import get_context_id
from docker.tls import TLSConfig
from docker.utils import kwargs_from_env

from devloop.checks.engine import is_remote
from devloop.errors import DevloopError

DEFAULT_HOST = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class Endpoint:
    """One engine: the docker CLI context that names it, its address, and why it was chosen."""

    context: str  # "default" when DOCKER_HOST or the default socket is used
    host: str  # unix://..., tcp://..., ssh://..., npipe://...
    source: str  # --context, DOCKER_HOST, DOCKER_CONTEXT, config.json's currentContext, default
    tls: TLSConfig | None = field(default=None, compare=False, repr=False)

    @property
    def remote(self) -> bool:
        """On another machine: the engine cannot see this machine's files."""
        return is_remote(self.host)

    def describe(self) -> str:
        """`context 'colima' (unix:///...), from DOCKER_CONTEXT`, as up and doctor say it."""
        if self.source == "DOCKER_HOST":
            return f"{self.host}, from DOCKER_HOST"
        where = f"context {self.context!r} ({self.host})"
        return where if self.source == "default" else f"{where}, from {self.source}"

    def docker_args(self) -> tuple[str, ...]:
        """Global docker CLI flags that name this engine, put before `compose` in every command."""
        if self.source == "DOCKER_HOST":  # TLS comes with it from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH
            return ("--host", self.host)
        return ("--context", self.context)

    def client(self, timeout: int | None = None, version: str | None = None) -> Any:
        """A Docker SDK client for this engine (ssh:// through the ssh program, as the CLI does)."""
        kwargs: dict[str, Any] = {"base_url": self.host, "use_ssh_client": self.host.startswith("ssh://")}
        if self.tls is not None:
            kwargs["tls"] = self.tls
        if timeout is not None:
            kwargs["timeout"] = timeout
        if version is not None:
            kwargs["version"] = version
        return docker.DockerClient(**kwargs)  # asks the engine its API version: may raise


def config_dir(environ: Mapping[str, str]) -> Path:
    """The docker CLI's configuration folder: $DOCKER_CONFIG, else ~/.docker."""
    return Path(environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def choose_endpoint(context: str | None = None, environ: Mapping[str, str] | None = None) -> Endpoint:
    """The engine the docker CLI would use (with `docker --context CONTEXT` when given)."""
    environ = os.environ if environ is None else environ
    host = environ.get("DOCKER_HOST")
    if context:
        name, source = context, "--context"
    elif host:
        return Endpoint("default", host, "DOCKER_HOST", kwargs_from_env(environ).get("tls"))
    elif environ.get("DOCKER_CONTEXT"):
        name, source = environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    else:
        name, source = _current_context(environ)
    if name == "default":  # the CLI's default context is DOCKER_HOST or the default socket
        return Endpoint("default", host or DEFAULT_HOST, source, kwargs_from_env(environ).get("tls"))
    found = _load_context(name, environ)
    if found is None or not found.Host:
        where = config_dir(environ) / "contexts"
        raise DevloopError(
            f"the docker context {name!r} (from {source}) is not in {where}",
            f"`docker context ls` lists the contexts; pass an existing one with --context, or fix {source}",
        )
    return Endpoint(name, str(found.Host), source, found.TLSConfig)


def _current_context(environ: Mapping[str, str]) -> tuple[str, str]:
    path = config_dir(environ) / "config.json"
    try:
        name = json.loads(path.read_text()).get("currentContext")
    except FileNotFoundError:
        return "default", "default"
    except (OSError, ValueError, AttributeError) as exc:
        raise DevloopError(
            f"{path} cannot be read: {exc}", "fix the file (the docker CLI reads it too) or remove it"
        ) from exc
    return (str(name), f"currentContext in {path}") if name else ("default", "default")


def _load_context(name: str, environ: Mapping[str, str]) -> Context | None:
    """The context through the SDK. The SDK finds the context store only beside an existing
    config.json (the CLI does not need one): without it, the same files are read here."""
    folder = config_dir(environ)
    if (folder / "config.json").is_file() and folder == config_dir(os.environ):
        return ContextAPI.get_context(name)
    meta_dir = folder / "contexts" / "meta" / get_context_id(name)
    try:
        meta = json.loads((meta_dir / "meta.json").read_text())
        found = Context(meta["Name"], endpoints=meta.get("Endpoints"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    tls_dir = folder / "contexts" / "tls" / get_context_id(name) / "docker"
    files = {p.name[:2]: str(p) for p in tls_dir.glob("*.pem")} if tls_dir.is_dir() else {}
    if {"ca", "ce", "ke"} <= files.keys():
        verify = not found.endpoints["docker"].get("SkipTLSVerify", False)
        found.tls_cfg = {
            "docker": TLSConfig(client_cert=(files["ce"], files["ke"]), ca_cert=files["ca"], verify=verify)
        }
    return found
