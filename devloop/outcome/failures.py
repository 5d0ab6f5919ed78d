"""Failures in a service's output: Python tracebacks, Node stacks and compiler errors, each with its
error line and the frames it names (innermost first), as container paths."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_BLOCK = 400  # lines of one traceback read at most: a longer one is cut, not followed

_PY_START = re.compile(r"^(?P<indent>\s*)Traceback \(most recent call last\):\s*$")
_PY_FRAME = re.compile(r'^\s+File "(?P<path>[^"]+)", line (?P<line>\d+)(?P<in>, in .*)?$')
_PY_BARE_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+)$')  # a SyntaxError's own
_PY_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(: .*)?$")
_PY_CHAIN = re.compile(r"^(During handling of the above exception|The above exception was the direct cause)")

_NODE_HEADER = re.compile(r"^(?:file://)?(?P<path>/[^\s:]+|[\w.-]+(?:/[\w.@-]+)+):(?P<line>\d+)$")
_NODE_ERROR = re.compile(r"^(?:Uncaught )?(?:[A-Z]\w*(?:Error|Exception)|Error)(?: \[\w+\])?(?:: .*)?$")
_NODE_AT = re.compile(r"^\s+at (?:.+? \()?(?:file://)?(?P<path>[^\s()]+?):(?P<line>\d+):\d+\)?$")
_COMPILER = (
    re.compile(r"^(?P<path>[^\s(]+)\((?P<line>\d+),\d+\): error (?P<error>TS\d+: .*)$"),  # tsc
    re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):\d+ - error (?P<error>TS\d+: .*)$"),  # tsc --pretty
    re.compile(r"^(?P<path>[^\s:]+\.\w+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<error>.*)$"),  # gcc
    re.compile(r"^(?:\./)?(?P<path>[^\s:]+\.go):(?P<line>\d+):\d+: (?P<error>.*)$"),  # go build
)
_POINTER = re.compile(r"^\s+--> (?P<path>[^\s:]+):(?P<line>\d+):\d+$")  # rustc, under "error[E...]: ..."
_ESBUILD = re.compile(r"^\s*(?:✘ )?\[ERROR\] (?P<error>.*)$")  # esbuild/vite, its location follows
_ESBUILD_AT = re.compile(r"^\s+(?P<path>[^\s:]+):(?P<line>\d+):\d+:$")


@dataclass(frozen=True)
class Frame:
    path: str  # as the container names it
    line: int


@dataclass(frozen=True)
class Failure:
    """An error the output shows. `end`: index of its last line read; `closed`: nothing more of
    it can follow (a stack may still grow until another line comes)."""

    kind: str  # python | node | compiler
    error: str
    frames: tuple[Frame, ...]  # innermost first
    start: int
    end: int
    closed: bool = True


def failures(lines: Sequence[str]) -> list[Failure]:
    """Every failure in `lines` (plain text, in order)."""
    found: list[Failure] = []
    index = 0
    while index < len(lines):
        failure = _python(lines, index) or _node(lines, index) or _compiler(lines, index)
        if failure is None:
            index += 1
            continue
        found.append(failure)
        index = failure.end + 1
    return found


def _python(lines: Sequence[str], start: int) -> Failure | None:
    first = lines[start]
    head = _PY_START.match(first)
    if head is None and not _PY_BARE_FRAME.match(first):
        return None
    indent = len(head.group("indent")) if head else 0
    frames: list[Frame] = []
    for index in range(start if head is None else start + 1, min(len(lines), start + MAX_BLOCK)):
        line = lines[index]
        frame = _PY_FRAME.match(line)
        if frame is not None:
            frames.append(Frame(frame.group("path"), int(frame.group("line"))))
            continue
        if not line.strip() or line[indent : indent + 1].isspace() or _PY_CHAIN.match(line[indent:]):
            continue
        if _PY_START.match(line):  # a chained exception: the last one is what ended the program
            frames = []
            continue
        if _PY_EXCEPTION.match(line[indent:]):
            if head is None and not frames:
                return None
            if _chained(lines, index + 1):  # the cause was shown; what it led to follows
                continue
            return Failure("python", line.strip(), tuple(reversed(frames)), start, index)
        if head is None:  # a bare `File ..., line N` not followed by an exception: not a traceback
            return None
    return None


def _chained(lines: Sequence[str], index: int) -> bool:
    following = next((line for line in lines[index : index + 3] if line.strip()), "")
    return bool(_PY_CHAIN.match(following.strip()))


def _node(lines: Sequence[str], start: int) -> Failure | None:
    """`/app/x.js:5` (the code line and a caret follow) then `SomeError: ...` and `    at` frames,
    or the error line and its frames alone."""
    header = _NODE_HEADER.match(lines[start])
    error_at = start
    if header is not None:
        error_at = next(
            (i for i in range(start + 1, min(len(lines), start + 6)) if _NODE_ERROR.match(lines[i])), -1
        )
        if error_at < 0:
            return None
    elif (
        not _NODE_ERROR.match(lines[start]) or start + 1 >= len(lines) or not _NODE_AT.match(lines[start + 1])
    ):
        return None
    frames = [Frame(header.group("path"), int(header.group("line")))] if header else []
    end = error_at
    closed = False
    for index in range(error_at + 1, min(len(lines), error_at + MAX_BLOCK)):
        at = _NODE_AT.match(lines[index])
        if at is None:
            closed = True
            break
        frames.append(Frame(at.group("path"), int(at.group("line"))))
        end = index
    else:
        closed = len(lines) >= error_at + MAX_BLOCK
    if not frames:
        return None
    error = lines[error_at].strip()
    return Failure("node", error, tuple(dict.fromkeys(frames)), start, end, closed)


def _compiler(lines: Sequence[str], start: int) -> Failure | None:
    line = lines[start]
    for pattern in _COMPILER:
        found = pattern.match(line)
        if found is not None:
            frame = Frame(found.group("path"), int(found.group("line")))
            return Failure("compiler", line.strip(), (frame,), start, start)
    esbuild = _ESBUILD.match(line)
    if esbuild is not None or line.startswith("error[E") or line.startswith("error: "):
        pointer = _ESBUILD_AT if esbuild is not None else _POINTER
        for index in range(start + 1, min(len(lines), start + 8)):
            found = pointer.match(lines[index])
            if found is not None:
                frame = Frame(found.group("path"), int(found.group("line")))
                return Failure("compiler", line.strip(), (frame,), start, index)
    return None
