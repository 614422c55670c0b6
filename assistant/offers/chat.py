"""The one offer the assistant may make in a chat, after the customer's question is answered."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from assistant.business import load_catalog
from assistant.cx.comments import sentiment
from assistant.handoff import is_with_rep
from assistant.models import OfferEvent
from assistant.offers.engine import ConversationContext, decide
from assistant.offers.log import offers_made_in, record_offer_shown
from assistant.offers.profile import load_profile
from assistant.offers.propensity import ModelFileError, PropensityModel, shared_store

logger = logging.getLogger(__name__)


def current_model() -> Optional[PropensityModel]:
    """The trained model, or None (offers then rank by eligibility alone, and say so in the log)."""
    try:
        return shared_store().get()
    except ModelFileError as error:
        logger.warning("%s", error)
        return None


def make_offer_after_answer(
    session: Session,
    customer_id: str,
    conversation_id: str,
    *,
    topic: Optional[str],
    last_words: str,
    complaint_open: bool,
    cancelling: bool,
    task_in_progress: Optional[str] = None,
) -> Optional[OfferEvent]:
    """Record and return the offer to make now, or None when a guardrail holds it back."""
    profile = load_profile(session, customer_id)
    if profile is None:
        return None
    context = ConversationContext(
        conversation_id=conversation_id,
        topic=topic,
        request_answered=True,
        sentiment=sentiment(last_words),
        complaint_open=complaint_open,
        cancelling=cancelling,
        handoff_active=is_with_rep(session, conversation_id),
        task_in_progress=task_in_progress,
        offers_made=offers_made_in(session, conversation_id),
        now=datetime.now(),
    )
    decision = decide(profile, context, load_catalog(), current_model())
    offer = decision.offer_to_make
    if offer is None:
        if decision.hold:
            logger.debug("no offer in %s: %s", conversation_id, decision.hold.message)
        return None
    return record_offer_shown(session, customer_id, offer, conversation_id, channel="chat")
