"""paramiko waits until something reads it: devloop reaches ssh:// engines through the ssh program."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("paramiko")  # installed with docker[ssh], as devloop's dependencies ask


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_docker_sdk_loads_without_paramiko_until_it_is_read() -> None:
    loaded = (
        "import devloop.adapters.engine, docker, sys;"
        "print(sorted(m for m in ('paramiko.client', 'cryptography') if m in sys.modules))"
    )
    assert run(loaded) == "[]"
    used = "import devloop, docker.transport.sshconn as s; print(s.paramiko.SSHClient.__module__)"
    assert run(used) == "paramiko.client"  # the first read imports it for real
