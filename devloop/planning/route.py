"""Route a batch of changed paths to one decision per service: the strongest action and its reason.
Each service of a shared build gets its own action (one that gets the edit through a bind is not
rebuilt with the others); a service that runs an image another service builds is recreated with it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devloop.model.ignore import maybe_noise_name, noise_folder_reason, noise_name_reason
from devloop.model.project import Action, Strategy
from devloop.planning.baked import NOT_RESTARTED, untouched
from devloop.planning.decide import (
    DEPENDENCY_SUFFIXES,
    NOTHING,
    Scoped,
    decide_seen,
    folder_outcome,
    relative,
)
from devloop.planning.depvolumes import rebuild_note
from devloop.planning.plans import ChangePlan, Decision
from devloop.planning.strategy import DEPENDENCY_FILES

if TYPE_CHECKING:
    from devloop.planning.planner import ProjectPlan

# Per folder of a batch: the services watching it, and what each gives a plain file there when the
# folder alone decides for all of them (else None); None for the folder itself inside .git/ etc.
# An entry: (service, action, reason suffix, and when the file's name matters (a reloader that watches
# some names only, names the process does not read): what picks the outcome by name).
_Entry = tuple[str, Action, str, "Scoped | None"]
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
            by_folder.append((name, *outcome.inside, outcome))
            continue
        if outcome is None or outcome[0] is Action.REBUILD:  # a rebuild may be shared: decide_seen()
            return candidates, None
        if outcome is not NOTHING:
            by_folder.append((name, outcome[0], outcome[1], None))
    return candidates, by_folder


@dataclass
class _Best:
    action: Action
    reason: str
    paths: list[Path]


def route(plan: ProjectPlan, paths: Iterable[Path]) -> ChangePlan:
    """For a batch of changed paths: per service the strongest action; services running an image
    that is rebuilt are recreated with it.

    The batch is decided folder by folder where it can be: for a plain file whose folder alone
    decides for every service watching it (see decide.folder_outcome) no per-path rule runs."""
    router = _Router(plan)
    for path in paths:
        router.add(path)
    _image_rebuilds(plan, router.best)
    decisions = tuple(
        Decision(name, b.action, _not_shared(plan, name, b, router.best), tuple(b.paths))
        for name, b in sorted(router.best.items())
    )
    return ChangePlan(decisions, tuple(router.project_files), tuple(router.unseen))


class _Router:
    """The state of one batch being routed: the best action per service so far."""

    def __init__(self, plan: ProjectPlan) -> None:
        self.plan = plan
        self.best: dict[str, _Best] = {}
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
            seen = self._by_folder(path, name, by_folder)
        else:
            seen = self._by_rules(path, text, candidates)
        if not seen and not is_project_file:
            self.unseen.append(path)

    def _by_folder(self, path: Path, name: str, by_folder: list[_Entry]) -> bool:
        """The per-folder outcomes of the services watching the path; whether any acts on it."""
        best = self.best
        seen = False
        for service_name, action, suffix, scoped in by_folder:
            if scoped is not None:
                action, suffix = scoped.pick(name)
                if action is Action.NONE:
                    continue
            seen = True
            current = best.get(service_name)
            if current is None:
                best[service_name] = _Best(action, name + suffix, [path])
                continue
            if action > current.action:  # the reason is built only when it is kept
                current.action, current.reason = action, name + suffix
            current.paths.append(path)
        return seen

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
        return seen


def _not_shared(plan: ProjectPlan, name: str, best: _Best, all_best: Mapping[str, _Best]) -> str:
    """The reason; for a sync of files its process does not read, that it is not restarted; for a
    rebuild, what it does about volumes that mask the image's dependencies; for a service of a shared
    build that is not rebuilt with the others, why."""
    quiet = untouched(plan.service(name), best.paths) if best.action is Action.SYNC else None
    if quiet is not None:
        best = _Best(best.action, f"{best.reason}; {quiet}: {NOT_RESTARTED}", best.paths)
    if best.action is not Action.REBUILD:
        rebuilt = [o for o in plan.service(name).build_group if o != name and o in all_best
                   and all_best[o].action is Action.REBUILD]  # fmt: skip
        if not rebuilt:
            return best.reason
        how = "by itself" if best.action is Action.RELOAD else f"by a {best.action}"
        return f"{best.reason}; not rebuilt with {', '.join(rebuilt)} (same build): it gets the edit {how}"
    volumes = plan.service(name).dependency_volumes
    return f"{best.reason}; {rebuild_note(name, volumes)}" if volumes else best.reason


def _image_rebuilds(plan: ProjectPlan, best: dict[str, _Best]) -> None:
    """A service with no build that runs the image a rebuilt service builds is recreated with it (one
    compose command builds the image, then recreates both)."""
    for builder, users in plan.image_users.items():
        rebuilt = best.get(builder)
        if rebuilt is None or rebuilt.action is not Action.REBUILD:
            continue
        image = plan.service(builder).service.image
        for user in users:
            if plan.service(user).configured == "none":
                continue  # devloop leaves it alone (strategy = "none" in the settings)
            current = best.setdefault(user, _Best(Action.NONE, "", []))
            if current.action < Action.REBUILD:
                current.action = Action.REBUILD
                current.reason = (
                    f"it runs image {image}, which {builder} builds and is rebuilt ({rebuilt.reason})"
                )
            current.paths += [p for p in rebuilt.paths if p not in current.paths]


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
