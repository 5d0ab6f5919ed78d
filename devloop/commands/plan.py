"""`devloop plan`: each service's strategy and why, or what changes to given paths would do."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from devloop.adapters import cache
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.ui import plan as ui


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    context = load_context(options, Engine(endpoint=options.endpoint), check_mounts=True)
    if not args.paths:
        project = context.project.name
        measured = {s.name: cache.median_durations(project, s.name) for s in context.plan.services}
        if args.json:
            ui.print_json(ui.plan_json(context.plan, measured))
        else:
            ui.render_plan(context.plan, measured, ui.console(), context.engine_note)
        return 0
    paths = [Path(os.path.abspath(p)) for p in args.paths]
    _check_inside(paths, context.plan.watch_roots, context.project.directory)
    if args.json:
        ui.print_json(ui.change_plan_json(context.plan, paths))
    else:
        ui.render_change_plan(context.plan, paths, ui.console())
    return 0


def _check_inside(paths: Sequence[Path], roots: Sequence[Path], directory: Path) -> None:
    for path in paths:
        if not any(path == r or r in path.parents for r in (*roots, directory)):
            raise DevloopError(
                f"{path} is outside the project ({directory}) and everything it watches",
                "give paths inside the project folder, its build contexts or its bind mounts",
            )
