"""Unit tests for devloop.adapters.appledouble."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from pathlib import Path

import pytest

from devloop.adapters.appledouble import (
    APPLEDOUBLE_MAGIC,
    APPLEDOUBLE_VERSION,
    clean,
    is_appledouble_name,
    is_genuine_appledouble,
)
from devloop.model.cleaning import CleanReport, format_bytes

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


def write_appledouble(path: Path | bytes, size: int = 4096, *, version: bytes = APPLEDOUBLE_VERSION) -> None:
    """Write an AppleDouble file like macOS does: magic, version, 16 filler bytes, 0 entries, padding."""
    header = APPLEDOUBLE_MAGIC + version + b"\x00" * 16 + b"\x00\x00"
    data = (header + b"\x00" * max(0, size - len(header)))[:size]
    with open(path, "wb") as f:
        f.write(data)


def genuine(path: Path, size: int = 4096) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_appledouble(path, size)
    return path


# --- is_appledouble_name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("._foo", True),
        ("._", True),
        ("._.DS_Store", True),
        ("dir/._foo", True),
        ("/abs/dir/._foo", True),
        ("foo", False),
        (".foo", False),
        ("_.foo", False),
        ("._dir/foo", False),
        ("", False),
    ],
)
def test_is_appledouble_name(name: str, expected: bool) -> None:
    assert is_appledouble_name(name) is expected


# --- is_genuine_appledouble -------------------------------------------------------------------


def test_is_genuine_true_for_macos_file(tmp_path: Path) -> None:
    assert is_genuine_appledouble(genuine(tmp_path / "._main.py"))


def test_is_genuine_minimum_size_boundary(tmp_path: Path) -> None:
    assert is_genuine_appledouble(genuine(tmp_path / "._26", size=26))
    assert not is_genuine_appledouble(genuine(tmp_path / "._25", size=25))


def test_is_genuine_false_cases(tmp_path: Path) -> None:
    wrong_version = tmp_path / "._v1"
    write_appledouble(wrong_version, version=b"\x00\x01\x00\x00")
    text = tmp_path / "._notes"
    text.write_text("remember the milk\n" * 10)
    not_named = genuine(tmp_path / "payload")
    directory = tmp_path / "._dir"
    directory.mkdir()

    assert not is_genuine_appledouble(wrong_version)
    assert not is_genuine_appledouble(text)
    assert not is_genuine_appledouble(not_named)
    assert not is_genuine_appledouble(directory)
    assert not is_genuine_appledouble(tmp_path / "._missing")


@needs_symlinks
def test_is_genuine_never_follows_symlink(tmp_path: Path) -> None:
    target = genuine(tmp_path / "._target")
    link = tmp_path / "._link"
    link.symlink_to(target)
    assert not is_genuine_appledouble(link)


def test_is_genuine_reads_only_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = genuine(tmp_path / "._big", size=1 << 20)
    sizes: list[int] = []
    real_read = os.read

    def spy(fd: int, n: int) -> bytes:
        sizes.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", spy)
    assert is_genuine_appledouble(path)
    assert sizes == [8]


# --- clean: what is removed and kept ----------------------------------------------------------


def test_genuine_file_removed(tmp_path: Path) -> None:
    ad = genuine(tmp_path / "src" / "._app.py")
    real = tmp_path / "src" / "app.py"
    real.write_text("print('hi')\n")

    report = clean([tmp_path])

    assert report.removed == (ad.resolve(),)
    assert report.kept == ()
    assert report.errors == ()
    assert report.bytes_removed == 4096
    assert report.dry_run is False
    assert not ad.exists()
    assert real.read_text() == "print('hi')\n"


def test_user_file_named_dot_underscore_kept_and_listed(tmp_path: Path) -> None:
    notes = tmp_path / "._notes"
    notes.write_text("these are my notes, not metadata\n")

    report = clean([tmp_path])

    assert report.kept == (notes.resolve(),)
    assert report.removed == ()
    assert notes.read_text() == "these are my notes, not metadata\n"


def test_too_short_file_with_magic_kept(tmp_path: Path) -> None:
    short = genuine(tmp_path / "._short", size=25)
    assert short.stat().st_size == 25
    assert short.read_bytes()[:8] == APPLEDOUBLE_MAGIC + APPLEDOUBLE_VERSION

    report = clean([tmp_path])

    assert report.kept == (short.resolve(),)
    assert report.removed == ()
    assert short.exists()


def test_right_magic_wrong_version_kept(tmp_path: Path) -> None:
    v1 = tmp_path / "._v1"
    write_appledouble(v1, version=b"\x00\x01\x00\x00")

    report = clean([tmp_path])

    assert report.kept == (v1.resolve(),)
    assert report.removed == ()
    assert v1.exists()


def test_empty_dot_underscore_file_kept(tmp_path: Path) -> None:
    empty = tmp_path / "._empty"
    empty.touch()
    assert clean([tmp_path]).kept == (empty.resolve(),)
    assert empty.exists()


def test_directory_named_dot_underscore_is_walked_not_reported(tmp_path: Path) -> None:
    inner = genuine(tmp_path / "._dir" / "._inner")
    report = clean([tmp_path])
    assert report.removed == (inner.resolve(),)
    assert report.kept == ()
    assert (tmp_path / "._dir").is_dir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.timeout(10)
def test_fifo_named_dot_underscore_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "._fifo"
    os.mkfifo(fifo)
    report = clean([tmp_path])
    assert report == CleanReport(removed=(), kept=(), errors=(), bytes_removed=0, dry_run=False)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_only_dot_underscore_files_are_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(50):
        (tmp_path / f"d{i % 5}").mkdir(exist_ok=True)
        (tmp_path / f"d{i % 5}" / f"file{i}.txt").write_text("x" * 100)
    ad = genuine(tmp_path / "d3" / "._file3.txt")
    opened: list[str] = []
    real_open = os.open

    def spy(path: str, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        opened.append(os.fspath(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", spy)
    report = clean([tmp_path])

    assert report.removed == (ad.resolve(),)
    assert [os.path.basename(p) for p in opened] == ["._file3.txt"]


def test_results_sorted_and_mixed(tmp_path: Path) -> None:
    g = [genuine(tmp_path / rel) for rel in ("z/._z", "a/._a", "m/._m", "._top")]
    k = []
    for rel in ("y/._keep", "b/._keep", "._keep"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("user data")
        k.append(tmp_path / rel)

    report = clean([tmp_path])

    assert report.removed == tuple(sorted(p.resolve() for p in g))
    assert report.kept == tuple(sorted(p.resolve() for p in k))
    assert list(report.removed) == sorted(report.removed)


def test_bytes_removed_sums_sizes(tmp_path: Path) -> None:
    genuine(tmp_path / "._a", size=4096)
    genuine(tmp_path / "sub" / "._b", size=26)
    genuine(tmp_path / "sub" / "deeper" / "._c", size=10_000)
    (tmp_path / "._user").write_bytes(b"x" * 5000)  # kept: not counted

    report = clean([tmp_path])

    assert len(report.removed) == 3
    assert report.bytes_removed == 4096 + 26 + 10_000


def test_dry_run_deletes_nothing_but_reports(tmp_path: Path) -> None:
    ad1 = genuine(tmp_path / "._one")
    ad2 = genuine(tmp_path / "sub" / "._two", size=100)
    notes = tmp_path / "._notes"
    notes.write_text("mine")

    dry = clean([tmp_path], dry_run=True)

    assert ad1.exists() and ad2.exists() and notes.exists()
    assert dry.dry_run is True
    assert dry.removed == tuple(sorted([ad1.resolve(), ad2.resolve()]))
    assert dry.kept == (notes.resolve(),)
    assert dry.bytes_removed == 4196

    real = clean([tmp_path])
    assert dataclasses.replace(dry, dry_run=False) == real
    assert not ad1.exists() and not ad2.exists() and notes.exists()


def test_git_directory_is_skipped_but_node_modules_is_not(tmp_path: Path) -> None:
    in_git = genuine(tmp_path / ".git" / "objects" / "._pack")
    in_nm = genuine(tmp_path / "node_modules" / "pkg" / "._index.js")

    report = clean([tmp_path])

    assert in_git.exists()
    assert not in_nm.exists()
    assert report.removed == (in_nm.resolve(),)


def test_exclude_skips_directories_and_files(tmp_path: Path) -> None:
    in_vendor = genuine(tmp_path / "vendor" / "deep" / "._x")
    skipped_file = genuine(tmp_path / "src" / "._skip")
    removed = genuine(tmp_path / "src" / "._remove")
    asked: list[Path] = []

    def exclude(path: Path) -> bool:
        asked.append(path)
        return path.name in {"vendor", "._skip"}

    report = clean([tmp_path], exclude=exclude)

    assert report.removed == (removed.resolve(),)
    assert in_vendor.exists() and skipped_file.exists()
    assert (tmp_path / "vendor").resolve() in asked
    assert (tmp_path / "vendor" / "deep").resolve() not in asked  # never entered


# --- clean: symlinks, roots ------------------------------------------------------------------


@needs_symlinks
def test_symlink_named_dot_underscore_is_not_touched(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    target = genuine(outside / "._target")
    root = tmp_path / "root"
    root.mkdir()
    link = root / "._x"
    link.symlink_to(target)

    report = clean([root])

    assert link.is_symlink()
    assert target.exists() and is_genuine_appledouble(target)
    assert report.removed == ()
    assert report.kept == ()
    assert report.errors == ()


@needs_symlinks
def test_symlinked_directory_outside_root_is_not_entered(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    victim = genuine(outside / "._victim")
    root = tmp_path / "root"
    root.mkdir()
    (root / "linked").symlink_to(outside, target_is_directory=True)
    inside = genuine(root / "._inside")

    report = clean([root])

    assert victim.exists()
    assert not inside.exists()
    assert report.removed == (inside.resolve(),)


@needs_symlinks
@pytest.mark.timeout(10)
def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "root"
    sub = root / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "up").symlink_to(root, target_is_directory=True)
    (sub / "self").symlink_to(sub / "self")
    (root / "._loop").symlink_to(root / "._loop")
    (root / "ping").symlink_to(root / "pong")
    (root / "pong").symlink_to(root / "ping")
    ad = genuine(sub / "._real")

    report = clean([root, root / "._loop", root / "ping"])  # loop roots: skipped or reported

    assert report.removed == (ad.resolve(),)
    assert not ad.exists()
    assert all(p.is_symlink() for p in (sub / "up", sub / "self", root / "._loop", root / "ping"))


@needs_symlinks
def test_root_that_is_a_symlink_is_resolved_once(tmp_path: Path) -> None:
    real = tmp_path / "real"
    ad = genuine(real / "._x")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)

    report = clean([link, real])

    assert report.removed == (ad.resolve(),)
    assert not ad.exists()


def test_nested_and_duplicate_roots_count_once(tmp_path: Path) -> None:
    a = genuine(tmp_path / "._a", size=100)
    b = genuine(tmp_path / "sub" / "._b", size=200)
    c = genuine(tmp_path / "sub" / "deep" / "._c", size=300)
    notes = tmp_path / "sub" / "._notes"
    notes.write_text("keep me")
    roots = [
        tmp_path / "sub",
        tmp_path,
        tmp_path,
        tmp_path / "sub" / "deep",
        tmp_path / "sub" / ".." / "sub",
        c,
        notes,
    ]

    report = clean(roots, dry_run=True)

    assert report.removed == tuple(sorted(p.resolve() for p in (a, b, c)))
    assert report.kept == (notes.resolve(),)
    assert report.bytes_removed == 600


def test_missing_root_skipped_silently(tmp_path: Path) -> None:
    ad = genuine(tmp_path / "there" / "._x")
    report = clean([tmp_path / "missing", tmp_path / "there"])
    assert report.removed == (ad.resolve(),)
    assert report.errors == ()


def test_single_file_roots(tmp_path: Path) -> None:
    ad = genuine(tmp_path / "._one")
    other = genuine(tmp_path / "._other")
    not_named = genuine(tmp_path / "plain")
    notes = tmp_path / "._notes"
    notes.write_text("mine")

    report = clean([ad, not_named, notes])

    assert report.removed == (ad.resolve(),)
    assert report.kept == (notes.resolve(),)
    assert other.exists() and not_named.exists() and not ad.exists()


def test_roots_accept_any_iterable_and_empty(tmp_path: Path) -> None:
    genuine(tmp_path / "._x")
    assert clean([]) == CleanReport(removed=(), kept=(), errors=(), bytes_removed=0, dry_run=False)
    assert len(clean(p for p in [tmp_path]).removed) == 1


# --- clean: errors and odd names --------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_file_reported_in_errors(tmp_path: Path) -> None:
    ad = genuine(tmp_path / "._locked")
    ad.chmod(0)
    try:
        report = clean([tmp_path])  # must not raise, whoever runs it
        if IS_ROOT:
            pytest.skip("running as root: chmod 000 does not stop root from reading the file")
        assert report.errors and report.errors[0][0] == ad.resolve()
        assert isinstance(report.errors[0][1], str) and report.errors[0][1]
        assert report.removed == ()
        assert report.kept == ()
        assert ad.exists()  # unverifiable: never deleted
    finally:
        if ad.exists():
            ad.chmod(0o644)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_directory_reported_in_errors(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    inner = genuine(locked / "._x")
    outer = genuine(tmp_path / "._y")
    locked.chmod(0)
    try:
        report = clean([tmp_path])
        assert outer.resolve() in report.removed
        if IS_ROOT:
            pytest.skip("running as root: chmod 000 does not stop root from listing the directory")
        assert report.errors == ((locked.resolve(), report.errors[0][1]),)
        assert report.removed == (outer.resolve(),)
    finally:
        locked.chmod(0o755)
    assert inner.exists() or IS_ROOT


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unlink_failure_reported_in_errors(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ad = genuine(ro / "._x")
    ro.chmod(0o555)
    try:
        report = clean([tmp_path])
        if IS_ROOT:
            pytest.skip("running as root: a read-only directory does not stop root from deleting")
        assert report.removed == ()
        assert [p for p, _ in report.errors] == [ad.resolve()]
        assert report.bytes_removed == 0
        assert ad.exists()
    finally:
        ro.chmod(0o755)


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="filesystem rejects non-UTF-8 names")
def test_non_utf8_names_handled(tmp_path: Path) -> None:
    base = os.fsencode(tmp_path)
    bad_dir = os.path.join(base, b"dir\xfe")
    os.mkdir(bad_dir)
    genuine_bad = os.path.join(bad_dir, b"._\xff")
    write_appledouble(genuine_bad)
    kept_bad = os.path.join(base, b"._\xff\xfe")
    with open(kept_bad, "wb") as f:
        f.write(b"user data, not metadata")

    report = clean([tmp_path])

    assert not os.path.lexists(genuine_bad)
    assert os.path.exists(kept_bad)
    assert [os.fsencode(p) for p in report.removed] == [os.fsencode(tmp_path.resolve()) + b"/dir\xfe/._\xff"]
    assert [os.fsencode(p) for p in report.kept] == [os.fsencode(tmp_path.resolve()) + b"/._\xff\xfe"]
    assert report.errors == ()
    assert is_genuine_appledouble(Path(os.fsdecode(kept_bad))) is False


# --- report and formatting --------------------------------------------------------------------


def test_report_is_frozen() -> None:
    report = CleanReport(removed=(), kept=(), errors=(), bytes_removed=0, dry_run=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.bytes_removed = 1  # type: ignore[misc]
    assert report.ok


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (4096, "4.1 kB"),
        (999_949, "999.9 kB"),
        (999_950, "1.0 MB"),
        (3_200_000, "3.2 MB"),
        (5 * 10**9, "5.0 GB"),
        (7 * 10**12, "7.0 TB"),
        (10**21, "1000.0 EB"),
        (-4096, "-4.1 kB"),
    ],
)
def test_format_bytes(n: int, expected: str) -> None:
    assert format_bytes(n) == expected
