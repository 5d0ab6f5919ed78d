"""Where the code runs from: a bind mount that lands outside the working directory and import path of
the process does not carry the code that runs, when a COPY of the image put the same files where the
process looks. Its changes need a rebuild, and `devloop doctor` says the mount looks misplaced. Pure."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from devloop.inference.reloaders import known_program
from devloop.inference.unwrap import PYTHON, option_values, peel, python_target
from devloop.model.dockerfile import Copy, Stage
from devloop.model.project import Bind, Service
from devloop.planning.copymap import target_for


@dataclass(frozen=True)
class Misplaced:
    bind: Bind
    runs_from: PurePosixPath  # where the process finds its code (its working directory, ...)
    baked_at: PurePosixPath  # where the COPY put the bind's files, inside runs_from
    copy: Copy
    evidence: str  # why devloop believes runs_from, e.g. "Dockerfile:2 WORKDIR"
    copy_text: str  # e.g. "`COPY . /srv` (Dockerfile:4)"

    def lands(self, program: str) -> str:
        """`lands outside /srv, where `uvicorn` runs from (Dockerfile:2 WORKDIR); it runs the copy ...`."""
        return (
            f"lands outside {self.runs_from}, where `{program}` runs from ({self.evidence}); "
            f"it runs the copy {self.copy_text} put at {self.baked_at}"
        )


def _inside(path: PurePosixPath, roots: Sequence[PurePosixPath]) -> PurePosixPath | None:
    return next((r for r in roots if path == r or r in path.parents), None)


_MODULE_PROGRAMS = frozenset({"uvicorn", "gunicorn", "hypercorn", "celery", "daphne"})
_SCRIPT_PROGRAMS = frozenset({"node", "nodemon", "ts-node", "ts-node-dev", "tsx", "bun", "deno"})


def entry_points(argv: Sequence[str], cwd: PurePosixPath) -> list[PurePosixPath]:
    """Where the code the process starts from lives (`uvicorn app.main:app` -> cwd/app/main), or its
    working directory when devloop cannot tell."""
    args = list(argv)
    env: dict[str, str] = {}
    while args and (peeled := peel(args, env, known_program)) is not None:
        args = peeled
    if not args:
        return [cwd]
    name, rest = posixpath.basename(args[0]), args[1:]
    found: list[str] = []
    if name in _MODULE_PROGRAMS:
        app = option_values(rest, "-A", "--app")
        modules = [*app, *(a for a in rest if ":" in a and not a.startswith(("-", "/")) and "=" not in a)]
        found = [m.split(":")[0].replace(".", "/") for m in modules]
    elif PYTHON.fullmatch(name):
        kind, target, _ = python_target(rest)
        found = [target.replace(".", "/") if kind == "-m" else target] if kind != "-c" and target else []
    elif name == "manage.py" or name in _SCRIPT_PROGRAMS:
        found = [args[0]] if name == "manage.py" else [a for a in rest if not a.startswith("-")][:1]
    return [cwd / f for f in found if f] or [cwd]


def misplaced_binds(
    service: Service,
    stage: Stage | None,
    roots: Sequence[PurePosixPath],
    code_binds: Sequence[Bind],
    file_binds: frozenset[Path],
    dockerfile: str,
    where: Mapping[str, str],
    argv: Sequence[str] = (),
) -> tuple[Misplaced, ...]:
    """Code binds (folders) outside every root, whose files a COPY of the image puts where the
    process's entry point is (and no other bind covers that place)."""
    build = service.build
    if build is None or stage is None or not roots or any(str(r) == "/" for r in roots):
        return ()
    entries = entry_points(argv, roots[0])
    copies = [c for c in stage.copies if c.from_stage is None]
    found = []
    for bind in code_binds:
        target = bind.target
        if bind.source in file_binds or _inside(target, roots) or any(target in r.parents for r in roots):
            continue
        try:
            relative = bind.source.relative_to(build.context).as_posix()
        except ValueError:
            continue
        for copy in reversed(copies):
            own = any(s.strip("/") == relative for s in copy.sources)  # the folder itself is the source
            baked = copy.destination if own else target_for(copy, relative or ".", copy.raw_destination)
            root = _inside(baked, roots) if baked is not None else None
            if baked is None or root is None:
                continue
            if not any(baked == e or baked in e.parents for e in entries):
                break  # not where the code that runs lives (static files, configs, data)
            if any(b is not bind and (b.target == baked or b.target in baked.parents) for b in code_binds):
                break  # another bind brings those files in: the code is live

            evidence = _evidence(service, stage, root, dockerfile, where)
            written = f"`{copy.instruction} {' '.join(copy.sources)} {copy.raw_destination}`"
            written += f" ({dockerfile}:{copy.line})"
            found.append(
                Misplaced(bind, root, PurePosixPath(str(baked).rstrip("/.") or "/"), copy, evidence, written)
            )
            break
    return tuple(found)


def _evidence(
    service: Service, stage: Stage, root: PurePosixPath, dockerfile: str, where: Mapping[str, str]
) -> str:
    if service.working_dir and PurePosixPath(service.working_dir) == root:
        return f"{where['working_dir']} working_dir" if "working_dir" in where else "compose working_dir"
    if stage.workdir == root and stage.workdir_line:
        return f"{dockerfile}:{stage.workdir_line} WORKDIR"
    return "its working directory and import path"
