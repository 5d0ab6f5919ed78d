"""Rails in development: `rails server`, puma serving a Rails app, and Sidekiq.

Rails reloads changed application code (its autoload paths under app/, routes, locales) on the next
request when reloading is on: by default in development, turned off by `config.enable_reloading =
false` (Rails 7.1+) or `config.cache_classes = true` in config/environments/development.rb. Its
environment is RAILS_ENV, else RACK_ENV, else development. Puma itself never reloads: it does so
only as the server of a Rails app in development. Sidekiq wraps each job in the Rails reloader from
Sidekiq 5 on Rails 5 (lib/sidekiq/rails.rb: `Sidekiq::Rails::Reloader`, used unless cache_classes),
so it reloads between jobs only then; elsewhere (plain Ruby, older versions) it does not.

What their command lines say they write: `rails server -P/--pid`, puma's `--pidfile`, `-S/--state`
and `--redirect-stdout/--redirect-stderr` (relative to its `--dir`), Sidekiq's `-L/--logfile` and
`-P/--pidfile`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from devloop.inference.unwrap import option_values, positionals
from devloop.inference.verdict import Handler, ReloadVerdict, Writes, Written, no, unknown, written

RELOADED = ("app", "config/routes.rb", "config/locales")  # what the Rails reloader watches
DEVELOPMENT_RB = "config/environments/development.rb"
_ENV_KEYS = ("RAILS_ENV", "RACK_ENV")
_SETTING = re.compile(r"^\s*config\.(enable_reloading|cache_classes)\s*=\s*(true|false)\b", re.MULTILINE)
_LOCKED = re.compile(r"^    (sidekiq|railties) \((\d+)[^)]*\)", re.MULTILINE)


def rails_env(args: Sequence[str], env: Mapping[str, str], option: bool = True) -> tuple[str, str | None]:
    """(environment, what set it: `-e`, a variable name, or None for the default)."""
    given = option_values(list(args), "-e", "--environment") if option else ()
    if given:
        return given[-1], "-e"
    key = next((k for k in _ENV_KEYS if env.get(k)), None)
    return (env[key], key) if key else ("development", None)


def _in(environment: str, source: str | None) -> str:
    """` with RAILS_ENV=production`, ` -e production`, or nothing for the default."""
    if source is None:
        return ""
    return f" -e {environment}" if source == "-e" else f" with {source}={environment}"


def _rails(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    sub = next((args[i] for i in positionals(args, ["-e", "--environment", "-p", "--port", "-b"])), "")
    if sub not in ("s", "server"):
        return unknown([name, *args[:1]])
    environment, source = rails_env(args, env)
    shown = _in(environment, source)
    if environment != "development":
        return no("rails server", f"runs `rails server`{shown}: Rails reloads code only in development")
    reason = f"runs `rails server` in development{shown}, where Rails reloads changed code"
    key = source if source in _ENV_KEYS else None
    return ReloadVerdict(True, "rails server", reason, RELOADED, watches_cwd=True, env_key=key)


def _puma(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    environment, source = rails_env(args, env)
    if environment != "development":
        return no("puma", f"runs `puma`{_in(environment, source)}, which does not reload")
    reason = f"runs `puma` in development: it reloads only a Rails app, and devloop found no {DEVELOPMENT_RB}"
    return ReloadVerdict(None, "puma", reason)


def _sidekiq(name: str, args: list[str], env: Mapping[str, str]) -> ReloadVerdict:
    return no("sidekiq", "runs `sidekiq`, which reloads code only in a Rails app in development")


def config_files(program: str, args: Sequence[str], env: Mapping[str, str]) -> tuple[str, ...]:
    """What decides whether a Rails process reloads: development.rb, and Gemfile.lock for Sidekiq."""
    if program not in ("rails server", "puma", "sidekiq") or rails_env(args, env)[0] != "development":
        return ()
    return (DEVELOPMENT_RB, "Gemfile.lock") if program == "sidekiq" else (DEVELOPMENT_RB,)


Read = tuple[str, str] | None  # (text, how to cite it), None when devloop could not read it


def settle(verdict: ReloadVerdict, development: Read, lock: Read) -> tuple[ReloadVerdict, str]:
    """The verdict once development.rb and Gemfile.lock are read, and the `file:line` that decided
    it (empty: none did)."""
    if development is None:
        return verdict, ""
    text, where = development
    settings = list(_SETTING.finditer(text))
    last = settings[-1] if settings else None
    line = text.count("\n", 0, last.start()) + 1 if last else 0
    cited = f"{where}:{line}" if line else where
    program = verdict.program or ""
    if last is not None and (last.group(1) == "cache_classes") == (last.group(2) == "true"):
        setting = f"config.{last.group(1)} = {last.group(2)}"
        return no(program, f"`{setting}` turns Rails code reloading off for `{program.split()[0]}`"), cited
    if program == "puma":
        reason = "runs `puma` in development on a Rails app, where Rails reloads changed code"
        return replace(verdict, reloads=True, reason=reason, reload_dirs=RELOADED, watches_cwd=True), cited
    if program != "sidekiq":
        return verdict, cited
    return _sidekiq_settled(lock), cited


def _sidekiq_settled(lock: Read) -> ReloadVerdict:
    """Sidekiq on Rails in development: it reloads between jobs from Sidekiq 5 on Rails 5."""
    versions = {m.group(1): int(m.group(2)) for m in _LOCKED.finditer(lock[0])} if lock else {}
    sidekiq, rails = versions.get("sidekiq"), versions.get("railties")
    since = "only from Sidekiq 5 on Rails 5"
    if lock is None or sidekiq is None or rails is None:
        why = "devloop cannot read Gemfile.lock" if lock is None else f"{lock[1]} does not lock both"
        return no("sidekiq", f"runs `sidekiq`, which reloads a Rails app's code between jobs {since}; {why}")
    if sidekiq < 5 or rails < 5:
        found = f"Sidekiq {sidekiq} on Rails {rails} ({lock[1]})"
        return no("sidekiq", f"runs {found}, which does not reload code: it does so {since}")
    found = f"Sidekiq {sidekiq} on Rails {rails} ({lock[1]})"
    reason = f"runs {found} in development: it reloads changed code before each job"
    return ReloadVerdict(True, "sidekiq", reason, RELOADED, watches_cwd=True)


HANDLERS: dict[str, Handler] = {"rails": _rails, "puma": _puma, "sidekiq": _sidekiq}


_PUMA = {
    "--pidfile": False,
    "-S": False,
    "--state": False,
    "--redirect-stdout": False,
    "--redirect-stderr": False,
}


def _puma_writes(args: list[str]) -> list[Written]:
    return written(args, _PUMA, (option_values(args, "--dir") or ("",))[-1])


WRITES: dict[str, Writes] = {
    "rails": lambda args: (
        written(args, {"-P": False, "--pid": False}) if args[:1] in (["s"], ["server"]) else []
    ),
    "puma": _puma_writes,
    "sidekiq": lambda args: written(args, {"-L": False, "--logfile": False, "-P": False, "--pidfile": False}),
}
