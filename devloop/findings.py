"""What `devloop doctor` reports, and the checks that need no I/O: facts in, findings out."""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")
REBUILD_INSTEAD = 'or let devloop rebuild the service instead (strategy = "rebuild" in devloop.toml)'


@dataclass(frozen=True)
class Finding:
    level: Level
    service: str | None
    check: str
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "service": self.service,
            "check": self.check,
            "message": self.message,
            "hint": self.hint,
        }


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; without duplicates (replicas report the same)."""
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (LEVELS.index(f.level), f.service or "", f.check))


# --- the engine and its tools ---


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


# --- host filesystems of bind sources and build contexts ---


@dataclass(frozen=True)
class MountEntry:
    mount_point: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> tuple[MountEntry, ...]:
    """/proc/self/mountinfo lines: `id parent dev root mountpoint opts [optional...] - type source ...`."""
    entries = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and tail:
            source = _unescape(tail[1]) if len(tail) > 1 else ""
            entries.append(MountEntry(_unescape(fields[4]), tail[0], source))
    return tuple(entries)


def filesystem_of(path: str, table: str | Sequence[MountEntry]) -> MountEntry | None:
    """The mount that holds `path`: the longest mount point prefix (the last one mounted wins)."""
    entries = parse_mountinfo(table) if isinstance(table, str) else table
    best: MountEntry | None = None
    for entry in entries:
        point = entry.mount_point.rstrip("/") or "/"
        if path == point or point == "/" or path.startswith(point + "/"):
            if best is None or len(point) >= len(best.mount_point.rstrip("/") or "/"):
                best = entry
    return best


_FAT = {"exfat", "vfat", "fat", "msdos", "fat32", "fuse.exfat", "fuse.exfat-fuse"}
_NTFS = {"ntfs", "ntfs3", "fuseblk", "fuse.ntfs-3g"}
_NETWORK = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "afpfs",
    "webdav",
    "9p",
    "virtiofs",
    "vboxsf",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "fuse.glusterfs",
    "fuse.vmhgfs-fuse",
    "prl_fs",
    "fakeowner",
    "grpcfuse",
    "osxfs",
    "fuse.grpcfuse",
    "davfs",
    "fuse.rclone",
}


def filesystem_finding(services: Sequence[str], where: str, fstype: str) -> Finding | None:
    """Advice for a bind source or build context on a filesystem that bind mounts handle badly."""
    fs = fstype.lower()
    service = services[0] if len(services) == 1 else None
    used = "" if service or not services else f" (used by {', '.join(services)})"
    if fs in _FAT or fs in _NTFS:
        label = "ExFAT/FAT" if fs in _FAT else "NTFS"
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on {label} ({fstype}){used}: no Unix permissions or symlinks, macOS "
            "writes ._* files there, and VMs (Docker Desktop, Colima) often show it empty",
            f"move the project to a native filesystem (APFS, ext4), {REBUILD_INSTEAD}",
        )
    if fs in _NETWORK:
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on a network or VM-shared filesystem ({fstype}){used}: edits made on the "
            "other side often raise no file events, so reloaders and watchers miss them",
            "keep the project on a local disk, make the reloader poll "
            f"(WATCHFILES_FORCE_POLLING=true, CHOKIDAR_USEPOLLING=true), {REBUILD_INSTEAD}",
        )
    if fs == "fuse" or fs.startswith("fuse."):
        return Finding(
            "warning",
            service,
            "filesystem",
            f"{where} is on a FUSE filesystem ({fstype}){used}: a root engine cannot read it "
            "without `allow_other`, and file events depend on the driver",
            f"move the project to a native filesystem, {REBUILD_INSTEAD}",
        )
    return None


# --- data written where it will be lost ---

NOISE_PREFIXES = (
    "/tmp",
    "/var/tmp",
    "/run",
    "/var/run",
    "/proc",
    "/dev",
    "/sys",
    "/var/cache",
    "/var/log",
    "/var/lib/apt/lists",
    "/root/.npm",
    "/root/.cache",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/mtab",
    "/.dockerenv",
)
NOISE_NAMES = frozenset(
    {
        "__pycache__",
        ".cache",
        ".npm",
        ".yarn",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".ash_history",
        ".bash_history",
        ".python_history",
        ".sh_history",
        ".lesshst",
        ".viminfo",
        ".wget-hsts",
    }
)
_NOISE_SUFFIXES = (".pyc", ".pyo", ".pid")


def is_noise(path: str) -> bool:
    """Writes that are meant to be thrown away: temp, runtime, caches, logs, compiled Python."""
    if any(path == p or path.startswith(p + "/") for p in NOISE_PREFIXES):
        return True
    parts = path.split("/")
    return any(part in NOISE_NAMES for part in parts) or parts[-1].endswith(_NOISE_SUFFIXES)


def _under(path: str, root: str) -> bool:
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


@dataclass(frozen=True)
class LostWrite:
    """A folder or file a container wrote in its writable layer: gone when it is recreated."""

    path: str
    paths: int  # changed paths at or below `path`
    added: bool  # False: a file that came with the image was changed


def lost_writes(changes: Iterable[tuple[str, int]], covered: Iterable[str]) -> list[LostWrite]:
    """From `docker diff` (path, kind: 0 changed, 1 added, 2 deleted), the topmost paths written
    outside every mount in `covered`, without noise and without the folders made for mount points."""
    kinds = {posixpath.normpath(p): k for p, k in changes if p}
    # docker mounts its init binary at /sbin/docker-init for `init: true`: not a write of the app
    targets = [posixpath.normpath(t) for t in covered] + ["/sbin/docker-init"]
    parents = {a for p in kinds for a in _ancestors(p)}

    def for_mount(path: str) -> bool:  # a folder made or changed to hold a mount point
        return any(t != path and _under(t, path) for t in targets)

    def kept(path: str) -> bool:
        return not (is_noise(path) or for_mount(path) or any(_under(path, t) for t in targets))

    roots: dict[str, int] = {}
    for path, kind in kinds.items():
        if kind == 2 or path in parents or not kept(path):
            continue
        root = next((a for a in _ancestors(path) if kinds.get(a) == 1 and kept(a)), path)
        roots[root] = roots.get(root, 0) + 1
    return [LostWrite(p, n, kinds.get(p) == 1) for p, n in sorted(roots.items())]


def _ancestors(path: str) -> list[str]:
    """Ancestors from the top down, without / itself."""
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def lost_write_findings(service: str, writes: Sequence[LostWrite], limit: int = 5) -> list[Finding]:
    findings = []
    for write in writes[:limit]:
        what = f"{write.paths} path(s) written" if write.added else "a file of the image changed"
        findings.append(
            Finding(
                "warning",
                service,
                "lost-writes",
                f"{write.path}: {what} outside every volume and bind mount; "
                "lost when the container is recreated (up --build, down, a compose change)",
                f'mount a volume there (volumes: ["data:{write.path}"]) or write under a mounted path; '
                "ignore this if it is a cache",
            )
        )
    if len(writes) > limit:
        rest = ", ".join(w.path for w in writes[limit : limit + 5])
        more = f"{len(writes) - limit} more written path(s): {rest}"
        findings.append(Finding("info", service, "lost-writes", more))
    return findings


_PATH_NAME = re.compile(r"(_DIR|_DIRS|_PATH|_FILE|_ROOT|_FOLDER)$|^(TEMP|TMP)")
_SQLITE = re.compile(r"^sqlite(?:\+\w+)?:///(.+?)(?:\?.*)?$")
_SYSTEM = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var/run",
    "/tmp",
    "/var/tmp",
    "/opt/conda",
    "/root/.cache",
)


def env_paths(env: Mapping[str, str], working_dir: str | None) -> list[tuple[str, str]]:
    """(variable, container path) for variables that name a folder or file the app may write."""
    found = []
    for name, value in env.items():
        sqlite = _SQLITE.match(value.strip())
        if sqlite:
            values = [] if sqlite.group(1) in (":memory:", "") else [sqlite.group(1)]
        elif _PATH_NAME.search(name.upper()) and name.upper() not in ("PATH", "LD_LIBRARY_PATH"):
            values = [v for v in value.split(":") if v.strip()]
        else:
            continue
        for raw in values:
            if not raw.startswith("/") and (working_dir is None or "://" in raw or "=" in raw):
                continue
            path = posixpath.normpath(posixpath.join(working_dir or "/", raw))
            if not any(_under(path, s) for s in _SYSTEM if s != "/") and not is_noise(path):
                found.append((name, path))
    return found


def env_path_findings(
    service: str, env: Mapping[str, str], covered: Iterable[str], working_dir: str | None = None
) -> list[Finding]:
    """Variables naming a path that no volume or bind covers: whatever the app writes there is lost."""
    targets = [posixpath.normpath(t) for t in covered]
    return [
        Finding(
            "warning",
            service,
            "env-path",
            f"{name} points to {path}, which no volume or bind mount covers: whatever is written "
            "there is lost when the container is recreated",
            f'mount a volume at {path} (volumes: ["data:{path}"]) or point {name} under a mounted path',
        )
        for name, path in env_paths(env, working_dir)
        if not any(_under(path, t) for t in targets)
    ]


# --- images, commands and build contexts ---


def command_finding(
    service: str,
    command: Sequence[str] | None,
    image_cmd: Sequence[str] | None,
    where: str,
    reloads: bool | None,
) -> Finding | None:
    """compose `command:` with a development reloader replacing the image's CMD: fine in
    development, as long as the production command is not forgotten."""
    if not reloads or command is None or not image_cmd or tuple(command) == tuple(image_cmd):
        return None
    return Finding(
        "info",
        service,
        "command-override",
        f"compose `command: {' '.join(command)}` (a development reloader) replaces the CMD of "
        f"{where} ({' '.join(image_cmd)})",
        "fine in development; production runs the image's CMD, so keep that command working "
        "(e.g. run the image without the override before you ship)",
    )


def stale_image_finding(services: Sequence[str], image: str, reason: str) -> Finding:
    names = " ".join(services)
    return Finding(
        "warning",
        services[0] if len(services) == 1 else None,
        "stale-image",
        f"image {image} is older than its build inputs: {reason}",
        f"rebuild: docker compose up -d --build {names} (devloop up does this when files change)",
    )


def stale_container_finding(service: str, image: str) -> Finding:
    return Finding(
        "warning",
        service,
        "stale-container",
        f"the running container uses an older build of {image} than the one tagged now",
        f"recreate it: docker compose up -d {service}",
    )


def appledouble_finding(paths: Sequence[str]) -> Finding | None:
    if not paths:
        return None
    return Finding(
        "warning",
        None,
        "appledouble",
        f"{len(paths)} macOS AppleDouble file(s) (._*) in build contexts and bind sources, "
        f"e.g. {', '.join(paths[:3])}: copied into images, where they can be imported or parsed",
        "delete them with `devloop clean`; macOS writes them on ExFAT/FAT and network drives, "
        "so a native disk avoids them",
    )


def not_running_finding(services: Sequence[str]) -> Finding | None:
    if not services:
        return None
    return Finding(
        "info",
        services[0] if len(services) == 1 else None,
        "not-running",
        f"not running: {', '.join(services)}; their mounts and writes were not checked",
        "start them (docker compose up -d) and run devloop doctor again",
    )


def misplaced_mount_finding(service: str, bind: str, lands: str, suggested: str, at: str = "") -> Finding:
    """A code bind mount that lands outside where the process runs from: edits never reach it."""
    where = f" ({at})" if at else ""
    return Finding(
        "warning",
        service,
        "mount",
        f"{bind}{where} looks misplaced: it {lands}, so edits under it do not reach the process "
        "(devloop rebuilds the service for them)",
        f"mount it where the process reads the code: {suggested}",
    )
