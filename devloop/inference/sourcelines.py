"""Where things are written: the line of a service's `command:`, `environment:` entries, develop.watch
rules and volumes in the compose files, and of `KEY=value` in .env and env_file files. A scan of the
text by indentation (the resolved config has no lines), so that every reason can cite `file:line`.
Pure: text in; a key that is not found is simply not cited."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)")
_LISTS = ("volumes", "env_file")


@dataclass
class Spots:
    """Per service: key -> `file:line` ("command", "env:NAME", "watch:0", "volumes:1", ...), the
    variables each key's text interpolates, and the env_file entries as written."""

    at: dict[str, str] = field(default_factory=dict)
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    env_files: list[str] = field(default_factory=list)


def compose_spots(files: Iterable[tuple[str, str]]) -> dict[str, Spots]:
    """(shown name, text) of each compose file, in order: a later file's keys win."""
    found: dict[str, Spots] = {}
    for shown, text in files:
        _scan(shown, text, found)
    return found


def _scan(shown: str, text: str, found: dict[str, Spots]) -> None:
    scanner = _Scanner(shown, found)
    for number, raw in enumerate(text.splitlines(), 1):
        scanner.line(number, raw)


class _Scanner:
    """A line-by-line reading of one compose file's `services:`: which key of which service each
    line belongs to, by indentation alone (enough for citing lines; compose config has the values)."""

    def __init__(self, shown: str, found: dict[str, Spots]) -> None:
        self.shown = shown
        self.found = found
        self.services = False
        self.service_indent: int | None = None
        self.key_indent: int | None = None
        self.item_indent: int | None = None
        self.watch_indent: int | None = None
        self.spots: Spots | None = None
        self.key = ""
        self.counters: dict[str, int] = {}

    def line(self, number: int, raw: str) -> None:
        line = raw.split(" #", 1)[0].rstrip()
        body = line.strip()
        if not body or body.startswith("#"):
            return
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            self.services, self.spots = body.startswith("services:"), None
            return
        if not self.services:
            return
        self.service_indent = indent if self.service_indent is None else self.service_indent
        if indent <= self.service_indent:
            name = body.split(":", 1)[0].strip().strip("'\"")
            self.spots = self.found.setdefault(name, Spots())
            self.key_indent = None
            return
        if self.spots is None:
            return
        self.key_indent = indent if self.key_indent is None else self.key_indent
        where = f"{self.shown}:{number}"
        if indent <= self.key_indent:
            self._key(self.spots, body, where)
            return
        self.spots.refs[self.key] = self.spots.refs.get(self.key, ()) + _refs(body)
        self.item_indent = indent if self.item_indent is None else self.item_indent
        self._item(self.spots, body, indent, number, where)

    def _key(self, spots: Spots, body: str, where: str) -> None:
        """A key of a service (`command:`, `volumes:`...)."""
        key, _, value = body.partition(":")
        self.key = key = key.strip()
        spots.at[key] = where
        spots.refs[key] = _refs(value)
        self.item_indent = self.watch_indent = None
        self.counters = {}
        if key == "env_file" and value.strip():
            spots.env_files[:] = [v.strip(" '\"") for v in value.strip(" []").split(",") if v.strip()]
        elif key == "env_file":
            spots.env_files.clear()

    def _item(self, spots: Spots, body: str, indent: int, number: int, where: str) -> None:
        """A line under a key: an environment entry, a volume, a list item, a develop.watch rule."""
        key, counters, top = self.key, self.counters, indent == self.item_indent
        if key == "environment" and top:
            entry = body[2:] if body.startswith("- ") else body
            name, _, value = entry.partition("=" if body.startswith("- ") else ":")
            name = name.strip().strip("'\"")
            spots.at[f"env:{name}"] = where
            spots.refs[f"env:{name}"] = _refs(value)
        elif key == "volumes":
            if top and body.startswith("- "):
                counters["item"] = number
                parts = body[2:].strip(" '\"").split(":")
                if len(parts) > 1 and not body[2:].lstrip().startswith(("type", "source", "target")):
                    spots.at[f"mount:{parts[1]}"] = where
            if body.lstrip("- ").startswith("target:") and "item" in counters:
                target = body.lstrip("- ").partition(":")[2].strip(" '\"")
                spots.at[f"mount:{target}"] = f"{self.shown}:{counters['item']}"
        elif key in _LISTS and top and body.startswith("- "):
            index = counters[key] = counters.get(key, -1) + 1
            spots.at[f"{key}:{index}"] = where
            if key == "env_file":
                entry = body[2:].strip()
                spots.env_files.append(entry.partition("path:")[2].strip(" '\"") or entry.strip(" '\""))
        elif key == "develop":
            self._watch_rule(spots, body, indent, where)

    def _watch_rule(self, spots: Spots, body: str, indent: int, where: str) -> None:
        if body.startswith("watch:"):
            self.watch_indent = None
            self.counters["watch"] = -1
        elif body.startswith("- ") and "watch" in self.counters:
            self.watch_indent = indent if self.watch_indent is None else self.watch_indent
            if indent == self.watch_indent:
                self.counters["watch"] += 1
                spots.at[f"watch:{self.counters['watch']}"] = where


def _refs(text: str) -> tuple[str, ...]:
    """Variables compose interpolates in `text` (`$$` is an escaped `$`, not one)."""
    return tuple(a or b for a, b in _REFERENCE.findall(text.replace("$$", "")))


def env_lines(shown: str, text: str) -> dict[str, str]:
    """`KEY=value` lines of a .env or env_file file -> `file:line`."""
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        body = raw.strip()
        if body.startswith("export "):
            body = body[7:].lstrip()
        name, sep, _ = body.partition("=")
        if sep and name and not name.startswith("#") and name.replace("_", "a").isalnum():
            found[name] = f"{shown}:{number}"
    return found


def env_origins(
    spots: Spots | None, dotenv: Mapping[str, str], env_file_lines: Mapping[str, str]
) -> dict[str, str]:
    """Per variable of a service's environment: where it was set, e.g. `compose.yaml:12` or
    `.env:2 via compose.yaml:12` (interpolated) or `.envs/.django:3` (an env_file)."""
    found = dict(env_file_lines)
    if spots is None:
        return found
    for key, where in spots.at.items():
        if not key.startswith("env:"):
            continue
        name = key[4:]
        sources = [dotenv[r] for r in spots.refs.get(key, ()) if r in dotenv]
        found[name] = f"{', '.join(sources)} via {where}" if sources else where
    return found


def key_origin(spots: Spots | None, key: str, dotenv: Mapping[str, str]) -> str | None:
    """`compose.yaml:9 command`, with the .env lines of the variables it interpolates: `compose.yaml:9
    command with API_RELOAD_FLAG from .env:1`; None when the key is not found."""
    if spots is None or key not in spots.at:
        return None
    refs = [f"{r} from {dotenv[r]}" for r in dict.fromkeys(spots.refs.get(key, ())) if r in dotenv]
    return f"{spots.at[key]} {key}" + (f" with {', '.join(refs)}" if refs else "")
