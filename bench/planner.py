"""Planner scale: the time to plan generated projects of 10, 50 and 200 services (with the real
`docker compose config --format json` call and image lookups, as `devloop plan` does), and the pure
planning step alone; bench/plan_bench.py's generator and measurements."""

from __future__ import annotations

import traceback
from typing import Any

from bench.common import say

KEEP = ("compose config only", "plan (incl. compose config)", "plan_project (pure)")


def run_planner(sizes: list[int], runs: int, paths: int) -> list[dict[str, Any]]:
    from bench import plan_bench  # imports devloop's planner only when this section runs

    rows: list[dict[str, Any]] = []
    for size in sizes:
        say(f"planner: {size} services")
        try:
            results = plan_bench.bench(size, runs, paths)
        except Exception as exc:  # noqa: BLE001 - reported in the results, the others go on
            traceback.print_exc()
            rows.append({"services": size, "error": f"{type(exc).__name__}: {exc}"[:500]})
            continue
        for name, samples in results.items():
            if name in KEEP or name.startswith("route"):
                rows.append({"services": size, "measurement": name, "samples": samples})
    return rows
