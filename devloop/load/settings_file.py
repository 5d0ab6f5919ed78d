"""Find and read devloop's settings: `devloop.toml`, or `[tool.devloop]` in pyproject.toml, from the
compose file's folder upward."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from devloop.adapters.compose import COMPOSE_FILE_NAMES
from devloop.errors import ConfigError
from devloop.model.settings import Settings, parse_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,no-redef]


def find_settings(start: Path) -> Settings:
    """Settings from the first folder, from `start` upward, that has devloop.toml or [tool.devloop]."""
    for folder in (start, *start.parents):
        toml_file = folder / "devloop.toml"
        pyproject = folder / "pyproject.toml"
        in_pyproject = _tool_table(pyproject) if pyproject.is_file() else None
        if toml_file.is_file():
            notice = (
                f"both {toml_file.name} and [tool.devloop] in pyproject.toml exist; using {toml_file.name}"
                if in_pyproject is not None
                else None
            )
            return parse_settings(_load(toml_file), toml_file, notice)
        if in_pyproject is not None:
            return parse_settings(in_pyproject, pyproject)
        if any((folder / n).is_file() for n in COMPOSE_FILE_NAMES):
            break
    return Settings()


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", "fix the syntax, or delete the file") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc


def _tool_table(pyproject: Path) -> dict[str, Any] | None:
    tool = _load(pyproject).get("tool", {})
    table = tool.get("devloop") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.devloop] must be a table")
    return table
