"""`devloop init`: a commented devloop.toml with every setting and each service's inferred strategy."""

from __future__ import annotations

import argparse
import json

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.model.settings import GLOBAL_KEYS, SERVICE_KEYS, render_keys
from devloop.planning.planner import ProjectPlan


def render_init(plan: ProjectPlan) -> str:
    """A devloop.toml for this project: the defaults, and per service the strategy devloop
    inferred with its reason, so a user can see it and pin it."""
    lines = [
        f"# devloop settings for {plan.project.name}, written by `devloop init`.",
        "# Every key is optional; the values below are the defaults. `devloop plan` shows the effect.",
        "",
        *render_keys(GLOBAL_KEYS),
    ]
    for service in plan.services:
        lines += [
            "",
            f"[services.{_key(service.name)}]",
            f"# inferred: {service.strategy} - {service.reason}",
            f'# to pin it, write strategy = "{service.strategy}"',
            *render_keys(SERVICE_KEYS),
        ]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    bare = name.replace("_", "").replace("-", "").isalnum()
    return name if bare else json.dumps(name)


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    context = load_context(options, Engine(endpoint=options.endpoint))
    target = context.project.directory / "devloop.toml"
    if target.exists() and not args.force:
        raise DevloopError(f"{target} exists already", "use --force to overwrite it, or edit it")
    target.write_text(render_init(context.plan))
    print(f"wrote {target}")
    if context.settings.source is not None and context.settings.source.name == "pyproject.toml":
        print(f"note: it takes precedence over [tool.devloop] in {context.settings.source}")
    return 0
