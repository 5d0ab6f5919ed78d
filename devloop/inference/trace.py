"""Follow the process a container starts to what really runs, with the evidence for each step.

From compose `entrypoint`/`command` (or the image's, or the Dockerfile's), through wrappers and
`sh -c`, into start scripts copied into the image or bind-mounted (`/start`, `entrypoint.sh`, with
their `if`/`case` decided by the service's environment), into package.json scripts (`npm run dev`),
to the program; then the config files it reads at start (.air.toml, nodemon.json, gunicorn.conf.py).
Pure: files come in as facts (container path -> what devloop read on the host, or None when nothing
provides it); a file it needs and was not given is listed in `wanted`, for facts.py to read."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from devloop.inference import scripts
from devloop.inference.configs import program_args, read_configs
from devloop.inference.locate import SourceFile, covering_bind, script_paths
from devloop.inference.process import EffectiveProcess
from devloop.inference.reloaders import ReloadVerdict, detect_reload, known_program
from devloop.inference.shell.run import ScriptRun, run_script
from devloop.inference.unwrap import SHELLS, option_values, peel, shell_parts, shell_script
from devloop.model.dockerfile import Stage
from devloop.model.paths import shown
from devloop.model.project import Action, Service

Files = Mapping[str, SourceFile | None]
_MAX_STEPS = 12
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_NOT_READ = object()


@dataclass(frozen=True)
class StartFile:
    """A host file the container reads once at start: a change to it needs `action`."""

    host: Path
    action: Action
    reason: str  # follows the file's name: "start is ..."
    script: bool = False  # a shell script the container runs as its command (not a config it reads)


@dataclass(frozen=True)
class Trace:
    argv: tuple[str, ...]  # what finally runs
    cwd: PurePosixPath | None  # its working directory, when known
    verdict: ReloadVerdict
    steps: tuple[str, ...]  # where each step was read: what starts first ... what decided
    wanted: tuple[str, ...] = ()  # container paths devloop would read to follow further
    start_files: tuple[StartFile, ...] = ()
    code_roots: tuple[PurePosixPath, ...] = ()  # where the process imports its code from
    env_note: str = ""  # where the deciding environment variable was set
    followed: bool = True  # it reached the program that runs (no script it could not read or follow)

    @property
    def where(self) -> str:
        """The evidence: the deciding step, then those that led to it (`start:7, via compose.yaml:9
        command`), and where a deciding environment variable was set."""
        text = ", via ".join(reversed(self.steps))
        return text + (f"; {self.env_note}" if self.env_note else "")


class _Tracer:
    def __init__(
        self,
        service: Service,
        stage: Stage | None,
        files: Files,
        origins: Mapping[str, str],
        base: Path,
        df: str,
    ) -> None:
        self.service, self.files, self.base, self.dockerfile = service, files, base, df
        self.env = {**(stage.environment if stage else {}), **service.env}
        self.origins = {**{k: f"{df}:{line} ENV" for k, _, line in (stage.env if stage else ())}, **origins}
        self.cwd = service.working_dir or (str(stage.workdir) if stage else None)
        self.wanted: list[str] = []
        self.start_files: list[StartFile] = []
        self.why = ""

    def read(self, paths: Sequence[PurePosixPath]) -> SourceFile | None | object:
        """The first of `paths` devloop read; _NOT_READ when some were not read yet (now wanted)."""
        missing = [str(p) for p in paths if str(p) not in self.files]
        if missing:
            self.wanted += missing
            return _NOT_READ
        return next((f for p in paths if (f := self.files.get(str(p))) is not None), None)

    def cite(self, file: SourceFile) -> str:
        """How a file is named in citations: its host path, or where in which image it is."""
        return shown(file.host, self.base) if file.image is None else f"image {file.image}:{file.container}"

    def at_start(self, file: SourceFile, what: str, script: bool = False) -> None:
        if file.bind is not None:
            reason = f" is {what}, bind-mounted at {file.container}: the container reads it only at start"
            self.start_files.append(StartFile(file.host, Action.RESTART, reason, script))
        elif file.copy is not None:
            copy = file.copy
            written = f"{copy.instruction} {' '.join(copy.sources)} {copy.raw_destination}"
            how = f"`{written}` ({self.dockerfile}:{copy.line})"
            reason = f" is {what}, copied to {file.container} by {how}: the container uses that copy"
            self.start_files.append(StartFile(file.host, Action.REBUILD, reason, script))

    def script(
        self, run: ScriptRun, steps: list[str], args: Sequence[str], file: str | None
    ) -> list[str] | None:
        """Take a script's main command (None when it cannot tell) and what it does before it."""
        where = f"{file}:{run.line}" if file else steps[-1]
        if run.argv is None:
            self.why = f"{file or steps[-1]}: {run.why}; devloop cannot tell whether it reloads"
            return None
        for ran in run.before:
            self.installs(ran.argv, f"{file}:{ran.line}" if file else steps[-1], run.cwd)
        self.env = dict(run.env)
        if run.cwd:
            self.cwd = posixpath.join(self.cwd or "/", run.cwd)
        for name, line in run.env_lines.items():
            self.origins[name] = f"{file}:{line}" if file else steps[-1]
        note = ""
        decided = list(run.decided)
        if decided and decided[-1][1].endswith("()"):  # the main command is in a function
            line, called = decided.pop()
            note = f" in `{called}` called{f' at line {line}' if file else ''}"
        if decided:
            line, condition = decided[-1]
            names = [n for n in _VARIABLE.findall(condition) if n in self.origins]
            origin = ", ".join(f"{n} from {self.origins[n]}" for n in names)
            note += f" after `{condition}`{f' at line {line}' if file else ''}" + (
                f" with {origin}" if origin else ""
            )
        if file is None:
            steps[-1] += note
        elif tuple(run.argv) != tuple(args):  # a plain `exec "$@"` decides nothing
            steps.append(where + note)
        return list(run.argv)

    def installs(self, argv: Sequence[str], where: str, cwd: str | None) -> None:
        """Dependency files a start command installs from: for an image-only service, a change to a
        mounted one needs a restart (the install runs again), not a rebuild."""
        if self.service.build is not None:
            return
        folder = PurePosixPath(posixpath.join(self.cwd or "/", cwd or ""))
        for name in scripts.installed_files(argv):
            container = folder / name
            bind = covering_bind(self.service.binds, container)
            if bind is not None:
                host = bind.source.joinpath(*container.relative_to(bind.target).parts)
                command = " ".join(argv)
                command = command if len(command) <= 60 else command[:57] + "..."
                reason = f" is installed at start by `{command}` ({where}): a restart installs it again"
                self.start_files.append(StartFile(host, Action.RESTART, reason))


def trace_process(
    service: Service,
    process: EffectiveProcess,
    stage: Stage | None,
    files: Files,
    origins: Mapping[str, str],
    base: Path,
    dockerfile: str = "Dockerfile",
) -> Trace:
    """Follow `process` to the program that runs; see the module docstring. `origins`: where each
    environment variable was set (compose, .env, env_file); `dockerfile`: its name for citations."""
    tracer = _Tracer(service, stage, files, origins, base, dockerfile)
    argv = list(process.argv)
    steps = [process.source]
    seen: set[str] = set()
    for _ in range(_MAX_STEPS):
        followed = _step(tracer, argv, steps, seen)
        if followed is None:
            break
        argv = followed
    verdict = detect_reload(argv, tracer.env)
    if tracer.why and verdict.reloads is None:
        verdict = replace(verdict, reason=tracer.why)
    verdict = read_configs(tracer, verdict, argv, steps)
    cwd = PurePosixPath(tracer.cwd) if tracer.cwd else None
    key = verdict.env_key
    note = f"{key} from {tracer.origins[key]}" if key and key in tracer.origins else ""
    return Trace(
        tuple(argv), cwd, verdict, tuple(steps), tuple(dict.fromkeys(tracer.wanted)),
        tuple(dict.fromkeys(tracer.start_files)), _code_roots(argv, tracer.env, cwd), note,
        not tracer.why and not tracer.wanted,
    )  # fmt: skip


def _step(tracer: _Tracer, argv: list[str], steps: list[str], seen: set[str]) -> list[str] | None:
    """One step further down the process; None when this is what runs (or devloop cannot tell)."""
    if not argv:
        return None
    if posixpath.basename(argv[0]) in SHELLS:
        rest = argv[1:]
        has_script, at = shell_parts(rest)
        if not has_script:  # `sh start.sh`: a path, not a program on the PATH
            script = rest[at:]
            return [script[0] if "/" in script[0] else f"./{script[0]}", *script[1:]] if script else None
        return tracer.script(shell_script(rest[at:], tracer.env), steps, ["\0"], None)
    env = dict(tracer.env)
    peeled = peel(argv, env, known_program)
    if peeled is not None:
        tracer.env = env
        return peeled
    if detect_reload(argv, tracer.env).reloads is not None:
        return None
    package = scripts.package_script(argv)  # before known programs: `bun run dev` runs a package script
    if package is not None:
        return _package(tracer, package, steps)
    if known_program(posixpath.basename(argv[0])):
        return None
    file = tracer.read(script_paths(argv[0], tracer.cwd))
    if file is _NOT_READ:
        return None
    if not isinstance(file, SourceFile):
        if "/" in argv[0] or argv[0].endswith(".sh"):  # a script, not a program on the PATH
            tracer.why = f"runs `{argv[0]}`, which devloop cannot read (no COPY or bind mount brings it)"
        return None
    if file.container in seen:
        return None
    seen.add(file.container)
    name = tracer.cite(file)
    first = file.text.split("\n", 1)[0]
    shell = not first.startswith("#!") or any(posixpath.basename(w) in SHELLS for w in first[2:].split())
    tracer.at_start(file, "the start script", script=shell)
    if not shell:
        tracer.why = f"runs {name}, a `{first[2:].strip()}` script; devloop cannot tell whether it reloads"
        return None
    return tracer.script(run_script(file.text, tracer.env, argv[1:], argv[0]), steps, argv[1:], name)


def _package(tracer: _Tracer, package: tuple[str, tuple[str, ...]], steps: list[str]) -> list[str] | None:
    name, extra = package
    file = tracer.read([PurePosixPath(tracer.cwd or "/") / "package.json"])
    if file is _NOT_READ:
        return None
    if not isinstance(file, SourceFile):
        tracer.why = f"runs package.json scripts.{name}, and devloop cannot read that package.json"
        return None
    command, line = scripts.script_command(file.text, name)
    where = tracer.cite(file) + (f":{line}" if line else "")
    if command is None:
        tracer.why = f"{where} has no scripts.{name}; devloop cannot tell whether it reloads"
        return None
    steps.append(f"{where} scripts.{name}")
    return ["sh", "-c", " ".join([command, *extra])]


def _code_roots(
    argv: Sequence[str], env: Mapping[str, str], cwd: PurePosixPath | None
) -> tuple[PurePosixPath, ...]:
    """Where the process finds its code: its working directory, PYTHONPATH and NODE_PATH, and
    `--app-dir` (uvicorn), `--chdir` (gunicorn), `--workdir` (celery)."""
    if cwd is None:
        return ()
    given = list(option_values(program_args(argv), "--app-dir", "--chdir", "--workdir"))
    for key in ("PYTHONPATH", "NODE_PATH"):
        given += [p for p in env.get(key, "").split(":") if p]
    return tuple(dict.fromkeys([cwd, *(cwd / g for g in given if "$" not in g)]))
