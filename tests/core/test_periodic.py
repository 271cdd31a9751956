"""Periodic jobs run once per tick, however many workers enqueue them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from escalade.core.models import ScheduledTick, WorkerHeartbeat
from escalade.core.services import scheduled_tick_prune, tick_claim
from escalade.core.tasks import heartbeat

TICK = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_tick_is_claimed_once():
    assert tick_claim(job="test.job", tick=TICK) is True
    assert tick_claim(job="test.job", tick=TICK) is False
    assert tick_claim(job="test.job", tick=TICK + timedelta(minutes=1)) is True
    assert tick_claim(job="other.job", tick=TICK) is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_a_tick_exactly_once():
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        try:
            results.append(tick_claim(job="test.race", tick=TICK))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 5 + [True]
    assert ScheduledTick.objects.filter(job="test.race").count() == 1


@pytest.mark.django_db
def test_the_heartbeat_job_runs_once_per_minute_whoever_enqueues_it():
    assert heartbeat.run_once() is True
    assert heartbeat.run_once() is False

    assert ScheduledTick.objects.filter(job="core.heartbeat").count() == 1
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_old_tick_claims_are_pruned():
    tick_claim(job="test.job", tick=TICK)
    ScheduledTick.objects.update(claimed_at=datetime(2020, 1, 1, tzinfo=UTC))
    tick_claim(job="test.job", tick=TICK + timedelta(minutes=1))

    assert scheduled_tick_prune(older_than=timedelta(days=7)) == 1
    assert ScheduledTick.objects.count() == 1
