"""Where a frame of a container's output is on the host: its container path mapped back through the
bind mount or the Dockerfile's COPY (devloop.inference.locate), shown relative to the project."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from devloop.inference.locate import origins
from devloop.model.dockerfile import Copy
from devloop.model.project import Bind
from devloop.outcome.failures import Frame
from devloop.planning.planner import ServicePlan

Exists = Callable[[Path], bool]


@dataclass(frozen=True)
class Sources:
    """How a service's container paths come from the host. `exists` is the one question asked of
    the file system (passed in, so that this stays pure)."""

    project: Path
    binds: tuple[Bind, ...] = ()
    copies: tuple[Copy, ...] = ()
    context: Path | None = None
    cwd: str | None = None  # the process's working directory, for relative frame paths
    exists: Exists = field(default=lambda path: False, compare=False)

    def host(self, container: str) -> Path | None:
        """The host file the container has at `container`, when it is one of the project's."""
        if container.startswith(("<", "node:", "internal/")):
            return None
        path = container if container.startswith("/") else posixpath.join(self.cwd or "/", container)
        found = origins(PurePosixPath(posixpath.normpath(path)), self.binds, self.copies, self.context)
        return next((o.host for o in found if self.exists(o.host)), None)

    def shown(self, host: Path) -> str:
        try:
            return host.relative_to(self.project).as_posix()
        except ValueError:
            return str(host)


def sources_of(plan: ServicePlan, project: Path, exists: Exists) -> Sources:
    """How the files of one planned service come from the host."""
    build = plan.service.build
    return Sources(
        project=project,
        binds=plan.service.binds,
        copies=plan.stage.copies if plan.stage is not None else (),
        context=build.context if build is not None else None,
        cwd=str(plan.trace.cwd) if plan.trace is not None and plan.trace.cwd else plan.service.working_dir,
        exists=exists,
    )


def location(frames: Sequence[Frame], sources: Sources) -> str | None:
    """`path/relative/to/project:LINE` of the innermost frame that belongs to the project."""
    for frame in frames:
        host = sources.host(frame.path)
        if host is not None:
            return f"{sources.shown(host)}:{frame.line}"
    return None
