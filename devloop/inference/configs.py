"""The files a program reads once at start that change what it watches or whether it reloads at all:
.air.toml, nodemon.json (or package.json nodemonConfig), gunicorn's config (`reload = ...`, also from
the environment), Rails' development.rb and Gemfile.lock. Each one read is a start file. Pure: files
come through the tracer's `read`, which lists what it still wants."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Protocol

from devloop.inference import scripts
from devloop.inference.locate import SourceFile
from devloop.inference.programs import gunicorn, pyscript, rails
from devloop.inference.reloaders import known_program
from devloop.inference.unwrap import peel, python_target
from devloop.inference.verdict import ReloadVerdict


class Reader(Protocol):
    """What configs need from the tracer."""

    env: dict[str, str]
    cwd: str | None
    files: Mapping[str, SourceFile | None]

    def read(self, paths: Sequence[PurePosixPath]) -> SourceFile | None | object: ...

    def at_start(self, file: SourceFile, what: str) -> None: ...

    def cite(self, file: SourceFile) -> str: ...


def program_args(argv: Sequence[str]) -> list[str]:
    """argv from the program on (`python -m gunicorn -c x` -> `gunicorn -c x`)."""
    env: dict[str, str] = {}
    args = list(argv)
    while args and (peeled := peel(args, env, known_program)) is not None:
        args = peeled
    return args


def read_configs(tracer: Reader, verdict: ReloadVerdict, argv: list[str], steps: list[str]) -> ReloadVerdict:
    """The verdict once the program's start-time configs are read; their `file:line` go to `steps`."""
    program = verdict.program or ""
    cwd = PurePosixPath(tracer.cwd or "/")
    args = program_args(argv)
    if program == "gunicorn":
        return _gunicorn(tracer, verdict, args, steps)
    if program in ("rails server", "puma", "sidekiq"):
        return _rails(tracer, verdict, args, steps)
    if program.startswith("python ") and program.endswith(".py"):
        return _script(tracer, verdict, args, steps)
    configs: list[tuple[scripts.WatchConfig, str]] = []
    for name in scripts.config_files(program, args, tracer.env):
        file = tracer.read([cwd / name])
        if not isinstance(file, SourceFile):
            continue
        tracer.at_start(file, f"read by `{program.split()[0]}`")
        config = scripts.WatchConfig()
        if program == "air":
            config = scripts.air_config(file.text)
        elif program == "nodemon":
            config = scripts.nodemon_file(file.text)
        if config.line:
            configs.append((config, f"{tracer.cite(file)}:{config.line}"))
    if program == "nodemon" and not configs:
        package = tracer.files.get(str(cwd / "package.json"))
        config = scripts.package_nodemon(package.text) if package is not None else scripts.WatchConfig()
        if package is not None and config.line:
            configs.append((config, f"{tracer.cite(package)}:{config.line} nodemonConfig"))
    for config, where in configs:
        steps.append(where)
        verdict = replace(
            verdict,
            reload_dirs=config.dirs if config.dirs is not None else verdict.reload_dirs,
            include=config.include if config.include is not None else verdict.include,
            exclude=config.exclude if config.exclude is not None else verdict.exclude,
        )
    return verdict


def _gunicorn(tracer: Reader, verdict: ReloadVerdict, args: list[str], steps: list[str]) -> ReloadVerdict:
    """The one config gunicorn reads; the command line's `--reload` wins over its `reload = ...`."""
    cwd = PurePosixPath(tracer.cwd or "/")
    file = tracer.read([cwd / p for p in gunicorn.config_candidates(args[1:], tracer.env)])
    if not isinstance(file, SourceFile):
        return verdict
    tracer.at_start(file, "read by `gunicorn`")
    config = gunicorn.read_config(file.text, tracer.env)
    if config.preload:
        verdict = replace(verdict, on_signal="")
    where = f"{tracer.cite(file)}:{config.line}"
    name = posixpath.basename(file.container)
    include = ("*.py", *config.extra_files)
    if verdict.reloads:
        return replace(verdict, include=include)
    if config.line and config.reload is None:
        steps.append(where)
        reason = (
            f"devloop cannot evaluate `{config.text}` in {name}, so it cannot tell whether `gunicorn` reloads"
        )
        return replace(verdict, reloads=None, reason=reason)
    if config.reload:
        steps.append(where)
        reason = f"`{config.text}` in {name} makes `gunicorn` reload"
        return replace(verdict, reloads=True, reason=reason, include=include, env_key=config.env_key)
    if config.line:
        steps.append(where)
        return replace(
            verdict,
            reason=f"`{config.text}` in {name} keeps `gunicorn` from reloading",
            env_key=config.env_key,
        )
    return verdict


def _script(tracer: Reader, verdict: ReloadVerdict, args: list[str], steps: list[str]) -> ReloadVerdict:
    """`python app.py` whose `__main__` block starts a server with its reloader on (programs/pyscript.py).
    The script is not a start file: the reloader re-runs it."""
    _, target, _ = python_target(args[1:])
    file = tracer.read([PurePosixPath(tracer.cwd or "/") / target])
    if not isinstance(file, SourceFile):
        return verdict
    call = pyscript.server_call(file.text, tracer.env)
    if call is None or call.reloads is False:
        return verdict
    steps.append(f"{tracer.cite(file)}:{call.line}")
    name = posixpath.basename(file.container)
    if call.reloads is None:
        reason = f"devloop cannot evaluate `{call.text}` in {name}, so it cannot tell whether it reloads"
        return replace(verdict, reloads=None, reason=reason)
    where = f"{name} with {call.env_key}={tracer.env[call.env_key]}" if call.env_key else name
    reason = f"`{call.text}` in {where} makes `{verdict.program}` reload with {call.reloader}'s reloader"
    return replace(
        verdict, reloads=True, reason=reason, include=("*.py",), watches_cwd=call.reloader == "uvicorn",
        env_key=call.env_key,
    )  # fmt: skip


def _rails(tracer: Reader, verdict: ReloadVerdict, args: list[str], steps: list[str]) -> ReloadVerdict:
    cwd = PurePosixPath(tracer.cwd or "/")
    read: dict[str, tuple[str, str] | None] = {}
    for name in rails.config_files(verdict.program or "", args[1:], tracer.env):
        file = tracer.read([cwd / name])
        if isinstance(file, SourceFile):
            tracer.at_start(file, f"read by `{(verdict.program or '').split()[0]}` at start")
            read[name] = (file.text, tracer.cite(file))
    settled, where = rails.settle(verdict, read.get(rails.DEVELOPMENT_RB), read.get("Gemfile.lock"))
    if where:
        steps.append(where)
    return settled
