"""The command line: one function per command, errors mapped to exit codes in one place."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from devloop import __version__
from devloop.adapters.compose import ComposeOptions
from devloop.commands.completion import SHELLS
from devloop.errors import BUG_HINT, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNEXPECTED, EXIT_USER_ERROR, DevloopError

DESCRIPTION = """\
devloop watches a Docker Compose project and, for every edit, does the right thing per service:
nothing when the process reloads itself, a restart when code is bind-mounted but does not reload,
and a targeted `docker compose up -d --build --no-deps` when code is baked into the image."""

EPILOG = """\
commands:
  up       watch the project and act on every change (the daemon)
  plan     explain what devloop would do, per service or for given paths
  doctor   find mounts that do not work and data that will be lost
  clean    delete macOS AppleDouble ._* files from build contexts and bind sources
  init     write a commented devloop.toml with each service's inferred strategy
  status   ask the running devloop up what each service is doing
  wait     wait until the last edit is live (or failed) in every service it concerns
  completion  print a bash, zsh or fish completion script

examples:
  devloop plan                      # the strategy of every service, and why
  devloop plan app/main.py          # what an edit to this file would do
  devloop up                        # bring the stack up and keep it live
  devloop clean --dry-run           # list AppleDouble files without deleting
  devloop wait && pytest            # test once the last edit is live

exit codes: 0 ok, 1 a problem devloop explains (bad input, no engine, failed build), 3 an
unexpected error (a bug: please report it), 130 interrupted by a second Ctrl-C.
status and wait: 0 all live, 1 any failed, 2 still acting (wait: timed out), 3 no devloop up runs."""


class Parser(argparse.ArgumentParser):
    """argparse, but bad usage exits 1 like every other problem devloop explains (not 2)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def _compose_options_parser() -> Parser:
    parent = Parser(add_help=False)
    group = parent.add_argument_group("compose project (as for docker compose)")
    group.add_argument(
        "-f",
        "--file",
        dest="files",
        action="append",
        default=[],
        metavar="FILE",
        help="compose file (repeatable; default: compose.yaml and its override, or $COMPOSE_FILE)",
    )
    group.add_argument("-p", "--project-name", help="project name (default: as docker compose decides)")
    group.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        default=[],
        metavar="PROFILE",
        help="enable a compose profile (repeatable; also $COMPOSE_PROFILES)",
    )
    group.add_argument("--project-directory", metavar="DIR", help="project directory")
    group.add_argument(
        "--context",
        metavar="NAME",
        help="docker context to use, as `docker --context` (default: DOCKER_HOST, DOCKER_CONTEXT, "
        "or the docker CLI's current context)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="devloop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"devloop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = _compose_options_parser()

    def command(name: str, summary: str, text: str, *examples: str) -> argparse.ArgumentParser:
        """A subcommand; its code is devloop.commands.<name>.run, imported only when it runs."""
        made = sub.add_parser(
            name,
            parents=[parent],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            help=summary,
            description=text,
            epilog="examples:\n" + "\n".join(f"  devloop {e}" for e in examples),
        )
        made.set_defaults(command_module=f"devloop.commands.{name}")
        return made

    up = command(
        "up", "watch and act on every change",
        "Bring the services up, then watch their code and act on every change.",
        "up", "up api celery_worker --json", "up --no-start",
    )  # fmt: skip
    up.add_argument(
        "services", nargs="*", metavar="SERVICE", help="services to bring up and watch (default: all)"
    )
    up.add_argument("--no-start", action="store_true", help="do not run `docker compose up -d` first")
    up.add_argument("--down", action="store_true", help="stop the services when devloop stops")
    up.add_argument("--json", action="store_true", help="one JSON event per line on stdout")
    up.add_argument(
        "--accept-data-loss",
        action="store_true",
        help="recreate containers even when they wrote data outside volumes (with protect_data = true)",
    )
    up.add_argument("--debounce-ms", type=int, metavar="MS", help="quiet time before acting (default 300)")
    shown = up.add_mutually_exclusive_group()
    shown.add_argument("--no-logs", action="store_true", help="do not show the services' output")
    shown.add_argument(
        "--logs", metavar="SERVICE,...", help="show only these services' output (default: the `logs` setting)"
    )

    plan = command(
        "plan", "explain what devloop would do",
        "Show each service's strategy and why, or what changes to PATHs would do.",
        "plan", "plan --json", "plan app/tasks.py requirements.txt",
    )  # fmt: skip
    plan.add_argument("paths", nargs="*", metavar="PATH", help="changed paths to explain")
    plan.add_argument("--json", action="store_true", help="print JSON (shape in the README)")

    doctor = command(
        "doctor", "check mounts and data safety",
        "Check the engine, bind mounts, data written where it will be lost, and stale images.",
        "doctor", "doctor --json",
    )  # fmt: skip
    doctor.add_argument("--json", action="store_true", help="print JSON (shape in the README)")

    clean = command(
        "clean", "delete AppleDouble ._* files",
        "Delete genuine macOS AppleDouble files (never other ._* files) under the "
        "build contexts and bind sources of the project, or under the given PATHs.",
        "clean --dry-run", "clean ./app",
    )  # fmt: skip
    clean.add_argument("paths", nargs="*", metavar="PATH", help="folders to clean (default: the project's)")
    clean.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    clean.add_argument("--json", action="store_true", help="print JSON")

    init = command(
        "init", "write a commented devloop.toml",
        "Write devloop.toml beside the compose file: every setting with its default, and each "
        "service's inferred strategy with the reason, so you can see and pin it.",
        "init", "init --force",
    )  # fmt: skip
    init.add_argument("--force", action="store_true", help="overwrite an existing devloop.toml")

    status = command(
        "status", "ask the running devloop up what each service is doing",
        "Ask the `devloop up` running for this project, per service: its strategy, its state (live, "
        "failed, acting, down), the last action and its outcome, edit-to-live time, error and file:line. "
        "Exit 0 when all shown are live, 1 when any failed or is down, 2 while any is acting, "
        "3 when no devloop up runs for this project.",
        "status", "status --json api",
    )  # fmt: skip
    status.add_argument(
        "services", nargs="*", metavar="SERVICE", help="services to show (default: all watched)"
    )
    status.add_argument("--json", action="store_true", help="print JSON (shape in the README)")

    wait = command(
        "wait", "wait until the last edit is live",
        "Wait until every change the running `devloop up` has seen up to now (including edits still "
        "in its quiet time) has ended in an outcome for every service it concerns, then print them. "
        "Exit 0 when all are live, 1 when any failed (with error and file:line), 2 on timeout, "
        "3 when no devloop up runs for this project.",
        "wait && pytest", "wait --timeout 60 api", "wait --json",
    )  # fmt: skip
    wait.add_argument(
        "services", nargs="*", metavar="SERVICE", help="services to wait for (default: all watched)"
    )
    wait.add_argument(
        "--timeout", type=float, default=180.0, metavar="S", help="give up after S seconds (default 180)"
    )
    wait.add_argument("--json", action="store_true", help="print JSON (shape in the README)")

    completion = command(
        "completion", "print a shell completion script",
        "Print a completion script for SHELL (bash, zsh or fish), made from this parser.",
        "completion bash > ~/.local/share/bash-completion/completions/devloop",
        "completion zsh > ~/.zfunc/_devloop", "completion fish > ~/.config/fish/completions/devloop.fish",
    )  # fmt: skip
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    completion.set_defaults(parser=parser)  # the script is made from the whole parser
    return parser


def compose_options(args: argparse.Namespace) -> ComposeOptions:
    from devloop.adapters.endpoint import choose_endpoint

    return ComposeOptions(
        files=tuple(args.files),
        project_name=args.project_name,
        profiles=tuple(args.profiles),
        project_directory=args.project_directory,
        cwd=Path.cwd(),
        endpoint=choose_endpoint(args.context),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        command = importlib.import_module(args.command_module)
        code: int = command.run(args, compose_options(args))
        return code
    except DevloopError as exc:
        print(f"devloop: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("devloop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are reported
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        print(
            f"devloop: unexpected error: {type(exc).__name__}: {exc}\n"
            f"  at {frame.filename}:{frame.lineno}\n"
            f"  {BUG_HINT}",
            file=sys.stderr,
        )
        if os.environ.get("DEVLOOP_DEBUG"):
            traceback.print_exc()
        return EXIT_UNEXPECTED
