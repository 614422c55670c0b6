"""Conversation locks shared by Rasa replicas, on the local Redis server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore

from assistant.preflight import check_redis
from connectors.lock_store import AtomicRedisLockStore, EnvironmentLockStore, redis_lock_store

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")

needs_redis = pytest.mark.skipif(bool(check_redis(REDIS_URL)), reason=f"no Redis at {REDIS_URL}")


def test_the_environment_picks_the_lock_store(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(EnvironmentLockStore(endpoint_config=None), InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", "redis://:secret@10.0.0.9:6390/4")
    store = EnvironmentLockStore(endpoint_config=None)
    assert isinstance(store, AtomicRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("10.0.0.9", 6390, 4, "secret")


@needs_redis
def test_two_replicas_taking_tickets_at_once_never_get_the_same_number():
    replicas = [redis_lock_store(REDIS_URL), redis_lock_store(REDIS_URL)]
    conversation = f"tickets-{uuid.uuid4().hex}"

    def take(n):
        return replicas[n % 2].issue_ticket(conversation, 30)

    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(take, range(200)))
    assert sorted(tickets) == list(range(200))
    replicas[0].delete_lock(conversation)


@needs_redis
def test_one_conversation_is_handled_by_one_replica_at_a_time():
    conversation = f"turns-{uuid.uuid4().hex}"
    trace = []

    async def handle(store, name):
        async with store.lock(conversation, 30):
            trace.append(("in", name))
            await asyncio.sleep(0.02)
            trace.append(("out", name))

    async def run():
        stores = [redis_lock_store(REDIS_URL), redis_lock_store(REDIS_URL)]
        await asyncio.gather(*(handle(stores[n % 2], n) for n in range(10)))

    asyncio.run(run())
    assert len(trace) == 20
    for enter, leave in zip(trace[::2], trace[1::2]):
        assert enter[0] == "in" and leave == ("out", enter[1])  # nobody entered before the last one left
    assert redis_lock_store(REDIS_URL).get_lock(conversation) is None  # the last one out cleaned up


@needs_redis
def test_a_ticket_is_renewed_while_its_message_is_handled_for_longer_than_the_lease(monkeypatch):
    monkeypatch.setattr("connectors.lock_store.LEASE_SECONDS", 0.6)
    conversation = f"lease-{uuid.uuid4().hex}"
    trace = []

    async def handle(store, name, seconds):
        async with store.lock(conversation, 30):
            trace.append(("in", name))
            await asyncio.sleep(seconds)
            trace.append(("out", name))

    async def run():
        first, second = redis_lock_store(REDIS_URL), redis_lock_store(REDIS_URL)
        slow = asyncio.ensure_future(handle(first, "slow", 2.0))  # more than three leases
        await asyncio.sleep(0.1)
        await asyncio.gather(slow, handle(second, "next", 0))

    asyncio.run(run())
    assert trace == [("in", "slow"), ("out", "slow"), ("in", "next"), ("out", "next")]


HOLD_AND_HANG = """
import asyncio, sys
from connectors.lock_store import redis_lock_store

async def hold():
    async with redis_lock_store(sys.argv[1]).lock(sys.argv[2], 60):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(hold())
"""


@needs_redis
def test_the_ticket_of_a_replica_killed_mid_message_lapses_after_the_lease_not_a_minute(monkeypatch):
    monkeypatch.setattr("connectors.lock_store.LEASE_SECONDS", 1.0)
    conversation = f"dead-{uuid.uuid4().hex}"
    replica = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_HANG, REDIS_URL, conversation],
        cwd=ROOT, env={**os.environ, "LOCK_LEASE_SECONDS": "1"}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert replica.stdout.readline().strip() == "held"
        time.sleep(1.5)  # it renews its lease while alive
        assert redis_lock_store(REDIS_URL).get_lock(conversation).is_someone_waiting()
    finally:
        replica.kill()
        replica.wait()

    async def take_over():
        started = time.monotonic()
        async with redis_lock_store(REDIS_URL).lock(conversation, 60):
            return time.monotonic() - started

    assert asyncio.run(take_over()) < 2.5  # Rasa's own lifetime would block it for 60 s
