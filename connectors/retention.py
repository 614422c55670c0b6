"""The daily privacy round: old transcripts deleted, closed accounts erased.

Transcripts live in Rasa's tracker store, so this round lives beside the
code that reads it (connectors/transcripts.py); the records' side of erasure
is assistant/retention.py. The sidecar runs it once a day (api/main.py);
`python -m assistant.cli apply-retention` runs it by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from assistant.business import Policies
from assistant.retention import due_for_erasure, erase_personal_fields
from connectors.transcripts import conversations_idle_since, conversations_of, delete_conversations

logger = logging.getLogger(__name__)


@dataclass
class RetentionRound:
    conversations_expired: int = 0
    customers_erased: int = 0
    events_deleted: int = 0


def apply_retention(session: Session, policies: Policies, today: date) -> RetentionRound:
    done = RetentionRound()
    cutoff = datetime.combine(today - timedelta(days=policies.conversation_retention_days), time(0), timezone.utc)
    expired = conversations_idle_since(session, cutoff.timestamp())
    done.conversations_expired = len(expired)
    done.events_deleted += delete_conversations(session, expired)
    for customer in due_for_erasure(session, today, policies.erasure_notice_days):
        conversations = conversations_of(session, customer.id)
        done.events_deleted += delete_conversations(session, conversations)
        erase_personal_fields(session, customer, today, conversations)
        done.customers_erased += 1
        logger.info("erased customer %s and %s conversations", customer.id, len(conversations))
    session.flush()
    return done
