"""Plan one service: follow its process, then what its code changes get (a strategy), what it
watches, and the evidence. Pure: facts read from disk come in as values."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from devloop.inference.process import EffectiveProcess, effective_process
from devloop.inference.scope import Scope, scope_of
from devloop.inference.trace import Trace, trace_process
from devloop.model.dockerfile import Dockerfile, Stage
from devloop.model.ignore import IgnoreRules
from devloop.model.project import Bind, Project, Service, Strategy
from devloop.model.settings import Settings
from devloop.planning.depvolumes import dependency_volumes
from devloop.planning.live import pickup, sync_strategy
from devloop.planning.placement import entry_points, misplaced_binds
from devloop.planning.plans import ServiceFacts, ServicePlan
from devloop.planning.strategy import (
    code_binds,
    data_binds,
    data_note,
    is_data_store,
    is_system_bind,
    service_strategy,
    volume_binds,
)


def _absolute(path: str, base: Path) -> Path:
    return Path(os.path.normpath(os.path.join(base, path)))


def plan_service(
    project: Project,
    service: Service,
    settings: Settings,
    facts: ServiceFacts,
    unseen: tuple[Bind, ...] = (),
    image_users: tuple[str, ...] = (),
) -> ServicePlan:
    """The plan of one service; `image_users`: the services that run the image it builds."""
    own = settings.service(service.name)
    base = project.directory
    dockerfile = facts.dockerfile
    stage = dockerfile.stage(service.build.target if service.build else None) if dockerfile else None
    process = effective_process(service, facts.image, dockerfile, facts.where)
    name = dockerfile.path.name if dockerfile else "Dockerfile"
    trace = trace_process(service, process, stage, facts.files, facts.env_origins, base, name)
    verdict = trace.verdict
    extra = tuple(_absolute(w, base) for w in own.watch)
    data = (
        _data_binds(service, base, process, stage, dockerfile, facts, trace)
        if own.strategy == "auto" and not service.watch_rules
        else ()
    )
    binds = code_binds(service, base, data)
    misplaced = misplaced_binds(
        service, stage, trace.code_roots, binds, facts.file_binds, name, facts.where, trace.argv
    )
    strategy, reason = service_strategy(
        service, process, verdict, own.strategy, base, dockerfile, extra, trace.where, misplaced,
        facts.where.get("develop", ""), data,
    )  # fmt: skip
    if strategy is Strategy.RELOAD and own.strategy == "auto" and not service.watch_rules:
        strategy, reason = _unwatched(strategy, reason, binds, trace, facts.file_binds, base)
    reason += data_note(data, base) if strategy is not Strategy.NONE else ""
    live = settings.live_update and own.live_update and not misplaced and not service.watch_rules
    if own.strategy == "auto":
        how = pickup(verdict, tuple(trace.argv) == tuple(process.argv))
        strategy, reason = sync_strategy(
            service, strategy, reason, base, dockerfile, live, unseen, verdict, how, image_users
        )
    watch: list[Path] = []
    watch += [b.source for b in service.binds if not is_system_bind(b, base) and b not in data]
    build = service.build
    if build is not None:
        watch.append(build.context)
        if build.dockerfile is not None:
            watch.append(build.dockerfile)
        if build.dockerignore is not None and build.context not in build.dockerignore.parents:
            watch.append(build.dockerignore)  # <Dockerfile>.dockerignore beside an outside Dockerfile
        watch += [p for p in facts.included if not any(p == w or w in p.parents for w in watch)]
    watch += [r.path for r in service.watch_rules]
    watch += [f.source for f in service.mounted_files]
    watch += extra
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
        trace=trace,
        misplaced=misplaced if own.strategy == "auto" else (),
        dependency_volumes=dependency_volumes(
            service, {**(stage.environment if stage else {}), **service.env}
        ),
        file_binds=facts.file_binds,
        where=facts.where,
        included=facts.included,
        data_binds=data,
        live_update=live,
    )


def _unwatched(
    strategy: Strategy, reason: str, binds: Sequence[Bind], trace: Trace, files: frozenset[Path], base: Path
) -> tuple[Strategy, str]:
    """A reloader none of whose code binds it watches (nginx with only its conf.d mounted, a
    single-file mount) restarts on their edits: its strategy is restart, not reload."""
    scope = scope_of(trace.verdict, trace.cwd)
    if not binds or not all(b.source in files or _outside(b.target, scope) for b in binds):
        return strategy, reason
    program = (trace.verdict.program or "the process").split()[0]
    watched = f"what `{program}` watches ({scope.description})" if scope is not None else "a folder"
    where = ", ".join(b.shown(base) for b in binds)
    return Strategy.RESTART, f"{where} is bind-mounted outside {watched}; {reason.split(' and ', 1)[-1]}"


def _outside(target: PurePosixPath, scope: Scope | None) -> bool:
    """No file under the container folder `target` is in the reloader's scope."""
    if scope is None:
        return False
    return scope.folder(target) is False and not any(r == target or target in r.parents for r in scope.roots)


def _data_binds(
    service: Service,
    base: Path,
    process: EffectiveProcess,
    stage: Stage | None,
    dockerfile: Dockerfile | None,
    facts: ServiceFacts,
    trace: Trace,
) -> tuple[Bind, ...]:
    """Binds that hold data, not code: every bind of a known data store; binds over a VOLUME the
    image or its Dockerfile declares; folder binds with no source file that the process neither
    runs nor imports from (see strategy.data_binds; that needs a known working directory)."""
    root = stage
    while root is not None and root.parent is not None and dockerfile is not None:
        root = dockerfile.stages[root.parent]
    if is_data_store(service, process, root.base if root is not None else ""):
        return service.binds
    declared = [
        *(stage.volumes if stage else ()),
        *(PurePosixPath(v) for v in (facts.image.volumes if facts.image else ())),
    ]
    found = list(volume_binds(service, declared))
    if trace.cwd is not None:
        entries = entry_points(trace.argv, trace.cwd)
        verdict = trace.verdict
        watched: list[PurePosixPath] = []
        if verdict.reloads and not verdict.include:  # it reloads on any file of its folders
            dirs = verdict.reload_dirs or (".",) if verdict.watches_cwd else verdict.reload_dirs
            watched = [trace.cwd / d for d in dirs]
        found += [
            b
            for b in data_binds(service, base, facts.without_source, trace.code_roots, entries, watched)
            if b not in found
        ]
    return tuple(found)
