"""Actions run off the action server's event loop.

The actions read and write the database with SQLAlchemy's synchronous
sessions. Run on the server's event loop, one slow query (a lock held, a
busy PostgreSQL) would freeze every other conversation's action behind it.
So every action's `run` goes to a worker thread of its own pool, which has
an event loop of its own for whatever the action awaits (the survey's HTTP
call to the sidecar); the server's loop only waits for the result.

`OffTheLoop` does that for each subclass's `run`, inherited or its own;
tests/test_actions_concurrency.py checks that every registered action has it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import Any, Awaitable, Callable, Optional, TypeVar

T = TypeVar("T")

# At most as many actions at once as the database pool lends connections (assistant/db.py).
ACTION_THREADS = int(os.environ.get("ACTION_THREADS", "8"))
_pool: Optional[ThreadPoolExecutor] = None
_here = threading.local()


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="action")
    return _pool


def _run_to_end(make: Callable[[], Awaitable[T]]) -> T:
    loop = getattr(_here, "loop", None)
    if loop is None:
        loop = _here.loop = asyncio.new_event_loop()
    return loop.run_until_complete(make())


async def off_the_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Await `make()` on a worker thread (directly when already on one)."""
    if getattr(_here, "loop", None) is not None and asyncio.get_running_loop() is _here.loop:
        return await make()
    return await asyncio.get_running_loop().run_in_executor(_workers(), _run_to_end, make)


def _moved(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @wraps(run)
    async def moved(self, *args, **kwargs):
        return await off_the_loop(lambda: run(self, *args, **kwargs))

    moved.off_the_loop = True
    return moved


class OffTheLoop:
    """Put first among an action's bases: its `run` then happens on a worker thread."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        run = getattr(cls, "run", None)
        if run is not None and not getattr(run, "off_the_loop", False):
            cls.run = _moved(run)
