"""`devloop status` and `devloop wait` as text: one line per service, failures first in the form
`error: FILE:LINE: SERVICE: ACTION failed: ERROR` that editors' problem matchers read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def service_line(name: str, info: Mapping[str, Any], strategy: bool = True) -> str:
    state, action = info.get("state"), info.get("action")
    took = info.get("edit_to_live_s")
    tail = f" [{info['strategy']}]" if strategy and info.get("strategy") else ""
    if state == "failed":
        where = f"{info['location']}: " if info.get("location") else ""
        return f"error: {where}{name}: {action} failed: {info.get('error') or 'not live'}{tail}"
    if state == "down":
        return f"error: {name}: down ({info.get('error') or 'no running container'}){tail}"
    if state == "live":
        if action is None:
            return f"{name}: live (nothing acted on yet){tail}"
        after = f", {took:.2f}s after the edit" if isinstance(took, int | float) else ""
        return f"{name}: live after {action}{after}{tail}"
    if state == "acting":
        return f"{name}: acting ({action or 'queued'}){tail}"
    if state == "unknown":
        return f"warning: {name}: no sign of its {action} going live or failing{tail}"
    return f"{name}: {state} (devloop up is starting){tail}"


def render(answer: Mapping[str, Any], as_json: bool, strategy: bool = True) -> str:
    """The answer as printed: JSON on one line, or a line per service (failures first)."""
    if as_json:
        return json.dumps(answer)
    services: Mapping[str, Mapping[str, Any]] = answer.get("services", {})
    order = {"failed": 0, "down": 0, "unknown": 1, "acting": 2, "starting": 2}
    names = sorted(services, key=lambda n: order.get(str(services[n].get("state")), 3))
    lines = [service_line(n, services[n], strategy) for n in names]
    if not services:  # a wait after an edit of only the compose files that changed no service
        lines.append("devloop wait: the latest edit concerns no service")
    if answer.get("timed_out"):
        lines.append(f"devloop wait: timed out after {answer.get('waited_s', 0):.0f} s; still acting above")
    return "\n".join(lines)
