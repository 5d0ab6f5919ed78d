"""What a service still owes an outcome for, from scripted event histories."""

from __future__ import annotations

from devloop import events
from devloop.daemon.pending import Pending


def changes(*services: str) -> events.Changes:
    return events.Changes(paths=["/p"], services=dict.fromkeys(services, "restart"))


def action(service: str, status: str, name: str = "restart") -> events.ActionEvent:
    return events.ActionEvent(service=service, action=name, status=status, reason="r")


def outcome(service: str, state: str = "live") -> events.Outcome:
    return events.Outcome(service=service, action="restart", state=state)


def feed(pending: Pending, *history: events.Event) -> None:
    for event in history:
        pending.observe(event)


def test_an_edit_made_during_an_action_is_answered_only_by_the_follow_up() -> None:
    pending = Pending()
    feed(pending, changes("worker"), action("worker", "started"), changes("worker"))
    ticket = pending.tickets(["worker"])["worker"]
    feed(pending, action("worker", "succeeded"), outcome("worker"))
    assert not pending.answered("worker", ticket) and pending.owes("worker")
    feed(pending, action("worker", "started"), action("worker", "succeeded"), outcome("worker"))
    assert pending.answered("worker", ticket) and not pending.owes("worker")


def test_an_edit_before_the_action_began_is_answered_by_its_outcome() -> None:
    pending = Pending()
    feed(pending, changes("worker", "api"))
    tickets = pending.tickets(["worker", "api"])
    feed(pending, action("api", "skipped", "reload"), action("worker", "started"), outcome("api"))
    assert pending.answered("api", tickets["api"]) and not pending.answered("worker", tickets["worker"])
    feed(pending, outcome("worker", "failed"))
    assert pending.answered("worker", tickets["worker"])


def test_a_refused_build_answers_without_a_start_and_an_image_refresh_asks_nothing() -> None:
    pending = Pending()
    feed(pending, changes("baked"))
    ticket = pending.tickets(["baked"])["baked"]
    feed(pending, action("baked", "failed", "rebuild"), outcome("baked", "failed"))
    assert pending.answered("baked", ticket)
    feed(pending, action("baked", "started", "image"))
    assert not pending.owes("baked")


def test_an_action_that_lost_the_engine_is_owed_until_its_retry_ends() -> None:
    pending = Pending()
    feed(pending, changes("worker"), action("worker", "started"), action("worker", "failed"))
    ticket = pending.tickets(["worker"])["worker"]
    assert pending.owes("worker")
    feed(pending, action("worker", "started"), outcome("worker"))
    assert pending.answered("worker", ticket)


def test_ready_is_learnt_from_the_event() -> None:
    pending = Pending()
    assert not pending.ready
    pending.observe(events.Ready(project="p", services=[], strategies={}, watching=[]))
    assert pending.ready
