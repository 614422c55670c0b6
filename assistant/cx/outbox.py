"""The feedback outbox: surveys wait here while the sidecar is unreachable.

Each waiting survey is delivered on its own: one that fails (a bad row, a
conflict) is retried later with a growing wait and never holds back the
others; after `MAX_ATTEMPTS` it moves to the dead-letter table, where a
supervisor sees it and can send it back once the cause is fixed. A survey
the sidecar refused outright (a 4xx) goes there at once: retrying the same
request cannot succeed, and dropping it would lose what the customer said.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.cx.feedback import FeedbackConflict, record_feedback
from assistant.cx.survey_answers import SCALES
from assistant.models import FeedbackDeadLetter, FeedbackOutbox

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_WAIT = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
ANSWER_SCALES = {"nps": SCALES["survey_nps"], "csat": SCALES["survey_csat"], "ces": SCALES["survey_ces"]}


class UndeliverableFeedback(ValueError):
    """The stored survey cannot be recorded as it is (retrying will not help)."""


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


def refuse(session: Session, feedback: Dict[str, Any], error: str) -> FeedbackDeadLetter:
    """Keep a survey that could not be recorded where supervisors see it."""
    now = clock.now()
    conversation_id = str(feedback.get("conversation_id") or "?")[:120]
    return _dead_letter(session, conversation_id, json.dumps(feedback), now, now, 1, error or "refused")


def _dead_letter(session: Session, conversation_id, payload, answered_at, failed_at, attempts, error):
    letter = FeedbackDeadLetter(
        conversation_id=conversation_id,
        payload=payload,
        created_at=answered_at,
        failed_at=failed_at,
        attempts=attempts,
        last_error=error[:200],
    )
    session.add(letter)
    session.flush()
    return letter


def wait_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 10 s, 20 s, 40 s, … at most an hour."""
    return min(FIRST_WAIT * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def _answers(payload: str) -> Dict[str, Any]:
    try:
        answers = json.loads(payload)
    except ValueError as error:
        raise UndeliverableFeedback(f"not JSON: {error}") from error
    if not isinstance(answers, dict) or not answers.get("conversation_id"):
        raise UndeliverableFeedback("no conversation id")
    for name, (low, high) in ANSWER_SCALES.items():
        value = answers.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            raise UndeliverableFeedback(f"{name} must be a whole number from {low} to {high}")
    return answers


@dataclass
class Drained:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def drain(session: Session, limit: int = 500, now: Optional[datetime] = None) -> Drained:
    """Record every survey that is due, one by one."""
    now = now or clock.now()
    outcome = Drained()
    rows = (
        session.execute(
            select(FeedbackOutbox)
            .where(
                FeedbackOutbox.delivered_at.is_(None),
                or_(FeedbackOutbox.next_attempt_at.is_(None), FeedbackOutbox.next_attempt_at <= now),
            )
            .order_by(FeedbackOutbox.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    for row in rows:
        try:
            with session.begin_nested():  # a failure undoes this row's writes only
                record_feedback(session, **_answers(row.payload))
        except Exception as error:  # noqa: BLE001 - any failure of one row is that row's, logged and kept
            _failed(session, row, error, now, outcome)
            continue
        row.delivered_at = now
        row.attempts += 1
        outcome.delivered += 1
    session.flush()
    return outcome


def _failed(session: Session, row: FeedbackOutbox, error: Exception, now: datetime, outcome: Drained) -> None:
    reason = f"{error.__class__.__name__}: {error}"[:200]
    row.attempts += 1
    row.last_error = reason
    permanent = isinstance(error, (UndeliverableFeedback, FeedbackConflict, TypeError))
    if permanent or row.attempts >= MAX_ATTEMPTS:
        logger.error("feedback for %s moved to the dead letters: %s", row.conversation_id, reason)
        _dead_letter(session, row.conversation_id, row.payload, row.created_at, now, row.attempts, reason)
        session.delete(row)
        outcome.dead += 1
        return
    logger.warning("feedback for %s not recorded (attempt %s): %s", row.conversation_id, row.attempts, reason)
    row.next_attempt_at = now + wait_after(row.attempts)
    outcome.retrying += 1


def dead_letters(session: Session, limit: int = 200) -> List[FeedbackDeadLetter]:
    """The surveys that could not be recorded, newest first."""
    return list(
        session.execute(select(FeedbackDeadLetter).order_by(FeedbackDeadLetter.id.desc()).limit(limit)).scalars()
    )


def send_back(session: Session, letter_id: int) -> Optional[FeedbackOutbox]:
    """A supervisor sends a dead letter back to the outbox (the cause fixed); None if there is none."""
    letter = session.get(FeedbackDeadLetter, letter_id)
    if letter is None:
        return None
    row = FeedbackOutbox(
        conversation_id=letter.conversation_id,
        payload=letter.payload,
        created_at=letter.created_at,
        attempts=0,
        last_error=f"sent back after: {letter.last_error}"[:200],
    )
    session.add(row)
    session.delete(letter)
    session.flush()
    return row
