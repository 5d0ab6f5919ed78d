"""The variables and conditions of a shell script as devloop reads it: parameter expansion (`$X`,
`${X:-default}`, `${1#-}`, `"$@"`) and `[ ... ]` / `[[ ... ]]` / `test` conditions. A parameter devloop
does not know (not in the service's environment, or set in a branch it could not decide) makes the
expansion None, and a condition on it undecidable. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from devloop.inference.shell.parse import Command, Loop, Node


@dataclass(frozen=True)
class Ran:
    """A command the script runs before its main one (expanded), e.g. `pip install -r x.txt`."""

    argv: tuple[str, ...]
    line: int
    prefix: tuple[tuple[str, str], ...] = ()  # `VAR=value cmd`: the command's own variables


ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
_REFERENCE = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9#@*?$!-])")
_PARAMETER = re.compile(r"(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[#@*?])(:?[-=+?]|##?|%%?)?(.*)", re.DOTALL)
_ARRAY = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}")  # "${args[@]}", after quote removal
_FILE_TESTS = frozenset("-f -d -e -x -s -r -w -L -h -p -S -b -c -O -G -N -t".split())


class State:
    def __init__(self, env: Mapping[str, str], args: Sequence[str], zero: str) -> None:
        self.vars: dict[str, str] = dict(env)
        self.exported: set[str] = set(env)
        self.unknown: set[str] = set()  # set in a branch devloop could not decide
        self.args, self.zero = list(args), zero
        self.cwd: str | None = None
        self.before: list[Ran] = []
        self.last: Ran | Loop | None = None  # the main command candidate so far (or a loop after it)
        self.decided: list[tuple[int, str]] = []
        self.lines: dict[str, int] = {}
        self.auto_export = False
        self.functions: dict[str, tuple[Node, ...]] = {}  # defined so far: name -> body
        self.arrays: dict[str, tuple[str, ...]] = {}  # bash arrays: `args=(--watch)`
        self.depth = 0  # function calls being run

    def child_env(self, extra: Mapping[str, str] = {}) -> dict[str, str]:  # noqa: B006 - read only
        return {**{k: v for k, v in self.vars.items() if k in self.exported}, **extra}

    def expand(self, word: str) -> str | None:
        """The word with its parameters expanded; None when one is not known."""
        missing = False

        def value(match: re.Match[str]) -> str:
            nonlocal missing
            found = self.parameter(match.group(1) if match.group(1) is not None else match.group(2))
            if found is None:
                missing = True
                return ""
            return found

        text = _REFERENCE.sub(value, word) if "$" in word else word
        return None if missing or "$(" in word or "`" in word else text

    def parameter(self, inner: str) -> str | None:
        parsed = _PARAMETER.fullmatch(inner)
        if parsed is None:
            return None
        length, name, op, operand = parsed.groups()
        current = self.lookup(name)
        if length:
            return None if current is None else str(len(current))
        if not op:
            return current
        if op in (":-", "-", ":=", "="):
            if current is None and name in self.unknown:
                return None
            if current is not None and (current != "" or not op.startswith(":")):
                return current
            default = self.expand(operand)
            if op.endswith("=") and default is not None:
                self.vars[name] = default
            return default
        if op in (":+", "+"):
            return None if current is None and name in self.unknown else (operand if current else "")
        if current is None:
            return None
        if op[0] == "#":
            cuts = range(len(current) + 1) if op == "#" else range(len(current), -1, -1)
            return next((current[i:] for i in cuts if glob(current[:i], operand)), current)
        if op[0] == "%":
            cuts = range(len(current), -1, -1) if op == "%" else range(len(current) + 1)
            return next((current[:i] for i in cuts if glob(current[i:], operand)), current)
        return None

    def assign(self, name: str, value: str) -> None:
        """`name=value`, or a bash array `name=(a b)`, whose `$name` is its first element."""
        self.arrays.pop(name, None)
        if value.startswith("(") and value.endswith(")"):
            elements = tuple(value[1:-1].split())
            self.arrays[name] = elements
            value = elements[0] if elements else ""
        self.vars[name] = value

    def lookup(self, name: str) -> str | None:
        if name.isdigit():
            index = int(name)
            return self.zero if index == 0 else (self.args[index - 1] if index <= len(self.args) else "")
        if name == "#":
            return str(len(self.args))
        if name in ("@", "*"):
            return " ".join(self.args)
        if name in self.unknown:
            return None
        return self.vars.get(name)

    def words(self, raw: Sequence[str]) -> tuple[str, ...] | None:
        """Expanded words; `"$@"` alone becomes the arguments. None when a parameter is unknown."""
        out: list[str] = []
        for word in raw:
            if word in ("$@", "${@}", "$*", "${*}"):
                out += self.args
                continue
            array = _ARRAY.fullmatch(word)
            if array is not None:
                name = array.group(1)
                if name in self.unknown:
                    return None
                out += self.arrays.get(name, (self.vars[name],) if self.vars.get(name) else ())
                continue
            expanded = self.expand(word)
            if expanded is None:
                return None
            out.append(expanded)
        return tuple(out)


def glob(text: str, pattern: str) -> bool:
    return fnmatchcase(text, pattern)


def evaluate_condition(commands: Sequence[Command], state: State) -> bool | None:
    """`[ ... ]`, `[[ ... ]]`, `test ...`, `true`, `false`, joined by `&&` / `||`."""
    result: bool | None = None
    joiner = ""
    for command in commands:
        value = evaluate_test(command.words, state)
        if joiner == "&&":
            result = (
                False if result is False or value is False else (None if None in (result, value) else True)
            )
        elif joiner == "||":
            result = True if result is True or value is True else (None if None in (result, value) else False)
        else:
            result = value
        joiner = command.sep
    return result


def evaluate_test(raw: Sequence[str], state: State) -> bool | None:
    words = list(raw)
    negate = False
    if words[:1] == ["!"]:
        negate, words = True, words[1:]
    if words[:1] in (["true"], [":"]):
        return not negate
    if words[:1] == ["false"]:
        return negate
    if not words or words[0] not in ("[", "[[", "test"):
        return None
    double = words[0] == "[["
    words = words[1:-1] if words[-1:] in (["]"], ["]]"]) else words[1:]
    if words[:1] == ["!"]:
        negate, words = not negate, words[1:]
    if len(words) == 2 and words[0] in _FILE_TESTS:
        return None
    expanded = [state.expand(w) for w in words]
    if any(e is None for e in expanded):
        return None
    values = [e or "" for e in expanded]
    result: bool | None = None
    if len(values) == 1:
        result = values[0] != ""
    elif len(values) == 2 and values[0] in ("-n", "-z"):
        result = (values[1] != "") == (values[0] == "-n")
    elif len(values) == 3:
        left, op, right = values
        if op in ("=", "=="):
            result = glob(left, right) if double else left == right
        elif op == "!=":
            result = not glob(left, right) if double else left != right
        elif op in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge") and is_int(left) and is_int(right):
            a, b = int(left), int(right)
            result = {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b}[
                op
            ]
    return None if result is None else result != negate


def is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
