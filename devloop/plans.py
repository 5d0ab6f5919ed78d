"""The values the planner produces: per service a plan, per batch of changes a decision."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from devloop.dockerfile import Dockerfile, Stage
from devloop.ignore import IgnoreRules
from devloop.model import Action, Bind, Service, Strategy
from devloop.process import EffectiveProcess, ImageProcess
from devloop.reloaders import ReloadVerdict
from devloop.strategy import CopySources, bind_text, context_copies, is_system_bind


@dataclass(frozen=True)
class ServiceFacts:
    """What devloop read about a service outside compose: its Dockerfile, .dockerignore, image."""

    dockerfile: Dockerfile | None = None
    dockerignore: tuple[str, ...] = ()
    image: ImageProcess | None = None


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
    unseen_binds: tuple[Bind, ...] = ()  # binds the engine does not see (mount check): synced instead

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
        binds = [b for b in self.service.binds if not is_system_bind(b, self.base)]
        ordered = sorted(binds, key=lambda b: -len(b.source.parts))
        return tuple((str(b.source), os.path.join(b.source, ""), b, bind_text(b, self.base)) for b in ordered)

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
    def leaf_texts(self) -> frozenset[str]:
        """Paths that are special in themselves: the build inputs and the bind sources."""
        return self.input_texts | {source for source, *_ in self.code_binds}

    @cached_property
    def folder_memo(self) -> dict[str, object] | None:
        """A cache for decide.py, when what a plain file gets depends on its folder alone."""
        patterns = self.user_ignore.patterns or self.rebuild_on.patterns
        return None if patterns or (self.service.watch_rules and self.configured == "auto") else {}

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
    project_files: tuple[Path, ...] = ()  # compose files, .env or settings changed: reload the model
    unseen: tuple[Path, ...] = ()  # no service sees these paths

    def decision(self, service: str) -> Decision | None:
        return next((d for d in self.decisions if d.service == service), None)
