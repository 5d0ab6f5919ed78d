"""What each program prints when it is ready to serve and when its reloader acts: one entry per
program, so that a new one is a line here. Patterns are searched in a line with its ANSI colours
removed."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    """The lines of one program that tell its state. `settle_s`: how long a ready line must stand
    unanswered by an error before it counts (gunicorn says "Booting worker" before the worker
    imports the application, so a broken module fails right after it)."""

    name: str
    ready: tuple[re.Pattern[str], ...]
    reloading: tuple[re.Pattern[str], ...] = ()
    settle_s: float = 0.0


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


PROGRAMS: tuple[Program, ...] = (
    Program(
        "uvicorn",
        _p(r"Application startup complete", r"Uvicorn running on "),
        _p(r"(WatchFiles|StatReload|WatchGod) detected (file )?change", r"Reloading\.\.\.$"),
    ),
    Program("hypercorn", _p(r"Running on https?://\S+ \(CTRL \+ C to quit\)")),
    Program(
        "werkzeug",  # flask run, Flask's app.run(debug=True)
        _p(r"Debugger is active!", r"\* Running on (all addresses|https?://)"),
        _p(r"\* Detected change in ", r"\* Restarting with (stat|watchdog|inotify)"),
    ),
    Program(
        "django",
        _p(r"Starting development server at ", r"Quit the server with CONTROL-C"),
        _p(r" changed, reloading\.$", r"^Watching for file changes with "),
    ),
    Program("gunicorn", _p(r"Booting worker with pid"), _p(r"Worker reloading: .* modified"), settle_s=1.5),
    Program("celery", _p(r"\bready\.$", r"celery@\S+ ready"), _p(r"Restarting celery worker")),
    Program("celery beat", _p(r"beat: Starting\.\.\.")),
    Program(
        "nodemon",
        _p(r"\[nodemon\] starting `"),
        _p(r"\[nodemon\] restarting due to changes", r"\[nodemon\] files triggering change check"),
    ),
    Program("node --watch", _p(), _p(r"^Restarting '.+'$")),
    Program(
        "vite",
        _p(r"VITE v\S+ +ready in ", r"ready in \d+(\.\d+)? ?ms"),
        _p(r"\[vite\] (hmr update|page reload)"),
    ),
    Program("next", _p(r"✓ Ready in ", r"^\s*(- )?ready (- )?started server on ", r"\bReady in \d")),
    Program("puma", _p(r"Listening on (tcp|http|ssl|unix)://"), _p(r"\* Restarting\.\.\.")),
    Program("rails", _p(r"Use Ctrl-C to stop$")),
    Program("watchmedo", _p(), _p(r"Restarting process\.?")),
    Program("watchfiles", _p(), _p(r"\d+ changes? detected")),
    Program("air", _p(r"running\.\.\.$"), _p(r"building\.\.\.$", r" has changed$")),
    Program("go", _p(r"Listening and serving HTTP on ")),  # gin
    Program("spring", _p(r"Started \w+ in \d+(\.\d+)? seconds")),
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def plain(line: str) -> str:
    """A log line without its terminal colours and trailing blanks."""
    return ANSI.sub("", line).rstrip()


def ready_program(line: str) -> Program | None:
    """The program whose ready line this is, if any."""
    return next((p for p in PROGRAMS if any(r.search(line) for r in p.ready)), None)


def reloading_program(line: str) -> Program | None:
    """The program whose reloader says it acted in this line, if any."""
    return next((p for p in PROGRAMS if any(r.search(line) for r in p.reloading)), None)
