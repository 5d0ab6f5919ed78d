"""Shell script text -> commands with their lines, grouped into `if`, `case`, loops and functions.

Enough of POSIX sh for start scripts: comments, line continuations, quotes spanning lines,
here-documents (skipped), `;` `&` `&&` `||` `|` `;;`, redirections (dropped). Not a full parser: what
it does not understand raises Unparsable, and the caller says it cannot tell."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

_PUNCTUATION = ";&|<>"
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_LOOPS = frozenset({"while", "until", "for", "select"})
_SPLIT_AFTER = frozenset({"then", "else", "do", "{"})  # `then exec x`: the keyword, then a command


class Unparsable(Exception):
    pass


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]  # quotes removed, parameters not expanded
    line: int
    sep: str = ";"  # what follows it: ; & && || | ;;


@dataclass(frozen=True)
class If:
    branches: tuple[tuple[tuple[Command, ...] | None, tuple[Node, ...]], ...]  # (condition | None, body)
    line: int


@dataclass(frozen=True)
class Case:
    word: str
    arms: tuple[tuple[tuple[str, ...], tuple[Node, ...]], ...]
    line: int


@dataclass(frozen=True)
class Loop:
    keyword: str
    line: int


@dataclass(frozen=True)
class Function:
    name: str
    line: int
    body: tuple[Node, ...] = ()


Node = Command | If | Case | Loop | Function


def parse_script(text: str) -> list[Node]:
    commands = [c for number, line in logical_lines(text) for c in _commands(line, number)]
    nodes, index = _parse(commands, 0, frozenset())
    if index != len(commands):
        raise Unparsable(f"line {commands[index].line}: unexpected `{commands[index].words[0]}`")
    return nodes


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) per logical line: continuations joined, comments and here-documents
    dropped, a quote left open continued on the next lines."""
    raw = text.splitlines()
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(raw):
        start, line = i, raw[i]
        i += 1
        while i < len(raw):
            stripped = _strip_comment(line)
            if stripped.endswith("\\") and not stripped.endswith("\\\\"):
                line = stripped[:-1] + " " + raw[i]
            elif _open_quote(stripped):
                line = line + "\n" + raw[i]
            else:
                break
            i += 1
        line = _strip_comment(line)
        heredoc = _HEREDOC.search(line)
        if heredoc:
            strip, delimiter = heredoc.group(1), heredoc.group(3)
            while i < len(raw) and (raw[i].lstrip("\t") if strip else raw[i]).rstrip() != delimiter:
                i += 1
            i += 1
            line = line[: heredoc.start()] + line[heredoc.end() :]
        if line.strip():
            found.append((start + 1, line))
    return found


def _open_quote(line: str) -> bool:
    return bool(_scan(line)[1])


def _strip_comment(line: str) -> str:
    return line[: _scan(line)[0]]


def _scan(line: str) -> tuple[int, str]:
    """Where a `#` comment starts (len(line) without one), and the quote left open at the end."""
    quote, escaped, previous = "", False, " "
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (previous.isspace() or previous in ";&|"):
            return index, ""
        previous = char
    return len(line), quote


def _commands(line: str, number: int) -> list[Command]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = " \t\r\n", True, ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise Unparsable(f"line {number}: {exc}") from None
    commands: list[Command] = []
    words: list[str] = []
    redirect = False
    for token in tokens:
        if redirect:
            redirect = False
        elif token and set(token) <= set(_PUNCTUATION):
            if "<" in token or ">" in token:
                redirect = True
                if words and words[-1].isdigit():
                    words.pop()  # `2>&1`
                continue
            sep = token if token in ("&&", "||", "|", "&") else ";"
            if words:
                commands += _split_keyword(words, number, sep)
            if token == ";;":
                commands.append(Command((";;",), number))
            words = []
        else:
            words.append(token)
    if words:
        commands += _split_keyword(words, number, ";")
    return commands


def _split_keyword(words: list[str], number: int, sep: str) -> list[Command]:
    """`then exec x` -> `then`, `exec x`; `case $x in a) y` -> `case $x in`, `a) y`."""
    if words[0] in _SPLIT_AFTER and len(words) > 1:
        return [Command((words[0],), number), *_split_keyword(words[1:], number, sep)]
    if words[0] == "case" and len(words) > 3 and words[2] == "in":
        return [Command(tuple(words[:3]), number), *_split_keyword(words[3:], number, sep)]
    name = _function_name(words)
    if name is not None and "{" in words[1:] and words[-1] != "{":  # `f() { exec x; }` on one line
        at = words.index("{", 1) + 1
        return [Command(tuple(words[:at]), number), *_split_keyword(words[at:], number, sep)]
    if words[0] in ("}", "fi", "done", "esac") and len(words) > 1:
        return [Command((words[0],), number), *_split_keyword(words[1:], number, sep)]
    return [Command(tuple(words), number, sep)]


def _parse(commands: Sequence[Command], i: int, stop: frozenset[str]) -> tuple[list[Node], int]:
    nodes: list[Node] = []
    node: Node
    while i < len(commands):
        command = commands[i]
        head = command.words[0]
        if head in stop:
            return nodes, i
        if head == "if":
            node, i = _parse_if(commands, i)
        elif head in _LOOPS:
            node, i = _parse_loop(commands, i)
        elif head == "case":
            node, i = _parse_case(commands, i)
        elif _function_name(command.words) is not None:
            node, i = _parse_function(commands, i)
        elif head == "{":
            body, i = _parse(commands, i + 1, frozenset({"}"}))
            nodes += body
            i = _expect(commands, i, "}")
            continue
        elif head in ("then", "elif", "else", "fi", "do", "done", "esac", "}"):
            raise Unparsable(f"line {command.line}: unexpected `{head}`")
        else:
            node, i = command, i + 1
        nodes.append(node)
    return nodes, i


def _expect(commands: Sequence[Command], i: int, keyword: str) -> int:
    if i >= len(commands) or commands[i].words[0] != keyword:
        line = commands[i].line if i < len(commands) else (commands[-1].line if commands else 0)
        raise Unparsable(f"line {line}: `{keyword}` expected")
    return i + 1


def _condition(
    commands: Sequence[Command], i: int, first: tuple[str, ...]
) -> tuple[tuple[Command, ...], int]:
    """The condition of `if`/`elif`: its first command's words after the keyword, then more up to `then`."""
    line = commands[i].line
    found = [Command(first, line, commands[i].sep)] if first else []
    i += 1
    while i < len(commands) and commands[i].words[0] != "then":
        found.append(commands[i])
        i += 1
    if not found:
        raise Unparsable(f"line {line}: an `if` without a condition")
    return tuple(found), _expect(commands, i, "then")


def _parse_if(commands: Sequence[Command], i: int) -> tuple[If, int]:
    line = commands[i].line
    branches: list[tuple[tuple[Command, ...] | None, tuple[Node, ...]]] = []
    condition, i = _condition(commands, i, commands[i].words[1:])
    while True:
        body, i = _parse(commands, i, frozenset({"elif", "else", "fi"}))
        branches.append((condition, tuple(body)))
        if i >= len(commands):
            raise Unparsable(f"line {line}: `if` without `fi`")
        head = commands[i].words[0]
        if head == "elif":
            condition, i = _condition(commands, i, commands[i].words[1:])
        elif head == "else":
            body, i = _parse(commands, i + 1, frozenset({"fi"}))
            branches.append((None, tuple(body)))
            return If(tuple(branches), line), _expect(commands, i, "fi")
        else:
            return If(tuple(branches), line), i + 1


def _parse_loop(commands: Sequence[Command], i: int) -> tuple[Loop, int]:
    line, keyword = commands[i].line, commands[i].words[0]
    while i < len(commands) and commands[i].words[0] != "do":
        i += 1
    _, i = _parse(commands, _expect(commands, i, "do"), frozenset({"done"}))
    return Loop(keyword, line), _expect(commands, i, "done")


def _parse_case(commands: Sequence[Command], i: int) -> tuple[Case, int]:
    line = commands[i].line
    words = commands[i].words
    if len(words) != 3 or words[2] != "in":
        raise Unparsable(f"line {line}: a `case` devloop does not understand")
    arms: list[tuple[tuple[str, ...], tuple[Node, ...]]] = []
    i += 1
    while i < len(commands) and commands[i].words[0] != "esac":
        patterns: list[str] = []
        while i < len(commands) and commands[i].sep == "|" and ")" not in commands[i].words[0]:
            patterns.append(commands[i].words[0].lstrip("("))
            i += 1
        if i >= len(commands) or ")" not in commands[i].words[0]:
            raise Unparsable(f"line {line}: a `case` pattern devloop does not understand")
        head, _, rest = commands[i].words[0].partition(")")
        patterns.append(head.lstrip("("))
        tail = ((rest,) if rest else ()) + commands[i].words[1:]
        rest_of_arm = [Command(tail, commands[i].line, commands[i].sep)] if tail else []
        start = i + 1
        body, j = _parse([*rest_of_arm, *commands[start:]], 0, frozenset({";;", "esac"}))
        i = start + j - len(rest_of_arm)
        if i < len(commands) and commands[i].words == (";;",):
            i += 1
        arms.append((tuple(patterns), tuple(body)))
    return Case(words[1], tuple(arms), line), _expect(commands, i, "esac")


def _function_name(words: Sequence[str]) -> str | None:
    if words[0] == "function" and len(words) > 1:
        return words[1].removesuffix("()")
    if words[0].endswith("()") and len(words[0]) > 2:
        return words[0][:-2]
    if len(words) > 1 and words[1] == "()":
        return words[0]
    return None


def _parse_function(commands: Sequence[Command], i: int) -> tuple[Function, int]:
    command = commands[i]
    name = _function_name(command.words) or ""
    line = command.line
    if command.words[-1] == "{" or (i + 1 < len(commands) and commands[i + 1].words[0] == "{"):
        i = i + 1 if command.words[-1] == "{" else i + 2
        body, i = _parse(commands, i, frozenset({"}"}))
        return Function(name, line, tuple(body)), _expect(commands, i, "}")
    raise Unparsable(f"line {line}: a function body devloop does not understand")
