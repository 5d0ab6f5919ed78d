"""Live update and restarts on the example (examples/fastapi-celery). Per section, medians (min-max):

- baked: an edit of baked/main.py until the published port serves it: `devloop up` (auto: live
  update, gunicorn reloads on HUP), `docker cp` + `docker restart`, the bare `up -d --build --no-deps`;
- context: the same with 20,000 more files in baked_api's build context: devloop against a manual
  `docker compose up -d --build baked_api`;
- celery: a restart of the Celery worker, split into stop (until the container exited), start (until
  it runs again) and ready (until its `ready.` line), by `docker restart` and by devloop's restart.

Prints figures; no assertions. `python -m bench.live_update [--trials N] [--only baked,context,celery]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Child, Project, Summary, parse_docker_time, project_up, say, wait_until

Rows = list[tuple[str, list[float | None]]]  # (what was measured, its samples in seconds)

MAIN = "baked/main.py"


class Baked:
    """Edits of baked/main.py: each writes the next version into its JSON answer."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def edit(self) -> tuple[str, float]:
        """Write the next version into the answer of GET / (whatever version the file has now)."""
        path = self.project.directory / MAIN
        text = path.read_text()
        found = re.search(r'"live": "live (\d+)"', text)
        marker = f"live {int(found.group(1)) + 1 if found else 1}"
        if found:
            text = text.replace(found.group(0), f'"live": "{marker}"')
        else:  # the first edit adds the field
            text = text.replace("return {", f'return {{"live": "{marker}", ', 1)
        staged = path.with_name(".main.py.new")
        staged.write_text(text)
        started = time.monotonic()
        os.replace(staged, path)
        return marker, started

    def live(self, marker: str, started: float, timeout: float = 120) -> float | None:
        deadline = started + timeout
        while time.monotonic() < deadline:
            if (self.project.get("baked_api", timeout=0.25) or {}).get("live") == marker:
                return time.monotonic() - started
            time.sleep(0.02)
        return None


def manual(project: Project, trials: int, command: Callable[[], list[str]]) -> list[float | None]:
    baked = Baked(project)
    found: list[float | None] = []
    for _ in range(trials):
        argv = command()  # worked out before the write (e.g. the container id)
        marker, started = baked.edit()
        subprocess.run(argv, cwd=project.directory, env=project.environ(), capture_output=True, check=True)
        found.append(baked.live(marker, started))
        time.sleep(1.0)
    return found


def under_devloop(project: Project, trials: int) -> list[float | None]:
    devloop = Child([sys.executable, "-m", "devloop", "up", "--json", "--no-start", "baked_api"],
                    project.directory, project.environ(), "live-update-devloop")  # fmt: skip
    try:
        wait_until(lambda: any('"event": "ready"' in line for _, line in devloop.snapshot()), 300, "devloop")
        time.sleep(2.0)
        baked = Baked(project)
        found: list[float | None] = []
        for _ in range(trials):
            marker, started = baked.edit()
            found.append(baked.live(marker, started))
            time.sleep(1.5)  # the old gunicorn workers are gone
        return found
    finally:
        devloop.stop()


def cp_restart(project: Project) -> list[str]:
    container = project.container_id("baked_api")
    return ["sh", "-c", f"docker cp {MAIN} {container}:/code/main.py && docker restart {container}"]


def section_baked(trials: int) -> Rows:
    with project_up("live-baked") as project:
        say("baked edit: docker cp + docker restart")
        copy = manual(project, trials, lambda: cp_restart(project))
        say("baked edit: up -d --build --no-deps baked_api")
        bare = manual(
            project, trials, lambda: project.compose_argv("up", "-d", "--build", "--no-deps", "baked_api")
        )
        say("baked edit: devloop up (auto)")
        ours = under_devloop(project, trials)
    return [("baked: devloop (auto)", ours),
            ("baked: docker cp + docker restart", copy),
            ("baked: up -d --build --no-deps", bare)]  # fmt: skip


def many_files(directory: Path, count: int = 20_000) -> None:
    """`count` small files in baked_api's build context, in folders of 500, as a real tree has."""
    for i in range(count):
        folder = directory / "baked" / "assets" / f"d{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.txt").write_text(f"{i}\n")


def section_context(trials: int) -> Rows:
    with project_up("live-context", prepare=many_files) as project:
        say("20,000-file context: up -d --build baked_api")
        by_hand = manual(project, trials, lambda: project.compose_argv("up", "-d", "--build", "baked_api"))
        say("20,000-file context: devloop up (auto)")
        ours = under_devloop(project, trials)
    return [("20k-file context: devloop (auto)", ours),
            ("20k-file context: up -d --build baked_api", by_hand)]  # fmt: skip


def restart_phases(project: Project, restart: Callable[[str], None]) -> tuple[float, float, float]:
    """(stop, start, ready) seconds of one restart of the worker, from the engine's own times and the
    `ready.` line's timestamp in its log."""
    container = project.container_id("celery_worker")
    api = project.client.api
    begun = time.time()
    restart(container)
    started = parse_docker_time(api.inspect_container(container)["State"]["StartedAt"])

    def ready_at() -> float | None:
        for line in api.logs(container, timestamps=True, since=int(started)).decode().splitlines():
            stamp, _, text = line.partition(" ")
            if " ready." in text and parse_docker_time(stamp) >= started:
                return parse_docker_time(stamp)
        return None

    ready = wait_until(ready_at, 60, "the worker's ready. line", interval=0.05)
    finished = parse_docker_time(api.inspect_container(container)["State"]["FinishedAt"])
    return finished - begun, started - finished, ready - started


def docker_restart(container: str) -> None:
    subprocess.run(["docker", "restart", container], check=True, capture_output=True)


def devloop_restart(project: Project) -> Callable[[str], None]:
    """devloop's own restart of the worker (the adapter its executor calls), with its plan."""
    from devloop.adapters.engine import Engine
    from devloop.adapters.restart import restart
    from devloop.inference.programs.celery import tasks_in_flight

    engine = Engine()

    def run(container: str) -> None:
        result = asyncio.run(restart(engine, project.name, "celery_worker", held=tasks_in_flight))
        if not result.ok:
            raise RuntimeError(result.detail)

    return run


def section_celery(trials: int) -> Rows:
    rows: Rows = []
    with project_up("live-celery") as project:
        wait_until(lambda: project.running("celery_worker"), 60, "the worker")
        time.sleep(5)
        ways = {"docker restart": docker_restart, "devloop restart": devloop_restart(project)}
        for label, way in ways.items():
            say(f"celery restart: {label}")
            phases = []
            for _ in range(trials):
                phases.append(restart_phases(project, way))
                time.sleep(2)
            rows += [(f"celery {label}: total", [sum(p) for p in phases])]
            rows += [(f"celery {label}: {n}", [p[i] for p in phases])
                     for i, n in enumerate(("stop", "start", "ready"))]  # fmt: skip
    return rows


SECTIONS = {"baked": section_baked, "context": section_context, "celery": section_celery}
RATIOS = (
    ("baked: devloop (auto)", "baked: docker cp + docker restart"),
    ("baked: devloop (auto)", "baked: up -d --build --no-deps"),
    ("20k-file context: devloop (auto)", "20k-file context: up -d --build baked_api"),
    ("celery devloop restart: total", "celery docker restart: total"),
)


def run_live(trials: int, only: list[str] | None = None) -> dict[str, list[float | None]]:
    """Every section's samples by label (make bench's "live" section)."""
    rows: Rows = []
    for name in only or list(SECTIONS):
        rows += SECTIONS[name](trials)
    return dict(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=7)
    parser.add_argument("--only", default=",".join(SECTIONS))
    args = parser.parse_args()
    measured = run_live(args.trials, args.only.split(","))
    found = {label: Summary.of(samples) for label, samples in measured.items()}
    print(f"\n{args.trials} trials each (median, min-max):")
    for label, summary in found.items():
        print(f"  {label:48} {summary.text()}")
    for a, b in RATIOS:
        ours, theirs = (found[a].median, found[b].median) if a in found and b in found else (None, None)
        if ours and theirs:
            print(f"  {a} / {b} = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
