"""`devloop init`: a commented devloop.toml with every setting and each service's inferred strategy."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.engine import Engine
from devloop.errors import DevloopError
from devloop.load.context import load_context
from devloop.model.settings import STRATEGIES, Settings
from devloop.planning.planner import ProjectPlan

# (key, default, what it does): the single source for `devloop init` and devloop.toml.example.
GLOBAL_DOC: tuple[tuple[str, object, str], ...] = (
    ("debounce_ms", Settings.debounce_ms, "quiet time (ms) after the last change before devloop acts"),
    ("max_wait_ms", Settings.max_wait_ms, "act at the latest after this long (ms) of continuous changes"),
    ("compose_files", [], "compose files, like -f, used when none are given on the command line"),
    ("profiles", [], "compose profiles, like --profile, used when none are given"),
    ("ignore", [], ".dockerignore-style patterns (relative to this folder) that never trigger anything"),
    ("prefer_sync", Settings.prefer_sync, "copy baked code into running containers instead of rebuilding"),
    (
        "image_refresh_s",
        Settings.image_refresh_s,
        "after syncs, rebuild the image once quiet this long (0: off)",
    ),
    ("protect_data", Settings.protect_data, "refuse to recreate a container that wrote data outside volumes"),
)
SERVICE_DOC: tuple[tuple[str, object, str], ...] = (
    ("strategy", "auto", f"{' | '.join(STRATEGIES)}: what code changes of this service get"),
    ("watch", [], "extra paths (relative to this folder) whose changes concern this service"),
    ("ignore", [], "patterns (relative to this folder or the build context) that never trigger it"),
    ("rebuild_on", [], "patterns that always rebuild it"),
)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _lines(doc: Sequence[tuple[str, object, str]], values: dict[str, object] | None = None) -> list[str]:
    width = max(len(f"{k} = {_value(v)}") for k, v, _ in doc)
    out = []
    for key, default, comment in doc:
        text = f"{key} = {_value((values or {}).get(key, default))}"
        out.append(f"{text.ljust(width)}  # {comment}")
    return out


def render_example() -> str:
    """devloop.toml.example: every setting with its default and a one-line comment."""
    lines = [
        "# devloop settings: copy to devloop.toml beside your compose file, or put the same keys under",
        "# [tool.devloop] in pyproject.toml. Every key is optional; these are the defaults.",
        "",
        *_lines(GLOBAL_DOC),
        "",
        "# One table per service (the name as in the compose file).",
        "[services.api]",
        *_lines(SERVICE_DOC),
    ]
    return "\n".join(lines) + "\n"


def render_init(plan: ProjectPlan) -> str:
    """A devloop.toml for this project: the defaults, and per service the strategy devloop
    inferred with its reason, so a user can see it and pin it."""
    lines = [
        f"# devloop settings for {plan.project.name}, written by `devloop init`.",
        "# Every key is optional; the values below are the defaults. `devloop plan` shows the effect.",
        "",
        *_lines(GLOBAL_DOC),
    ]
    for service in plan.services:
        lines += [
            "",
            f"[services.{_key(service.name)}]",
            f"# inferred: {service.strategy} - {service.reason}",
            f'# to pin it, write strategy = "{service.strategy}"',
            *_lines(SERVICE_DOC),
        ]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    bare = name.replace("_", "").replace("-", "").isalnum()
    return name if bare else json.dumps(name)


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    context = load_context(options, Engine())
    target = context.project.directory / "devloop.toml"
    if target.exists() and not args.force:
        raise DevloopError(f"{target} exists already", "use --force to overwrite it, or edit it")
    target.write_text(render_init(context.plan))
    print(f"wrote {target}")
    if context.settings.source is not None and context.settings.source.name == "pyproject.toml":
        print(f"note: it takes precedence over [tool.devloop] in {context.settings.source}")
    return 0
