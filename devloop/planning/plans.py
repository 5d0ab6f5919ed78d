"""The values the planner produces: per service a plan, per batch of changes a decision."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from devloop.inference.locate import SourceFile
from devloop.inference.process import EffectiveProcess, ImageProcess
from devloop.inference.programs.celery import tasks_in_flight
from devloop.inference.reloaders import ReloadVerdict
from devloop.inference.scope import Scope, scope_of
from devloop.inference.trace import StartFile, Trace
from devloop.model.dockerfile import Dockerfile, Stage
from devloop.model.ignore import IgnoreRules
from devloop.model.project import Action, Bind, MountedFile, Service, Strategy
from devloop.planning.depvolumes import DependencyVolume
from devloop.planning.live import LiveUpdate, pickup
from devloop.planning.placement import Misplaced
from devloop.planning.strategy import CopySources, context_copies, is_system_bind, show
from devloop.planning.unread import Unread, unread_for
from devloop.planning.written import Declared, declared_writes

_LINE = re.compile(r":\d")  # a `file:line` citation


@dataclass(frozen=True)
class ServiceFacts:
    """What devloop read about a service outside compose: its Dockerfile, .dockerignore, image, the
    files its process runs or reads at start (container path -> host file, None when nothing brings
    it), where its compose keys and environment variables are written, and its single-file binds."""

    dockerfile: Dockerfile | None = None
    dockerignore: tuple[str, ...] = ()
    image: ImageProcess | None = None
    files: Mapping[str, SourceFile | None] = field(default_factory=dict, compare=False)
    where: Mapping[str, str] = field(default_factory=dict, compare=False)  # "command" -> "compose.yaml:9"
    env_origins: Mapping[str, str] = field(default_factory=dict, compare=False)  # NAME -> ".env:2 via ..."
    file_binds: frozenset[Path] = frozenset()  # bind sources that are files
    without_source: frozenset[Path] = frozenset()  # folder bind sources with no source file in them
    # files that requirements files the build copies include (-r/-c) -> the including file
    included: Mapping[Path, Path] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ServicePlan:
    service: Service
    strategy: Strategy
    reason: str
    process: EffectiveProcess
    verdict: ReloadVerdict
    watch: tuple[Path, ...]
    build_group: tuple[str, ...] = ()
    configured: str = "auto"
    base: Path = Path("/")  # the project directory, for showing paths
    dockerignore: IgnoreRules = field(default_factory=lambda: IgnoreRules(()), compare=False)
    user_ignore: IgnoreRules = field(default_factory=lambda: IgnoreRules(()), compare=False)
    rebuild_on: IgnoreRules = field(default_factory=lambda: IgnoreRules(()), compare=False)
    extra_watch: tuple[Path, ...] = ()  # `watch` paths from the settings
    workdir: PurePosixPath | None = None  # the image's WORKDIR, read from the Dockerfile
    dockerfile: Dockerfile | None = field(default=None, compare=False)
    unseen_binds: tuple[Bind, ...] = ()  # the engine does not see (empty mount, remote engine): synced
    trace: Trace | None = field(default=None, compare=False)  # how devloop followed the process
    misplaced: tuple[Misplaced, ...] = ()  # code binds outside where the process runs from
    dependency_volumes: tuple[DependencyVolume, ...] = ()  # volumes masking the image's dependencies
    file_binds: frozenset[Path] = frozenset()  # bind sources that are single files
    where: Mapping[str, str] = field(default_factory=dict, compare=False)  # compose key -> file:line
    included: Mapping[Path, Path] = field(default_factory=dict, compare=False)  # see ServiceFacts
    data_binds: tuple[Bind, ...] = ()  # binds that hold data, not code: changes under them are nothing
    live_update: bool = True  # false in the settings: baked edits are rebuilt
    # other services' shell start scripts its process never runs (host path -> who runs them)
    other_scripts: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # what each service that runs the image it builds does not read (None: it may read anything)
    users_unread: tuple[Unread | None, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def stage(self) -> Stage | None:
        """The Dockerfile stage the service's image is built from (its build target, else the last)."""
        build = self.service.build
        return self.dockerfile.stage(build.target if build else None) if self.dockerfile else None

    @cached_property
    def watch_texts(self) -> tuple[str, ...]:
        return tuple(str(p) for p in self.watch)

    # Strings derived once per service, so that routing a path compares strings, not Paths.

    @cached_property
    def code_binds(self) -> tuple[tuple[str, str, Bind, str], ...]:
        """Code binds as (source, source + "/", bind, bind as shown), deepest source first."""
        binds = [
            b for b in self.service.binds if not is_system_bind(b, self.base) and b not in self.data_binds
        ]
        ordered = sorted(binds, key=lambda b: -len(b.source.parts))
        return tuple((str(b.source), os.path.join(b.source, ""), b, b.shown(self.base)) for b in ordered)

    @cached_property
    def pattern_anchors(self) -> tuple[str, ...]:
        """Folders that settings patterns (ignore, rebuild_on) are relative to."""
        build = self.service.build
        return (str(self.base), *((str(build.context),) if build is not None else ()))

    @cached_property
    def context_text(self) -> str | None:
        build = self.service.build
        return str(build.context) if build is not None else None

    @cached_property
    def input_texts(self) -> frozenset[str]:
        """The Dockerfile and the .dockerignore the builder reads."""
        build = self.service.build
        if build is None:
            return frozenset()
        return frozenset(str(p) for p in (build.dockerfile, build.dockerignore) if p)

    @cached_property
    def copy_sources(self) -> CopySources:
        """The COPY/ADD instructions that read the build context, the target stage's first."""
        build = self.service.build
        return CopySources(context_copies(self.dockerfile, build.target) if build is not None else ())

    @cached_property
    def copies_known(self) -> bool:
        """Whether devloop read what the build copies (not for an unreadable or inline Dockerfile)."""
        return self.dockerfile is not None and bool(self.dockerfile.stages)

    def bakes(self, relative: str) -> bool:
        """Whether a COPY/ADD of a stage the build includes copies this context path (when devloop
        cannot read the Dockerfile, every path counts as copied)."""
        return not self.copies_known or self.copy_sources.covering(relative) is not None

    @cached_property
    def live(self) -> LiveUpdate | None:
        """What the build does with each file it copies, for live update under `auto` (None when
        it is off or the strategy is set in the settings, or devloop cannot read the Dockerfile)."""
        build, dockerfile = self.service.build, self.dockerfile
        if build is None or dockerfile is None or not dockerfile.stages:
            return None
        return (
            LiveUpdate(dockerfile, build.target) if self.configured == "auto" and self.live_update else None
        )

    @property
    def first_process(self) -> bool:
        """Whether the program runs as the container's first process (no shell or script before
        it), so that what the engine signals reaches it."""
        return self.trace is not None and tuple(self.trace.argv) == tuple(self.process.argv)

    @property
    def pickup(self) -> str:
        """How the process picks up synced files: "reload", "signal" (on_signal to PID 1) or "restart"."""
        return pickup(self.verdict, self.first_process)

    def pickup_for(self, targets: Iterable[PurePosixPath]) -> str:
        """pickup, for files copied to `targets`: a reloader that does not watch one of them (its
        folders, its file patterns) does not see the copy, so the service is signalled (a server
        that reloads its configuration on a signal: nginx HUP) or restarted."""
        scope = self.scope
        if self.pickup == "reload" and scope is not None and not all(scope.covers(t) for t in targets):
            return "signal" if self.verdict.on_signal and self.first_process else "restart"
        return self.pickup

    @property
    def held_work(self) -> Callable[[str], set[str] | None] | None:
        """For a Celery worker that runs as PID 1: what its log says it holds, so that a restart
        need not wait for an idle one to exit (see inference.programs.celery)."""
        return tasks_in_flight if self.verdict.program == "celery worker" and self.first_process else None

    @cached_property
    def included_texts(self) -> dict[str, str]:
        """Included requirements file -> the including one, as shown."""
        return {str(k): show(v, self.base) for k, v in self.included.items()}

    @cached_property
    def leaf_texts(self) -> frozenset[str]:
        """Paths that are special in themselves: the build inputs, the bind sources, start files."""
        found = self.input_texts | {source for source, *_ in self.code_binds} | frozenset(self.start_files)
        found |= frozenset(self.included_texts) | frozenset(self.other_scripts)
        return found | frozenset(self.mounted_file_texts)

    @cached_property
    def mounted_file_texts(self) -> dict[str, MountedFile]:
        """Secret and config files (compose bind-mounts them; the process reads them at start)."""
        return {str(f.source): f for f in self.service.mounted_files}

    @cached_property
    def start_files(self) -> dict[str, StartFile]:
        """Host files the container reads only at start (start scripts, configs, what it installs)."""
        found = self.trace.start_files if self.trace is not None and self.configured == "auto" else ()
        return {str(f.host): f for f in found}

    @cached_property
    def scope(self) -> Scope | None:
        """What the reloader watches, when it is not every file under its binds."""
        if self.configured != "auto" or self.trace is None:
            return None
        return scope_of(self.verdict, self.trace.cwd)

    @cached_property
    def bind_outcomes(self) -> dict[tuple[str, bool], tuple[Action, str]]:
        """A memo for decide.py: (bind as shown, in the reloader's scope) -> (action, reason)."""
        return {}

    @cached_property
    def misplaced_binds(self) -> dict[Bind, Misplaced]:
        return {m.bind: m for m in self.misplaced}

    @cached_property
    def cite(self) -> str:
        """Where the process evidence was read, when it names a file and line (else empty)."""
        where = self.trace.where if self.trace is not None else self.process.source
        return where if _LINE.search(where) else ""

    @property
    def renews_anon_volumes(self) -> bool:
        """A rebuild must renew anonymous volumes, which keep the old image's dependencies."""
        return any(v.name is None for v in self.dependency_volumes)

    @cached_property
    def folder_memo(self) -> dict[str, object] | None:
        """A cache for decide.py, when what a plain file gets depends on its folder alone."""
        patterns = self.user_ignore.patterns or self.rebuild_on.patterns
        return None if patterns or (self.service.watch_rules and self.configured == "auto") else {}

    @cached_property
    def unread(self) -> Unread | None:
        """The files its process does not read (docs, CI settings, tests of a non-test-runner): an
        edit of one under a bind gets nothing instead of a restart."""
        if self.configured != "auto" or self.strategy is Strategy.NONE:
            return None
        return self.process_unread(self.other_scripts)

    def process_unread(self, scripts: Mapping[str, tuple[str, ...]] | None = None) -> Unread | None:
        """What its process does not read, whatever devloop does with the service."""
        argv = self.trace.argv if self.trace is not None else self.process.argv
        return unread_for(argv, (self.verdict.program or "").split(" ")[0] or None, scripts)

    @cached_property
    def writes(self) -> tuple[Declared, ...]:
        """What its own command says it writes under its binds: container output from the start."""
        if self.trace is None:
            return ()
        binds = [b for b in self.service.binds if not is_system_bind(b, self.base)]
        trace = self.trace
        return declared_writes(self.name, trace.argv, trace.cwd, binds, trace.code_roots, self.cite)

    @cached_property
    def extra_texts(self) -> tuple[str, ...]:
        return tuple(str(p) for p in self.extra_watch)


@dataclass(frozen=True)
class Decision:
    """What one service gets for a batch: the strongest action over its paths, and why."""

    service: str
    action: Action
    reason: str
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class ChangePlan:
    decisions: tuple[Decision, ...]  # affected services only
    project_files: tuple[Path, ...] = ()  # compose files, .env, settings or a file the plan followed
    # (a start script, package.json, a reloader's config) changed: reload the model
    unseen: tuple[Path, ...] = ()  # no service sees these paths

    def decision(self, service: str) -> Decision | None:
        return next((d for d in self.decisions if d.service == service), None)
