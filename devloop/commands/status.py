"""`devloop status`: ask the running `devloop up` of this project what each service is doing."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from devloop.adapters.compose import ComposeOptions
from devloop.adapters.status_client import ask
from devloop.errors import EXIT_OK, EXIT_PENDING, EXIT_USER_ERROR
from devloop.load.running import up_socket
from devloop.ui.status import render

ANSWER_TIMEOUT_S = 10.0
NOT_LIVE = ("failed", "down", "unknown")


def ask_up(options: ComposeOptions, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    project, path = up_socket(options)
    return ask(path, request, timeout_s, project)


def exit_code(answer: Mapping[str, Any]) -> int:
    """0 all shown are live; 1 any failed, down or without a verdict; else 2 (still acting)."""
    states = [str(info.get("state")) for info in answer.get("services", {}).values()]
    if any(state in NOT_LIVE for state in states):
        return EXIT_USER_ERROR
    return EXIT_OK if all(state == "live" for state in states) else EXIT_PENDING


def run(args: argparse.Namespace, options: ComposeOptions) -> int:
    answer = ask_up(options, {"ask": "status", "services": list(args.services)}, ANSWER_TIMEOUT_S)
    print(render(answer, args.json))
    return exit_code(answer)
