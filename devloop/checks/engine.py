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


def is_remote(endpoint: str) -> bool:
    """An engine on another machine (ssh://, or tcp:// not on loopback): it cannot see our files."""
    scheme, _, rest = endpoint.partition("://")
    host = rest.split("/")[0].rsplit("@", 1)[-1].rsplit(":", 1)[0].strip("[]")
    loopback = host in ("localhost", "127.0.0.1", "::1")
    return scheme == "ssh" or (scheme in ("tcp", "http", "https") and not loopback)


def engine_kind(info: Mapping[str, Any], endpoint: str, platform: str = sys.platform) -> EngineKind:
    """Tell the engine's kind from `docker info` fields and the endpoint devloop talks to."""
    system = str(info.get("OperatingSystem", ""))
    name = str(info.get("Name", "")).lower()
    where = endpoint.lower()
    rootless = any("rootless" in str(o) for o in info.get("SecurityOptions") or ())
    remote = is_remote(endpoint)
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


def engine_finding(kind: EngineKind, info: Mapping[str, Any], where: str = "") -> Finding:
    """The engine devloop talks to: its kind and version, and `where` (context and endpoint)."""
    version = info.get("ServerVersion", "?")
    flags = (("in a VM", kind.vm), ("remote", kind.remote), ("rootless", kind.rootless))
    notes = [note for note, on in flags if on]
    text = f"{kind.name} {version} ({info.get('OperatingSystem', '?')}) at {where or kind.endpoint}"
    text += f" - {', '.join(notes)}" if notes else ""
    return Finding("info", None, "engine", text, share_hint(kind) if kind.vm else "")


def share_hint(kind: EngineKind | None) -> str:
    """What makes a host folder visible to this kind of engine."""
    name = kind.name if kind else "Docker Engine"
    if kind is not None and kind.remote:
        return (
            f"the engine runs on another machine ({kind.endpoint}): bind mounts show files there; "
            f"devloop up copies changes into those services (sync), {REBUILD_INSTEAD}"
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


def unreachable_finding(message: str, hint: str | None, endpoint: str) -> Finding:
    """The engine does not answer: say which one devloop (and so docker compose) looked at."""
    advice = hint or "start Docker (Docker Desktop, Colima, or dockerd) and try again"
    where = "" if endpoint in message else f" (devloop looked at {endpoint})"
    return Finding("error", None, "engine", message + where, advice)


def sharing_finding(kind: EngineKind, checked: int, unseen: int) -> Finding:
    """Whether the engine sees the project's folders, from the bind mounts of running containers
    (`checked` of them, `unseen` not showing the host's files) and from where the engine runs."""
    sync = "devloop copies changes into those services' containers (sync) instead of relying on the mounts"
    if unseen:
        text = (
            f"the engine does not see the project's folders: {unseen} of {checked} bind mount(s) "
            "do not show the host's files"
        )
        return Finding("warning", None, "sharing", text, f"{sync}; {share_hint(kind)}")
    if kind.remote:
        where = f"{checked} bind mount(s) checked" if checked else "no running container to check"
        text = f"the engine runs on another machine: bind mounts show its files, not yours ({where})"
        return Finding("warning", None, "sharing", text, sync)
    if checked:
        return Finding(
            "info",
            None,
            "sharing",
            f"the engine sees the project's folders ({checked} bind mount(s) checked)",
        )
    return Finding(
        "info",
        None,
        "sharing",
        "whether the engine sees the project's folders is not known: no running container has a bind mount",
        "docker compose up -d, then run devloop doctor again",
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
