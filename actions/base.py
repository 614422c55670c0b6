"""What every action that reads a customer's records shares.

- who the customer is (slot, or the identity the channel bound to the message);
- asking them to identify when nobody is (then resuming what they asked);
- one database session per action call;
- a polite answer, never a stack trace, when the database is unreachable.
"""

from __future__ import annotations

import inspect
import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.customers import get_customer
from assistant.db import session_scope
from assistant.models import Customer
from assistant.offers.log import ignore_pending_offers
from assistant.typed_answers import read_choice

logger = logging.getLogger(__name__)


def metadata_customer_id(tracker: Tracker) -> Optional[str]:
    """The customer id the channel bound to this conversation, if any."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    customer_id = metadata.get("customer_id")
    if not customer_id:
        started = tracker.get_slot("session_started_metadata") or {}
        customer_id = started.get("customer_id") if isinstance(started, dict) else None
    return customer_id or None


def identity_events(customer: Customer) -> List[Dict[Text, Any]]:
    """Slots that mark the conversation as this customer's."""
    return [
        SlotSet("customer_id", customer.id),
        SlotSet("customer_name", customer.first_name),
        SlotSet("account_email", customer.email),
        SlotSet("account_postcode", customer.postcode),
    ]


class CustomerAction(Action, metaclass=ABCMeta):
    """An action that answers from the customer's own records."""

    requires_identity = True
    identity_prompt = "utter_need_identity"

    @abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            with session_scope() as session:
                events: List[Dict[Text, Any]] = []
                if tracker.get_slot("offer_id"):
                    # The customer moved on without answering the offer: it counts as ignored.
                    ignore_pending_offers(session, tracker.sender_id)
                    events.append(SlotSet("offer_id", None))
                customer = self._resolve_customer(session, tracker, events)
                if customer is None and self.requires_identity:
                    return events + self.ask_identity(dispatcher)
                return events + list(self.answer(dispatcher, tracker, domain, session, customer) or [])
        except SQLAlchemyError:
            logger.exception("database error in %s", self.name())
            dispatcher.utter_message(response="utter_systems_unavailable")
            return []

    def ask_identity(self, dispatcher: CollectingDispatcher) -> List[Dict[Text, Any]]:
        """Ask who they are, then come back to this action (see action_resume_request)."""
        dispatcher.utter_message(response=self.identity_prompt)
        return [SlotSet("pending_request", self.name()), FollowupAction("identify_form")]

    def _resolve_customer(
        self, session: Session, tracker: Tracker, events: List[Dict[Text, Any]]
    ) -> Optional[Customer]:
        bound = metadata_customer_id(tracker)
        slot = tracker.get_slot("customer_id")
        if bound and bound != slot:
            customer = get_customer(session, bound)
            if customer is not None:
                events.extend(identity_events(customer))
                tracker.slots.update({e["name"]: e["value"] for e in identity_events(customer)})
            return customer
        return get_customer(session, slot) if slot else None

    @abstractmethod
    def answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
        session: Session,
        customer: Optional[Customer],
    ) -> List[Dict[Text, Any]]:
        """Answer for `customer` (None only when `requires_identity` is False)."""


def customer_action(name: Text) -> Optional[CustomerAction]:
    """The customer action with that name, to resume it after identification."""
    pending = list(CustomerAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not inspect.isabstract(cls) and cls().name() == name:
            return cls()
    return None


def request_text(tracker: Tracker) -> Text:
    """The customer's words for their request, skipping identity answers."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent not in ("inform", "affirm", "deny"):
                return event.get("text") or ""
    return (tracker.latest_message or {}).get("text") or ""


def typed_choice(tracker: Tracker, slot: Text, opening_intent: Optional[Text] = None) -> Dict[Text, Any]:
    """The answer to the button question for `slot`, when it was typed in words.

    While that question is the one asked, or, with `opening_intent`, already
    in the message that started the form ("my wifi keeps dropping": no need
    to ask which problem it is). Never when a button value came with the
    message; a reply naming none of the answers is left to the dialogue (it
    is a new question, answered before the form asks again).
    """
    message = tracker.latest_message or {}
    asked = tracker.get_slot("requested_slot")
    intent = (message.get("intent") or {}).get("name")
    opening = asked is None and opening_intent is not None and intent == opening_intent
    if asked != slot and not opening:
        return {}
    text = message.get("text") or ""
    if text.startswith("/") or any(e.get("entity") == slot for e in message.get("entities") or []):
        return {}
    choice = read_choice(slot, text)
    return {slot: choice} if choice else {}
