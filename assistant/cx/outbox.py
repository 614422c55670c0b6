"""The feedback outbox: surveys wait here while the sidecar is unreachable."""

from __future__ import annotations

import json
from typing import Any, Dict

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.cx.feedback import FeedbackConflict, record_feedback
from assistant.models import FeedbackOutbox


def put(session: Session, feedback: Dict[str, Any], error: str = "") -> FeedbackOutbox:
    row = FeedbackOutbox(
        conversation_id=feedback["conversation_id"],
        payload=json.dumps(feedback),
        created_at=clock.now(),
        attempts=1,
        last_error=error[:200] or None,
    )
    session.add(row)
    session.flush()
    return row


def drain(session: Session, limit: int = 500) -> int:
    """Record every waiting survey; returns how many were delivered now."""
    delivered = 0
    rows = session.execute(
        select(FeedbackOutbox).where(FeedbackOutbox.delivered_at.is_(None)).order_by(FeedbackOutbox.id).limit(limit)
    ).scalars()
    for row in rows:
        try:
            record_feedback(session, **json.loads(row.payload))
        except FeedbackConflict:
            pass  # the conversation's feedback arrived by another road: already recorded once
        row.delivered_at = clock.now()
        row.attempts += 1
        delivered += 1
    session.flush()
    return delivered
