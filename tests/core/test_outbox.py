"""The event path and the transactional outbox (ADR 0011): subscribers run in the change's transaction,
after-commit work is never lost to a queue outage, and running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from escalade.core import events, outbox
from escalade.core.actors import Actor
from escalade.core.events import Published, publish, subscribe
from escalade.core.models import Event, OutboxTask
from escalade.core.outbox import OutboxRelay, outbox_relay, relay_backoff
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification
from escalade.search.models import SearchDocument
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create, ticket_reply

pytestmark = pytest.mark.django_db


class QueueDownError(ConnectionError):
    pass


@pytest.fixture
def queue_down(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """The task queue refuses every task while ``state["down"]`` is true (as Redis does when stopped)."""
    from escalade.core import tasks

    state = {"down": True}
    real = tasks.outbox_run

    def enqueue(*args: Any) -> Any:
        if state["down"]:
            raise QueueDownError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return real(*args)

    monkeypatch.setattr(tasks, "outbox_run", enqueue)
    return state


def create(world: Any, title: str = "Imprimante en panne") -> Ticket:
    return ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title=title)


def indexed(ticket: Ticket) -> bool:
    return SearchDocument.objects.filter(kind="ticket", object_id=ticket.pk).exists()


# ----------------------------------------------------------------------------- the event path


@pytest.fixture
def recorded() -> Iterator[list[tuple[str, list[str]]]]:
    """Two test subscriptions around the built-in ones: what each received, in the order they ran."""
    calls: list[tuple[str, list[str]]] = []

    def first(published: Sequence[Published]) -> None:
        calls.append(("first", [item.event.action for item in published]))

    def last(published: Sequence[Published]) -> None:
        calls.append(("last", [item.event.action for item in published]))

    subscribe("ticket.created", "ticket.replied", handler=last, name="test.last", order=99)
    subscribe("ticket.*", handler=first, name="test.first", order=1)
    yield calls
    for name in ("test.first", "test.last"):
        events._subscriptions.pop(name)
    events._ordered[:] = sorted(events._subscriptions.values(), key=lambda s: (s.order, s.name))


def test_subscribers_receive_the_matching_events_in_their_order(world, recorded):
    ticket = create(world)
    ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Toujours en panne")

    assert recorded == [
        ("first", ["ticket.created"]),
        ("last", ["ticket.created"]),
        ("first", ["ticket.replied"]),
        ("last", ["ticket.replied"]),
    ]


def test_the_built_in_subscriptions_run_in_the_documented_order():
    names = [subscription.name for subscription in events.subscriptions()]
    assert names.index("sla.clock") < names.index("mail.notify") < names.index("search.index")


def test_a_subscriber_that_fails_rolls_the_change_back(world):
    def broken(_published: Sequence[Published]) -> None:
        raise RuntimeError("subscriber failed")

    subscribe("ticket.created", handler=broken, name="test.broken")
    try:
        with pytest.raises(RuntimeError):
            create(world, title="Jamais enregistré")
    finally:
        events._subscriptions.pop("test.broken")
        events._ordered[:] = [s for s in events._ordered if s.name != "test.broken"]
    assert not Ticket.objects.filter(title="Jamais enregistré").exists()
    assert not OutboxTask.objects.exists()


def test_muted_subscriptions_are_skipped_inside_the_block(world, recorded):
    with events.muted("test.first"):
        create(world)
    assert recorded == [("last", ["ticket.created"])]


def test_a_batch_is_published_once_to_each_subscriber(world, recorded):
    ticket = create(world)
    event = Event.objects.get(action="ticket.created", object_id=ticket.pk)
    recorded.clear()
    # Published anew as if it were fresh: the news it gave when created is forgotten first (an event is
    # news once per person; the database refuses a second notification of it).
    Notification.objects.all().delete()
    OutboundMail.objects.all().delete()
    publish([event, event], [ticket, ticket])
    assert recorded == [("first", ["ticket.created", "ticket.created"]), ("last", ["ticket.created"] * 2)]


# ----------------------------------------------------------------------------- the outbox


def test_after_commit_work_runs_and_leaves_no_row(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(world)
    assert indexed(ticket)
    assert not OutboxTask.objects.exists()


def test_a_change_that_rolls_back_leaves_no_work(world):
    def create_then_fail() -> None:
        with transaction.atomic():
            create(world, title="Annulé")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not OutboxTask.objects.exists()


def test_one_event_writes_one_outbox_insert_for_all_its_subscribers(world, django_assert_num_queries):
    create(world)  # warm the caches
    rows_before = OutboxTask.objects.count()
    ticket = create(world, title="Deuxième")
    # The creation's after-commit work (indexing, the acknowledgement) is in the outbox, written together.
    tasks = sorted(OutboxTask.objects.order_by("id").values_list("task", flat=True)[rows_before:])
    assert tasks == ["mail.send_many", "search.index_tickets"]
    assert not indexed(ticket)  # not before the commit


def test_with_the_queue_down_the_change_commits_and_the_relay_delivers_later(
    world, queue_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(world)  # no exception: the change is committed
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert not indexed(ticket)
    rows = list(OutboxTask.objects.all())
    assert {row.task for row in rows} == {"search.index_tickets", "mail.send_many"}
    assert all(row.next_relay_at <= timezone.now() for row in rows)  # due at once, not after the grace

    assert outbox_relay() == 0  # still down: nothing handed over, the error noted
    assert OutboxTask.objects.filter(last_error__contains="Connection refused").count() == 1

    queue_down["down"] = False
    assert outbox_relay() == 2
    assert indexed(ticket)
    assert not OutboxTask.objects.exists()  # each task deleted its row once done


def test_a_row_the_queue_lost_is_handed_over_again_after_its_grace(world, monkeypatch):
    from escalade.core import tasks

    lost: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks, "outbox_run", lambda *args: lost.append(args))  # taken, then lost
    ticket = create(world)
    row = OutboxTask.objects.get(task="search.index_tickets")
    assert outbox_relay() == 0  # within the grace: the task may still be on its way
    monkeypatch.undo()

    OutboxTask.objects.update(next_relay_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox_relay() == 2
    assert indexed(ticket)
    assert not OutboxTask.objects.filter(pk=row.pk).exists()


def test_a_task_that_keeps_failing_is_retried_with_a_growing_delay(world, monkeypatch):
    from escalade.search import tasks as search_tasks

    def broken(*_args: Any) -> None:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(search_tasks.index_tickets_task, "call_local", broken)
    create(world)
    OutboxTask.objects.update(next_relay_at=timezone.now())
    before = timezone.now()
    outbox_relay()
    row = OutboxTask.objects.get(task="search.index_tickets")
    assert row.attempts == 1
    assert row.next_relay_at >= before + relay_backoff(1)
    assert [relay_backoff(n) for n in (1, 2, 3, 10)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
        dt.timedelta(hours=1),
    ]


def test_running_a_row_twice_changes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(world)
    document = SearchDocument.objects.get(kind="ticket", object_id=ticket.pk)
    outbox.outbox_execute(row_id=0, task="search.index_tickets", args=[[ticket.pk]])
    assert SearchDocument.objects.filter(kind="ticket", object_id=ticket.pk).count() == 1
    assert SearchDocument.objects.get(pk=document.pk).title == document.title


def test_a_task_that_is_not_registered_cannot_be_deferred():
    class Unregistered:
        name = "nobody.knows"

        def __call__(self, *args: Any) -> None: ...

        def call_local(self, *args: Any) -> None: ...

    with pytest.raises(ValueError, match="not registered"):
        outbox.outbox_defer(Unregistered(), 1)


def test_the_relay_thread_keeps_going_after_a_failure():
    calls: list[int] = []

    def relay() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database unreachable")
        return 0

    thread = OutboxRelay(interval=0.01, relay=relay)
    thread.start()
    try:
        deadline = timezone.now() + dt.timedelta(seconds=5)
        while len(calls) < 3 and timezone.now() < deadline:
            thread.stopped.wait(0.01)
    finally:
        thread.stop()
        thread.join(timeout=2)
    assert len(calls) >= 3
