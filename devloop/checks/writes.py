"""Data written where it will be lost: a container's writes outside its volumes (from
`docker diff`), and paths in its environment that point outside them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from devloop.checks.finding import Finding

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
