"""Does a file written on the host raise a file event inside a container? A reloader that waits
for events (watchdog, watchfiles, chokidar) depends on it, and an engine in a VM (virtiofs, Lima,
Podman machine) shows host edits without one.

The probe: a tiny watcher runs in the container (python3 with the kernel's inotify through
ctypes, else node's fs.watch) on the bind mount's folder, says "ready", then a probe file is
written in the host folder and the watcher says whether an event named it within a few seconds.
An image with neither program cannot be asked: None."""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath

import docker

from devloop.adapters.container_view import PROBE_PREFIX
from devloop.adapters.engine import Engine, engine_errors

WAIT_S = 2.0  # an event arrives within milliseconds where there is one

# argv: folder, probe name, seconds. inotify: IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE.
_PYTHON = """
import ctypes, os, select, struct, sys, time
folder, name, wait = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
if fd < 0 or libc.inotify_add_watch(fd, folder, 0x2 | 0x4 | 0x8 | 0x100) < 0:
    print("unwatchable", flush=True)
    sys.exit(0)
print("ready", flush=True)
end = time.monotonic() + wait
while time.monotonic() < end:
    if not select.select([fd], [], [], max(0.0, end - time.monotonic()))[0]:
        break
    data, at = os.read(fd, 65536), 0
    while at + 16 <= len(data):
        size = struct.unpack_from("iIII", data, at)[3]
        if data[at + 16 : at + 16 + size].rstrip(b"\\0") == name:
            print("event", flush=True)
            sys.exit(0)
        at += 16 + size
print("none", flush=True)
"""
_NODE = """
const [folder, name, wait] = process.argv.slice(1);
require("fs").watch(folder, (kind, file) => {
  if (file === name) { console.log("event"); process.exit(0); }
});
console.log("ready");
setTimeout(() => { console.log("none"); process.exit(0); }, Number(wait) * 1000);
"""
WATCHERS = (("python3", "-c", _PYTHON), ("node", "-e", _NODE))


def file_events(
    engine: Engine, container_id: str, host: Path, target: PurePosixPath, wait_s: float = WAIT_S
) -> bool | None:
    """Whether a file written in the host folder `host` raises an event in the container, which
    sees that folder at `target`; None when that cannot be told."""
    name = f"{PROBE_PREFIX}{uuid.uuid4().hex[:12]}"
    for program in WATCHERS:
        seen = _probe(engine, container_id, [*program, str(target), name, str(wait_s)], host / name)
        if seen is not None:
            return seen
    return None


def _probe(engine: Engine, container_id: str, argv: list[str], probe: Path) -> bool | None:
    api = engine.client.api
    said = ""
    try:
        with engine_errors("watching for file events in a container"):
            try:
                exec_id = api.exec_create(container_id, argv, stdout=True, stderr=False)["Id"]
                chunks = api.exec_start(exec_id, stream=True)
            except docker.errors.APIError:
                return None
            for chunk in chunks:
                ready = "ready" in said
                said += bytes(chunk).decode(errors="replace")
                if not ready and "ready" in said:
                    probe.write_text("written by devloop doctor: is there a file event?\n")
    except OSError:  # the host folder cannot be written: no probe
        return None
    finally:
        probe.unlink(missing_ok=True)
    words = said.split()
    if "ready" not in words:
        return None  # no such program in the image, or it cannot watch that folder
    return "event" in words if ("event" in words or "none" in words) else None
