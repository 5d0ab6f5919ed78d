"""Find and delete macOS AppleDouble (``._NAME``) files in Docker build contexts.

macOS writes an AppleDouble file ``._NAME`` next to ``NAME`` on filesystems that cannot
store its extended attributes natively (ExFAT, FAT, SMB/NFS shares). When such a folder is a
build context those files are copied into images and break things (``._main.py`` is picked up
as a module, ``._*.conf`` is parsed as config, ...).

Only *genuine* AppleDouble files are deleted. Anything else whose name starts with ``._`` is user
data: it is kept and listed in :attr:`CleanReport.kept` so it can be reported.

A file is genuine when it is a regular file (not a symlink), its name starts with ``._``, it is at
least :data:`MIN_APPLEDOUBLE_SIZE` bytes long (the fixed AppleDouble header) and its first eight
bytes are :data:`APPLEDOUBLE_MAGIC` followed by :data:`APPLEDOUBLE_VERSION`. Only those eight
bytes are read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from devloop.model.cleaning import CleanReport

__all__ = [
    "APPLEDOUBLE_MAGIC",
    "APPLEDOUBLE_PREFIX",
    "APPLEDOUBLE_VERSION",
    "MIN_APPLEDOUBLE_SIZE",
    "SKIPPED_DIR_NAMES",
    "CleanReport",
    "clean",
    "is_appledouble_name",
    "is_genuine_appledouble",
]

APPLEDOUBLE_MAGIC = b"\x00\x05\x16\x07"
APPLEDOUBLE_VERSION = b"\x00\x02\x00\x00"
APPLEDOUBLE_PREFIX = "._"
#: magic (4) + version (4) + filler (16) + number of entries (2).
MIN_APPLEDOUBLE_SIZE = 26
#: Directory names that :func:`clean` never descends into.
SKIPPED_DIR_NAMES = frozenset({".git"})

_HEADER = APPLEDOUBLE_MAGIC + APPLEDOUBLE_VERSION
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # never open through a symlink swapped in after lstat
    | getattr(os, "O_NONBLOCK", 0)  # never block on a FIFO swapped in after lstat
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def is_appledouble_name(name: str) -> bool:
    """Return True if the basename of ``name`` starts with ``._``."""
    return os.path.basename(name).startswith(APPLEDOUBLE_PREFIX)


def _check(path: str) -> tuple[bool | None, int]:
    """Return ``(genuine, size)`` for ``path``; raise OSError if it cannot be examined.

    ``genuine`` is None for a symlink or any other non-regular file, False for a regular file that
    is not AppleDouble. Opens nothing unless the file is long enough; never follows a symlink.
    """
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        return None, st.st_size
    if st.st_size < MIN_APPLEDOUBLE_SIZE:
        return False, st.st_size
    fd = os.open(path, _OPEN_FLAGS)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return None, fst.st_size  # replaced between lstat and open: leave it alone
        header = os.read(fd, len(_HEADER))
    finally:
        os.close(fd)
    return header == _HEADER and fst.st_size >= MIN_APPLEDOUBLE_SIZE, fst.st_size


def is_genuine_appledouble(path: Path) -> bool:
    """Return True if ``path`` is a genuine AppleDouble file (see the module docstring).

    Never follows a symlink; returns False on any OSError.
    """
    if not is_appledouble_name(os.fspath(path)):
        return False
    try:
        return _check(os.fspath(path))[0] is True
    except OSError:
        return False


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _resolve_roots(roots: Iterable[Path], errors: list[tuple[Path, str]]) -> list[Path]:
    """Resolve ``roots``, drop missing ones and those equal to or nested in another root."""
    resolved: set[Path] = set()
    for root in roots:
        try:
            resolved.add(Path(root).resolve(strict=True))
        except FileNotFoundError:
            continue  # missing root, or dangling symlink: skipped silently
        except (OSError, RuntimeError) as exc:  # e.g. a symlink loop (RuntimeError before 3.13)
            errors.append((Path(root), _error_message(exc)))
    kept: list[Path] = []
    for root in sorted(resolved, key=lambda p: len(p.parts)):
        if not any(root == k or k in root.parents for k in kept):
            kept.append(root)
    return kept


def clean(
    roots: Iterable[Path],
    *,
    dry_run: bool = False,
    exclude: Callable[[Path], bool] | None = None,
) -> CleanReport:
    """Delete genuine AppleDouble files under ``roots`` (directories or single files).

    Never follows a symlink (a symlink named ``._x`` is left alone and not reported; a symlinked
    directory is not entered) and never leaves the roots, which are resolved once and
    de-duplicated (a root nested in another is walked once; a missing root is skipped). Does not
    descend into ``.git`` directories. ``exclude(path)``, when given, is asked about every
    directory below a root and every ``._*`` file (other files are never acted on anyway) and
    skips it when it returns True. With ``dry_run`` nothing is deleted but the report is the same.
    """
    cleaner = _Cleaner(dry_run, exclude)
    for root in _resolve_roots(roots, cleaner.errors):
        cleaner.root(root)
    return cleaner.report()


class _Cleaner:
    """One run of :func:`clean`: what it removed, kept and failed on so far."""

    def __init__(self, dry_run: bool, exclude: Callable[[Path], bool] | None) -> None:
        self.dry_run = dry_run
        self.exclude = exclude
        self.removed: list[Path] = []
        self.kept: list[Path] = []
        self.errors: list[tuple[Path, str]] = []
        self.bytes_removed = 0

    def report(self) -> CleanReport:
        return CleanReport(
            removed=tuple(sorted(self.removed)),
            kept=tuple(sorted(self.kept)),
            errors=tuple(sorted(self.errors)),
            bytes_removed=self.bytes_removed,
            dry_run=self.dry_run,
        )

    def _failed(self, path: str | Path, exc: OSError) -> None:
        self.errors.append((Path(path), _error_message(exc)))

    def root(self, root: Path) -> None:
        """A root: a single ``._*`` file, or a folder walked without following symlinks."""
        try:
            root_st = os.lstat(root)
        except OSError as exc:
            self._failed(root, exc)
            return
        if stat.S_ISREG(root_st.st_mode):
            if root.name.startswith(APPLEDOUBLE_PREFIX):
                self.file(str(root))
        elif stat.S_ISDIR(root_st.st_mode):
            self.walk(str(root))

    def walk(self, top: str) -> None:
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        self.entry(entry, stack)
            except OSError as exc:
                self._failed(directory, exc)

    def entry(self, entry: os.DirEntry[str], stack: list[str]) -> None:
        try:
            if entry.is_dir(follow_symlinks=False):
                skipped = entry.name in SKIPPED_DIR_NAMES
                if not skipped and (self.exclude is None or not self.exclude(Path(entry.path))):
                    stack.append(entry.path)
            elif entry.name.startswith(APPLEDOUBLE_PREFIX) and entry.is_file(follow_symlinks=False):
                self.file(entry.path)
        except OSError as exc:
            self._failed(entry.path, exc)

    def file(self, path: str) -> None:
        """A ``._*`` regular file: removed when it is genuine AppleDouble, else kept and reported."""
        p = Path(path)
        if self.exclude is not None and self.exclude(p):
            return
        try:
            genuine, size = _check(path)
        except OSError as exc:
            self._failed(p, exc)
            return
        if genuine is None:
            return  # not a regular file (any more): not ours to touch or report
        if not genuine:
            self.kept.append(p)
            return
        if not self.dry_run:
            try:
                os.unlink(path)
            except OSError as exc:
                self._failed(p, exc)
                return
        self.removed.append(p)
        self.bytes_removed += size
