"""devloop settings (devloop.toml or [tool.devloop]); invalid ones name the file, the key, what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devloop.errors import ConfigError
from devloop.load.settings_file import find_settings
from devloop.model.settings import (
    STRATEGIES,
    ServiceSettings,
    Settings,
    check_services,
    parse_settings,
)

SOURCE = Path("/proj/devloop.toml")


def test_a_full_settings_table() -> None:
    settings = parse_settings(
        {
            "debounce_ms": 150,
            "max_wait_ms": 900,
            "compose_files": ["compose.yaml", "compose.dev.yaml"],
            "profiles": ["workers"],
            "ignore": ["**/*.log"],
            "services": {
                "api": {
                    "strategy": "restart",
                    "watch": ["conf"],
                    "ignore": ["tests"],
                    "rebuild_on": ["*.lock"],
                },
                "web": {},
            },
        },
        SOURCE,
    )
    assert (settings.debounce_ms, settings.max_wait_ms) == (150, 900)
    assert settings.compose_files == ("compose.yaml", "compose.dev.yaml")
    assert settings.profiles == ("workers",)
    assert settings.service("api") == ServiceSettings("restart", ("conf",), ("tests",), ("*.lock",))
    assert settings.service("web") == ServiceSettings()
    assert settings.service("unknown") == ServiceSettings()
    assert settings.where == str(SOURCE)


def test_the_defaults() -> None:
    assert parse_settings({}) == Settings(services=())
    assert Settings().where == "the defaults"


def error(data: dict[str, Any], source: Path = SOURCE) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, source)
    return caught.value


def api(table: dict[str, Any]) -> dict[str, Any]:
    return {"services": {"api": table}}


API_KEYS = "services.api.strategy, services.api.watch, services.api.ignore, services.api.rebuild_on"
MS = "must be a whole number of milliseconds (0 or more)"


@pytest.mark.parametrize(
    ("data", "message", "hint"),
    [
        ({"debounce": 100}, "unknown key `debounce`", "allowed keys: debounce_ms, max_wait_ms"),
        (api({"stratgy": "reload"}), "unknown key `services.api.stratgy`", f"allowed keys: {API_KEYS}"),
        (
            api({"strategy": "hot"}),
            "`services.api.strategy` is 'hot'",
            "allowed values: " + ", ".join(STRATEGIES),
        ),
        (api({"strategy": 3}), "`services.api.strategy` is 3", "allowed values: auto, none"),
        (api({"watch": "src"}), "`services.api.watch` must be a list of paths, not 'src'", None),
        (api({"ignore": [1]}), "`services.api.ignore` must be a list of .dockerignore", None),
        (api({"rebuild_on": "x"}), "`services.api.rebuild_on` must be a list", None),
        ({"debounce_ms": "300"}, f"`debounce_ms` {MS}, not '300'", None),
        ({"debounce_ms": -1}, f"`debounce_ms` {MS}, not -1", None),
        ({"max_wait_ms": True}, f"`max_wait_ms` {MS}, not True", None),
        ({"compose_files": "compose.yaml"}, "`compose_files` must be a list of file names", None),
        ({"profiles": [1]}, "`profiles` must be a list of profile names", None),
        ({"ignore": "*.log"}, "`ignore` must be a list of .dockerignore-style patterns", None),
        ({"services": ["api"]}, "`services` must be a table of service names, e.g. [services.api]", None),
        ({"services": {"api": "reload"}}, "`services.api` must be a table, e.g. [services.api]", None),
    ],
)
def test_invalid_settings_name_the_file_key_and_allowed_values(
    data: dict[str, Any], message: str, hint: str | None
) -> None:
    problem = error(data)
    assert problem.message.startswith(f"{SOURCE}: ")
    assert message in problem.message
    if hint is not None:
        assert problem.hint is not None and hint in problem.hint


def test_errors_in_pyproject_name_the_table() -> None:
    problem = error({"colour": True}, Path("/proj/pyproject.toml"))
    assert problem.message == "/proj/pyproject.toml [tool.devloop]: unknown key `colour`"


def test_an_unknown_service_is_an_error() -> None:
    settings = parse_settings({"services": {"api": {}, "wrker": {"strategy": "restart"}}}, SOURCE)
    check_services(settings, ("api", "wrker"))
    with pytest.raises(ConfigError) as caught:
        check_services(settings, ("api",))
    assert caught.value.message == f"{SOURCE}: `services.wrker` is not a service of this compose project"
    assert caught.value.hint == "services: api"


def test_find_settings_in_devloop_toml_or_pyproject(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    assert find_settings(tmp_path) == Settings()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.devloop]\ndebounce_ms = 50\n')
    in_pyproject = find_settings(tmp_path)
    assert (in_pyproject.debounce_ms, in_pyproject.source) == (50, tmp_path / "pyproject.toml")
    assert in_pyproject.where == f"[tool.devloop] in {tmp_path / 'pyproject.toml'}"
    (tmp_path / "devloop.toml").write_text("debounce_ms = 75\n")
    both = find_settings(tmp_path)
    assert (both.debounce_ms, both.source) == (75, tmp_path / "devloop.toml")
    assert both.notice == "both devloop.toml and [tool.devloop] in pyproject.toml exist; using devloop.toml"


def test_find_settings_stops_at_the_compose_folder(tmp_path: Path) -> None:
    (tmp_path / "devloop.toml").write_text("debounce_ms = 10\n")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "compose.yaml").write_text("services: {}\n")
    assert find_settings(project).source is None
    nested = project / "sub"
    nested.mkdir()
    (project / "devloop.toml").write_text("debounce_ms = 20\n")
    assert find_settings(nested).debounce_ms == 20


def test_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "devloop.toml").write_text("debounce_ms = \n")
    with pytest.raises(ConfigError, match="devloop.toml is not valid TOML"):
        find_settings(tmp_path)
    (tmp_path / "devloop.toml").unlink()
    (tmp_path / "pyproject.toml").write_text("tool = 1\n")
    assert find_settings(tmp_path) == Settings()
    (tmp_path / "pyproject.toml").write_text("[tool]\ndevloop = 1\n")
    with pytest.raises(ConfigError, match=r"\[tool.devloop\] must be a table"):
        find_settings(tmp_path)


def test_logs_setting_is_all_none_or_some_services() -> None:
    assert Settings().logs is True
    assert parse_settings({"logs": False}).logs is False
    assert parse_settings({"logs": ["api"]}).logs == ("api",)
    with pytest.raises(ConfigError, match="`logs` must be true"):
        parse_settings({"logs": "api"}, SOURCE)
    with pytest.raises(ConfigError, match="`logs` names wroker"):
        check_services(parse_settings({"logs": ["wroker"]}, SOURCE), ("api", "worker"))
