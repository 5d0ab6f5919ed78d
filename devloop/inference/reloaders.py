"""Tell whether a container's main process reloads itself when its source files change.

Pure functions over a process argv and its environment: no I/O, no Docker.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace

from devloop.inference.programs import celery, fastapi, frontend, pyscript, rails, servers, watchers
from devloop.inference.unwrap import PYTHON, option_values, peel, python_target, split_command
from devloop.inference.unwrap import positionals as _positionals
from devloop.inference.verdict import Handler as _Handler
from devloop.inference.verdict import ReloadVerdict
from devloop.inference.verdict import no as _no
from devloop.inference.verdict import truthy as _truthy
from devloop.inference.verdict import unknown as _unknown

__all__ = ["ReloadVerdict", "detect_reload", "known_program", "split_command"]


_VALUE_OPTIONS = {
    "flask": "-A --app -e --env-file",
    "watchfiles": "--ignore-paths --target-type --filter --args --verbosity"
    " --sigint-timeout --grace-period --sigkill-timeout",
    "node": "-r --require --import --loader --experimental-loader --watch-path -e --eval -p --print",
    "nodemon": "--watch -w --ext -e --ignore -i --exec -x --delay --signal --config",
}
_SERVERS = "redis-server postgres mysqld mariadbd mongod memcached".split()


def detect_reload(argv: Sequence[str], environment: Mapping[str, str] | None = None) -> ReloadVerdict:
    """Tell whether the process `argv` (entrypoint + command) reloads itself when its sources change."""
    env = dict(environment or {})
    args = list(argv)
    while args and (peeled := peel(args, env, known_program)) is not None:
        args = peeled
    if not args:
        return ReloadVerdict(None, None, "no command; devloop cannot tell whether it reloads")
    name = servers.canonical(posixpath.basename(args[0]))
    handler = _python if PYTHON.fullmatch(name) else _HANDLERS.get(name)
    return handler(name, args[1:], env) if handler else _unknown(args)


def known_program(name: str) -> bool:
    """A program devloop can judge (uvicorn, celery, nodemon, ...)."""
    return servers.canonical(name) in _HANDLERS


_PY = ("*.py",)


def _reload_flag(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """uvicorn, hypercorn and gunicorn reload with `--reload` (or its environment switch); they watch
    Python files only: uvicorn `*.py` in its working directory plus --reload-include, gunicorn and
    hypercorn the modules they loaded (and gunicorn's --reload-extra-file)."""
    key = "GUNICORN_CMD_ARGS" if name == "gunicorn" else ""
    from_env = split_command(env.get(key, "")) if key else []
    own, args = args, [*from_env, *args]  # the command line wins over the environment
    dirs = option_values(args, "--reload-dir")
    include = _PY + option_values(args, "--reload-include", "--reload-extra-file")
    exclude = option_values(args, "--reload-exclude")
    scope = {"reload_dirs": dirs, "include": include, "exclude": exclude, "watches_cwd": name == "uvicorn"}
    verdict = None
    if "--reload" in own:
        verdict = ReloadVerdict(True, name, f"runs `{name} --reload`")
    elif "--reload" in from_env:
        verdict = ReloadVerdict(True, name, f"`--reload` in {key} makes `{name}` reload", env_key=key)
    elif name == "uvicorn" and _truthy(value := env.get("UVICORN_RELOAD")):
        reason = f"UVICORN_RELOAD={value} makes `uvicorn` reload"
        verdict = ReloadVerdict(True, name, reason, env_key="UVICORN_RELOAD")
    if verdict is not None:
        return replace(verdict, **scope)  # type: ignore[arg-type]
    near_miss = next((arg.split("=")[0] for arg in args if arg.startswith("--reload-")), None)
    no = f"`{near_miss}` without `--reload` does not reload" if near_miss else None
    verdict = _no(name, no or f"runs `{name}` without `--reload`, which does not reload")
    # gunicorn's master loads the app afresh in new workers on HUP, unless it preloaded it
    hup = name == "gunicorn" and "--preload" not in args
    return replace(verdict, on_signal="HUP") if hup else verdict


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
    run_reload = env.get("FLASK_RUN_RELOAD", "")
    if run_reload and not _truthy(run_reload):
        return _no("flask run", f"FLASK_RUN_RELOAD={run_reload} keeps `flask run` from reloading")
    if _truthy(run_reload):
        return ReloadVerdict(
            True,
            "flask run",
            f"FLASK_RUN_RELOAD={run_reload} makes `flask run` reload",
            env_key="FLASK_RUN_RELOAD",
        )
    debug = pyscript.flask_debug(env)
    if debug is not None and debug[0]:
        key = debug[1]
        return ReloadVerdict(True, "flask run", f"{key}={env[key]} makes `flask run` reload", env_key=key)
    return _no("flask run", "runs `flask run` without debug, which does not reload")


def _django(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    program = f"{'manage.py' if name == 'manage.py' else 'django-admin'} {args[0] if args else ''}".strip()
    if args[:1] not in (["runserver"], ["runserver_plus"]):
        return _unknown(program.split())
    if "--noreload" in args:
        return _no(program, f"`{args[0]} --noreload` does not reload")
    return ReloadVerdict(True, program, f"runs `{program}`, which reloads by default")


def _celery(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = celery.subcommand(args)
    return _no(f"celery {sub}") if sub in ("worker", "beat") else _unknown(["celery", sub] if sub else [name])


_WATCHFILES_FILTERS = {"python": ("*.py", "*.pyx", "*.pyd"), "default": (), "all": ()}
_NODEMON_EXT = ("js", "mjs", "cjs", "json")
AIR_DEFAULTS = {
    "include_ext": ("go", "tpl", "tmpl", "html"),
    "exclude_dir": ("assets", "tmp", "vendor", "testdata"),
}


def _watcher(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """Tools that restart the process they run whenever a file they watch changes."""
    dirs: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    recursive, cwd = True, True
    if name == "watchmedo":
        if args[:1] != ["auto-restart"]:
            return _unknown([name, *args[:1]])
        name, dirs = "watchmedo auto-restart", option_values(args, "--directory", "-d")
        patterns = option_values(args, "--patterns", "--pattern", "-p")
        include = tuple(p for v in patterns for p in v.split(";") if p != "*")
        exclude = tuple(p for v in option_values(args, "--ignore-patterns", "-i") for p in v.split(";") if p)
        recursive = "-R" in args or "--recursive" in args
    elif name == "watchfiles":  # watchfiles [options] TARGET [PATH ...]
        positionals = [args[i] for i in _positionals(args, _VALUE_OPTIONS["watchfiles"].split())]
        if not positionals:
            return _unknown([name, *args])
        dirs = tuple(positionals[1:])
        chosen = (option_values(args, "--filter") or ("default",))[-1]
        if chosen not in _WATCHFILES_FILTERS:
            return _unknown([name, "--filter", chosen])
        include = _WATCHFILES_FILTERS[chosen]
        exclude = tuple(p for v in option_values(args, "--ignore-paths") for p in v.split(",") if p)
    elif name == "nodemon":
        dirs = option_values(args, "--watch", "-w")
        extensions = [e.strip(" .") for v in option_values(args, "--ext", "-e") for e in v.split(",")]
        script = next((args[i] for i in _positionals(args, _VALUE_OPTIONS["nodemon"].split())), "")
        own = posixpath.splitext(script)[1].lstrip(".")
        extensions = extensions or [*_NODEMON_EXT, *([own] if own and own not in _NODEMON_EXT else [])]
        include = tuple(f"*.{e}" for e in extensions if e)
        exclude = option_values(args, "--ignore", "-i")
    elif name == "air":
        include = tuple(f"*.{e}" for e in AIR_DEFAULTS["include_ext"])
        exclude = AIR_DEFAULTS["exclude_dir"]
    else:
        cwd = False
    return ReloadVerdict(
        True, name, f"runs `{name}`, which restarts on changes", dirs, include, exclude, recursive, cwd
    )


def _node(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    positionals = _positionals(args, _VALUE_OPTIONS["node"].split())
    options = args[: positionals[0]] if positionals else args  # later arguments belong to the script
    program = f"node {args[positionals[0]]}" if positionals else "node"
    dirs = option_values(options, "--watch-path")
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
            return ReloadVerdict(
                True, program, f"runs `{program}`, a dev server that reloads", watches_cwd=name != "tsx"
            )
        if sub in prod.split() or (not sub and default is False):
            return _no(program)
        return _unknown([name, *args])

    return handler


def _python(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    kind, target, _ = python_target(args)
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
    **frontend.HANDLERS,
    **rails.HANDLERS,
    **fastapi.HANDLERS,
    **servers.HANDLERS,
    **watchers.HANDLERS,
    **dict.fromkeys(_SERVERS, lambda name, args, env: _no(name)),
}
