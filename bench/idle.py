"""Idle cost while watching big trees: CPU (% of one core, from the run times in /proc's schedstat
summed over the threads of the process tree) and RSS (VmRSS summed over the tree) of devloop and of
`docker compose watch` (the docker CLI and its docker-compose plugin child), with 0, 10,000 and
100,000 extra files in the watched tree.

The tree is empty files under ./app/bench_tree (bind-mounted for devloop, a sync path for Compose
Watch), made before the watchers start. Both tools run at once, each on its own copy of the
project, and are measured in the same windows (the machine is shared: a load that comes and goes
falls on both). The api is stopped first in both projects: its uvicorn StatReload would stat the
whole mounted tree every 0.25 s inside the container, which would load the machine during the
measurement (devloop then runs with --no-start, so it does not start it again). What such a
reloader costs a watcher (every folder opened and listed every 0.25 s) is measured with
bench/reader.py reading each tree instead."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.common import REPO, Project, project_up, say
from bench.tools import Watcher, start_watcher, write_watch_override

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


class CpuClock:
    """CPU time of a process tree: the run time of every thread in nanoseconds, from
    /proc/PID/task/TID/schedstat (clock ticks are 10 ms: a 10 s window could not tell 0.05 % from
    0.1 %), plus cutime + cstime (children that ended and were waited for, so a compose command run
    while idle counts too). A thread that ended (an idle worker thread does) keeps its last reading:
    the clock never runs backwards. The difference of two readings is the tree's use between."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.threads: dict[tuple[int, str], float] = {}
        self.reaped: dict[int, float] = {}

    def read(self) -> float:
        for pid in tree(self.root):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            self.reaped[pid] = (int(fields[13]) + int(fields[14])) / TICKS
            for tid in tasks:
                try:
                    ns = int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
                except OSError:
                    continue
                self.threads[(pid, tid)] = ns / 1e9
        return sum(self.threads.values()) + sum(self.reaped.values())


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


def measure(pids: dict[str, int], seconds: float) -> dict[str, dict[str, Any]]:
    """CPU % of one core over `seconds` (the mean, per window and the median window) and RSS sampled
    every second (mean and peak), of several process trees at once: side by side, the load the
    machine's other users put on it falls on every tree alike."""
    clocks = {name: CpuClock(pid) for name, pid in pids.items()}
    used_at_start = {name: clock.read() for name, clock in clocks.items()}
    start = window_start = time.monotonic()
    window_used = dict(used_at_start)
    samples: dict[str, list[float]] = {name: [] for name in pids}
    windows: dict[str, list[float]] = {name: [] for name in pids}
    while time.monotonic() - start < seconds:
        for name, pid in pids.items():
            samples[name].append(rss_mb(tree(pid)))
            clocks[name].read()  # every second, so a thread that ends loses at most a second
        time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - start))))
        now = time.monotonic()
        if now - window_start >= WINDOW_S or now - start >= seconds:
            for name, clock in clocks.items():
                read = clock.read()
                used, window_used[name] = read - window_used[name], read
                windows[name].append(round(100 * used / (now - window_start), 3))
            window_start = now
    wall = time.monotonic() - start
    figures = {}
    for name, pid in pids.items():
        found = tree(pid)
        seconds_used = clocks[name].read() - used_at_start[name]
        figures[name] = {
            "cpu_pct": round(100 * seconds_used / wall, 3),
            "cpu_windows": windows[name],
            "cpu_median": round(statistics.median(windows[name]), 3),
            "rss_mb": round(statistics.mean(samples[name]), 1),
            "rss_peak_mb": round(max(samples[name]), 1),
            "seconds": round(wall, 1),
            "processes": len(found),
        }
    return figures


def grow(folder: Path, count: int) -> None:
    """Empty files folder/dNNN/fNNNNNN, 1,000 per folder, up to `count` in all."""
    for i in range(count):
        directory = folder / f"d{i // PER_DIR:03}"
        if i % PER_DIR == 0:
            directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"f{i:06}"
        if not path.exists():
            path.touch()


@contextmanager
def readers(folders: list[Path], on: bool) -> Iterator[None]:
    """A polling reader (bench/reader.py) of each folder while inside, if `on`; ended by PID."""
    children = [
        subprocess.Popen([sys.executable, "-m", "bench.reader", str(f)], cwd=REPO) for f in folders if on
    ]
    try:
        time.sleep(2 if on else 0)  # its first sweeps are over
        yield
    finally:
        for child in children:
            child.terminate()
            child.wait(10)


def start_all(projects: dict[str, Project], ready_s: dict[str, float]) -> dict[str, Watcher]:
    """Every tool's watcher on its project, ready (after `ready_s[tool]` seconds) and settled."""
    watchers: dict[str, Watcher] = {}
    for tool, project in projects.items():
        launched = time.time()
        args = ("--no-start",) if tool == "devloop" else ()
        watcher = watchers[tool] = start_watcher(tool, project, *args)
        ready_s[tool] = round(watcher.ready(timeout=300) - launched, 2)
        watcher.settle(3.0, since=launched)
        # devloop's catch-up may have rebuilt (and so started) the api: a fresh checkout's files
        # are newer than a cached image. Stopped again, as stated.
        if project.running("api"):
            say(f"  {tool}: the api was started again during start-up; stopping it")
            project.compose("stop", "api")
    time.sleep(3)  # the watchers' own start-up work is over
    return watchers


def run_idle(
    tools: list[str], sizes: list[int], seconds: float, reads: tuple[bool, ...] = (False, True)
) -> list[dict[str, Any]]:
    """Every tool at once, one project each, for each tree size; without and with a polling reader
    of the trees (`reads`)."""
    rows: list[dict[str, Any]] = []
    say(f"idle: {', '.join(tools)} side by side")
    try:
        with ExitStack() as stack:
            projects = {
                tool: stack.enter_context(
                    project_up(f"idle-{tool}", write_watch_override if tool == "compose-watch" else None)
                )
                for tool in tools
            }
            for project in projects.values():
                project.compose("stop", "api")
            for size in sorted(sizes):
                made = time.monotonic()
                trees = [p.directory / "app" / "bench_tree" for p in projects.values()]
                for folder in trees:
                    grow(folder, size)
                if size:
                    say(f"  {size:,} files made in each tree in {time.monotonic() - made:.1f} s")
                ready_s: dict[str, float] = {}
                watchers = start_all(projects, ready_s)
                try:
                    for read in reads:
                        with readers(trees, read):
                            figures = measure({t: w.child.pid for t, w in watchers.items()}, seconds)
                        for tool, figure in figures.items():
                            row = {"tool": tool, "files": size, "reader": read, "ready_s": ready_s[tool]}
                            rows.append({**row, **figure})
                            say(
                                f"  {tool}, {size:,} files{', tree read' if read else ''}: "
                                f"{figure['cpu_median']:.2f} % of a core (median of "
                                f"{len(figure['cpu_windows'])} windows; mean {figure['cpu_pct']:.2f}), "
                                f"{figure['rss_mb']:.0f} MB RSS (peak {figure['rss_peak_mb']:.0f})"
                            )
                finally:
                    for watcher in watchers.values():
                        watcher.stop()
    except Exception as exc:  # noqa: BLE001 - the figures so far are kept
        traceback.print_exc()
        rows.append({"tool": ",".join(tools), "error": f"{type(exc).__name__}: {exc}"[:500]})
    return rows
