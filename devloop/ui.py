"""Everything devloop prints for `plan` and `clean`: rich tables on a terminal, JSON with --json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from devloop.appledouble import CleanReport, format_bytes
from devloop.planner import ChangePlan, ProjectPlan


def console(stderr: bool = False) -> Console:
    """A console that respects NO_COLOR and plain output when not on a terminal."""
    return Console(stderr=stderr, highlight=False, soft_wrap=not os.isatty(2 if stderr else 1))


def _short(path: Path, base: Path) -> str:
    try:
        relative = path.relative_to(base)
    except ValueError:
        return str(path)
    return "./" + str(relative) if str(relative) != "." else "."


def plan_json(plan: ProjectPlan) -> dict[str, Any]:
    base = plan.project.directory
    return {
        "project": plan.project.name,
        "directory": str(base),
        "services": {
            s.name: {
                "strategy": str(s.strategy),
                "reason": s.reason,
                "configured": s.configured,
                "process": list(s.process.argv),
                "process_source": s.process.source,
                "reloads": s.verdict.reloads,
                "watch": [str(p) for p in s.watch],
                "build_group": list(s.build_group),
            }
            for s in plan.services
        },
        "project_files": sorted(str(p) for p in plan.project_files),
    }


def change_plan_json(change: ChangePlan) -> dict[str, Any]:
    return {
        "actions": {d.service: str(d.action) for d in change.decisions},
        "reasons": {d.service: d.reason for d in change.decisions},
        "paths": {d.service: [str(p) for p in d.paths] for d in change.decisions},
        "project_files": [str(p) for p in change.project_files],
        "unseen": [str(p) for p in change.unseen],
    }


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def render_plan(plan: ProjectPlan, out: Console, note: str | None = None) -> None:
    base = plan.project.directory
    table = Table(title=f"devloop plan: {plan.project.name} ({base})", title_justify="left")
    table.add_column("service", style="bold")
    table.add_column("strategy")
    table.add_column("why")
    table.add_column("watches")
    colours = {"reload": "green", "restart": "yellow", "rebuild": "red", "sync": "cyan", "none": "dim"}
    for s in plan.services:
        strategy = str(s.strategy)
        table.add_row(
            s.name,
            f"[{colours[strategy]}]{strategy}[/]",
            s.reason,
            "\n".join(_short(p, base) for p in s.watch) or "-",
        )
    out.print(table)
    if note:
        out.print(f"[dim]note: {note}[/]")


def render_change_plan(change: ChangePlan, base: Path, out: Console) -> None:
    if not change.decisions and not change.project_files:
        out.print("No service is affected by these paths.")
    for decision in change.decisions:
        out.print(f"[bold]{decision.service}[/]: {decision.action} - {decision.reason}")
    for path in change.project_files:
        out.print(f"{_short(path, base)}: project file - devloop reloads the compose model")
    for path in change.unseen:
        out.print(f"[dim]{_short(path, base)}: no service sees this path[/]")


def clean_json(report: CleanReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "removed": [str(p) for p in report.removed],
        "kept": [str(p) for p in report.kept],
        "errors": [{"path": str(p), "error": e} for p, e in report.errors],
        "bytes_removed": report.bytes_removed,
    }


def render_clean(report: CleanReport, out: Console) -> None:
    verb = "would remove" if report.dry_run else "removed"
    for path in report.removed:
        out.print(f"{verb} {path}")
    for path in report.kept:
        out.print(f"[yellow]kept {path}: named like AppleDouble but is not (user data)[/]")
    for path, error in report.errors:
        out.print(f"[red]could not handle {path}: {error}[/]")
    out.print(
        f"{verb} {len(report.removed)} AppleDouble file(s), {format_bytes(report.bytes_removed)}; "
        f"kept {len(report.kept)}."
    )
