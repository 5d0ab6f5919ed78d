"""Tools that rebuild and restart (or hot-reload) the program they run when a file they watch changes,
beyond Python's and node's: what each watches by default, from its documentation.

- `cargo watch` (cargo-watch): runs its `-x`/`-s` commands again on a change, restarting one still
  running unless `--no-restart`; watches the workspace (its working directory) or `-w` paths, minus
  target/, .git/ and `-i` patterns.
- `watchexec`: watches its working directory (or `-w`/`-W` paths), `-e` extensions, `-f` globs, `-i`
  ignores; it restarts a command still running only with `-r`/`--restart` (`--on-busy-update
  restart`): without it a server never sees a change, so that is no reload.
- `dotnet watch [run]`: hot-reloads or restarts the app on changes to the project's Compile and
  EmbeddedResource items (`*.cs`, `*.resx`), its project files and Razor files.
- `bun --watch` / `--hot` (restart / soft reload) and `deno run --watch` (`deno watch`, `deno serve
  --watch`, `--watch-hmr`): both follow the files the entry module imports, so what they watch is
  source code: JavaScript, TypeScript, JSON; `--watch=PATHS` adds paths (then devloop counts every file).
- `streamlit run SCRIPT`: its LocalSourcesWatcher reruns the app when the script or a module imported
  from the script's folder changes (`*.py` there), unless `--server.fileWatcherType none`.
- `reflex run` (the Python framework; dev by default, `--env prod` does not reload): its backend runs
  uvicorn with reload on the app's Python modules (not rxconfig.py, read at start).
- `CompileDaemon`: rebuilds and restarts `-command` on changes in `-directory` (default .) to files
  matching `-pattern` (default `(.+\\.go|.+\\.c)$`), minus `-exclude-dir` (.git).
- `gow run`: reruns the go command on changes to `-e` extensions (default go,mod) in its directory.
- `mix phx.server` (also `iex -S mix phx.server`): Phoenix's code reloader recompiles lib/ (and priv/)
  on the next request when MIX_ENV is dev (the default; the generated config/dev.exs sets
  `code_reloader: true`); config/ and mix.exs are read at start."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Handler, ReloadVerdict, no, unknown

_JS = ("*.js", "*.mjs", "*.cjs", "*.jsx", "*.ts", "*.mts", "*.cts", "*.tsx", "*.json")


def _restarts(program: str, **scope: object) -> ReloadVerdict:
    return ReloadVerdict(True, program, f"runs `{program}`, which restarts on changes", **scope)  # type: ignore[arg-type]


def _listed(values: tuple[str, ...]) -> tuple[str, ...]:
    """`-e js,ts -e go` -> `*.js`, `*.ts`, `*.go`."""
    return tuple(f"*.{e.strip().lstrip('.')}" for v in values for e in v.split(",") if e.strip())


def _cargo(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    if name == "cargo-watch" or args[:1] == ["watch"]:  # `cargo watch` runs `cargo-watch watch ...`
        rest = args[1:] if args[:1] == ["watch"] else args
        if "--no-restart" in rest:
            return no(
                "cargo watch", "runs `cargo watch --no-restart`: a command still running is not restarted"
            )
        ignored = ("target", ".git", *option_values(rest, "-i", "--ignore"))
        return _restarts("cargo watch", reload_dirs=option_values(rest, "-w", "--watch"), exclude=ignored,
                         watches_cwd=True)  # fmt: skip
    sub = next((args[i] for i in positionals(args)), "")
    return no(f"cargo {sub}") if sub == "run" else unknown([name, *args[:1]])


def _watchexec(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    busy = option_values(args, "-o", "--on-busy-update")
    if not ("-r" in args or "--restart" in args or busy[-1:] == ("restart",)):
        return no(name, "runs `watchexec` without `-r`: a command still running does not see a change")
    dirs = option_values(args, "-w", "--watch", "-W", "--watch-non-recursive")
    include = _listed(option_values(args, "-e", "--exts")) + option_values(args, "-f", "--filter")
    return _restarts("watchexec -r", reload_dirs=dirs, include=include,
                     exclude=option_values(args, "-i", "--ignore"), watches_cwd=True)  # fmt: skip


_DOTNET = ("*.cs", "*.fs", "*.vb", "*.resx", "*.razor", "*.cshtml", "*.csproj", "*.fsproj", "*.vbproj",
           "*.props", "*.targets")  # fmt: skip


def _dotnet(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = args[0] if args else ""
    if sub == "watch":
        reason = "runs `dotnet watch`, which hot-reloads or restarts the app on changes"
        return ReloadVerdict(True, "dotnet watch", reason, include=_DOTNET, watches_cwd=True)
    if sub == "run" or sub.endswith(".dll"):
        return no(f"dotnet {sub}")
    return unknown([name, *args[:1]])


_SOURCE = re.compile(r".*\.[cm]?[jt]sx?$")


_BUN_VALUES = "--env-file --cwd --config -c --preload -r --port".split()


def _bun(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    found = positionals(args, _BUN_VALUES)
    at = found[1] if len(found) > 1 and args[found[0]] == "run" else found[0] if found else len(args)
    target = args[at] if at < len(args) else ""
    flag = next((f for f in ("--hot", "--watch") if f in args[:at]), None)
    if flag is not None:
        how = "soft-reloads" if flag == "--hot" else "restarts"
        reason = f"runs `bun {flag}`, which {how} when a file it imports changes"
        return ReloadVerdict(True, f"bun {flag}", reason, include=_JS)
    if "/" in target or _SOURCE.fullmatch(target):  # a file, not a package.json script
        return no(f"bun {target}")
    return unknown([name, *args[:2]])


def _deno(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = args[0] if args else ""
    if sub not in ("run", "serve", "watch"):
        return unknown([name, *args[:1]])
    flags = [a for a in args if a.split("=")[0] in ("--watch", "--watch-hmr")]
    if sub != "watch" and not flags:
        return no(f"deno {sub}", f"runs `deno {sub}` without `--watch`, which does not reload")
    extra = any("=" in a for a in flags)
    reason = f"runs `deno {sub}{' --watch' if flags else ''}`, which restarts when a file it imports changes"
    excluded = tuple(p for v in option_values(args, "--watch-exclude") for p in v.split(","))
    return ReloadVerdict(True, f"deno {sub}", reason, include=() if extra else _JS, exclude=excluded)


def _streamlit(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    found = [args[i] for i in positionals(args, ["--server.fileWatcherType", "--server.port"])]
    if found[:1] != ["run"] or len(found) < 2:
        return unknown([name, *found[:1]])
    watcher = option_values(args, "--server.fileWatcherType") or (
        env.get("STREAMLIT_SERVER_FILE_WATCHER_TYPE", ""),
    )
    if watcher[-1] == "none":
        return no("streamlit run", "runs `streamlit run` with its file watcher off (`fileWatcherType none`)")
    folder = posixpath.dirname(found[1]) or "."
    reason = "runs `streamlit run`, which reruns the app when its script or a module beside it changes"
    return ReloadVerdict(True, "streamlit run", reason, (folder,), ("*.py",), watches_cwd=True)


def _reflex(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    found = [args[i] for i in positionals(args, ["--env", "--loglevel", "--frontend-port", "--backend-port"])]
    if found[:1] != ["run"]:
        return unknown([name, *args[:1]])
    if (option_values(args, "--env") or ("dev",))[-1] == "prod":
        return no("reflex run", "runs `reflex run --env prod`, which does not reload")
    reason = "runs `reflex run` in dev mode, whose backend reloads with uvicorn's reloader"
    return ReloadVerdict(
        True, "reflex run", reason, include=("*.py",), exclude=("rxconfig.py",), watches_cwd=True
    )


_GO_FLAG = re.compile(r"\\\.(\w+)")


def _compile_daemon(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    pattern = (option_values(args, "-pattern", "--pattern") or (r"(.+\.go|.+\.c)$",))[-1]
    extensions = _GO_FLAG.findall(pattern)
    if not extensions:
        return unknown([name, "-pattern", pattern])
    recursive = (option_values(args, "-recursive", "--recursive") or ("true",))[-1] != "false"
    return _restarts(name, reload_dirs=option_values(args, "-directory", "--directory"),
                     include=tuple(f"*.{e}" for e in extensions), recursive=recursive, watches_cwd=True,
                     exclude=(".git", *option_values(args, "-exclude-dir", "--exclude-dir")))  # fmt: skip


def _gow(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    found = [args[i] for i in positionals(args, ["-e", "-i", "-w", "-g"])]
    if not found:
        return unknown([name])
    include = _listed(option_values(args, "-e")) or ("*.go", "*.mod")
    return _restarts(f"gow {found[0]}", reload_dirs=option_values(args, "-w"), include=include,
                     exclude=option_values(args, "-i"), watches_cwd=True)  # fmt: skip


def _mix(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    if name in ("iex", "elixir"):  # `iex -S mix phx.server`
        at = args.index("-S") if "-S" in args else -1
        if at < 0 or args[at + 1 : at + 2] != ["mix"]:
            return unknown([name, *args[:2]])
        args = args[at + 2 :]
    task = next((args[i] for i in positionals(args)), "")
    if task != "phx.server":
        return no(f"mix {task}") if task == "run" else unknown(["mix", task] if task else ["mix"])
    environment = env.get("MIX_ENV") or "dev"
    if environment != "dev":
        return no(
            "mix phx.server",
            f"runs `mix phx.server` with MIX_ENV={environment}: Phoenix reloads code only in dev",
        )
    reason = "runs `mix phx.server` in dev, where Phoenix's code reloader recompiles changed code"
    key = "MIX_ENV" if env.get("MIX_ENV") else None
    return ReloadVerdict(True, "mix phx.server", reason, ("lib", "priv"), watches_cwd=True, env_key=key)


HANDLERS: dict[str, Handler] = {
    "cargo": _cargo,
    "cargo-watch": _cargo,
    "watchexec": _watchexec,
    "dotnet": _dotnet,
    "bun": _bun,
    "deno": _deno,
    "streamlit": _streamlit,
    "reflex": _reflex,
    "CompileDaemon": _compile_daemon,
    "gow": _gow,
    "mix": _mix,
    "iex": _mix,
    "elixir": _mix,
}
