"""Rasa's lock store, chosen by the environment.

Without `REDIS_URL` each Rasa process keeps its conversation locks in memory:
right for one process. With `REDIS_URL` (for example
`redis://127.0.0.1:6379/1`) the locks live in Redis, so several Rasa replicas
behind a load balancer take turns on a conversation instead of interleaving
its messages. One setting, no code or endpoints change.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from redis.connection import parse_url

from assistant.db import redis_url

LOCK_KEY_PREFIX = "assistant"
# How often a message waiting for its conversation's turn asks again (Rasa: 1 s).
WAIT_SECONDS = 0.05
# A ticket is a lease the replica holding it renews every second while it waits
# and works. A replica that dies stops renewing, and its tickets lapse within
# this many seconds, instead of Rasa's fixed 60 s lifetime blocking the
# conversation (and the customer's retry) for a minute.
LEASE_SECONDS = float(os.environ.get("LOCK_LEASE_SECONDS", 6))
RENEW_EVERY = 1.0

# What a change does to the stored lock: (value to return, lock to save, delete it?)
Change = Callable[[Optional[TicketLock]], Tuple[Any, Optional[TicketLock], bool]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with each read-change-write done atomically.

    Rasa's own reads a conversation's lock, changes it and writes it back in
    three steps. Two replicas taking a ticket at the same moment then both get
    ticket 0 and handle the conversation at once: measured here, one message
    in eight sent together to one conversation through two replicas vanished
    from its tracker. Here each change runs in a Redis transaction (WATCH /
    MULTI), retried if another replica changed the lock in between.
    """

    def _atomically(self, conversation_id: Text, change: Change) -> Any:
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> Any:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            result, changed, delete = change(lock)
            pipe.multi()
            if delete:
                pipe.delete(key)
            elif changed is not None:
                pipe.set(key, changed.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: Optional[TicketLock]):
            lock = lock or TicketLock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock, False

        try:
            return self._atomically(conversation_id, take)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]):
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock, False

        self._atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]):
            if lock is None:
                return None, None, False
            lock.remove_ticket_for(ticket_number)
            return None, lock, not lock.is_someone_waiting()

        self._atomically(conversation_id, finish)

    def renew(self, conversation_id: Text, ticket_number: int, lease: float) -> bool:
        """Push the ticket's expiry `lease` seconds ahead; False if it is gone."""

        def extend(lock: Optional[TicketLock]):
            for ticket in lock.tickets if lock else ():
                if ticket.number == ticket_number:
                    ticket.expires = time.time() + lease
                    return True, lock, False
            return False, None, False

        return self._atomically(conversation_id, extend)

    async def _keep_renewing(self, conversation_id: Text, ticket_number: int, lease: float) -> None:
        while True:
            await asyncio.sleep(min(RENEW_EVERY, lease / 3))
            try:
                await asyncio.to_thread(self.renew, conversation_id, ticket_number, lease)
            except Exception:  # noqa: BLE001 - Redis away for a moment: try again next time
                continue

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = WAIT_SECONDS
    ) -> AsyncGenerator[TicketLock, None]:
        lease = min(lock_lifetime, LEASE_SECONDS)
        ticket = self.issue_ticket(conversation_id, lease)
        renewing = asyncio.ensure_future(self._keep_renewing(conversation_id, ticket, lease))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            renewing.cancel()
            self.cleanup(conversation_id, ticket)


def redis_lock_store(url: str) -> RedisLockStore:
    """The Redis lock store for a `redis://[user:password@]host[:port][/db]` URL."""
    parts = parse_url(url)
    return AtomicRedisLockStore(
        host=parts.get("host", "localhost"),
        port=int(parts.get("port", 6379)),
        db=int(parts.get("db", 0)),
        username=parts.get("username"),
        password=parts.get("password"),
        use_ssl=url.startswith("rediss://"),
        key_prefix=LOCK_KEY_PREFIX,
    )


class EnvironmentLockStore(LockStore):
    """Named in endpoints.yml; becomes Rasa's Redis or in-memory lock store."""

    def __new__(cls, endpoint_config: Any = None, **_: Any) -> LockStore:  # type: ignore[misc]
        url = redis_url()
        return redis_lock_store(url) if url else InMemoryLockStore()
