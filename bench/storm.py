"""A file storm: a burst of 2,000 writes (half new files under the bind-mounted ./app, half under the
baked context ./baked), then: how many actions each watcher started, and how long until it was idle
again (no new output for 3 s; the last activity is the later of its last output line and the last
container start in the project, since Compose Watch recreates after a build without a word)."""

from __future__ import annotations

import time
import traceback
from collections import Counter
from typing import Any

from bench.common import project_up, say, wait_until
from bench.latency import steady
from bench.tools import start_watcher, write_watch_override

QUIET = 3.0


def burst(directory: Any, writes: int) -> None:
    folders = [directory / "app" / "storm", directory / "baked" / "storm"]
    for folder in folders:
        folder.mkdir()
    for i in range(writes):
        if i % 2:
            (folders[1] / f"f{i:05}.txt").write_text(f"{i}\n")
        else:
            (folders[0] / f"f{i:05}.py").write_text(f"X = {i}\n")


def run_storm(tools: list[str], writes: int, trials: int) -> list[dict[str, Any]]:
    """Each tool on a fresh project per trial (the burst adds files that stay)."""
    rows: list[dict[str, Any]] = []
    for tool in tools:
        say(f"storm: {tool}")
        prepare = write_watch_override if tool == "compose-watch" else None
        for number in range(1, trials + 1):
            try:
                rows.append(one_storm(tool, prepare, writes, number))
            except Exception as exc:  # noqa: BLE001 - one failure must not lose the others
                traceback.print_exc()
                rows.append({"tool": tool, "error": f"{type(exc).__name__}: {exc}"[:500]})
    return rows


def one_storm(tool: str, prepare: Any, writes: int, number: int) -> dict[str, Any]:
    with project_up(f"storm-{tool}", prepare) as project:
        launched = time.time()
        watcher = start_watcher(tool, project)
        try:
            watcher.ready(timeout=240)
            watcher.settle(QUIET, since=launched)
            steady(project, 120)
            mark = watcher.child.mark()
            start = time.time()
            burst(project.directory, writes)
            written = time.time()

            def idle() -> bool:
                if watcher.busy():
                    return False
                return time.time() - max(watcher.last_activity(), written) >= QUIET

            wait_until(idle, 600, f"{tool} to be idle after the storm", interval=0.2)
            actions = watcher.actions(mark)
            last = max(watcher.last_activity(), project.last_start(), written)
        finally:
            watcher.stop()
    kinds = Counter(action for _, action in actions)
    row = {
        "tool": tool,
        "writes": writes,
        "write_s": round(written - start, 2),
        "actions": len(actions),
        "by_action": dict(sorted(kinds.items())),
        "by_service": dict(sorted(Counter(service for service, _ in actions).items())),
        "idle_s": round(last - start, 2),
    }
    say(
        f"  #{number}: {row['actions']} actions {row['by_action']}, idle {row['idle_s']:.1f} s after the "
        f"burst began (writing took {row['write_s']:.2f} s)"
    )
    return row
