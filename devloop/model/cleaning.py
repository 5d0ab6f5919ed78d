"""What cleaning AppleDouble files did: a value the cleaner returns and the UI shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


@dataclass(frozen=True)
class CleanReport:
    """What :func:`clean` removed (or would remove), kept and failed on; all sorted by path."""

    removed: tuple[Path, ...]
    """Genuine AppleDouble files deleted (or that would be, with ``dry_run``)."""
    kept: tuple[Path, ...]
    """Regular ``._*`` files that are not AppleDouble: user data, kept, to be reported."""
    errors: tuple[tuple[Path, str], ...]
    """``(path, message)`` for files or directories that could not be read or removed."""
    bytes_removed: int
    """Total size of :attr:`removed`."""
    dry_run: bool

    @property
    def ok(self) -> bool:
        """True when nothing went wrong."""
        return not self.errors


def format_bytes(n: int) -> str:
    """Format a byte count with decimal (SI) units: ``0 B``, ``999 B``, ``4.1 kB``, ``3.2 MB``."""
    if n < 0:
        return "-" + format_bytes(-n)
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in _UNITS[1:]:
        value /= 1000
        if round(value, 1) < 1000 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
