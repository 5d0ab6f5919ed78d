"""`devloop clean`: delete genuine macOS AppleDouble `._*` files from the build contexts and bind
sources (or the given folders)."""

from __future__ import annotations

import argparse
from pathlib import Path

from devloop.adapters.appledouble import clean
from devloop.adapters.compose import ComposeOptions
from devloop.errors import DevloopError
from devloop.planning.planner import ProjectPlan
from devloop.ui import plan as ui


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    if args.paths:
        roots = [Path(p) for p in args.paths]
        missing = [str(p) for p in roots if not p.exists()]
        if missing:
            raise DevloopError(f"no such path: {', '.join(missing)}")
    else:
        from devloop.load.context import load_context

        roots = clean_roots(load_context(options).plan)
    report = clean(roots, dry_run=args.dry_run)
    if args.json:
        ui.print_json(ui.clean_json(report))
    else:
        ui.render_clean(report, ui.console())
    return 0 if not report.errors else 1


def clean_roots(plan: ProjectPlan) -> list[Path]:
    """What `devloop clean` cleans by default: the build contexts and bind sources, nothing else
    (not the extra watch paths, not the rest of the project folder)."""
    roots = {s.service.build.context for s in plan.services if s.service.build is not None}
    roots |= {b.source for s in plan.services for b in s.service.binds}
    return sorted(roots)
