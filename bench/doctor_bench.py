"""How long `devloop doctor` takes on a 20-service project (the goal: under 3 s).

Creates 20 busybox services, each with a bind mount of its own folder (a few files) and a named
volume, runs `devloop doctor --json` 5 times as a user would (a new process each time), prints the
median wall time, and tears the project down with `down -v` whatever happens.

    .venv/bin/python bench/doctor_bench.py [--services 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

IMAGE = "devloop-testbed/busybox:latest"


def write_project(directory: Path, services: int) -> None:
    config: dict[str, object] = {"services": {}, "volumes": {}}
    for i in range(services):
        name = f"svc{i:02}"
        code = directory / name
        code.mkdir(parents=True)
        for n in range(10):
            (code / f"module{n}.py").write_text(f"VALUE = {n}\n")
        config["services"][name] = {  # type: ignore[index]
            "image": IMAGE,
            "command": ["sleep", "3600"],
            "volumes": [f"./{name}:/app", f"data{i:02}:/data"],
            "environment": {"DATA_DIR": "/data"},
        }
        config["volumes"][f"data{i:02}"] = {}  # type: ignore[index]
    (directory / "compose.yaml").write_text(json.dumps(config, indent=2))


def compose(directory: Path, project: str, *args: str) -> None:
    subprocess.run(
        ["docker", "compose", "-p", project, *args],
        cwd=directory,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    project = f"dl-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="dl-bench-") as tmp:
        directory = Path(tmp)
        write_project(directory, args.services)
        try:
            compose(directory, project, "up", "-d")
            times, codes, errors = [], set(), 0
            for _ in range(args.runs):
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "devloop", "doctor", "--json", "-p", project],
                    cwd=directory,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                times.append(time.perf_counter() - start)
                codes.add(done.returncode)
                findings = json.loads(done.stdout)["findings"]
                errors = sum(1 for f in findings if f["level"] == "error")
            print(
                f"devloop doctor on {args.services} services, {args.runs} runs: "
                f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
                f"exit codes {sorted(codes)}, {errors} error finding(s)"
            )
        finally:
            compose(directory, project, "down", "-v", "-t", "1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
