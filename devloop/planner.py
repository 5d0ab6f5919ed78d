"""The pure core: per service, what its code changes get (a strategy), and per batch of changed
paths, which action each service needs and why. No I/O: facts read from disk come in as values."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from devloop.dockerfile import Dockerfile
from devloop.ignore import IgnoreRules, noise_reason
from devloop.model import Action, Bind, Project, Service, Strategy
from devloop.process import EffectiveProcess, ImageProcess, effective_process
from devloop.reloaders import ReloadVerdict, detect_reload
from devloop.settings import Settings

DEPENDENCY_FILES = frozenset(
    {
        ".dockerignore", "pyproject.toml", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "Pipfile",
        "Pipfile.lock", "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
        "pnpm-lock.yaml", "bun.lockb", "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "Cargo.toml",
        "Cargo.lock", "composer.json", "composer.lock",
    }
)  # fmt: skip
_REQUIREMENTS = re.compile(r"^requirements.*\.(txt|in)$")
DATA_STORES = ("postgres", "mysql", "mariadb", "redis", "mongo", "elasticsearch", "rabbitmq", "minio", "memcached")
_WATCH_ACTIONS = {
    "rebuild": Action.REBUILD,
    "sync": Action.SYNC,
    "sync+restart": Action.SYNC,
    "sync+exec": Action.SYNC,
    "restart": Action.RESTART,
}


def is_dependency_file(path: str) -> bool:
    name = os.path.basename(path)
    return name in DEPENDENCY_FILES or bool(_REQUIREMENTS.match(name)) or _in_requirements_dir(path)


def _in_requirements_dir(path: str) -> bool:
    return os.path.basename(os.path.dirname(path)) == "requirements" and path.endswith((".txt", ".in"))


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

    @property
    def name(self) -> str:
        return self.service.name


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

    def route(self, paths: Iterable[Path]) -> ChangePlan:
        return route(self, paths)


def plan_project(
    project: Project,
    settings: Settings,
    facts: Mapping[str, ServiceFacts],
    extra_project_files: Iterable[Path] = (),
) -> ProjectPlan:
    plans = [_plan_service(project, s, settings, facts.get(s.name, ServiceFacts())) for s in project.services]
    groups: dict[object, list[str]] = {}
    for plan in plans:
        if plan.service.build is not None:
            groups.setdefault(plan.service.build.key, []).append(plan.name)
    plans = [
        _with_group(plan, tuple(groups[plan.service.build.key])) if plan.service.build else plan for plan in plans
    ]
    files = frozenset({*project.compose_files, *project.env_files, *extra_project_files} - {Path("-")})
    return ProjectPlan(project, tuple(plans), files, IgnoreRules(settings.ignore))


def _with_group(plan: ServicePlan, group: tuple[str, ...]) -> ServicePlan:
    from dataclasses import replace

    return replace(plan, build_group=group)


def _is_data_store(service: Service, process: EffectiveProcess) -> bool:
    if service.build is not None:
        return False
    image = (service.image or "").rsplit("/", 1)[-1].split(":")[0]
    program = os.path.basename(process.argv[0]) if process.argv else ""
    return any(image.startswith(name) or program.startswith(name) for name in DATA_STORES)


def _plan_service(project: Project, service: Service, settings: Settings, facts: ServiceFacts) -> ServicePlan:
    own = settings.service(service.name)
    process = effective_process(service, facts.image, facts.dockerfile)
    verdict = detect_reload(process.argv, service.env)
    watch = [b.source for b in service.binds]
    if service.build is not None:
        watch.append(service.build.context)
        if service.build.dockerfile is not None:
            watch.append(service.build.dockerfile)
    watch += [r.path for r in service.watch_rules]
    watch += [project.directory / w for w in own.watch]
    strategy, reason = _strategy(service, process, verdict, own.strategy, project.directory)
    if strategy is Strategy.NONE and own.strategy == "auto" and _is_data_store(service, process):
        watch = []
    return ServicePlan(
        service=service,
        strategy=strategy,
        reason=reason,
        process=process,
        verdict=verdict,
        watch=tuple(dict.fromkeys(p.resolve() if not p.is_absolute() else p for p in watch)),
        configured=own.strategy,
        base=project.directory,
        dockerignore=IgnoreRules(facts.dockerignore),
        user_ignore=IgnoreRules(own.ignore),
        rebuild_on=IgnoreRules(own.rebuild_on),
    )


def show(path: Path | str, base: Path) -> str:
    """A path as the user wrote it: relative to the project folder when inside it."""
    text = str(path)
    root = str(base)
    if text == root:
        return "."
    if text.startswith(root + os.sep):
        return "./" + text[len(root) + 1 :]
    return text


def _bind_text(bind: Bind, base: Path) -> str:
    return f"{show(bind.source, base)}:{bind.target}{':ro' if bind.read_only else ''}"


def _strategy(
    service: Service, process: EffectiveProcess, verdict: ReloadVerdict, configured: str, base: Path
) -> tuple[Strategy, str]:
    if configured != "auto":
        return Strategy(configured), f"strategy = {configured!r} is set in the devloop settings"
    if service.watch_rules:
        actions = ", ".join(sorted({r.action for r in service.watch_rules}))
        return _strongest_rule(service), f"follows its develop.watch rules ({actions})"
    runs = f"{verdict.reason} ({process.source})"
    code_binds = [b for b in service.binds if not b.read_only] or list(service.binds)
    if code_binds and not _is_data_store(service, process):
        where = ", ".join(_bind_text(b, base) for b in code_binds)
        if verdict.reloads:
            return Strategy.RELOAD, f"{where} is bind-mounted and it {runs}"
        if verdict.reloads is None:
            return Strategy.RESTART, f"{where} is bind-mounted; {runs}, so devloop restarts it to be safe"
        return Strategy.RESTART, f"{where} is bind-mounted and it {runs}"
    if service.build is not None:
        return Strategy.REBUILD, f"its code is baked into the image (build context {show(service.build.context, base)})"
    if _is_data_store(service, process):
        return Strategy.NONE, "a data store: its mounts hold data, not code"
    return Strategy.NONE, "image-only service without bind mounts: nothing to watch"


def _strongest_rule(service: Service) -> Strategy:
    action = max(_WATCH_ACTIONS.get(r.action, Action.RESTART) for r in service.watch_rules)
    return Strategy[action.name]


def route(plan: ProjectPlan, paths: Iterable[Path]) -> ChangePlan:
    """For a batch of changed paths: per service the strongest action, and services sharing a
    rebuilt build rebuilt with it."""
    best: dict[str, tuple[Action, str, list[Path]]] = {}
    project_files: list[Path] = []
    unseen: list[Path] = []
    for path in paths:
        if path in plan.project_files:
            project_files.append(path)
            continue
        text = str(path)
        if noise_reason(text) or (plan.ignore and plan.ignore.excludes(_rel(text, plan.project.directory))):
            continue
        seen = False
        for service_plan in plan.services:
            outcome = decide(service_plan, path)
            if outcome is None:
                continue
            seen = True
            action, reason = outcome
            current = best.get(service_plan.name)
            if current is None:
                best[service_plan.name] = (action, reason, [path])
            else:
                current[2].append(path)
                if action > current[0]:
                    best[service_plan.name] = (action, reason, current[2])
        if not seen:
            unseen.append(path)
    for name, (action, _, changed) in list(best.items()):
        if action is Action.REBUILD:
            for other in plan.service(name).build_group:
                if other != name and (other not in best or best[other][0] < Action.REBUILD):
                    best[other] = (Action.REBUILD, f"shares its build with {name}", changed)
    decisions = tuple(
        Decision(name, action, reason, tuple(changed))
        for name, (action, reason, changed) in sorted(best.items())
    )
    return ChangePlan(decisions, tuple(project_files), tuple(unseen))


def _rel(path: str, root: Path) -> str:
    return os.path.relpath(path, root)


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def decide(plan: ServicePlan, path: Path) -> tuple[Action, str] | None:
    """The action one path means for one service, with the reason; None when it does not see it."""
    service = plan.service
    if not any(_under(path, root) for root in plan.watch):
        return None
    text = str(path)
    if plan.user_ignore and plan.user_ignore.excludes(os.path.relpath(text, _anchor(plan))):
        return None
    if plan.strategy is Strategy.NONE:
        return None
    name = os.path.basename(text)
    build = service.build
    if plan.rebuild_on and plan.rebuild_on.excludes(os.path.relpath(text, _anchor(plan))):
        return (Action.REBUILD if build else Action.RESTART), f"{name} matches rebuild_on in the settings"
    if service.watch_rules and plan.configured == "auto":
        return _by_watch_rules(service, path)
    if build is not None and (path == build.dockerfile or path == build.dockerignore):
        return Action.REBUILD, f"{name} is a build input of {service.name}"
    bind = _deepest_bind(service.binds, path)
    if bind is not None:
        return _bound(plan, bind, path)
    if build is not None and _under(path, build.context):
        relative = os.path.relpath(text, build.context)
        if plan.dockerignore.excludes(relative):
            return None
        if is_dependency_file(text):
            return Action.REBUILD, f"{relative} is a dependency file in the build context"
        action = plan.strategy.action if plan.configured != "auto" else Action.REBUILD
        return action, f"{relative} is baked into the image (build context {show(build.context, plan.base)})"
    # an extra watch path from the settings
    return max(plan.strategy.action, Action.RESTART), f"{name} is under a watch path from the settings"


def _anchor(plan: ServicePlan) -> Path:
    build = plan.service.build
    return build.context if build is not None else Path("/")


def _deepest_bind(binds: tuple[Bind, ...], path: Path) -> Bind | None:
    covering = [b for b in binds if b.covers(path)]
    return max(covering, key=lambda b: len(b.source.parts)) if covering else None


def _bound(plan: ServicePlan, bind: Bind, path: Path) -> tuple[Action, str]:
    inside = bind.container_path(path)
    where = f"{path.name} is under bind {_bind_text(bind, plan.base)}"
    if is_dependency_file(str(path)):
        if plan.service.build is not None:
            return Action.REBUILD, f"{path.name} is a dependency file of the build"
        return Action.RESTART, f"{where} and is a dependency file read at start"
    if bind.source == path and plan.strategy is Strategy.RELOAD:
        return Action.RESTART, f"{path.name} is a single-file bind mount: a new file needs a restart"
    if plan.configured != "auto":
        return plan.strategy.action, f"{where}; strategy {plan.strategy} is set in the settings"
    verdict = plan.verdict
    if verdict.reloads:
        if verdict.reload_dirs and not _in_reload_dirs(inside, verdict.reload_dirs, plan):
            return Action.RESTART, f"{where}, outside the reloader's watched dirs ({', '.join(verdict.reload_dirs)})"
        return Action.RELOAD, f"{where} and it {verdict.reason}"
    if verdict.reloads is None:
        return Action.RESTART, f"{where}; {verdict.reason}, so devloop restarts it"
    return Action.RESTART, f"{where} and it {verdict.reason}"


def _in_reload_dirs(inside: PurePosixPath, dirs: tuple[str, ...], plan: ServicePlan) -> bool:
    workdir = PurePosixPath(plan.service.working_dir or _dockerfile_workdir(plan) or "/")
    for d in dirs:
        root = workdir / d
        if inside == root or root in inside.parents:
            return True
    return False


def _dockerfile_workdir(plan: ServicePlan) -> str | None:
    return None  # the image's WORKDIR is not known here; compose working_dir or / is used


def _by_watch_rules(service: Service, path: Path) -> tuple[Action, str] | None:
    for rule in service.watch_rules:
        if _under(path, rule.path):
            relative = os.path.relpath(path, rule.path)
            if rule.ignore and IgnoreRules(rule.ignore).excludes(relative):
                return None
            action = _WATCH_ACTIONS.get(rule.action, Action.RESTART)
            return action, f"{path.name} is under its develop.watch rule `{rule.action}` of {rule.path.name}"
    return None
