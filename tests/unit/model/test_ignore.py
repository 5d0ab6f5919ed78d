"""ignore: paths that never matter, and .dockerignore matching as BuildKit does it."""

from __future__ import annotations

import pytest
from docker.utils.build import PatternMatcher
from hypothesis import given, settings
from hypothesis import strategies as st

from devloop.model.ignore import IgnoreRules, maybe_noise_name, noise_reason


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/p/app/._main.py", "a macOS AppleDouble file"),
        ("/p/.DS_Store", "a macOS Finder file"),
        ("/p/app/main.pyc", "compiled Python"),
        ("/p/.git/index", "inside .git/"),
        ("/p/app/__pycache__/x.py", "inside __pycache__/"),
        ("/p/.git", ".git/ itself"),
        ("/p/app/.main.py.swp", "an editor temp file"),
        ("/p/app/.main.py.swx", "an editor temp file"),
        ("/p/app/4913", "an editor temp file"),
        ("/p/app/main.py~", "an editor temp file"),
        ("/p/app/.#main.py", "an editor temp file"),
        ("/p/app/#main.py#", "an editor temp file"),
        ("/p/app/main.py___jb_tmp___", "an editor temp file"),
        ("/p/app/.~lock.sheet.ods#", "an editor temp file"),
        ("/p/app/.goutputstream-X1Y2", "an editor temp file"),
        ("/p/app/main.py.kate-swp", "an editor temp file"),
    ],
)
def test_noise(path: str, reason: str) -> None:
    assert noise_reason(path) == reason


@pytest.mark.parametrize(
    "path",
    ["/p/app/main.py", "/p/a~b.py", "/p/.github/workflows/ci.yml", "/p/.env", "/p/app/swp.py", "/p/_x.py"],
)
def test_not_noise(path: str) -> None:
    assert noise_reason(path) is None


def test_negations_and_parent_folders() -> None:
    rules = IgnoreRules(["*", "!src", "src/**/*.md", "!src/KEEP.md", "**/node_modules", "!.env.example"])
    assert rules.excludes("README.md")
    assert not rules.excludes("src/app.py")
    assert rules.excludes("src/docs/guide.md")
    assert not rules.excludes("src/KEEP.md")
    assert rules.excludes("node_modules/x/index.js")  # BuildKit checks every parent folder
    assert rules.excludes("src/web/node_modules/left-pad/index.js")
    assert not rules.excludes(".env.example")
    assert not rules.excludes(".dockerignore")  # the builder always reads it
    assert rules


def test_no_rules_exclude_nothing() -> None:
    rules = IgnoreRules(())
    assert not rules
    assert not rules.excludes("anything")


def test_a_folder_pattern_excludes_what_is_under_it() -> None:
    rules = IgnoreRules(["baked", "docs/"])
    assert rules.excludes("baked/main.py")
    assert rules.excludes("docs/a/b.md")
    assert not rules.excludes("app/baked/main.py")  # patterns are anchored at the context root


def buildkit(patterns: list[str], relative: str) -> bool:
    """Reference: BuildKit's MatchesOrParentMatches, pattern by pattern over docker-py's Patterns."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
    matched = False
    for pattern in PatternMatcher(patterns).patterns:
        if pattern.match(relative) or any(pattern.match(prefix) for prefix in prefixes):
            matched = not pattern.exclusion
    return matched


PATTERNS = ["*", "!src", "src/**/*.md", "!src/KEEP.md", "**/node_modules", "docs", "docs/", "!docs/keep",
            "*.py", "a/*/c", "**/*.LOG", "!**/x.log", "b?", "[ab]*", "[!a]*", "../x", "./src/y", "**",
            "!a/**", "a(b)", "x.+y", "!*", "src", "!*/keep", "**/a/**/c", "!a/b"]  # fmt: skip
NAMES = ["src", "docs", "keep", "KEEP.md", "x.log", "y.LOG", "a", "b", "c", "bz", "node_modules", "main.py",
         "a(b)", "x.+y", "xy", ".dockerignore"]  # fmt: skip
relatives = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5).map("/".join)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=8), st.lists(relatives, min_size=1, max_size=8)
)
def test_matching_is_buildkits_over_the_sdk_patterns(patterns: list[str], paths: list[str]) -> None:
    rules = IgnoreRules(patterns)
    for relative in paths:
        assert rules.excludes(relative) == buildkit(patterns, relative), relative


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=8), st.lists(st.sampled_from(NAMES), max_size=3)
)
def test_a_folder_excluded_as_a_whole_excludes_each_of_its_files(
    patterns: list[str], parts: list[str]
) -> None:
    folder = "/".join(parts)
    if IgnoreRules(patterns).excludes_all_in(folder):
        for name in [*NAMES, "other.txt"]:
            assert buildkit(patterns, f"{folder}/{name}" if folder else name), name


def test_a_folder_with_a_later_negation_is_not_excluded_as_a_whole() -> None:
    assert IgnoreRules(["docs"]).excludes_all_in("docs")
    assert IgnoreRules(["docs"]).excludes_all_in("docs/api")
    assert not IgnoreRules(["docs", "!docs/keep.md"]).excludes_all_in("docs")
    assert IgnoreRules(["docs", "!docs/keep.md"]).excludes_all_in("docs/api")
    assert not IgnoreRules(["docs", "!**/keep.md"]).excludes_all_in("docs/api")
    assert not IgnoreRules(["*"]).excludes_all_in("")  # the .dockerignore itself is always sent
    assert not IgnoreRules(["docs/*.md"]).excludes_all_in("docs")


@pytest.mark.parametrize(
    "name",
    ["._main.py", ".DS_Store", "m.pyc", "m.pyo", ".m.py.swp", ".m.py.swx", "4913", "m.py~", ".#m.py",
     "#m.py#", "m.py___jb_tmp___", "m.py___jb_old___", ".~lock.a.ods#", "a.tmp.123", "a.crdownload",
     ".goutputstream-1A", "m.kate-swp", ".git", "__pycache__", ".idea"],
)  # fmt: skip
def test_every_noise_name_passes_the_quick_test(name: str) -> None:
    assert maybe_noise_name(name)
    assert noise_reason(f"/p/{name}") is not None


@pytest.mark.parametrize(
    "name", ["main.py", "index.js", "README.md", "app.tsx", "Dockerfile", "go.mod", "pyc"]
)
def test_plain_names_are_not_noise(name: str) -> None:
    assert not maybe_noise_name(name)
    assert noise_reason(f"/p/{name}") is None


def test_a_file_named_back_in_by_a_negation() -> None:
    rules = IgnoreRules(["docs", "*.md", "!CHANGELOG.md", "!docs/keep.md"])
    assert rules.named_back("CHANGELOG.md") == "!CHANGELOG.md"
    assert rules.named_back("README.md") is None  # excluded
    assert rules.named_back("app/main.py") is None  # kept, but no pattern names it back
    allow = IgnoreRules(["*", "!src", "!pyproject.toml"])
    assert allow.named_back("src/README.md") is None  # kept by its folder, not by its name
    assert allow.named_back("pyproject.toml") == "!pyproject.toml"
