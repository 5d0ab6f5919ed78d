"""The compose project as `docker compose` resolves it, as the model."""

from __future__ import annotations

from devloop.adapters.compose import ComposeOptions, find_compose_files, load_config, project_directory
from devloop.errors import ComposeError, ComposeFailed
from devloop.load.compose_config import project_from_config
from devloop.model.paths import shown
from devloop.model.project import Project


def load_project(options: ComposeOptions) -> Project:
    """Resolve the compose project exactly as `docker compose` does and build the model."""
    files = find_compose_files(options)
    directory = project_directory(options, files)
    try:
        config = load_config(options)
    except ComposeFailed as exc:  # say which files, and what compose says is wrong with them
        names = ", ".join(shown(f, options.cwd) for f in files) or "the compose project"
        raise ComposeError(
            f"{names} does not load:\n{exc.output}",
            "fix it; `docker compose config` shows the same problem",
        ) from exc
    env_file = directory / ".env"
    return project_from_config(config, directory, files, (env_file,) if env_file.is_file() else ())
