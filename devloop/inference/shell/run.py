"""Which command a shell script finally runs: a small reader of the POSIX sh that start scripts use.

Pure: script text, an environment and arguments in; the main command (with its line) out. It follows
what start scripts do before they hand over to the server: assignments and `export`, `cd`, `set --`,
`shift`, `exec "$@"`, `&&` `||` `|` `&`, here-documents, functions called by name (also through
`"$1"` or a `case`), and `if`/`elif`/`else` and `case` decided by the environment. The main
command is the first `exec` reached, else the last command run in the foreground. A loop after
it, or a condition it cannot evaluate around it, makes it say that it cannot tell (and why)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from devloop.inference.shell.expand import ASSIGNMENT, Ran, State, evaluate_condition, evaluate_test, glob
from devloop.inference.shell.parse import Case, Command, Function, If, Loop, Node, Unparsable, parse_script


@dataclass(frozen=True)
class ScriptRun:
    argv: tuple[str, ...] | None  # the main command; None: cannot tell (see `why`)
    line: int  # its line in the script (1-based); 0 when there is none
    env: dict[str, str]  # the main command's environment: the inherited one plus the script's exports
    cwd: str | None = None  # after the script's `cd`, if any
    before: tuple[Ran, ...] = ()  # foreground commands run before the main one
    why: str = ""  # why it cannot tell
    decided: tuple[tuple[int, str], ...] = ()  # (line, condition) of the branches taken
    env_lines: dict[str, int] = field(default_factory=dict)  # variable -> line the script set it


class _CannotTell(Exception):
    pass


class _Exec(Exception):
    def __init__(self, argv: tuple[str, ...], line: int, env: dict[str, str]) -> None:
        self.argv, self.line, self.env = argv, line, env


class _Exit(Exception):
    pass


class _Return(Exception):
    pass


_MAX_CALLS = 16  # nested function calls followed; deeper (or recursive) ones cannot be told


_INERT = frozenset(
    "set export unset readonly local declare typeset cd shift echo printf true false : source . trap "
    "umask ulimit alias hash".split()
)


def run_script(
    text: str, env: Mapping[str, str] | None = None, args: Sequence[str] = (), zero: str = "sh"
) -> ScriptRun:
    """The command `text` finally runs with `env` and positional `args` ($0 is `zero`)."""
    state = State(env or {}, args, zero)
    try:
        nodes = parse_script(text)
        _run(nodes, state)
    except _Exec as done:
        return _result(state, done.argv, done.line, done.env)
    except (_Exit, _Return):  # `return` outside a function ends a sourced script; sh goes no further
        pass
    except Unparsable as exc:
        return _result(state, None, 0, state.child_env(), str(exc))
    except _CannotTell as exc:
        return _result(state, None, 0, state.child_env(), str(exc))
    last = state.last
    if isinstance(last, Loop):
        return _result(
            state, None, 0, state.child_env(), f"line {last.line}: a `{last.keyword}` loop runs last"
        )
    if last is None:
        return _result(state, (), 0, state.child_env())
    state.before = [r for r in state.before if r is not last]
    return _result(state, last.argv, last.line, state.child_env(dict(last.prefix)))


def _result(
    state: State, argv: tuple[str, ...] | None, line: int, env: dict[str, str], why: str = ""
) -> ScriptRun:
    return ScriptRun(
        argv, line, env, state.cwd, tuple(state.before), why, tuple(state.decided), dict(state.lines)
    )


_TESTS = frozenset({"[", "[[", "test", "true", "false", "!"})


def _run(nodes: Sequence[Node], state: State) -> None:
    skip = False
    for index, node in enumerate(nodes):
        if skip:  # the right side of `|` or `||`, or of `&&` after a false test
            skip = isinstance(node, Command) and node.sep in ("|", "||", "&&")
            continue
        if isinstance(node, Command) and node.words[0] in _TESTS and node.sep in ("&&", "||"):
            skip = _guard(node, nodes[index + 1 : index + 2], state)
        elif isinstance(node, Command):
            _command(node, state)
            skip = node.sep in ("|", "||")
        elif isinstance(node, If):
            _if(node, state)
        elif isinstance(node, Case):
            _case(node, state)
        elif isinstance(node, Loop):
            state.last = node
        elif isinstance(node, Function):
            state.functions[node.name] = node.body


def _guard(guard: Command, following: Sequence[Node], state: State) -> bool:
    """`[ ... ] && cmd` / `[ ... ] || cmd`: whether cmd is skipped."""
    value = evaluate_test(guard.words, state)
    if value is None:
        if _inert(following):
            return True
        raise _CannotTell(f"line {guard.line}: devloop cannot evaluate `{_short(' '.join(guard.words))}`")
    state.decided.append((guard.line, " ".join(guard.words) if value else "! " + " ".join(guard.words)))
    return value != (guard.sep == "&&")


def _command(command: Command, state: State) -> None:
    raw = _join_arrays(command.words)
    prefix: dict[str, str] = {}
    while raw and ASSIGNMENT.fullmatch(raw[0]):
        name, value = ASSIGNMENT.fullmatch(raw.pop(0)).groups()  # type: ignore[union-attr]
        expanded = state.expand(value)
        if expanded is None:
            state.unknown.add(name)
        else:
            prefix[name] = expanded
            state.unknown.discard(name)
        state.lines[name] = command.line
    if not raw:  # assignments only: shell variables
        for name, value in prefix.items():
            state.assign(name, value)
        if state.auto_export:
            state.exported.update(prefix)
        return
    head = raw[0]
    if head == "exec" and len(raw) > 1:
        words = state.words(raw[1:])
        argv = words if words is not None else tuple(state.expand(w) or "" for w in raw[1:])
        raise _Exec(argv, command.line, state.child_env(prefix))
    if head == "exit":
        raise _Exit
    if head == "return":
        raise _Return
    if head in _INERT:
        _builtin(head, raw[1:], command.line, state)
        return
    words = state.words(raw) or tuple(state.expand(w) or "" for w in raw)
    if command.sep == "&":
        return  # in the background: not the main command
    if words and words[0] == "time":  # the shell's keyword times what follows, a function too
        words = words[2:] if words[1:2] == ("-p",) else words[1:]
    if words and words[0] in state.functions:
        _call(words, command, state)
        return
    ran = Ran(words, command.line, tuple(prefix.items()))
    state.before.append(ran)
    state.last = ran


def _join_arrays(words: Sequence[str]) -> list[str]:
    """`args=(--sourcemap --watch)` arrives as two words: one again, as bash reads it."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1].count("(") > joined[-1].count(")") and ASSIGNMENT.fullmatch(joined[-1]):
            joined[-1] += " " + word
        else:
            joined.append(word)
    return joined


def _call(words: tuple[str, ...], command: Command, state: State) -> None:
    """Run a function's body with its own positional parameters; its last command may be the main one."""
    if state.depth >= _MAX_CALLS:
        raise _CannotTell(f"line {command.line}: functions nested too deep to follow")
    saved, state.args = state.args, list(words[1:])
    state.depth += 1
    state.decided.append((command.line, f"{words[0]}()"))
    try:
        _run(state.functions[words[0]], state)
    except _Return:
        pass
    finally:
        state.args = saved
        state.depth -= 1


def _builtin(head: str, args: list[str], line: int, state: State) -> None:
    if head in ("export", "readonly", "declare", "typeset", "local"):
        for arg in args:
            match = ASSIGNMENT.fullmatch(arg)
            name = match.group(1) if match else arg
            if match:
                value = state.expand(match.group(2))
                if value is None:
                    state.unknown.add(name)
                else:
                    state.assign(name, value)
                    state.unknown.discard(name)
                state.lines[name] = line
            if head == "export" and not arg.startswith("-"):
                state.exported.add(name)
    elif head == "unset":
        for name in args:
            state.vars.pop(name, None)
    elif head == "cd" and args:
        target = state.expand(args[-1])
        if target is not None:
            state.cwd = target if target.startswith("/") or state.cwd is None else f"{state.cwd}/{target}"
    elif head == "shift":
        count = int(args[0]) if args and args[0].isdigit() else 1
        state.args = state.args[count:]
    elif head == "set":
        if "-a" in args or "-o" in args and "allexport" in args:
            state.auto_export = True
        if "--" in args:
            words = state.words(args[args.index("--") + 1 :])
            if words is None:
                raise _CannotTell(f"line {line}: `set --` with a value devloop does not know")
            state.args = list(words)


def _if(node: If, state: State) -> None:
    for condition, body in node.branches:
        if condition is None:
            _run(body, state)
            return
        verdict = evaluate_condition(condition, state)
        text = " ".join(condition[0].words) if condition else ""
        if verdict is None:
            if all(_inert(b) for _, b in node.branches):
                _forget(node, state)
                return
            raise _CannotTell(f"line {condition[0].line}: devloop cannot evaluate `{_short(text)}`")
        if verdict:
            state.decided.append((condition[0].line, text))
            _run(body, state)
            return
        state.decided.append((condition[0].line, "! " + text))


def _case(node: Case, state: State) -> None:
    word = state.expand(node.word)
    if word is None:
        if all(_inert(b) for _, b in node.arms):
            _forget(node, state)
            return
        raise _CannotTell(f"line {node.line}: devloop cannot evaluate `case {node.word}`")
    for patterns, body in node.arms:
        expanded = [state.expand(p) for p in patterns]
        if any(p is not None and glob(word, p) for p in expanded):
            state.decided.append((node.line, f"case {node.word} in {'|'.join(patterns)})"))
            _run(body, state)
            return


def _inert(nodes: Sequence[Node]) -> bool:
    """Only assignments and builtins that do not run a program: which branch runs does not matter."""
    for node in nodes:
        if isinstance(node, Command):
            words = [w for w in node.words if not ASSIGNMENT.fullmatch(w)]
            if words and words[0] not in _INERT:
                return False
        elif isinstance(node, If):
            if not all(_inert(body) for _, body in node.branches):
                return False
        elif isinstance(node, Case):
            if not all(_inert(body) for _, body in node.arms):
                return False
        elif isinstance(node, Loop):
            return False
    return True


def _forget(node: If | Case, state: State) -> None:
    """Variables set in branches devloop could not decide are unknown afterwards."""
    bodies = node.branches if isinstance(node, If) else node.arms
    for _, body in bodies:
        for item in body:
            if isinstance(item, Command):
                for word in item.words:
                    match = ASSIGNMENT.fullmatch(word)
                    if match:
                        state.unknown.add(match.group(1))


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
