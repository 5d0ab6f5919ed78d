"""What a process's own command line says it writes: log, pid, state and schedule files, and what an
asset watcher builds, from the knowledge kept per program (`WRITES` in programs/*.py). From the
process's first start such a path is its output, never an edit to act on. Pure."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from devloop.inference.configs import program_args
from devloop.inference.programs import celery, frontend, gunicorn, rails
from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Writes, Written

__all__ = ["Written", "command_writes"]

_WRITES: dict[str, Writes] = {**celery.WRITES, **frontend.WRITES, **gunicorn.WRITES, **rails.WRITES}


def command_writes(argv: Sequence[str]) -> tuple[Written, ...]:
    """The paths the program `argv` runs (after wrappers) says it writes. A folder it builds into
    that holds one of its inputs, or is its own folder or above it, is left out: taking every file
    there for its output would miss the user's edits."""
    args = program_args(argv)
    writes = _WRITES.get(posixpath.basename(args[0])) if args else None
    if writes is None:
        return ()
    found = writes(args[1:])
    inputs = [*_inputs(args[1:], found), *option_values(args[1:], "-i", "--input")]
    return tuple(dict.fromkeys(w for w in found if not _holds(w, inputs)))


def _inputs(args: list[str], found: Sequence[Written]) -> list[str]:
    """Every positional argument but an output (an output option's value, sass's OUTPUT), SRC of
    `SRC:DEST` (taken generously: another option's value read as an input only leaves an output
    folder out)."""
    options = {w.option for w in found}
    outputs = {w.path for w in found if not w.option.startswith("-")}
    return [
        source
        for i in positionals(args)
        if (source := args[i].partition(":")[0])
        and not (i and args[i - 1] in options)
        and args[i] not in outputs
    ]


def _holds(written: Written, inputs: Sequence[str]) -> bool:
    """Whether the output is one of the inputs, or a folder holding one (or the program's own)."""
    out = posixpath.normpath(written.path)
    if written.folder and (out in (".", "/") or out.startswith("..")):
        return True
    inside = out.rstrip("/") + "/"
    return any(
        (i := posixpath.normpath(given)) == out or (written.folder and i.startswith(inside))
        for given in inputs
    )
