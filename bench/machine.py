"""The machine a benchmark ran on, for the report."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def machine_info() -> dict[str, Any]:
    def out(*argv: str) -> str:
        done = subprocess.run(argv, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "?"

    model = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    from devloop import __version__

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "dockerd": out("docker", "version", "--format", "{{.Server.Version}}"),
        "docker_cli": out("docker", "version", "--format", "{{.Client.Version}}"),
        "compose": out("docker", "compose", "version", "--short"),
        "python": sys.version.split()[0],
        "devloop": __version__,
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
