"""Whether an image was built from a Dockerfile, told by the image's history. Pure.

A build that hits the cache keeps the image's old Created time, so a Dockerfile newer than its
image is not evidence that it changed (a fresh checkout gives every file a new time). BuildKit
records each instruction of the stages it built in the image's history (`COPY app/ app/ #
buildkit`, `RUN /bin/sh -c pip install ... # buildkit`, `WORKDIR /code`, `CMD ["python3" ...]`):
compared with the target's stage chain, the last entries tell whether the Dockerfile as it is now
built the image. Only what can be compared reliably is; anything else (a history from the legacy
builder, fewer entries than instructions) is "cannot tell" (None)."""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Sequence

from dockerfile_parse import DockerfileParser

_SILENT = {"FROM"}  # instructions that leave no history entry of their own
_BY_KEYWORD = {"EXPOSE", "HEALTHCHECK", "SHELL", "VOLUME", "STOPSIGNAL", "ONBUILD", "MAINTAINER"}
_BUILDKIT = " # buildkit"
_ARGS_PREFIX = re.compile(r"^\|\d+( \S+=\S*)* ")  # RUN |2 A=1 B=2 /bin/sh -c ...


def built_from(dockerfile_text: str, target: str | None, history: Sequence[str]) -> bool | None:
    """True when the image's history (CreatedBy, newest first) ends with the instructions of the
    target's stage chain as the Dockerfile has them now; False when they differ; None when the
    history cannot tell."""
    expected = _chain(dockerfile_text, target)
    if expected is None:
        return None
    entries = [e for e in reversed(history) if e]  # oldest first; the base image's come first
    if len(entries) < len(expected) or any(e.startswith("/bin/sh -c") for e in entries[-len(expected) :]):
        return None  # the legacy builder (`/bin/sh -c #(nop) ...`) or an unknown shape
    recorded = [_entry(e) for e in entries[len(entries) - len(expected) :]] if expected else []
    return all(_same(want, got) for want, got in zip(expected, recorded, strict=True))


Instruction = tuple[str, str]  # (keyword, value as written)


def _chain(text: str, target: str | None) -> list[Instruction] | None:
    """The instructions a build of `target` runs, in order: those of each stage it is built FROM
    (a stage of this Dockerfile), then its own. None when the target is not found."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    stages: list[tuple[str | None, str, list[Instruction]]] = []  # (name, base, instructions)
    for item in parser.structure:
        keyword, value = item["instruction"].upper(), item["value"]
        if keyword == "FROM":
            words = [w for w in value.split() if not w.startswith("--")]
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append((name, words[0].lower() if words else "", []))
        elif stages and keyword not in _SILENT:
            stages[-1][2].append((keyword, value))
    if not stages:
        return None
    index = (
        len(stages) - 1
        if target is None
        else next((i for i, s in enumerate(stages) if s[0] == target.lower()), None)
    )
    if index is None:
        return None
    chain: list[Instruction] = []
    while index is not None:
        name, base, instructions = stages[index]
        chain[:0] = instructions
        index = next((i for i in range(index - 1, -1, -1) if stages[i][0] == base), None)
    return chain


def _entry(created_by: str) -> Instruction:
    text = created_by.removesuffix(_BUILDKIT).strip()
    keyword, _, value = text.partition(" ")
    return keyword.upper(), value


def _same(want: Instruction, got: Instruction) -> bool:
    keyword, value = want
    if keyword != got[0]:
        return False
    if keyword in _BY_KEYWORD:
        return True
    if keyword == "RUN":
        recorded = _ARGS_PREFIX.sub("", _unflagged(got[1])).removeprefix("/bin/sh -c ")
        return _words(_run(value)) == _words(recorded)
    if keyword in ("CMD", "ENTRYPOINT"):
        return _process(value) == _recorded_list(got[1])
    if keyword in ("COPY", "ADD"):
        return _words(_unflagged(value)) == _words(_unflagged(got[1]))
    if "$" in value:  # the history has it expanded
        return True
    return _unquoted(value) == _unquoted(got[1])


def _words(text: str) -> list[str]:
    return text.split()


def _unflagged(text: str) -> str:
    """Without leading `--flag[=value]` words (COPY --chown, RUN --mount: not in the history)."""
    words = text.split(" ")
    while words and (words[0].startswith("--") or words[0] == ""):
        words.pop(0)
    return " ".join(words)


def _run(value: str) -> str:
    value = _unflagged(value.strip())
    listed = _json_list(value)
    return " ".join(listed) if listed is not None else value


def _process(value: str) -> list[str]:
    listed = _json_list(value.strip())
    return listed if listed is not None else ["/bin/sh", "-c", value.strip()]


def _json_list(value: str) -> list[str] | None:
    if not value.startswith("["):
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    return [str(v) for v in found] if isinstance(found, list) else None


def _recorded_list(value: str) -> list[str]:
    """`["python3" "-m" "app"]` as the history writes CMD and ENTRYPOINT."""
    inner = value.strip().removeprefix("[").removesuffix("]")
    try:
        return shlex.split(inner)
    except ValueError:
        return [inner]


def _unquoted(value: str) -> str:
    try:
        return " ".join(shlex.split(value))
    except ValueError:
        return " ".join(value.split())
