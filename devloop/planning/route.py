"""Route a batch of changed paths to one decision per service: the strongest action and its reason;
when a build input of a shared build needs a rebuild, every service built from it is rebuilt too."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devloop.model.ignore import maybe_noise_name, noise_folder_reason, noise_name_reason
from devloop.model.project import Action, Strategy
from devloop.planning.decide import (
    DEPENDENCY_SUFFIXES,
    NOTHING,
    Scoped,
    decide_seen,
    folder_outcome,
    is_build_input,
    relative,
)
from devloop.planning.depvolumes import rebuild_note
from devloop.planning.plans import ChangePlan, Decision
from devloop.planning.strategy import DEPENDENCY_FILES

if TYPE_CHECKING:
    from devloop.planning.planner import ProjectPlan

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
    router = _Router(plan)
    for path in paths:
        router.add(path)
    _share_rebuilds(plan, router.best, router.rebuilt_inputs)
    decisions = tuple(
        Decision(name, b.action, _with_volumes(plan, name, b), tuple(b.paths))
        for name, b in sorted(router.best.items())
    )
    return ChangePlan(decisions, tuple(router.project_files), tuple(router.unseen))


class _Router:
    """The state of one batch being routed: the best action per service so far."""

    def __init__(self, plan: ProjectPlan) -> None:
        self.plan = plan
        self.best: dict[str, _Best] = {}
        self.rebuilt_inputs: dict[str, list[Path]] = {}
        self.project_files: list[Path] = []
        self.unseen: list[Path] = []
        self.folders: dict[str, _Folder | None] = {}
        self.directory = str(plan.project.directory)
        self.remodel, self.leaves = plan.remodel_texts, plan.leaf_texts
        self.ignore = plan.ignore if plan.ignore.patterns else None

    def add(self, path: Path) -> None:
        text = str(path)
        routed = self.remodel.get(text)
        is_project_file = routed is not None
        if is_project_file:
            self.project_files.append(path)
            if not routed:
                return
        folder, _, name = text.rpartition(os.sep)
        entry = self.folders.get(folder, _NOT_SEEN)
        if entry is _NOT_SEEN:
            entry = self.folders[folder] = _folder_entry(self.plan, folder)
        if entry is None or (maybe_noise_name(name) and noise_name_reason(name)):
            return
        if self.ignore is not None and self.ignore.excludes(relative(text, self.directory)):
            return
        candidates, by_folder = entry
        plain = name not in DEPENDENCY_FILES and not name.endswith(DEPENDENCY_SUFFIXES)  # is_plain_name
        if by_folder is not None and plain and text not in self.leaves:
            self._by_folder(path, name, by_folder)
            seen = bool(by_folder)
        else:
            seen = self._by_rules(path, text, candidates)
        if not seen and not is_project_file:
            self.unseen.append(path)

    def _by_folder(self, path: Path, name: str, by_folder: list[_Entry]) -> None:
        best = self.best
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

    def _by_rules(self, path: Path, text: str, candidates: list[int]) -> bool:
        """Every per-path rule of every service that watches the path; whether any saw it."""
        leaf = self.plan.watch_index.get(text)  # a watched file: a Dockerfile, a single-file bind
        seen = False
        for i in sorted({*candidates, *leaf}) if leaf else candidates:
            service_plan = self.plan.services[i]
            outcome = decide_seen(service_plan, text)
            if outcome is None:
                continue
            seen = True
            action, reason = outcome
            service_name = service_plan.service.name
            current = self.best.get(service_name)
            if current is None:
                current = self.best[service_name] = _Best(action, reason, [])
            elif action > current.action:
                current.action, current.reason = action, reason
            current.paths.append(path)
            shared = len(service_plan.build_group) > 1
            if action is Action.REBUILD and shared and is_build_input(service_plan, text):
                self.rebuilt_inputs.setdefault(service_name, []).append(path)
        return seen


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
