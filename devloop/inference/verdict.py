"""The answer to "does this process reload itself?", and the small helpers every program's knowledge
uses to give it. Pure values."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ReloadVerdict:
    """Whether a process reloads itself on source changes, and why."""

    reloads: bool | None  # True: reloads itself; False: does not; None: cannot tell
    program: str | None  # what runs, e.g. "uvicorn", "celery worker", "python app.py"
    reason: str  # a short sentence quoting the decisive flag or program in backticks
    reload_dirs: tuple[str, ...] = ()  # watched directories when restricted; empty: see watches_cwd
    include: tuple[str, ...] = ()  # patterns of the files it watches (Path.match); empty: every file
    exclude: tuple[str, ...] = ()  # patterns of files and folders it ignores
    recursive: bool = True  # False: only files directly in its directories (watchmedo without -R)
    watches_cwd: bool = False  # without reload_dirs it watches its working directory (not every file)
    env_key: str | None = None  # the environment variable that decided, if one did
    on_signal: str = ""  # a signal to its main process that makes it load changed code (gunicorn: HUP)


Handler = Callable[[str, list[str], Mapping[str, str]], ReloadVerdict]
"""(program name, its arguments, its environment) -> the verdict."""

_TRUTHY = frozenset({"1", "true", "yes", "on"})


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUTHY


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unknown(args: list[str]) -> ReloadVerdict:
    shown = short(shlex.join(args))
    return ReloadVerdict(None, args[0], f"runs `{shown}`; devloop cannot tell whether it reloads")


def no(program: str, reason: str | None = None) -> ReloadVerdict:
    return ReloadVerdict(False, program, reason or f"runs `{short(program)}`, which does not reload")
