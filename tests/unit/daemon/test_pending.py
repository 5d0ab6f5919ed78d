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


def test_a_wait_reports_the_services_its_edits_concern_not_earlier_outcomes() -> None:
    pending = Pending()
    everyone = ["api", "worker", "baked", "db"]
    assert pending.concerned(everyone) == everyone  # before any edit: the start of each
    feed(pending, changes("baked"), action("baked", "started", "rebuild"), outcome("baked", "failed"))
    feed(pending, changes("api", "worker"), action("api", "skipped", "reload"), outcome("api"))
    feed(pending, action("worker", "started"))
    # worker still owes its outcome; api was answered already, by the same edit; baked's failure
    # and db's start belong to nothing this wait covers
    assert pending.concerned(everyone) == ["api", "worker"]
    feed(pending, outcome("worker"))
    assert pending.concerned(everyone) == ["api", "worker"]  # the latest edit, answered
    feed(pending, changes("worker"))
    assert pending.concerned(everyone) == ["worker"]
    assert pending.concerned(everyone, acting={"db"}) == ["worker", "db"]  # still coming up


def test_an_earlier_edit_still_owed_is_reported_beside_the_latest() -> None:
    pending = Pending()
    feed(pending, changes("baked"), action("baked", "started", "rebuild"), changes("api"))
    assert pending.concerned(["api", "baked", "worker"]) == ["api", "baked"]
    feed(pending, outcome("baked"), action("baked", "started", "image"))  # a background refresh
    assert pending.concerned(["api", "baked", "worker"]) == ["api"]


def test_an_edit_of_the_compose_files_alone_concerns_the_services_it_recreates() -> None:
    pending = Pending()
    feed(pending, changes("api"), outcome("api"), changes())  # compose.yaml: nothing changed
    assert pending.concerned(["api", "worker"]) == []
    feed(pending, changes(), action("worker", "started", "recreate"))
    assert pending.concerned(["api", "worker"]) == ["worker"]
