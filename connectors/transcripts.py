"""Conversation transcripts and state, read from Rasa's SQL tracker store (`events`).

Rasa's storage format is read here and nowhere else: the sidecar asks these
functions for what was said, whose conversation it is, which ones are live,
and, for retention and erasure (assistant/retention.py), which conversations
to delete.

The console polls `live_conversations` every few seconds; the index
`ix_events_type_time` (made by `ensure_indexes`, which the tracker store calls
at start) keeps that a range read of recent customer messages rather than a
scan of every event ever stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Set

from sqlalchemy import column, delete, func, inspect, select, table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

EVENTS = table("events", column("id"), column("sender_id"), column("type_name"), column("timestamp"), column("data"))
POLL_INDEX = "ix_events_type_time"
CUSTOMER_SLOT = "customer_id"


def ensure_indexes(engine: Engine) -> None:
    """The index the console's poll reads through (Rasa makes the table, not this index)."""
    if not inspect(engine).has_table("events"):
        return
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {POLL_INDEX} ON events (type_name, timestamp)"))
    except SQLAlchemyError:  # two replicas starting at once: one of them makes it
        if POLL_INDEX not in {index["name"] for index in inspect(engine).get_indexes("events")}:
            raise


def _has_events(session: Session) -> bool:
    return inspect(session.get_bind()).has_table("events")


def transcript(session: Session, conversation_id: str, limit: int = 500) -> List[Dict[str, Any]]:
    """What the customer and the assistant (or a rep) said, oldest first."""
    if not _has_events(session):
        return []
    rows = session.execute(
        select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot")))
        .order_by(EVENTS.c.id)
        .limit(limit)
    )
    lines = []
    for type_name, timestamp, data in rows:
        event = json.loads(data)
        said = event.get("text")
        if not said:
            continue
        rep = (event.get("metadata") or {}).get("rep") if type_name == "bot" else None
        lines.append(
            {
                "speaker": "customer" if type_name == "user" else ("rep" if rep else "assistant"),
                "text": said,
                "at": datetime.utcfromtimestamp(timestamp).isoformat(timespec="seconds"),
            }
        )
    return lines


def _customer_set(event: Dict[str, Any]) -> Optional[str]:
    """The customer a slot event binds the conversation to, if it is that slot and set."""
    if event.get("name") == CUSTOMER_SLOT and event.get("value"):
        return str(event["value"])
    return None


@dataclass
class ConversationState:
    """What the tracker says about a conversation, for the rep console."""

    customer_id: Optional[str] = None
    complaint_open: bool = False
    cancelling: bool = False
    known: bool = False  # the tracker store has this conversation


def conversation_state(session: Session, conversation_id: str) -> ConversationState:
    """The customer and open complaint or cancellation, from the latest slot and loop events."""
    state = ConversationState()
    if not _has_events(session):
        return state
    rows = session.execute(
        select(EVENTS.c.type_name, EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("slot", "active_loop", "user")))
        .order_by(EVENTS.c.id)
    )
    for type_name, data in rows:
        state.known = True
        event = json.loads(data)
        if type_name == "slot":
            state.customer_id = _customer_set(event) or state.customer_id
            if event.get("name") == "complaint_active":
                state.complaint_open = bool(event.get("value"))
            elif event.get("name") == "cancel_reason" and event.get("value") is None:
                state.cancelling = False
        elif type_name == "active_loop":
            state.cancelling = event.get("name") == "cancel_form"
    return state


def live_conversations(session: Session, since_epoch: float, limit: int = 50) -> List[Dict[str, Any]]:
    """Conversations the customer wrote in since `since_epoch` (Unix seconds), latest first."""
    if not _has_events(session):
        return []
    rows = session.execute(
        select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp).label("last"))
        .where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= since_epoch)
        .group_by(EVENTS.c.sender_id)
        .order_by(func.max(EVENTS.c.timestamp).desc())
        .limit(limit)
    )
    return [
        {"conversation_id": sender, "last_message_at": datetime.utcfromtimestamp(last).isoformat(timespec="seconds")}
        for sender, last in rows
    ]


def conversation_customers(session: Session, conversation_ids: List[str]) -> Dict[str, Optional[str]]:
    """The customer each conversation is bound to (None if not yet), in one query."""
    owners: Dict[str, Optional[str]] = dict.fromkeys(conversation_ids)
    if not conversation_ids or not _has_events(session):
        return owners
    rows = session.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.sender_id.in_(conversation_ids), EVENTS.c.type_name == "slot")
        .order_by(EVENTS.c.id)
    )
    for sender_id, data in rows:
        owners[sender_id] = _customer_set(json.loads(data)) or owners[sender_id]
    return owners


def conversations_of(session: Session, customer_id: str) -> Set[str]:
    """Every conversation that was ever bound to this customer (for erasure)."""
    if not _has_events(session):
        return set()
    rows = session.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data).where(
            EVENTS.c.type_name == "slot", EVENTS.c.data.contains(customer_id, autoescape=True)
        )
    )
    return {sender for sender, data in rows if _customer_set(json.loads(data)) == customer_id}


def conversations_idle_since(session: Session, before_epoch: float) -> Set[str]:
    """Conversations whose latest event is older than `before_epoch` (for retention)."""
    if not _has_events(session):
        return set()
    rows = session.execute(
        select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < before_epoch)
    )
    return set(rows.scalars())


def delete_conversations(session: Session, conversation_ids: Iterable[str], batch: int = 500) -> int:
    """Delete these conversations' events; returns how many events went."""
    ids, removed = sorted(set(conversation_ids)), 0
    if not ids or not _has_events(session):
        return 0
    for start in range(0, len(ids), batch):
        result = session.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids[start : start + batch])))
        removed += result.rowcount or 0
    return removed
