"""devloop.adapters.layers: a container's diff is read again only when its writable layer's size changed."""

from __future__ import annotations

from typing import Any

from devloop.adapters.layers import WrittenLayers


class Layers:
    """The engine as WrittenLayers sees it: sizes per service, and a diff per container."""

    def __init__(self) -> None:
        self.sizes: dict[str, dict[str, int]] = {}
        self.diffs: dict[str, list[tuple[str, int]]] = {}
        self.diffed: list[str] = []

    def writable_sizes(self, project: str, service: str) -> dict[str, int]:
        return dict(self.sizes.get(service, {}))

    def diff(self, container_id: str) -> list[tuple[str, int]]:
        self.diffed.append(container_id)
        return list(self.diffs.get(container_id, []))


def layers(engine: Layers) -> WrittenLayers:
    fake: Any = engine
    return WrittenLayers(fake)


def test_a_diff_is_reused_while_the_layer_keeps_its_size() -> None:
    engine = Layers()
    engine.sizes["web"] = {"c1": 512}
    engine.diffs["c1"] = [("/code/__pycache__", 1)]
    written = layers(engine)
    assert written.changes("p", "web") == [("/code/__pycache__", 1)]
    assert written.changes("p", "web") == [("/code/__pycache__", 1)]
    assert engine.diffed == ["c1"]


def test_a_layer_that_grew_is_read_again() -> None:
    engine = Layers()
    engine.sizes["web"] = {"c1": 512}
    written = layers(engine)
    written.changes("p", "web")
    engine.sizes["web"] = {"c1": 4608}
    engine.diffs["c1"] = [("/code/__pycache__", 1), ("/app/.temp", 1)]
    assert written.changes("p", "web") == [("/code/__pycache__", 1), ("/app/.temp", 1)]
    assert engine.diffed == ["c1", "c1"]


def test_an_empty_layer_is_not_read_and_a_new_container_is() -> None:
    engine = Layers()
    engine.sizes["web"] = {"c1": 0}
    written = layers(engine)
    assert written.changes("p", "web") == []
    assert engine.diffed == []
    engine.sizes["web"] = {"c2": 100}  # recreated: c1 is gone
    engine.diffs["c2"] = [("/data", 1)]
    assert written.changes("p", "web") == [("/data", 1)]
    assert engine.diffed == ["c2"]


def test_replicas_are_all_read_and_other_services_are_kept() -> None:
    engine = Layers()
    engine.sizes = {"web": {"a": 1, "b": 2}, "worker": {"w": 3}}
    engine.diffs = {"a": [("/x", 1)], "b": [("/y", 1)], "w": [("/z", 1)]}
    written = layers(engine)
    assert written.changes("p", "worker") == [("/z", 1)]
    assert sorted(written.changes("p", "web")) == [("/x", 1), ("/y", 1)]
    written.changes("p", "worker")
    assert engine.diffed == ["w", "a", "b"]
