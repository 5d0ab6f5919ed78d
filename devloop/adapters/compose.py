"""Adapter for the docker compose CLI: find the project's files and read its resolved config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devloop.errors import ComposeError, ComposeFailed, DevloopError, EngineError
from devloop.load.compose_config import project_from_config
from devloop.model.project import Project

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILE_NAMES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)


@dataclass(frozen=True)
class ComposeOptions:
    """devloop's `-f/-p/--profile/--project-directory`, passed on to `docker compose` as given."""

    files: tuple[str, ...] = ()
    project_name: str | None = None
    profiles: tuple[str, ...] = ()
    project_directory: str | None = None
    cwd: Path = field(default_factory=Path.cwd)

    def argv(self, *args: str) -> list[str]:
        argv = ["docker", "compose"]
        for file in self.files:
            argv += ["-f", file]
        if self.project_name:
            argv += ["-p", self.project_name]
        for profile in self.profiles:
            argv += ["--profile", profile]
        if self.project_directory:
            argv += ["--project-directory", self.project_directory]
        return argv + list(args)


def find_compose_files(options: ComposeOptions) -> tuple[Path, ...]:
    """The compose files `docker compose` reads, in the same order of precedence."""
    if options.files:
        return tuple((options.cwd / f).resolve() if f != "-" else Path("-") for f in options.files)
    env_files = os.environ.get("COMPOSE_FILE")
    if env_files:
        separator = os.environ.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
        return tuple((options.cwd / f).resolve() for f in env_files.split(separator) if f)
    start = Path(options.project_directory or options.cwd).resolve()
    for folder in (start, *start.parents):
        for name in COMPOSE_FILE_NAMES:
            if (folder / name).is_file():
                overrides = [folder / o for o in OVERRIDE_FILE_NAMES if (folder / o).is_file()]
                return (folder / name, *overrides[:1])
    return ()


def project_directory(options: ComposeOptions, files: tuple[Path, ...]) -> Path:
    if options.project_directory:
        return (options.cwd / options.project_directory).resolve()
    if files and files[0] != Path("-"):
        return files[0].parent
    return options.cwd.resolve()


def run_compose(
    options: ComposeOptions, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a compose command to completion; raise a ComposeError that says what went wrong."""
    if shutil.which("docker") is None:
        raise EngineError(
            "the `docker` command is not installed",
            "install Docker Engine with Compose v2, Docker Desktop or Colima (see the README)",
        )
    argv = options.argv(*args)
    try:
        done = subprocess.run(
            argv, cwd=options.cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        raise ComposeError(f"`{' '.join(argv)}` did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise compose_failure(argv, done.returncode, done.stderr or done.stdout)
    return done


def compose_failure(argv: list[str], returncode: int, output: str) -> DevloopError:
    text = output.strip()
    if _no_compose_plugin(text):
        return ComposeError(
            "Docker Compose v2 is not installed (`docker compose` is not a docker command)",
            "install the Compose v2 plugin (https://docs.docker.com/compose/install/); "
            "the old `docker-compose` v1 is not supported",
        )
    if "no configuration file provided" in text:
        return ComposeError(
            "no compose file found here or in any parent folder",
            "run devloop in your project folder, or pass -f path/to/compose.yaml",
        )
    if "Cannot connect to the Docker daemon" in text or "error during connect" in text:
        return EngineError(
            "the Docker Engine does not answer",
            "start Docker (Docker Desktop, Colima, or dockerd) and try again",
        )
    return ComposeFailed(f"`{' '.join(argv)}` failed (exit code {returncode}):\n{text}", text)


def _no_compose_plugin(text: str) -> bool:
    """The docker CLI did not know `compose`: it says so, or (given flags, as in `docker compose
    config --format json`) it rejects the first flag with its own top-level usage."""
    if "'compose' is not a docker command" in text or "unknown command: docker compose" in text:
        return True
    return "unknown flag: --" in text and "Usage:  docker [OPTIONS] COMMAND" in text


def load_config(options: ComposeOptions) -> dict[str, Any]:
    done = run_compose(options, "config", "--format", "json")
    try:
        config: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ComposeError(f"`docker compose config` printed something that is not JSON: {exc}") from exc
    return config


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def load_project(options: ComposeOptions) -> Project:
    """Resolve the compose project exactly as `docker compose` does and build the model."""
    files = find_compose_files(options)
    directory = project_directory(options, files)
    try:
        config = load_config(options)
    except ComposeFailed as exc:  # say which files, and what compose says is wrong with them
        names = ", ".join(_shown(f, options.cwd) for f in files) or "the compose project"
        raise ComposeError(
            f"{names} does not load:\n{exc.output}",
            "fix it; `docker compose config` shows the same problem",
        ) from exc
    env_file = directory / ".env"
    return project_from_config(config, directory, files, (env_file,) if env_file.is_file() else ())
