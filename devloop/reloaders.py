"""Tell whether a container's main process reloads itself when its source files change.

Pure functions over a process argv and its environment: no I/O, no Docker.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReloadVerdict:
    """Whether a process reloads itself on source changes, and why."""

    reloads: bool | None  # True: reloads itself; False: does not; None: cannot tell
    program: str | None  # what runs, e.g. "uvicorn", "celery worker", "python app.py"
    reason: str  # a short sentence quoting the decisive flag or program in backticks
    reload_dirs: tuple[str, ...] = ()  # watched directories when restricted; empty: working directory


_Handler = Callable[[str, list[str], Mapping[str, str]], ReloadVerdict]

_TRUTHY = frozenset({"1", "true", "yes", "on"})
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
_PYTHON = re.compile(r"python(\d+(\.\d+)*)?")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_PUNCTUATION = "();<>|&\n"
_CONTROL_FLOW = frozenset({"if", "case", "for", "while", "until", "select", "function"})
_ALL_LONG = "--*"  # in a value-option list: every `--long` option takes a value
_MODULE_ALIASES = {"django": "django-admin", "watchdog.watchmedo": "watchmedo"}
# "name [subcommand]" -> its options that take a value ("--*": every `--long` one); the command follows.
_WRAPPERS = {
    "exec": "-a",
    "env": "-u --unset -C --chdir",
    "dumb-init": "-r --rewrite",
    "tini": "-p -e",
    "ddtrace-run": "",
    "npx": "-p --package",
    "opentelemetry-instrument": _ALL_LONG,
    "newrelic-admin run-program": "",
    "poetry run": "",
    "pipenv run": "",
    "uv run": "--with --python -p --env-file --project --directory --extra --group --package",
}
# Options that take a value, so that their value is not mistaken for a subcommand or script.
_VALUE_OPTIONS = {
    "flask": "-A --app -e --env-file",
    "celery": "-A --app -b --broker --result-backend --loader --config --workdir",
    "watchfiles": "--ignore-paths --target-type --filter --args --verbosity"
    " --sigint-timeout --grace-period --sigkill-timeout",
    "node": "-r --require --import --loader --experimental-loader --watch-path -e --eval -p --print",
}
_SERVERS = "redis-server nginx postgres mysqld mariadbd mongod memcached httpd".split()


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


def detect_reload(argv: Sequence[str], environment: Mapping[str, str] | None = None) -> ReloadVerdict:
    """Tell whether the process `argv` (entrypoint + command) reloads itself when its sources change."""
    env = dict(environment or {})
    args = list(argv)
    while args and (peeled := _peel(args, env)) is not None:
        args = peeled
    if not args:
        return ReloadVerdict(None, None, "no command; devloop cannot tell whether it reloads")
    name = posixpath.basename(args[0])
    handler = _python if _PYTHON.fullmatch(name) else _HANDLERS.get(name)
    return handler(name, args[1:], env) if handler else _unknown(args)


def _positionals(args: list[str], takes_value: Sequence[str] = ()) -> list[int]:
    """Indices of positional arguments, skipping options and the values of options in takes_value."""
    found: list[int] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return found + list(range(i + 1, len(args)))
        if arg.startswith("-") and arg != "-":
            all_long = _ALL_LONG in takes_value and arg[:2] == "--" and "=" not in arg
            i += 2 if arg in takes_value or all_long else 1
            continue
        found.append(i)
        i += 1
    return found


def _option_values(args: list[str], *names: str) -> tuple[str, ...]:
    """Values of `NAME VALUE` and `NAME=VALUE` options, up to `--`."""
    found: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            break
        key, eq, value = arg.partition("=")
        if arg in names and i + 1 < len(args):
            found.append(args[i + 1])
        elif eq and key in names:
            found.append(value)
    return tuple(found)


def _peel(args: list[str], env: dict[str, str]) -> list[str] | None:
    """Strip one wrapper (or one `VAR=value`, recorded in env) from args; None if there is none."""
    head, rest = args[0], args[1:]
    if _ASSIGNMENT.fullmatch(head):
        key, _, value = head.partition("=")
        env[key] = value
        return rest
    name = posixpath.basename(head)
    if name in _SHELLS:
        return _peel_shell(rest, env)
    if _PYTHON.fullmatch(name):
        kind, target, tail = _python_target(rest)
        target = _MODULE_ALIASES.get(target, target) if kind == "-m" else target
        known = posixpath.basename(target) in _HANDLERS or target == "debugpy"
        return [target, *tail] if kind != "-c" and target and known else None
    if name in ("gosu", "su-exec") and len(rest) > 1:
        return rest[1:]
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
            positionals = _positionals(rest, _WRAPPERS[key].split())
            return rest[positionals[0] :] if positionals else None
    return None


def _peel_shell(rest: list[str], env: dict[str, str]) -> list[str] | None:
    """`sh [-flags] -c SCRIPT` -> the main command of SCRIPT; `sh script.sh` -> `script.sh`."""
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
    if not has_script:
        return rest[i:] or None
    commands = _script_commands(rest[i]) if i < len(rest) else []
    if any(cmd[0] in _CONTROL_FLOW for cmd in commands):
        return None  # which command runs depends on the script's conditions: cannot tell
    if not commands:
        return []
    is_exec = [[t for t in cmd if not _ASSIGNMENT.fullmatch(t)][:1] == ["exec"] for cmd in commands]
    main = is_exec.index(True) if True in is_exec else len(commands) - 1
    for cmd in commands[:main]:  # `export VAR=x; cmd` reaches cmd's environment
        if cmd[0] == "export":
            env.update(dict(part.split("=", 1) for part in cmd[1:] if _ASSIGNMENT.fullmatch(part)))
    arguments = rest[i + 2 :]  # `sh -c 'exec "$@"' sh ARG...`: "$@" stands for the arguments after $0
    return [part for token in commands[main] for part in (arguments if token in ("$@", "${@}") else [token])]


def _script_commands(script: str) -> list[list[str]]:
    """Simple commands of a shell script; the right side of `|` and `||` and redirections are dropped."""
    lines = [line for line in script.replace("\\\n", " ").splitlines() if not line.lstrip().startswith("#")]
    lexer = shlex.shlex("\n".join(lines), posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = " \t\r", True, ""
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = script.split()
    commands: list[list[str]] = [[]]
    skipping = redirect_target = False
    for token in tokens:
        if redirect_target:
            redirect_target = False
        elif not set(token) <= set(_PUNCTUATION):
            if not skipping:
                commands[-1].append(token)
        elif "<" in token or ">" in token:
            redirect_target = True
        elif any(separator in token for separator in ";&\n"):
            commands.append([])
            skipping = False
        elif "|" in token:
            skipping = True
    return [cmd for cmd in commands if cmd]


def _python_target(args: list[str]) -> tuple[str, str, list[str]]:
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


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUTHY


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unknown(args: list[str]) -> ReloadVerdict:
    shown = _short(shlex.join(args))
    return ReloadVerdict(None, args[0], f"runs `{shown}`; devloop cannot tell whether it reloads")


def _no(program: str, reason: str | None = None) -> ReloadVerdict:
    return ReloadVerdict(False, program, reason or f"runs `{_short(program)}`, which does not reload")


def _reload_flag(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """uvicorn, hypercorn and gunicorn reload with `--reload` (or its environment switch)."""
    dirs = _option_values(args, "--reload-dir")
    if "--reload" in args:
        return ReloadVerdict(True, name, f"runs `{name} --reload`", dirs)
    if name == "uvicorn" and _truthy(value := env.get("UVICORN_RELOAD")):
        return ReloadVerdict(True, name, f"UVICORN_RELOAD={value} makes `uvicorn` reload", dirs)
    if name == "gunicorn" and "--reload" in split_command(env.get("GUNICORN_CMD_ARGS", "")):
        return ReloadVerdict(True, name, "`--reload` in GUNICORN_CMD_ARGS makes `gunicorn` reload")
    near_miss = next((arg.split("=")[0] for arg in args if arg.startswith("--reload-")), None)
    if near_miss:
        return _no(name, f"`{near_miss}` without `--reload` does not reload")
    return _no(name, f"runs `{name}` without `--reload`, which does not reload")


def _flask(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    positionals = _positionals(args, _VALUE_OPTIONS["flask"].split())
    if not positionals or args[positionals[0]] != "run":
        return _unknown([name, *args[: positionals[0] + 1]] if positionals else [name])
    run_at = positionals[0]
    if "--no-reload" in args:
        return _no("flask run", "`flask run --no-reload` does not reload")
    if "--reload" in args:
        return ReloadVerdict(True, "flask run", "runs `flask run --reload`")
    if "--debug" in args:
        shown = "flask --debug run" if "--debug" in args[:run_at] else "flask run --debug"
        return ReloadVerdict(True, "flask run", f"runs `{shown}`")
    if "--no-debug" in args:
        return _no("flask run", "runs `flask run --no-debug`, which does not reload")
    debug, flask_env = env.get("FLASK_DEBUG", ""), env.get("FLASK_ENV", "")
    if _truthy(debug):
        return ReloadVerdict(True, "flask run", f"FLASK_DEBUG={debug} makes `flask run` reload")
    if not debug and flask_env == "development":  # Flask < 2.3; FLASK_DEBUG overrides it
        return ReloadVerdict(True, "flask run", "FLASK_ENV=development makes `flask run` reload")
    return _no("flask run", "runs `flask run` without debug, which does not reload")


def _django(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    program = f"{'manage.py' if name == 'manage.py' else 'django-admin'} {args[0] if args else ''}".strip()
    if args[:1] not in (["runserver"], ["runserver_plus"]):
        return _unknown(program.split())
    if "--noreload" in args:
        return _no(program, f"`{args[0]} --noreload` does not reload")
    return ReloadVerdict(True, program, f"runs `{program}`, which reloads by default")


def _celery(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = next((args[i] for i in _positionals(args, _VALUE_OPTIONS["celery"].split())), "")
    return _no(f"celery {sub}") if sub in ("worker", "beat") else _unknown(["celery", sub] if sub else [name])


def _watcher(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """Tools that restart the process they run whenever a file changes."""
    dirs: tuple[str, ...] = ()
    if name == "watchmedo":
        if args[:1] != ["auto-restart"]:
            return _unknown([name, *args[:1]])
        name, dirs = "watchmedo auto-restart", _option_values(args, "--directory", "-d")
    elif name == "watchfiles":  # watchfiles [options] TARGET [PATH ...]
        positionals = [args[i] for i in _positionals(args, _VALUE_OPTIONS["watchfiles"].split())]
        if not positionals:
            return _unknown([name, *args])
        dirs = tuple(positionals[1:])
    elif name == "nodemon":
        dirs = _option_values(args, "--watch", "-w")
    return ReloadVerdict(True, name, f"runs `{name}`, which restarts on changes", dirs)


def _node(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    positionals = _positionals(args, _VALUE_OPTIONS["node"].split())
    options = args[: positionals[0]] if positionals else args  # later arguments belong to the script
    program = f"node {args[positionals[0]]}" if positionals else "node"
    dirs = _option_values(options, "--watch-path")
    if "--watch" in options or dirs:
        flag = "--watch" if "--watch" in options else "--watch-path"
        return ReloadVerdict(True, program, f"runs `node {flag}`", dirs)
    return _no(program) if positionals else _unknown([name, *args])


def _subcommand(dev: str, prod: str, default: bool | None) -> _Handler:
    """Handler for tools whose subcommand decides: `tsx watch`, `next dev`, `vite build`."""

    def handler(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
        sub = next((args[i] for i in _positionals(args) if args[i] in (dev + " " + prod).split()), "")
        program = f"{name} {sub}".strip()
        if sub in dev.split() or (not sub and default):
            return ReloadVerdict(True, program, f"runs `{program}`, a dev server that reloads")
        if sub in prod.split() or (not sub and default is False):
            return _no(program)
        return _unknown([name, *args])

    return handler


def _python(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    kind, target, _ = _python_target(args)
    if kind == "-c" or not target:
        return _unknown(["python", kind] if kind else ["python"])
    return _no(f"python -m {target}" if kind == "-m" else f"python {target}")


_HANDLERS: dict[str, _Handler] = {
    "uvicorn": _reload_flag,
    "hypercorn": _reload_flag,
    "gunicorn": _reload_flag,
    "flask": _flask,
    "celery": _celery,
    "manage.py": _django,
    "django-admin": _django,
    "django-admin.py": _django,
    "watchmedo": _watcher,
    "watchfiles": _watcher,
    "nodemon": _watcher,
    "air": _watcher,
    "ts-node-dev": _watcher,
    "node": _node,
    "tsx": _subcommand("watch", "", default=False),
    "next": _subcommand("dev", "start build", default=None),
    "vite": _subcommand("dev serve", "build preview optimize", default=True),
    **dict.fromkeys(_SERVERS, lambda name, args, env: _no(name)),
}
