"""docs/benchmarks.png: change-to-live latency per kind of change and method (median bars, min-max
whiskers, "never" marked), idle CPU and RSS against the tree size, the file storm, and planner scale.
matplotlib is a benchmark-only extra (`pip install -e '.[bench]'`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import Summary
from bench.kinds import KINDS

COLORS = {
    "devloop": "#1b7f3b",
    "devloop-sync": "#5cb85c",
    "compose-watch": "#1f5fa8",
    "compose-watch-sync": "#6fa8dc",
    "restart": "#b8860b",
    "up-build": "#d9822b",
    "down-up": "#b03a2e",
    "reloader": "#333333",
    "bare": "#777777",
    "bare-sync": "#aaaaaa",
}
TOOLS = {"devloop": "#1b7f3b", "compose-watch": "#1f5fa8"}


def render_png(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(16, 10), dpi=110)
    grid = figure.add_gridspec(2, 4, height_ratios=[1.35, 1], hspace=0.55, wspace=0.32)
    _latency(figure.add_subplot(grid[0, :]), results.get("latency") or {})
    idle = [r for r in results.get("idle") or [] if "error" not in r and not r.get("reader")]
    _idle(figure.add_subplot(grid[1, 0]), idle, "cpu_pct", "idle CPU (% of one core)")
    _idle(figure.add_subplot(grid[1, 1]), idle, "rss_mb", "idle RSS (MB)")
    _storm(figure.add_subplot(grid[1, 2]), [r for r in results.get("storm") or [] if "error" not in r])
    _planner(figure.add_subplot(grid[1, 3]), [r for r in results.get("planner") or [] if "error" not in r])
    m = results["machine"]
    quick = " - QUICK SMOKE RUN, not for comparison" if results["settings"].get("quick") else ""
    figure.suptitle(
        f"devloop benchmarks, {m['date']}: {m['cpus']} CPUs, Linux {m['kernel']}, Docker {m['dockerd']}, "
        f"Compose {m['compose']}, Python {m['python']}; {results['settings']['trials']} trials{quick}",
        fontsize=11,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


def _latency(ax: Any, data: dict[str, Any]) -> None:
    kinds = [k for k in KINDS if any(k in m["kinds"] for m in data.values())]
    per_kind = {k: [name for name in data if k in data[name]["kinds"]] for k in kinds}
    width = 0.88 / max([1, *(len(v) for v in per_kind.values())])
    tops = [
        max(s.samples)
        for m in data.values()
        for k in m["kinds"].values()
        if (s := Summary.of(k["samples"])).samples
    ]
    ceiling = max(tops, default=1.0) * 1.12
    handles: dict[str, Any] = {}
    for j, kind in enumerate(kinds):
        names = per_kind[kind]
        for i, name in enumerate(names):
            x = j + (i - (len(names) - 1) / 2) * width
            s = Summary.of(data[name]["kinds"][kind]["samples"])
            color = COLORS.get(name, "#444444")
            if s.median is None:
                bar = ax.bar(x, ceiling, width, color="white", edgecolor=color, hatch="//")
                ax.text(x, ceiling * 0.5, "never", rotation=90, ha="center", va="center", fontsize=8)
            else:
                bar = ax.bar(x, s.median, width, color=color)
                low, high = s.median - min(s.samples), max(s.samples) - s.median
                ax.errorbar(x, s.median, yerr=[[low], [high]], color="black", capsize=2, linewidth=0.8)
                ax.text(
                    x,
                    max(s.samples) + ceiling * 0.01,
                    f"{s.median:.1f}",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
            handles.setdefault(name, bar)
    ax.set_xticks(range(len(kinds)), [KINDS[k].label for k in kinds], fontsize=9)
    ax.set_ylim(0, ceiling * 1.05)
    ax.set_ylabel("seconds from write to new code live")
    ax.set_title("change-to-live latency (median, min-max); lower is better", fontsize=10)
    labels = [data[name]["label"] for name in handles]
    ax.legend(
        list(handles.values()), labels, fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.09)
    )
    ax.grid(axis="y", alpha=0.3)


def _idle(ax: Any, rows: list[dict[str, Any]], key: str, title: str) -> None:
    sizes = sorted({r["files"] for r in rows})
    target = 0.1 if key == "cpu_pct" else 60.0
    for i, tool in enumerate(TOOLS):
        values = {r["files"]: r[key] for r in rows if r["tool"] == tool}
        xs = [j + (i - 0.5) * 0.4 for j, size in enumerate(sizes) if size in values]
        heights = [values[s] for s in sizes if s in values]
        ax.bar(xs, heights, 0.4, color=TOOLS[tool], label=tool)
        for x, height in zip(xs, heights, strict=True):
            text = f"{height:.2f}" if key == "cpu_pct" else f"{height:.0f}"
            ax.text(x, height, text, ha="center", va="bottom", fontsize=7)
    ax.axhline(target, color="red", linestyle="--", linewidth=0.8, label="devloop target")
    top = max([target, *(r[key] for r in rows)])
    ax.set_ylim(0, top * 1.5)
    ax.set_xticks(range(len(sizes)), [f"{s:,}" for s in sizes], fontsize=8)
    ax.set_xlabel("extra files in the watched tree", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.grid(axis="y", alpha=0.3)


def _storm(ax: Any, rows: list[dict[str, Any]]) -> None:
    tools = [t for t in TOOLS if any(r["tool"] == t for r in rows)]
    for i, tool in enumerate(tools):
        runs = [r for r in rows if r["tool"] == tool]
        idle, actions = (
            Summary.of([r["idle_s"] for r in runs]),
            Summary.of([float(r["actions"]) for r in runs]),
        )
        assert idle.median is not None and actions.median is not None
        ax.bar(i, idle.median, 0.6, color=TOOLS[tool])
        ax.text(i, idle.median, f"{actions.median:.0f} actions", ha="center", va="bottom", fontsize=8)
    if rows:
        ax.set_ylim(0, max(r["idle_s"] for r in rows) * 1.2)
        ax.set_xticks(range(len(tools)), tools, fontsize=8)
        ax.set_title(f"storm of {rows[0]['writes']:,} writes: s until idle", fontsize=10)
    ax.grid(axis="y", alpha=0.3)


def _planner(ax: Any, rows: list[dict[str, Any]]) -> None:
    for name in ("plan (incl. compose config)", "plan_project (pure)"):
        points = sorted(
            (r["services"], Summary(r["samples"]).median or 0.0) for r in rows if r["measurement"] == name
        )
        if points:
            ax.plot([p[0] for p in points], [p[1] * 1000 for p in points], marker="o", label=name)
    ax.axhline(1000, color="red", linestyle="--", linewidth=0.8, label="target (200 services)")
    ax.set_xlabel("services", fontsize=8)
    ax.set_ylabel("ms", fontsize=8)
    ax.set_title("planner: time to plan", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
