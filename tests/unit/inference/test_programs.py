"""Per-program knowledge (issue 15): Rails in development (rails server, puma, Sidekiq), front-end dev
servers and asset watchers, gunicorn configs read through `-c python:module` with `reload` from the
environment, and start scripts that pick a shell function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devloop.inference.programs import gunicorn, rails
from devloop.inference.reloaders import detect_reload, split_command
from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, build, make_plan, reasons, write

# -- front-end dev servers and asset watchers ------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "reloads", "program"),
    [
        ("react-scripts start", True, "react-scripts start"),
        ("react-scripts build", False, "react-scripts build"),
        ("webpack serve --mode development", True, "webpack serve"),
        ("webpack-dev-server --hot", True, "webpack-dev-server"),
        ("webpack --watch --mode development", True, "webpack"),
        ("webpack --mode production", False, "webpack"),
        ("ng serve --host 0.0.0.0", True, "ng serve"),
        ("ng build --watch", True, "ng build"),
        ("ng build", False, "ng build"),
        ("vue-cli-service serve", True, "vue-cli-service serve"),
        ("vue-cli-service build", False, "vue-cli-service build"),
        ("esbuild src/app.ts --bundle --outdir=dist --watch", True, "esbuild"),
        ("esbuild src/app.ts --bundle --watch=forever", True, "esbuild"),
        ("esbuild src/app.ts --bundle --outdir=dist", False, "esbuild"),
        ("tailwindcss -i src/in.css -o dist/out.css --watch", True, "tailwindcss"),
        ("tailwindcss -i src/in.css -o dist/out.css -w", True, "tailwindcss"),
        ("tailwindcss -i src/in.css -o dist/out.css", False, "tailwindcss"),
        ("sass --watch scss:css", True, "sass"),
        ("tsc -w -p .", True, "tsc"),
        ("tsc -p .", False, "tsc"),
        ("npx tailwindcss -o out.css --watch", True, "tailwindcss"),
        ("ng test", None, "ng"),
    ],
)
def test_front_end_tools(command: str, reloads: bool | None, program: str) -> None:
    verdict = detect_reload(split_command(command))
    assert (verdict.reloads, verdict.program) == (reloads, program), verdict.reason


PACKAGE = """\
{
  "name": "assets",
  "scripts": {
    "build:css": "tailwindcss -i ./src/app.css -o ./public/app.css",
    "watch:css": "tailwindcss -i ./src/app.css -o ./public/app.css --watch",
    "watch:js": "esbuild src/app.js --bundle --outdir=public --watch"
  }
}
"""
ASSETS_START = """\
#!/bin/sh
set -e

watch_assets() {
    npm run watch:js
}

build_assets() {
    npm run build:css
}

case "$1" in
    dev) watch_assets ;;
    *) build_assets ;;
esac
"""


def test_an_asset_watcher_behind_a_package_script_in_a_shell_function(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", 'FROM node:20\nWORKDIR /src\nCOPY . .\nCMD ["sh", "start.sh", "dev"]\n')
    write(tmp_path, "package.json", PACKAGE)
    write(tmp_path, "start.sh", ASSETS_START)
    write(tmp_path, "src/app.js", "")
    assets = {"build": build(tmp_path), "volumes": [bind(tmp_path, "/src")]}
    plan = make_plan(tmp_path, {"assets": assets})
    service = plan.service("assets")
    assert service.strategy is Strategy.RELOAD, service.reason
    assert service.reason == (
        ".:/src is bind-mounted and it runs `esbuild --watch`, which rebuilds its output on changes "
        "(package.json:6 scripts.watch:js, via start.sh:5 in `watch_assets()` called at line 13 after "
        "`case $1 in dev)` at line 12, via Dockerfile:4 CMD)"
    )
    assert actions(plan, tmp_path, "src/app.js") == {"assets": "reload"}
    once = make_plan(tmp_path, {"assets": {**assets, "command": ["sh", "start.sh", "prod"]}})
    assert once.service("assets").strategy is Strategy.RESTART
    assert "without a watch flag: it builds once and exits (package.json:4" in once.service("assets").reason


# -- Rails -----------------------------------------------------------------------------------------

DEVELOPMENT_RB = """\
require "active_support/core_ext/integer/time"

Rails.application.configure do
  config.enable_reloading = true
  config.eager_load = false
end
"""
GEMFILE_LOCK = """\
GEM
  remote: https://rubygems.org/
  specs:
    railties (7.1.3)
      actionpack (= 7.1.3)
    sidekiq (7.2.1)
      redis-client (>= 0.19.0)
"""


@pytest.fixture
def rails_app(tmp_path: Path) -> Path:
    write(tmp_path, "Dockerfile", 'FROM ruby:3.3\nWORKDIR /rails\nCOPY . .\nCMD ["bin/rails", "server"]\n')
    write(tmp_path, "config/environments/development.rb", DEVELOPMENT_RB)
    write(tmp_path, "Gemfile.lock", GEMFILE_LOCK)
    write(tmp_path, "app/models/user.rb", "class User; end\n")
    write(tmp_path, "config/initializers/sidekiq.rb", "")
    return tmp_path


def ruby(root: Path, **extra: Any) -> dict[str, Any]:
    return {"build": build(root), "volumes": [bind(root, "/rails")], **extra}


def test_rails_server_and_puma_in_development_reload_app_code(rails_app: Path) -> None:
    plan = make_plan(rails_app, {
        "web": ruby(rails_app),
        "puma": ruby(rails_app, command="bundle exec puma -C config/puma.rb"),
        "prod": ruby(rails_app, environment={"RAILS_ENV": "production"}),
    })  # fmt: skip
    web, puma, prod = (plan.service(n) for n in ("web", "puma", "prod"))
    assert (web.strategy, puma.strategy, prod.strategy) == (
        Strategy.RELOAD,
        Strategy.RELOAD,
        Strategy.RESTART,
    )
    assert "it runs `rails server` in development, where Rails reloads changed code " \
        "(config/environments/development.rb:4, via Dockerfile:4 CMD)" in web.reason  # fmt: skip
    assert "runs `puma` in development on a Rails app" in puma.reason
    assert "with RAILS_ENV=production: Rails reloads code only in development" in prod.reason
    assert actions(plan, rails_app, "app/models/user.rb") == {
        "web": "reload",
        "puma": "reload",
        "prod": "restart",
    }
    # an initializer is read once at boot: outside what the Rails reloader watches
    assert actions(plan, rails_app, "config/initializers/sidekiq.rb")["web"] == "restart"
    assert "outside what `rails` watches" in reasons(plan, rails_app, "config/initializers/sidekiq.rb")["web"]


def test_reloading_turned_off_in_development_rb(rails_app: Path) -> None:
    write(rails_app, "config/environments/development.rb", "Rails.application.configure do\n"
          "  config.cache_classes = true\nend\n")  # fmt: skip
    web = make_plan(rails_app, {"web": ruby(rails_app)}).service("web")
    assert web.strategy is Strategy.RESTART
    assert "`config.cache_classes = true` turns Rails code reloading off for `rails` " \
        "(config/environments/development.rb:2" in web.reason  # fmt: skip


def test_puma_without_rails_cannot_be_told(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\n")
    plan = make_plan(tmp_path, {"api": {"build": build(tmp_path), "volumes": [bind(tmp_path, "/app")],
                                        "command": "puma config.ru"}})  # fmt: skip
    assert plan.service("api").strategy is Strategy.RESTART
    assert "it reloads only a Rails app, and devloop found no config/environments/development.rb" in (
        plan.service("api").reason
    )


def test_sidekiq_reloads_between_jobs_only_from_sidekiq_5_on_rails_5(rails_app: Path) -> None:
    worker = ruby(rails_app, command="bundle exec sidekiq -C config/sidekiq.yml")
    plan = make_plan(rails_app, {"worker": worker})
    assert plan.service("worker").strategy is Strategy.RELOAD
    assert (
        "runs Sidekiq 7 on Rails 7 (Gemfile.lock) in development: it reloads changed code before each job"
        in (plan.service("worker").reason)
    )
    write(rails_app, "Gemfile.lock", GEMFILE_LOCK.replace("sidekiq (7.2.1)", "sidekiq (4.2.10)"))
    old = make_plan(rails_app, {"worker": worker}).service("worker")
    assert old.strategy is Strategy.RESTART
    assert "runs Sidekiq 4 on Rails 7 (Gemfile.lock), which does not reload code" in old.reason
    (rails_app / "Gemfile.lock").unlink()
    unknown = make_plan(rails_app, {"worker": worker}).service("worker")
    assert unknown.strategy is Strategy.RESTART
    assert "only from Sidekiq 5 on Rails 5; devloop cannot read Gemfile.lock" in unknown.reason
    plain = detect_reload(["sidekiq", "-r", "./worker.rb"])
    assert plain.reloads is False and "only in a Rails app in development" in plain.reason


def test_rails_environment() -> None:
    assert rails.rails_env(["-e", "test"], {"RAILS_ENV": "production"}) == ("test", "-e")
    assert rails.rails_env([], {"RACK_ENV": "staging"}) == ("staging", "RACK_ENV")
    assert rails.rails_env([], {"RAILS_ENV": "", "RACK_ENV": ""}) == ("development", None)
    assert detect_reload(["bin/rails", "db:migrate"]).reloads is None


# -- gunicorn configs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "candidates"),
    [
        (["app:app"], {}, ("gunicorn.conf.py",)),
        (["-c", "conf/g.py", "app:app"], {}, ("conf/g.py",)),
        (["-c", "file:conf/g.py"], {}, ("conf/g.py",)),
        (["app:app"], {"GUNICORN_CMD_ARGS": "--config x.py"}, ("x.py",)),
        (["-c", "python:app.conf"], {}, ("app/conf.py", "app/conf/__init__.py")),
        (
            ["--chdir", "/srv", "-c", "python:conf"],
            {"PYTHONPATH": "/lib"},
            ("/srv/conf.py", "/srv/conf/__init__.py", "/lib/conf.py", "/lib/conf/__init__.py"),
        ),
    ],
)
def test_gunicorn_config_candidates(
    args: list[str], env: dict[str, str], candidates: tuple[str, ...]
) -> None:
    assert gunicorn.config_candidates(args, env) == candidates


@pytest.mark.parametrize(
    ("text", "env", "reload", "key"),
    [
        ("workers = 2\nreload = True\n", {}, True, None),
        ("reload = False\n", {}, False, None),
        ("workers = 2\n", {}, None, None),
        (
            'import os\nreload = os.environ.get("RELOAD", "false").lower() == "true"\n',
            {"RELOAD": "True"},
            True,
            "RELOAD",
        ),
        ('import os\nreload = os.environ.get("RELOAD", "false").lower() == "true"\n', {}, False, "RELOAD"),
        ('import os\nreload = bool(os.getenv("DEV"))\n', {"DEV": "1"}, True, "DEV"),
        ('import os\nreload = os.getenv("ENV") in ("dev", "local")\n', {"ENV": "prod"}, False, "ENV"),
        ('from os import environ\nreload = environ.get("R") == "1" or False\n', {"R": "1"}, True, "R"),
        ("reload = settings.DEBUG\n", {}, None, None),
        ("reload = True\nreload = False\n", {}, False, None),
    ],
)
def test_gunicorn_reload_setting(
    text: str, env: dict[str, str], reload: bool | None, key: str | None
) -> None:
    config = gunicorn.read_config(text, env)
    assert (config.reload, config.env_key) == (reload, key)


GUNICORN_CONF = """\
import os

bind = "0.0.0.0:8000"
workers = int(os.getenv("WORKERS", "2"))
reload = os.getenv("GUNICORN_RELOAD", "false").lower() in ("1", "true")
"""


def test_gunicorn_config_module_found_through_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.12\nWORKDIR /srv\nCOPY . .\n"
          'CMD ["gunicorn", "-c", "python:settings.gunicorn", "app.main:app"]\n')  # fmt: skip
    write(tmp_path, "settings/gunicorn.py", GUNICORN_CONF)
    write(tmp_path, "app/main.py", "")
    write(tmp_path, ".env", "GUNICORN_RELOAD=true\n")
    service = {"build": build(tmp_path), "volumes": [bind(tmp_path / "app", "/srv/app")]}
    plan = make_plan(tmp_path, {"api": {**service, "environment": {"GUNICORN_RELOAD": "true"}}})
    api = plan.service("api")
    assert api.strategy is Strategy.RELOAD
    assert api.reason.startswith(
        './app:/srv/app is bind-mounted and `reload = os.getenv("GUNICORN_RELOAD", "false").lower() in '
        '("1", "true")` in gunicorn.py makes `gunicorn` reload (settings/gunicorn.py:5, via Dockerfile:4 CMD)'
    )
    assert actions(plan, tmp_path, "settings/gunicorn.py") == {"api": "rebuild"}  # copied, read at start
    off = make_plan(tmp_path, {"api": service}).service("api")
    assert off.strategy is Strategy.RESTART
    assert "keeps `gunicorn` from reloading (settings/gunicorn.py:5" in off.reason
