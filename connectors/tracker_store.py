"""Rasa's SQL tracker store, pointed at the application database.

`DATABASE_URL` decides for the app and the tracker store alike (SQLite file
under var/ by default), so one setting moves both to PostgreSQL. Pooled connections are tested before
use, so a database restart costs a few failed messages, not one per stale
connection. Pool size: Rasa's SQL_POOL_SIZE / SQL_MAX_OVERFLOW.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional

import ujson
from rasa.core.tracker_store import DialogueStateTracker, FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import create_engine, func, insert, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from assistant.db import database_url, postgres_timeouts
from connectors.transcripts import ensure_indexes

logger = logging.getLogger(__name__)


class DatabaseUrlTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Any] = None, host: Optional[str] = None, **kwargs: Any) -> None:
        url = make_url(database_url())
        dialect = url.drivername
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=kwargs.get("event_broker"),
            query=dict(url.query) or None,
        )
        if self.engine.dialect.name != "sqlite":
            # Rasa's engine does not test pooled connections: after a database
            # restart every stale one would fail a customer's message once.
            engine_url = self.engine.url
            self.engine.dispose()
            # The same connect and statement timeouts as the records' engine (assistant/db.py).
            kwargs = create_engine_kwargs(engine_url)
            if self.engine.dialect.name == "postgresql":
                kwargs["connect_args"] = postgres_timeouts(kwargs.get("connect_args", {}).get("options", ""))
            self.engine = create_engine(engine_url, pool_pre_ping=True, **kwargs)
            self.sessionmaker = sessionmaker(bind=self.engine)
        ensure_indexes(self.engine)

    # Rasa counts a conversation's stored events with a query on every save, to
    # know which are new. Under the conversation's lock nothing else writes
    # them between load and save, so the number loaded (or last saved) is that
    # count without the query: profiled under `make load`, a tenth of a
    # replica's CPU. A tracker built any other way still gets the query.

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            tracker.events_in_store = len(tracker.events)
        return tracker

    # Every message reloads the conversation's events, so this cost grows with
    # the conversation. Rasa's own loading finds each event's class by walking
    # all Event subclasses, once per event, and builds an ORM object per row:
    # profiled at turn 80 of one conversation, that was a third of the reply
    # time. Here the rows are read as bare JSON, parsed with ujson, and each
    # class is found in a table built once. Same query, same events, same
    # order (tests/test_tracker_store.py compares the two). Read with a plain
    # SELECT rather than Rasa's ORM query.

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        events = self.SQLEvent
        query = select(events.data).where(events.sender_id == sender_id)
        if not fetch_events_from_all_sessions:  # from the latest session start on, as Rasa's _event_query
            started = (
                select(func.max(events.timestamp))
                .where(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            query = query.where(or_(events.timestamp >= started, started.is_(None)))
        with self.session_scope() as session:
            rows = session.execute(query.order_by(events.id)).scalars().all()
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_events(
            sender_id, deserialise_events(ujson.loads(data) for data in rows), self.domain.slots
        )

    # Rasa saves a turn's new events one ORM object at a time (a unit of work
    # per row); the same rows go in here as one multi-row INSERT. Profiled
    # under `make load`, saving was an eighth of a replica's CPU.

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(insert(self.SQLEvent.__table__), rows)
                session.commit()
        tracker.events_in_store = len(tracker.events)

    @staticmethod
    def _row(sender_id: str, event: Event) -> Dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def replies_to(self, sender_id: str, message_id: str) -> Optional[List[Dict[str, Any]]]:
        """What the assistant answered to the customer's message `message_id`, if
        this conversation already holds that message; None if it does not."""
        events = self.SQLEvent
        with self.session_scope() as session:
            candidates = session.execute(
                select(events.id, events.data).where(
                    events.sender_id == sender_id,
                    events.type_name == "user",
                    events.data.contains(f'"message_id": "{message_id}"', autoescape=True),
                )
            ).all()
            found = [row_id for row_id, data in candidates if json.loads(data).get("message_id") == message_id]
            if not found:
                return None
            later = session.execute(
                select(events.type_name, events.data)
                .where(events.sender_id == sender_id, events.id > found[0])
                .order_by(events.id)
            ).all()
        replies = []
        for kind, data in later:
            if kind == "user":
                break
            if kind == "bot":
                event = json.loads(data)
                extras = {key: value for key, value in (event.get("data") or {}).items() if value is not None}
                replies.append({"text": event.get("text"), **extras})
        return replies

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, "events_in_store", None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))


_EVENT_CLASSES: Dict[str, Any] = {}


def event_class(type_name: Any) -> Any:
    """The Event subclass stored under `type_name`; None for a name Rasa does not know."""
    if not _EVENT_CLASSES:
        for cls in all_subclasses(Event):
            _EVENT_CLASSES.setdefault(cls.type_name, cls)  # Rasa takes the first match too
    return _EVENT_CLASSES.get(type_name)


def deserialise_events(serialised: Iterable[Dict[str, Any]]) -> List[Event]:
    """Rasa's `deserialise_events` with the class lookup above; anything it does not
    know (a renamed or retired event type) goes through Rasa's own path."""
    events = []
    for parameters in serialised:
        if "event" not in parameters:
            continue
        cls = event_class(parameters["event"])
        event = cls._from_parameters(parameters) if cls is not None else Event.from_parameters(parameters)
        if event is not None:
            events.append(event)
        else:
            logger.warning("an event of type %r could not be read", parameters.get("event"))
    return events


def _raise(error: Exception) -> None:
    raise error


def refuse_silent_fallback(agent: Any) -> None:
    """Make a tracker store failure fail the message instead of being papered over.

    Rasa wraps every tracker store in a fail-safe one which, when the database
    is away, hands the processor an empty conversation and saves the turn in
    this process's memory, where no other replica, and no restart, will find
    it: the customer is answered as a stranger and the turn is lost. With this
    the error reaches the channel, which tells the customer to try again
    (connectors/channels.py), and the database keeps the whole conversation.
    """
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        store._on_tracker_store_error = _raise


# --- a customer's retry is answered once -----------------------------------------
# A client that sends `metadata.message_id` (letters, digits, - and _) may send
# the same message again when the first attempt failed in transit (the replica
# it reached died, say). If the conversation already holds that message, the
# replies it got are sent again and nothing is handled twice. The check runs
# under the conversation's lock, so it cannot race the first attempt.

MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def client_message_id(metadata: Any) -> Optional[str]:
    candidate = metadata.get("message_id") if isinstance(metadata, dict) else None
    return candidate if isinstance(candidate, str) and MESSAGE_ID.match(candidate) else None


def answer_retries_once(agent: Any) -> None:
    processor = getattr(agent, "processor", None)
    store = getattr(getattr(agent, "tracker_store", None), "_tracker_store", None)
    if processor is None or not isinstance(store, DatabaseUrlTrackerStore) or hasattr(processor, "first_attempt"):
        return
    processor.first_attempt = processor.handle_message

    async def handle_message(message: Any) -> Any:
        message_id = client_message_id(message.metadata)
        if message_id and message_id == message.message_id:
            replies = store.replies_to(message.sender_id, message_id)
            if replies is not None:
                logger.info("message %s of %s was handled before: its replies are sent again", message_id,
                            message.sender_id)  # fmt: skip
                for reply in replies:
                    await message.output_channel.send_response(message.sender_id, reply)
                return None
        return await processor.first_attempt(message)

    processor.handle_message = handle_message
