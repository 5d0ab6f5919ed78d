"""A script that starts its own development server (`python serve.py` with `site.run(debug=True)` or
`uvicorn.run(..., reload=True)` under its `__main__` guard) reloads: an edit of its Python files is
left to it, and the script is not a file read only at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from devloop.inference.programs.pyscript import server_call
from devloop.model.project import Strategy
from tests.unit.builders import actions, bind, build, make_plan, write

SERVE = """\
from shop import create_site

site = create_site()

if __name__ == "__main__":
    site.run(
        host="0.0.0.0",
        debug=True,
    )
"""


@pytest.mark.parametrize(
    ("main", "reloads", "reloader"),
    [
        ("site.run(debug=True)", True, "werkzeug"),
        ("site.run(debug=True, use_reloader=False)", False, "werkzeug"),
        ("site.run(use_reloader=True)", True, "werkzeug"),
        ("run_simple('0.0.0.0', 8000, site, use_reloader=True)", True, "werkzeug"),
        ("site.run(port=8000)", False, "werkzeug"),
        ("site.run(debug=os.environ.get('DEV') == '1')", None, "werkzeug"),
        ("uvicorn.run('shop:site', reload=True)", True, "uvicorn"),
        ("uvicorn.run(site)", False, "uvicorn"),
    ],
)
def test_the_server_call_under_the_main_guard(main: str, reloads: bool | None, reloader: str) -> None:
    call = server_call(f"import os\n\nif '__main__' == __name__:\n    {main}\n")
    assert call is not None
    assert (call.reloads, call.reloader, call.line) == (reloads, reloader, 4)


@pytest.mark.parametrize(
    "source",
    [
        "site.run(debug=True)\n",  # not under the guard: an import would start it too
        "if __name__ == '__main__':\n    asyncio.run(main(), debug=True)\n",
        "if __name__ == '__main__':\n    print('hi')\n",
        "if __name__ == '__main__':\n    site.run(debug=True\n",  # does not parse
    ],
)
def test_no_server_call(source: str) -> None:
    assert server_call(source) is None


def project(root: Path, serve: str) -> dict[str, object]:
    write(
        root,
        "Dockerfile",
        'FROM python:3.12\nWORKDIR /srv\nCOPY . .\nENTRYPOINT ["python3"]\nCMD ["serve.py"]\n',
    )
    write(root, "serve.py", serve)
    write(root, "shop/__init__.py", "def create_site(): ...\n")
    return {"build": build(root), "volumes": [bind(root, "/srv")]}


def test_a_mounted_script_with_a_debug_server_reloads(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, {"shop": project(tmp_path, SERVE)})
    shop = plan.service("shop")
    assert shop.strategy is Strategy.RELOAD
    assert (
        '`site.run( host="0.0.0.0", debug=True, )` in serve.py makes `python serve.py` reload' in shop.reason
    )
    assert "(serve.py:6, via Dockerfile:4 ENTRYPOINT + Dockerfile:5 CMD)" in shop.reason
    assert actions(plan, tmp_path, "serve.py", "shop/__init__.py") == {"shop": "reload"}
    assert actions(plan, tmp_path, "shop/page.txt") == {"shop": "restart"}  # not *.py


def test_a_script_without_a_reloader_still_restarts(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, {"shop": project(tmp_path, SERVE.replace("debug=True", "debug=False"))})
    assert plan.service("shop").strategy is Strategy.RESTART
    assert actions(plan, tmp_path, "serve.py") == {"shop": "restart"}


@pytest.mark.parametrize(
    ("main", "env", "reloads", "key"),
    [
        ("site.run()", {"FLASK_DEBUG": "1"}, True, "FLASK_DEBUG"),
        ("site.run(port=8000)", {"FLASK_DEBUG": "true"}, True, "FLASK_DEBUG"),
        ("site.run()", {"FLASK_DEBUG": "0"}, False, "FLASK_DEBUG"),
        ("site.run()", {"FLASK_DEBUG": "no", "FLASK_ENV": "development"}, False, "FLASK_DEBUG"),
        ("site.run()", {"FLASK_ENV": "development"}, True, "FLASK_ENV"),  # Flask < 2.3
        ("site.run()", {"FLASK_ENV": "production"}, False, "FLASK_ENV"),
        ("socketio.run(site)", {"FLASK_DEBUG": "1"}, True, "FLASK_DEBUG"),  # through site.debug
        # what the call says wins over the environment; run_simple never reads it
        ("site.run(debug=False)", {"FLASK_DEBUG": "1"}, False, None),
        ("site.run(use_reloader=False)", {"FLASK_DEBUG": "1"}, False, None),
        ("run_simple('0.0.0.0', 8000, site)", {"FLASK_DEBUG": "1"}, False, None),
        ("uvicorn.run(site)", {"FLASK_DEBUG": "1"}, False, None),
        ("site.run()", {}, False, None),
    ],
)
def test_flask_debug_from_the_environment(
    main: str, env: dict[str, str], reloads: bool, key: str | None
) -> None:
    call = server_call(f"if __name__ == '__main__':\n    {main}\n", env)
    assert call is not None
    assert (call.reloads, call.env_key) == (reloads, key)


def test_a_plain_app_run_with_flask_debug_in_the_environment_reloads(tmp_path: Path) -> None:
    service = project(tmp_path, SERVE.replace("debug=True,", "port=8000,"))
    assert make_plan(tmp_path, {"shop": service}).service("shop").strategy is Strategy.RESTART
    compose = "services:\n  shop:\n    build: .\n    environment:\n      FLASK_DEBUG: 1\n"
    write(tmp_path, "compose.yaml", compose)
    plan = make_plan(tmp_path, {"shop": {**service, "environment": {"FLASK_DEBUG": "1"}}})
    shop = plan.service("shop")
    assert shop.strategy is Strategy.RELOAD
    assert shop.reason == (
        '.:/srv is bind-mounted and `site.run( host="0.0.0.0", port=8000, )` in serve.py with FLASK_DEBUG=1 '
        "makes `python serve.py` reload with werkzeug's reloader (serve.py:6, via Dockerfile:4 ENTRYPOINT + "
        "Dockerfile:5 CMD; FLASK_DEBUG from compose.yaml:5)"
    )
    assert actions(plan, tmp_path, "serve.py", "shop/__init__.py") == {"shop": "reload"}
