"""devloop settings: `devloop.toml` beside the compose file, or `[tool.devloop]` in pyproject.toml."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devloop.errors import ConfigError
from devloop.model.project import Strategy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,no-redef]

STRATEGIES = ("auto", *(s.value for s in Strategy))
_COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass(frozen=True)
class ServiceSettings:
    strategy: str = "auto"
    watch: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rebuild_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    debounce_ms: int = 300
    max_wait_ms: int = 2000
    compose_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    prefer_sync: bool = False
    image_refresh_s: int = 30
    protect_data: bool = False
    services: tuple[tuple[str, ServiceSettings], ...] = ()
    source: Path | None = None  # the file they came from
    notice: str | None = None  # e.g. which of two files is used

    def service(self, name: str) -> ServiceSettings:
        return dict(self.services).get(name, ServiceSettings())

    @property
    def where(self) -> str:
        if self.source is None:
            return "the defaults"
        in_pyproject = self.source.name == "pyproject.toml"
        return f"[tool.devloop] in {self.source}" if in_pyproject else str(self.source)


_GLOBAL = {
    "debounce_ms": "a whole number of milliseconds",
    "max_wait_ms": "a whole number of milliseconds",
    "compose_files": "a list of file names",
    "profiles": "a list of profile names",
    "ignore": "a list of .dockerignore-style patterns",
    "prefer_sync": "true or false",
    "image_refresh_s": "a whole number of seconds (0 turns it off)",
    "protect_data": "true or false",
    "services": "a table of service names",
}
_SERVICE = {
    "strategy": f"one of {', '.join(STRATEGIES)}",
    "watch": "a list of paths",
    "ignore": "a list of .dockerignore-style patterns",
    "rebuild_on": "a list of .dockerignore-style patterns",
}


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
        if any((folder / n).is_file() for n in _COMPOSE_FILES):
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


def _string_list(value: Any, where: str, key: str, expected: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be {expected}, not {value!r}")
    return tuple(value)


def _unknown(keys: Mapping[str, Any], allowed: Mapping[str, str], where: str, prefix: str) -> None:
    for key in keys:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key `{prefix}{key}`",
                f"allowed keys: {', '.join(prefix + k for k in allowed)}",
            )


def parse_settings(
    data: Mapping[str, Any], source: Path | None = None, notice: str | None = None
) -> Settings:
    """Validate a settings table; every problem names the file, the key and what is allowed."""
    where = str(source) if source else "settings"
    if source is not None and source.name == "pyproject.toml":
        where = f"{source} [tool.devloop]"
    _unknown(data, _GLOBAL, where, "")
    values: dict[str, Any] = {}
    for key in ("prefer_sync", "protect_data"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ConfigError(f"{where}: `{key}` must be {_GLOBAL[key]}, not {data[key]!r}")
            values[key] = data[key]
    for key in ("debounce_ms", "max_wait_ms", "image_refresh_s"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: `{key}` must be {_GLOBAL[key]} (0 or more), not {value!r}")
            values[key] = value
    for key in ("compose_files", "profiles", "ignore"):
        if key in data:
            values[key] = _string_list(data[key], where, key, _GLOBAL[key])
    services = data.get("services", {})
    if not isinstance(services, dict):
        raise ConfigError(f"{where}: `services` must be {_GLOBAL['services']}, e.g. [services.api]")
    parsed: list[tuple[str, ServiceSettings]] = []
    for name, table in services.items():
        prefix = f"services.{name}."
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `services.{name}` must be a table, e.g. [services.{name}]")
        _unknown(table, _SERVICE, where, prefix)
        strategy = table.get("strategy", "auto")
        if strategy not in STRATEGIES:
            raise ConfigError(
                f"{where}: `{prefix}strategy` is {strategy!r}", f"allowed values: {', '.join(STRATEGIES)}"
            )
        keys = [k for k in ("watch", "ignore", "rebuild_on") if k in table]
        lists = {k: _string_list(table[k], where, prefix + k, _SERVICE[k]) for k in keys}
        parsed.append((name, ServiceSettings(strategy=strategy, **lists)))
    return Settings(**values, services=tuple(parsed), source=source, notice=notice)


def check_services(settings: Settings, services: tuple[str, ...]) -> None:
    """An unknown service name in the settings is an error, not a silent no-op."""
    for name, _ in settings.services:
        if name not in services:
            raise ConfigError(
                f"{settings.where}: `services.{name}` is not a service of this compose project",
                f"services: {', '.join(services) or '(none)'}",
            )
