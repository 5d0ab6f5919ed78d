"""Where a running `devloop up` can be found by the same user on the same machine: a folder per
project (owner-only), a lock that says which process holds it, and the socket it answers on.

The folder is `$XDG_RUNTIME_DIR/devloop/<key>`, else `devloop-<uid>/<key>` under the temp folder;
`<key>` comes from the compose project name and its directory, so `devloop up`, `status` and `wait`
run in the same project agree on it without asking anyone."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devloop.errors import DevloopError

SOCKET_NAME = "up.sock"
LOCK_NAME = "up.lock"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


class AlreadyRunning(DevloopError):
    """Another `devloop up` holds this project's lock."""


def project_key(project: str, directory: Path) -> str:
    """A short folder name for a compose project: its name (readable) and a hash of its directory
    (two checkouts of one project name are two projects)."""
    digest = hashlib.sha256(str(directory).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", project)[:32]
    return f"{readable}-{digest}"


def _bases() -> list[Path]:
    bases = []
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg) and os.path.isdir(xdg):
        bases.append(Path(xdg) / "devloop")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    bases.append(Path(tempfile.gettempdir()) / f"devloop-{uid}")
    bases.append(Path("/tmp") / f"devloop-{uid}")  # macOS's $TMPDIR can make the socket path too long
    return bases


def runtime_folder(project: str, directory: Path) -> Path:
    """The project's runtime folder (not created): the first base where the socket path fits."""
    key = project_key(project, directory)
    for base in _bases():
        folder = base / key
        if len(str(folder / SOCKET_NAME)) <= MAX_SOCKET_PATH:
            return folder
    return _bases()[-1] / key


def socket_path(project: str, directory: Path) -> Path:
    return runtime_folder(project, directory) / SOCKET_NAME


def private_folder(folder: Path) -> Path:
    """Create `folder` (and its parent) owner-only, or check that what is there is a folder of this
    user that nobody else may enter; anything else is refused (a shared temp folder may hold a
    folder another user made in advance)."""
    for path in (folder.parent, folder):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise DevloopError(
                f"cannot create devloop's runtime folder {path}: {exc.strerror}",
                "set XDG_RUNTIME_DIR to a folder of yours, or free the temp folder",
            ) from exc
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise DevloopError(
                f"devloop's runtime folder {path} is not a folder of yours",
                "remove it (another user or program made it), or set XDG_RUNTIME_DIR to a folder of yours",
            )
        if info.st_mode & 0o077:
            os.chmod(path, 0o700)  # ours, but open to others (made by hand): close it
    return folder


@dataclass
class UpLock:
    """Held by one `devloop up` per project for as long as it runs; the kernel releases it when the
    process ends, however it ends, so a lock left by a killed process is never in the way."""

    path: Path
    fd: int

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def take_lock(folder: Path, project: str) -> UpLock:
    """The project's lock, with this process's PID written in it; AlreadyRunning (naming the PID of
    the holder) when another `devloop up` holds it."""
    import fcntl  # POSIX only, like the socket

    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = _read_pid(fd)
        os.close(fd)
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        who = f" (PID {holder})" if holder else ""
        raise AlreadyRunning(
            f"devloop up already runs for project {project}{who}",
            "stop it first (Ctrl-C where it runs"
            + (f", or kill {holder}" if holder else "")
            + "); `devloop status` and `devloop wait` ask the running one",
        ) from exc
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return UpLock(path, fd)


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None
