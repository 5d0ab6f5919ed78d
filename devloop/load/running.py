"""Where the `devloop up` of a project answers: the project resolved exactly as `devloop up`
resolves it (settings' compose files and profiles included), then its runtime folder."""

from __future__ import annotations

from pathlib import Path

from devloop.adapters import runtime
from devloop.adapters.compose import ComposeOptions
from devloop.errors import ConfigError
from devloop.load.context import load_settings
from devloop.load.project import load_project


def up_socket(options: ComposeOptions) -> tuple[str, Path]:
    """The compose project's name, and the socket its `devloop up` listens on (if one runs)."""
    try:
        options, _ = load_settings(options)
    except ConfigError:
        pass  # settings edited into something invalid since `devloop up` read them: ask all the same
    project = load_project(options)
    return project.name, runtime.socket_path(project.name, project.directory)
