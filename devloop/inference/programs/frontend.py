"""Front-end dev servers and asset watchers: processes that rebuild (and serve) their output
themselves when a source changes, so a source edit needs nothing from devloop.

Dev servers: `react-scripts start`, `webpack serve` / `webpack-dev-server`, `ng serve`,
`vue-cli-service serve`, `nuxt dev`, `astro dev`. Watchers: `webpack --watch`, `esbuild --watch`,
`tailwindcss --watch`, `sass --watch`, `tsc --watch`, `postcss --watch`, `ng build --watch`.
Without their dev subcommand or watch flag they build once and exit, which does not reload.

What their command lines say they build into: esbuild `--outdir`/`--outfile`, tailwindcss and postcss
`-o/--output` (postcss `-d/--dir`), sass `SRC:DEST` or `INPUT OUTPUT`, webpack `-o/--output-path`, tsc
`--outDir`/`--outFile`, vite `--outDir`, ng `--output-path`, vue-cli-service `--dest`."""

from __future__ import annotations

from collections.abc import Mapping

from devloop.inference.unwrap import positionals
from devloop.inference.verdict import Handler, ReloadVerdict, Writes, Written, no, unknown, written

_WATCH_FLAGS = ("--watch", "-w")


def _watching(args: list[str], flags: tuple[str, ...] = _WATCH_FLAGS) -> str | None:
    """The watch flag given (`--watch`, `--watch=forever`, `-w`), if any."""
    return next((a for a in args if a in flags or a.split("=")[0] in flags[:1]), None)


def _dev_server(program: str) -> ReloadVerdict:
    reason = f"runs `{program}`, a dev server that rebuilds on changes"
    return ReloadVerdict(True, program, reason, watches_cwd=True)


def _watcher(program: str, flag: str) -> ReloadVerdict:
    return ReloadVerdict(
        True, program, f"runs `{program} {flag}`, which rebuilds its output on changes", watches_cwd=True
    )


def _tool(serve: str, build: str, bare_builds: bool, flags: tuple[str, ...] = _WATCH_FLAGS) -> Handler:
    """A tool whose subcommand decides (`ng serve` vs `ng build`), or its watch flag; `bare_builds`:
    without a subcommand it builds (`webpack`, `tsc`)."""

    def handler(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
        subs = [args[i] for i in positionals(args) if args[i] in (serve + " " + build).split()]
        sub = subs[0] if subs else ""
        program = f"{name} {sub}".strip()
        if sub and sub in serve.split():
            return _dev_server(program)
        flag = _watching(args, flags)
        if flag is not None:
            return _watcher(program, flag)
        if sub in build.split() or (not sub and bare_builds):
            return no(program, f"runs `{program}` without a watch flag: it builds once and exits")
        return unknown([name, *args])

    return handler


def _serve_flag(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    """esbuild: `--watch` rebuilds on changes, `--serve` rebuilds on each request."""
    if any(a == "--serve" or a.startswith("--serve=") for a in args):
        return ReloadVerdict(True, name, f"runs `{name} --serve`, which rebuilds on each request")
    flag = _watching(args, ("--watch",))
    return _watcher(name, flag) if flag else no(name, f"runs `{name}` without `--watch`: it builds once")


def _always(program: str) -> Handler:
    return lambda name, args, env: _dev_server(program)


HANDLERS: dict[str, Handler] = {
    "react-scripts": _tool("start", "build", False),
    "webpack": _tool("serve", "build", True),
    "webpack-cli": _tool("serve", "build", True),
    "webpack-dev-server": _always("webpack-dev-server"),
    "ng": _tool("serve s", "build b", False),
    "vue-cli-service": _tool("serve", "build", False),
    "nuxt": _tool("dev", "build generate start preview", False),
    "nuxi": _tool("dev", "build generate preview", False),
    "astro": _tool("dev", "build preview", False),
    "esbuild": _serve_flag,
    "tailwindcss": _tool("", "", True),
    "sass": _tool("", "", True, ("--watch",)),
    "tsc": _tool("", "", True),
    "postcss": _tool("", "", True),
}


_SASS_VALUES = "-I --load-path -s --style --source-map-urls --pkg-importer".split()


def _sass(args: list[str]) -> list[Written]:
    """`sass [--watch] SRC:DEST ...` (DEST a folder unless it names a .css file), or `sass IN OUT`."""
    found = [args[i] for i in positionals(args, _SASS_VALUES)]
    pairs = [a.partition(":") for a in found if ":" in a]
    if pairs:
        return [Written("SRC:DEST", dest, not dest.endswith(".css")) for _, _, dest in pairs if dest]
    return [Written("OUTPUT", found[1])] if len(found) == 2 else []


def _options(options: dict[str, bool]) -> Writes:
    return lambda args: written(args, options)


_OUTPUT = {"-o": False, "--output": False}
WRITES: dict[str, Writes] = {
    "esbuild": _options({"--outdir": True, "--outfile": False, "--metafile": False}),
    "tailwindcss": _options(_OUTPUT),
    "postcss": _options({**_OUTPUT, "-d": True, "--dir": True}),
    "sass": _sass,
    "webpack": _options({"-o": True, "--output-path": True}),
    "webpack-cli": _options({"-o": True, "--output-path": True}),
    "tsc": _options({"--outDir": True, "--outFile": False, "--out": False}),
    "vite": _options({"--outDir": True}),
    "ng": _options({"--output-path": True}),
    "vue-cli-service": _options({"--dest": True}),
}
