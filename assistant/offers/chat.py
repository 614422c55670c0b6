"""The one offer the assistant may make in a chat, after the customer's question is answered."""

from __future__ import annotations

import logging
import re
from typing import Optional

from sqlalchemy.orm import Session

from assistant import clock
from assistant.business import load_catalog
from assistant.consent import Consent, asks_a_question, read_consent
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
    need_met: bool = False,
    misunderstood: bool = False,
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
        need_met=need_met,
        misunderstood=misunderstood,
        now=clock.now(),
    )
    decision = decide(profile, context, load_catalog(), current_model())
    offer = decision.offer_to_make
    if offer is None:
        if decision.hold:
            logger.debug("no offer in %s: %s", conversation_id, decision.hold.message)
        return None
    return record_offer_shown(session, customer_id, offer, conversation_id, channel="chat")


_ABOUT_THE_OFFER = re.compile(
    r"\b(?:what(?:'?s| is| does| do) (?:it|that|this|they|included|in it)|what'?s that|what is that|"
    r"how much|what(?:'?s| is| does) it (?:cost|include|cover|do)|what do(?:es)? (?:i|it|you) (?:get|include|cover)|"
    r"tell me more|more (?:info|information|details)|details|price|cost|is it worth|what'?s included|"
    r"how does (?:it|that) work|what would i get|cancel (?:it |that )?(?:any ?time|whenever|when i (?:want|like)|later)|"
    r"(?:is there a|any) (?:minimum )?(?:contract|minimum term|commitment)|(?:contract|minimum term|commitment) (?:on|with|for) (?:it|that|this)|"
    r"tied? in(?:to)?|locked? in(?:to)?|does it cover|would it cover|what does it cover)\b"
)


# "my contract" is the customer's plan; "a contract on it" is the offer's terms (_ABOUT_THE_OFFER).
_ABOUT_SOMETHING_ELSE = re.compile(
    r"\b(?:bill|order|parcel|delivery|refund|plan|broadband|payment|account)s?\b|\bmy contract\b"
    r"|\b(?:arriv\w*|deliver\w*|coming|turn(?:ing)? up|ship\w*|dispatch\w*)\b"
)
_ON_THE_BILL = re.compile(
    r"\b(?:would|will|does|is|do) (?:it|that|this|they) (?:go|be|come|get added|appear|show)\b.*\b(?:on|to|onto) "
    r"(?:my|the) (?:next |monthly |normal |usual )?bill\b"
)
# A short question pointing back at what was just put forward ("wots that then?", "would it work on
# the kids' tablets?", "what do i actually get for that"): a question, and "it"/"that"/"this".
_POINTS_BACK = re.compile(r"\b(?:it|that|this|them|they|thing|one)\b")


def asks_about_offer(text: Optional[str]) -> bool:
    """ "What is it?", "how much?", "what does it include?": a question about the offer just made."""
    said = (text or "").lower().replace("\u2019", "'")
    if len(said.split()) <= 10 and _ON_THE_BILL.search(said):
        return True  # "would it go on my next bill": how the offer is paid
    if len(said.split()) > 10 or _ABOUT_SOMETHING_ELSE.search(said):
        return False  # "can you explain my bill?" is a new question, not one about the offer
    if _ABOUT_THE_OFFER.search(said):
        return True
    return asks_a_question(said) and bool(_POINTS_BACK.search(said))


def answers_offer(text: Optional[str]) -> bool:
    """A yes, a no or a question about the offer just made ("stick it on", "maybe another time", "how much?")."""
    return read_consent(text) is not Consent.NEITHER or asks_about_offer(text)
