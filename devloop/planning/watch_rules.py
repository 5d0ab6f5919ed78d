"""What a service's develop.watch rules (Compose Watch) give a changed path: the per-path half of
decide.py for services that have them. Pure."""

from __future__ import annotations

import os
from functools import lru_cache

from devloop.model.ignore import IgnoreRules
from devloop.model.project import Action
from devloop.planning.plans import ServicePlan
from devloop.planning.strategy import WATCH_ACTIONS


def by_watch_rules(plan: ServicePlan, text: str, name: str) -> tuple[bool, tuple[Action, str] | None]:
    """(whether a develop.watch rule covers the path, the strongest action of those not ignoring it)."""
    rules = plan.service.watch_rules
    covering = [
        (i, r) for i, r in enumerate(rules) if text == str(r.path) or text.startswith(f"{r.path}{os.sep}")
    ]
    outcomes = [
        (WATCH_ACTIONS.get(r.action, Action.RESTART),
         f"{name} is under its develop.watch rule `{r.action}` of {r.path.name}"
         + (f" ({plan.where[f'watch:{i}']})" if f"watch:{i}" in plan.where else ""))
        for i, r in covering
        if not (r.ignore and _rule_ignore(r.ignore).excludes(os.path.relpath(text, r.path)))
    ]  # fmt: skip
    return bool(covering), max(outcomes, key=lambda o: o[0]) if outcomes else None


@lru_cache(maxsize=256)
def _rule_ignore(patterns: tuple[str, ...]) -> IgnoreRules:
    return IgnoreRules(patterns)
