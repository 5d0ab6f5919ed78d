"""Celery: which subcommand runs, the files its command line says it writes, and whether a worker
holds a task, read from its own log, so that a restart need not wait.

On SIGTERM a worker stops taking tasks at once (its consumer is cancelled within milliseconds), then
waits for running tasks, and then for its prefork pool's threads, which poll on 0.8-1 s timers
(billiard/pool.py): an idle worker still needs 1.5-2 s to exit. When the log shows that every task
the worker received has ended, nothing is lost by killing it after SIGTERM. At INFO the worker logs
`Task NAME[ID] received` when a message arrives (prefetched and ETA tasks included) and `Task
NAME[ID] succeeded in ...` (or `raised ...`, `retry: ...`, `ignored`, ...) when it ends
(celery/worker/strategy.py, celery/app/trace.py); its `celery@HOST ready.` line is at INFO too, so
without that line the log cannot tell.

What it writes: `--logfile`/`-f` and `--pidfile` (worker, beat), the worker's `--statedb`/`-S`,
beat's `--schedule`/`-s` (by default `celerybeat-schedule` in its folder, unless `--scheduler` names
another, such as a database one; also for a worker that runs beat with `-B`), flower's `--db`;
relative to `--workdir` when given."""

from __future__ import annotations

import posixpath
import re

from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Writes, Written, written

VALUE_OPTIONS = "-A --app -b --broker --result-backend --loader --config --workdir".split()
_LOG = {"--logfile": False, "-f": False, "--pidfile": False}
_WRITES = {
    "worker": {**_LOG, "--statedb": False, "-S": False},
    "beat": {**_LOG, "--schedule": False, "-s": False},
    "flower": {"--db": False},
}


def subcommand(args: list[str]) -> str:
    """`worker`, `beat`, `flower`, ... (empty when there is none)."""
    return next((args[i] for i in positionals(args, VALUE_OPTIONS)), "")


def _writes(args: list[str]) -> list[Written]:
    sub = subcommand(args)
    chdir = (option_values(args, "--workdir") or ("",))[-1]
    beat = sub == "beat" or (sub == "worker" and ("-B" in args or "--beat" in args))  # embedded beat
    found = written(args, {**_WRITES.get(sub, {}), **(_WRITES["beat"] if beat else {})}, chdir)
    scheduler = (
        option_values(args, "--scheduler") if sub == "worker" else option_values(args, "-S", "--scheduler")
    )
    if beat and not scheduler and not any(w.option in ("--schedule", "-s") for w in found):
        found.append(Written("its default --schedule", posixpath.join(chdir, "celerybeat-schedule")))
    return found


WRITES: dict[str, Writes] = {"celery": _writes}

_TASK = re.compile(r"Task [^\s\[]+\[([^\]\s]+)\] (\S+)")
_READY = re.compile(r"celery@\S+ ready\.")


def tasks_in_flight(log: str) -> set[str] | None:
    """The ids of tasks a worker received and has not ended, from its log since it started; None
    when the log cannot tell (no `ready.` line: it does not log at INFO, or it is not ready)."""
    if not _READY.search(log):
        return None
    held: set[str] = set()
    for match in _TASK.finditer(log):
        task, word = match.groups()
        if word == "received":
            held.add(task)
        else:  # succeeded, raised, retry (a retry is received again), ignored, ...
            held.discard(task)
    return held
