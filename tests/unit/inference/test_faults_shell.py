"""devloop never passes text through a shell: no shell=True, no os.system/os.popen, no command
given as one string to a process API (which anyio, for one, runs through /bin/sh)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[3] / "devloop").glob("**/*.py"))
FORBIDDEN = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
}
PROCESS_APIS = {"run", "Popen", "call", "check_call", "check_output", "open_process", "run_process"}
PROCESS_MODULES = {"subprocess", "anyio"}


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _is_text(node: ast.expr) -> bool:
    """A command written as one string: a literal, an f-string, a concatenation, a str.join."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("join", "format") and _is_text(node.func.value)
    return False


def shell_uses(source: str, name: str = "<source>") -> list[str]:
    """Every place in `source` that would run a command through a shell."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        where = f"{name}:{node.lineno}"
        dotted = _dotted(node.func)
        if dotted[-2:] in FORBIDDEN or any(dotted[-2:] == ("os", f) for f in ("execl", "spawnl")):
            found.append(f"{where}: {'.'.join(dotted)}")
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append(f"{where}: shell=...")
        if dotted and dotted[-1] in PROCESS_APIS and (len(dotted) == 1 or dotted[-2] in PROCESS_MODULES):
            if node.args and _is_text(node.args[0]):
                found.append(f"{where}: {'.'.join(dotted)} given one string")
    return found


def test_the_sources_are_there() -> None:
    assert len(SOURCES) > 20 and any(p.name == "processes.py" for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_shell_anywhere_in_devloop(path: Path) -> None:
    assert shell_uses(path.read_text(), path.name) == []


@pytest.mark.parametrize(
    "bad",
    [
        "import subprocess\nsubprocess.run('docker compose up', shell=True)",
        "import subprocess\nsubprocess.run(argv, shell=flag)",
        "import os\nos.system('docker ps')",
        "import os\nos.popen(f'docker {x}')",
        "import anyio\nawait anyio.open_process(f'docker compose -p {name} up')",
        "import anyio\nawait anyio.run_process('docker ' + args)",
        "import subprocess\nsubprocess.check_output(' '.join(argv))",
        "import asyncio\nawait asyncio.create_subprocess_shell(cmd)",
    ],
)
def test_the_scan_finds_each_kind_of_shell_use(bad: str) -> None:
    assert shell_uses(bad), bad


@pytest.mark.parametrize(
    "good",
    [
        "import subprocess\nsubprocess.run(['docker', 'ps'], shell=False)",
        "import anyio\nawait anyio.open_process(list(argv))",
        "import subprocess\nsubprocess.run(argv, capture_output=True)",
        "result = ' '.join(argv)",
    ],
)
def test_the_scan_accepts_argument_lists(good: str) -> None:
    assert shell_uses(good) == []
