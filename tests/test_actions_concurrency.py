"""One slow query does not hold up other conversations in the action server.

A lock held on the database (SQLite: a write lock; PostgreSQL: the table
locked) keeps one conversation's action waiting; another conversation's
action, sent meanwhile to the same real action server, answers at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager

import httpx
from rasa_sdk.executor import ActionExecutor
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_PORTS

WEBHOOK = f"http://127.0.0.1:{TEST_PORTS['actions_port']}/webhook"
HELD_SECONDS = 3.0


def test_every_action_runs_off_the_servers_event_loop():
    executor = ActionExecutor()
    executor.register_package("actions")
    assert len(executor.actions) > 30
    on_the_loop = [name for name, run in executor.actions.items() if not getattr(run, "off_the_loop", False)]
    assert on_the_loop == []


def call(action: str, sender: str, text_: str, intent: str, slots: dict, extra: dict | None = None) -> dict:
    message = {"text": text_, "intent": {"name": intent, "confidence": 0.99}, "entities": [], **(extra or {})}
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": message,
        "events": [{"event": "user", "text": text_, "parse_data": message, "timestamp": time.time()}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.21"}
    response = httpx.post(WEBHOOK, json=body, timeout=30)
    response.raise_for_status()
    return response.json()


@contextmanager
def table_locked(database_url: str):
    """Hold the lock an UPDATE of offer_events waits for, as a slow writer would."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock: readers go on, writers wait
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        engine = create_engine(database_url)
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE offer_events IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                transaction.rollback()
        engine.dispose()


def test_a_conversation_waiting_on_a_lock_does_not_delay_another(stack, database_url):
    # Warm both actions up, so the timings below are the lock's alone.
    call("action_answer_faq", "warm-faq", "what are your opening hours", "faq", {})
    call("action_explain_bill", "warm-bill", "why is my bill so high", "explain_bill", {"customer_id": "C00001"})
    waiting: dict = {}

    def slow_conversation():
        started = time.monotonic()
        # An offer was shown and the customer moved on: the action marks it ignored (an UPDATE), and waits.
        waiting["reply"] = call(
            "action_explain_bill",
            "locked-bill",
            "why is my bill so high",
            "explain_bill",
            {"customer_id": "C00001", "offer_id": 1},
        )
        waiting["seconds"] = time.monotonic() - started

    faq = {"response_selector": {"faq": {"response": {"intent_response_key": "faq/opening_hours"}}}}
    with table_locked(database_url):
        slow = threading.Thread(target=slow_conversation)
        slow.start()
        time.sleep(0.5)  # the slow action is in, waiting on the lock
        started = time.monotonic()
        other = call("action_answer_faq", "other-faq", "what are your opening hours", "faq", {}, faq)
        other_seconds = time.monotonic() - started
        time.sleep(max(0.0, HELD_SECONDS - 0.5 - other_seconds))
    slow.join(30)
    assert other_seconds < 1.0, f"the other conversation waited {other_seconds:.1f} s behind the lock"
    assert other["responses"] and "0330 123 4567" in other["responses"][0]["text"]  # business/policies.yml
    # The waiting one carried on once the lock was gone, and answered from the records.
    assert waiting["seconds"] >= HELD_SECONDS - 0.6
    texts = " ".join(r.get("text") or "" for r in waiting["reply"]["responses"])
    assert "£" in texts or any(r.get("response") for r in waiting["reply"]["responses"])
