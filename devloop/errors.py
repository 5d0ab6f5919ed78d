"""The one error family devloop reports to users; the CLI maps it to exit codes."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK, EXIT_USER_ERROR, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 3, 130
EXIT_PENDING = 2  # `devloop wait` timed out; `devloop status`: some service is still acting
EXIT_NOT_RUNNING = 3  # `devloop status` and `wait`: no `devloop up` runs for this project
BUG_HINT = (
    "this is a bug in devloop; please report it with the command you ran "
    "(set DEVLOOP_DEBUG=1 for the full traceback)"
)


class DevloopError(Exception):
    """A problem the user can fix: printed as `error: message` plus a hint, exit code 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(DevloopError):
    """devloop.toml or [tool.devloop] is invalid."""


class ComposeError(DevloopError):
    """The compose CLI failed or the compose project is invalid."""


class ComposeFailed(ComposeError):
    """A compose command failed for a reason of its own (an invalid file, say): keeps its output."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


class EngineError(DevloopError):
    """The Docker Engine cannot be reached."""


class CommandFailed(DevloopError):
    """A subprocess failed: keeps its argv, return code and the tail of its output."""

    def __init__(self, argv: Sequence[str], returncode: int, output: str, hint: str | None = None) -> None:
        tail = "\n".join(output.rstrip().splitlines()[-20:])
        super().__init__(f"`{' '.join(argv)}` failed with exit code {returncode}\n{tail}".rstrip(), hint)
        self.argv = tuple(argv)
        self.returncode = returncode
        self.output = output


class NotRunning(DevloopError):
    """No `devloop up` answers for this project (`devloop status` and `wait` exit 3)."""

    exit_code = EXIT_NOT_RUNNING
