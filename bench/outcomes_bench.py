"""What following the services' output and judging outcomes cost, on the example stack.

1. Idle: CPU (% of one core, /proc utime+stime of the process tree) and RSS of `devloop up --json
   --no-start` with every service's output shown, and with `--no-logs` (still followed, for the
   outcomes, but not shown), under the conditions of the idle section of docs/benchmarks.md (the
   api stopped, no extra files), so the figures stand beside the last benchmark run's.
2. Change-to-live of an api edit (`uvicorn --reload` on a bind mount; devloop does nothing but
   watch): when the port serves the edit, with `devloop up api` following every service's output
   and judging the outcome, and without devloop, in alternating blocks; and
   devloop's own `edit_to_live_s` and when its `outcome` event came (after the write).

Prints figures (medians of one run); asserts nothing.

    .venv/bin/python -m bench.outcomes_bench [--seconds 30] [--trials 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from bench.common import Project, project_up, say, wait_until
from bench.idle import measure
from bench.tools import DevloopWatcher

API = ("outcome", "api")
LAST_RUN = "devloop, 0 extra files, before logs were followed: 0.37 % of a core, 42 MB (docs/benchmarks.md)"


def idle(seconds: float) -> list[dict[str, Any]]:
    rows = []
    with project_up("outcomes-idle") as project:
        project.compose("stop", "api")
        for label, args in (("logs shown", ()), ("--no-logs", ("--no-logs",))):
            watcher = DevloopWatcher(project, "--no-start", *args)
            try:
                launched = time.time()
                watcher.ready(timeout=300)
                watcher.settle(3.0, since=launched)
                time.sleep(3)
                row = {"mode": label, **measure(watcher.child.pid, seconds)}
                row["log_events"] = sum(1 for _, e in watcher.events() if e.get("event") == "log")
            finally:
                watcher.stop()
            say(f"idle, {label}: {row['cpu_pct']:.2f} % of a core, {row['rss_mb']:.0f} MB RSS")
            rows.append(row)
    return rows


def _edit(project: Project, version: int) -> float:
    path = project.directory / "app" / "main.py"
    text = path.read_text()
    old = next(line for line in text.splitlines() if line.startswith("MESSAGE = "))
    path.write_text(text.replace(old, f'MESSAGE = "hello from api v{version}"'))
    return time.time()


def _served(project: Project, version: int, timeout: float = 30) -> float:
    expected = {"message": f"hello from api v{version}"}
    wait_until(lambda: project.get("api", timeout=1) == expected, timeout, f"v{version}", interval=0.02)
    return time.time()


def _with_devloop(project: Project, version: int, trials: int, found: dict[str, list[float]]) -> int:
    # only the api is acted on: an edit of app/main.py would also restart both Celery services,
    # which load the machine while the api reloads (the output of all is followed still)
    watcher = DevloopWatcher(project, "--no-start", "api")
    try:
        watcher.ready(timeout=300)
        time.sleep(3)
        for _ in range(trials):
            version += 1
            time.sleep(1.0)  # StatReload takes the new times as its base after a reload
            mark = len(watcher.child.snapshot())
            written = _edit(project, version)
            found["port, devloop"].append(_served(project, version) - written)

            def outcome(mark: int = mark) -> tuple[float, dict[str, Any]] | None:
                seen = watcher.events(mark)
                return next(((t, e) for t, e in seen if (e.get("event"), e.get("service")) == API), None)

            at, event = wait_until(outcome, 60, "the api's outcome")
            if event.get("state") == "live" and event.get("edit_to_live_s") is not None:
                found["edit_to_live_s"].append(float(event["edit_to_live_s"]))
                found["outcome event after the write"].append(at - written)
    finally:
        watcher.stop()
    return version


def change_to_live(trials: int, rounds: int = 2) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"port, no devloop": [], "port, devloop": [], "edit_to_live_s": []}
    found["outcome event after the write"] = []
    with project_up("outcomes-live") as project:
        version = 1
        for _ in range(rounds):  # alternated, so that a busier minute of the machine hits both
            for _ in range(trials):
                version += 1
                time.sleep(1.0)
                written = _edit(project, version)
                found["port, no devloop"].append(_served(project, version) - written)
            version = _with_devloop(project, version, trials, found)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--trials", type=int, default=5, help="per block; two blocks of each")
    args = parser.parse_args()
    rows = idle(args.seconds)
    live = change_to_live(args.trials)
    print("\nIdle cost of `devloop up` on the example (api stopped, no extra files)")
    print("| mode | CPU % of a core (10 s windows) | RSS MB (peak) | log lines shown | processes |")
    print("|---|---|---|---|---|")
    for row in rows:
        windows = "-".join(f"{w:.2f}" for w in (min(row["cpu_windows"]), max(row["cpu_windows"])))
        rss = f"{row['rss_mb']:.0f} ({row['rss_peak_mb']:.0f})"
        cpu = f"{row['cpu_pct']:.2f} ({windows})"
        print(f"| {row['mode']} | {cpu} | {rss} | {row['log_events']} | {row['processes']} |")
    print(f"last benchmark run: {LAST_RUN}")
    print(f"\nChange-to-live of an api edit (uvicorn --reload), medians of {2 * args.trials} trials")
    print("| measure | median s | min-max s |")
    print("|---|---|---|")
    for name, values in live.items():
        if values:
            print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f}-{max(values):.2f} |")
    print(json.dumps({"idle": rows, "change_to_live": live}))


if __name__ == "__main__":
    main()
