"""The pure core: per service, what its code changes get (a strategy), and per batch of changed
paths, which action each service needs and why. No I/O: facts read from disk come in as values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath

from devloop.model.ignore import IgnoreRules
from devloop.model.project import Bind, Project, Service
from devloop.model.settings import Settings
from devloop.planning.decide import (
    decide,
)
from devloop.planning.plans import ChangePlan, Decision, ServiceFacts, ServicePlan
from devloop.planning.service import plan_service
from devloop.planning.strategy import (
    DATA_STORES,
    DEPENDENCY_FILES,
    is_dependency_file,
    show,
)
from devloop.planning.unread import other_scripts
from devloop.planning.written import Declared

__all__ = [
    "DATA_STORES", "DEPENDENCY_FILES", "ChangePlan", "Decision", "ProjectPlan", "ServiceFacts", "ServicePlan",
    "decide", "is_dependency_file", "plan_project", "show",
]  # fmt: skip


@dataclass(frozen=True)
class ProjectPlan:
    project: Project
    services: tuple[ServicePlan, ...]
    project_files: frozenset[Path]
    ignore: IgnoreRules = field(default_factory=lambda: IgnoreRules(()), compare=False)
    read_files: frozenset[Path] = frozenset()  # start scripts, package.json, configs the plan followed
    # a service that builds an image -> the services with no build that run that image
    image_users: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

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

    @cached_property
    def declared(self) -> tuple[Declared, ...]:
        return tuple(d for s in self.services for d in s.writes)

    def written_by(self, text: str) -> Declared | None:
        """The service whose own command says it writes this host path (its --logfile, the folder
        its asset watcher builds into), or None."""
        return next((d for d in self.declared if d.covers(text)), None)

    def action_group(self, name: str) -> object:
        """Services acted on by one compose command: a shared build, with the services that run
        the image it builds."""
        plan = self.by_name[name]
        build = plan.service.build
        if build is None:
            builder = next((b for b, users in self.image_users.items() if name in users), None)
            if builder is None:
                return ("service", name)
            build = self.by_name[builder].service.build
            assert build is not None
        return build.key

    def route(self, paths: Iterable[Path]) -> ChangePlan:
        from devloop.planning.route import route

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
    users = _image_users(project)
    plans = [
        plan_service(
            project,
            s,
            settings,
            facts.get(s.name, ServiceFacts()),
            unseen.get(s.name, ()),
            users.get(s.name, ()),
        )
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
    plans = _with_other_scripts(plans, facts)
    plans = _with_users_unread(plans, users)
    files = frozenset({*project.compose_files, *project.env_files, *extra_project_files} - {Path("-")})
    read = frozenset(
        f.host for found in facts.values() for f in found.files.values() if f is not None and f.image is None
    )
    result = ProjectPlan(project, tuple(plans), files, IgnoreRules(settings.ignore), read - files, users)
    result.watch_index  # noqa: B018 - built once here, not on the first batch
    return result


def _with_other_scripts(plans: list[ServicePlan], facts: Mapping[str, ServiceFacts]) -> list[ServicePlan]:
    """Tell each service whose command devloop followed to its program the shell start scripts the
    others run, which it does not (unread.other_scripts): an edit of one acts only on those that run
    it, not on the images that merely carry it."""
    runs: dict[str, list[str]] = {}
    names: dict[str, set[str]] = {}
    for plan in plans:
        for start in plan.trace.start_files if plan.trace is not None else ():
            if start.script:
                runs.setdefault(str(start.host), []).append(plan.name)
                names.setdefault(str(start.host), {start.host.name})
    if not runs:
        return plans
    for found in facts.values():  # the names the scripts have in the containers (`/start-worker`)
        for file in found.files.values():
            if file is not None and str(file.host) in names:
                names[str(file.host)].add(PurePosixPath(file.container).name)
    shared = {path: tuple(who) for path, who in runs.items()}
    return [
        replace(plan, other_scripts=other_scripts(shared, names, plan.name, _texts(facts.get(plan.name))))
        if plan.trace is not None and plan.trace.followed and plan.configured == "auto"
        else plan
        for plan in plans
    ]


def _with_users_unread(plans: list[ServicePlan], users: Mapping[str, tuple[str, ...]]) -> list[ServicePlan]:
    """Tell each service that builds an image what the services that run it do not read: a baked
    file waits for the next rebuild only when no process of the image reads it."""
    by_name = {plan.name: plan for plan in plans}
    return [
        replace(
            plan,
            users_unread=tuple(
                by_name[u].process_unread() for u in users[plan.name] if by_name[u].configured != "none"
            ),
        )
        if plan.name in users
        else plan
        for plan in plans
    ]


def _texts(facts: ServiceFacts | None) -> list[str]:
    return [f.text for f in facts.files.values() if f is not None] if facts is not None else []


def _group_key(service: Service) -> object:
    """Services built from the same inputs; a dockerfile_inline build is its own group, since its
    text is not in the model."""
    assert service.build is not None
    return service.build.key if service.build.dockerfile is not None else (service.build.key, service.name)


def _image_users(project: Project) -> dict[str, tuple[str, ...]]:
    """A service that builds an image -> the services without a build that run the same image."""
    builders: dict[str, str] = {}
    for service in project.services:
        if service.build is not None and service.image:
            builders.setdefault(_tagged(service.image), service.name)
    users: dict[str, list[str]] = {}
    for service in project.services:
        builder = builders.get(_tagged(service.image or "")) if service.build is None else None
        if builder is not None:
            users.setdefault(builder, []).append(service.name)
    return {builder: tuple(names) for builder, names in users.items()}


def _tagged(image: str) -> str:
    """`app` and `app:latest` are one image."""
    return image if ":" in image.rpartition("/")[2] or "@" in image else f"{image}:latest"
