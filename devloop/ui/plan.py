"""Everything devloop prints for `plan` and `clean`: rich tables on a terminal, JSON with --json."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from devloop.model.cleaning import CleanReport, format_bytes
from devloop.model.paths import shown
from devloop.model.project import Strategy
from devloop.planning.copymap import describe_mapping
from devloop.planning.explain import OutputNote, quiet_paths, shared_note, stage_chain
from devloop.planning.planner import ChangePlan, ProjectPlan, ServicePlan


def console(stderr: bool = False) -> Console:
    """A console that respects NO_COLOR and plain output when not on a terminal."""
    return Console(stderr=stderr, highlight=False, soft_wrap=not os.isatty(2 if stderr else 1))


Measured = Mapping[str, Mapping[str, float]]


def sync_info(service: ServicePlan, measured: Mapping[str, float]) -> dict[str, Any]:
    """Whether the service's baked code can be synced, the COPY mapping, and what devloop
    measured here for sync and rebuild."""
    build = service.service.build
    mapping = describe_mapping(service.stage, build.dockerfile.name) if build and build.dockerfile else []
    measured = dict(measured)
    available = bool(mapping) and not service.service.binds
    hint = None
    if available and service.strategy is Strategy.REBUILD:
        hint = 'strategy = "sync" copies every edit a COPY maps in anyway, unsafe or not'
        if "sync" in measured and "rebuild" in measured:
            hint += f"; measured here: sync {measured['sync']:.2f}s, rebuild {measured['rebuild']:.2f}s"
    elif service.strategy is Strategy.SYNC and "sync" in measured and "rebuild" in measured:
        ratio = measured["rebuild"] / measured["sync"] if measured["sync"] else 0
        hint = (
            f"measured here: sync {measured['sync']:.2f}s, rebuild {measured['rebuild']:.2f}s ({ratio:.1f}x)"
        )
    return {"available": available, "mapping": mapping, "measured": measured, "hint": hint}


def plan_json(plan: ProjectPlan, measured: Measured) -> dict[str, Any]:
    """`devloop plan --json`; `measured`: per service the median durations devloop measured here."""
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
                "runs": list(s.trace.argv) if s.trace is not None else list(s.process.argv),
                "evidence": s.trace.where if s.trace is not None else s.process.source,
                "reloads": s.verdict.reloads,
                "watch": [str(p) for p in s.watch],
                "build_group": list(s.build_group),
                "stage_chain": stage_chain(s),
                "shared_build": shared_note(plan, s),
                "renew_volumes": [
                    {"target": str(v.target), "volume": v.name, "why": v.why} for v in s.dependency_volumes
                ],
                "sync": sync_info(s, measured.get(s.name, {})),
            }
            for s in plan.services
        },
        "project_files": sorted(str(p) for p in plan.project_files),
    }


Outputs = Mapping[Path, OutputNote]


def _routed(plan: ProjectPlan, paths: Sequence[Path], outputs: Outputs) -> ChangePlan:
    """What `devloop up` does with the paths: those that are always container output do nothing."""
    return plan.route([p for p in paths if not (p in outputs and outputs[p].always)])


def _output_json(note: OutputNote | None) -> dict[str, Any] | None:
    if note is None:
        return None
    return {
        "services": list(note.services),
        "why": note.reason,
        "always": note.always,
        "setting": note.setting,
    }


def change_plan_json(
    plan: ProjectPlan, paths: Sequence[Path], outputs: Outputs | None = None
) -> dict[str, Any]:
    """What the paths do together (as one batch), and per path on its own, with why the services
    that do nothing for a path do nothing, and whether it is (or looks like) container output."""
    outputs = outputs or {}
    change = _routed(plan, paths, outputs)
    return {
        "actions": {d.service: str(d.action) for d in change.decisions},
        "reasons": {d.service: d.reason for d in change.decisions},
        "paths": {d.service: [str(p) for p in d.paths] for d in change.decisions},
        "project_files": [str(p) for p in change.project_files],
        "unseen": [str(p) for p in change.unseen],
        "per_path": {
            str(path): {
                "actions": {d.service: {"action": str(d.action), "reason": d.reason} for d in one.decisions},
                "nothing": [
                    {"services": list(q.services), "why": q.reason} for q in quiet_paths(plan, one, [path])
                ],
                "container_output": _output_json(outputs.get(path)),
            }
            for path, one in ((p, _routed(plan, [p], outputs)) for p in paths)
        },
    }


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def render_plan(plan: ProjectPlan, measured: Measured, out: Console, note: str | None = None) -> None:
    base = plan.project.directory
    table = Table(title=f"devloop plan: {plan.project.name} ({base})", title_justify="left")
    table.add_column("service", style="bold")
    table.add_column("strategy")
    table.add_column("why")
    table.add_column("watches")
    colours = {"reload": "green", "restart": "yellow", "rebuild": "red", "sync": "cyan", "none": "dim"}
    for s in plan.services:
        strategy = str(s.strategy)
        why = s.reason
        sync = sync_info(s, measured.get(s.name, {}))
        if sync["mapping"] and s.strategy in (Strategy.SYNC, Strategy.REBUILD):
            why += "\n[dim]" + "\n".join(sync["mapping"]) + "[/]"
        if sync["hint"]:
            why += f"\n[cyan]{sync['hint']}[/]"
        for extra in (stage_chain(s), shared_note(plan, s)):
            why += f"\n[dim]{extra}[/]" if extra else ""
        table.add_row(
            s.name,
            f"[{colours[strategy]}]{strategy}[/]",
            why,
            "\n".join(shown(p, base, dot=True) for p in s.watch) or "-",
        )
    out.print(table)
    if note:
        out.print(f"[dim]note: {note}[/]")


def render_change_plan(
    plan: ProjectPlan, paths: Sequence[Path], out: Console, outputs: Outputs | None = None
) -> None:
    """Per path: what each service does and why, why the services that do nothing for it do
    nothing, and whether it is container output; with several paths, then what they do together."""
    base = plan.project.directory
    outputs = outputs or {}
    for path in paths:
        if len(paths) > 1:
            out.print(f"[bold underline]{shown(path, base, dot=True)}[/]")
        note = outputs.get(path)
        if note is not None and note.always:
            permanent = f" (to make it permanent: {note.setting})" if note.setting else ""
            out.print(f"{', '.join(note.services)}: nothing - {path.name} is {note.reason}; devloop up never "
                      f"acts on it{permanent}")  # fmt: skip
            continue
        _render_one(plan, plan.route([path]), [path], out)
        if note is not None:
            out.print(f"[dim]note: {path.name} {note.reason} (to make it permanent: {note.setting})[/]")
    if len(paths) > 1:
        out.print("[bold underline]together[/]")
        change = _routed(plan, paths, outputs)
        for decision in change.decisions:
            out.print(f"[bold]{decision.service}[/]: {decision.action} - {decision.reason}")
        if not change.decisions:
            out.print("No service is affected by these paths.")


def _render_one(plan: ProjectPlan, change: ChangePlan, paths: Sequence[Path], out: Console) -> None:
    base = plan.project.directory
    quiet = quiet_paths(plan, change, paths)
    if not change.decisions and not change.project_files and not quiet:
        out.print("No service is affected by these paths.")
    for decision in change.decisions:
        out.print(f"[bold]{decision.service}[/]: {decision.action} - {decision.reason}")
    for path in change.project_files:
        out.print(f"{shown(path, base, dot=True)}: project file - devloop reloads the compose model")
    for q in quiet:
        out.print(f"[dim]{', '.join(q.services)}: nothing - {q.path.name}: {q.reason}[/]")
    for path in change.unseen:
        if not any(q.path == path for q in quiet):
            out.print(f"[dim]{shown(path, base, dot=True)}: no service sees this path[/]")


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
