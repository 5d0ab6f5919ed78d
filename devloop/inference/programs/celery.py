"""Celery workers: whether one holds a task, read from its own log, so that a restart need not wait.

On SIGTERM a worker stops taking tasks at once (its consumer is cancelled within milliseconds), then
waits for running tasks, and then for its prefork pool's threads, which poll on 0.8-1 s timers
(billiard/pool.py): an idle worker still needs 1.5-2 s to exit. When the log shows that every task
the worker received has ended, nothing is lost by killing it after SIGTERM. At INFO the worker logs
`Task NAME[ID] received` when a message arrives (prefetched and ETA tasks included) and `Task
NAME[ID] succeeded in ...` (or `raised ...`, `retry: ...`, `ignored`, ...) when it ends
(celery/worker/strategy.py, celery/app/trace.py); its `celery@HOST ready.` line is at INFO too, so
without that line the log cannot tell."""

from __future__ import annotations

import re

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
