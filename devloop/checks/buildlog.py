"""Find where in the Dockerfile a failed build broke, from compose/BuildKit output."""

from __future__ import annotations

import re
from pathlib import Path

# newer BuildKit prints "Dockerfile:12" under the error; older prints only the step
_LINE = re.compile(r"^\s*(?P<file>[\w./-]*Dockerfile[\w.-]*):(?P<line>\d+)\s*$", re.MULTILINE)
_STEP = re.compile(r"^\s*> \[(?:[\w.-]+ )?(?:[\w.-]+ )?\d+/\d+\] (?P<instruction>.+?):?\s*$", re.MULTILINE)


def failure_location(output: str, dockerfile: Path | None) -> tuple[Path, int] | None:
    """(Dockerfile, line) of the failing instruction, when the output tells it."""
    if dockerfile is None:
        return None
    match = _LINE.search(output)
    if match:
        return dockerfile, int(match.group("line"))
    steps = list(_STEP.finditer(output))
    if not steps:
        return None
    step = steps[-1]
    wanted = " ".join(step.group("instruction").split())
    try:
        lines = dockerfile.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, start=1):
        if " ".join(text.split()) == wanted:
            return dockerfile, number
    for number, text in enumerate(lines, start=1):  # a continued instruction: match its first line
        if text.strip() and wanted.startswith(" ".join(text.rstrip("\\ ").split())):
            return dockerfile, number
    return None
