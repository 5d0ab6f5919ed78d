"""The engine devloop talks to, and the Compose it runs: what doctor says of them."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devloop.checks.finding import REBUILD_INSTEAD, Finding


@dataclass(frozen=True)
class EngineKind:
    name: str  # Docker Desktop, Colima, Lima, Rancher Desktop, OrbStack, Podman, Docker Engine
    endpoint: str
    vm: bool = False  # runs in a VM: bind sources must be shared with it
    remote: bool = False  # on another machine: bind sources are paths there
    rootless: bool = False


def engine_kind(info: Mapping[str, Any], docker_host: str | None, platform: str = sys.platform) -> EngineKind:
    """Tell the engine's kind from `docker info` fields and DOCKER_HOST."""
    endpoint = docker_host or "unix:///var/run/docker.sock"
    system = str(info.get("OperatingSystem", ""))
    name = str(info.get("Name", "")).lower()
    where = endpoint.lower()
    rootless = any("rootless" in str(o) for o in info.get("SecurityOptions") or ())
    scheme, _, rest = endpoint.partition("://")
    host = rest.split("/")[0].rsplit(":", 1)[0].strip("[]")
    loopback = host in ("localhost", "127.0.0.1", "::1")
    remote = scheme == "ssh" or (scheme in ("tcp", "http", "https") and not loopback)
    local_vm = platform != "linux"
    if "Docker Desktop" in system:
        kind = "Docker Desktop"
    elif "OrbStack" in system or "orbstack" in where:
        kind = "OrbStack"
    elif "colima" in name or "colima" in where:
        kind = "Colima"
    elif "rancher-desktop" in name or "rancher" in where:
        kind = "Rancher Desktop"
    elif name.startswith("lima") or ".lima" in where:
        kind = "Lima"
    elif "podman" in where or "podman" in system.lower():
        kind = "Podman"
    else:
        kind = "Docker Engine"
    vm = local_vm or kind in ("Docker Desktop", "OrbStack", "Colima", "Rancher Desktop", "Lima")
    return EngineKind(kind, endpoint, vm=vm and not remote, remote=remote, rootless=rootless)


def engine_finding(kind: EngineKind, info: Mapping[str, Any]) -> Finding:
    version = info.get("ServerVersion", "?")
    flags = (("in a VM", kind.vm), ("remote", kind.remote), ("rootless", kind.rootless))
    notes = [note for note, on in flags if on]
    text = f"{kind.name} {version} ({info.get('OperatingSystem', '?')}) at {kind.endpoint}"
    text += f" - {', '.join(notes)}" if notes else ""
    if kind.remote:
        return Finding("warning", None, "engine", text, share_hint(kind))
    return Finding("info", None, "engine", text, share_hint(kind) if kind.vm else "")


def share_hint(kind: EngineKind | None) -> str:
    """What makes a host folder visible to this kind of engine."""
    name = kind.name if kind else "Docker Engine"
    if kind is not None and kind.remote:
        return (
            f"the engine runs on another machine ({kind.endpoint}): bind mounts use paths there; "
            f"run devloop on that machine, {REBUILD_INSTEAD}"
        )
    if name == "Docker Desktop":
        how = (
            "share the folder with Docker Desktop (Settings > Resources > File sharing); folders on "
            "ExFAT/FAT or network drives often cannot be shared: move the project to the internal disk"
        )
    elif name == "Colima":
        how = (
            "Colima shares only your home folder by default: move the project under ~ or restart "
            "with `colima start --mount <folder>:w`; ExFAT/FAT drives often do not work through its VM"
        )
    elif name in ("Lima", "Rancher Desktop", "OrbStack", "Podman"):
        how = f"add the folder to the {name} VM's shared mounts (writable) and restart it"
    elif kind is not None and kind.vm:
        how = "share the folder with the VM the engine runs in"
    else:
        how = (
            "the engine sees other files at this path than you do (another mount namespace or VM, "
            "e.g. a snap-installed Docker only sees /home): restart the engine or move the project"
        )
    return f"{how}; {REBUILD_INSTEAD}"


def unreachable_finding(
    message: str, hint: str | None, docker_host: str | None, context: tuple[str, str] | None
) -> Finding:
    """The engine does not answer: say where devloop looked and where the docker CLI looks."""
    where = docker_host or "unix:///var/run/docker.sock"
    advice = hint or "start Docker (Docker Desktop, Colima, or dockerd) and try again"
    if not docker_host and context is not None and context[1] and context[1] != where:
        advice = (
            f"the docker CLI uses context {context[0]!r} ({context[1]}), which devloop does not read: "
            f"export DOCKER_HOST={context[1]}"
        )
    return Finding("error", None, "engine", f"{message} (devloop looked at {where})", advice)


def context_finding(docker_host: str | None, context: tuple[str, str] | None) -> Finding | None:
    """docker compose follows the CLI context; devloop only DOCKER_HOST: warn when they differ."""
    default = "unix:///var/run/docker.sock"
    if docker_host or context is None or not context[1] or context[1] == default:
        return None
    return Finding(
        "warning",
        None,
        "engine",
        f"the docker CLI uses context {context[0]!r} ({context[1]}); devloop talks to {default}",
        f"export DOCKER_HOST={context[1]} so that devloop and docker compose use the same engine",
    )


def compose_finding(version: str | None) -> Finding:
    install = "install the Compose v2 plugin (https://docs.docker.com/compose/install/)"
    if not version:
        return Finding(
            "error",
            None,
            "compose",
            "Docker Compose v2 is not installed (`docker compose version` failed)",
            install + "; the old `docker-compose` v1 is not supported",
        )
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:3])
    if numbers[:1] < (2,):
        return Finding("error", None, "compose", f"Docker Compose {version} is too old", install)
    if numbers[:2] < (2, 22):
        return Finding(
            "warning",
            None,
            "compose",
            f"Docker Compose {version}: develop.watch needs 2.22 or later",
            "update Docker Compose",
        )
    return Finding("info", None, "compose", f"Docker Compose {version.lstrip('v')}")
