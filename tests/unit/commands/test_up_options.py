"""`devloop up`'s flags reach the daemon's options."""

from __future__ import annotations

from devloop.cli import build_parser
from devloop.commands.up import up_options


def test_accept_data_loss_reaches_the_daemon() -> None:
    args = build_parser().parse_args(["up", "--accept-data-loss", "--no-start", "api"])
    options = up_options(args)
    assert options.accept_data_loss is True
    assert options.start is False and options.services == ("api",)


def test_data_loss_is_refused_by_default() -> None:
    assert up_options(build_parser().parse_args(["up"])).accept_data_loss is False


def test_whose_output_is_shown() -> None:
    parse = build_parser().parse_args
    assert up_options(parse(["up"])).logs is None  # the `logs` setting decides
    assert up_options(parse(["up", "--no-logs"])).logs is False
    assert up_options(parse(["up", "--logs", "api, worker"])).logs == ("api", "worker")


def test_an_empty_logs_flag_says_what_it_needs() -> None:
    import pytest

    from devloop.errors import DevloopError

    with pytest.raises(DevloopError, match="--logs needs service names"):
        up_options(build_parser().parse_args(["up", "--logs", ","]))
