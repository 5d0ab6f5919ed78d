"""A second dockerd in its own mount and network namespaces that does not see a host folder:
the Colima/ExFAT symptom (a bind mount that is an empty folder inside the container), and a
stand-in for a remote engine; or that sees it through a bindfs mirror, which delivers no file
events for host edits, as an engine in a VM does. Stopped by the PID in its pidfile."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


def need(condition: bool, why: str) -> None:
    """Skip (locally) or fail (in CI) when a prerequisite of a test is missing; never silently."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs {why}", pytrace=False)
    pytest.skip(f"needs {why}")


@dataclass
class SecondEngine:
    socket: str
    base: Path
    process: subprocess.Popen[bytes]

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def log(self) -> str:
        return (self.base / "log").read_text(errors="replace")[-3000:]


def start_second_engine(hidden: Path, mirror: bool = False) -> SecondEngine:
    """A dockerd in its own mount namespace where `hidden` is an empty tmpfs, or (`mirror`) a
    bindfs view of itself; short paths under /tmp because of the unix socket length limit."""
    base = Path(tempfile.mkdtemp(prefix="dl2-", dir="/tmp"))
    socket, pidfile = base / "d.sock", base / "d.pid"
    folder = shlex.quote(str(hidden))
    if mirror:  # the real folder stays reachable at base/real; bindfs shows it at its own place
        view = (
            f"mkdir {base}/real && mount --bind {folder} {base}/real || exit 1\n"
            f"bindfs -f -o nonempty {base}/real {folder} &\n"
            f"echo $! > {base}/bindfs.pid\n"
            f'for i in $(seq 100); do grep -q " {hidden} fuse" /proc/mounts && break; sleep 0.1; done\n'
        )
    else:
        view = f"mount -t tmpfs tmpfs {folder} || exit 1\n"
    script = (
        f"{view}exec dockerd --data-root {base}/root "
        f"--exec-root {base}/exec -H unix://{socket} --pidfile {pidfile} "
        "--bridge=none --iptables=false"
    )
    with open(base / "log", "wb") as log:
        # its own network namespace too: a dockerd with --bridge=none deletes the host's docker0
        process = subprocess.Popen(
            ["unshare", "-m", "-n", "--propagation", "private", "sh", "-c", script],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    engine = SecondEngine(str(socket), base, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the second dockerd exited ({process.returncode}):\n{engine.log()}")
        info = subprocess.run(
            ["docker", "-H", engine.host, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
        )
        if info.returncode == 0:
            return engine
        time.sleep(0.3)
    stop_second_engine(engine)
    raise AssertionError(f"the second dockerd did not answer within 60 s:\n{engine.log()}")


def stop_second_engine(engine: SecondEngine) -> None:
    """Stop it by the PID in its pidfile (its own child process otherwise), then remove its data."""
    try:
        pid = int((engine.base / "d.pid").read_text().strip())
    except (OSError, ValueError):
        pid = engine.process.pid
    if engine.process.poll() is None or pid != engine.process.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        engine.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        engine.process.kill()
        engine.process.wait()
    with contextlib.suppress(OSError, ValueError, ProcessLookupError):  # the mirror, when there is one
        os.kill(int((engine.base / "bindfs.pid").read_text().strip()), signal.SIGTERM)
    shutil.rmtree(engine.base, ignore_errors=True)


def load_image(host: str, image: str) -> None:
    """Copy an image of the test bed's engine into the engine at `host` (no registry here)."""
    save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    load = subprocess.run(["docker", "-H", host, "load"], stdin=save.stdout, capture_output=True, text=True)
    assert save.stdout is not None
    save.stdout.close()
    assert save.wait() == 0 and load.returncode == 0, load.stderr
