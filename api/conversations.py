"""The rep's side of a conversation: the queue, taking one, replying, handing back, resolving.

Replies reach the customer's chat widget through Rasa: the message is added
to the conversation's tracker as a bot utterance marked with the rep, and
Rasa sends it out on the socket.io channel. Resolving marks the hand-off
resolved, resumes the assistant (Rasa paused it at the hand-off), and it asks
the customer the post-chat survey in their chat.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import httpx
from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from api.deps import RepDep, SessionDep
from api.rasa_client import push_events, trigger_intent, with_retries
from assistant.customers import customer_names
from assistant.handoff import (
    is_with_rep as is_handed_off,
)
from assistant.handoff import (
    open_handoffs,
    open_states,
    resolve_handoffs,
    restore,
    return_to_assistant,
    take_handoff,
    why_rep_may_not_act,
)
from assistant.models import StaffUser
from connectors.transcripts import conversation_customers, conversation_state, live_conversations

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


CONVERSATION_ID = Path(..., min_length=1, max_length=120)
LIVE_MINUTES = 30


class QueueItem(BaseModel):
    conversation_id: str
    customer_id: Optional[str]
    customer_name: Optional[str]
    status: str = Field(..., description="waiting | with_rep | live (no hand-off)")
    reason: Optional[str]
    rep_id: Optional[str]
    since: str


class Queue(BaseModel):
    handoffs: List[QueueItem]
    live: List[QueueItem]


@router.get("", response_model=Queue, summary="Conversations waiting for a rep, with one, and live ones")
def queue(session: SessionDep, _user: RepDep) -> Queue:
    handoffs = [
        QueueItem(
            conversation_id=h.conversation_id,
            customer_id=h.customer_id,
            customer_name=f"{first} {last}".strip() if first is not None else None,
            status=h.status,
            reason=h.reason,
            rep_id=h.rep_id,
            since=h.requested_at.isoformat(timespec="seconds"),
        )
        for h, first, last in open_handoffs(session)
    ]
    handed = {item.conversation_id for item in handoffs}
    rows = [
        r for r in live_conversations(session, time.time() - LIVE_MINUTES * 60) if r["conversation_id"] not in handed
    ]
    owners = conversation_customers(session, [r["conversation_id"] for r in rows])
    names = customer_names(session, [c for c in owners.values() if c])
    live = []
    for row in rows:
        customer_id = owners[row["conversation_id"]]
        live.append(
            QueueItem(
                conversation_id=row["conversation_id"],
                customer_id=customer_id,
                customer_name=names.get(customer_id),
                status="live",
                reason=None,
                rep_id=None,
                since=row["last_message_at"],
            )
        )
    return Queue(handoffs=handoffs, live=live)


class Taken(BaseModel):
    conversation_id: str
    status: str
    rep_id: str


@router.post("/{conversation_id}/take", response_model=Taken, summary="Pick up a conversation from the queue")
def take(session: SessionDep, user: RepDep, conversation_id: str = CONVERSATION_ID) -> Taken:
    handoff = take_handoff(session, conversation_id, user.username)
    if handoff is None:
        raise HTTPException(status_code=404, detail="That conversation is not waiting for a rep.")
    if handoff.rep_id != user.username:
        raise HTTPException(status_code=409, detail=f"{handoff.rep_id} already has this conversation.")
    return Taken(conversation_id=conversation_id, status=handoff.status, rep_id=user.username)


def require_may_act(session, user: StaffUser, conversation_id: str) -> None:
    """403 unless the user is a supervisor, or a rep on a conversation waiting for a person or held by them."""
    if user.role == "supervisor":
        return
    reason = why_rep_may_not_act(session, conversation_id, user.username)
    if reason:
        raise HTTPException(status_code=403, detail=reason)


class RepMessage(BaseModel):
    text: str = Field(..., max_length=2000)


class Sent(BaseModel):
    conversation_id: str
    text: str


# Resume the assistant, and close the turn the hand-off's pause left open, so
# the dialogue policies see an ordinary "waiting for the customer" state.
RESUME = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]


@router.post("/{conversation_id}/messages", response_model=Sent, status_code=201, summary="Send the customer a message")
def send_message(session: SessionDep, user: RepDep, body: RepMessage, conversation_id: str = CONVERSATION_ID) -> Sent:
    text = " ".join(body.text.split())
    if not text:
        raise HTTPException(status_code=422, detail="The message is empty: type something to send.")
    if not conversation_state(session, conversation_id).known:
        raise HTTPException(status_code=404, detail=f"No conversation with id {conversation_id!r}.")
    require_may_act(session, user, conversation_id)
    try:
        push_events(
            conversation_id,
            [{"event": "bot", "text": text, "metadata": {"rep": user.username, "rep_name": user.display_name}}],
        )
    except httpx.HTTPError:
        raise HTTPException(status_code=503, detail="The assistant could not be reached; the message was not sent.")
    return Sent(conversation_id=conversation_id, text=text)


class Returned(BaseModel):
    conversation_id: str
    handoffs_closed: int


@router.post(
    "/{conversation_id}/return", response_model=Returned, summary="Hand the conversation back to the assistant"
)
def hand_back(session: SessionDep, user: RepDep, conversation_id: str = CONVERSATION_ID) -> Returned:
    if is_handed_off(session, conversation_id):  # not handed off at all: the 404 below
        require_may_act(session, user, conversation_id)
    held = open_states(session, conversation_id)
    closed = return_to_assistant(session, conversation_id, user.username)
    if not closed:
        raise HTTPException(status_code=404, detail="That conversation is not with a rep.")
    session.commit()
    events = RESUME + [{"event": "bot", "text": "You're back with the assistant. What else can I help with?"}]
    try:
        with_retries(lambda: push_events(conversation_id, events))
    except httpx.HTTPError:
        _still_with_rep(session, held)
        raise HTTPException(
            status_code=503,
            detail="The assistant could not be reached, so the conversation is still with you; try again shortly.",
        )
    return Returned(conversation_id=conversation_id, handoffs_closed=closed)


def _still_with_rep(session, held) -> None:
    """Closing the hand-off could not be finished: it is put back, so the rep can try again."""
    restore(session, held)
    session.commit()


class Resolved(BaseModel):
    conversation_id: str
    handoffs_closed: int
    survey_started: bool
    messages: List[Dict[str, Any]]


@router.post("/{conversation_id}/resolve", response_model=Resolved, summary="Mark resolved and start the survey")
def resolve(
    session: SessionDep, user: RepDep, conversation_id: str = Path(..., min_length=1, max_length=120)
) -> Resolved:
    require_may_act(session, user, conversation_id)
    held = open_states(session, conversation_id)
    closed = resolve_handoffs(session, conversation_id, user.username)
    session.commit()  # the survey's action reads the rep from the hand-off
    try:
        with_retries(lambda: push_events(conversation_id, RESUME))
        triggered = with_retries(lambda: trigger_intent(conversation_id, "resolved_by_rep"))
    except httpx.HTTPError:
        _still_with_rep(session, held)
        raise HTTPException(
            status_code=503,
            detail="The assistant could not be reached to ask the survey, so the conversation is still with you; "
            "try again shortly.",
        )
    return Resolved(
        conversation_id=conversation_id,
        handoffs_closed=closed,
        survey_started=True,
        messages=triggered.get("messages", []),
    )
