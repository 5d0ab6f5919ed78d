"""What one changed path means for one service, and why: the per-path half of the planner.

Routing runs this for every (changed path, service that watches it) pair, so it works on strings
and on what ServicePlan derives once (its bind sources, context, build inputs), not on Paths."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from devloop.model.ignore import IgnoreRules
from devloop.model.project import Action, Bind, Strategy
from devloop.planning.baked import baked_outcome, waits_for_rebuild
from devloop.planning.plans import ServicePlan
from devloop.planning.strategy import (
    DEPENDENCY_FILES,
    clause,
    is_dependency_file,
    show,
)
from devloop.planning.watch_rules import by_watch_rules

_SEP = os.sep


def _under(text: str, root: str) -> bool:
    return text == root or text.startswith(root if root.endswith(_SEP) else root + _SEP)


def relative(text: str, root: str) -> str:
    """`text` relative to `root` (both absolute), fast when it is inside."""
    if text.startswith(root + _SEP):
        return text[len(root) + 1 :]
    return "." if text == root else os.path.relpath(text, root)


def decide(plan: ServicePlan, path: Path) -> tuple[Action, str] | None:
    """The action one path means for one service, with the reason; None when it does not see it."""
    text = str(path)
    if not any(_under(text, root) for root in plan.watch_texts):
        return None
    return decide_seen(plan, text)


def decide_seen(plan: ServicePlan, text: str) -> tuple[Action, str] | None:
    """decide() for a path already known to be under one of the service's watch roots."""
    if plan.strategy is Strategy.NONE:
        return None
    folder, _, name = text.rpartition(_SEP)
    if is_plain_name(name) and text not in plan.leaf_texts:
        outcome = folder_outcome(plan, folder)
        if isinstance(outcome, Scoped):
            outcome = outcome.pick(name)
        if outcome is not None:
            return None if outcome is NOTHING else (outcome[0], name + outcome[1])
    return _decide(plan, text, name)


DEPENDENCY_SUFFIXES = (".txt", ".in")  # requirements*.txt/.in, requirements/*.txt


def is_plain_name(name: str) -> bool:
    """Not a dependency file by its name (those may rebuild wherever they are)."""
    return name not in DEPENDENCY_FILES and not name.endswith(DEPENDENCY_SUFFIXES)


@dataclass(frozen=True)
class Scoped:
    """A folder whose plain files get `inside` when the reloader watches their name (or when there
    is no such test), else `outside`; a restart becomes nothing for a name the process does not read."""

    test: Callable[[str], bool] | None
    inside: tuple[Action, str]
    outside: tuple[Action, str]
    unread: Callable[[str], str | None] | None = None

    def pick(self, name: str) -> tuple[Action, str]:
        outcome = self.inside if self.test is None or self.test(name) else self.outside
        if self.unread is not None and outcome[0] is Action.RESTART and self.unread(name):
            return NOTHING
        return outcome


Outcome = tuple[Action, str] | Scoped


def folder_outcome(plan: ServicePlan, folder: str) -> Outcome | None:
    """What every plain file directly in `folder` gets from this service when the folder alone
    decides: (action, reason after the file name), or NOTHING. A plain file has a plain name and is
    not one of the service's leaf paths (a build input, a bind source). None: each file must be
    decided, because settings patterns or develop.watch rules apply, or its name may matter."""
    memo = plan.folder_memo
    if memo is None:
        return None
    outcome = memo.get(folder, _UNKNOWN)
    if outcome is _UNKNOWN:
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        outcome = memo[folder] = _folder_decides(plan, folder)
    return outcome  # type: ignore[return-value]


NOTHING = (Action.NONE, "")  # the service does not see plain files in this folder
_UNKNOWN = object()
_MEMO_LIMIT = 65536


def _folder_decides(plan: ServicePlan, folder: str) -> Outcome | None:
    """What _decide gives every plain file in `folder`, minus the file name: under a bind, what
    _bound gives; in the build context but all excluded by its .dockerignore, NOTHING. None when
    each file must be decided (a reload dir might be one of its files, or names may matter)."""
    found = next(((b, shown, source) for source, inside, b, shown in plan.code_binds
                  if folder == source or folder.startswith(inside)), None)  # fmt: skip
    if found is None:
        context = plan.context_text
        if context is None or not _under(folder, context) or plan.extra_texts or plan.service.watch_rules:
            return None
        inside_context = "" if folder == context else relative(folder, context)
        return NOTHING if plan.dockerignore.excludes_all_in(inside_context) else None
    bind, shown, source = found
    if bind in plan.unseen_binds:
        return _UNSEEN_ACTION, _unseen_reason(shown)
    if plan.misplaced and bind in plan.misplaced_binds:
        return None  # baked or not: each file must be decided
    inside = relative(folder, source)
    scope = plan.scope
    if scope is None:
        return _unread(plan, inside, None, _bind_outcome(plan, shown, True), NOTHING)
    target = str(bind.target)
    container = target if inside == "." else f"{target.rstrip('/')}/{inside.replace(_SEP, '/')}"
    if container in scope.root_parents:
        return None  # a watched root may be one of its files
    watched = scope.folder(container)
    if isinstance(watched, bool):
        return _unread(plan, inside, None, _bind_outcome(plan, shown, watched), NOTHING)
    return _unread(plan, inside, watched, _bind_outcome(plan, shown, True), _bind_outcome(plan, shown, False))


def _unread(
    plan: ServicePlan,
    inside: str,
    test: Callable[[str], bool] | None,
    watched: tuple[Action, str],
    other: tuple[Action, str],
) -> Outcome:
    """A folder's outcome, where a restart becomes nothing for the files the process does not read:
    all of them in a folder it does not read (docs/, tests/, .github/), else those whose name says
    so (README.md, .gitlab-ci.yml)."""
    unread = plan.unread
    if unread is not None and unread.folder_reason(inside):
        watched, other = (NOTHING if o[0] is Action.RESTART else o for o in (watched, other))
    if test is None and (unread is None or watched[0] is not Action.RESTART):
        return watched
    return Scoped(test, watched, other, unread.name_reason if unread is not None else None)


def _decide(plan: ServicePlan, text: str, name: str) -> tuple[Action, str] | None:
    """decide_seen() without the per-folder shortcut: every rule, in order."""
    if plan.user_ignore.patterns and _settings_match(plan.user_ignore, plan, text):
        return None
    service = plan.service
    if plan.rebuild_on.patterns and _settings_match(plan.rebuild_on, plan, text):
        action = Action.REBUILD if service.build else Action.RESTART
        return action, f"{name} matches rebuild_on in the settings"
    if service.watch_rules and plan.configured == "auto":
        covered, outcome = by_watch_rules(plan, text, name)
        if covered:  # Compose Watch skips what the build context's .dockerignore excludes
            in_context = plan.context_text is not None and _under(text, plan.context_text)
            return outcome if not in_context or _kept(plan, text) is not None else None
    mounted = plan.mounted_file_texts.get(text) if plan.mounted_file_texts else None
    if mounted is not None and plan.configured == "auto":
        return Action.RESTART, (
            f"{name} is {mounted.kind} {mounted.name}, which compose mounts at {mounted.target}: "
            "read at start, so it is restarted"
        )
    if text in plan.input_texts:
        return Action.REBUILD, f"{name} is a build input of {service.name}"
    including = plan.included_texts.get(text) if plan.included else None
    if including is not None:
        return Action.REBUILD, f"{name} is included (-r/-c) by {including}, which the build copies"
    start = plan.start_files.get(text) if plan.configured == "auto" else None
    if start is not None:
        return start.action, name + start.reason
    if any(_under(text, str(b.source)) for b in plan.data_binds):
        return None  # data the container reads or writes, not code (see the strategy's reason)
    for source, inside, bind, shown in plan.code_binds:
        if text.startswith(inside) or text == source:
            return _bound(plan, bind, shown, text == source, text, name)
    baked = _baked(plan, text)
    if baked is not None:
        if plan.unread is not None and plan.unread.script_reason(text):
            return None  # another service's start script: baked, never run here (see explain.py)
        if _is_dependency(plan, text, name):
            return Action.REBUILD, f"{baked} is a dependency file in the build context"
        outcome = baked_outcome(plan, baked)
        if outcome[0] is Action.REBUILD and waits_for_rebuild(plan, baked):
            return None  # the process does not read it: the image takes it at its next rebuild (explain.py)
        return outcome
    if any(_under(text, extra) for extra in plan.extra_texts):
        return max(plan.strategy.action, Action.RESTART), f"{name} is under a watch path from the settings"
    rule = next((r for r in service.watch_rules if _under(text, str(r.path))), None)
    if rule is not None:  # develop.watch paths of a service whose strategy is set in the settings
        where = show(rule.path, plan.base)
        return plan.strategy.action, f"{name} is under develop.watch path {where}; " \
            f"strategy {plan.strategy} is set in the settings"  # fmt: skip
    return None


def _settings_match(rules: IgnoreRules, plan: ServicePlan, text: str) -> bool:
    """Settings patterns apply relative to the project folder, and to the build context if any."""
    return any(rules.excludes(relative(text, anchor)) for anchor in plan.pattern_anchors)


def _kept(plan: ServicePlan, text: str) -> str | None:
    """The path relative to the build context when the context sends it to the builder, else None."""
    context = plan.context_text
    if context is None or not _under(text, context):
        return None
    inside = relative(text, context)
    return None if plan.dockerignore.excludes(inside) else inside


def _baked(plan: ServicePlan, text: str) -> str | None:
    """_kept(), when a COPY/ADD of a stage the build includes also copies it into the image."""
    inside = _kept(plan, text)
    return inside if inside is not None and plan.bakes(inside) else None


def _is_dependency(plan: ServicePlan, text: str, name: str) -> bool:
    """A dependency file; a `.dockerignore` only where the builder reads it (the context root)."""
    if is_plain_name(name):
        return False
    if name == ".dockerignore":
        return plan.context_text is not None and text == plan.context_text + _SEP + name
    return is_dependency_file(text)


def _bound(
    plan: ServicePlan, bind: Bind, shown: str, single_file: bool, text: str, name: str
) -> tuple[Action, str] | None:
    where = f"{name} is under bind {shown}"
    if _is_dependency(plan, text, name):
        if _baked(plan, text) is not None:
            return Action.REBUILD, f"{name} is a dependency file of the build"
        return Action.RESTART, f"{where} and is a dependency file read at start"
    if bind in plan.unseen_binds:
        return _UNSEEN_ACTION, name + _unseen_reason(shown)
    auto = plan.configured == "auto"
    if single_file and auto and plan.strategy in (Strategy.RELOAD, Strategy.RESTART):
        return Action.RESTART, f"{where}, a single-file mount: {SINGLE_FILE}"
    if single_file and plan.strategy is Strategy.RELOAD:
        return Action.RESTART, f"{where}, a single-file mount: {SINGLE_FILE}"
    misplaced = plan.misplaced_binds.get(bind) if auto and plan.misplaced else None
    if misplaced is not None:
        baked = _baked(plan, text)
        if baked is not None:
            program = (plan.verdict.program or "the process").split()[0]
            why = misplaced.lands(program)
            return Action.REBUILD, f"{where}, which {why}: the mount looks misplaced, so it is rebuilt"
    scope = plan.scope if auto else None
    in_scope = scope is None or scope.covers(_container_path(bind, text))
    action, suffix = _bind_outcome(plan, shown, in_scope)
    if action is Action.RESTART and not single_file and plan.unread is not None:
        if plan.unread.reason(relative(text, str(bind.source))) or plan.unread.script_reason(text):
            return None  # the process does not read it (see explain.quiet_paths)
    return action, name + suffix


SINGLE_FILE = "an editor's save replaces the file, and the container sees the new one only after a restart"
_UNSEEN_ACTION = Action.SYNC


def _unseen_reason(shown: str) -> str:
    return f" is under bind {shown}, which the engine does not see: devloop copies it in"


def _bind_outcome(plan: ServicePlan, shown: str, in_scope: bool) -> tuple[Action, str]:
    """The action for a plain file under the bind `shown`, and the reason after the file's name
    (the same for every folder of the bind: worked out once)."""
    memo = plan.bind_outcomes
    outcome = memo.get((shown, in_scope))
    if outcome is None:
        outcome = memo[(shown, in_scope)] = _work_out(plan, shown, in_scope)
    return outcome


def _work_out(plan: ServicePlan, shown: str, in_scope: bool) -> tuple[Action, str]:
    where = f" is under bind {shown}"
    if plan.configured != "auto":
        return plan.strategy.action, f"{where}; strategy {plan.strategy} is set in the settings"
    verdict, cite = plan.verdict, plan.cite
    if verdict.reloads:
        if not in_scope:
            scope = plan.scope
            watched = scope.description if scope is not None else "its folders"
            program = (verdict.program or "the reloader").split()[0]
            at = f"; {cite}" if cite else ""
            return Action.RESTART, f"{where}, outside what `{program}` watches ({watched}{at})"
        return Action.RELOAD, f"{where} and {clause(verdict.reason)}" + (f" ({cite})" if cite else "")
    if verdict.reloads is None:
        return Action.RESTART, f"{where}; {verdict.reason}" + (
            f" ({cite})" if cite else ""
        ) + ", so devloop restarts it"
    return Action.RESTART, f"{where} and {clause(verdict.reason)}" + (f" ({cite})" if cite else "")


def _container_path(bind: Bind, text: str) -> PurePosixPath:
    return bind.target.joinpath(*relative(text, str(bind.source)).split(_SEP))
