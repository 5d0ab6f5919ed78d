"""The one adapter for the docker compose CLI: find the project's files, read its resolved config,
its version, and run `up`, `build` and the other commands devloop acts with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devloop.adapters.compose_plugin import launch
from devloop.adapters.endpoint import Endpoint
from devloop.adapters.processes import Result, run_command, tail
from devloop.errors import ComposeError, ComposeFailed, DevloopError, EngineError

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILE_NAMES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)


@dataclass(frozen=True)
class ComposeOptions:
    """devloop's `-f/-p/--profile/--project-directory`, passed on to `docker compose` as given,
    and the engine (`endpoint`) every compose command goes to."""

    files: tuple[str, ...] = ()
    project_name: str | None = None
    profiles: tuple[str, ...] = ()
    project_directory: str | None = None
    cwd: Path = field(default_factory=Path.cwd)
    endpoint: Endpoint | None = None  # None: wherever the docker CLI goes

    def argv(self, *args: str) -> list[str]:
        """The command as a user would type it: `docker [engine flags] compose ...`."""
        engine = self.endpoint.docker_args() if self.endpoint else ()
        return ["docker", *engine, "compose", *self._args(args)]

    def launch(self, *args: str) -> tuple[list[str], dict[str, str] | None]:
        """What to run for `argv(*args)`, and its environment (see compose_plugin)."""
        return launch(self._args(args), self.argv(*args), self.endpoint)

    def _args(self, args: Sequence[str]) -> list[str]:
        """What follows `compose`."""
        found: list[str] = []
        for file in self.files:
            found += ["-f", file]
        if self.project_name:
            found += ["-p", self.project_name]
        for profile in self.profiles:
            found += ["--profile", profile]
        if self.project_directory:
            found += ["--project-directory", self.project_directory]
        return found + list(args)


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
    argv = options.argv(*args)
    run, environ = options.launch(*args)
    if environ is None and shutil.which("docker") is None:
        raise EngineError(
            "the `docker` command is not installed",
            "install Docker Engine with Compose v2, Docker Desktop or Colima (see the README)",
        )
    try:
        done = subprocess.run(
            run, cwd=options.cwd, env=environ, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
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


def version() -> str | None:
    """`docker compose version --short`, or None when there is no Compose v2."""
    try:
        done = subprocess.run(
            ["docker", "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=20,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


ENGINE_DOWN_MARKERS = ("Cannot connect to the Docker daemon", "error during connect", "connection refused")


async def run(options: ComposeOptions, *args: str) -> tuple[int, str]:
    """Any compose command, cancellable (`up -d`, `down`, `stop`): exit code and output."""
    return await run_command(*options.launch(*args), options.cwd)


async def up(
    options: ComposeOptions, services: Sequence[str], *, build: bool, renew_anon_volumes: bool = False
) -> Result:
    """`docker compose up -d [--build] --no-deps SERVICES`: a failed build leaves the running
    containers alone, because compose recreates only after every image has built. With
    `renew_anon_volumes`, anonymous volumes are recreated (from the new image) instead of kept."""
    renew = ["--renew-anon-volumes"] if renew_anon_volumes else []
    args = ["up", "-d", "--no-deps", *(["--build"] if build else []), *renew, *services]
    argv = options.argv(*args)
    started = time.monotonic()
    code, output = await run_command(*options.launch(*args), options.cwd)
    return Result(
        ok=code == 0,
        duration_s=time.monotonic() - started,
        detail=None if code == 0 else tail(output),
        command=" ".join(argv),
        engine_down=code != 0 and any(m in output for m in ENGINE_DOWN_MARKERS),
    )


async def build(options: ComposeOptions, services: Sequence[str]) -> Result:
    """`docker compose build SERVICES`: a new image, the running containers untouched."""
    argv = options.argv("build", *services)
    started = time.monotonic()
    code, output = await run_command(*options.launch("build", *services), options.cwd)
    return Result(code == 0, time.monotonic() - started, None if code == 0 else tail(output), " ".join(argv))
