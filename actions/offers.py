"""The one add-on offer, made when the customer says their need is met, and their answer to it.

An answering action calls `offer_after_answer` once the customer's own
question is answered: that only marks the moment (slot `request_answered`).
When the customer then says thanks, `action_thank` asks the engine in
`assistant.offers` whether an offer serves them (never in a conversation
the assistant misread, never within 30 days of any decline) and, if it does,
`action_offer_addon` makes it. `action_answer_offer` takes the answer: a
yes adds it, a no or "not now" is a decline, and "what is it?" or "how
much?" is answered from the catalog with the offer still open.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.base import CustomerAction
from actions.off_loop import OffTheLoop
from actions.survey import conversation_topic
from assistant.business import load_catalog
from assistant.consent import Consent, is_plain_no, read_consent
from assistant.db import session_scope
from assistant.models import AddOn, Customer, OfferEvent
from assistant.money import format_money
from assistant.offers.chat import asks_about_offer, make_offer_after_answer
from assistant.offers.log import accept_offer, decline_offer, ignore_pending_offers
from assistant.repair import turn_missed

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
# Turns that show the assistant misread the customer: no offer in that conversation.
# A follow-up the NLU could not place but the assistant handed on and answered is no misread.
MISREAD_RESPONSES = ("utter_change_left",)


def task_in_progress(active_loop: str | None) -> str | None:
    if not active_loop or active_loop == "cancel_form":  # cancelling has its own guardrail
        return None
    return TASKS_IN_PROGRESS.get(active_loop, "a request still open")


def offer_after_answer(tracker: Tracker, session: Session, customer: Customer) -> List[Dict[Text, Any]]:
    """The customer's question is answered: an offer may follow once they say their need is met."""
    if task_in_progress(tracker.active_loop_name) or tracker.get_slot("request_answered"):
        return []  # no event when nothing changes: every event is reloaded on every later turn
    return [SlotSet("request_answered", True)]


def misread(tracker: Tracker) -> bool:
    """Did the assistant misunderstand a turn of this conversation (a miss, a dropped change)?"""
    responses = [
        (event.get("metadata") or {}).get("utter_action") for event in tracker.events if event.get("event") == "bot"
    ]
    return turn_missed(responses) or any(response in MISREAD_RESPONSES for response in responses)


def offer_now(tracker: Tracker, session: Session, customer: Customer) -> List[Dict[Text, Any]]:
    """Events that make the one offer now, or none. Never breaks the answer already given."""
    if not tracker.get_slot("request_answered"):
        return []
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
                need_met=True,
                misunderstood=misread(tracker),
            )
    except Exception:  # an offer is never worth a failed answer
        logger.exception("could not consider an offer for %s", tracker.sender_id)
        return []
    if event is None:
        return []
    return [SlotSet("offer_id", str(event.id)), FollowupAction("action_offer_addon")]


class ActionThank(CustomerAction):
    """You're welcome; and, if the customer's need is met and an offer serves them, the one offer."""

    requires_identity = False

    def name(self) -> Text:
        return "action_thank"

    def answer(self, dispatcher, tracker, domain, session, customer):
        events = offer_now(tracker, session, customer) if customer else []
        if events:
            dispatcher.utter_message(response="utter_you_are_welcome_short")
            return events + [SlotSet("request_answered", None)]
        dispatcher.utter_message(response="utter_you_are_welcome")
        return []


def _pending(session: Session, tracker: Tracker) -> OfferEvent | None:
    offer_id = tracker.get_slot("offer_id")
    if not offer_id or not str(offer_id).isdigit():
        return None
    event = session.get(OfferEvent, int(offer_id))
    if event is None or event.conversation_id != tracker.sender_id or event.status != "shown":
        return None
    return event


class ActionOfferAddon(OffTheLoop, Action):
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


# Where a message that is not an answer to the offer goes once the offer is closed.
NOT_AN_ANSWER_GOES_TO = {
    "faq": "action_answer_faq",
    "plan_info": "action_plan_info",
    "goodbye": "survey_form",
    "thank": "action_thank",
    "explain_bill": "action_explain_bill",
    "cancel_subscription": "cancel_form",
}


class ActionAnswerOffer(OffTheLoop, Action):
    """Yes: a pending add-on from the next bill. No, not now, maybe later: a decline.

    "What is it?" or "how much?" is answered from the catalog and the offer
    stays open; anything else closes it as ignored and is handled.
    """

    def name(self) -> Text:
        return "action_answer_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = message.get("text") or ""
        consent = read_consent(text)
        try:
            with session_scope() as session:
                event = _pending(session, tracker)
                if event is None:
                    if tracker.get_slot("offer_id"):  # the offer it answers was closed meanwhile
                        dispatcher.utter_message(response="utter_offer_gone")
                    elif intent == "deny":  # "no" to "anything else?" after the offer: the chat is done
                        return [SlotSet("offer_id", None), FollowupAction("survey_form")]
                    elif intent == "cancel_subscription":  # a new request after the offer was answered
                        return [SlotSet("offer_id", None), FollowupAction("cancel_form")]
                    else:
                        dispatcher.utter_message(response="utter_anything_else")
                    return [SlotSet("offer_id", None)]
                addon = session.get(AddOn, event.addon_code)
                name = addon.name if addon else event.addon_code
                if consent is Consent.YES:
                    accepted = accept_offer(session, event)
                    dispatcher.utter_message(
                        response="utter_offer_accepted",
                        addon=accepted.addon_name,
                        price=format_money(event.monthly_price_cents),
                        start_date=f"{accepted.starts_on:%d %B %Y}",
                        reference=f"SUB-{accepted.subscription.id}",
                    )
                elif asks_about_offer(text) and not is_plain_no(text):
                    # "wait what do i actually get for that": a question, even when it opens with a hold
                    spec = load_catalog().addons.get(event.addon_code)
                    dispatcher.utter_message(
                        response="utter_offer_details",
                        addon=name,
                        price=format_money(event.monthly_price_cents),
                        description=spec.description if spec else "",
                    )
                    return []  # the offer stays open
                elif consent is Consent.NO or intent == "deny":
                    decline_offer(session, event)
                    dispatcher.utter_message(response="utter_offer_declined")
                else:
                    ignore_pending_offers(session, tracker.sender_id)
                    follow = NOT_AN_ANSWER_GOES_TO.get(intent, "action_rephrase_or_handoff")
                    return [SlotSet("offer_id", None), FollowupAction(follow)]
        except SQLAlchemyError:
            logger.exception("could not record the answer to an offer in %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_systems_unavailable")
        return [SlotSet("offer_id", None)]
