"""The paths a service's own command says it writes (inference.outputs), on the host: resolved
against the process's working directory and mapped through its bind mounts. What lands there is
container output from the first start: no service acts on it (see output.py). Pure."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from devloop.inference.locate import covering_bind
from devloop.inference.outputs import command_writes
from devloop.model.project import Bind

LOG_OPTIONS = frozenset({"--logfile", "-f", "-L", "--log-file", "--error-logfile", "--redirect-stdout"})


@dataclass(frozen=True)
class Declared:
    """A host path (a folder, a file, or a pattern for celery's `%n`) a service's command writes."""

    service: str
    option: str  # `--logfile`, `-o`, `SRC:DEST`, "its default --schedule"
    given: str  # as the command gives it
    host: str  # absolute, on the host
    folder: bool
    cite: str = ""  # where the command was read (`compose.yaml:20 command`)

    def covers(self, text: str) -> bool:
        """Whether a changed host path is this output: a file in the folder, the file itself, or
        one of its companions (`celerybeat-schedule.db`, `celery.log.1`, `db.sqlite3-journal`)."""
        if self.folder:
            return text.startswith(self.host + os.sep)
        if "*" in self.host:
            return fnmatchcase(text, self.host)
        return text == self.host or (
            text.startswith(self.host)
            and text[len(self.host)] in ".-"
            and os.sep not in text[len(self.host) :]
        )

    @property
    def log(self) -> bool:
        """Whether this is a log file the program writes its lines to (instead of its output)."""
        return self.option in LOG_OPTIONS and not self.folder and "*" not in self.host

    @property
    def reason(self) -> str:
        flag = (
            f"{self.option}={self.given}" if self.option.startswith("--") else f"{self.option} {self.given}"
        )
        return f"written by {self.service}'s command{f' ({self.cite})' if self.cite else ''}: {flag}"


def declared_writes(
    service: str,
    argv: Sequence[str],
    cwd: PurePosixPath | None,
    binds: Sequence[Bind],
    roots: Sequence[PurePosixPath] = (),
    cite: str = "",
) -> tuple[Declared, ...]:
    """What the command `argv` (run in `cwd`) writes under the bind mounts `binds`. A folder that is
    its working directory, one of its code `roots`, or above them is left out (the code is there);
    a relative path with no known working directory too."""
    found: list[Declared] = []
    for written in command_writes(argv):
        if not written.path.startswith("/") and cwd is None:
            continue
        container = PurePosixPath(posixpath.normpath(posixpath.join(str(cwd or "/"), written.path)))
        if written.folder and any(container == r or container in r.parents for r in (cwd, *roots) if r):
            continue
        bind = covering_bind(binds, container)
        if bind is None:
            continue  # written inside the container only
        host = bind.source.joinpath(*container.relative_to(bind.target).parts)
        found.append(Declared(service, written.option, written.path, str(host), written.folder, cite))
    return tuple(found)
