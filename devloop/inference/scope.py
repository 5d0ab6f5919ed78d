"""Which files a reloader watches: its folders (recursively or not), and the include and exclude
patterns it applies (`Path.match` semantics: a relative pattern matches from the right, so `*.py` is any
Python file and `templates/*.html` an HTML file directly in a `templates` folder). Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import translate
from functools import cached_property, lru_cache
from operator import methodcaller
from pathlib import PurePosixPath

from devloop.inference.reloaders import ReloadVerdict

_GLOB = frozenset("*?[")
_ROOT = PurePosixPath("/")


def _name_regex(patterns: Sequence[str]) -> Callable[[str], object] | None:
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns)).match if patterns else None


def _glob_regex(pattern: str) -> str:
    """A path glob as a regex: `*` and `?` within one folder, `**/` any number of folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            char = pattern[i]
            out.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
            i += 1
    return "".join(out)


def _path_test(pattern: str) -> Callable[[PurePosixPath], bool]:
    """A pattern with a folder in it matches the end of the path (`Path.match`), `**` included."""
    regex = re.compile(f"(?:^|/){_glob_regex(pattern.lstrip('./'))}$" if not pattern.startswith("/") else
                       f"^{_glob_regex(pattern)}$")  # fmt: skip
    return lambda path: regex.search(str(path)) is not None


@dataclass(frozen=True)
class Scope:
    roots: tuple[PurePosixPath, ...] = ()  # absolute container folders; empty: wherever the files are
    include: tuple[str, ...] = ()  # empty: every file
    exclude: tuple[str, ...] = ()
    recursive: bool = True
    excluded_dirs: tuple[PurePosixPath, ...] = ()  # exclude entries naming folders (no wildcard)
    _include_name: Callable[[str], object] | None = field(default=None, compare=False, repr=False)
    _include_paths: tuple[Callable[[PurePosixPath], bool], ...] = field(default=(), compare=False, repr=False)
    _exclude_name: Callable[[str], object] | None = field(default=None, compare=False, repr=False)
    _exclude_paths: tuple[Callable[[PurePosixPath], bool], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def build(
        cls,
        roots: Sequence[PurePosixPath],
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        recursive: bool = True,
        cwd: PurePosixPath = _ROOT,
    ) -> Scope:
        names = [p for p in exclude if "/" not in p and set(p) & _GLOB]
        # an absolute path is also a file (a server's config file named on its command line)
        paths = [p for p in exclude if "/" in p and (set(p) & _GLOB or p.startswith("/"))]
        bases = (*roots, cwd) if roots else (cwd,)
        dirs = tuple(dict.fromkeys(b / p.rstrip("/") for p in exclude if not set(p) & _GLOB for b in bases))
        plain = [p for p in exclude if not set(p) & _GLOB and "/" not in p.rstrip("/")]
        return cls(
            tuple(roots), tuple(include), tuple(exclude), recursive, dirs,
            _name_regex([p for p in include if "/" not in p]),
            tuple(_path_test(p) for p in include if "/" in p),
            _name_regex(names + [p.rstrip("/") for p in plain]),
            tuple(_path_test(p) for p in paths),
        )  # fmt: skip

    @cached_property
    def _suffixes(self) -> tuple[str, ...]:
        """The include patterns as name endings, when they are all `*.ext` (else empty)."""
        tails = [
            p[1:] for p in self.include if p.startswith("*.") and not set(p[1:]) & _GLOB and "/" not in p
        ]
        return tuple(tails) if len(tails) == len(self.include) else ()

    @cached_property
    def root_parents(self) -> frozenset[str]:
        """The folders that hold a root (a root may be a file, e.g. gunicorn's --reload-extra-file)."""
        return frozenset(str(r.parent) for r in self.roots)

    @cached_property
    def description(self) -> str:
        return self.describe()

    def describe(self) -> str:
        what = ", ".join(self.include) if self.include else "every file"
        where = ", ".join(str(r) for r in self.roots)
        text = f"{what} in {where}" if where else what
        if not self.recursive:
            text += " (not in subfolders)"
        if self.exclude:
            text += f", except {', '.join(self.exclude)}"
        return text

    @cached_property
    def _root_texts(self) -> tuple[tuple[str, str], ...]:
        return tuple((str(r), str(r).rstrip("/") + "/") for r in self.roots)

    @cached_property
    def _excluded_texts(self) -> tuple[tuple[str, str], ...]:
        return tuple((str(d), str(d).rstrip("/") + "/") for d in self.excluded_dirs)

    def _placed(self, folder: str) -> bool:
        """Files directly in `folder` are in one of the roots, and in no excluded folder."""
        if self._root_texts:
            if self.recursive:
                if not any(folder == r or folder.startswith(inside) for r, inside in self._root_texts):
                    return False
            elif not any(folder == r for r, _ in self._root_texts):
                return False
        return not any(folder == d or folder.startswith(inside) for d, inside in self._excluded_texts)

    def _named(self, path: PurePosixPath, name: str) -> bool:
        if self.include and not (
            (self._include_name is not None and self._include_name(name))
            or any(test(path) for test in self._include_paths)
        ):
            return False
        if self._exclude_name is not None and self._exclude_name(name):
            return False
        return not any(test(path) for test in self._exclude_paths)

    def covers(self, path: PurePosixPath) -> bool:
        return self._placed(str(path.parent)) and self._named(path, path.name)

    def folder(self, folder: PurePosixPath | str) -> bool | Callable[[str], bool]:
        """For the files directly in `folder`: all watched (True), none (False), or a test on the name."""
        if not self._placed(str(folder)):
            return False
        if not self.include and self._exclude_name is None and not self._exclude_paths:
            return True
        if self._include_paths or self._exclude_paths:
            base = PurePosixPath(folder)
            return lambda name: self._named(base / name, name)
        include, exclude = self._include_name, self._exclude_name
        if exclude is None and self._suffixes:
            return methodcaller("endswith", self._suffixes)  # `*.py`, `*.html`: a test in C
        if exclude is None and include is not None:
            return lambda name: include(name) is not None
        return lambda name: (include is None or include(name) is not None) and not (exclude and exclude(name))


def scope_of(verdict: ReloadVerdict, cwd: PurePosixPath | None) -> Scope | None:
    """The files a reloading process watches; None when devloop takes it to see every file."""
    if not verdict.reloads:
        return None
    return _scope(
        verdict.reload_dirs, verdict.include, verdict.exclude, verdict.recursive, verdict.watches_cwd, cwd
    )


@lru_cache(maxsize=1024)
def _scope(
    dirs: tuple[str, ...],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    recursive: bool,
    watches_cwd: bool,
    cwd: PurePosixPath | None,
) -> Scope | None:
    """scope_of(), built once for the many services that run the same reloader the same way."""
    base = cwd or PurePosixPath("/")
    roots = tuple(base / d for d in dirs)
    if not roots and watches_cwd and cwd is not None and str(cwd) != "/":
        roots = (cwd,)
    if not roots and not include and not exclude and recursive:
        return None
    if not roots and not recursive:
        roots = (base,)
    return Scope.build(roots, include, exclude, recursive, base)
