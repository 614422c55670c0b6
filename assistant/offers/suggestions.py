"""What the rep console shows for a customer: open questions and offers, each logged with an id."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import clock
from assistant.business import load_catalog
from assistant.models import OfferEvent, RepSuggestion
from assistant.offers.chat import current_model
from assistant.offers.engine import ConversationContext, Offer, OfferDecision, decide
from assistant.offers.log import ShownSuggestion, offers_made_in, record_offer_shown, record_suggestions_shown
from assistant.offers.profile import load_profile
from assistant.offers.questions import Question, open_questions


@dataclass
class RepSuggestions:
    customer_id: str
    conversation_id: Optional[str]
    questions: List[Question]
    decision: OfferDecision
    logged: List[ShownSuggestion] = field(default_factory=list)  # questions, then offers, once logged

    def log(self, session: Session, rep_id: str) -> None:
        """Store what is shown to the rep, each with an id (the console reports its use)."""
        self.logged = record_suggestions_shown(
            session, self.customer_id, rep_id, self.questions, self.decision.offers, self.conversation_id
        )


def suggestions_for(
    session: Session,
    customer_id: str,
    conversation_id: Optional[str] = None,
    complaint_open: bool = False,
    cancelling: bool = False,
    offers_limit: int = 3,
) -> Optional[RepSuggestions]:
    """None for an unknown customer. Nothing is stored until `log` is called."""
    profile = load_profile(session, customer_id)
    if profile is None:
        return None
    context = ConversationContext(
        conversation_id=conversation_id,
        request_answered=True,  # the rep judges when the customer's question is answered
        complaint_open=complaint_open,
        cancelling=cancelling,
        # The rep is the person the conversation was handed to, so a hand-off does not hold their offer.
        handoff_active=False,
        offers_made=offers_made_in(session, conversation_id) if conversation_id else 0,
        now=clock.now(),
    )
    decision = decide(profile, context, load_catalog(), current_model())
    decision.offers = decision.offers[:offers_limit]
    return RepSuggestions(customer_id, conversation_id, open_questions(profile), decision)


def offer_made_by_rep(session: Session, suggestion: RepSuggestion) -> Optional[OfferEvent]:
    """A rep put an offer suggestion in a reply: the offer is made, logged as the assistant's are.

    Channel `rep`, the words the rep sent as its reason, the engine's score for
    this customer now. Once per conversation and add-on; None for a question,
    an unused suggestion or an add-on no longer in the catalog.
    """
    if suggestion.kind != "offer" or suggestion.use == "unused":
        return None
    if suggestion.conversation_id:
        made = (
            session.execute(
                select(OfferEvent).where(
                    OfferEvent.conversation_id == suggestion.conversation_id,
                    OfferEvent.addon_code == suggestion.basis,
                    OfferEvent.channel == "rep",
                )
            )
            .scalars()
            .first()
        )
        if made is not None:
            return made
    catalog = load_catalog()
    spec = catalog.addons.get(suggestion.basis)
    profile = load_profile(session, suggestion.customer_id)
    if spec is None or profile is None:
        return None
    ranked = decide(profile, ConversationContext(request_answered=True), catalog, current_model()).offers
    offer = next((o for o in ranked if o.code == spec.code), None)
    offer = offer or Offer(spec.code, spec.name, spec.monthly_price_cents, 0.0, suggestion.text)
    offer = replace(offer, reason=suggestion.used_text or suggestion.text)
    return record_offer_shown(session, suggestion.customer_id, offer, suggestion.conversation_id, channel="rep")
