"""devloop settings (`devloop.toml` beside the compose file, or `[tool.devloop]` in pyproject.toml):
the values, their one table of keys, and validation. Reading the files is load.settings_file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devloop.errors import ConfigError
from devloop.model.project import Strategy

STRATEGIES = ("auto", *(s.value for s in Strategy))


@dataclass(frozen=True)
class ServiceSettings:
    strategy: str = "auto"
    watch: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rebuild_on: tuple[str, ...] = ()
    live_update: bool = True


@dataclass(frozen=True)
class Settings:
    debounce_ms: int = 300
    max_wait_ms: int = 2000
    compose_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    live_update: bool = True
    image_refresh_s: int = 30
    protect_data: bool = False
    logs: bool | tuple[str, ...] = True  # whose output `devloop up` shows: all, none, or these
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


@dataclass(frozen=True)
class Key:
    """One setting: its name, the default, what a valid value is, and what it does. This table is
    the single source of validation messages, `devloop init`, devloop.toml.example and the README."""

    name: str
    default: object
    expected: str
    help: str


GLOBAL_KEYS: tuple[Key, ...] = (
    Key("debounce_ms", Settings.debounce_ms, "a whole number of milliseconds",
        "quiet time (ms) after the last change before devloop acts"),
    Key("max_wait_ms", Settings.max_wait_ms, "a whole number of milliseconds",
        "act at the latest after this long (ms) of continuous changes"),
    Key("compose_files", [], "a list of file names",
        "compose files, like -f, used when none are given on the command line"),
    Key("profiles", [], "a list of profile names",
        "compose profiles, like --profile, used when none are given"),
    Key("ignore", [], "a list of .dockerignore-style patterns",
        ".dockerignore-style patterns (relative to this folder) that never trigger anything"),
    Key("live_update", Settings.live_update, "true or false",
        "copy safe baked edits into running containers instead of rebuilding"),
    Key("image_refresh_s", Settings.image_refresh_s, "a whole number of seconds (0 turns it off)",
        "after syncs, rebuild the image once quiet this long (0: off)"),
    Key("protect_data", Settings.protect_data, "true or false",
        "refuse to recreate a container that wrote data outside volumes"),
    Key("logs", Settings.logs, "true (every service), false, or a list of service names",
        "whose output `devloop up` shows: true (all), false, or a list of services"),
)  # fmt: skip
SERVICE_KEYS: tuple[Key, ...] = (
    Key("strategy", ServiceSettings.strategy, f"one of {', '.join(STRATEGIES)}",
        f"{' | '.join(STRATEGIES)}: what code changes of this service get"),
    Key("watch", [], "a list of paths",
        "extra paths (relative to this folder) whose changes concern this service"),
    Key("ignore", [], "a list of .dockerignore-style patterns",
        "patterns (relative to this folder or the build context) that never trigger it"),
    Key("rebuild_on", [], "a list of .dockerignore-style patterns", "patterns that always rebuild it"),
    Key("live_update", ServiceSettings.live_update, "true or false",
        "false: rebuild this service's baked code instead of copying edits in"),
)  # fmt: skip
_GLOBAL = {k.name: k.expected for k in GLOBAL_KEYS} | {"services": "a table of service names"}
_SERVICE = {k.name: k.expected for k in SERVICE_KEYS}


def render_keys(keys: tuple[Key, ...], values: Mapping[str, object] | None = None) -> list[str]:
    """TOML lines `key = value  # help`, aligned; `values` override the defaults."""
    texts = [f"{k.name} = {toml_value((values or {}).get(k.name, k.default))}" for k in keys]
    width = max(map(len, texts))
    return [f"{text.ljust(width)}  # {k.help}" for text, k in zip(texts, keys, strict=True)]


def render_example() -> str:
    """devloop.toml.example (and the README's settings block): every setting, its default, a comment."""
    lines = [
        "# devloop settings: copy to devloop.toml beside your compose file, or put the same keys under",
        "# [tool.devloop] in pyproject.toml. Every key is optional; these are the defaults.",
        "",
        *render_keys(GLOBAL_KEYS),
        "",
        "# One table per service (the name as in the compose file).",
        "[services.api]",
        *render_keys(SERVICE_KEYS),
    ]
    return "\n".join(lines) + "\n"


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _string_list(value: Any, where: str, key: str, expected: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be {expected}, not {value!r}")
    return tuple(value)


def _flag(
    table: Mapping[str, Any], key: str, where: str, expected: Mapping[str, str], prefix: str = ""
) -> bool:
    if not isinstance(table[key], bool):
        raise ConfigError(f"{where}: `{prefix}{key}` must be {expected[key]}, not {table[key]!r}")
    return bool(table[key])


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
    if "prefer_sync" in data:  # replaced: live update is on by default where it is safe
        raise ConfigError(
            f"{where}: `prefer_sync` is gone: devloop copies baked edits in by itself where that is safe",
            'remove it; `strategy = "sync"` for a service copies every edit it can',
        )
    _unknown(data, _GLOBAL, where, "")
    values: dict[str, Any] = {key: _flag(data, key, where, _GLOBAL) for key in ("live_update", "protect_data")
                              if key in data}  # fmt: skip
    for key in ("debounce_ms", "max_wait_ms", "image_refresh_s"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: `{key}` must be {_GLOBAL[key]} (0 or more), not {value!r}")
            values[key] = value
    for key in ("compose_files", "profiles", "ignore"):
        if key in data:
            values[key] = _string_list(data[key], where, key, _GLOBAL[key])
    if "logs" in data:
        logs = data["logs"]
        shown = logs if isinstance(logs, bool) else _string_list(logs, where, "logs", _GLOBAL["logs"])
        values["logs"] = shown
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
        lists: dict[str, Any] = {k: _string_list(table[k], where, prefix + k, _SERVICE[k]) for k in keys}
        if "live_update" in table:
            lists["live_update"] = _flag(table, "live_update", where, _SERVICE, prefix)
        parsed.append((name, ServiceSettings(strategy=strategy, **lists)))
    return Settings(**values, services=tuple(parsed), source=source, notice=notice)


def check_services(settings: Settings, services: tuple[str, ...]) -> None:
    """An unknown service name in the settings is an error, not a silent no-op."""
    shown = settings.logs if isinstance(settings.logs, tuple) else ()
    unknown = [name for name in shown if name not in services]
    if unknown:
        raise ConfigError(
            f"{settings.where}: `logs` names {', '.join(unknown)}, not a service of this compose project",
            f"services: {', '.join(services) or '(none)'}",
        )
    for name, _ in settings.services:
        if name not in services:
            raise ConfigError(
                f"{settings.where}: `services.{name}` is not a service of this compose project",
                f"services: {', '.join(services) or '(none)'}",
            )
