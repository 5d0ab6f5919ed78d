"""What project files say about the process: package.json scripts (`npm run dev`), reloader configs
(.air.toml, nodemon.json), and what a start command installs. Pure: text in."""

from __future__ import annotations

import json
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from devloop.inference.reloaders import AIR_DEFAULTS
from devloop.inference.unwrap import PYTHON, option_values, positionals

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,no-redef]

_RUNNERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_OWN_COMMANDS = frozenset(
    "install i add remove rm upgrade up init config cache global workspace workspaces why info link unlink "
    "dlx exec x node set plugin version publish pack login logout create ci audit outdated list ls "
    "import patch rebuild update prune store test-only".split()
)
_LIFECYCLE = frozenset({"start", "test", "restart", "stop"})
_BUN_FILE = re.compile(r".*\.[cm]?[jt]sx?")


def package_script(argv: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """`npm run dev -- --port 3000`, `npm start`, `yarn dev`, `pnpm run dev`, `bun run dev` ->
    (script name, extra arguments); None when argv does not run a package.json script."""
    runner = posixpath.basename(argv[0]) if argv else ""
    if runner not in _RUNNERS:
        return None
    args = list(argv[1:])
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 1
    if i >= len(args):
        return None
    sub, rest = args[i], args[i + 1 :]
    if sub in ("run", "run-script"):
        if not rest:
            return None
        script, extra = rest[0], rest[1:]
    elif sub in _LIFECYCLE:
        script, extra = sub, rest
    elif runner != "npm" and sub not in _OWN_COMMANDS:
        script, extra = sub, rest
    else:
        return None
    if runner == "bun" and ("/" in script or _BUN_FILE.fullmatch(script)):
        return None  # `bun run src/index.ts`, `bun server.js`: a file, not a script
    return script, tuple(extra[1:] if extra[:1] == ["--"] else extra)


def script_command(text: str, name: str) -> tuple[str | None, int]:
    """The command of scripts.NAME in a package.json, and its line; npm runs `node server.js` for a
    missing `start`."""
    data = _json(text)
    scripts = data.get("scripts") if isinstance(data, dict) else None
    command = scripts.get(name) if isinstance(scripts, dict) else None
    if not isinstance(command, str):
        return ("node server.js", 0) if name == "start" else (None, 0)
    at = text.find('"scripts"')
    found = re.compile(rf'"{re.escape(name)}"\s*:').search(text, max(at, 0))
    return command, text.count("\n", 0, found.start()) + 1 if found else 0


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class WatchConfig:
    """What a reloader's own config file says it watches (None: the default)."""

    dirs: tuple[str, ...] | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    line: int = 0  # where the decisive setting is


def air_config(text: str) -> WatchConfig:
    """.air.toml: [build] include_dir, exclude_dir, include_ext (root: the top-level `root`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return WatchConfig()
    build = data.get("build") if isinstance(data.get("build"), dict) else {}
    root = str(data.get("root") or ".")
    include_dir = _strings(build.get("include_dir"))
    ext = _strings(build.get("include_ext")) or AIR_DEFAULTS["include_ext"]
    exclude = _strings(build.get("exclude_dir"))
    exclude = AIR_DEFAULTS["exclude_dir"] if "exclude_dir" not in build else exclude
    dirs = tuple(posixpath.normpath(posixpath.join(root, d)) for d in include_dir) or (root,)
    exclude_dirs = tuple(posixpath.normpath(posixpath.join(root, d)) for d in exclude)
    line = _line_of(text, ("include_ext", "include_dir", "exclude_dir"))
    return WatchConfig(dirs, tuple(f"*.{e.lstrip('.')}" for e in ext), exclude_dirs, line=line)


def _line_of(text: str, keys: Sequence[str]) -> int:
    """The first line that sets one of `keys` (0: none does)."""
    found = re.search("|".join(re.escape(k) for k in keys), text)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def nodemon_config(data: Any) -> WatchConfig:
    """nodemon.json (or package.json nodemonConfig): watch, ext, ignore."""
    if not isinstance(data, dict):
        return WatchConfig()
    ext = data.get("ext")
    include = (
        tuple(f"*.{e.strip(' .')}" for e in ext.split(",") if e.strip()) if isinstance(ext, str) else None
    )
    watch = _strings(data.get("watch")) or None
    ignore = _strings(data.get("ignore")) or None
    return WatchConfig(watch, include, ignore)


def package_nodemon(text: str) -> WatchConfig:
    data = _json(text)
    config = nodemon_config(data.get("nodemonConfig") if isinstance(data, dict) else None)
    return replace(config, line=_line_of(text, ('"nodemonConfig"',)))


def nodemon_file(text: str) -> WatchConfig:
    return replace(nodemon_config(_json(text)), line=_line_of(text, ('"watch"', '"ext"', '"ignore"')))


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def config_files(program: str | None, argv: Sequence[str], env: Mapping[str, str]) -> tuple[str, ...]:
    """Files the process reads once at start (relative to its working directory): a reloader's or
    server's config, an env file."""
    args = list(argv[1:])
    name = program or ""
    if name.startswith(("uvicorn", "hypercorn")):
        return option_values(args, "--env-file", "--log-config", "--config", "-c")
    if name == "air":
        return option_values(args, "-c") or (".air.toml",)
    if name == "nodemon":
        return option_values(args, "--config") or ("nodemon.json",)
    if name.startswith("flask"):
        return option_values(args, "-e", "--env-file")
    return ()


_INSTALLS: dict[str, tuple[str, ...]] = {
    "npm": ("package.json", "package-lock.json"),
    "yarn": ("package.json", "yarn.lock"),
    "pnpm": ("package.json", "pnpm-lock.yaml"),
    "poetry": ("pyproject.toml", "poetry.lock"),
    "uv": ("pyproject.toml", "uv.lock"),
    "pipenv": ("Pipfile", "Pipfile.lock"),
    "bundle": ("Gemfile", "Gemfile.lock"),
    "go": ("go.mod", "go.sum"),
    "composer": ("composer.json", "composer.lock"),
}
_INSTALL_WORDS = frozenset({"install", "i", "ci", "sync", "download"})


def installed_files(argv: Sequence[str]) -> tuple[str, ...]:
    """Dependency files a command installs from (relative to its working directory), e.g.
    `pip install -r requirements.txt` -> requirements.txt; empty when it installs nothing."""
    args = list(argv)
    if args and PYTHON.fullmatch(posixpath.basename(args[0])) and args[1:3] == ["-m", "pip"]:
        args = ["pip", *args[3:]]
    if args[:2] == ["uv", "pip"]:
        args = ["pip", *args[2:]]
    head = posixpath.basename(args[0]) if args else ""
    if head in ("pip", "pip3"):
        if "install" not in args:
            return ()
        files = option_values(args, "-r", "--requirement", "-c", "--constraint")
        values = "-r --requirement -c --constraint -e --editable -t --target --find-links -f -i".split()
        local = [args[i] for i in positionals(args, values) if args[i] in (".", "./")]
        editable = option_values(args, "-e", "--editable")
        if local or any(e in (".", "./") for e in editable):
            files += ("pyproject.toml", "setup.py", "setup.cfg")
        return files
    if head in _INSTALLS:
        words = set(args[1:3])
        if words & _INSTALL_WORDS or (head == "yarn" and len(args) == 1):
            return _INSTALLS[head]
    return ()
