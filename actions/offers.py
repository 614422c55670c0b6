"""The one add-on offer after a solved request, and the customer's answer to it.

An answering action calls `offer_after_answer` once the customer's own
question is answered; the engine in `assistant.offers` decides whether an
offer serves the customer. If it does, `action_offer_addon` makes it (rules
then route "yes" and "no" to `action_answer_offer`).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.survey import conversation_topic
from assistant.db import session_scope
from assistant.models import AddOn, Customer, OfferEvent
from assistant.money import format_money
from assistant.offers.chat import make_offer_after_answer
from assistant.offers.log import accept_offer, decline_offer

logger = logging.getLogger(__name__)

# The customer's own jobs still open while a form runs: an answer given on
# the side (a bill, an FAQ) does not solve them, so no offer yet.
TASKS_IN_PROGRESS = {
    "troubleshoot_form": "sorting out a technical problem",
    "plan_change_form": "a plan change",
    "address_form": "an address change",
    "identify_form": "confirming who they are",
    "survey_form": "the post-chat survey",
}


def task_in_progress(active_loop: str | None) -> str | None:
    if not active_loop or active_loop == "cancel_form":  # cancelling has its own guardrail
        return None
    return TASKS_IN_PROGRESS.get(active_loop, "a request still open")


def offer_after_answer(tracker: Tracker, session: Session, customer: Customer) -> List[Dict[Text, Any]]:
    """Events that make the one offer now, or none. Never breaks the answer already given."""
    try:
        with session.begin_nested():
            event = make_offer_after_answer(
                session,
                customer.id,
                tracker.sender_id,
                topic=conversation_topic(tracker),
                last_words=(tracker.latest_message or {}).get("text") or "",
                complaint_open=bool(tracker.get_slot("complaint_active")),
                cancelling=tracker.active_loop_name == "cancel_form" or bool(tracker.get_slot("cancel_reason")),
                task_in_progress=task_in_progress(tracker.active_loop_name),
            )
    except Exception:  # an offer is never worth a failed answer
        logger.exception("could not consider an offer for %s", tracker.sender_id)
        return []
    if event is None:
        return []
    return [SlotSet("offer_id", str(event.id)), FollowupAction("action_offer_addon")]


def _pending(session: Session, tracker: Tracker) -> OfferEvent | None:
    offer_id = tracker.get_slot("offer_id")
    if not offer_id or not str(offer_id).isdigit():
        return None
    event = session.get(OfferEvent, int(offer_id))
    if event is None or event.conversation_id != tracker.sender_id or event.status != "shown":
        return None
    return event


class ActionOfferAddon(Action):
    def name(self) -> Text:
        return "action_offer_addon"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        try:
            with session_scope() as session:
                event = _pending(session, tracker)
                if event is None:
                    return [SlotSet("offer_id", None)]
                addon = session.get(AddOn, event.addon_code)
                dispatcher.utter_message(
                    response="utter_offer_addon",
                    addon=addon.name if addon else event.addon_code,
                    price=format_money(event.monthly_price_cents),
                    reason=event.reason,
                )
        except SQLAlchemyError:
            logger.exception("could not read the offer in %s", tracker.sender_id)
            return [SlotSet("offer_id", None)]
        return []


class ActionAnswerOffer(Action):
    """Yes: a pending add-on from the next bill, confirmed. No or not now: recorded, never pushed again."""

    def name(self) -> Text:
        return "action_answer_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        try:
            with session_scope() as session:
                event = _pending(session, tracker)
                if event is None:
                    dispatcher.utter_message(response="utter_offer_gone")
                    return [SlotSet("offer_id", None)]
                if intent == "affirm":
                    accepted = accept_offer(session, event)
                    dispatcher.utter_message(
                        response="utter_offer_accepted",
                        addon=accepted.addon_name,
                        price=format_money(event.monthly_price_cents),
                        start_date=f"{accepted.starts_on:%d %B %Y}",
                        reference=f"SUB-{accepted.subscription.id}",
                    )
                else:
                    decline_offer(session, event)
                    dispatcher.utter_message(response="utter_offer_declined")
        except SQLAlchemyError:
            logger.exception("could not record the answer to an offer in %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_systems_unavailable")
        return [SlotSet("offer_id", None)]
