"""The tracker store's own loading gives back what Rasa's loading gives, faster.

Each message reloads the conversation, so `DatabaseUrlTrackerStore._retrieve`
reads bare JSON and looks event classes up in a table; these tests store real
events in the test database and compare the result with Rasa's own
`SQLTrackerStore._retrieve` on the same rows.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from sqlalchemy import select

from connectors.tracker_store import DatabaseUrlTrackerStore, deserialise_events, event_class

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def store(database_url):
    return DatabaseUrlTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")))


def _user(text, intent, at, **extra):
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.91},
        "entities": extra.pop("entities", []),
        "intent_ranking": [{"name": intent, "confidence": 0.91}, {"name": "greet", "confidence": 0.05}],
    }
    return UserUttered(text, parse["intent"], parse["entities"], parse, timestamp=at, **extra)


def _conversation(start: float):
    at = iter(start + step for step in range(100))
    return [
        ActionExecuted("action_session_start", timestamp=next(at)),
        SessionStarted(timestamp=next(at)),
        SlotSet("customer_id", "C00001", timestamp=next(at)),
        ActionExecuted("action_listen", timestamp=next(at)),
        _user(
            "where is my order 10042",
            "order_status",
            next(at),
            entities=[{"entity": "order_number", "value": "10042", "start": 19, "end": 24}],
        ),  # fmt: skip
        SlotSet("order_number", "10042", timestamp=next(at)),
        ActionExecuted("action_order_status", timestamp=next(at)),
        BotUttered("Order 10042 is on its way.", {"buttons": None, "custom": {"order": "10042"}}, timestamp=next(at)),
        ActionExecuted("action_listen", timestamp=next(at)),
        _user("asdf", "nlu_fallback", next(at)),
        UserUtteranceReverted(timestamp=next(at)),
        ActionExecuted("action_listen", timestamp=next(at)),
        _user("my internet is down", "technical_problem", next(at)),
        ActionExecuted("troubleshoot_form", timestamp=next(at)),
        ActiveLoop("troubleshoot_form", timestamp=next(at)),
        SlotSet("requested_slot", "router_restarted", timestamp=next(at)),
        ActionExecuted("action_listen", timestamp=next(at)),
        _user("a human please", "human_handoff", next(at)),
        ConversationPaused(timestamp=next(at)),
        ConversationResumed(timestamp=next(at)),
    ]


def _both(store, sender, all_sessions=False):
    ours = asyncio.run(store._retrieve(sender, fetch_events_from_all_sessions=all_sessions))
    rasas = asyncio.run(SQLTrackerStore._retrieve(store, sender, fetch_events_from_all_sessions=all_sessions))
    return ours, rasas


def _save(store, sender, events):
    tracker = DialogueStateTracker.from_events(sender, events, store.domain.slots)
    asyncio.run(store.save(tracker))


def test_a_conversation_loads_with_the_same_events_slots_and_state_as_rasas_own_loading(store):
    sender = f"ts-{uuid.uuid4().hex[:8]}"
    _save(store, sender, _conversation(time.time()))

    ours, rasas = _both(store, sender)

    assert len(ours.events) == 19  # from SessionStarted: action_session_start ran before it
    assert list(ours.events) == list(rasas.events)
    assert [type(e) for e in ours.events] == [type(e) for e in rasas.events]
    assert ours.current_state(EventVerbosity.ALL) == rasas.current_state(EventVerbosity.ALL)
    assert ours.get_slot("order_number") == "10042"
    assert ours.active_loop_name == "troubleshoot_form"
    assert ours.latest_message.text == "a human please"


def test_only_the_latest_session_is_loaded_unless_the_whole_history_is_asked_for(store):
    sender = f"ts-{uuid.uuid4().hex[:8]}"
    first = _conversation(time.time() - 7200)
    second = _conversation(time.time())[:9]
    _save(store, sender, first + second)

    latest, rasas_latest = _both(store, sender)
    whole, rasas_whole = _both(store, sender, all_sessions=True)

    assert list(latest.events) == list(rasas_latest.events)
    assert list(whole.events) == list(rasas_whole.events)
    assert len(whole.events) == len(first) + len(second)
    assert len(latest.events) == len(second) - 1  # from the second session's SessionStarted
    assert isinstance(latest.events[0], SessionStarted)


def test_a_turn_is_saved_as_the_same_rows_rasas_own_saving_writes(store):
    ours, rasas = f"ts-{uuid.uuid4().hex[:8]}", f"ts-{uuid.uuid4().hex[:8]}"
    events = _conversation(time.time())
    first, turn = events[:9], events[9:]
    for sender, save in ((ours, store.save), (rasas, lambda t: SQLTrackerStore.save(store, t))):
        asyncio.run(save(DialogueStateTracker.from_events(sender, first, store.domain.slots)))
        tracker = asyncio.run(store.retrieve(sender))
        for event in turn:
            tracker.update(event)
        asyncio.run(save(tracker))
    table = store.SQLEvent

    def rows(sender):
        columns = (table.type_name, table.timestamp, table.intent_name, table.action_name, table.data)
        with store.session_scope() as session:
            return session.execute(select(*columns).where(table.sender_id == sender).order_by(table.id)).all()

    assert len(rows(ours)) == len(events)
    assert rows(ours) == rows(rasas)
    assert [r.intent_name for r in rows(ours) if r.type_name == "user"] == [
        "order_status", "nlu_fallback", "technical_problem", "human_handoff"
    ]  # fmt: skip


def test_an_unknown_conversation_is_none(store):
    assert asyncio.run(store.retrieve(f"nobody-{uuid.uuid4().hex[:8]}")) is None


def test_a_legacy_topic_event_is_skipped_as_rasa_skips_it(store):
    sender = f"ts-{uuid.uuid4().hex[:8]}"
    _save(store, sender, _conversation(time.time())[:5])
    with store.session_scope() as session:
        session.add(store.SQLEvent(sender_id=sender, type_name="topic", timestamp=time.time() + 200,
                                   intent_name=None, action_name=None,
                                   data=json.dumps({"event": "topic", "timestamp": time.time() + 200, "topic": "x"})))  # fmt: skip
        session.commit()

    ours, rasas = _both(store, sender)

    assert list(ours.events) == list(rasas.events)
    assert len(ours.events) == 4  # the session's four, no topic


def test_the_class_table_finds_every_event_rasa_can_store():
    for cls in (UserUttered, BotUttered, ActionExecuted, SlotSet, SessionStarted, ActiveLoop, ConversationPaused):
        assert event_class(cls.type_name) is cls
    assert event_class("no_such_event") is None
    with pytest.raises(ValueError, match="no_such_event"):
        deserialise_events([{"event": "no_such_event"}])  # as Rasa refuses it
    assert deserialise_events([{"timestamp": 1.0}]) == []  # no type: nothing to read
