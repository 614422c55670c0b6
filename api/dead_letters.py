"""Surveys that could not be recorded (`/api/feedback/dead-letters`), for supervisors.

What a customer answered is never dropped: a survey the sidecar refused, or
one that kept failing in the outbox, waits here with the reason until a
supervisor sends it back (after fixing the cause) or reads it by hand.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel

from api.deps import SessionDep, SupervisorDep
from assistant.cx import outbox

router = APIRouter(prefix="/api/feedback/dead-letters", tags=["feedback"])


class DeadLetterOut(BaseModel):
    id: int
    conversation_id: str
    answered_at: str
    failed_at: str
    attempts: int
    reason: str
    answers: Dict[str, Any]


class SentBack(BaseModel):
    id: int
    outbox_id: int


def _answers(payload: str) -> Dict[str, Any]:
    try:
        answers = json.loads(payload)
    except ValueError:
        return {"unreadable": payload[:500]}
    return answers if isinstance(answers, dict) else {"unreadable": payload[:500]}


@router.get("", response_model=List[DeadLetterOut], summary="Surveys that could not be recorded, newest first")
def list_dead_letters(session: SessionDep, _user: SupervisorDep) -> List[DeadLetterOut]:
    return [
        DeadLetterOut(
            id=letter.id,
            conversation_id=letter.conversation_id,
            answered_at=letter.created_at.isoformat(timespec="seconds"),
            failed_at=letter.failed_at.isoformat(timespec="seconds"),
            attempts=letter.attempts,
            reason=letter.last_error,
            answers=_answers(letter.payload),
        )
        for letter in outbox.dead_letters(session)
    ]


@router.post("/{letter_id}/retry", response_model=SentBack, summary="Send a survey back to the outbox")
def retry_dead_letter(session: SessionDep, _user: SupervisorDep, letter_id: int = Path(..., ge=1, le=2**31 - 1)):
    row = outbox.send_back(session, letter_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"No dead letter {letter_id}.")
    return SentBack(id=letter_id, outbox_id=row.id)
