"""`POST /api/conversations/{id}/resolve`: a rep closes a conversation they handled.

The hand-off is marked resolved, the assistant is resumed (Rasa paused it at
the hand-off), and it asks the customer the post-chat survey in their chat.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List
from urllib.parse import quote

import httpx
from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel

from api.deps import RepDep, SessionDep
from assistant.handoff import resolve_handoffs

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


def rasa_url() -> str:
    return os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")


class Resolved(BaseModel):
    conversation_id: str
    handoffs_closed: int
    survey_started: bool
    messages: List[Dict[str, Any]]


@router.post("/{conversation_id}/resolve", response_model=Resolved, summary="Mark resolved and start the survey")
def resolve(
    session: SessionDep, user: RepDep, conversation_id: str = Path(..., min_length=1, max_length=120)
) -> Resolved:
    closed = resolve_handoffs(session, conversation_id, user.username)
    session.commit()  # the survey's action reads the rep from the hand-off
    base = f"{rasa_url()}/conversations/{quote(conversation_id, safe='')}"
    try:
        with httpx.Client(timeout=30) as client:
            # Resume, and close the turn the pause left open so the dialogue
            # policies see an ordinary "waiting for the customer" state.
            events = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
            client.post(f"{base}/tracker/events", json=events).raise_for_status()
            triggered = client.post(
                f"{base}/trigger_intent", params={"output_channel": "latest"}, json={"name": "resolved_by_rep"}
            )
            triggered.raise_for_status()
    except httpx.HTTPError:
        raise HTTPException(
            status_code=503, detail="The hand-off is closed, but the assistant could not be reached to ask the survey."
        )
    return Resolved(
        conversation_id=conversation_id,
        handoffs_closed=closed,
        survey_started=True,
        messages=triggered.json().get("messages", []),
    )
