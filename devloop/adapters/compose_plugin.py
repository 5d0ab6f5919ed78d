"""The Compose v2 binary itself, run directly instead of through `docker compose`.

`docker compose ...` starts three processes: the docker CLI, the plugin once to read its metadata,
then the plugin again to do the work (about 40 ms and as much CPU, on every action devloop takes,
while the services it acts on start). The plugin binary runs as standalone Compose with the same
behaviour; the engine goes to it in DOCKER_HOST or DOCKER_CONTEXT, which it reads as the docker
CLI does. It is looked up where the docker CLI looks for it, in the same order; when it is not
found there, devloop runs `docker compose`."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from devloop.adapters.endpoint import Endpoint, config_dir

NAME = "docker-compose"
SYSTEM_DIRS = (  # the docker CLI's defaults (cli-plugins/manager/manager_unix.go)
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)
MACOS_DIRS = ("/Applications/Docker.app/Contents/Resources/cli-plugins",)


def plugin_dirs(environ: Mapping[str, str]) -> list[Path]:
    """Where the docker CLI finds its plugins: config.json's cliPluginsExtraDirs, the config
    folder's cli-plugins, then the system folders."""
    folder = config_dir(environ)
    extra: list[str] = []
    try:
        found = json.loads((folder / "config.json").read_text()).get("cliPluginsExtraDirs") or []
        extra = [str(d) for d in found] if isinstance(found, list) else []
    except (OSError, ValueError, AttributeError):
        pass
    system = SYSTEM_DIRS + (MACOS_DIRS if sys.platform == "darwin" else ())
    return [Path(os.path.expanduser(d)) for d in extra] + [folder / "cli-plugins"] + [Path(d) for d in system]


@functools.cache
def find_plugin() -> str | None:
    """The plugin binary `docker compose` would run (looked up once: every action runs it); None
    on Windows or when it is elsewhere."""
    if sys.platform == "win32":
        return None
    for folder in plugin_dirs(os.environ):
        candidate = folder / NAME
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def launch(
    args: list[str], argv: list[str], endpoint: Endpoint | None
) -> tuple[list[str], dict[str, str] | None]:
    """What to run for `compose ARGS` (`argv`: the same as `docker [engine flags] compose ARGS`):
    the plugin with the engine in its environment when it is found, else `argv` as it is
    (environment None: the caller's)."""
    plugin = find_plugin()
    if plugin is None:
        return argv, None
    environ = dict(os.environ)
    if endpoint is not None and endpoint.source == "DOCKER_HOST":
        environ["DOCKER_HOST"] = endpoint.host
    elif endpoint is not None:
        environ.pop("DOCKER_HOST", None)  # it would win over the context
        environ["DOCKER_CONTEXT"] = endpoint.context
    return [plugin, *args], environ
