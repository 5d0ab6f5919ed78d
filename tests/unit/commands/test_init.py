"""Settings files as users write them: the example file, [tool.devloop], and `devloop init`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devloop.commands.init import render_init
from devloop.load.settings_file import find_settings
from devloop.model.settings import Settings, parse_settings, render_example
from tests.unit.builders import make_plan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[3]


def test_the_example_file_is_current_and_valid() -> None:
    text = (REPO / "devloop.toml.example").read_text()
    assert text == render_example(), "regenerate devloop.toml.example (devloop.model.settings.render_example)"
    settings = parse_settings(tomllib.loads(text))
    defaults = Settings()
    assert (settings.debounce_ms, settings.max_wait_ms) == (defaults.debounce_ms, defaults.max_wait_ms)
    assert (settings.live_update, settings.image_refresh_s, settings.protect_data) == (True, 30, False)
    assert settings.service("api").strategy == "auto"


def test_the_same_keys_under_tool_devloop_in_pyproject(tmp_path: Path) -> None:
    body = render_example().replace("[services.api]", "[tool.devloop.services.api]")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.devloop]\n" + body)
    settings = find_settings(tmp_path)
    assert settings.source == tmp_path / "pyproject.toml"
    assert settings.debounce_ms == 300 and settings.service("api").strategy == "auto"
    assert settings.notice is None


def test_devloop_toml_wins_over_pyproject_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.devloop]\ndebounce_ms = 100\n")
    (tmp_path / "devloop.toml").write_text("debounce_ms = 500\n")
    settings = find_settings(tmp_path)
    assert settings.debounce_ms == 500
    assert settings.notice is not None and "devloop.toml" in settings.notice


def test_init_output_reads_back_and_names_every_strategy(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    dockerfile = (
        'FROM python\nWORKDIR /code\nCOPY . .\nRUN python -m compileall .\nCMD ["python", "main.py"]\n'
    )
    (tmp_path / "Dockerfile").write_text(dockerfile)
    plan = make_plan(tmp_path, {
        "api": {"image": "python", "command": ["uvicorn", "app:app", "--reload"],
                "volumes": [{"type": "bind", "source": str(tmp_path / "app"), "target": "/code/app"}]},
        "baked-web": {"build": {"context": str(tmp_path), "dockerfile": "Dockerfile"}},
    })  # fmt: skip
    text = render_init(plan)
    settings = parse_settings(tomllib.loads(text))
    assert [name for name, _ in settings.services] == ["api", "baked-web"]
    assert "# inferred: reload - " in text and "# inferred: rebuild - " in text
    # pinning what init suggests is valid too
    pinned = text.replace('strategy = "auto"', 'strategy = "reload"', 1)
    assert parse_settings(tomllib.loads(pinned)).service("api").strategy == "reload"


@pytest.mark.parametrize(
    "bad", ["debounce_ms = 'fast'", "live_update = 1", "[services.api]\nstrategy = 'turbo'"]
)
def test_invalid_values_name_the_key(bad: str) -> None:
    from devloop.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_settings(tomllib.loads(bad), Path("devloop.toml"))
    assert "devloop.toml" in caught.value.message


def test_the_readme_settings_block_is_the_example() -> None:
    """The README shows the same settings, defaults and comments as devloop.toml.example."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- settings: made by devloop.model.settings.render_example -->", 1)[1]
    block = block.split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == render_example()
