"""An sshd on loopback in front of a second engine: `ssh://root@127.0.0.1:PORT` reaches that
engine as a remote one is reached (`docker system dial-stdio` run over ssh). The ssh client is
given its key and options by an `ssh` wrapper first on PATH (the docker CLI and the Docker SDK
both run `ssh` from PATH); nothing of the user's ~/.ssh is read or written. Stopped by its PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.second_engine import SecondEngine, need
from tests.e2e.stack import free_port

SSHD = "/usr/sbin/sshd"


@dataclass
class SshEngine:
    url: str  # ssh://root@127.0.0.1:PORT
    path: str  # PATH with the ssh wrapper first


@contextlib.contextmanager
def ssh_in_front_of(engine: SecondEngine, folder: Path) -> Iterator[SshEngine]:
    need(os.access(SSHD, os.X_OK) and shutil.which("ssh-keygen") is not None, "openssh-server (sshd)")
    folder.mkdir()
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client.pub").read_text())
    port = free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        f"UsePAM no\nStrictModes no\nSetEnv DOCKER_HOST={engine.host}\n"
    )
    (folder / "ssh_config").write_text(
        f"Host 127.0.0.1\n  IdentityFile {folder / 'client'}\n  IdentitiesOnly yes\n"
        "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {folder / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    log = open(folder / "log", "wb")
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=subprocess.STDOUT
    )
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        url = f"ssh://root@127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            done = subprocess.run(
                ["docker", "--host", url, "info", "--format", "{{.ServerVersion}}"],
                env={**os.environ, "PATH": path},
                capture_output=True,
                text=True,
            )
            if done.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no engine through sshd: {done.stderr}\n{(folder / 'log').read_text()}")
            time.sleep(0.3)
        yield SshEngine(url, path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
