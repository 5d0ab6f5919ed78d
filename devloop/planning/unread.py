"""Files a running service does not read: documentation, version-control, CI and editor settings,
tests (for a process that is not a test runner), folders some programs never read (a Ruby job
worker's front-end asset sources), and the shell start scripts other services run as their command
(baked into its image or under its binds, but never run by its own). An edit of one needs no
restart, and no rebuild of an image that only carries it (planning/baked.py: when the build or
a static server may still read it). Pure.

Never for a file the process is known to read: start scripts and configs are decided before this
rule, a program that reads such files (a docs server, a test runner) turns its kind off, and a
folder the command names (`celery -A tests.app`, `mkdocs serve -f docs/mkdocs.yml`) is read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from devloop.inference.programs.servers import FILE_SERVERS

# kind -> (folder names, file-name regex, programs that do read them)
_KINDS: dict[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "documentation": (
        frozenset({"docs", "doc"}),
        r"^(readme|license|licence|changelog|changes|contributing|authors|notice|copying|"
        r"code_of_conduct|security)([.-].*)?$|\.(md|markdown|rst|adoc)$",
        frozenset(
            {
                "mkdocs",
                "sphinx-build",
                "sphinx-autobuild",
                "docusaurus",
                "hugo",
                "jekyll",
                "vitepress",
                "mdbook",
                "docsify",
                "grip",
                "zola",
                "eleventy",
                "retype",
            }
        ),
    ),  # fmt: skip
    "version control, CI or editor settings": (
        frozenset({".github", ".gitlab", ".circleci", ".vscode", ".idea", ".devcontainer", ".husky"}),
        r"^(\.gitlab-ci\.ya?ml|\.gitignore|\.gitattributes|\.gitmodules|\.mailmap|\.editorconfig|"
        r"\.pre-commit-config\.ya?ml|\.travis\.ya?ml|codeowners|jenkinsfile)$",
        frozenset(),
    ),
    "tests": (
        frozenset({"tests", "test", "__tests__", "spec", "specs"}),
        r"$^",  # by folder only: a test file beside the code may be imported by it
        frozenset(
            {
                "pytest",
                "py.test",
                "unittest",
                "nose2",
                "tox",
                "nox",
                "jest",
                "vitest",
                "mocha",
                "ava",
                "tap",
                "rspec",
                "minitest",
                "phpunit",
                "karma",
                "cypress",
                "playwright",
                "test",
            }
        ),
    ),  # fmt: skip
}

# kind -> (folders, as runs of folder names at any depth, programs that do not read them)
_NOT_READ_BY: dict[str, tuple[tuple[tuple[str, ...], ...], re.Pattern[str]]] = {
    # Rails keeps app/assets and app/javascript out of its autoload and eager-load paths (railties'
    # engine/configuration.rb: `exclude: ["assets", javascript_path]`), so a job worker loads no code
    # from there, and what it renders (mailer views) is under app/views. A word of the command's first
    # four names the worker: Sidekiq, GoodJob, delayed_job (`rake jobs:work`), Resque, Solid Queue.
    # A Celery worker gets no such folders: it imports every Django app (one named `frontend` or
    # `assets` is common), and Django's ManifestStaticFilesStorage keeps the manifest it read once
    # from STATIC_ROOT, often `static/`.
    "front-end asset sources": (
        (("app", "assets"), ("app", "javascript")),
        re.compile(
            r"(^|/)(sidekiq|good_job|delayed_job|bin/jobs)$|^(jobs:work|resque:work|solid_queue:start)$"
        ),
    ),
}


@dataclass(frozen=True)
class Unread:
    """The kinds of files one service's process does not read, and the folder names its command
    mentions (those are read, whatever their name). `serves`: the process serves files as they are
    (a static server): what the image holds is what it serves, so a baked file it does not run is
    still read."""

    program: str
    kinds: tuple[str, ...]
    named: frozenset[str] = frozenset()
    # (the program as its command names it, kind, a run of folder names it does not read)
    folders: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # the shell start scripts of other services (host path -> who runs them) it does not run
    scripts: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    serves: bool = False

    def script_reason(self, text: str) -> str | None:
        """Why the process never reads this host file: it is another service's start script."""
        runners = self.scripts.get(text)
        if not runners:
            return None
        return f"it is the start script of {' and '.join(runners)}; this service runs {self.program}, not it"

    def folder_reason(self, relative_folder: str) -> str | None:
        """Why no file under this folder (relative to a bind source, "." for the source) is read."""
        found = self._folder_kind(relative_folder)
        return f"{found[0]} does not read {found[1]} (it is under {found[2]}/)" if found else None

    def name_reason(self, name: str) -> str | None:
        """Why no process reads a file of this name, whatever its folder."""
        kind = self._name_kind(name)
        return f"{self.program} does not read {kind}" if kind else None

    def reason(self, relative: str) -> str | None:
        folder, _, name = relative.rpartition(os.sep)
        return self.folder_reason(folder) or self.name_reason(name)

    def kind(self, relative: str) -> tuple[str, str] | None:
        """The kind of a file it does not read, with the folder or file name that says so."""
        folder, _, name = relative.rpartition(os.sep)
        found = self._folder_kind(folder)
        if found is not None:
            return found[1], found[2].rpartition("/")[2].lower()
        kind = self._name_kind(name)
        return (kind, name.lower()) if kind else None

    def _folder_kind(self, relative_folder: str) -> tuple[str, str, str] | None:
        """(who does not read it, the kind, the folder as shown) for a folder it does not read."""
        if relative_folder in (".", ""):
            return None
        parts = relative_folder.split(os.sep)
        lowered = [part.lower() for part in parts]
        for i, part in enumerate(parts):
            lower = lowered[i]
            if lower in self.named:
                return None
            for kind in self.kinds:
                if lower in _KINDS[kind][0]:
                    return self.program, kind, part
            for who, kind, run in self.folders:
                if i + 1 >= len(run) and tuple(lowered[i + 1 - len(run) : i + 1]) == run:
                    return f"`{who}`", kind, "/".join(run)
        return None

    def _name_kind(self, name: str) -> str | None:
        lower = name.lower()
        return next((kind for kind in self.kinds if _NAMES[kind](lower)), None)


_NAMES = {kind: re.compile(regex).search for kind, (_, regex, _) in _KINDS.items()}
_WORD = re.compile(r"[A-Za-z0-9_.-]+")
# build steps that may bundle Markdown into what an image serves: a JavaScript build
_BUNDLERS = frozenset({"npm", "npx", "yarn", "pnpm", "bun", "bunx", "webpack", "vite", "next", "astro",
                       "gatsby", "nuxt", "nuxi", "parcel", "esbuild", "rollup"})  # fmt: skip
_INSTALLS = frozenset({"install", "i", "ci", "add"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def build_reads(command: str, kind: str) -> bool:
    """Whether a build step (a Dockerfile RUN's shell command) may read files of this kind into what
    the image holds: one of its commands runs a program that reads them (a docs builder, a test
    runner), or, for documentation, a JavaScript build (not an install), which may bundle Markdown;
    any step for front-end asset sources (a precompile may make what the process reads of them)."""
    if kind not in _KINDS:
        return True
    for part in re.split(r"&&|\|\||[;|()]", command):
        words = [os.path.basename(w).lower() for w in part.split() if not _ASSIGNMENT.match(w)]
        if set(words[:4]) & _KINDS[kind][2]:
            return True
        if kind == "documentation" and words and words[0] in _BUNDLERS:
            if len(words) > 1 and words[1] not in _INSTALLS and not words[1].startswith("-"):
                return True
    return False


def unread_for(
    argv: Iterable[str], program: str | None = None, scripts: Mapping[str, tuple[str, ...]] | None = None
) -> Unread | None:
    """What the process running `argv` does not read; None when it may read all of it (it is a
    docs server and a test runner, or nothing is known of what it runs). `scripts`: the other
    services' start scripts it does not run (see other_scripts)."""
    argv = tuple(argv)
    if not argv:
        return None
    programs = {os.path.basename(token).lower() for token in argv[:4]}
    words = {w.lower() for token in argv for part in re.split(r"[/.:=]", token) for w in _WORD.findall(part)}
    kinds = tuple(kind for kind, (_, _, readers) in _KINDS.items() if not programs & readers)
    folders: list[tuple[str, str, tuple[str, ...]]] = []
    for kind, (runs, workers) in _NOT_READ_BY.items():
        who = next((token for token in argv[:4] if workers.search(token)), None)
        folders += [(who, kind, run) for run in runs] if who is not None else []
    if not kinds and not folders and not scripts:
        return None
    named = frozenset(w for w in words if any(w in _KINDS[k][0] for k in _KINDS))
    shown = f"`{os.path.basename(program or argv[0])}`"
    return Unread(shown, kinds, named, tuple(folders), scripts or {}, bool(programs & FILE_SERVERS))


def other_scripts(
    runs: Mapping[str, tuple[str, ...]], names: Mapping[str, Iterable[str]], service: str, read: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """The shell start scripts other services run (`runs`: host path -> those services) that this
    service's process never reads: not its own, and named (`names`: the script's file names, on the
    host and in the containers) in none of the files it read to follow its command (`read`), where
    it might call one before its program."""
    texts = list(read)
    return {
        path: who
        for path, who in runs.items()
        if service not in who
        and not any(_mentions(text, name) for name in names.get(path, ()) for text in texts)
    }


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None
