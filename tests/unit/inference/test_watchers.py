"""Tools that restart or hot-reload what they run on changes (cargo watch, watchexec -r, dotnet watch,
bun --watch/--hot, deno --watch, streamlit, reflex, CompileDaemon, gow, Phoenix), and what each
watches by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.inference.reloaders import detect_reload, split_command
from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, covered, make_plan, write


@pytest.mark.parametrize(
    ("command", "reloads", "program"),
    [
        ("cargo watch -x run", True, "cargo watch"),
        ("cargo watch -w src -x 'run --release'", True, "cargo watch"),
        ("cargo-watch watch -x run", True, "cargo watch"),
        ("cargo watch --no-restart -x run", False, "cargo watch"),
        ("cargo run --release", False, "cargo run"),
        ("cargo build", None, "cargo"),
        ("watchexec -r -e py -- python app.py", True, "watchexec -r"),
        ("watchexec --restart --exts go go run .", True, "watchexec -r"),
        ("watchexec --on-busy-update=restart -- ./server", True, "watchexec -r"),
        ("watchexec -e py make test", False, "watchexec"),
        ("dotnet watch run", True, "dotnet watch"),
        ("dotnet watch --no-hot-reload run --urls http://0.0.0.0:5000", True, "dotnet watch"),
        ("dotnet run", False, "dotnet run"),
        ("dotnet Api.dll", False, "dotnet Api.dll"),
        ("dotnet test", None, "dotnet"),
        ("bun --hot src/index.ts", True, "bun --hot"),
        ("bun --watch index.tsx", True, "bun --watch"),
        ("bun run --watch src/server.ts", True, "bun --watch"),
        ("bun --watch run src/server.ts", True, "bun --watch"),
        ("bun src/index.ts", False, "bun src/index.ts"),
        ("bun run ./server.js", False, "bun ./server.js"),
        ("bun run dev", None, "bun"),
        ("deno run --allow-net --watch main.ts", True, "deno run"),
        ("deno run -A --watch=static/,routes/ main.ts", True, "deno run"),
        ("deno serve --watch-hmr main.ts", True, "deno serve"),
        ("deno watch main.ts", True, "deno watch"),
        ("deno run -A main.ts", False, "deno run"),
        ("deno task dev", None, "deno"),
        ("streamlit run app/main.py", True, "streamlit run"),
        ("python -m streamlit run app.py --server.port 8501", True, "streamlit run"),
        ("streamlit run app.py --server.fileWatcherType none", False, "streamlit run"),
        ("streamlit hello", None, "streamlit"),
        ("reflex run", True, "reflex run"),
        ("reflex run --env dev --loglevel debug", True, "reflex run"),
        ("reflex run --env prod", False, "reflex run"),
        ("reflex init", None, "reflex"),
        ("CompileDaemon --build='go build -o app' --command=./app", True, "CompileDaemon"),
        ("CompileDaemon -pattern='(.+\\.go|.+\\.tmpl)$' -command=./app", True, "CompileDaemon"),
        ("CompileDaemon -pattern=anything -command=./app", None, "CompileDaemon"),
        ("gow run .", True, "gow run"),
        ("gow -c -e=go,mod,html run ./cmd/server", True, "gow run"),
        ("mix phx.server", True, "mix phx.server"),
        ("iex -S mix phx.server", True, "mix phx.server"),
        ("elixir --sname app -S mix phx.server", True, "mix phx.server"),
        ("MIX_ENV=prod mix phx.server", False, "mix phx.server"),
        ("mix run --no-halt", False, "mix run"),
        ("mix ecto.migrate", None, "mix"),
    ],
)
def test_watchers(command: str, reloads: bool | None, program: str) -> None:
    verdict = detect_reload(split_command(command))
    assert (verdict.reloads, verdict.program) == (reloads, program), verdict.reason


def test_what_each_watches() -> None:
    cargo = "cargo watch -x run"
    assert covered(cargo, "/app", "/app/src/main.rs", "/app/target/debug/x", "/app/templates/a.html") == [
        True, False, True]  # fmt: skip
    assert covered("cargo watch -w src -x run", "/app", "/app/src/main.rs", "/app/assets/a.css") == [
        True,
        False,
    ]
    watchexec = "watchexec -r -e py,toml python app.py"
    assert covered(watchexec, "/app", "/app/a.py", "/app/a.toml", "/app/a.md") == [True, True, False]
    assert covered("watchexec -r -w lib ./run", "/app", "/app/lib/x.rb", "/app/bin/x") == [True, False]
    dotnet = ("/src/Program.cs", "/src/Pages/Index.cshtml", "/src/notes.txt")
    assert covered("dotnet watch run", "/src", *dotnet) == [True, True, False]
    assert covered("bun --hot src/index.ts", "/app", "/app/src/a.tsx", "/app/data.csv") == [True, False]
    assert covered("deno run --watch=static/ main.ts", "/app", "/app/static/a.css") == [True]
    assert covered("streamlit run app/main.py", "/code", "/code/app/pages/a.py", "/code/app/data.csv",
                   "/code/other/x.py") == [True, False, False]  # fmt: skip
    assert covered("reflex run", "/app", "/app/app/app.py", "/app/rxconfig.py") == [True, False]
    assert covered("CompileDaemon -command=./app", "/go/src", "/go/src/main.go", "/go/src/web/a.html") == [
        True, False]  # fmt: skip
    assert covered("CompileDaemon -directory=./cmd -recursive=false -command=./app", "/go/src",
                   "/go/src/cmd/main.go", "/go/src/cmd/sub/x.go") == [True, False]  # fmt: skip
    assert covered("gow run .", "/app", "/app/main.go", "/app/go.mod", "/app/web/a.html") == [
        True,
        True,
        False,
    ]
    assert covered("mix phx.server", "/app", "/app/lib/app_web/router.ex", "/app/config/dev.exs") == [
        True,
        False,
    ]


def test_a_package_script_run_by_bun_is_followed(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{\n  "scripts": {\n    "dev": "bun --watch src/index.ts"\n  }\n}\n')
    write(tmp_path, "src/index.ts", "Bun.serve({ fetch: () => new Response('hi') })\n")
    write(tmp_path, "README.md", "")
    service = {"image": "oven/bun:1", "working_dir": "/home/bun/app", "command": ["bun", "run", "dev"],
               "volumes": [bind(tmp_path, "/home/bun/app")]}  # fmt: skip
    plan = make_plan(tmp_path, {"api": service})
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD, api.reason
    assert api.reason.endswith(
        "it runs `bun --watch`, which restarts when a file it imports changes "
        "(package.json:3 scripts.dev, via compose command)"
    )
    assert actions(plan, tmp_path, "src/index.ts") == {"api": "reload"}


def test_phoenix_reloads_only_in_dev(tmp_path: Path) -> None:
    write(tmp_path, "lib/app_web/router.ex", "")
    write(tmp_path, "config/dev.exs", "")
    service = {"image": "elixir:1.17", "working_dir": "/app", "command": ["mix", "phx.server"],
               "volumes": [bind(tmp_path, "/app")]}  # fmt: skip
    prod = {**service, "environment": {"MIX_ENV": "prod"}}
    plan = make_plan(tmp_path, {"web": service, "prod": prod})
    assert actions(plan, tmp_path, "lib/app_web/router.ex") == {"web": "reload", "prod": "restart"}
    assert actions(plan, tmp_path, "config/dev.exs") == {"web": "restart", "prod": "restart"}
