"""The answer to "does this process reload itself?", what its command line says it writes, and the
small helpers every program's knowledge uses to give them. Pure values."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from devloop.inference.unwrap import options_given


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


@dataclass(frozen=True)
class Written:
    """A path a program's own command line says it writes: a log, pid or state file, or what an
    asset watcher builds. From its first start it is the container's output, never an edit."""

    option: str  # how the command names it: `--logfile`, `-o`, `src:dest`, or "by default"
    path: str  # as given, relative to the process's working directory (after its own chdir) or absolute
    folder: bool = False  # a folder it writes into (`--outdir`), else one file (and its companions)


Writes = Callable[[list[str]], list[Written]]
"""(the program's arguments) -> what they say it writes."""

_PLACEHOLDER = re.compile(r"%[A-Za-z%]")  # celery's %n (node name), %I (child index), ...


def written(args: Sequence[str], options: Mapping[str, bool], chdir: str = "") -> list[Written]:
    """The values of `options` (option -> whether it names a folder) in `args`, as `NAME VALUE` or
    `NAME=VALUE`, up to `--`; relative ones under `chdir` (the program's own change of folder).
    Not `-` (standard output), devices, nor a value with an unexpanded variable."""
    return [
        Written(key, _PLACEHOLDER.sub("*", posixpath.join(chdir, value) if chdir else value), options[key])
        for key, value in options_given(args, options)
        if value not in ("", "-") and not value.startswith(("/dev/", "/proc/")) and "$" not in value
    ]
