"""Conversation transcripts and state, read from Rasa's SQL tracker store (`events`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.orm import Session

EVENTS = table("events", column("id"), column("sender_id"), column("type_name"), column("timestamp"), column("data"))


def transcript(session: Session, conversation_id: str, limit: int = 500) -> List[Dict[str, Any]]:
    """What the customer and the assistant (or a rep) said, oldest first."""
    if not inspect(session.get_bind()).has_table("events"):
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
        text = event.get("text")
        if not text:
            continue
        rep = (event.get("metadata") or {}).get("rep") if type_name == "bot" else None
        lines.append(
            {
                "speaker": "customer" if type_name == "user" else ("rep" if rep else "assistant"),
                "text": text,
                "at": datetime.utcfromtimestamp(timestamp).isoformat(timespec="seconds"),
            }
        )
    return lines


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
    if not inspect(session.get_bind()).has_table("events"):
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
            name, value = event.get("name"), event.get("value")
            if name == "customer_id":
                state.customer_id = value or state.customer_id
            elif name == "complaint_active":
                state.complaint_open = bool(value)
            elif name == "cancel_reason" and value is None:
                state.cancelling = False
        elif type_name == "active_loop":
            state.cancelling = event.get("name") == "cancel_form"
    return state


def live_conversations(session: Session, since_epoch: float, limit: int = 50) -> List[Dict[str, Any]]:
    """Conversations the customer wrote in since `since_epoch` (Unix seconds), latest first."""
    if not inspect(session.get_bind()).has_table("events"):
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
    if not conversation_ids or not inspect(session.get_bind()).has_table("events"):
        return owners
    rows = session.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.sender_id.in_(conversation_ids), EVENTS.c.type_name == "slot")
        .order_by(EVENTS.c.id)
    )
    for sender_id, data in rows:
        event = json.loads(data)
        if event.get("name") == "customer_id" and event.get("value"):
            owners[sender_id] = event["value"]
    return owners
