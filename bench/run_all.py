"""devloop's benchmark harness: change-to-live latency against Compose Watch and the manual
commands; live update, a big build context and Celery restarts (bench/live_update.py); a shared build
(bench/shared_build.py); idle cost over big trees; the first change after a quiet spell; a file
storm; and planner scale. Prints the tables, writes
docs/benchmarks.md and docs/benchmarks.png, and keeps the raw figures in bench/results/latest.json.
It asserts nothing. A full run takes a while (35-45 minutes on 2 cores); run it on a quiet
machine, since every figure is a wall-clock time.

    .venv/bin/python -m bench.run_all                 # everything, 7 trials
    .venv/bin/python -m bench.run_all --quick         # a smoke run: 2 trials, small trees
    .venv/bin/python -m bench.run_all --only latency --methods devloop,bare --kinds baked
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import REPO, say
from bench.first_change import run_first_change
from bench.idle import run_idle
from bench.kinds import KINDS
from bench.latency import Limits, run_latency
from bench.live_update import run_live
from bench.machine import machine_info
from bench.methods import METHODS
from bench.planner import run_planner
from bench.shared_build import run_shared
from bench.storm import run_storm

SECTIONS = ("latency", "live", "shared", "storm", "idle", "first", "planner")
TOOLS = ("devloop", "compose-watch")


def csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--trials", type=int, default=None, help="trials per latency figure (default 7; --quick 2)"
    )
    parser.add_argument(
        "--warmup", type=int, default=None, help="uncounted trials first (default 1; --quick 0)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2 trials, small trees, short windows"
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections (default {','.join(SECTIONS)})")
    parser.add_argument(
        "--methods", default=",".join(METHODS), help=f"latency methods (default {','.join(METHODS)})"
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"kinds of change (default {','.join(KINDS)})"
    )
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"storm and idle: watchers (default {','.join(TOOLS)})"
    )
    parser.add_argument("--tree-sizes", default=None, help="idle: extra files (default 0,10000,100000)")
    parser.add_argument(
        "--idle-seconds", type=float, default=None, help="idle: window (default 30; --quick 10)"
    )
    parser.add_argument(
        "--idle-reads",
        default="off,on",
        help="idle: without (off) and/or with (on) a polling reader of the trees (default off,on)",
    )
    parser.add_argument(
        "--storm-writes", type=int, default=2000, help="storm: writes in the burst (default 2000)"
    )
    parser.add_argument(
        "--storm-trials", type=int, default=None, help="storm: runs per tool (default 3; --quick 1)"
    )
    parser.add_argument(
        "--planner-sizes", default="10,50,200", help="planner: service counts (default 10,50,200)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where benchmarks.md/.png go (default docs/; --quick: bench/results/quick/)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.trials = args.trials or (2 if quick else 7)
    args.warmup = args.warmup if args.warmup is not None else (0 if quick else 1)
    args.tree_sizes = [int(s) for s in csv(args.tree_sizes or ("0,1000,5000" if quick else "0,10000,100000"))]
    args.idle_seconds = args.idle_seconds or (10.0 if quick else 30.0)
    args.storm_trials = args.storm_trials or (1 if quick else 3)
    args.out = args.out or (REPO / "bench" / "results" / "quick" if quick else REPO / "docs")
    for name, values, known in (
        ("--tools", args.tools, TOOLS),
        ("--only", args.only, SECTIONS),
        ("--methods", args.methods, METHODS),
        ("--kinds", args.kinds, KINDS),
    ):
        unknown = [v for v in csv(values) if v not in known]
        if unknown:
            parser.error(f"{name}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    if args.trials < 7 and not quick:
        say(f"note: {args.trials} trials; the published figures use at least 7")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so every project is still torn down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sections = csv(args.only)
    results: dict[str, Any] = {
        "machine": machine_info(),
        "settings": {
            "trials": args.trials,
            "warmup": args.warmup,
            "quick": args.quick,
            "tree_sizes": args.tree_sizes,
            "idle_seconds": args.idle_seconds,
            "idle_reads": args.idle_reads,
            "storm_writes": args.storm_writes,
            "storm_trials": args.storm_trials,
            "planner_runs": max(args.trials, 7 if not args.quick else 2),
            "sections": sections,
        },
    }
    raw = REPO / "bench" / "results" / ("quick.json" if args.quick else "latest.json")
    raw.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    m = results["machine"]
    say(
        f"devloop {m['devloop']} on {m['cpus']} CPUs, Docker {m['dockerd']}, Compose {m['compose']}, "
        f"load average {m['load_average']}; sections {', '.join(sections)}; {args.trials} trials"
    )

    def save() -> None:
        raw.write_text(json.dumps(results, indent=1))

    if "latency" in sections:
        limits = Limits(never_after=8.0 if args.quick else 15.0)
        results["latency"] = run_latency(csv(args.methods), csv(args.kinds), args.trials, args.warmup, limits)
        save()
    for name, run in (
        ("live", lambda: run_live(args.trials)),
        ("shared", lambda: run_shared(args.trials)),
    ):
        if name in sections:
            results[name] = _guarded(name, run)
            save()
    if "storm" in sections:
        results["storm"] = run_storm(csv(args.tools), args.storm_writes, args.storm_trials)
        save()
    if "idle" in sections:
        reads = tuple(r == "on" for r in csv(args.idle_reads))
        results["idle"] = run_idle(csv(args.tools), args.tree_sizes, args.idle_seconds, reads)
        save()
    if "first" in sections:
        files = max(args.tree_sizes)
        first = _guarded("first", lambda: {"ms": run_first_change(files, args.trials)})
        results["first"] = {"files": files, **first}
        save()
    if "planner" in sections:
        sizes = [int(s) for s in csv(args.planner_sizes)]
        results["planner"] = run_planner(sizes, results["settings"]["planner_runs"], 10_000)
        save()
    results["elapsed_s"] = round(time.monotonic() - began, 1)
    save()
    return write(results, args.out)


def write(results: dict[str, Any], out: Path) -> int:
    from bench.report import render

    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.md").write_text(render(results))
    try:
        from bench.chart import render_png

        render_png(results, out / "benchmarks.png")
    except ImportError:
        say("matplotlib is not installed (pip install -e '.[bench]'): no chart")
    print()
    print(render(results, chart=None))
    say(f"wrote {out / 'benchmarks.md'} and {out / 'benchmarks.png'} in {results['elapsed_s'] / 60:.1f} min")
    failed = [s for s in SECTIONS if _failed(results.get(s))]
    if failed:
        say(f"some measurements failed: {', '.join(failed)} (see the tables)")
    return 1 if failed else 0


def _guarded(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A section's figures, or {"error": ...}: one section that fails does not lose the others."""
    say(f"section {name}")
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - reported in the tables
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def _failed(section: Any) -> bool:
    if isinstance(section, dict):
        if "error" in section:
            return True
        return any(isinstance(m, dict) and m.get("error") for m in section.values())
    return isinstance(section, list) and any("error" in r for r in section)


if __name__ == "__main__":
    sys.exit(main())
