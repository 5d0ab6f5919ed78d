"""The catch-up at start (load/staleness.py, then planning/catchup.py) in a child process that hands
back only its decisions. Over a tree of 100,000 files it makes and frees millions of small objects;
in devloop's own process the freed memory stayed with the heap (its arenas pinned by a few objects
that live on): about 40 MB of RSS for as long as devloop ran (bench/idle.py). A child gives all of
it back when it exits.

    python -m devloop.load.catchup_child < pickled Request > pickled decisions (or a DevloopError)
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from devloop.adapters.endpoint import Endpoint
from devloop.adapters.engine import Engine
from devloop.adapters.processes import tail
from devloop.errors import BUG_HINT, DevloopError
from devloop.load.staleness import stale_files
from devloop.planning.catchup import catch_up
from devloop.planning.planner import Decision, ProjectPlan

MODULE = "devloop.load.catchup_child"


@dataclass(frozen=True)
class Request:
    plan: ProjectPlan
    endpoint: Endpoint
    services: tuple[str, ...]  # those to catch up on
    started: Mapping[str, float | None]  # when each service's running container started


def decisions(request: Request) -> list[Decision]:
    """What the child works out: one decision per service that needs an action at start."""
    plans = [p for p in request.plan.services if p.name in request.services]
    engine = Engine(endpoint=request.endpoint)
    baked, mounted = stale_files(engine, request.plan, plans, request.started)
    return catch_up(request.plan, baked, mounted)


def answer(returncode: int, output: bytes, errors: bytes) -> list[Decision]:
    """The child's decisions; the DevloopError it met (the engine went away, ...) is raised here."""
    if returncode != 0:
        text = tail(errors.decode(errors="replace"))
        raise DevloopError(f"the catch-up at start failed (exit code {returncode}):\n{text}", BUG_HINT)
    result = pickle.loads(output)
    if isinstance(result, DevloopError):
        raise result
    return list(result)


def main() -> None:
    request = pickle.load(sys.stdin.buffer)
    try:
        result: object = decisions(request)
    except DevloopError as exc:
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
