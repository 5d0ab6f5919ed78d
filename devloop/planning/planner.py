"""The pure core: per service, what its code changes get (a strategy), and per batch of changed
paths, which action each service needs and why. No I/O: facts read from disk come in as values."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from devloop.model.ignore import IgnoreRules, maybe_noise_name, noise_folder_reason, noise_name_reason
from devloop.model.project import Action, Bind, Project, Service, Strategy
from devloop.model.settings import Settings
from devloop.planning.decide import (
    DEPENDENCY_SUFFIXES,
    NOTHING,
    Scoped,
    decide,
    decide_seen,
    folder_outcome,
    is_build_input,
    relative,
)
from devloop.planning.depvolumes import rebuild_note
from devloop.planning.plans import ChangePlan, Decision, ServiceFacts, ServicePlan
from devloop.planning.service import plan_service
from devloop.planning.strategy import (
    DATA_STORES,
    DEPENDENCY_FILES,
    is_dependency_file,
    show,
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
    read_files: frozenset[Path] = frozenset()  # start scripts, package.json, configs the plan followed

    def service(self, name: str) -> ServicePlan:
        return self.by_name[name]

    @cached_property
    def by_name(self) -> dict[str, ServicePlan]:
        return {s.service.name: s for s in self.services}

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

    @cached_property
    def remodel_texts(self) -> dict[str, bool]:
        """Paths whose change makes the plan again -> whether services see them too: the compose files,
        .env and settings (only a dependency file like pyproject.toml is also routed), and the files the
        plan followed (a start script, package.json, a reloader's config: routed too)."""
        found = {str(p): is_dependency_file(str(p)) for p in self.project_files}
        return {**found, **dict.fromkeys(map(str, self.read_files), True)}

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
        plan_service(project, s, settings, facts.get(s.name, ServiceFacts()), unseen.get(s.name, ()))
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
    read = frozenset(f.host for found in facts.values() for f in found.files.values() if f is not None)
    result = ProjectPlan(project, tuple(plans), files, IgnoreRules(settings.ignore), read - files)
    result.watch_index  # noqa: B018 - built once here, not on the first batch
    return result


def _group_key(service: Service) -> object:
    """Services built from the same inputs; a dockerfile_inline build is its own group, since its
    text is not in the model."""
    assert service.build is not None
    return service.build.key if service.build.dockerfile is not None else (service.build.key, service.name)


# Per folder of a batch: the services watching it, and what each gives a plain file there when the
# folder alone decides for all of them (else None); None for the folder itself inside .git/ etc.
# An entry: (service, action, reason suffix, and for a reloader that watches some names only: the test
# on the name and the (action, suffix) for the names it does not watch).
_Entry = tuple[str, Action, str, "Callable[[str], bool] | None", tuple[Action, str]]
_Folder = tuple[list[int], list[_Entry] | None]
_NOT_SEEN: _Folder = ([], None)


def _folder_entry(plan: ProjectPlan, folder: str) -> _Folder | None:
    if noise_folder_reason(folder + os.sep):
        return None
    candidates = _candidates(plan.watch_index, folder or os.sep, plan.shortest_root)
    by_folder: list[_Entry] = []
    for i in candidates:
        service_plan = plan.services[i]
        if service_plan.strategy is Strategy.NONE:
            continue  # decide_seen() gives it nothing
        outcome = folder_outcome(service_plan, folder)
        name = service_plan.service.name
        if isinstance(outcome, Scoped):
            by_folder.append((name, *outcome.inside, outcome.test, outcome.outside))
            continue
        if outcome is None or outcome[0] is Action.REBUILD:  # a rebuild may be shared: decide_seen()
            return candidates, None
        if outcome is not NOTHING:
            by_folder.append((name, outcome[0], outcome[1], None, outcome))
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
    remodel, leaves = plan.remodel_texts, plan.leaf_texts
    ignore = plan.ignore if plan.ignore.patterns else None
    folders: dict[str, _Folder | None] = {}
    maybe_noise, dependencies, suffixes, sep = maybe_noise_name, DEPENDENCY_FILES, DEPENDENCY_SUFFIXES, os.sep
    for path in paths:
        text = str(path)
        routed = remodel.get(text)
        is_project_file = routed is not None
        if is_project_file:
            project_files.append(path)
            if not routed:
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
            for service_name, action, suffix, test, outside in by_folder:
                if test is not None and not test(name):
                    action, suffix = outside
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
    decisions = tuple(
        Decision(name, b.action, _with_volumes(plan, name, b), tuple(b.paths))
        for name, b in sorted(best.items())
    )
    return ChangePlan(decisions, tuple(project_files), tuple(unseen))


def _with_volumes(plan: ProjectPlan, name: str, best: _Best) -> str:
    """A rebuild's reason, with what it does about volumes that mask the image's dependencies."""
    if best.action is not Action.REBUILD:
        return best.reason
    volumes = plan.service(name).dependency_volumes
    return f"{best.reason}; {rebuild_note(name, volumes)}" if volumes else best.reason


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
