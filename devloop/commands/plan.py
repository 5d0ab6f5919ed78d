"""`devloop plan`: each service's strategy and why, or what changes to given paths would do."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from devloop.adapters import cache
from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.adapters.git import GitIgnores
from devloop.adapters.host import file_owner, user_id
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.planning.explain import OutputNote, output_note
from devloop.planning.output import foreign_owner
from devloop.planning.planner import ProjectPlan
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
    outputs = _outputs(context.plan, paths)
    if args.json:
        ui.print_json(ui.change_plan_json(context.plan, paths, outputs))
    else:
        ui.render_change_plan(context.plan, paths, ui.console(), outputs)
    return 0


def _outputs(plan: ProjectPlan, paths: Sequence[Path]) -> dict[Path, OutputNote]:
    """The paths that are, or look like, what the containers write (asking git and the file owner)."""
    directory = plan.project.directory
    ignored = GitIgnores(directory).ignored([str(p) for p in paths])
    tree, me = file_owner(str(directory)), user_id()
    found: dict[Path, OutputNote] = {}
    for path in paths:
        facts = file_owner(str(path))
        foreign = foreign_owner(facts[1], me, tree[1] if tree else None) if facts is not None else None
        note = output_note(plan, path, str(path) in ignored, foreign)
        if note is not None:
            found[path] = note
    return found


def _check_inside(paths: Sequence[Path], roots: Sequence[Path], directory: Path) -> None:
    for path in paths:
        if not any(path == r or r in path.parents for r in (*roots, directory)):
            raise DevloopError(
                f"{path} is outside the project ({directory}) and everything it watches",
                "give paths inside the project folder, its build contexts or its bind mounts",
            )
