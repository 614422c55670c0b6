"""Conversation transcripts, read from Rasa's SQL tracker store (`events`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, List

from sqlalchemy import column, inspect, select, table
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
        lines.append(
            {
                "speaker": "customer" if type_name == "user" else "assistant",
                "text": text,
                "at": datetime.utcfromtimestamp(timestamp).isoformat(timespec="seconds"),
            }
        )
    return lines
