"""Unwrap a process argv: wrappers (`exec`, `env`, `tini --`, `gosu`, `poetry run`, `python -m`...),
`VAR=value` prefixes and `sh -c SCRIPT`, down to the program that really runs. Pure functions."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Collection, Mapping, Sequence

from devloop.inference.shell.run import ScriptRun, run_script

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
PYTHON = re.compile(r"python(\d+(\.\d+)*)?")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
MODULE_ALIASES = {"django": "django-admin", "watchdog.watchmedo": "watchmedo"}
ALL_LONG = "--*"  # in a value-option list: every `--long` option takes a value
# "name [subcommand]" -> its options that take a value ("--*": every `--long` one); the command follows.
_WRAPPERS = {
    "exec": "-a",
    "env": "-u --unset -C --chdir",
    "dumb-init": "-r --rewrite",
    "tini": "-p -e",
    "ddtrace-run": "",
    "npx": "-p --package",
    "opentelemetry-instrument": ALL_LONG,
    "newrelic-admin run-program": "",
    "poetry run": "",
    "bundle exec": "",
    "pipenv run": "",
    "uv run": "--with --python -p --env-file --project --directory --extra --group --package",
    # prefixes that time, prioritise, pin or limit a command, then run it
    "time": "-f --format -o --output",
    "nice": "-n --adjustment",
    "ionice": "-c --class -n --classdata",
    "stdbuf": "-i -o -e --input --output --error",
    "timeout": "-s --signal -k --kill-after",
    "chrt": "-T -P -D --sched-runtime --sched-period --sched-deadline",
    "taskset": "",
    "nohup": "",
    "setsid": "",
    "busybox": "",  # `busybox httpd -f ...`: an applet by name
}
# Wrappers whose first positional arguments are theirs, not the command's: `timeout 30 CMD`,
# `chrt 10 CMD` (a priority), `taskset 0x3 CMD` (a CPU mask).
_LEADING = {"timeout": 1, "chrt": 1, "taskset": 1}


def split_command(value: str | Sequence[str] | None) -> list[str]:
    """Compose/Docker command or entrypoint (shell-form string or list form) -> argv list (shlex)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:  # unbalanced quotes: fall back to whitespace
            return value.split()
    return [str(part) for part in value]


def positionals(args: list[str], takes_value: Sequence[str] = ()) -> list[int]:
    """Indices of positional arguments, skipping options and the values of options in takes_value."""
    found: list[int] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return found + list(range(i + 1, len(args)))
        if arg.startswith("-") and arg != "-":
            all_long = ALL_LONG in takes_value and arg[:2] == "--" and "=" not in arg
            i += 2 if arg in takes_value or all_long else 1
            continue
        found.append(i)
        i += 1
    return found


def option_values(args: Sequence[str], *names: str) -> tuple[str, ...]:
    """Values of `NAME VALUE` and `NAME=VALUE` options, up to `--`."""
    return tuple(value for _, value in options_given(args, names))


def options_given(args: Sequence[str], names: Collection[str]) -> list[tuple[str, str]]:
    """(name, value) of the `NAME VALUE` and `NAME=VALUE` options among `names`, up to `--`."""
    found: list[tuple[str, str]] = []
    for i, arg in enumerate(args):
        if arg == "--":
            break
        key, eq, value = arg.partition("=")
        if arg in names and i + 1 < len(args):
            found.append((arg, args[i + 1]))
        elif eq and key in names:
            found.append((key, value))
    return found


def peel(args: list[str], env: dict[str, str], known: Callable[[str], bool]) -> list[str] | None:
    """Strip one wrapper (or one `VAR=value`, recorded in env) from args; None if there is none.
    `known`: whether a program name (of `python -m NAME`) is one devloop can judge."""
    head, rest = args[0], args[1:]
    if _ASSIGNMENT.fullmatch(head):
        key, _, value = head.partition("=")
        env[key] = value
        return rest
    name = posixpath.basename(head)
    if name in SHELLS:
        return peel_shell(rest, env)
    if PYTHON.fullmatch(name):
        kind, target, tail = python_target(rest)
        target = MODULE_ALIASES.get(target, target) if kind == "-m" else target
        wanted = known(posixpath.basename(target)) or target == "debugpy"
        return [target, *tail] if kind != "-c" and target and wanted else None
    if name in ("gosu", "su-exec") and len(rest) > 1:
        return rest[1:]
    if name == "docker-php-entrypoint" and rest:  # the php images' ENTRYPOINT: `exec "$@"`, with
        return ["php", *rest] if rest[0].startswith("-") else rest  # `php` put before an option
    if name in ("wait-for-it", "wait-for-it.sh"):
        return rest[rest.index("--") + 1 :] if "--" in rest else None
    if name == "debugpy":  # `debugpy --listen 5678 -m uvicorn ...`: its options end at python's own
        i = 0
        while i < len(rest) and rest[i].startswith("--"):
            i += 1 if "=" in rest[i] or rest[i] in ("--wait-for-client", "--log-to-stderr") else 2
        return ["python", *rest[i:]]
    for key in (name, f"{name} {rest[0]}") if rest else (name,):
        if key in _WRAPPERS:
            rest = rest[key.count(" ") :]  # what follows the wrapper's options (and `--`) is the command
            found = positionals(rest, _WRAPPERS[key].split())
            skip = _LEADING.get(key, 0)
            return rest[found[skip] :] if len(found) > skip else None
    return None


def shell_parts(rest: Sequence[str]) -> tuple[bool, int]:
    """A shell's arguments: (whether `-c` gives a script, the index of the script or script file)."""
    i, has_script = 0, False
    while i < len(rest) and len(rest[i]) > 1 and rest[i][0] in "-+":
        flag = rest[i]
        i += 1
        if flag == "--":
            break
        if flag in ("-o", "+o"):
            i += 1
        elif flag[:2] != "--" and "c" in flag[1:]:
            has_script = True
    return has_script, i


def peel_shell(rest: list[str], env: dict[str, str]) -> list[str] | None:
    """`sh [-flags] -c SCRIPT [$0 ARG...]` -> the command SCRIPT runs; `sh script.sh` -> `script.sh`."""
    has_script, i = shell_parts(rest)
    if not has_script:
        return rest[i:] or None
    script = shell_script(rest[i:], env)
    if script.argv is None:
        return None  # which command runs depends on what devloop cannot evaluate: cannot tell
    env.clear()
    env.update(script.env)
    return list(script.argv)


def shell_script(rest: Sequence[str], env: Mapping[str, str]) -> ScriptRun:
    """What `sh -c SCRIPT [$0 ARG...]` runs (rest: SCRIPT and what follows it)."""
    return run_script(rest[0] if rest else "", env, rest[2:], rest[1] if len(rest) > 1 else "sh")


def python_target(args: list[str]) -> tuple[str, str, list[str]]:
    """Python's arguments -> ("-m", module, tail), ("-c", code, tail) or ("", script, tail)."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        option = args[i]
        i += 1
        if option == "--":
            break
        for pos, char in enumerate(option[1:] if option[:2] != "--" else "", start=2):
            if char in "cmXW":  # options that take a value, possibly glued on: `-mflask`
                value = option[pos:]
                if not value and i < len(args):
                    value, i = args[i], i + 1
                if char in "cm":
                    return f"-{char}", value, args[i:]
                break
    return ("", args[i], args[i + 1 :]) if i < len(args) else ("", "", [])
