"""The pure core: per service, what its code changes get (a strategy), and per batch of changed
paths, which action each service needs and why. No I/O: facts read from disk come in as values."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from devloop.decide import (
    DEPENDENCY_SUFFIXES,
    NOTHING,
    decide,
    decide_seen,
    folder_outcome,
    is_build_input,
    relative,
)
from devloop.ignore import IgnoreRules, maybe_noise_name, noise_folder_reason, noise_name_reason
from devloop.model import Action, Bind, Project, Service, Strategy
from devloop.plans import ChangePlan, Decision, ServiceFacts, ServicePlan
from devloop.process import effective_process
from devloop.reloaders import detect_reload
from devloop.settings import Settings
from devloop.strategy import (
    DATA_STORES,
    DEPENDENCY_FILES,
    is_data_store,
    is_dependency_file,
    is_system_bind,
    service_strategy,
    show,
    sync_strategy,
)

__all__ = [
    "DATA_STORES", "DEPENDENCY_FILES", "ChangePlan", "Decision", "ProjectPlan", "ServiceFacts", "ServicePlan",
    "decide", "is_dependency_file", "plan_project", "route", "show",
]  # fmt: skip


@dataclass(frozen=True)
class ProjectPlan:
    project: Project
    services: tuple[ServicePlan, ...]
    project_files: frozenset[Path]
    ignore: IgnoreRules = field(default_factory=lambda: IgnoreRules(()), compare=False)

    def service(self, name: str) -> ServicePlan:
        return next(s for s in self.services if s.name == name)

    @property
    def watch_roots(self) -> tuple[Path, ...]:
        """The fewest folders and files that cover everything watched."""
        roots = sorted({p for s in self.services for p in s.watch} | set(self.project_files))
        kept: list[Path] = []
        for root in roots:
            if not any(k == root or k in root.parents for k in kept):
                kept.append(root)
        return tuple(kept)

    @cached_property
    def watch_index(self) -> dict[str, tuple[int, ...]]:
        """Each watch root -> the indices of the services watching it, so that routing a path looks
        up its few ancestors instead of testing every root of every service."""
        index: dict[str, list[int]] = {}
        for i, plan in enumerate(self.services):
            for root in plan.watch_texts:
                index.setdefault(root, []).append(i)
        return {root: tuple(dict.fromkeys(found)) for root, found in index.items()}

    @cached_property
    def shortest_root(self) -> int:
        return min(map(len, self.watch_index), default=1)

    @cached_property
    def leaf_texts(self) -> frozenset[str]:
        """Paths special in themselves to some service: build inputs and bind sources."""
        return frozenset().union(*(s.leaf_texts for s in self.services))

    @cached_property
    def project_file_texts(self) -> frozenset[str]:
        return frozenset(str(p) for p in self.project_files)

    def route(self, paths: Iterable[Path]) -> ChangePlan:
        return route(self, paths)


def plan_project(
    project: Project,
    settings: Settings,
    facts: Mapping[str, ServiceFacts],
    extra_project_files: Iterable[Path] = (),
    unseen_binds: Mapping[str, tuple[Bind, ...]] | None = None,
) -> ProjectPlan:
    """Plan every service. `unseen_binds`: per service, the binds the mount check found the engine
    does not see (an empty or stale mount); their changes are synced into the containers."""
    unseen = unseen_binds or {}
    plans = [
        _plan_service(project, s, settings, facts.get(s.name, ServiceFacts()), unseen.get(s.name, ()))
        for s in project.services
    ]
    groups: dict[object, list[str]] = {}
    for plan in plans:
        if plan.service.build is not None:
            groups.setdefault(_group_key(plan.service), []).append(plan.name)
    plans = [
        replace(plan, build_group=tuple(groups[_group_key(plan.service)])) if plan.service.build else plan
        for plan in plans
    ]
    files = frozenset({*project.compose_files, *project.env_files, *extra_project_files} - {Path("-")})
    result = ProjectPlan(project, tuple(plans), files, IgnoreRules(settings.ignore))
    result.watch_index  # noqa: B018 - built once here, not on the first batch
    return result


def _group_key(service: Service) -> object:
    """Services built from the same inputs; a dockerfile_inline build is its own group, since its
    text is not in the model."""
    assert service.build is not None
    return service.build.key if service.build.dockerfile is not None else (service.build.key, service.name)


def _absolute(path: str, base: Path) -> Path:
    return Path(os.path.normpath(os.path.join(base, path)))


def _plan_service(
    project: Project, service: Service, settings: Settings, facts: ServiceFacts, unseen: tuple[Bind, ...] = ()
) -> ServicePlan:
    own = settings.service(service.name)
    base = project.directory
    process = effective_process(service, facts.image, facts.dockerfile)
    verdict = detect_reload(process.argv, service.env)
    extra = tuple(_absolute(w, base) for w in own.watch)
    dockerfile = facts.dockerfile
    strategy, reason = service_strategy(service, process, verdict, own.strategy, base, dockerfile, extra)
    if own.strategy == "auto":
        strategy, reason = sync_strategy(
            service, strategy, reason, base, dockerfile, settings.prefer_sync, unseen
        )
    watch: list[Path] = []
    if own.strategy != "auto" or not is_data_store(service, process):  # a data store's binds hold data
        watch += [b.source for b in service.binds if not is_system_bind(b, base)]
        build = service.build
        if build is not None:
            watch.append(build.context)
            if build.dockerfile is not None:
                watch.append(build.dockerfile)
            if build.dockerignore is not None and build.context not in build.dockerignore.parents:
                watch.append(build.dockerignore)  # <Dockerfile>.dockerignore beside an outside Dockerfile
        watch += [r.path for r in service.watch_rules]
    watch += extra
    stage = dockerfile.stage(service.build.target if service.build else None) if dockerfile else None
    return ServicePlan(
        service=service,
        strategy=strategy,
        reason=reason,
        process=process,
        verdict=verdict,
        watch=tuple(dict.fromkeys(watch)) if strategy is not Strategy.NONE else (),
        configured=own.strategy,
        base=base,
        dockerignore=IgnoreRules(facts.dockerignore),
        user_ignore=IgnoreRules(own.ignore),
        rebuild_on=IgnoreRules(own.rebuild_on),
        extra_watch=extra,
        workdir=stage.workdir if stage is not None else None,
        dockerfile=dockerfile,
        unseen_binds=unseen,
    )


# Per folder of a batch: the services watching it, and what each gives a plain file there when the
# folder alone decides for all of them (else None); None for the folder itself inside .git/ etc.
_Folder = tuple[list[int], list[tuple[str, Action, str]] | None]
_NOT_SEEN: _Folder = ([], None)


def _folder_entry(plan: ProjectPlan, folder: str) -> _Folder | None:
    if noise_folder_reason(folder + os.sep):
        return None
    candidates = _candidates(plan.watch_index, folder or os.sep, plan.shortest_root)
    by_folder: list[tuple[str, Action, str]] | None = []
    for i in candidates:
        service_plan = plan.services[i]
        if service_plan.strategy is Strategy.NONE:
            continue  # decide_seen() gives it nothing
        outcome = folder_outcome(service_plan, folder)
        if outcome is None or outcome[0] is Action.REBUILD:  # a rebuild may be shared: decide_seen()
            by_folder = None
            break
        if outcome is not NOTHING:
            by_folder.append((service_plan.service.name, *outcome))  # type: ignore[union-attr]
    return candidates, by_folder


@dataclass
class _Best:
    action: Action
    reason: str
    paths: list[Path]


def route(plan: ProjectPlan, paths: Iterable[Path]) -> ChangePlan:
    """For a batch of changed paths: per service the strongest action; when a build input of a shared
    build needs a rebuild, every service built from it is rebuilt with it.

    The batch is decided folder by folder where it can be: for a plain file whose folder alone
    decides for every service watching it (see decide.folder_outcome) no per-path rule runs."""
    best: dict[str, _Best] = {}
    rebuilt_inputs: dict[str, list[Path]] = {}
    project_files: list[Path] = []
    unseen: list[Path] = []
    index, services, directory = plan.watch_index, plan.services, str(plan.project.directory)
    project_texts, leaves = plan.project_file_texts, plan.leaf_texts
    ignore = plan.ignore if plan.ignore.patterns else None
    folders: dict[str, _Folder | None] = {}
    maybe_noise, dependencies, suffixes, sep = maybe_noise_name, DEPENDENCY_FILES, DEPENDENCY_SUFFIXES, os.sep
    for path in paths:
        text = str(path)
        is_project_file = text in project_texts
        if is_project_file:
            project_files.append(path)
            if not is_dependency_file(text):  # pyproject.toml may hold the settings and be a dependency
                continue
        folder, _, name = text.rpartition(sep)
        entry = folders.get(folder, _NOT_SEEN)
        if entry is _NOT_SEEN:
            entry = folders[folder] = _folder_entry(plan, folder)
        if entry is None or (maybe_noise(name) and noise_name_reason(name)):
            continue
        if ignore is not None and ignore.excludes(relative(text, directory)):
            continue
        candidates, by_folder = entry
        plain = name not in dependencies and not name.endswith(suffixes)  # decide.is_plain_name
        if by_folder is not None and plain and text not in leaves:
            for service_name, action, suffix in by_folder:
                current = best.get(service_name)
                if current is None:
                    best[service_name] = _Best(action, name + suffix, [path])
                    continue
                if action > current.action:  # the reason is built only when it is kept
                    current.action, current.reason = action, name + suffix
                current.paths.append(path)
            if not by_folder and not is_project_file:
                unseen.append(path)
            continue
        leaf = index.get(text)  # a watched file: a Dockerfile, a single-file bind
        seen = False
        for i in sorted({*candidates, *leaf}) if leaf else candidates:
            service_plan = services[i]
            outcome = decide_seen(service_plan, text)
            if outcome is None:
                continue
            seen = True
            action, reason = outcome
            service_name = service_plan.service.name
            current = best.get(service_name)
            if current is None:
                current = best[service_name] = _Best(action, reason, [])
            elif action > current.action:
                current.action, current.reason = action, reason
            current.paths.append(path)
            shared = len(service_plan.build_group) > 1
            if action is Action.REBUILD and shared and is_build_input(service_plan, text):
                rebuilt_inputs.setdefault(service_name, []).append(path)
        if not seen and not is_project_file:
            unseen.append(path)
    _share_rebuilds(plan, best, rebuilt_inputs)
    decisions = tuple(Decision(name, b.action, b.reason, tuple(b.paths)) for name, b in sorted(best.items()))
    return ChangePlan(decisions, tuple(project_files), tuple(unseen))


def _share_rebuilds(plan: ProjectPlan, best: dict[str, _Best], rebuilt_inputs: dict[str, list[Path]]) -> None:
    """Services built from the same inputs as a service rebuilt for a build input are rebuilt too."""
    by_name = {s.name: s for s in plan.services}
    for name, inputs in rebuilt_inputs.items():
        for other in by_name[name].build_group:
            if by_name[other].strategy is Strategy.NONE:
                continue  # devloop leaves it alone (strategy = "none" in the settings)
            current = best.setdefault(other, _Best(Action.NONE, "", []))
            if current.action < Action.REBUILD:
                current.action, current.reason = Action.REBUILD, f"shares its build with {name}"
                own = set(current.paths)
                current.paths += [p for p in dict.fromkeys(inputs) if p not in own]


def _candidates(index: Mapping[str, tuple[int, ...]], text: str, shortest: int) -> list[int]:
    """Indices of the services with a watch root at `text` or one of its ancestors, in plan order;
    ancestors shorter than the shortest root are not looked up."""
    found: list[int] = []
    key = text
    while len(key) >= shortest:
        hit = index.get(key)
        if hit:
            found += hit
        cut = key.rfind(os.sep)
        if cut < 0 or key == os.sep:
            break
        key = key[:cut] or os.sep
    return sorted(set(found)) if len(found) > 1 else found
