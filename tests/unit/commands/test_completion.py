"""`devloop completion SHELL`: scripts generated from the parser list every command; bash's is
run to complete a command line."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess

import pytest

from devloop.cli import build_parser, main
from devloop.commands.completion import SHELLS, completion_script

COMMANDS = ("up", "plan", "doctor", "clean", "init", "status", "wait", "completion")


def test_the_commands_are_the_parsers() -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert tuple(sub.choices) == COMMANDS


def listed(shell: str, script: str) -> list[str]:
    """The commands a script offers as the first word, read from its own list of them."""
    if shell == "bash":
        found = re.search(r"^_shtab_devloop_subparsers=\((.*)\)$", script, re.M)
        return found.group(1).split() if found else []
    if shell == "fish":
        found = re.search(r"^set -g _shtab_devloop_commands (.*)$", script, re.M)
        return found.group(1).split() if found else []
    block = script.split("_shtab_devloop_commands() {", 1)[-1].split("_describe", 1)[0]
    return re.findall(r"^\s+([\w-]+):'", block, re.M)


@pytest.mark.parametrize("shell", SHELLS)
def test_each_script_lists_the_commands_and_options(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert sorted(listed(shell, script)) == sorted(COMMANDS)
    assert "--context" in script and "--project-name" in script


def test_bash_completes_commands_and_options() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    script = completion_script(build_parser(), "bash")

    def complete(*words: str) -> list[str]:
        line = " ".join(repr(w) for w in words)
        body = f"COMP_WORDS=(devloop {line}); COMP_CWORD={len(words)}; _shtab_devloop"
        done = subprocess.run(
            [bash, "-c", f'{script}\n{body}\nprintf "%s\\n" "${{COMPREPLY[@]}}"'],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()

    assert complete("") == list(COMMANDS)
    assert complete("up", "--con") == ["--context"]
    assert complete("completion", "") == list(SHELLS)


def test_an_unknown_shell_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["completion", "tcsh"])
    assert exit_.value.code == 1 and "invalid choice: 'tcsh'" in capsys.readouterr().err
