"""Idle cost while watching big trees: CPU (% of one core, from /proc utime+stime summed over the
process tree) and RSS (VmRSS summed over the tree) of devloop and of `docker compose watch` (the docker
CLI and its docker-compose plugin child), with 0, 10,000 and 100,000 extra files in the watched tree.

The tree is empty files under ./app/bench_tree (bind-mounted for devloop, a sync path for Compose
Watch), made before the watcher starts. The api is stopped first in both projects: its uvicorn
StatReload walks the whole mounted tree every 0.25 s inside the container, which would load the
machine during the measurement (devloop then runs with --no-start, so it does not start it again)."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import Any

from bench.common import project_up, say
from bench.tools import start_watcher, write_watch_override

TICKS = os.sysconf("SC_CLK_TCK")
PER_DIR = 1000


def tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_ticks(pids: list[int]) -> int:
    """CPU time of the tree in clock ticks: utime + stime of every live process, plus cutime +
    cstime (its children that ended and were waited for), so short-lived children (a compose
    command run while idle) count too. The difference of two readings is the tree's use between."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


WINDOW_S = 10.0  # CPU is also read per window of this length, so a spike shows as one


def measure(pid: int, seconds: float) -> dict[str, Any]:
    """CPU % of one core over `seconds` (and per window), and RSS of the tree sampled every second
    (mean and peak)."""
    start_ticks, start = cpu_ticks(tree(pid)), time.monotonic()
    samples, windows = [], []
    window_ticks, window_start = start_ticks, start
    while time.monotonic() - start < seconds:
        samples.append(rss_mb(tree(pid)))
        time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - start))))
        now = time.monotonic()
        if now - window_start >= WINDOW_S or now - start >= seconds:
            ticks = cpu_ticks(tree(pid))
            windows.append(round(100 * (ticks - window_ticks) / TICKS / (now - window_start), 3))
            window_ticks, window_start = ticks, now
    pids = tree(pid)
    end_ticks, wall = cpu_ticks(pids), time.monotonic() - start
    used = (end_ticks - start_ticks) / TICKS
    return {
        "cpu_pct": round(100 * used / wall, 3),
        "cpu_windows": windows,
        "rss_mb": round(sum(samples) / len(samples), 1),
        "rss_peak_mb": round(max(samples), 1),
        "seconds": round(wall, 1),
        "processes": len(pids),
    }


def grow(folder: Path, count: int) -> None:
    """Empty files folder/dNNN/fNNNNNN, 1,000 per folder, up to `count` in all."""
    for i in range(count):
        directory = folder / f"d{i // PER_DIR:03}"
        if i % PER_DIR == 0:
            directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"f{i:06}"
        if not path.exists():
            path.touch()


def run_idle(tools: list[str], sizes: list[int], seconds: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for tool in tools:
        say(f"idle: {tool}")
        prepare = write_watch_override if tool == "compose-watch" else None
        try:
            with project_up(f"idle-{tool}", prepare) as project:
                project.compose("stop", "api")
                for size in sorted(sizes):
                    made = time.monotonic()
                    grow(project.directory / "app" / "bench_tree", size)
                    if size:
                        say(f"  {size:,} files made in {time.monotonic() - made:.1f} s")
                    launched = time.time()
                    args = ("--no-start",) if tool == "devloop" else ()
                    watcher = start_watcher(tool, project, *args)
                    try:
                        ready = watcher.ready(timeout=300) - launched
                        watcher.settle(3.0, since=launched)
                        # devloop's catch-up may have rebuilt (and so started) the api: a fresh
                        # checkout's files are newer than a cached image. Stopped again, as stated.
                        if project.running("api"):
                            say("  the api was started again during start-up; stopping it")
                            project.compose("stop", "api")
                        time.sleep(3)  # the watcher's own start-up work is over
                        row = {"tool": tool, "files": size, "ready_s": round(ready, 2)}
                        row.update(measure(watcher.child.pid, seconds))
                    finally:
                        watcher.stop()
                    say(
                        f"  {size:,} files: {row['cpu_pct']:.2f} % of a core, {row['rss_mb']:.0f} MB RSS "
                        f"(peak {row['rss_peak_mb']:.0f}), ready after {ready:.2f} s"
                    )
                    rows.append(row)
        except Exception as exc:  # noqa: BLE001 - one tool failing must not lose the others
            traceback.print_exc()
            rows.append({"tool": tool, "error": f"{type(exc).__name__}: {exc}"[:500]})
    return rows
