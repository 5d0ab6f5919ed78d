"""`devloop wait`: return once every change the running `devloop up` has seen up to now has ended
in an outcome for every service it concerns, and print those outcomes."""

from __future__ import annotations

import argparse

from devloop.adapters.compose import ComposeOptions
from devloop.commands.status import ask_up, exit_code
from devloop.daemon.status_server import MAX_WAIT_S
from devloop.errors import EXIT_PENDING, DevloopError
from devloop.ui.status import render

SLACK_S = 15.0  # the answer may take this much longer than the wait (a busy machine)


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    timeout = args.timeout
    if not 0 < timeout <= MAX_WAIT_S:
        raise DevloopError(
            f"--timeout must be above 0 and at most {MAX_WAIT_S:.0f} seconds (got {timeout:g})",
            "e.g. --timeout 60",
        )
    request = {"ask": "wait", "services": list(args.services), "timeout_s": timeout}
    answer = ask_up(options, request, timeout + SLACK_S)
    print(render(answer, args.json, strategy=False))
    return EXIT_PENDING if answer.get("timed_out") else exit_code(answer)
